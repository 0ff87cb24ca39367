/**
 * Durable interpreter for Standard workflows.
 *
 * Every execution is a tree of threads (the top level, Map iterations, Parallel branches). Each
 * thread records the state it is in, that state's raw input and, while it waits, what it waits
 * for (a task token, a Wait or Retry deadline, a running Lambda). The whole record, history
 * included, is written to `dataDir/executions/*.json` after every transition, so a new process
 * on the same data directory picks up every RUNNING execution where it stood: tokens stay valid,
 * deadlines are absolute, and a Lambda that was running when the process went away is invoked again.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Branch, type MachineDefinition, parseDefinition, type StateDef } from './asl.ts';
import {
  applyResultPath,
  applyTemplate,
  evaluateChoiceRule,
  parseTimestamp,
  resolveDynamic,
  selectPath,
} from './dataflow.ts';
import { ApiError, runtimeError, StatesError, UNCATCHABLE } from './errors.ts';
import { isObject, type Json, type JsonObject, queryPath } from './jsonpath.ts';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface EngineOptions {
  dataDir: string;
  region: string;
  accountId: string;
  stateMachines: { name: string; definition: string }[];
  invokeLambda: (functionArn: string, payload: unknown) => Promise<unknown>;
  now: () => Date;
}

export interface StoredEvent {
  id: number;
  previousEventId: number;
  /** epoch milliseconds */
  timestamp: number;
  type: string;
  [details: string]: unknown;
}

type Outcome = { ok: true; output: Json } | { ok: false; error: string; cause: string };

