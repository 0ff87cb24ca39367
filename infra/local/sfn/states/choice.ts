/**
 * The Choice state and its rules: String/Numeric/Timestamp comparisons (with literal or Path
 * operands), BooleanEquals(Path), StringMatches, the Is* type tests, And/Or/Not. Rules are
 * checked when the definition is loaded (choiceRuleProblems); an unknown operator is refused then.
 */
import { parseTimestamp, selectPath } from '../dataflow.ts';
import { runtimeError, StatesError } from '../errors.ts';
import { isObject, type Json, type JsonObject, parsePath, pathExists, queryPath } from '../jsonpath.ts';
import type { Runtime } from '../runtime.ts';
import type { Step, StepResult } from '../types.ts';

export function runChoice(rt: Runtime, { ex, t, st }: Step): StepResult {
  const ctx = rt.context(ex, t);
  const eff = selectPath(st.InputPath, t.input, ctx);
  const rule = (st.Choices ?? []).find((c) => evaluateChoiceRule(c, eff, ctx));
  const next = typeof rule?.Next === 'string' ? rule.Next : st.Default;
  if (next === undefined) {
    throw new StatesError('States.NoChoiceMatched', `No Choice rule of state '${t.state}' matched the input`);
  }
  return { kind: 'next', next, output: selectPath(st.OutputPath, eff, ctx) };
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
const COMPARISON =
  /^(String|Numeric|Timestamp)(Equals|LessThanEquals|GreaterThanEquals|LessThan|GreaterThan)(Path)?$/;
const TESTS = new Set(['IsNull', 'IsPresent', 'IsNumeric', 'IsString', 'IsBoolean', 'IsTimestamp']);
const OTHERS = new Set(['StringMatches', 'BooleanEquals', 'BooleanEqualsPath']);

/** Problems of a Choice rule (top-level rules need Next; nested ones must not have it). */
export function choiceRuleProblems(rule: unknown, at: string, top: boolean): string[] {
  if (!isObject(rule)) return [`${at}: a Choice rule must be an object`];
  const problems: string[] = [];
  if (top && typeof rule.Next !== 'string') problems.push(`${at}: a Choice rule needs Next`);
  const nested = (v: Json | undefined) => problems.push(...choiceRuleProblems(v, at, false));
  if (Array.isArray(rule.And)) rule.And.forEach(nested);
  else if (Array.isArray(rule.Or)) rule.Or.forEach(nested);
  else if (rule.Not !== undefined) nested(rule.Not);
  else {
    const ops = Object.keys(rule).filter((k) => !RULE_KEYS.has(k));
    const op = ops[0];
    if (typeof rule.Variable !== 'string') problems.push(`${at}: a Choice rule has no Variable`);
    else tryPath(rule.Variable, at, problems);
    if (ops.length !== 1 || op === undefined) {
      problems.push(
        `${at}: a Choice rule needs exactly one comparison operator, has ${ops.join(', ') || 'none'}`,
      );
    } else if (!TESTS.has(op) && !OTHERS.has(op) && !COMPARISON.test(op)) {
      problems.push(`${at}: Choice operator ${op} is not supported by the local Step Functions`);
    } else if (op.endsWith('Path')) {
      if (typeof rule[op] !== 'string') problems.push(`${at}: ${op} must be a path`);
      else tryPath(rule[op] as string, at, problems);
    }
  }
  return problems;
}

function tryPath(p: string, at: string, problems: string[]): void {
  try {
    parsePath(p);
  } catch (e) {
    problems.push(`${at}: ${e instanceof StatesError ? e.causeText : String(e)}`);
  }
}

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

  const m = COMPARISON.exec(opKey);
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
