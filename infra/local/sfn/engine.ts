/**
 * The local Step Functions engine for Standard workflows: loads the state machines, opens the
 * execution store, starts the scheduler and resumes every RUNNING execution where it stood.
 *
 * Rooms: `asl.ts`/`validate.ts` (definitions and what is supported), `store.ts` (durable
 * executions), `scheduler.ts` (timers, waits, heartbeats, idleness), `runtime.ts` (threads,
 * history, Retry/Catch), `states/` (one handler per state type), `api.ts` (the API operations),
 * `server.ts` (the HTTP endpoint).
 */

import { SfnApi } from './api.ts';
import { parseDefinition } from './asl.ts';
import { Runtime, type RuntimeOptions } from './runtime.ts';
import { Scheduler } from './scheduler.ts';
import { ExecutionStore } from './store.ts';
import type { Machine } from './types.ts';

export interface EngineOptions extends RuntimeOptions {
  dataDir: string;
  stateMachines: { name: string; definition: string }[];
}

export class Engine {
  private constructor(
    readonly api: SfnApi,
    private readonly runtime: Runtime,
  ) {}

  static async open(opts: EngineOptions, tickMs = 200): Promise<Engine> {
    const machines = new Map<string, Machine>();
    const created = opts.now().getTime();
    for (const m of opts.stateMachines) {
      const arn = `arn:aws:states:${opts.region}:${opts.accountId}:stateMachine:${m.name}`;
      if (machines.has(arn)) throw new Error(`State machine ${m.name} is defined twice`);
      machines.set(arn, {
        name: m.name,
        arn,
        definition: m.definition,
        def: parseDefinition(m.name, m.definition),
        createdAt: created,
        roleArn: `arn:aws:iam::${opts.accountId}:role/${m.name}-role`,
      });
    }
    const store = await ExecutionStore.open(opts.dataDir);
    let runtime: Runtime | undefined;
    const scheduler = new Scheduler({
      now: () => opts.now().getTime(),
      expired: (now) =>
        [...store.running].filter((ex) => ex.rec.timeoutAt !== undefined && ex.rec.timeoutAt <= now),
      expire: (ex) => runtime?.timeoutExecution(ex),
    });
    runtime = new Runtime(opts, machines, store, scheduler);
    scheduler.start(tickMs);
    for (const ex of store.running) runtime.launch(ex);
    return new Engine(new SfnApi(runtime), runtime);
  }

  /** Resolves once no execution is running a step: all are finished or wait on a token or a timer. */
  idle(): Promise<void> {
    return this.runtime.scheduler.idle();
  }

  /** Stops every thread and waits for the pending writes. */
  async close(): Promise<void> {
    const { scheduler, store } = this.runtime;
    if (scheduler.isStopped) return;
    scheduler.stop();
    await store.close();
    scheduler.released();
  }
}
