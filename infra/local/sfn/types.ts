/**
 * The records of a running execution, shared by the store (which persists them), the scheduler
 * (which wakes threads whose deadline passed) and the state handlers (which advance them).
 *
 * Every execution is a tree of threads (the top level and its Map iterations). Each thread records
 * the state it is in, that state's raw input and, while it waits, what it waits for (a task token,
 * a Wait or Retry deadline, a running Lambda).
 */
import type { MachineDefinition, StateDef } from './asl.ts';
import type { Json } from './jsonpath.ts';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface StoredEvent {
  id: number;
  previousEventId: number;
  /** epoch milliseconds */
  timestamp: number;
  type: string;
  [details: string]: unknown;
}

export type Outcome = { ok: true; output: Json } | { ok: false; error: string; cause: string };

export interface TaskPending {
  kind: 'task';
  /** `invoking`: the Lambda call is (or must be re-)issued; `waiting`: waiting for the task token. */
  phase: 'invoking' | 'waiting';
  params: Json;
  token?: string;
  deadline?: number;
  heartbeatSeconds?: number;
  heartbeatDeadline?: number;
  outcome?: Outcome;
}

export type Pending = { kind: 'wait'; until: number } | { kind: 'retry'; until: number } | TaskPending;

export interface ThreadRec {
  id: string;
  state: string;
  input: Json;
  enteredAt: number;
  entered: boolean;
  retryCounts: number[];
  pending?: Pending;
  children?: ThreadRec[];
  started?: boolean;
  done?: Outcome;
  lastEventId: number;
}

export interface ExecRecord {
  version: 1;
  executionArn: string;
  stateMachineArn: string;
  stateMachineName: string;
  definition: string;
  name: string;
  input: string;
  status: ExecutionStatus;
  startDate: number;
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
  timeoutAt?: number;
  events: StoredEvent[];
  root: ThreadRec;
  tokens: Record<string, { thread: string; open: boolean }>;
  nextThreadId: number;
}

export interface Machine {
  name: string;
  arn: string;
  definition: string;
  def: MachineDefinition;
  createdAt: number;
  roleArn: string;
}

/** Cancellation of a thread and its children (execution ended, sibling iteration failed). */
export class Scope {
  cancelled = false;
  constructor(readonly parent?: Scope) {}
  get dead(): boolean {
    return this.cancelled || (this.parent?.dead ?? false);
  }
}

/** An execution in memory: its persisted record plus what is rebuilt on load. */
export interface Exec {
  rec: ExecRecord;
  def: MachineDefinition;
  inputJson: Json;
  scope: Scope;
  file: string;
  dirty: boolean;
  writing?: Promise<void>;
}

/** Thrown inside an execution's threads when they must stop (server stopped, execution ended, sibling failed). */
export class Halt {}

export type StepResult =
  | { kind: 'next'; next: string; output: Json }
  | { kind: 'end'; output: Json }
  | { kind: 'fail'; error: string; cause: string; terminal?: boolean };

/** One state being run: the execution, the thread, the state's definition and its cancellation scope. */
export interface Step {
  ex: Exec;
  t: ThreadRec;
  st: StateDef;
  scope: Scope;
}

export function findThread(t: ThreadRec, id: string): ThreadRec | undefined {
  if (t.id === id) return t;
  for (const c of t.children ?? []) {
    const hit = findThread(c, id);
    if (hit) return hit;
  }
  return undefined;
}

export function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
