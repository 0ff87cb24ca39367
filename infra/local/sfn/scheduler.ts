/**
 * The scheduler: timers, waits, heartbeats and idleness. Threads that wait (a Wait or Retry
 * deadline, a task token, a running Lambda) suspend here; a periodic tick, driven by the engine
 * clock, wakes those whose deadline has passed and expires executions past their TimeoutSeconds.
 * It also counts the threads actively running a step, so tests can wait until all are idle.
 */
import type { Exec, ThreadRec } from './types.ts';

export interface SchedulerHooks {
  now(): number;
  /** RUNNING executions whose state machine TimeoutSeconds has passed at `now`. */
  expired(now: number): Exec[];
  /** Ends an execution that timed out. */
  expire(ex: Exec): void;
}

export class Scheduler {
  private readonly waiters = new Map<ThreadRec, { ex: Exec; wake: () => void }>();
  private idleWaiters: (() => void)[] = [];
  private active = 0;
  private stopped = false;
  private timer?: NodeJS.Timeout;

  constructor(private readonly hooks: SchedulerHooks) {}

  start(tickMs: number): void {
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
  }

  /** Stops ticking and wakes every waiting thread (which then halts). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const w of [...this.waiters.values()]) w.wake();
  }

  /** Releases everyone waiting in idle(); call once the store is closed. */
  released(): void {
    for (const r of this.idleWaiters.splice(0)) r();
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** True when the thread's wait is over: deadline, heartbeat deadline, or a task outcome arrived. */
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
    const now = this.hooks.now();
    if (this.hooks.expired(now).length > 0) return true;
    for (const t of this.waiters.keys()) if (this.due(t, now)) return true;
    return false;
  }

  /** Fires everything whose deadline has passed by the engine clock. */
  tick(): void {
    if (this.stopped) return;
    const now = this.hooks.now();
    for (const ex of this.hooks.expired(now)) this.hooks.expire(ex);
    for (const [t, w] of [...this.waiters]) if (this.due(t, now)) w.wake();
  }

  /** A thread starts running a step. */
  enter(): void {
    this.active++;
  }

  /** A thread stops running a step (finished, or waiting on something that is not its own work). */
  leave(): void {
    this.active--;
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

  /**
   * Suspends a thread until it is woken (token sent, deadline reached, execution ended) or `busy`
   * settles. Without `busy` the thread counts as idle while it waits.
   */
  async suspend(ex: Exec, t: ThreadRec, busy?: Promise<unknown>): Promise<void> {
    if (!busy) this.leave();
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
      if (!busy) this.enter();
    }
  }

  wakeThread(t: ThreadRec): void {
    this.waiters.get(t)?.wake();
  }

  wakeExecution(ex: Exec): void {
    for (const w of [...this.waiters.values()]) if (w.ex === ex) w.wake();
  }
}
