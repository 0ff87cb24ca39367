/**
 * JSONPath as the local Step Functions supports it: reference paths only (`$`, `$$`, `.name`,
 * `['name']`, `[index]`), which is all Dangan's workflows use. Wildcards, slices, unions, filters,
 * recursive descent and functions such as `length()` are refused when the path is parsed, which
 * the definition check does for every path at load time.
 */
import { runtimeError } from './errors.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

type Seg = { t: 'name'; name: string } | { t: 'index'; index: number };

export interface ParsedPath {
  /** `$$` paths address the context object. */
  context: boolean;
  segs: Seg[];
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const cache = new Map<string, ParsedPath>();

/** Parses a reference path; throws a States.Runtime error naming what is not supported. */
export function parsePath(source: string): ParsedPath {
  const hit = cache.get(source);
  if (hit) return hit;
  const parsed = parse(source);
  if (cache.size > 5000) cache.clear();
  cache.set(source, parsed);
  return parsed;
}

const UNSUPPORTED: [RegExp, string][] = [
  [/\.\./, 'recursive descent (..)'],
  [/\[\s*\?/, 'filter expressions'],
  [/\.\*|\[\s*\*\s*\]/, 'wildcards'],
  [/\(\s*\)/, 'path functions such as length()'],
  [/@/, 'the @ operator'],
];

function parse(source: string): ParsedPath {
  const fail = (why: string): never => {
    throw runtimeError(`Invalid JSONPath '${source}': ${why}`);
  };
  const s = source.trim();
  if (!s.startsWith('$')) fail('must start with $');
  for (const [re, what] of UNSUPPORTED) {
    if (re.test(s)) fail(`${what} not supported by the local Step Functions (reference paths only)`);
  }
  const context = s.startsWith('$$');
  let i = context ? 2 : 1;
  const segs: Seg[] = [];
  while (i < s.length) {
    if (s[i] === '.') {
      const start = ++i;
      while (i < s.length && s[i] !== '.' && s[i] !== '[') i++;
      if (i === start) fail(`empty name at ${start}`);
      segs.push({ t: 'name', name: s.slice(start, i) });
    } else if (s[i] === '[') {
      const close = s.indexOf(']', i);
      if (close < 0) fail('missing ]');
      const body = s.slice(i + 1, close).trim();
      const quoted = /^'([^']*)'$|^"([^"]*)"$/.exec(body);
      if (quoted) segs.push({ t: 'name', name: quoted[1] ?? quoted[2] ?? '' });
      else if (/^\d+$/.test(body)) segs.push({ t: 'index', index: Number(body) });
      else
        fail(
          `'[${body}]' is not supported by the local Step Functions (one ['name'] or [index] per bracket)`,
        );
      i = close + 1;
    } else {
      fail(`unexpected '${s[i]}' at ${i}`);
    }
  }
  return { context, segs };
}

function resolve(p: ParsedPath, data: Json, context: Json): Json | undefined {
  let node: Json | undefined = p.context ? context : data;
  for (const seg of p.segs) {
    if (seg.t === 'name') node = isObject(node) && Object.hasOwn(node, seg.name) ? node[seg.name] : undefined;
    else node = Array.isArray(node) ? node[seg.index] : undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

/**
 * Evaluates `path` against `data` (or `context` for `$$` paths). A path that matches nothing is
 * a States.Runtime error, as in Step Functions.
 */
export function queryPath(path: string, data: Json, context: Json): Json {
  const p = parsePath(path);
  const value = resolve(p, data, context);
  if (value === undefined) {
    const root = JSON.stringify(p.context ? context : data);
    throw runtimeError(`The JSONPath '${path}' could not be found in the input '${truncate(root)}'`);
  }
  return value;
}

/** True when a path resolves to a value. */
export function pathExists(path: string, data: Json, context: Json): boolean {
  return resolve(parsePath(path), data, context) !== undefined;
}

/** Returns a copy of `target` with `value` placed at the reference path `path` (ResultPath). */
export function setPath(target: Json, path: string, value: Json): Json {
  const p = parsePath(path);
  if (p.context) throw runtimeError(`ResultPath '${path}' cannot address the context object`);
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
    } else {
      if (!Array.isArray(node) || seg.index >= node.length) {
        throw runtimeError(`Unable to apply ResultPath '${path}': index ${seg.index} is out of range`);
      }
      if (last) node[seg.index] = value;
      else node = node[seg.index] as Json;
    }
  });
  return copy;
}

function truncate(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}...` : s;
}
