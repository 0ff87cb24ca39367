/**
 * Input and output processing of ASL states (JSONPath query language): InputPath, Parameters /
 * ItemSelector / ResultSelector payload templates, ResultPath and OutputPath, and Choice rules.
 */
import { runtimeError, StatesError } from './errors.ts';
import { evaluateIntrinsic, isIntrinsic } from './intrinsics.ts';
import { isObject, type Json, type JsonObject, pathExists, queryPath, setPath } from './jsonpath.ts';

/** Resolves a `.$` field value: a path (`$...` / `$$...`) or an intrinsic function call. */
export function resolveDynamic(expr: string, input: Json, context: Json): Json {
  const e = expr.trim();
  if (e.startsWith('$')) return queryPath(e, input, context);
  if (isIntrinsic(e)) return evaluateIntrinsic(e, input, context);
  throw runtimeError(`'${expr}' is neither a JSONPath nor an intrinsic function`);
}

/** Applies a payload template (Parameters, ItemSelector, ResultSelector). */
export function applyTemplate(template: Json, input: Json, context: Json): Json {
  if (Array.isArray(template)) return template.map((t) => applyTemplate(t, input, context));
  if (!isObject(template)) return template;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$')) {
      if (typeof value !== 'string') {
        throw runtimeError(`The value of field '${key}' must be a JSONPath or an intrinsic function`);
      }
      out[key.slice(0, -2)] = resolveDynamic(value, input, context);
    } else {
      out[key] = applyTemplate(value, input, context);
    }
  }
  return out;
}

/** InputPath / OutputPath: undefined means `$`, null means `{}`. */
export function selectPath(path: string | null | undefined, data: Json, context: Json): Json {
  if (path === undefined) return data;
  if (path === null) return {};
  return queryPath(path, data, context);
}

/** ResultPath: undefined means `$` (the result replaces the input), null discards the result. */
export function applyResultPath(resultPath: string | null | undefined, rawInput: Json, result: Json): Json {
  if (resultPath === undefined) return result;
  if (resultPath === null) return rawInput;
  return setPath(rawInput, resultPath, result);
}

// ---------------------------------------------------------------------------------------------
// Choice rules

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function parseTimestamp(v: Json | undefined): number | undefined {
  if (typeof v !== 'string' || !RFC3339.test(v)) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

/** `*` is a wildcard; `\*` and `\\` are literal. */
export function stringMatches(value: string, pattern: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\' && i + 1 < pattern.length) {
      re += escapeRegex(pattern[i + 1] as string);
      i++;
    } else if (c === '*') re += '[\\s\\S]*';
    else re += escapeRegex(c);
  }
  return new RegExp(`${re}$`).test(value);
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

type Cmp = 'Equals' | 'LessThan' | 'GreaterThan' | 'LessThanEquals' | 'GreaterThanEquals';

function compare(op: Cmp, a: number | string, b: number | string): boolean {
  switch (op) {
    case 'Equals':
      return a === b;
    case 'LessThan':
      return a < b;
    case 'GreaterThan':
      return a > b;
    case 'LessThanEquals':
      return a <= b;
    case 'GreaterThanEquals':
      return a >= b;
  }
}

const RULE_KEYS = new Set(['Variable', 'Next', 'Comment']);

/** Evaluates one Choice rule (with or without Next) against the state's effective input. */
export function evaluateChoiceRule(rule: JsonObject, input: Json, context: Json): boolean {
  if (Array.isArray(rule.And)) return rule.And.every((r) => evaluateChoiceRule(asRule(r), input, context));
  if (Array.isArray(rule.Or)) return rule.Or.some((r) => evaluateChoiceRule(asRule(r), input, context));
  if (rule.Not !== undefined) return !evaluateChoiceRule(asRule(rule.Not), input, context);

  const variable = rule.Variable;
  if (typeof variable !== 'string') throw runtimeError('A Choice rule has no Variable');
  const opKey = Object.keys(rule).find((k) => !RULE_KEYS.has(k));
  if (!opKey) throw runtimeError(`The Choice rule on ${variable} has no comparison operator`);
  const expected = rule[opKey] as Json;

  if (opKey === 'IsPresent') return pathExists(variable, input, context) === expected;
  let value: Json;
  try {
    value = queryPath(variable, input, context);
  } catch (e) {
    if (e instanceof StatesError) {
      throw runtimeError(
        `Invalid path '${variable}': The choice state's condition path references an invalid value.`,
      );
    }
    throw e;
  }

  switch (opKey) {
    case 'IsNull':
      return (value === null) === expected;
    case 'IsNumeric':
      return (typeof value === 'number') === expected;
    case 'IsString':
      return (typeof value === 'string') === expected;
    case 'IsBoolean':
      return (typeof value === 'boolean') === expected;
    case 'IsTimestamp':
      return (parseTimestamp(value) !== undefined) === expected;
    case 'StringMatches':
      return typeof value === 'string' && typeof expected === 'string' && stringMatches(value, expected);
    case 'BooleanEquals':
      return typeof value === 'boolean' && value === expected;
    case 'BooleanEqualsPath': {
      const other = queryPath(String(expected), input, context);
      return typeof value === 'boolean' && value === other;
    }
  }

  const m =
    /^(String|Numeric|Timestamp)(Equals|LessThanEquals|GreaterThanEquals|LessThan|GreaterThan)(Path)?$/.exec(
      opKey,
    );
  if (!m) throw runtimeError(`Unknown Choice comparison operator '${opKey}'`);
  const kind = m[1] as 'String' | 'Numeric' | 'Timestamp';
  const op = m[2] as Cmp;
  const other = m[3] ? queryPath(String(expected), input, context) : expected;
  if (kind === 'String') {
    return typeof value === 'string' && typeof other === 'string' && compare(op, value, other);
  }
  if (kind === 'Numeric') {
    return typeof value === 'number' && typeof other === 'number' && compare(op, value, other);
  }
  const a = parseTimestamp(value);
  const b = parseTimestamp(other);
  return a !== undefined && b !== undefined && compare(op, a, b);
}

function asRule(v: Json | undefined): JsonObject {
  if (!isObject(v)) throw runtimeError('A Choice rule must be an object');
  return v;
}
