import { Stack, TimeZone } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { NOTIFY_SCHEDULE, NOTIFY_SCHEDULE_NAME } from '../../functions/core/notifications.ts';
import {
  SWEEP_FUNCTION,
  SWEEP_SCHEDULE,
  SWEEP_SCHEDULE_NAME,
  type SweepScheduleInput,
  WATCH_FUNCTION,
  WATCH_SCHEDULE,
} from '../shared.ts';

export interface SchedulesProps {
  /** The stack's functions by catalog name. */
  functions: Readonly<Record<string, lambda.IFunction>>;
}

/** A sweep that cannot be delivered within this time is dropped, not run late. */
const MAX_EVENT_AGE_SECONDS = 3600;

/**
 * Scheduled work, on EventBridge Scheduler. The daily retention sweep (due documents not on hold
 * and not on loan start the disposal workflow) runs on SWEEP_SCHEDULE as soon as the catalog has
 * a `retention-sweep` function; until then nothing is scheduled. A delivery that fails is retried
 * twice within the hour and then dropped rather than run late: the next day's sweep reads from
 * the same due-date watermark and claims whatever was missed.
 */
export class Schedules extends Construct {
  readonly sweep?: scheduler.Schedule;
  readonly watch?: scheduler.Schedule;
  readonly notify?: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: SchedulesProps) {
    super(scope, id);
    const sweepFunction = props.functions[SWEEP_FUNCTION];
    if (sweepFunction) {
      const input: SweepScheduleInput = {
        schedule: SWEEP_SCHEDULE_NAME,
        scheduledTime: scheduler.ContextAttribute.scheduledTime,
      };
      this.sweep = new scheduler.Schedule(this, 'RetentionSweep', {
        description: 'Daily retention sweep',
        schedule: scheduler.ScheduleExpression.expression(SWEEP_SCHEDULE, TimeZone.ETC_UTC),
        timeWindow: scheduler.TimeWindow.off(),
        target: invokeOnly(
          this,
          'SweepInvoker',
          sweepFunction,
          scheduler.ScheduleTargetInput.fromObject(input),
        ),
      });
    }
    // The stuck check: a missed hour is caught by the next one.
    const watchFunction = props.functions[WATCH_FUNCTION];
    if (watchFunction) {
      this.watch = new scheduler.Schedule(this, 'WorkflowWatch', {
        description: 'Hourly check for records waiting on ended or missing workflow executions',
        schedule: scheduler.ScheduleExpression.expression(WATCH_SCHEDULE, TimeZone.ETC_UTC),
        timeWindow: scheduler.TimeWindow.off(),
        target: invokeOnly(this, 'WatchInvoker', watchFunction, scheduler.ScheduleTargetInput.fromObject({})),
      });
    }
    // Loan reminders and digests: a missed day's reminders come the next day (each loan once).
    const notifyFunction = props.functions.notify;
    if (notifyFunction) {
      this.notify = new scheduler.Schedule(this, 'DailyNotifications', {
        description: 'Daily notifications: loans coming due or overdue, then digests',
        schedule: scheduler.ScheduleExpression.expression(NOTIFY_SCHEDULE, TimeZone.ETC_UTC),
        timeWindow: scheduler.TimeWindow.off(),
        target: invokeOnly(
          this,
          'NotifyInvoker',
          notifyFunction,
          scheduler.ScheduleTargetInput.fromObject({
            schedule: NOTIFY_SCHEDULE_NAME,
            scheduledTime: scheduler.ContextAttribute.scheduledTime,
          }),
        ),
      });
    }
  }
}

/**
 * A Lambda target whose role may invoke that one function (its unqualified ARN, no versions or
 * aliases) and may be assumed only by this account's schedules in the default group.
 */
function invokeOnly(
  scope: Construct,
  id: string,
  fn: lambda.IFunction,
  input: scheduler.ScheduleTargetInput,
): scheduler.IScheduleTarget {
  const stack = Stack.of(scope);
  const role = new iam.Role(scope, id, {
    description: `EventBridge Scheduler invokes ${fn.node.id}`,
    assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
      conditions: {
        StringEquals: {
          'aws:SourceAccount': stack.account,
          'aws:SourceArn': stack.formatArn({
            service: 'scheduler',
            resource: 'schedule-group',
            resourceName: 'default',
          }),
        },
      },
    }),
  });
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] }),
  );
  return {
    bind: () => ({
      arn: fn.functionArn,
      role,
      input,
      retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: MAX_EVENT_AGE_SECONDS },
    }),
  };
}
