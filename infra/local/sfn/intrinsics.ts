/**
 * The intrinsic functions Dangan's workflows use (States.Format, States.StringToJson,
 * States.Array, States.MathAdd) for `.$` template fields. Any other function is refused when the
 * definition is checked. As on AWS, a function that fails at run time (bad argument, path not
 * found, invalid JSON) raises States.Runtime, which no Retry or Catch handles: the execution fails.
 */
import { runtimeError } from './errors.ts';
import { type Json, parsePath, queryPath } from './jsonpath.ts';

type Arg =
  | { k: 'str'; v: string }
  | { k: 'num'; v: number }
  | { k: 'lit'; v: Json }
  | { k: 'path'; v: string }
  | { k: 'call'; name: string; args: Arg[] };

/** Supported functions with their argument counts (max undefined: any number). */
const FUNCTIONS: Record<string, { min: number; max?: number }> = {
  'States.Format': { min: 1 },
  'States.StringToJson': { min: 1, max: 1 },
  'States.Array': { min: 0 },
  'States.MathAdd': { min: 2, max: 2 },
};

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
    throw runtimeError(`Invalid intrinsic function '${this.s}': ${why}`);
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
    if (!m) return this.fail(`expected a function at ${this.i}`);
    const name = m[0];
    const spec = FUNCTIONS[name];
    if (!spec) this.fail(`${name} is not supported by the local Step Functions`);
    this.i += name.length;
    this.ws();
    if (this.s[this.i] !== '(') this.fail(`expected ( after ${name}`);
    this.i++;
    const args: Arg[] = [];
    this.ws();
    if (this.s[this.i] === ')') this.i++;
    else {
      for (;;) {
        this.ws();
        args.push(this.arg());
        this.ws();
        const c = this.s[this.i++];
        if (c === ')') break;
        if (c !== ',') this.fail(`expected , or ) at ${this.i - 1}`);
      }
    }
    if (args.length < spec.min || (spec.max !== undefined && args.length > spec.max)) {
      const want = spec.max === undefined ? `at least ${spec.min}` : String(spec.max);
      this.fail(`${name} takes ${want} argument(s), got ${args.length}`);
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
        if (ch === quote) quote = null;
      } else if (ch === "'" || ch === '"') quote = ch;
      else if (ch === '[') depth++;
      else if (ch === ']') depth--;
      else if ((ch === ',' || ch === ')') && depth === 0) break;
      this.i++;
    }
    const v = this.s.slice(start, this.i).trim();
    parsePath(v);
    return { k: 'path', v };
  }
}

const parsed = new Map<string, Arg>();

/** Parses an intrinsic call, checking function names, argument counts and paths. */
export function parseIntrinsic(expr: string): void {
  ast(expr);
}

function ast(expr: string): Arg {
  let a = parsed.get(expr);
  if (!a) {
    a = new Parser(expr.trim()).parseAll();
    parsed.set(expr, a);
  }
  return a;
}

export function evaluateIntrinsic(expr: string, input: Json, context: Json): Json {
  const v = evalArg(ast(expr), input, context);
  return typeof v === 'string' ? unmark(v) : v;
}

function evalArg(a: Arg, input: Json, context: Json): Json {
  switch (a.k) {
    case 'str':
    case 'num':
    case 'lit':
      return a.v;
    case 'path':
      return queryPath(a.v, input, context);
    case 'call': {
      const args = a.args.map((x) => evalArg(x, input, context));
      if (a.name === 'States.Format') return format(args);
      const plain = args.map((x) => (typeof x === 'string' ? unmark(x) : x));
      if (a.name === 'States.StringToJson') return stringToJson(plain[0]);
      if (a.name === 'States.MathAdd') return mathAdd(plain[0], plain[1]);
      return plain;
    }
  }
}

function format(args: Json[]): Json {
  const [template, ...values] = args;
  if (typeof template !== 'string') throw runtimeError('States.Format expects a string template');
  const parts = template.split('{}');
  if (parts.length - 1 !== values.length) {
    throw runtimeError(
      `States.Format template has ${parts.length - 1} placeholders but ${values.length} arguments were given`,
    );
  }
  let out = parts[0] as string;
  values.forEach((v, i) => {
    if (v !== null && typeof v === 'object') {
      throw runtimeError('States.Format arguments must be strings, numbers, booleans or null');
    }
    out += (typeof v === 'string' ? v : JSON.stringify(v)) + (parts[i + 1] as string);
  });
  return out;
}

function stringToJson(v: Json | undefined): Json {
  if (typeof v !== 'string') throw runtimeError('States.StringToJson expects a string argument');
  try {
    return JSON.parse(v) as Json;
  } catch {
    throw runtimeError('States.StringToJson: the argument is not valid JSON');
  }
}

/**
 * The sum of two numbers. As AWS documents, a non-integer argument is rounded to the nearest
 * integer (Java's Math.round, which JavaScript's Math.round matches: halves go up, -2.5 to -2).
 */
function mathAdd(a: Json | undefined, b: Json | undefined): number {
  const int = (v: Json | undefined): number => {
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw runtimeError(`States.MathAdd expects numbers, got ${JSON.stringify(v)}`);
    }
    return Math.round(v);
  };
  return int(a) + int(b);
}
