/**
 * The stack's schedules (infra/constructs/schedules.ts) on the local scheduler: the daily
 * retention sweep, once the catalog has its function, and the hourly stuck check. Each also runs
 * at once, on the functions' clock, for `POST /local/sweep` and `POST /local/watch`
 * (sweep-route.ts), which wait for its result.
 */
import type { FunctionName } from '../../functions/catalog.ts';
import { now } from '../../functions/core/clock.ts';
import {
  SWEEP_FUNCTION,
  SWEEP_SCHEDULE,
  SWEEP_SCHEDULE_NAME,
  type SweepScheduleInput,
  WATCH_FUNCTION,
  WATCH_SCHEDULE,
  WATCH_SCHEDULE_NAME,
} from '../shared.ts';
import { isFunctionName, type LocalLambda } from './lambda.ts';
import { Scheduler } from './scheduler.ts';

/** The input EventBridge Scheduler gives the sweep function (see infra/constructs/schedules.ts). */
function sweepInput(scheduledAt: Date): SweepScheduleInput {
  return { schedule: SWEEP_SCHEDULE_NAME, scheduledTime: scheduledAt.toISOString().replace(/\.\d+Z$/, 'Z') };
}

export interface ScheduledJobs {
  scheduler: Scheduler;
  runSweep(): Promise<unknown>;
  runWatch(): Promise<unknown>;
}

/** Registers the jobs and starts the scheduler; the caller stops it. */
export function startScheduledJobs(
  lambda: LocalLambda,
  onError: (name: string, err: unknown) => void,
): ScheduledJobs {
  const scheduler = new Scheduler({ onError });
  if (isFunctionName(SWEEP_FUNCTION)) {
    const sweep: FunctionName = SWEEP_FUNCTION;
    scheduler.register({
      name: SWEEP_SCHEDULE_NAME,
      expression: SWEEP_SCHEDULE,
      run: (at) => lambda.invokeAsync(sweep, sweepInput(at)),
    });
  }
  scheduler.register({
    name: WATCH_SCHEDULE_NAME,
    expression: WATCH_SCHEDULE,
    run: () => lambda.invokeAsync(WATCH_FUNCTION, {}),
  });
  scheduler.start();
  return {
    scheduler,
    runSweep: () => lambda.invoke(SWEEP_FUNCTION, sweepInput(now())),
    runWatch: () => lambda.invoke(WATCH_FUNCTION, {}),
  };
}
