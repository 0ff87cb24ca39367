/**
 * JSONPath as Step Functions uses it (Jayway semantics): reference paths for InputPath,
 * ResultPath, OutputPath and Choice variables, and full paths (wildcards, slices, unions,
 * recursive descent, filters) in `.$` payload template fields.
 */
import { runtimeError } from './errors.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

type Seg =
  | { t: 'name'; name: string }
  | { t: 'index'; index: number }
  | { t: 'wild' }
  | { t: 'names'; names: string[] }
  | { t: 'indices'; indices: number[] }
  | { t: 'slice'; start: number | undefined; end: number | undefined; step: number }
  | { t: 'filter'; expr: Expr }
  | { t: 'desc'; inner: Seg }
  | { t: 'length' };

export interface ParsedPath {
  /** `$$` paths address the context object. */
  context: boolean;
  segs: Seg[];
  /** A definite path addresses at most one node; others yield a list. */
  definite: boolean;
  source: string;
}

type Operand =
  | { k: 'lit'; v: Json }
  | { k: 'path'; relative: boolean; p: ParsedPath }
  | { k: 'regex'; re: RegExp };

type Expr =
  | { k: 'or'; a: Expr; b: Expr }
  | { k: 'and'; a: Expr; b: Expr }
  | { k: 'not'; e: Expr }
  | { k: 'cmp'; op: string; l: Operand; r: Operand }
  | { k: 'exists'; o: Operand };

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const cache = new Map<string, ParsedPath>();

export function parsePath(source: string): ParsedPath {
  const hit = cache.get(source);
  if (hit) return hit;
  const parsed = new PathParser(source).parse();
  if (cache.size > 5000) cache.clear();
  cache.set(source, parsed);
  return parsed;
}

class PathParser {
  private i = 0;
  constructor(private readonly src: string) {}

  private fail(why: string): never {
    throw runtimeError(`Invalid JSONPath '${this.src}': ${why}`);
  }

  parse(): ParsedPath {
    const s = this.src.trim();
    let context = false;
    if (s.startsWith('$$')) {
      context = true;
      this.i = 2;
    } else if (s.startsWith('$')) {
      this.i = 1;
    } else {
      this.fail('must start with $');
    }
    const segs: Seg[] = [];
    while (this.i < s.length) {
      const c = s[this.i];
      if (c === '.') {
        if (s[this.i + 1] === '.') {
          this.i += 2;
          let inner: Seg;
          if (s[this.i] === '[') inner = this.bracket(s);
          else if (s[this.i] === '*') {
            this.i++;
            inner = { t: 'wild' };
          } else inner = { t: 'name', name: this.name(s) };
          segs.push({ t: 'desc', inner });
        } else {
          this.i++;
          if (s[this.i] === '*') {
            this.i++;
            segs.push({ t: 'wild' });
          } else {
            const name = this.name(s);
            if (name === 'length()') segs.push({ t: 'length' });
            else segs.push({ t: 'name', name });
          }
        }
      } else if (c === '[') {
        segs.push(this.bracket(s));
      } else {
        this.fail(`unexpected '${c}' at ${this.i}`);
      }
    }
    const definite = segs.every((g) => g.t === 'name' || g.t === 'index' || g.t === 'length');
    return { context, segs, definite, source: this.src };
  }

  private name(s: string): string {
    const start = this.i;
    while (this.i < s.length && s[this.i] !== '.' && s[this.i] !== '[') this.i++;
    const name = s.slice(start, this.i);
    if (!name) this.fail(`empty name at ${start}`);
    return name;
  }

