/**
 * The stack's schedules (infra/constructs/schedules.ts) on the local scheduler: the daily
 * retention sweep, once the catalog has its function, the hourly stuck check and the daily
 * notifications. Each also runs
 * at once, on the functions' clock, for `POST /local/sweep` and `POST /local/watch`
 * (sweep-route.ts), and `POST /local/notify`, which wait for its result.
 */
import type { FunctionName } from '../../functions/catalog.ts';
import { now } from '../../functions/core/clock.ts';
import { NOTIFY_SCHEDULE, NOTIFY_SCHEDULE_NAME } from '../../functions/core/notifications.ts';
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
  /** The daily notifications: loan reminders, then digests. */
  runNotify(): Promise<unknown>;
}

const notifyInput = (at: Date) => ({ schedule: NOTIFY_SCHEDULE_NAME, scheduledTime: at.toISOString() });

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
  scheduler.register({
    name: NOTIFY_SCHEDULE_NAME,
    expression: NOTIFY_SCHEDULE,
    run: (at) => lambda.invokeAsync('notify', notifyInput(at)),
  });
  scheduler.start();
  return {
    scheduler,
    runSweep: () => lambda.invoke(SWEEP_FUNCTION, sweepInput(now())),
    runWatch: () => lambda.invoke(WATCH_FUNCTION, {}),
    // On the functions' clock, so a loan made due by `POST /local/clock` is reminded.
    runNotify: () => lambda.invoke('notify', notifyInput(now())),
  };
}
