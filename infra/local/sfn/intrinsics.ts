/**
 * Intrinsic functions (States.Format, States.Array, ...) for `.$` template fields,
 * Fail.ErrorPath/CausePath and similar places that accept them.
 */
import { createHash, randomUUID } from 'node:crypto';
import { intrinsicError } from './errors.ts';
import { deepEqual, isObject, type Json, type JsonObject, queryPath } from './jsonpath.ts';

type Arg =
  | { k: 'str'; v: string }
  | { k: 'num'; v: number }
  | { k: 'lit'; v: Json }
  | { k: 'path'; v: string }
  | { k: 'call'; name: string; args: Arg[] };

/** Marks braces escaped as `\{` / `\}` in string literals, so States.Format leaves them alone. */
const OPEN = '\uE000';
const CLOSE = '\uE001';
const unmark = (s: string) => s.replaceAll(OPEN, '{').replaceAll(CLOSE, '}');

export function isIntrinsic(expr: string): boolean {
  return /^\s*States\.[A-Za-z0-9]+\s*\(/.test(expr);
}

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  private fail(why: string): never {
    throw intrinsicError(`Invalid intrinsic function '${this.s}': ${why}`);
  }

  parseAll(): Arg {
    this.ws();
    const call = this.call();
    this.ws();
    if (this.i !== this.s.length) this.fail('unexpected trailing characters');
    return call;
  }

  private ws(): void {
    while (this.s[this.i] === ' ' || this.s[this.i] === '\t' || this.s[this.i] === '\n') this.i++;
  }

  private call(): Arg {
    const m = /^States\.[A-Za-z0-9]+/.exec(this.s.slice(this.i));
    if (!m) this.fail(`expected a function at ${this.i}`);
    const name = m[0];
    this.i += name.length;
    this.ws();
    if (this.s[this.i] !== '(') this.fail(`expected ( after ${name}`);
    this.i++;
    const args: Arg[] = [];
    this.ws();
    if (this.s[this.i] === ')') {
      this.i++;
      return { k: 'call', name, args };
    }
    for (;;) {
      this.ws();
      args.push(this.arg());
      this.ws();
      const c = this.s[this.i];
      if (c === ',') {
        this.i++;
        continue;
      }
      if (c === ')') {
        this.i++;
        break;
      }
      this.fail(`expected , or ) at ${this.i}`);
    }
    return { k: 'call', name, args };
  }

  private arg(): Arg {
    const rest = this.s.slice(this.i);
    const c = this.s[this.i];
    if (c === "'") return this.string();
    if (c === '$') return this.path();
    if (rest.startsWith('States.')) return this.call();
    const num = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(rest);
    if (num) {
      this.i += num[0].length;
      return { k: 'num', v: Number(num[0]) };
    }
    const word = /^(true|false|null)\b/.exec(rest);
    if (word) {
      this.i += word[0].length;
      return { k: 'lit', v: word[0] === 'null' ? null : word[0] === 'true' };
    }
    return this.fail(`unexpected argument at ${this.i}`);
  }

  private string(): Arg {
    this.i++;
    let out = '';
    while (this.i < this.s.length && this.s[this.i] !== "'") {
      const ch = this.s[this.i] as string;
      if (ch === '\\') {
        const nx = this.s[this.i + 1];
        if (nx === undefined) this.fail('dangling escape');
        out += nx === '{' ? OPEN : nx === '}' ? CLOSE : nx;
        this.i += 2;
        continue;
      }
      out += ch;
      this.i++;
    }
    if (this.s[this.i] !== "'") this.fail('unterminated string');
    this.i++;
    return { k: 'str', v: out };
  }

  private path(): Arg {
    const start = this.i;
    let depth = 0;
    let quote: string | null = null;
    while (this.i < this.s.length) {
      const ch = this.s[this.i];
      if (quote) {
        if (ch === '\\') this.i++;
        else if (ch === quote) quote = null;
      } else if (ch === "'" || ch === '"') quote = ch;
      else if (ch === '[' || ch === '(') depth++;
      else if (ch === ']' || ch === ')') {
        if (depth === 0) break;
        depth--;
      } else if (ch === ',' && depth === 0) break;
      this.i++;
    }
    return { k: 'path', v: this.s.slice(start, this.i).trim() };
  }
}

const parsed = new Map<string, Arg>();

export function evaluateIntrinsic(expr: string, input: Json, context: Json): Json {
  let ast = parsed.get(expr);
  if (!ast) {
    ast = new Parser(expr.trim()).parseAll();
    parsed.set(expr, ast);
  }
  const v = evalArg(ast, input, context);
  return typeof v === 'string' ? unmark(v) : v;
}

function evalArg(a: Arg, input: Json, context: Json): Json {
  switch (a.k) {
    case 'str':
    case 'num':
    case 'lit':
      return a.v;
    case 'path':
      try {
        return queryPath(a.v, input, context);
      } catch (e) {
        throw intrinsicError(e instanceof Error ? e.message : String(e));
      }
    case 'call': {
      const args = a.args.map((x) => evalArg(x, input, context));
      if (a.name === 'States.Format') return format(args);
      return call(
        a.name,
        args.map((x) => (typeof x === 'string' ? unmark(x) : x)),
      );
    }
  }
}