  private bracket(s: string): Seg {
    this.i++; // [
    this.skipWs(s);
    const c = s[this.i];
    if (c === '*') {
      this.i++;
      this.expect(s, ']');
      return { t: 'wild' };
    }
    if (c === '?') {
      this.i++;
      this.skipWs(s);
      if (s[this.i] !== '(') this.fail('filter must be ?(...)');
      const end = matchParen(s, this.i);
      if (end < 0) this.fail('unbalanced filter parentheses');
      const body = s.slice(this.i + 1, end);
      this.i = end + 1;
      this.expect(s, ']');
      return { t: 'filter', expr: parseFilter(body, this.src) };
    }
    if (c === "'" || c === '"') {
      const names: string[] = [];
      for (;;) {
        this.skipWs(s);
        names.push(this.quoted(s));
        this.skipWs(s);
        if (s[this.i] === ',') {
          this.i++;
          continue;
        }
        break;
      }
      this.expect(s, ']');
      return names.length === 1 ? { t: 'name', name: names[0] as string } : { t: 'names', names };
    }
    const close = s.indexOf(']', this.i);
    if (close < 0) this.fail('missing ]');
    const body = s.slice(this.i, close).trim();
    this.i = close + 1;
    if (body.includes(':')) {
      const parts = body.split(':').map((p) => p.trim());
      const num = (p: string | undefined): number | undefined => {
        if (p === undefined || p === '') return undefined;
        const n = Number(p);
        if (!Number.isInteger(n)) this.fail(`bad slice '${body}'`);
        return n;
      };
      return { t: 'slice', start: num(parts[0]), end: num(parts[1]), step: num(parts[2]) ?? 1 };
    }
    const indices = body.split(',').map((p) => {
      const n = Number(p.trim());
      if (p.trim() === '' || !Number.isInteger(n)) this.fail(`bad index '${body}'`);
      return n;
    });
    return indices.length === 1 ? { t: 'index', index: indices[0] as number } : { t: 'indices', indices };
  }

  private quoted(s: string): string {
    const q = s[this.i];
    if (q !== "'" && q !== '"') this.fail('expected a quoted name');
    this.i++;
    let out = '';
    while (this.i < s.length && s[this.i] !== q) {
      if (s[this.i] === '\\' && this.i + 1 < s.length) {
        this.i++;
      }
      out += s[this.i];
      this.i++;
    }
    if (s[this.i] !== q) this.fail('unterminated quoted name');
    this.i++;
    return out;
  }

  private skipWs(s: string): void {
    while (s[this.i] === ' ') this.i++;
  }

  private expect(s: string, ch: string): void {
    this.skipWs(s);
    if (s[this.i] !== ch) this.fail(`expected '${ch}' at ${this.i}`);
    this.i++;
  }
}

/** Index of the parenthesis closing the one at `open`, honouring quotes; -1 if none. */
function matchParen(s: string, open: number): number {
  let depth = 0;
  let quote: string | null = null;
  for (let j = open; j < s.length; j++) {
    const c = s[j];
    if (quote) {
      if (c === '\\') j++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) return j;
    }
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Filter expressions: [?(@.price < 10 && @.tags)]

type Tok = { k: 'op'; v: string } | { k: 'operand'; v: Operand };

function tokenizeFilter(src: string, whole: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw runtimeError(`Invalid JSONPath filter in '${whole}': ${why}`);
  };
  while (i < src.length) {
    const c = src[i] as string;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (['&&', '||', '==', '!=', '<=', '>=', '=~'].includes(two)) {
      toks.push({ k: 'op', v: two });
      i += 2;
      continue;
    }
    if ('()<>!'.includes(c)) {
      toks.push({ k: 'op', v: c });
      i++;
      continue;
    }
    if (c === '@' || c === '$') {
      let j = i + 1;
      while (j < src.length) {
        const d = src[j] as string;
        if (d === '[') {
          let depth = 0;
          let quote: string | null = null;
          for (; j < src.length; j++) {
            const e = src[j];
            if (quote) {
              if (e === '\\') j++;
              else if (e === quote) quote = null;
            } else if (e === "'" || e === '"') quote = e;
            else if (e === '[') depth++;
            else if (e === ']') {
              depth--;
              if (depth === 0) break;
            }
          }
          j++;
        } else if (/[\w.$-]/.test(d)) j++;
        else if (d === '(' && src[j + 1] === ')') j += 2;
        else break;
      }
      const text = src.slice(i, j);
      const relative = c === '@';
      toks.push({
        k: 'operand',
        v: { k: 'path', relative, p: parsePath(relative ? `$${text.slice(1)}` : text) },
      });
      i = j;
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      let out = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\') j++;
        out += src[j] ?? '';
        j++;
      }
      if (src[j] !== c) fail('unterminated string');
      toks.push({ k: 'operand', v: { k: 'lit', v: out } });
      i = j + 1;
      continue;
    }
    if (c === '/') {
      const end = src.indexOf('/', i + 1);
      if (end < 0) fail('unterminated regex');
      let j = end + 1;
      while (j < src.length && /[a-z]/.test(src[j] as string)) j++;
      toks.push({
        k: 'operand',
        v: { k: 'regex', re: new RegExp(src.slice(i + 1, end), src.slice(end + 1, j)) },
      });
      i = j;
      continue;
    }
    const num = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(src.slice(i));
    if (num) {
      toks.push({ k: 'operand', v: { k: 'lit', v: Number(num[0]) } });
      i += num[0].length;
      continue;
    }
    const word = /^(true|false|null)\b/.exec(src.slice(i));
    if (word) {
      const v = word[0] === 'true' ? true : word[0] === 'false' ? false : null;
      toks.push({ k: 'operand', v: { k: 'lit', v } });
      i += word[0].length;
      continue;
    }
    fail(`unexpected '${c}'`);
  }
  return toks;
}

