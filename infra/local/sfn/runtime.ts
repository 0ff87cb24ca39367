/**
 * The interpreter's core: runs the threads of an execution state by state, records history,
 * applies Retry and Catch, enforces the payload quota on every state's output, and ends
 * executions. What each state type does lives in `states/`; persistence in the store; waiting
 * in the scheduler.
 */
import type { Branch, StateDef } from './asl.ts';
import { applyResultPath, applyTemplate, selectPath } from './dataflow.ts';
import { checkPayload, StatesError, stateError } from './errors.ts';
import type { Json, JsonObject } from './jsonpath.ts';
import type { Scheduler } from './scheduler.ts';
import { HANDLERS } from './states/index.ts';
import { findCatcher, retryDelayMs } from './states/recovery.ts';
import type { ExecutionStore } from './store.ts';
import {
  type Exec,
  Halt,
  type Machine,
  type Outcome,
  type Scope,
  type StepResult,
  type ThreadRec,
} from './types.ts';

export interface RuntimeOptions {
  region: string;
  accountId: string;
  invokeLambda: (functionArn: string, payload: unknown) => Promise<unknown>;
  now: () => Date;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class Runtime {
  constructor(
    readonly opts: RuntimeOptions,
    readonly machines: Map<string, Machine>,
    readonly store: ExecutionStore,
    readonly scheduler: Scheduler,
  ) {}

  now(): number {
    return this.opts.now().getTime();
  }

  persist(ex: Exec): void {
    this.store.persist(ex);
  }

  // -------------------------------------------------------------------------------------------
  // Liveness and waiting

  alive(ex: Exec, scope: Scope): boolean {
    return !this.scheduler.isStopped && !scope.dead && ex.rec.status === 'RUNNING';
  }

  live(ex: Exec, scope: Scope): void {
    if (!this.alive(ex, scope)) throw new Halt();
  }

  async suspend(ex: Exec, t: ThreadRec, scope: Scope, busy?: Promise<unknown>): Promise<void> {
    await this.scheduler.suspend(ex, t, busy);
    this.live(ex, scope);
  }

  async sleepUntil(ex: Exec, t: ThreadRec, scope: Scope, until: number): Promise<void> {
    while (this.now() < until) await this.suspend(ex, t, scope);
  }

  // -------------------------------------------------------------------------------------------
  // History and context

  emit(ex: Exec, t: ThreadRec | undefined, type: string, details: Record<string, unknown> = {}): number {
    const events = ex.rec.events;
    const id = events.length + 1;
    const previousEventId = t ? t.lastEventId : (events.at(-1)?.id ?? 0);
    events.push({ id, previousEventId, timestamp: this.now(), type, ...details });
    if (t) t.lastEventId = id;
    return id;
  }

  /** The context object (`$$`) of a thread's current state. */
  context(ex: Exec, t: ThreadRec, extra: JsonObject = {}): Json {
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

  transition(st: StateDef, output: Json): StepResult {
    return st.End === true || st.Next === undefined
      ? { kind: 'end', output }
      : { kind: 'next', next: st.Next, output };
  }

  /** ResultSelector, ResultPath and OutputPath applied to a Task or Map result. */
  finishOutput(ex: Exec, t: ThreadRec, st: StateDef, result: Json): Json {
    const ctx = this.context(ex, t);
    const selected = st.ResultSelector !== undefined ? applyTemplate(st.ResultSelector, result, ctx) : result;
    return selectPath(st.OutputPath, applyResultPath(st.ResultPath, t.input, selected), ctx);
  }

  // -------------------------------------------------------------------------------------------
  // Executions

  newThread(ex: Exec, state: string, input: Json, lastEventId: number): ThreadRec {
    const id = `t${ex.rec.nextThreadId++}`;
    return { id, state, input, enteredAt: 0, entered: false, retryCounts: [], lastEventId };
  }

  launch(ex: Exec): void {
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
    r.stopDate = this.now();
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

  closeExecution(ex: Exec): void {
    ex.scope.cancelled = true;
    this.store.finish(ex);
    this.scheduler.wakeExecution(ex);
    this.persist(ex);
  }

  timeoutExecution(ex: Exec): void {
    if (ex.rec.status !== 'RUNNING') return;
    const r = ex.rec;
    r.status = 'TIMED_OUT';
    r.stopDate = this.now();
    r.error = 'States.Timeout';
    r.cause = 'The execution exceeded the TimeoutSeconds of its state machine.';
    this.emit(ex, undefined, 'ExecutionTimedOut', {
      executionTimedOutEventDetails: { error: r.error, cause: r.cause },
    });
    this.closeExecution(ex);
  }

  // -------------------------------------------------------------------------------------------
  // Threads

  /** Runs a thread from its current state to its end; returns how it ended. */
  async runThread(ex: Exec, branch: Branch, t: ThreadRec, scope: Scope): Promise<Outcome> {
    this.scheduler.enter();
    try {
      for (;;) {
        this.live(ex, scope);
        if (t.done) return t.done;
        const st = branch.States[t.state];
        if (!st) throw new StatesError('States.Runtime', `State '${t.state}' does not exist`);
        if (t.pending?.kind === 'retry') {
          await this.sleepUntil(ex, t, scope, t.pending.until);
          t.pending = undefined;
        }
        if (!t.entered) this.enterState(ex, t, st);
        let res: StepResult;
        try {
          res = await HANDLERS[st.Type](this, { ex, t, st, scope });
          if (res.kind !== 'fail') checkPayload(res.output, `The output of state '${t.state}'`);
        } catch (e) {
          if (e instanceof Halt) throw e;
          res = { kind: 'fail', ...stateError(e) };
        }
        this.live(ex, scope);

        if (res.kind === 'fail') {
          const next = this.recover(ex, t, st, res);
          if (next.kind === 'done') return next.outcome;
          if (next.kind === 'catch') this.advance(ex, t, next.state, next.input);
          continue;
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
      this.scheduler.leave();
    }
  }

  private enterState(ex: Exec, t: ThreadRec, st: StateDef): void {
    t.entered = true;
    t.enteredAt = this.now();
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

  /**
   * After a state failed: schedules a retry, names the catcher's Next and its input, or ends the
   * thread with the error (`t.done` set).
   */
  private recover(
    ex: Exec,
    t: ThreadRec,
    st: StateDef,
    res: { error: string; cause: string; terminal?: boolean },
  ): { kind: 'retry' } | { kind: 'catch'; state: string; input: Json } | { kind: 'done'; outcome: Outcome } {
    this.closeTokens(ex, t);
    t.pending = undefined;
    t.children = undefined;
    if (!res.terminal) {
      const delay = retryDelayMs(st.Retry ?? [], t.retryCounts, res.error);
      if (delay !== undefined) {
        t.pending = { kind: 'retry', until: this.now() + delay };
        this.persist(ex);
        return { kind: 'retry' };
      }
      const catcher = findCatcher(st.Catch ?? [], res.error);
      if (catcher) {
        try {
          const output = applyResultPath(catcher.ResultPath, t.input, { Error: res.error, Cause: res.cause });
          checkPayload(output, `The output of state '${t.state}'`);
          this.exitState(ex, t, st, output);
          return { kind: 'catch', state: catcher.Next, input: output };
        } catch (e) {
          return this.end(ex, t, { ok: false, ...stateError(e) });
        }
      }
    }
    return this.end(ex, t, { ok: false, error: res.error, cause: res.cause });
  }

  private end(ex: Exec, t: ThreadRec, outcome: Outcome): { kind: 'done'; outcome: Outcome } {
    t.done = outcome;
    this.persist(ex);
    return { kind: 'done', outcome };
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

  /** Closes the task tokens a thread and its children hold, so they can no longer be used. */
  closeTokens(ex: Exec, t: ThreadRec): void {
    const p = t.pending;
    if (p?.kind === 'task' && p.token) this.store.closeToken(ex, p.token);
    for (const c of t.children ?? []) this.closeTokens(ex, c);
  }
}
