import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { lazySchema } from '../../functions/core/lazy-schema.ts';
import { PROJECT_ROOT } from '../../infra/shared.ts';

describe('lazySchema', () => {
  it('builds the schema on first use, once', () => {
    let built = 0;
    const schema = lazySchema(() => {
      built++;
      return z.object({ name: z.string().min(1) }).strict();
    });
    expect(built).toBe(0);
    expect(schema.parse({ name: 'a' })).toEqual({ name: 'a' });
    expect(schema.safeParse({ name: '' }).success).toBe(false);
    expect(Object.keys(schema.shape)).toEqual(['name']);
    expect(built).toBe(1);
  });

  it('stands in for the schema inside other schemas, with its messages', () => {
    const code = lazySchema(() => z.string().regex(/^[A-Z]+$/, 'must be upper-case letters'));
    const outer = lazySchema(() => z.object({ code, codes: z.array(code).optional() }).strict());
    expect(code instanceof z.ZodType).toBe(true);
    expect(outer.parse({ code: 'AB', codes: ['C'] })).toEqual({ code: 'AB', codes: ['C'] });
    const result = outer.safeParse({ code: 'ab' });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['code', 'must be upper-case letters'],
    ]);
    expect(outer.extend({ n: z.number() }).parse({ code: 'X', n: 1 })).toEqual({ code: 'X', n: 1 });
    expect(code.optional().parse(undefined)).toBeUndefined();
  });

  it('lets an error thrown while building reach the caller', () => {
    const schema = lazySchema((): z.ZodString => {
      throw new Error('bad schema');
    });
    expect(() => schema.parse('x')).toThrow('bad schema');
  });
});

describe('schemas in function modules', () => {
  it('are built with zod/mini, never full zod, and their modules load its English messages', () => {
    const full: string[] = [];
    const unconfigured: string[] = [];
    for (const file of sources(join(PROJECT_ROOT, 'functions'))) {
      const text = readFileSync(file, 'utf8');
      const name = relative(PROJECT_ROOT, file);
      if (/from 'zod'/.test(text)) full.push(name);
      // A module that builds schemas (not only names their types) loads lazy-schema.ts, which sets the messages.
      const builds = /^import \* as z from 'zod\/mini'/m.test(text);
      if (builds && !/from '\.\/lazy-schema\.ts'/.test(text)) unconfigured.push(name);
    }
    expect(full).toEqual([]);
    expect(unconfigured).toEqual([]);
  });
});

/** Names called at a module's top level (outside any function body) in `node`. */
function topLevelCalls(node: ts.Node, out: { name: string; line: number }[], sf: ts.SourceFile) {
  if (ts.isFunctionLike(node)) return;
  if (ts.isCallExpression(node)) {
    let callee: ts.Expression = node.expression;
    while (ts.isPropertyAccessExpression(callee) || ts.isCallExpression(callee)) callee = callee.expression;
    if (ts.isIdentifier(callee)) {
      out.push({ name: callee.text, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1 });
    }
    // lazySchema(() => ...) defers everything inside it.
    if (ts.isIdentifier(node.expression) && node.expression.text === 'lazySchema') return;
  }
  ts.forEachChild(node, (child) => topLevelCalls(child, out, sf));
}

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );

describe('function modules', () => {
  it('build no zod schema at load: module-level schemas are wrapped in lazySchema', () => {
    const found: string[] = [];
    for (const file of sources(join(PROJECT_ROOT, 'functions'))) {
      const text = readFileSync(file, 'utf8');
      if (!/from 'zod(\/mini)?'/.test(text)) continue;
      const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
      // Module-level helpers that build schemas (`const text = () => z.string()`) count as zod.
      const builders = new Set(['z']);
      for (const st of sf.statements) {
        if (ts.isFunctionDeclaration(st) && st.name && /\bz\./.test(st.getText(sf)))
          builders.add(st.name.text);
        if (ts.isVariableStatement(st)) {
          for (const d of st.declarationList.declarations) {
            if (
              d.initializer &&
              ts.isArrowFunction(d.initializer) &&
              /\bz\./.test(d.initializer.getText(sf))
            ) {
              builders.add(d.name.getText(sf));
            }
          }
        }
      }
      for (const st of sf.statements) {
        if (ts.isImportDeclaration(st) || ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) continue;
        const calls: { name: string; line: number }[] = [];
        topLevelCalls(st, calls, sf);
        for (const c of calls.filter((c) => builders.has(c.name))) {
          found.push(`${relative(PROJECT_ROOT, file)}:${c.line} ${c.name}(…)`);
        }
      }
    }
    expect(found).toEqual([]);
  });
});
