/**
 * The load-time check of a definition: structure and transitions, plus every field, path,
 * intrinsic function, Choice operator and Task resource the local interpreter does not support.
 * A definition that uses something unsupported is refused with a message naming the state and
 * the feature, so a workflow never silently behaves differently from AWS.
 */
import { type Branch, LAMBDA_ARN, LAMBDA_INVOKE, LAMBDA_INVOKE_TOKEN, type StateDef } from './asl.ts';
import { isIntrinsic, parseIntrinsic } from './intrinsics.ts';
import { isObject, type Json, parsePath } from './jsonpath.ts';
import { choiceRuleProblems } from './states/choice.ts';

const IO = ['InputPath', 'OutputPath'];
const FLOW = ['Next', 'End'];
const FIELDS: Record<string, string[]> = {
  Pass: [...IO, ...FLOW, 'ResultPath', 'Parameters', 'Result'],
  Task: [
    ...IO,
    ...FLOW,
    'ResultPath',
    'Parameters',
    'ResultSelector',
    'Resource',
    'TimeoutSeconds',
    'TimeoutSecondsPath',
    'HeartbeatSeconds',
    'Retry',
    'Catch',
  ],
  Choice: [...IO, 'Choices', 'Default'],
  Wait: [...IO, ...FLOW, 'Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath'],
  Succeed: IO,
  Fail: ['Error', 'Cause'],
  Map: [
    ...IO,
    ...FLOW,
    'ResultPath',
    'ResultSelector',
    'ItemsPath',
    'ItemSelector',
    'ItemProcessor',
    'MaxConcurrency',
    'Retry',
    'Catch',
  ],
};
const COMMON = ['Type', 'Comment', 'QueryLanguage'];
const TOP = ['StartAt', 'States', 'Comment', 'TimeoutSeconds', 'QueryLanguage'];
const PROCESSOR = ['StartAt', 'States', 'ProcessorConfig'];
const RETRIER = [
  'ErrorEquals',
  'IntervalSeconds',
  'MaxAttempts',
  'BackoffRate',
  'MaxDelaySeconds',
  'JitterStrategy',
  'Comment',
];
const CATCHER = ['ErrorEquals', 'Next', 'ResultPath', 'Comment'];
const PATH_FIELDS = [
  'InputPath',
  'OutputPath',
  'ItemsPath',
  'SecondsPath',
  'TimestampPath',
  'TimeoutSecondsPath',
];
const TEMPLATE_FIELDS = ['Parameters', 'ResultSelector', 'ItemSelector'];

/** Returns every problem found in a parsed definition (empty when it can run locally). */
export function validateDefinition(def: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(def)) return ['(top level): the definition must be a JSON object'];
  unknownFields(def, TOP, '(top level)', problems);
  queryLanguage(def.QueryLanguage, '(top level)', problems);
  checkBranch(def as unknown as Branch, '', problems);
  return problems;
}

function unknownFields(obj: object, allowed: string[], at: string, problems: string[]): void {
  for (const field of Object.keys(obj)) {
    if (!allowed.includes(field))
      problems.push(`${at}: ${field} is not supported by the local Step Functions`);
  }
}

function queryLanguage(v: unknown, at: string, problems: string[]): void {
  if (v !== undefined && v !== 'JSONPath') {
    problems.push(`${at}: QueryLanguage ${String(v)} is not supported (JSONPath only)`);
  }
}

/** Records the problem of a path, intrinsic or template that does not parse. */
function attempt(at: string, problems: string[], check: () => void): void {
  try {
    check();
  } catch (e) {
    problems.push(`${at}: ${e instanceof Error ? e.message.replace(/^States\.Runtime: /, '') : String(e)}`);
  }
}

function checkPath(v: unknown, at: string, problems: string[]): void {
  if (v === null || v === undefined) return;
  if (typeof v !== 'string') problems.push(`${at}: must be a path string`);
  else attempt(at, problems, () => parsePath(v));
}

function checkTemplate(t: Json | undefined, at: string, problems: string[]): void {
  if (Array.isArray(t)) {
    t.forEach((x, i) => {
      checkTemplate(x, `${at}[${i}]`, problems);
    });
  }
  if (!isObject(t)) return;
  for (const [key, value] of Object.entries(t)) {
    if (!key.endsWith('.$')) {
      checkTemplate(value, `${at}.${key}`, problems);
      continue;
    }
    const expr = typeof value === 'string' ? value.trim() : '';
    if (expr.startsWith('$')) attempt(`${at}.${key}`, problems, () => parsePath(expr));
    else if (isIntrinsic(expr)) attempt(`${at}.${key}`, problems, () => parseIntrinsic(expr));
    else problems.push(`${at}.${key}: must be a JSONPath or an intrinsic function`);
  }
}