function parseFilter(src: string, whole: string): Expr {
  const toks = tokenizeFilter(src, whole);
  let p = 0;
  const fail = (why: string): never => {
    throw runtimeError(`Invalid JSONPath filter in '${whole}': ${why}`);
  };
  const peekOp = (): string | undefined => {
    const t = toks[p];
    return t?.k === 'op' ? t.v : undefined;
  };
  const or = (): Expr => {
    let a = and();
    while (peekOp() === '||') {
      p++;
      a = { k: 'or', a, b: and() };
    }
    return a;
  };
  const and = (): Expr => {
    let a = unary();
    while (peekOp() === '&&') {
      p++;
      a = { k: 'and', a, b: unary() };
    }
    return a;
  };
  const operand = (): Operand => {
    const t = toks[p];
    if (t?.k !== 'operand') return fail('expected an operand');
    p++;
    return t.v;
  };
  const unary = (): Expr => {
    const op = peekOp();
    if (op === '!') {
      p++;
      return { k: 'not', e: unary() };
    }
    if (op === '(') {
      p++;
      const e = or();
      if (peekOp() !== ')') fail('expected )');
      p++;
      return e;
    }
    const l = operand();
    const cmp = peekOp();
    if (cmp && ['==', '!=', '<', '<=', '>', '>=', '=~'].includes(cmp)) {
      p++;
      return { k: 'cmp', op: cmp, l, r: operand() };
    }
    return { k: 'exists', o: l };
  };
  const e = or();
  if (p !== toks.length) fail('trailing tokens');
  return e;
}

function operandValue(o: Operand, current: Json, root: Json): Json | undefined | RegExp {
  if (o.k === 'lit') return o.v;
  if (o.k === 'regex') return o.re;
  const res = evalSegs(o.p.segs, o.relative ? current : root, root);
  if (o.p.definite) return res[0];
  return res;
}

function evalExpr(e: Expr, current: Json, root: Json): boolean {
  switch (e.k) {
    case 'or':
      return evalExpr(e.a, current, root) || evalExpr(e.b, current, root);
    case 'and':
      return evalExpr(e.a, current, root) && evalExpr(e.b, current, root);
    case 'not':
      return !evalExpr(e.e, current, root);
    case 'exists': {
      const v = operandValue(e.o, current, root);
      if (e.o.k === 'lit') return Boolean(v);
      return v !== undefined && !(Array.isArray(v) && e.o.k === 'path' && !e.o.p.definite && v.length === 0);
    }
    case 'cmp': {
      const l = operandValue(e.l, current, root);
      const r = operandValue(e.r, current, root);
      if (l === undefined || r === undefined) return false;
      if (e.op === '=~') return typeof l === 'string' && r instanceof RegExp && r.test(l);
      if (l instanceof RegExp || r instanceof RegExp) return false;
      if (e.op === '==') return deepEqual(l, r);
      if (e.op === '!=') return !deepEqual(l, r);
      if (
        !(
          (typeof l === 'number' && typeof r === 'number') ||
          (typeof l === 'string' && typeof r === 'string')
        )
      )
        return false;
      if (e.op === '<') return l < r;
      if (e.op === '<=') return l <= r;
      if (e.op === '>') return l > r;
      return l >= r;
    }
  }
}

// ---------------------------------------------------------------------------------------------

function descendants(n: Json, out: Json[]): void {
  out.push(n);
  if (Array.isArray(n)) for (const c of n) descendants(c, out);
  else if (isObject(n)) for (const c of Object.values(n)) descendants(c, out);
}

