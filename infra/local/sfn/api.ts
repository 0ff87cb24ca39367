/**
 * The Step Functions API operations Dangan calls (and tests use), with AWS's validation and
 * error types: start/describe/stop/list executions, history, task tokens, state machines.
 */
import { randomUUID } from 'node:crypto';
import { ApiError, PAYLOAD_LIMIT_BYTES, payloadBytes } from './errors.ts';
import { isObject, type Json, type JsonObject } from './jsonpath.ts';
import type { Runtime } from './runtime.ts';
import {
  type Exec,
  type ExecRecord,
  findThread,
  type Machine,
  message,
  type TaskPending,
  type ThreadRec,
} from './types.ts';

const TOKEN_RE = /^[A-Za-z0-9_-]{86}$/;
const NAME_FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/;

/** Execution names: 1-80 characters, no whitespace, brackets, wildcards, punctuation or control characters. */
function validName(name: string): boolean {
  if (name.length < 1 || name.length > 80 || NAME_FORBIDDEN.test(name)) return false;
  for (const ch of name) {
    const c = ch.codePointAt(0) ?? 0;
    if (c <= 0x1f || (c >= 0x7f && c <= 0x9f)) return false;
  }
  return true;
}

/** `input` and `output` of the API are limited to the payload quota, counted in UTF-8 bytes. */
function withinQuota(field: string, text: string): void {
  const bytes = payloadBytes(text);
  if (bytes > PAYLOAD_LIMIT_BYTES) {
    throw new ApiError(
      'ValidationException',
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${PAYLOAD_LIMIT_BYTES} (it has ${bytes} bytes)`,
    );
  }
}

function paginate<T>(all: T[], req: JsonObject, def: number, max: number): { page: T[]; nextToken?: string } {
  let start = 0;
  if (typeof req.nextToken === 'string' && req.nextToken) {
    const n = Number(Buffer.from(req.nextToken, 'base64url').toString('utf8'));
    if (!Number.isInteger(n) || n < 0) throw new ApiError('InvalidToken', 'Invalid nextToken');
    start = n;
  }
  const size = typeof req.maxResults === 'number' && req.maxResults > 0 ? Math.min(req.maxResults, max) : def;
  const page = all.slice(start, start + size);
  const end = start + page.length;
  return end < all.length ? { page, nextToken: Buffer.from(String(end)).toString('base64url') } : { page };
}

export class SfnApi {
  constructor(private readonly rt: Runtime) {}

  private get store() {
    return this.rt.store;
  }

  private machine(arn: unknown): Machine {
    if (typeof arn !== 'string' || !arn)
      throw new ApiError('ValidationException', 'stateMachineArn is required');
    if (!/^arn:[^:]+:states:[^:]*:[^:]*:stateMachine:[^:]+$/.test(arn)) {
      throw new ApiError('InvalidArn', `Invalid Arn: '${arn}'`);
    }
    const m = this.rt.machines.get(arn);
    if (!m) throw new ApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return m;
  }

  private execution(arn: unknown): Exec {
    if (typeof arn !== 'string' || !arn)
      throw new ApiError('ValidationException', 'executionArn is required');
    if (!/^arn:[^:]+:states:[^:]*:[^:]*:execution:[^:]+:[^:]+$/.test(arn)) {
      throw new ApiError('InvalidArn', `Invalid Arn: '${arn}'`);
    }
    const ex = this.store.executions.get(arn);
    if (!ex) throw new ApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return ex;
  }

  startExecution(req: JsonObject): { executionArn: string; startDate: number } {
    const machine = this.machine(req.stateMachineArn);
    const inputText = req.input === undefined || req.input === null ? '{}' : req.input;
    if (typeof inputText !== 'string')
      throw new ApiError('InvalidExecutionInput', 'Input must be a JSON string');
    withinQuota('input', inputText);
    let input: Json;
    try {
      input = JSON.parse(inputText) as Json;
    } catch (e) {
      throw new ApiError('InvalidExecutionInput', `Invalid State Machine Execution Input: '${message(e)}'`);
    }
    const name = req.name === undefined || req.name === null ? randomUUID() : req.name;
    if (typeof name !== 'string' || !validName(name)) {
      throw new ApiError('InvalidName', `Invalid Name: '${String(name)}'`);
    }
    const { region, accountId } = this.rt.opts;
    const executionArn = `arn:aws:states:${region}:${accountId}:execution:${machine.name}:${name}`;
    const existing = this.store.executions.get(executionArn);
    if (existing) {
      // Standard workflows: same name + same input while RUNNING is idempotent.
      let same = existing.rec.input === inputText;
      if (!same) {
        try {
          same = JSON.stringify(JSON.parse(existing.rec.input)) === JSON.stringify(input);
        } catch {
          same = false;
        }
      }
      if (same && existing.rec.status === 'RUNNING') {
        return { executionArn, startDate: existing.rec.startDate / 1000 };
      }
      throw new ApiError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const now = this.rt.now();
    const def = machine.def;
    const root: ThreadRec = {
      id: 't0',
      state: def.StartAt,
      input,
      enteredAt: 0,
      entered: false,
      retryCounts: [],
      lastEventId: 0,
    };
    const rec: ExecRecord = {
      version: 1,
      executionArn,
      stateMachineArn: machine.arn,
      stateMachineName: machine.name,
      definition: machine.definition,
      name,
      input: inputText,
      status: 'RUNNING',
      startDate: now,
      timeoutAt: def.TimeoutSeconds !== undefined ? now + def.TimeoutSeconds * 1000 : undefined,
      events: [],
      root,
      tokens: {},
      nextThreadId: 1,
    };
    const ex = this.store.add(rec, def, input);
    this.rt.emit(ex, root, 'ExecutionStarted', {
      executionStartedEventDetails: {
        input: inputText,
        inputDetails: { truncated: false },
        roleArn: machine.roleArn,
        stateMachineArn: machine.arn,
      },
    });
    this.rt.persist(ex);
    this.rt.launch(ex);
    return { executionArn, startDate: now / 1000 };
  }

  describeExecution(req: JsonObject): Record<string, unknown> {
    const r = this.execution(req.executionArn).rec;
    return {
      executionArn: r.executionArn,
      stateMachineArn: r.stateMachineArn,
      name: r.name,
      status: r.status,
      startDate: r.startDate / 1000,
      ...(r.stopDate !== undefined ? { stopDate: r.stopDate / 1000 } : {}),
      input: r.input,
      inputDetails: { included: true },
      ...(r.output !== undefined ? { output: r.output, outputDetails: { included: true } } : {}),
      ...(r.error !== undefined ? { error: r.error } : {}),
      ...(r.cause !== undefined ? { cause: r.cause } : {}),
      redriveCount: 0,
      redriveStatus: 'NOT_REDRIVABLE',
    };
  }

  describeStateMachineForExecution(req: JsonObject): Record<string, unknown> {
    const r = this.execution(req.executionArn).rec;
    const m = this.rt.machines.get(r.stateMachineArn);
    return {
      stateMachineArn: r.stateMachineArn,
      name: r.stateMachineName,
      definition: r.definition,
      roleArn: m?.roleArn ?? `arn:aws:iam::${this.rt.opts.accountId}:role/${r.stateMachineName}-role`,
      updateDate: (m?.createdAt ?? r.startDate) / 1000,
    };
  }

  stopExecution(req: JsonObject): { stopDate: number } {
    const ex = this.execution(req.executionArn);
    const r = ex.rec;
    if (r.status === 'RUNNING') {
      r.status = 'ABORTED';
      r.stopDate = this.rt.now();
      if (typeof req.error === 'string') r.error = req.error;
      if (typeof req.cause === 'string') r.cause = req.cause;
      this.rt.emit(ex, undefined, 'ExecutionAborted', {
        executionAbortedEventDetails: {
          ...(r.error !== undefined ? { error: r.error } : {}),
          ...(r.cause !== undefined ? { cause: r.cause } : {}),
        },
      });
      this.rt.closeExecution(ex);
    }
    return { stopDate: (r.stopDate ?? this.rt.now()) / 1000 };
  }

  listExecutions(req: JsonObject): Record<string, unknown> {
    const m = this.machine(req.stateMachineArn);
    const filter = typeof req.statusFilter === 'string' ? req.statusFilter : undefined;
    const all = [...this.store.executions.values()]
      .map((e) => e.rec)
      .filter((r) => r.stateMachineArn === m.arn && (!filter || r.status === filter))
      .sort((a, b) => b.startDate - a.startDate || (a.name < b.name ? -1 : 1));
    const { page, nextToken } = paginate(all, req, 100, 1000);
    return {
      executions: page.map((r) => ({
        executionArn: r.executionArn,
        stateMachineArn: r.stateMachineArn,
        name: r.name,
        status: r.status,
        startDate: r.startDate / 1000,
        ...(r.stopDate !== undefined ? { stopDate: r.stopDate / 1000 } : {}),
      })),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  getExecutionHistory(req: JsonObject): Record<string, unknown> {
    const r = this.execution(req.executionArn).rec;
    const events = req.reverseOrder === true ? [...r.events].reverse() : r.events;
    const { page, nextToken } = paginate(events, req, 100, 1000);
    const withData = req.includeExecutionData !== false;
    return {
      events: page.map((e) => {
        const out: Record<string, unknown> = { ...e, timestamp: e.timestamp / 1000 };
        if (!withData) {
          for (const [k, v] of Object.entries(out)) {
            if (k.endsWith('EventDetails') && isObject(v as Json)) {
              const { input: _i, output: _o, parameters: _p, ...rest } = v as Record<string, unknown>;
              out[k] = rest;
            }
          }
        }
        return out;
      }),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  describeStateMachine(req: JsonObject): Record<string, unknown> {
    const m = this.machine(req.stateMachineArn);
    return {
      stateMachineArn: m.arn,
      name: m.name,
      status: 'ACTIVE',
      definition: m.definition,
      roleArn: m.roleArn,
      type: 'STANDARD',
      creationDate: m.createdAt / 1000,
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: { enabled: false },
    };
  }

  listStateMachines(req: JsonObject): Record<string, unknown> {
    const all = [...this.rt.machines.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    const { page, nextToken } = paginate(all, req, 100, 1000);
    return {
      stateMachines: page.map((m) => ({
        stateMachineArn: m.arn,
        name: m.name,
        type: 'STANDARD',
        creationDate: m.createdAt / 1000,
      })),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  /** The state machine of the execution a task token belongs to, if the token is known. */
  stateMachineOfToken(token: unknown): string | undefined {
    return typeof token === 'string' ? this.store.tokens.get(token)?.rec.stateMachineArn : undefined;
  }

  private openTask(token: unknown): { ex: Exec; t: ThreadRec; p: TaskPending; token: string } {
    if (typeof token !== 'string' || !TOKEN_RE.test(token))
      throw new ApiError('InvalidToken', 'Invalid Token');
    const ex = this.store.tokens.get(token);
    if (!ex) throw new ApiError('TaskDoesNotExist', 'Task does not exist');
    const timedOut = () =>
      new ApiError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'");
    const entry = ex.rec.tokens[token];
    if (!entry?.open || ex.rec.status !== 'RUNNING') throw timedOut();
    const t = findThread(ex.rec.root, entry.thread);
    const p = t?.pending;
    if (!t || p?.kind !== 'task' || p.token !== token || p.outcome) throw timedOut();
    const now = this.rt.now();
    if (
      (p.deadline !== undefined && p.deadline <= now) ||
      (p.heartbeatDeadline !== undefined && p.heartbeatDeadline <= now)
    ) {
      this.rt.scheduler.wakeThread(t);
      throw timedOut();
    }
    return { ex, t, p, token };
  }

  private complete(
    ex: Exec,
    t: ThreadRec,
    p: TaskPending,
    token: string,
    outcome: TaskPending['outcome'],
  ): void {
    p.outcome = outcome;
    this.store.closeToken(ex, token);
    this.rt.persist(ex);
    this.rt.scheduler.wakeThread(t);
  }

  sendTaskSuccess(req: JsonObject): Record<string, never> {
    const { ex, t, p, token } = this.openTask(req.taskToken);
    if (typeof req.output !== 'string') throw new ApiError('ValidationException', 'output is required');
    withinQuota('output', req.output);
    let output: Json;
    try {
      output = JSON.parse(req.output) as Json;
    } catch (e) {
      throw new ApiError('InvalidOutput', `Invalid Output: '${message(e)}'`);
    }
    this.complete(ex, t, p, token, { ok: true, output });
    return {};
  }

  sendTaskFailure(req: JsonObject): Record<string, never> {
    const { ex, t, p, token } = this.openTask(req.taskToken);
    const error = typeof req.error === 'string' ? req.error : '';
    const cause = typeof req.cause === 'string' ? req.cause : '';
    this.complete(ex, t, p, token, { ok: false, error, cause });
    return {};
  }

  sendTaskHeartbeat(req: JsonObject): Record<string, never> {
    const { ex, p } = this.openTask(req.taskToken);
    if (p.heartbeatSeconds !== undefined) {
      p.heartbeatDeadline = this.rt.now() + p.heartbeatSeconds * 1000;
      this.rt.persist(ex);
    }
    return {};
  }
}