interface TaskPending {
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

type Pending = { kind: 'wait'; until: number } | { kind: 'retry'; until: number } | TaskPending;

interface ThreadRec {
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

interface ExecRecord {
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

interface Machine {
  name: string;
  arn: string;
  definition: string;
  def: MachineDefinition;
  createdAt: number;
  roleArn: string;
}

class Scope {
  cancelled = false;
  constructor(readonly parent?: Scope) {}
  get dead(): boolean {
    return this.cancelled || (this.parent?.dead ?? false);
  }
}

interface Exec {
  rec: ExecRecord;
  def: MachineDefinition;
  inputJson: Json;
  scope: Scope;
  file: string;
  dirty: boolean;
  writing?: Promise<void>;
}

/** Thrown inside an execution's threads when they must stop (server stopped, execution ended, sibling failed). */
class Halt {}

type StepResult =
  | { kind: 'next'; next: string; output: Json }
  | { kind: 'end'; output: Json }
  | { kind: 'fail'; error: string; cause: string; terminal?: boolean };

type Settled = { ok: true; value: Json } | { ok: false; error: string; cause: string };

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

function newToken(): string {
  return randomBytes(64).toString('base64url');
}

/** A function result as JSON; raw response bytes are decoded like Lambda's Payload. */
function toJson(v: unknown): Json {
  if (v === undefined) return null;
  if (v instanceof Uint8Array) {
    const text = Buffer.from(v).toString('utf8');
    if (!text) return null;
    try {
      return JSON.parse(text) as Json;
    } catch {
      return text;
    }
  }
  return JSON.parse(JSON.stringify(v)) as Json;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function stateError(e: unknown): { error: string; cause: string } {
  if (e instanceof StatesError) return { error: e.error, cause: e.causeText };
  return { error: 'States.Runtime', cause: message(e) };
}

function matchesError(list: string[], error: string): boolean {
  return list.some(
    (e) => e === error || e === 'States.ALL' || (e === 'States.TaskFailed' && error !== 'States.Timeout'),
  );
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

const LAMBDA_INVOKE = /^arn:[^:]+:states:::lambda:invoke$/;
const LAMBDA_INVOKE_TOKEN = /^arn:[^:]+:states:::lambda:invoke\.waitForTaskToken$/;
const LAMBDA_ARN = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:.+/;

export class Engine {
  private readonly machines = new Map<string, Machine>();
  private readonly executions = new Map<string, Exec>();
  private readonly running = new Set<Exec>();
  private readonly tokenIndex = new Map<string, Exec>();
  private readonly waiters = new Map<ThreadRec, { ex: Exec; wake: () => void }>();
  private idleWaiters: (() => void)[] = [];
  private active = 0;
  private stopped = false;
  private timer?: NodeJS.Timeout;
  private readonly execDir: string;

  private constructor(private readonly opts: EngineOptions) {
    this.execDir = path.join(opts.dataDir, 'executions');
  }

  static async open(opts: EngineOptions, tickMs = 200): Promise<Engine> {
    const engine = new Engine(opts);
    const created = opts.now().getTime();
    for (const m of opts.stateMachines) {
      const arn = engine.machineArn(m.name);
      if (engine.machines.has(arn)) throw new Error(`State machine ${m.name} is defined twice`);
      engine.machines.set(arn, {
        name: m.name,
        arn,
        definition: m.definition,
        def: parseDefinition(m.name, m.definition),
        createdAt: created,
        roleArn: `arn:aws:iam::${opts.accountId}:role/${m.name}-role`,
      });
    }
    await mkdir(engine.execDir, { recursive: true });
    await engine.load();
    engine.timer = setInterval(() => engine.tick(), tickMs);
    engine.timer.unref();
    for (const ex of engine.running) engine.launch(ex);
    return engine;
  }

  // -------------------------------------------------------------------------------------------
  // Naming

  machineArn(name: string): string {
    return `arn:aws:states:${this.opts.region}:${this.opts.accountId}:stateMachine:${name}`;
  }

  private executionArn(machine: string, name: string): string {
    return `arn:aws:states:${this.opts.region}:${this.opts.accountId}:execution:${machine}:${name}`;
  }

  private functionArn(name: string, qualifier?: Json): string {
    let arn: string;
    if (name.startsWith('arn:')) arn = name;
    else if (/^\d{12}:function:/.test(name)) arn = `arn:aws:lambda:${this.opts.region}:${name}`;
    else arn = `arn:aws:lambda:${this.opts.region}:${this.opts.accountId}:function:${name}`;
    if (typeof qualifier === 'string' && arn.split(':').length === 7) arn += `:${qualifier}`;
    return arn;
  }

  private nowMs(): number {
    return this.opts.now().getTime();
  }

  // -------------------------------------------------------------------------------------------
  // Persistence

  private async load(): Promise<void> {
    const files = (await readdir(this.execDir)).filter((f) => f.endsWith('.json'));
    for (const f of files) {
      const file = path.join(this.execDir, f);
      let rec: ExecRecord;
      try {
        rec = JSON.parse(await readFile(file, 'utf8')) as ExecRecord;
      } catch (e) {
        console.error(`[sfn] skipping unreadable execution file ${file}: ${message(e)}`);
        continue;
      }
      let def: MachineDefinition;
      try {
        def = parseDefinition(rec.stateMachineName, rec.definition);
      } catch (e) {
        console.error(`[sfn] skipping execution ${rec.executionArn}: ${message(e)}`);
        continue;
      }
      const ex: Exec = {
        rec,
        def,
        inputJson: JSON.parse(rec.input) as Json,
        scope: new Scope(),
        file,
        dirty: false,
      };
      this.executions.set(rec.executionArn, ex);
      for (const token of Object.keys(rec.tokens)) this.tokenIndex.set(token, ex);
      if (rec.status === 'RUNNING') this.running.add(ex);
      else ex.scope.cancelled = true;
    }
  }

  private persist(ex: Exec): void {
    if (this.stopped) return;
    ex.dirty = true;
    if (!ex.writing) ex.writing = this.flush(ex);
  }

  private async flush(ex: Exec): Promise<void> {
    try {
      while (ex.dirty) {
        ex.dirty = false;
        const data = JSON.stringify(ex.rec);
        const tmp = `${ex.file}.tmp`;
        await writeFile(tmp, data);
        await rename(tmp, ex.file);
      }
    } catch (e) {
      console.error(`[sfn] could not persist ${ex.rec.executionArn}: ${message(e)}`);
    } finally {
      ex.writing = undefined;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Lifecycle, timers, idleness

  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const w of [...this.waiters.values()]) w.wake();
    await Promise.all([...this.executions.values()].map((ex) => ex.writing));
    for (const r of this.idleWaiters.splice(0)) r();
  }

  private due(t: ThreadRec, now: number): boolean {
    const p = t.pending;
    if (!p) return false;
    if (p.kind === 'task') {
      return (
        p.outcome !== undefined ||
        (p.deadline !== undefined && p.deadline <= now) ||
        (p.heartbeatDeadline !== undefined && p.heartbeatDeadline <= now)
      );
    }
    return p.until <= now;
  }

  private anyDue(): boolean {
    const now = this.nowMs();
    for (const ex of this.running) if (ex.rec.timeoutAt !== undefined && ex.rec.timeoutAt <= now) return true;
    for (const t of this.waiters.keys()) if (this.due(t, now)) return true;
    return false;
  }

  /** Fires everything whose deadline has passed by the engine clock. */
  tick(): void {
    if (this.stopped) return;
    const now = this.nowMs();
    for (const ex of [...this.running]) {
      if (ex.rec.timeoutAt !== undefined && ex.rec.timeoutAt <= now) this.timeoutExecution(ex);
    }
    for (const [t, w] of [...this.waiters]) if (this.due(t, now)) w.wake();
  }

  private checkIdle(): void {
    if (this.active === 0) for (const r of this.idleWaiters.splice(0)) r();
  }

  /** Resolves once no execution is running a step: all are finished or wait on a token or a timer. */
  async idle(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      this.tick();
      if (this.active > 0) await new Promise<void>((r) => this.idleWaiters.push(r));
      await new Promise<void>((r) => setImmediate(r));
      if (this.active === 0 && !this.anyDue()) return;
    }
  }

  private alive(ex: Exec, scope: Scope): boolean {
    return !this.stopped && !scope.dead && ex.rec.status === 'RUNNING';
  }

  private live(ex: Exec, scope: Scope): void {
    if (!this.alive(ex, scope)) throw new Halt();
  }

  /**
   * Suspends a thread until it is woken (token sent, deadline reached, execution ended) or `busy`
   * settles. Without `busy` the thread counts as idle while it waits.
   */
  private async suspend(ex: Exec, t: ThreadRec, scope: Scope, busy?: Promise<unknown>): Promise<void> {
    if (!busy) {
      this.active--;
      this.checkIdle();
    }
    try {
      await new Promise<void>((resolve) => {
        this.waiters.set(t, { ex, wake: resolve });
        busy?.then(
          () => resolve(),
          () => resolve(),
        );
      });
    } finally {
      this.waiters.delete(t);
      if (!busy) this.active++;
    }
    this.live(ex, scope);
  }

  private async sleepUntil(ex: Exec, t: ThreadRec, scope: Scope, until: number): Promise<void> {
    while (this.nowMs() < until) await this.suspend(ex, t, scope);
  }

  private wakeExecution(ex: Exec): void {
    for (const w of [...this.waiters.values()]) if (w.ex === ex) w.wake();
  }

  // -------------------------------------------------------------------------------------------
  // History

  private emit(
    ex: Exec,
    t: ThreadRec | undefined,
    type: string,
    details: Record<string, unknown> = {},
  ): number {
    const events = ex.rec.events;
    const id = events.length + 1;
    const previousEventId = t ? t.lastEventId : (events.at(-1)?.id ?? 0);
    events.push({ id, previousEventId, timestamp: this.nowMs(), type, ...details });
    if (t) t.lastEventId = id;
    return id;
  }

  // -------------------------------------------------------------------------------------------
  // Execution lifecycle

  private newThread(ex: Exec, state: string, input: Json, lastEventId: number): ThreadRec {
    const id = `t${ex.rec.nextThreadId++}`;
    return { id, state, input, enteredAt: 0, entered: false, retryCounts: [], lastEventId };
  }

  private launch(ex: Exec): void {
    this.runRoot(ex).catch((e: unknown) => {
      console.error(`[sfn] execution ${ex.rec.executionArn} crashed`, e);
    });
  }

  private async runRoot(ex: Exec): Promise<void> {
    let outcome: Outcome;
    try {
      outcome = await this.runThread(ex, ex.def, ex.rec.root, ex.scope);
    } catch (e) {
      if (e instanceof Halt) return;
      outcome = { ok: false, ...stateError(e) };
    }
    if (!this.alive(ex, ex.scope)) return;
    const r = ex.rec;
    r.stopDate = this.nowMs();
    if (outcome.ok) {
      r.status = 'SUCCEEDED';
      r.output = JSON.stringify(outcome.output);
      this.emit(ex, r.root, 'ExecutionSucceeded', {
        executionSucceededEventDetails: { output: r.output, outputDetails: { truncated: false } },
      });
    } else {
      r.status = 'FAILED';
      r.error = outcome.error;
      r.cause = outcome.cause;
      this.emit(ex, r.root, 'ExecutionFailed', {
        executionFailedEventDetails: { error: outcome.error, cause: outcome.cause },
      });
    }
    this.closeExecution(ex);
  }

  private closeExecution(ex: Exec): void {
    ex.scope.cancelled = true;
    this.running.delete(ex);
    for (const entry of Object.values(ex.rec.tokens)) entry.open = false;
    this.wakeExecution(ex);
    this.persist(ex);
  }

  private timeoutExecution(ex: Exec): void {
    if (ex.rec.status !== 'RUNNING') return;
    const r = ex.rec;
    r.status = 'TIMED_OUT';
    r.stopDate = this.nowMs();
    r.error = 'States.Timeout';
    r.cause = 'The execution exceeded the TimeoutSeconds of its state machine.';
    this.emit(ex, undefined, 'ExecutionTimedOut', {
      executionTimedOutEventDetails: { error: r.error, cause: r.cause },
    });
    this.closeExecution(ex);
  }

  // -------------------------------------------------------------------------------------------
  // Threads

  private async runThread(ex: Exec, branch: Branch, t: ThreadRec, scope: Scope): Promise<Outcome> {
    this.active++;
    try {
      for (;;) {
        this.live(ex, scope);
        if (t.done) return t.done;
        const st = branch.States[t.state];
        if (!st) throw runtimeError(`State '${t.state}' does not exist`);
        if (t.pending?.kind === 'retry') {
          await this.sleepUntil(ex, t, scope, t.pending.until);
          t.pending = undefined;
        }
        if (!t.entered) {
          t.entered = true;
          t.enteredAt = this.nowMs();
          t.retryCounts = [];
          this.emit(ex, t, `${st.Type}StateEntered`, {
            stateEnteredEventDetails: {
              name: t.state,
              input: JSON.stringify(t.input),
              inputDetails: { truncated: false },
            },
          });
          this.persist(ex);
        }
        let res: StepResult;
        try {
          res = await this.step(ex, t, st, scope);
        } catch (e) {
          if (e instanceof Halt) throw e;
          res = { kind: 'fail', ...stateError(e) };
        }
        this.live(ex, scope);

        if (res.kind === 'fail') {
          this.closeTokens(ex, t);
          t.pending = undefined;
          t.children = undefined;
          if (!res.terminal && !UNCATCHABLE.has(res.error)) {
            const retriers = st.Retry ?? [];
            const ri = retriers.findIndex((r) => matchesError(r.ErrorEquals, res.error));
            const retrier = retriers[ri];
            if (retrier) {
              const attempts = t.retryCounts[ri] ?? 0;
              if (attempts < (retrier.MaxAttempts ?? 3)) {
                let delay = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** attempts;
                if (retrier.MaxDelaySeconds !== undefined) delay = Math.min(delay, retrier.MaxDelaySeconds);
                if (retrier.JitterStrategy === 'FULL') delay *= Math.random();
                t.retryCounts[ri] = attempts + 1;
                t.pending = { kind: 'retry', until: this.nowMs() + Math.round(delay * 1000) };
                this.persist(ex);
                continue;
              }
            }
            const catcher = (st.Catch ?? []).find((c) => matchesError(c.ErrorEquals, res.error));
            if (catcher) {
              let output: Json;
              try {
                output = applyResultPath(catcher.ResultPath, t.input, { Error: res.error, Cause: res.cause });
              } catch (e) {
                t.done = { ok: false, ...stateError(e) };
                this.persist(ex);
                return t.done;
              }
              this.exitState(ex, t, st, output);
              this.advance(ex, t, catcher.Next, output);
              continue;
            }
          }
          t.done = { ok: false, error: res.error, cause: res.cause };
          this.persist(ex);
          return t.done;
        }

        this.exitState(ex, t, st, res.output);
        if (res.kind === 'end') {
          t.done = { ok: true, output: res.output };
          this.persist(ex);
          return t.done;
        }
        this.advance(ex, t, res.next, res.output);
      }
    } finally {
      this.active--;
      this.checkIdle();
    }
  }

  private exitState(ex: Exec, t: ThreadRec, st: StateDef, output: Json): void {
    this.emit(ex, t, `${st.Type}StateExited`, {
      stateExitedEventDetails: {
        name: t.state,
        output: JSON.stringify(output),
        outputDetails: { truncated: false },
      },
    });
  }

  private advance(ex: Exec, t: ThreadRec, next: string, input: Json): void {
    t.state = next;
    t.input = input;
    t.entered = false;
    t.pending = undefined;
    t.children = undefined;
    t.retryCounts = [];
    this.persist(ex);
  }

  private closeTokens(ex: Exec, t: ThreadRec): void {
    const p = t.pending;
    if (p?.kind === 'task' && p.token) {
      const entry = ex.rec.tokens[p.token];
      if (entry) entry.open = false;
    }
    for (const c of t.children ?? []) this.closeTokens(ex, c);
  }

  private context(ex: Exec, t: ThreadRec, extra: JsonObject = {}): Json {
    const r = ex.rec;
    return {
      Execution: {
        Id: r.executionArn,
        Input: ex.inputJson,
        Name: r.name,
        RoleArn: this.machines.get(r.stateMachineArn)?.roleArn ?? '',
        StartTime: iso(r.startDate),
        RedriveCount: 0,
      },
      StateMachine: { Id: r.stateMachineArn, Name: r.stateMachineName },
      State: {
        Name: t.state,
        EnteredTime: iso(t.enteredAt),
        RetryCount: t.retryCounts.reduce((a, b) => a + (b ?? 0), 0),
      },
      ...extra,
    };
  }

  private transition(st: StateDef, output: Json): StepResult {
    return st.End === true || st.Next === undefined
      ? { kind: 'end', output }
      : { kind: 'next', next: st.Next, output };
  }

  private finishOutput(ex: Exec, t: ThreadRec, st: StateDef, result: Json): Json {
    const ctx = this.context(ex, t);
    const selected = st.ResultSelector !== undefined ? applyTemplate(st.ResultSelector, result, ctx) : result;
    return selectPath(st.OutputPath, applyResultPath(st.ResultPath, t.input, selected), ctx);
  }

  private async step(ex: Exec, t: ThreadRec, st: StateDef, scope: Scope): Promise<StepResult> {
    switch (st.Type) {
      case 'Pass': {
        const ctx = this.context(ex, t);
        const eff = selectPath(st.InputPath, t.input, ctx);
        const result =
          st.Result !== undefined
            ? st.Result
            : st.Parameters !== undefined
              ? applyTemplate(st.Parameters, eff, ctx)
              : eff;
        return this.transition(
          st,
          selectPath(st.OutputPath, applyResultPath(st.ResultPath, t.input, result), ctx),
        );
      }
      case 'Choice': {
        const ctx = this.context(ex, t);
        const eff = selectPath(st.InputPath, t.input, ctx);
        const rule = (st.Choices ?? []).find((c) => evaluateChoiceRule(c, eff, ctx));
        const next = typeof rule?.Next === 'string' ? rule.Next : st.Default;
        if (next === undefined) {
          throw new StatesError(
            'States.NoChoiceMatched',
            `No Choice rule of state '${t.state}' matched the input`,
          );
        }
        return { kind: 'next', next, output: selectPath(st.OutputPath, eff, ctx) };
      }
      case 'Succeed': {
        const ctx = this.context(ex, t);
        return {
          kind: 'end',
          output: selectPath(st.OutputPath, selectPath(st.InputPath, t.input, ctx), ctx),
        };
      }
      case 'Fail': {
        const ctx = this.context(ex, t);
        const error =
          st.ErrorPath !== undefined ? resolveDynamic(st.ErrorPath, t.input, ctx) : (st.Error ?? '');
        const cause =
          st.CausePath !== undefined ? resolveDynamic(st.CausePath, t.input, ctx) : (st.Cause ?? '');
        return {
          kind: 'fail',
          terminal: true,
          error: typeof error === 'string' ? error : JSON.stringify(error),
          cause: typeof cause === 'string' ? cause : JSON.stringify(cause),
        };
      }
      case 'Wait':
        return this.stepWait(ex, t, st, scope);
      case 'Task':
        return this.stepTask(ex, t, st, scope);
      case 'Map':
        return this.stepMap(ex, t, st, scope);
      case 'Parallel':
        return this.stepParallel(ex, t, st, scope);
    }
  }

  private async stepWait(ex: Exec, t: ThreadRec, st: StateDef, scope: Scope): Promise<StepResult> {
    const ctx = this.context(ex, t);
    const eff = selectPath(st.InputPath, t.input, ctx);
    if (t.pending?.kind !== 'wait') {
      let until: number;
      if (st.Seconds !== undefined || st.SecondsPath !== undefined) {
        const s = st.Seconds ?? queryPath(st.SecondsPath as string, eff, ctx);
        if (typeof s !== 'number' || s < 0) {
          throw runtimeError(
            `Wait state '${t.state}': seconds must be a non-negative number, got ${JSON.stringify(s)}`,
          );
        }
        until = this.nowMs() + s * 1000;
      } else if (st.Timestamp !== undefined || st.TimestampPath !== undefined) {
        const raw = st.Timestamp ?? queryPath(st.TimestampPath as string, eff, ctx);
        const at = parseTimestamp(raw);
        if (at === undefined) {
          throw runtimeError(`Wait state '${t.state}': ${JSON.stringify(raw)} is not an RFC3339 timestamp`);
        }
        until = at;
      } else {
        throw runtimeError(`Wait state '${t.state}' has no Seconds, SecondsPath, Timestamp or TimestampPath`);
      }
      t.pending = { kind: 'wait', until };
      this.persist(ex);
    }
    await this.sleepUntil(ex, t, scope, t.pending.until);
    t.pending = undefined;
    return this.transition(st, selectPath(st.OutputPath, eff, ctx));
  }

  private seconds(st: StateDef, field: 'TimeoutSeconds' | 'HeartbeatSeconds', eff: Json, ctx: Json) {
    const pathField = field === 'TimeoutSeconds' ? st.TimeoutSecondsPath : st.HeartbeatSecondsPath;
    const v = pathField !== undefined ? queryPath(pathField, eff, ctx) : st[field];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !(v > 0)) {
      throw runtimeError(`${field} of state must be a positive number, got ${JSON.stringify(v)}`);
    }
    return v;
  }

  private async stepTask(ex: Exec, t: ThreadRec, st: StateDef, scope: Scope): Promise<StepResult> {
    const resource = st.Resource ?? '';
    const kind = LAMBDA_INVOKE.test(resource)
      ? 'invoke'
      : LAMBDA_INVOKE_TOKEN.test(resource)
        ? 'invoke.waitForTaskToken'
        : LAMBDA_ARN.test(resource)
          ? 'function'
          : undefined;
    if (!kind) {
      throw runtimeError(
        `Task resource '${resource}' is not supported locally (lambda:invoke, lambda:invoke.waitForTaskToken and Lambda function ARNs are)`,
      );
    }
    const integration = kind !== 'function';

    let p = t.pending?.kind === 'task' ? t.pending : undefined;
    if (!p) {
      const token = kind === 'invoke.waitForTaskToken' ? newToken() : undefined;
      const ctx = this.context(ex, t, token ? { Task: { Token: token } } : {});
      const eff = selectPath(st.InputPath, t.input, ctx);
      const params = st.Parameters !== undefined ? applyTemplate(st.Parameters, eff, ctx) : eff;
      const timeout = this.seconds(st, 'TimeoutSeconds', eff, ctx);
      const heartbeat = this.seconds(st, 'HeartbeatSeconds', eff, ctx);
      const now = this.nowMs();
      p = {
        kind: 'task',
        phase: 'invoking',
        params,
        token,
        deadline: timeout !== undefined ? now + timeout * 1000 : undefined,
        heartbeatSeconds: heartbeat,
        heartbeatDeadline: heartbeat !== undefined && token ? now + heartbeat * 1000 : undefined,
      };
      if (token) {
        ex.rec.tokens[token] = { thread: t.id, open: true };
        this.tokenIndex.set(token, ex);
      }
      t.pending = p;
      if (integration) {
        this.emit(ex, t, 'TaskScheduled', {
          taskScheduledEventDetails: {
            resourceType: 'lambda',
            resource: kind,
            region: this.opts.region,
            parameters: JSON.stringify(params),
            ...(timeout !== undefined ? { timeoutInSeconds: timeout } : {}),
            ...(heartbeat !== undefined ? { heartbeatInSeconds: heartbeat } : {}),
          },
        });
        this.emit(ex, t, 'TaskStarted', {
          taskStartedEventDetails: { resourceType: 'lambda', resource: kind },
        });
      } else {
        this.emit(ex, t, 'LambdaFunctionScheduled', {
          lambdaFunctionScheduledEventDetails: {
            resource,
            input: JSON.stringify(params),
            inputDetails: { truncated: false },
            ...(timeout !== undefined ? { timeoutInSeconds: timeout } : {}),
          },
        });
        this.emit(ex, t, 'LambdaFunctionStarted');
      }
      this.persist(ex);
    }

    let fnArn: string;
    let payload: Json;
    if (integration) {
      const params = p.params;
      if (!isObject(params) || typeof params.FunctionName !== 'string') {
        throw runtimeError(`Task state '${t.state}': Parameters.FunctionName is required for ${resource}`);
      }
      fnArn = this.functionArn(params.FunctionName, params.Qualifier);
      payload = params.Payload === undefined ? {} : params.Payload;
    } else {
      fnArn = resource;
      payload = p.params;
    }

    let invocation: Promise<void> | undefined;
    let settled: Settled | undefined;
    for (;;) {
      this.live(ex, scope);
      const now = this.nowMs();
      if (p.outcome) break;
      if (p.deadline !== undefined && now >= p.deadline) {
        p.outcome = { ok: false, error: 'States.Timeout', cause: `Task '${t.state}' timed out.` };
        break;
      }
      if (p.heartbeatDeadline !== undefined && now >= p.heartbeatDeadline) {
        p.outcome = { ok: false, error: 'States.Timeout', cause: `Task '${t.state}' missed its heartbeat.` };
        break;
      }
      if (p.phase === 'invoking') {
        if (!invocation) {
          invocation = this.invoke(fnArn, payload).then((s) => {
            settled = s;
          });
        }
        await this.suspend(ex, t, scope, invocation);
        const s = settled as Settled | undefined;
        if (!s) continue;
        if (!s.ok) {
          if (!p.outcome) p.outcome = s;
        } else if (p.token) {
          p.phase = 'waiting';
          this.emit(ex, t, 'TaskSubmitted', {
            taskSubmittedEventDetails: {
              resourceType: 'lambda',
              resource: kind,
              output: JSON.stringify(this.invokeResult(s.value)),
              outputDetails: { truncated: false },
            },
          });
          this.persist(ex);
        } else if (!p.outcome) {
          p.outcome = { ok: true, output: integration ? this.invokeResult(s.value) : s.value };
        }
        continue;
      }
      await this.suspend(ex, t, scope);
    }

    const outcome = p.outcome;
    if (p.token) {
      const entry = ex.rec.tokens[p.token];
      if (entry) entry.open = false;
    }
    t.pending = undefined;
    if (outcome.ok) {
      const output = JSON.stringify(outcome.output);
      if (integration) {
        this.emit(ex, t, 'TaskSucceeded', {
          taskSucceededEventDetails: {
            resourceType: 'lambda',
            resource: kind,
            output,
            outputDetails: { truncated: false },
          },
        });
      } else {
        this.emit(ex, t, 'LambdaFunctionSucceeded', {
          lambdaFunctionSucceededEventDetails: { output, outputDetails: { truncated: false } },
        });
      }
    } else {
      const timedOut = outcome.error === 'States.Timeout';
      const details = { error: outcome.error, cause: outcome.cause };
      if (integration) {
        const key = timedOut ? 'taskTimedOutEventDetails' : 'taskFailedEventDetails';
        this.emit(ex, t, timedOut ? 'TaskTimedOut' : 'TaskFailed', {
          [key]: { resourceType: 'lambda', resource: kind, ...details },
        });
      } else {
        const key = timedOut ? 'lambdaFunctionTimedOutEventDetails' : 'lambdaFunctionFailedEventDetails';
        this.emit(ex, t, timedOut ? 'LambdaFunctionTimedOut' : 'LambdaFunctionFailed', { [key]: details });
      }
    }
    this.persist(ex);
    if (!outcome.ok) return { kind: 'fail', error: outcome.error, cause: outcome.cause };
    return this.transition(st, this.finishOutput(ex, t, st, outcome.output));
  }

  private invokeResult(payload: Json): Json {
    const requestId = randomUUID();
    return {
      ExecutedVersion: '$LATEST',
      Payload: payload,
      SdkHttpMetadata: {
        AllHttpHeaders: {
          'X-Amz-Executed-Version': ['$LATEST'],
          'x-amzn-RequestId': [requestId],
          'Content-Type': ['application/json'],
        },
        HttpHeaders: {
          'X-Amz-Executed-Version': '$LATEST',
          'x-amzn-RequestId': requestId,
          'Content-Type': 'application/json',
        },
        HttpStatusCode: 200,
      },
      SdkResponseMetadata: { RequestId: requestId },
      StatusCode: 200,
    };
  }

  private async invoke(fnArn: string, payload: Json): Promise<Settled> {
    try {
      return { ok: true, value: toJson(await this.opts.invokeLambda(fnArn, payload)) };
    } catch (e) {
      const err = (typeof e === 'object' && e !== null ? e : {}) as {
        name?: unknown;
        message?: unknown;
        errorType?: unknown;
        errorMessage?: unknown;
        $metadata?: unknown;
      };
      const errorType =
        typeof err.errorType === 'string' && err.errorType
          ? err.errorType
          : typeof err.name === 'string' && err.name
            ? err.name
            : 'Error';
      const errorMessage =
        typeof err.errorMessage === 'string'
          ? err.errorMessage
          : typeof err.message === 'string'
            ? err.message
            : String(e);
      // Errors raised by the Lambda service itself (SDK exceptions) surface as Lambda.<Name>.
      const error = err.$metadata !== undefined ? `Lambda.${errorType}` : errorType;
      return { ok: false, error, cause: JSON.stringify({ errorType, errorMessage }) };
    }
  }

  private async stepMap(ex: Exec, t: ThreadRec, st: StateDef, scope: Scope): Promise<StepResult> {
    const proc = (st.ItemProcessor ?? st.Iterator) as Branch;
    const ctx = this.context(ex, t);
    const eff = selectPath(st.InputPath, t.input, ctx);
    if (!t.children) {
      const items = st.ItemsPath !== undefined ? queryPath(st.ItemsPath, eff, ctx) : eff;
      if (!Array.isArray(items)) {
        throw runtimeError(
          `Map state '${t.state}': ItemsPath must select an array, got ${JSON.stringify(items)}`,
        );
      }
      const selector = st.ItemSelector ?? st.Parameters;
      const inputs = items.map((value, index) =>
        selector !== undefined
          ? applyTemplate(
              selector,
              eff,
              this.context(ex, t, { Map: { Item: { Index: index, Value: value } } }),
            )
          : value,
      );
      const startedId = this.emit(ex, t, 'MapStateStarted', {
        mapStateStartedEventDetails: { length: items.length },
      });
      t.children = inputs.map((input) => this.newThread(ex, proc.StartAt, input, startedId));
      this.persist(ex);
    }
    let limit = st.MaxConcurrency ?? 0;
    if (st.MaxConcurrencyPath !== undefined) {
      const v = queryPath(st.MaxConcurrencyPath, eff, ctx);
      if (typeof v !== 'number' || v < 0)
        throw runtimeError(`MaxConcurrencyPath must select a non-negative number`);
      limit = v;
    }
    const outcome = await this.runChildren(
      ex,
      scope,
      t.children.map((thread) => ({ thread, branch: proc })),
      limit,
      'Map',
      t.state,
    );
    if (!outcome.ok) {
      this.emit(ex, t, 'MapStateFailed');
      return { kind: 'fail', error: outcome.error, cause: outcome.cause };
    }
    this.emit(ex, t, 'MapStateSucceeded');
    return this.transition(st, this.finishOutput(ex, t, st, outcome.output));
  }

  private async stepParallel(ex: Exec, t: ThreadRec, st: StateDef, scope: Scope): Promise<StepResult> {
    const branches = st.Branches ?? [];
    if (!t.children) {
      const ctx = this.context(ex, t);
      const eff = selectPath(st.InputPath, t.input, ctx);
      const input = st.Parameters !== undefined ? applyTemplate(st.Parameters, eff, ctx) : eff;
      const startedId = this.emit(ex, t, 'ParallelStateStarted');
      t.children = branches.map((b) => this.newThread(ex, b.StartAt, input, startedId));
      this.persist(ex);
    }
    const outcome = await this.runChildren(
      ex,
      scope,
      t.children.map((thread, i) => ({ thread, branch: branches[i] as Branch })),
      0,
      'Parallel',
      t.state,
    );
    if (!outcome.ok) {
      this.emit(ex, t, 'ParallelStateFailed');
      return { kind: 'fail', error: outcome.error, cause: outcome.cause };
    }
    this.emit(ex, t, 'ParallelStateSucceeded');
    return this.transition(st, this.finishOutput(ex, t, st, outcome.output));
  }

  /** Runs Map iterations / Parallel branches; the first failure cancels the others. */
  private async runChildren(
    ex: Exec,
    scope: Scope,
    entries: { thread: ThreadRec; branch: Branch }[],
    limit: number,
    kind: 'Map' | 'Parallel',
    stateName: string,
  ): Promise<Outcome> {
    const childScope = new Scope(scope);
    const n = entries.length;
    const results: Json[] = new Array<Json>(n).fill(null);
    this.active--;
    this.checkIdle();
    try {
      const outcome = await new Promise<Outcome | Halt>((resolve) => {
        let next = 0;
        let running = 0;
        let completed = 0;
        let finished = false;
        const finish = (o: Outcome | Halt) => {
          if (finished) return;
          finished = true;
          if (!(o instanceof Halt) && !o.ok) {
            childScope.cancelled = true;
            for (const e of entries) this.closeTokens(ex, e.thread);
            this.wakeExecution(ex);
          }
          resolve(o);
        };
        const iterEvent = (thread: ThreadRec, type: string, index: number) => {
          if (kind !== 'Map') return;
          const key = `mapIteration${type.slice('MapIteration'.length)}EventDetails`;
          this.emit(ex, thread, type, { [key]: { name: stateName, index } });
        };
        const launch = () => {
          while (!finished && next < n && (limit <= 0 || running < limit)) {
            const i = next++;
            const entry = entries[i] as { thread: ThreadRec; branch: Branch };
            const done = entry.thread.done;
            if (done) {
              if (!done.ok) return finish(done);
              results[i] = done.output;
              completed++;
              continue;
            }
            if (!entry.thread.started) {
              entry.thread.started = true;
              iterEvent(entry.thread, 'MapIterationStarted', i);
            }
            running++;
            this.runThread(ex, entry.branch, entry.thread, childScope).then(
              (o) => {
                running--;
                if (finished) return;
                if (!this.alive(ex, childScope)) return finish(new Halt());
                iterEvent(entry.thread, o.ok ? 'MapIterationSucceeded' : 'MapIterationFailed', i);
                if (!o.ok) return finish(o);
                results[i] = o.output;
                completed++;
                this.persist(ex);
                launch();
              },
              (e: unknown) => {
                running--;
                finish(e instanceof Halt ? e : { ok: false, ...stateError(e) });
              },
            );
          }
          if (!finished && completed === n) finish({ ok: true, output: results });
        };
        launch();
      });
      if (outcome instanceof Halt) throw outcome;
      return outcome;
    } finally {
      this.active++;
      this.live(ex, scope);
    }
  }

  // -------------------------------------------------------------------------------------------
  // API operations

  private machine(arn: unknown): Machine {
    if (typeof arn !== 'string' || !arn)
      throw new ApiError('ValidationException', 'stateMachineArn is required');
    if (!/^arn:[^:]+:states:[^:]*:[^:]*:stateMachine:[^:]+$/.test(arn)) {
      throw new ApiError('InvalidArn', `Invalid Arn: '${arn}'`);
    }
    const m = this.machines.get(arn);
    if (!m) throw new ApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return m;
  }

  private execution(arn: unknown): Exec {
    if (typeof arn !== 'string' || !arn)
      throw new ApiError('ValidationException', 'executionArn is required');
    if (!/^arn:[^:]+:states:[^:]*:[^:]*:execution:[^:]+:[^:]+$/.test(arn)) {
      throw new ApiError('InvalidArn', `Invalid Arn: '${arn}'`);
    }
    const ex = this.executions.get(arn);
    if (!ex) throw new ApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return ex;
  }

  startExecution(req: JsonObject): { executionArn: string; startDate: number } {
    const machine = this.machine(req.stateMachineArn);
    const inputText = req.input === undefined || req.input === null ? '{}' : req.input;
    if (typeof inputText !== 'string')
      throw new ApiError('InvalidExecutionInput', 'Input must be a JSON string');
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
    const executionArn = this.executionArn(machine.name, name);
    const existing = this.executions.get(executionArn);
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
    const now = this.nowMs();
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
    const file = path.join(
      this.execDir,
      `${createHash('sha256').update(executionArn).digest('hex').slice(0, 40)}.json`,
    );
    const ex: Exec = { rec, def, inputJson: input, scope: new Scope(), file, dirty: false };
    this.executions.set(executionArn, ex);
    this.running.add(ex);
    this.emit(ex, root, 'ExecutionStarted', {
      executionStartedEventDetails: {
        input: inputText,
        inputDetails: { truncated: false },
        roleArn: machine.roleArn,
        stateMachineArn: machine.arn,
      },
    });
    this.persist(ex);
    this.launch(ex);
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
    const m = this.machines.get(r.stateMachineArn);
    return {
      stateMachineArn: r.stateMachineArn,
      name: r.stateMachineName,
      definition: r.definition,
      roleArn: m?.roleArn ?? `arn:aws:iam::${this.opts.accountId}:role/${r.stateMachineName}-role`,
      updateDate: (m?.createdAt ?? r.startDate) / 1000,
    };
  }

  stopExecution(req: JsonObject): { stopDate: number } {
    const ex = this.execution(req.executionArn);
    const r = ex.rec;
    if (r.status === 'RUNNING') {
      r.status = 'ABORTED';
      r.stopDate = this.nowMs();
      if (typeof req.error === 'string') r.error = req.error;
      if (typeof req.cause === 'string') r.cause = req.cause;
      this.emit(ex, undefined, 'ExecutionAborted', {
        executionAbortedEventDetails: {
          ...(r.error !== undefined ? { error: r.error } : {}),
          ...(r.cause !== undefined ? { cause: r.cause } : {}),
        },
      });
      this.closeExecution(ex);
    }
    return { stopDate: (r.stopDate ?? this.nowMs()) / 1000 };
  }

  listExecutions(req: JsonObject): Record<string, unknown> {
    const m = this.machine(req.stateMachineArn);
    const filter = typeof req.statusFilter === 'string' ? req.statusFilter : undefined;
    const all = [...this.executions.values()]
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
    const all = [...this.machines.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
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

  private openTask(token: unknown): { ex: Exec; t: ThreadRec; p: TaskPending; token: string } {
    if (typeof token !== 'string' || !TOKEN_RE.test(token))
      throw new ApiError('InvalidToken', 'Invalid Token');
    const ex = this.tokenIndex.get(token);
    if (!ex) throw new ApiError('TaskDoesNotExist', 'Task does not exist');
    const timedOut = () =>
      new ApiError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'");
    const entry = ex.rec.tokens[token];
    if (!entry?.open || ex.rec.status !== 'RUNNING') throw timedOut();
    const t = findThread(ex.rec.root, entry.thread);
    const p = t?.pending;
    if (!t || p?.kind !== 'task' || p.token !== token || p.outcome) throw timedOut();
    const now = this.nowMs();
    if (
      (p.deadline !== undefined && p.deadline <= now) ||
      (p.heartbeatDeadline !== undefined && p.heartbeatDeadline <= now)
    ) {
      this.waiters.get(t)?.wake();
      throw timedOut();
    }
    return { ex, t, p, token };
  }

  private complete(ex: Exec, t: ThreadRec, p: TaskPending, token: string, outcome: Outcome): void {
    p.outcome = outcome;
    const entry = ex.rec.tokens[token];
    if (entry) entry.open = false;
    this.persist(ex);
    this.waiters.get(t)?.wake();
  }

  sendTaskSuccess(req: JsonObject): Record<string, never> {
    const { ex, t, p, token } = this.openTask(req.taskToken);
    if (typeof req.output !== 'string') throw new ApiError('ValidationException', 'output is required');
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
      p.heartbeatDeadline = this.nowMs() + p.heartbeatSeconds * 1000;
      this.persist(ex);
    }
    return {};
  }
}

function findThread(t: ThreadRec, id: string): ThreadRec | undefined {
  if (t.id === id) return t;
  for (const c of t.children ?? []) {
    const hit = findThread(c, id);
    if (hit) return hit;
  }
  return undefined;
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
