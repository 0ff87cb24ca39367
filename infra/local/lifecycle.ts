/**
 * The life of the `npm start` process around the running system: SIGINT, SIGTERM and SIGHUP stop
 * it (a second signal kills DynamoDB Local's JVM at once), and so does the exit of whoever
 * started it, so no Dangan runs on as an orphan.
 */

import { errorMessage } from '../../functions/core/errors.ts';
import type { RunningSystem } from './system.ts';

/** A line about the running system, on stderr. */
export function log(message: string): void {
  console.error(`[dangan] ${message}`);
}

/** Whether a process still runs (a process of another user counts as running). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The system as far as it got: started, or still starting. */
export interface SystemHandle {
  system(): RunningSystem | undefined;
  starting(): Promise<RunningSystem> | undefined;
}

/**
 * Stops the system on a signal or when the parent is gone, then exits the process (0 once
 * stopped, 1 if stopping failed or was cut short by a second signal). Returns whether stopping
 * has begun.
 */
export function stopOnSignalOrParentExit(handle: SystemHandle): () => boolean {
  let stopping = false;
  const shutdown = (signal: string) => {
    const system = handle.system();
    if (stopping) {
      log(`${signal} again: killing`);
      system?.kill();
      process.exit(1);
    }
    stopping = true;
    log(`${signal}: stopping`);
    // Stopped while starting: wait for the start (its JVM is on its way), then stop what started.
    const done = system
      ? system.stop()
      : (handle.starting()?.then(
          (s) => s.stop(),
          () => undefined,
        ) ?? Promise.resolve());
    done.then(
      () => process.exit(0),
      (err: unknown) => {
        log(`stop failed: ${errorMessage(err)}`);
        handle.system()?.kill();
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => shutdown(signal));
  // Whoever started us (npm, tsx, a test) is gone: stop rather than run on as an orphan. A
  // launcher that names itself (DANGAN_PARENT_PID) is watched by pid, so a parent that is gone
  // before this module has even loaded is noticed too (its children are re-parented by then).
  const named = Number(process.env.DANGAN_PARENT_PID);
  const parent = Number.isInteger(named) && named > 0 ? named : process.ppid;
  const parentGone = () => (parent === named ? !isRunning(parent) : process.ppid !== parent);
  if (parentGone()) shutdown('parent exit');
  setInterval(() => {
    if (parentGone()) shutdown('parent exit');
  }, 1000).unref();
  return () => stopping;
}