function applySeg(seg: Seg, n: Json, root: Json): Json[] {
  switch (seg.t) {
    case 'name':
      return isObject(n) && Object.hasOwn(n, seg.name) ? [n[seg.name] as Json] : [];
    case 'index': {
      if (!Array.isArray(n)) return [];
      const i = seg.index < 0 ? n.length + seg.index : seg.index;
      return i >= 0 && i < n.length ? [n[i] as Json] : [];
    }
    case 'wild':
      if (Array.isArray(n)) return n;
      if (isObject(n)) return Object.values(n);
      return [];
    case 'names':
      return isObject(n) ? seg.names.filter((k) => Object.hasOwn(n, k)).map((k) => n[k] as Json) : [];
    case 'indices':
      return seg.indices.flatMap((index) => applySeg({ t: 'index', index }, n, root));
    case 'slice': {
      if (!Array.isArray(n)) return [];
      const len = n.length;
      const norm = (v: number) => (v < 0 ? Math.max(len + v, 0) : Math.min(v, len));
      const step = seg.step;
      if (step === 0) return [];
      const out: Json[] = [];
      if (step > 0) {
        const start = seg.start === undefined ? 0 : norm(seg.start);
        const end = seg.end === undefined ? len : norm(seg.end);
        for (let i = start; i < end; i += step) out.push(n[i] as Json);
      } else {
        const start = seg.start === undefined ? len - 1 : Math.min(norm(seg.start), len - 1);
        const end = seg.end === undefined ? -1 : norm(seg.end);
        for (let i = start; i > end; i += step) out.push(n[i] as Json);
      }
      return out;
    }
    case 'filter':
      if (Array.isArray(n)) return n.filter((item) => evalExpr(seg.expr, item, root));
      if (isObject(n)) return evalExpr(seg.expr, n, root) ? [n] : [];
      return [];
    case 'desc': {
      const all: Json[] = [];
      descendants(n, all);
      return all.flatMap((d) => applySeg(seg.inner, d, root));
    }
    case 'length':
      if (Array.isArray(n) || typeof n === 'string') return [n.length];
      if (isObject(n)) return [Object.keys(n).length];
      return [];
  }
}

function evalSegs(segs: Seg[], start: Json, root: Json): Json[] {
  let nodes: Json[] = [start];
  for (const seg of segs) {
    nodes = nodes.flatMap((n) => applySeg(seg, n, root));
    if (nodes.length === 0) break;
  }
  return nodes;
}

/**
 * Evaluates `path` against `data` (or `context` for `$$` paths). A definite path that matches
 * nothing is a States.Runtime error, as in Step Functions; indefinite paths return a list.
 */
export function queryPath(path: string, data: Json, context: Json): Json {
  const p = parsePath(path);
  const root = p.context ? context : data;
  const res = evalSegs(p.segs, root, root);
  if (p.definite) {
    if (res.length === 0) {
      throw runtimeError(
        `The JSONPath '${path}' could not be found in the input '${truncate(JSON.stringify(root))}'`,
      );
    }
    return res[0] as Json;
  }
  return res;
}

/** True when a (definite) path resolves to a value. */
export function pathExists(path: string, data: Json, context: Json): boolean {
  const p = parsePath(path);
  const root = p.context ? context : data;
  return evalSegs(p.segs, root, root).length > 0;
}

/** Returns a copy of `target` with `value` placed at the reference path `path` (ResultPath). */
export function setPath(target: Json, path: string, value: Json): Json {
  const p = parsePath(path);
  if (p.context) throw runtimeError(`ResultPath '${path}' cannot address the context object`);
  if (!p.segs.every((s) => s.t === 'name' || s.t === 'index')) {
    throw runtimeError(`ResultPath '${path}' must be a reference path`);
  }
  if (p.segs.length === 0) return value;
  const copy = structuredClone(target);
  let node: Json = copy;
  p.segs.forEach((seg, idx) => {
    const last = idx === p.segs.length - 1;
    if (seg.t === 'name') {
      if (!isObject(node)) {
        throw runtimeError(
          `Unable to apply ResultPath '${path}': the input is not an object at '${seg.name}'`,
        );
      }
      if (last) node[seg.name] = value;
      else {
        const next: Json | undefined = node[seg.name];
        if (next === undefined || next === null) node[seg.name] = {};
        node = node[seg.name] as Json;
      }
    } else if (seg.t === 'index') {
      if (!Array.isArray(node) || seg.index < 0 || seg.index >= node.length) {
        throw runtimeError(`Unable to apply ResultPath '${path}': index ${seg.index} is out of range`);
      }
      if (last) node[seg.index] = value;
      else node = node[seg.index] as Json;
    }
  });
  return copy;
}

export function deepEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i] as Json));
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k] as Json, b[k] as Json));
  }
  return false;
}

function truncate(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}...` : s;
}