function checkBranch(b: Branch, where: string, problems: string[]): void {
  const scope = where || '(top level)';
  if (!isObject(b) || !isObject(b.States)) {
    problems.push(`${scope}: missing States`);
    return;
  }
  const names = new Set(Object.keys(b.States));
  if (!names.has(b.StartAt)) problems.push(`${scope}: StartAt '${b.StartAt}' is not a state`);
  const target = (from: string, to: unknown, field: string) => {
    if (typeof to !== 'string' || !names.has(to)) {
      problems.push(`${where}${from}: ${field} '${String(to)}' is not a state in the same scope`);
    }
  };
  for (const [name, s] of Object.entries(b.States)) {
    const at = `${where}${name}`;
    const allowed = FIELDS[s.Type];
    if (!allowed) {
      problems.push(`${at}: Type '${String(s.Type)}' is not supported by the local Step Functions`);
      continue;
    }
    unknownFields(s, [...COMMON, ...allowed], at, problems);
    queryLanguage((s as { QueryLanguage?: unknown }).QueryLanguage, at, problems);
    checkState(s, at, problems);
    const terminal = s.Type === 'Succeed' || s.Type === 'Fail' || s.Type === 'Choice';
    if (!terminal) {
      if (s.End === true && s.Next !== undefined) problems.push(`${at}: has both Next and End`);
      if (s.End !== true) target(name, s.Next, 'Next');
    }
    if (s.Type === 'Choice') {
      if (!Array.isArray(s.Choices) || s.Choices.length === 0)
        problems.push(`${at}: Choices must be non-empty`);
      for (const c of s.Choices ?? []) {
        target(name, c.Next, 'Choices[].Next');
        problems.push(...choiceRuleProblems(c, at, true));
      }
      if (s.Default !== undefined) target(name, s.Default, 'Default');
    }
    for (const c of s.Catch ?? []) {
      target(name, c.Next, 'Catch[].Next');
      unknownFields(c, CATCHER, `${at}.Catch`, problems);
      checkResultPath(c.ResultPath, `${at}.Catch[].ResultPath`, problems);
    }
    for (const r of s.Retry ?? []) unknownFields(r, RETRIER, `${at}.Retry`, problems);
    for (const r of [...(s.Retry ?? []), ...(s.Catch ?? [])]) {
      if (!Array.isArray(r.ErrorEquals) || r.ErrorEquals.length === 0) {
        problems.push(`${at}: Retry/Catch entries need a non-empty ErrorEquals`);
      }
    }
    if (s.Type === 'Map') {
      const proc = s.ItemProcessor;
      if (!isObject(proc)) problems.push(`${at}: Map needs an ItemProcessor`);
      else {
        unknownFields(proc, PROCESSOR, `${at}.ItemProcessor`, problems);
        const mode = proc.ProcessorConfig?.Mode;
        if (mode !== undefined && mode !== 'INLINE') {
          problems.push(`${at}: ProcessorConfig.Mode ${String(mode)} is not supported (INLINE only)`);
        }
        checkBranch(proc, `${at}/`, problems);
      }
    }
  }
}

function checkResultPath(v: unknown, at: string, problems: string[]): void {
  checkPath(v, at, problems);
  if (typeof v === 'string' && v.trim().startsWith('$$')) {
    problems.push(`${at}: cannot address the context object`);
  }
}

function checkState(s: StateDef, at: string, problems: string[]): void {
  const fields = s as unknown as Record<string, unknown>;
  for (const f of PATH_FIELDS) checkPath(fields[f], `${at}.${f}`, problems);
  checkResultPath(s.ResultPath, `${at}.ResultPath`, problems);
  for (const f of TEMPLATE_FIELDS) checkTemplate(fields[f] as Json | undefined, `${at}.${f}`, problems);
  if (s.Type === 'Task') {
    const r = s.Resource;
    if (typeof r !== 'string') problems.push(`${at}: Task without Resource`);
    else if (LAMBDA_INVOKE.test(r) || LAMBDA_INVOKE_TOKEN.test(r)) {
      const p = s.Parameters;
      if (!isObject(p) || (typeof p.FunctionName !== 'string' && typeof p['FunctionName.$'] !== 'string')) {
        problems.push(`${at}: Parameters.FunctionName is required for ${r}`);
      }
    } else if (!LAMBDA_ARN.test(r)) {
      problems.push(
        `${at}: Task resource '${r}' is not supported locally (lambda:invoke, lambda:invoke.waitForTaskToken and Lambda function ARNs are)`,
      );
    }
    if (s.HeartbeatSeconds !== undefined && !LAMBDA_INVOKE_TOKEN.test(r ?? '')) {
      problems.push(`${at}: HeartbeatSeconds is only supported locally with lambda:invoke.waitForTaskToken`);
    }
  }
  if (s.Type === 'Wait') {
    const set = ['Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath'].filter(
      (f) => fields[f] !== undefined,
    );
    if (set.length !== 1) {
      problems.push(
        `${at}: a Wait state needs exactly one of Seconds, SecondsPath, Timestamp, TimestampPath`,
      );
    }
  }
}
