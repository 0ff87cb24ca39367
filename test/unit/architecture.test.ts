import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The rules between the parts of Dangan (docs/architecture.md), read from the sources: who may
 * import whom, where the table's keys may be written, what the console takes from the functions,
 * and how long a production file may grow.
 */

const ROOT = join(import.meta.dirname, '..', '..');

function sources(dir: string, ext = /\.ts$/): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && ext.test(e.name))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

interface Import {
  file: string;
  spec: string;
  typeOnly: boolean;
}

/** Every import and re-export of a file, with the module it names. */
function importsOf(file: string): Import[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const out: Import[] = [];
  for (const m of text.matchAll(/^(import|export)\s+(type\s+)?[^;]*?from\s+'([^']+)'/gms)) {
    out.push({ file, spec: m[3] as string, typeOnly: m[2] !== undefined });
  }
  for (const m of text.matchAll(/import\('([^']+)'\)/g))
    out.push({ file, spec: m[1] as string, typeOnly: false });
  return out;
}

/** The part of functions/ a relative import lands in (`core`, `adapters`, `catalog`, ...). */
function partOf(file: string, spec: string): string {
  if (!spec.startsWith('.')) return spec.startsWith('node:') ? 'node' : `package:${spec}`;
  const target = relative(join(ROOT, 'functions'), join(ROOT, file, '..', spec));
  if (target.startsWith('..')) return `outside:${target}`;
  const [first] = target.split('/');
  return first?.endsWith('.ts') ? first.replace(/\.ts$/, '') : (first as string);
}

const FUNCTIONS = sources('functions');
const inPart = (part: string) => FUNCTIONS.filter((f) => f.startsWith(`functions/${part}/`));
const HANDLERS = ['api', 'steps', 'events'].flatMap(inPart);

function violations(files: readonly string[], allowed: (part: string, i: Import) => boolean): string[] {
  return files.flatMap((file) =>
    importsOf(file)
      .filter((i) => !allowed(partOf(file, i.spec), i))
      .map((i) => `${file} imports ${i.spec}`),
  );
}

describe('who may import whom', () => {
  it('core is plain domain logic: only core, zod (zod/mini and its messages), node built-ins and the schemes', () => {
    expect(
      violations(
        inPart('core'),
        (p) =>
          p === 'core' ||
          p === 'node' ||
          p === 'package:zod/mini' ||
          p === 'package:zod/v4/locales/en.js' ||
          p.startsWith('outside:../schemes/'),
      ),
    ).toEqual([]);
  });

  it('adapters build the SDK calls and know nothing of use cases or handlers', () => {
    expect(
      violations(
        inPart('adapters'),
        (p) => ['core', 'adapters', 'catalog', 'node'].includes(p) || p.startsWith('package:'),
      ),
    ).toEqual([]);
  });

  it('services call adapters and core; never a handler or the HTTP layer', () => {
    expect(
      violations(inPart('services'), (p) => ['core', 'adapters', 'services', 'node'].includes(p)),
    ).toEqual([]);
  });

  it('handlers translate into one service or adapter call; no handler imports another', () => {
    expect(
      violations(HANDLERS, (p, i) => {
        if (['core', 'adapters', 'services', 'http', 'node', 'catalog'].includes(p)) return true;
        // A handler's own folder: only type re-exports (a step shares its input type).
        return ['api', 'steps', 'events'].includes(p) ? i.typeOnly : p === 'package:aws-lambda';
      }),
    ).toEqual([]);
  });

  it('only the adapters reach the AWS SDK', () => {
    const outside = FUNCTIONS.filter((f) => !f.startsWith('functions/adapters/'));
    expect(violations(outside, (p) => !p.startsWith('package:@aws-sdk/'))).toEqual([]);
  });

  it('the data-access kernel (adapters/dynamo) is the repositories’ own', () => {
    const users = FUNCTIONS.filter(
      (f) => !f.startsWith('functions/adapters/') && f !== 'functions/catalog/triggers.ts',
    );
    expect(
      violations(users, (_p, i) => !i.spec.includes('adapters/dynamo/')),
      'the catalog takes only the stream filters (RECORD_KEYS) from it',
    ).toEqual([]);
  });

  it('the console takes only types from the functions, through functions/contract.ts', () => {
    const web = sources('web/src');
    const reaching = web.flatMap(importsOf).filter((i) => i.spec.includes('functions/'));
    expect(reaching.length).toBeGreaterThan(0);
    expect(reaching.filter((i) => !i.typeOnly || !i.spec.endsWith('functions/contract.ts'))).toEqual([]);
    const contract = readFileSync(join(ROOT, 'functions/contract.ts'), 'utf8');
    expect(contract).not.toMatch(/^export\s+(?!type\b)/m);
    expect(contract).not.toMatch(/^import\s+(?!type\b)/m);
  });
});

describe('the code the command and the console share', () => {
  it('shared/ runs in a browser: no node built-in, no package, and of functions/ only plain core modules', () => {
    /** A core module that reaches, however deep, nothing but other core modules. */
    const plain = (file: string, seen = new Set<string>()): boolean =>
      seen.has(file) ||
      (seen.add(file) &&
        importsOf(file).every((i) => {
          const target = relative(ROOT, join(ROOT, file, '..', i.spec));
          return i.spec.startsWith('.') && target.startsWith('functions/core/') && plain(target, seen);
        }));
    const files = sources('shared');
    expect(files.length).toBeGreaterThan(0);
    const bad = files.flatMap(importsOf).filter((i) => {
      if (!i.spec.startsWith('.')) return true;
      const target = relative(ROOT, join(ROOT, i.file, '..', i.spec));
      if (target.startsWith('shared/')) return false;
      return !target.startsWith('functions/core/') || !plain(target);
    });
    expect(bad.map((i) => `${i.file} imports ${i.spec}`)).toEqual([]);
  });
});

describe('one room for the table layout', () => {
  // A key or index name: gsi1pk, pk:, 'DOCUMENT#'... (comments may explain the layout).
  const KEY_NAME = /\bgsi\d(pk|sk)?\b|\bpk\b|['`"][A-Z]{3,}#/;
  const code = (line: string) => !/^\s*(\*|\/\/|\/\*)/.test(line);

  it('no key or index name outside the adapters', () => {
    const outside = FUNCTIONS.filter((f) => !f.startsWith('functions/adapters/'));
    const found = outside.flatMap((file) =>
      readFileSync(join(ROOT, file), 'utf8')
        .split('\n')
        .flatMap((line, n) =>
          code(line) && KEY_NAME.test(line) ? [`${file}:${n + 1}: ${line.trim()}`] : [],
        ),
    );
    expect(found).toEqual([]);
  });

  it('the check above finds a key when one is written', () => {
    expect(KEY_NAME.test("  ExpressionAttributeValues: { ':pk': `DOCUMENT#` + id },")).toBe(true);
    expect(KEY_NAME.test("  IndexName: 'gsi2',")).toBe(true);
    expect(KEY_NAME.test('  const status = doc.status;')).toBe(false);
  });
});

describe('short files', () => {
  it('no production source file is over 600 lines', () => {
    const production = [
      ...FUNCTIONS,
      ...sources('infra'),
      ...sources('web/src', /\.(ts|css|html)$/),
      ...sources('scripts'),
      ...sources('shared'),
    ];
    const long = production
      .map((file) => ({ file, lines: readFileSync(join(ROOT, file), 'utf8').split('\n').length }))
      .filter((f) => f.lines > 600);
    expect(long).toEqual([]);
  });
});
