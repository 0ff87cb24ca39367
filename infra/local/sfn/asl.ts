/**
 * Amazon States Language definitions (JSONPath query language) as the local Step Functions
 * supports them: the state types, fields and Task resources Dangan's workflows use. Everything
 * else is refused when a definition is loaded (see validate.ts), never silently ignored.
 */

import { errorMessage } from '../../../functions/core/errors.ts';
import type { Json, JsonObject } from './jsonpath.ts';
import { validateDefinition } from './validate.ts';

export type StateType = 'Task' | 'Pass' | 'Choice' | 'Wait' | 'Succeed' | 'Fail' | 'Map';

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
  ProcessorConfig?: { Mode?: string };
}

export interface MachineDefinition extends Branch {
  Comment?: string;
  TimeoutSeconds?: number;
  QueryLanguage?: string;
}

export interface StateDef {
  Type: StateType;
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
  Cause?: string;
  // Map
  ItemsPath?: string;
  ItemSelector?: Json;
  ItemProcessor?: Branch;
  MaxConcurrency?: number;
}

/** Task resources: Lambda through the optimized integration, with a task token, or by function ARN. */
export const LAMBDA_INVOKE = /^arn:[^:]+:states:::lambda:invoke$/;
export const LAMBDA_INVOKE_TOKEN = /^arn:[^:]+:states:::lambda:invoke\.waitForTaskToken$/;
export const LAMBDA_ARN = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:.+/;

/** Parses and checks a definition; throws an Error listing every problem found. */
export function parseDefinition(name: string, text: string): MachineDefinition {
  let def: unknown;
  try {
    def = JSON.parse(text);
  } catch (e) {
    throw new Error(`State machine ${name}: definition is not valid JSON (${errorMessage(e)})`);
  }
  const problems = validateDefinition(def);
  if (problems.length)
    throw new Error(`State machine ${name} has an invalid definition:\n  ${problems.join('\n  ')}`);
  return def as MachineDefinition;
}