function format(args: Json[]): Json {
  const [template, ...values] = args;
  if (typeof template !== 'string') throw intrinsicError('States.Format expects a string template');
  const parts = template.split('{}');
  if (parts.length - 1 !== values.length) {
    throw intrinsicError(
      `States.Format template has ${parts.length - 1} placeholders but ${values.length} arguments were given`,
    );
  }
  let out = parts[0] as string;
  values.forEach((v, i) => {
    if (v !== null && typeof v === 'object') {
      throw intrinsicError('States.Format arguments must be strings, numbers, booleans or null');
    }
    out += (typeof v === 'string' ? v : JSON.stringify(v)) + (parts[i + 1] as string);
  });
  return out;
}

function argCount(name: string, args: Json[], min: number, max = min): void {
  if (args.length < min || args.length > max) {
    throw intrinsicError(
      `${name} expects ${min === max ? min : `${min}-${max}`} arguments, got ${args.length}`,
    );
  }
}

function str(name: string, v: Json | undefined): string {
  if (typeof v !== 'string') throw intrinsicError(`${name} expects a string argument`);
  return v;
}

function int(name: string, v: Json | undefined): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw intrinsicError(`${name} expects a number argument`);
  return Math.trunc(v);
}

function arr(name: string, v: Json | undefined): Json[] {
  if (!Array.isArray(v)) throw intrinsicError(`${name} expects an array argument`);
  return v;
}

function call(name: string, args: Json[]): Json {
  switch (name) {
    case 'States.StringToJson': {
      argCount(name, args, 1);
      try {
        return JSON.parse(str(name, args[0])) as Json;
      } catch {
        throw intrinsicError(`${name}: the argument is not valid JSON`);
      }
    }
    case 'States.JsonToString':
      argCount(name, args, 1);
      return JSON.stringify(args[0]);
    case 'States.Array':
      return args;
    case 'States.ArrayPartition': {
      argCount(name, args, 2);
      const a = arr(name, args[0]);
      const size = int(name, args[1]);
      if (size <= 0) throw intrinsicError(`${name}: chunk size must be positive`);
      const out: Json[] = [];
      for (let i = 0; i < a.length; i += size) out.push(a.slice(i, i + size));
      return out;
    }
    case 'States.ArrayContains': {
      argCount(name, args, 2);
      const needle = args[1] as Json;
      return arr(name, args[0]).some((x) => deepEqual(x, needle));
    }
    case 'States.ArrayRange': {
      argCount(name, args, 3);
      const [start, end, step] = [int(name, args[0]), int(name, args[1]), int(name, args[2])];
      if (step === 0) throw intrinsicError(`${name}: step must not be 0`);
      const out: number[] = [];
      for (let i = start; step > 0 ? i <= end : i >= end; i += step) {
        out.push(i);
        if (out.length > 1000) throw intrinsicError(`${name}: at most 1000 items`);
      }
      return out;
    }
    case 'States.ArrayGetItem': {
      argCount(name, args, 2);
      const a = arr(name, args[0]);
      const i = int(name, args[1]);
      if (i < 0 || i >= a.length) throw intrinsicError(`${name}: index ${i} is out of bounds`);
      return a[i] as Json;
    }
    case 'States.ArrayLength':
      argCount(name, args, 1);
      return arr(name, args[0]).length;
    case 'States.ArrayUnique': {
      argCount(name, args, 1);
      const out: Json[] = [];
      for (const x of arr(name, args[0])) if (!out.some((y) => deepEqual(x, y))) out.push(x);
      return out;
    }
    case 'States.Base64Encode':
      argCount(name, args, 1);
      return Buffer.from(str(name, args[0]), 'utf8').toString('base64');
    case 'States.Base64Decode':
      argCount(name, args, 1);
      return Buffer.from(str(name, args[0]), 'base64').toString('utf8');
    case 'States.Hash': {
      argCount(name, args, 2);
      const algorithms: Record<string, string> = {
        MD5: 'md5',
        'SHA-1': 'sha1',
        'SHA-256': 'sha256',
        'SHA-384': 'sha384',
        'SHA-512': 'sha512',
      };
      const algo = algorithms[str(name, args[1])];
      if (!algo) throw intrinsicError(`${name}: unsupported algorithm '${String(args[1])}'`);
      const data = typeof args[0] === 'string' ? args[0] : JSON.stringify(args[0]);
      return createHash(algo).update(data, 'utf8').digest('hex');
    }
    case 'States.JsonMerge': {
      argCount(name, args, 3);
      const [a, b, deep] = args;
      if (!isObject(a) || !isObject(b)) throw intrinsicError(`${name} expects two objects`);
      return deep === true ? deepMerge(a, b) : { ...a, ...b };
    }
    case 'States.MathRandom': {
      argCount(name, args, 2, 3);
      const start = int(name, args[0]);
      const end = int(name, args[1]);
      return start + Math.floor(Math.random() * (end - start));
    }
    case 'States.MathAdd': {
      argCount(name, args, 2);
      return int(name, args[0]) + int(name, args[1]);
    }
    case 'States.StringSplit': {
      argCount(name, args, 2);
      const s = str(name, args[0]);
      const delims = new Set(str(name, args[1]));
      const out: string[] = [];
      let cur = '';
      for (const ch of s) {
        if (delims.has(ch)) {
          if (cur) out.push(cur);
          cur = '';
        } else cur += ch;
      }
      if (cur) out.push(cur);
      return out;
    }
    case 'States.UUID':
      argCount(name, args, 0);
      return randomUUID();
    default:
      throw intrinsicError(`Unknown intrinsic function ${name}`);
  }
}

function deepMerge(a: JsonObject, b: JsonObject): JsonObject {
  const out: JsonObject = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = isObject(prev) && isObject(v) ? deepMerge(prev, v) : v;
  }
  return out;
}
