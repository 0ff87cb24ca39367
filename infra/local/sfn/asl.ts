/** Amazon States Language definitions (JSONPath query language) and a structural check of them. */
import type { Json, JsonObject } from './jsonpath.ts';

export type StateType = 'Task' | 'Pass' | 'Choice' | 'Wait' | 'Succeed' | 'Fail' | 'Map' | 'Parallel';

export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}

export interface Catcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string | null;
}

export interface Branch {
  StartAt: string;
  States: Record<string, StateDef>;
  ProcessorConfig?: { Mode?: string; ExecutionType?: string };
}

export interface MachineDefinition extends Branch {
  Comment?: string;
  TimeoutSeconds?: number;
  QueryLanguage?: string;
}

export interface StateDef {
  Type: StateType;
  QueryLanguage?: string;
  Comment?: string;
  Next?: string;
  End?: boolean;
  InputPath?: string | null;
  OutputPath?: string | null;
  ResultPath?: string | null;
  Parameters?: Json;
  ResultSelector?: Json;
  Result?: Json;
  // Task
  Resource?: string;
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  HeartbeatSeconds?: number;
  HeartbeatSecondsPath?: string;
  Retry?: Retrier[];
  Catch?: Catcher[];
  // Choice
  Choices?: JsonObject[];
  Default?: string;
  // Wait
  Seconds?: number;
  SecondsPath?: string;
  Timestamp?: string;
  TimestampPath?: string;
  // Fail
  Error?: string;
  ErrorPath?: string;
  Cause?: string;
  CausePath?: string;
  // Map
  ItemsPath?: string;
  ItemSelector?: Json;
  ItemProcessor?: Branch;
  Iterator?: Branch;
  MaxConcurrency?: number;
  MaxConcurrencyPath?: string;
  // Parallel
  Branches?: Branch[];
}

/** Fields of features the local interpreter does not implement; refused rather than ignored. */
const UNSUPPORTED = [
  'Assign',
  'Arguments',
  'Output',
  'Items',
  'ItemReader',
  'ResultWriter',
  'ItemBatcher',
  'ToleratedFailurePercentage',
  'ToleratedFailurePercentagePath',
  'ToleratedFailureCount',
  'ToleratedFailureCountPath',
];

const TYPES = new Set<StateType>(['Task', 'Pass', 'Choice', 'Wait', 'Succeed', 'Fail', 'Map', 'Parallel']);

/** Parses and checks a definition; throws an Error listing every problem found. */
export function parseDefinition(name: string, text: string): MachineDefinition {
  let def: unknown;
  try {
    def = JSON.parse(text);
  } catch (e) {
    throw new Error(`State machine ${name}: definition is not valid JSON (${(e as Error).message})`);
  }
  const problems: string[] = [];
  const d = def as MachineDefinition;
  if (d.QueryLanguage !== undefined && d.QueryLanguage !== 'JSONPath') {
    problems.push(`QueryLanguage ${String(d.QueryLanguage)} is not supported (JSONPath only)`);
  }
  checkBranch(d, '', problems);
  if (problems.length)
    throw new Error(`State machine ${name} has an invalid definition:\n  ${problems.join('\n  ')}`);
  return d;
}

function checkBranch(b: Branch, where: string, problems: string[]): void {
  if (typeof b !== 'object' || b === null || typeof b.States !== 'object' || b.States === null) {
    problems.push(`${where || '(top level)'}: missing States`);
    return;
  }
  const names = new Set(Object.keys(b.States));
  if (!names.has(b.StartAt))
    problems.push(`${where || '(top level)'}: StartAt '${b.StartAt}' is not a state`);
  const target = (from: string, to: unknown, field: string) => {
    if (typeof to !== 'string' || !names.has(to)) {
      problems.push(`${where}${from}: ${field} '${String(to)}' is not a state in the same scope`);
    }
  };
  for (const [name, s] of Object.entries(b.States)) {
    const at = `${where}${name}`;
    if (!TYPES.has(s.Type)) {
      problems.push(`${at}: unknown Type '${String(s.Type)}'`);
      continue;
    }
    for (const field of UNSUPPORTED) {
      if (field in s) problems.push(`${at}: ${field} is not supported by the local Step Functions`);
    }
    if (s.QueryLanguage !== undefined && s.QueryLanguage !== 'JSONPath') {
      problems.push(`${at}: QueryLanguage ${String(s.QueryLanguage)} is not supported (JSONPath only)`);
    }
    const terminal = s.Type === 'Succeed' || s.Type === 'Fail' || s.Type === 'Choice';
    if (!terminal) {
      if (s.End === true && s.Next !== undefined) problems.push(`${at}: has both Next and End`);
      if (s.End !== true) target(name, s.Next, 'Next');
    }
    if (s.Type === 'Choice') {
      if (!Array.isArray(s.Choices) || s.Choices.length === 0)
        problems.push(`${at}: Choices must be non-empty`);
      for (const c of s.Choices ?? []) target(name, c.Next, 'Choices[].Next');
      if (s.Default !== undefined) target(name, s.Default, 'Default');
    }
    if (s.Type === 'Task' && typeof s.Resource !== 'string') problems.push(`${at}: Task without Resource`);
    for (const c of s.Catch ?? []) target(name, c.Next, 'Catch[].Next');
    for (const r of [...(s.Retry ?? []), ...(s.Catch ?? [])]) {
      if (!Array.isArray(r.ErrorEquals) || r.ErrorEquals.length === 0) {
        problems.push(`${at}: Retry/Catch entries need a non-empty ErrorEquals`);
      }
    }
    if (s.Type === 'Map') {
      const proc = s.ItemProcessor ?? s.Iterator;
      if (!proc) problems.push(`${at}: Map needs ItemProcessor or Iterator`);
      else checkBranch(proc, `${at}/`, problems);
    }
    if (s.Type === 'Parallel') {
      if (!Array.isArray(s.Branches) || s.Branches.length === 0)
        problems.push(`${at}: Parallel needs Branches`);
      (s.Branches ?? []).forEach((br, i) => {
        checkBranch(br, `${at}[${i}]/`, problems);
      });
    }
  }
}
