import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { SWEEP_FUNCTION, SWEEP_SCHEDULE } from '../shared.ts';

export interface SchedulesProps {
  /** The stack's functions by catalog name. */
  functions: Readonly<Record<string, lambda.IFunction>>;
}

/**
 * Scheduled work. The daily retention sweep (due documents not on hold and not on loan start
 * the disposal workflow) runs on SWEEP_SCHEDULE as soon as the catalog has a `retention-sweep`
 * function; until then nothing is scheduled.
 */
export class Schedules extends Construct {
  readonly sweep?: events.Rule;

  constructor(scope: Construct, id: string, props: SchedulesProps) {
    super(scope, id);
    const sweepFunction = props.functions[SWEEP_FUNCTION];
    if (sweepFunction) {
      this.sweep = new events.Rule(this, 'RetentionSweep', {
        description: 'Daily retention sweep',
        schedule: events.Schedule.expression(SWEEP_SCHEDULE),
        targets: [new targets.LambdaFunction(sweepFunction, { retryAttempts: 2 })],
      });
    }
  }
}
