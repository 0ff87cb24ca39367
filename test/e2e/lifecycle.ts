/**
 * The life of one local system per test file: started before the file's tests (then `onStart`
 * runs, e.g. to make clients), the last lines of its output printed when a test fails, stopped
 * after the tests with its exit status checked (0: the DynamoDB Local JVM went away with it) and
 * its data directory removed.
 */
import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { type LocalSystem, startSystem } from './system.ts';

export interface LifecycleOptions {
  env?: Record<string, string>;
  /** Lines of the system's output printed for a failed test. */
  tail?: number;
  /** Something else to start beside the system (a browser), in parallel with it. */
  alongside?: () => Promise<void>;
  /** For starting the system, `alongside` and `onStart` together. */
  timeoutMs?: number;
}

export function useLocalSystem(
  onStart: (system: LocalSystem) => void | Promise<void>,
  options: LifecycleOptions = {},
): void {
  let system: LocalSystem | undefined;
  beforeAll(async () => {
    const [started, beside] = await Promise.allSettled([
      startSystem(options.env ? { env: options.env } : {}),
      options.alongside?.(),
    ]);
    // Whatever failed, a system that did start is stopped by afterAll (Promise.all would drop it
    // the moment the browser could not start, and leave it running).
    if (started.status === 'fulfilled') system = started.value;
    if (started.status === 'rejected') throw started.reason;
    if (beside.status === 'rejected') throw beside.reason;
    await onStart(started.value);
  }, options.timeoutMs ?? 180_000);

  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail' && system) {
      console.error(
        system
          .output()
          .split('\n')
          .slice(-(options.tail ?? 60))
          .join('\n'),
      );
    }
  });

  afterAll(async () => {
    if (!system) return;
    expect(await system.stop()).toBe(0);
    rmSync(system.dataDir, { recursive: true, force: true });
  }, 60_000);
}
