import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { SEQUENCE_NEAR_FULL_METRIC } from '../../functions/core/archive-code.ts';
import { FIXITY_MISMATCH_METRIC, METRICS_NAMESPACE } from '../../functions/core/disposal.ts';
import { ARCHIVE_FAILED_METRIC, STUCK_RECORDS_METRIC } from '../../functions/core/workflow-health.ts';
import { pascal } from './functions.ts';

export interface MonitoringProps {
  /** The prefix of every alarm's name (`alarmNamePrefix` in infra/shared.ts). */
  namePrefix: string;
  key: kms.IKey;
  functions: Readonly<Record<string, lambda.IFunction>>;
  workflows: Readonly<Record<string, sfn.IStateMachine>>;
  api: apigw.IHttpApi;
}

/**
 * Alarms to one encrypted SNS topic (subscribe the operators to it): any failed or timed-out
 * workflow execution, any function error, and server errors of the API.
 */
export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Alarms', {
      displayName: 'Dangan alarms',
      masterKey: props.key,
      enforceSSL: true,
    });
    const notify = new actions.SnsAction(this.topic);
    const period = Duration.minutes(5);

    const alarm = (alarmId: string, metric: cloudwatch.IMetric, description: string) => {
      const a = new cloudwatch.Alarm(this, alarmId, {
        alarmName: `${props.namePrefix}${alarmId}`,
        metric,
        alarmDescription: description,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(notify);
      this.alarms.push(a);
    };

    for (const [name, machine] of Object.entries(props.workflows)) {
      alarm(
        `${pascal(name)}Failed`,
        machine.metricFailed({ period, statistic: 'Sum' }),
        `${name}: an execution failed`,
      );
      alarm(
        `${pascal(name)}TimedOut`,
        machine.metricTimedOut({ period, statistic: 'Sum' }),
        `${name}: an execution timed out`,
      );
    }
    for (const [name, fn] of Object.entries(props.functions)) {
      alarm(
        `${pascal(name)}Errors`,
        fn.metricErrors({ period, statistic: 'Sum' }),
        `${name}: the function failed`,
      );
    }
    // The retention sweep re-hashes a sample of originals every day; any mismatch is an alarm.
    alarm(
      'FixityMismatch',
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: FIXITY_MISMATCH_METRIC,
        period,
        statistic: 'Sum',
      }),
      'An archived original no longer matches the SHA-256 recorded at intake',
    );
    // An archive-code sequence reached 80% of its width: widen the scheme's {seq} for next year.
    alarm(
      'SequenceNearFull',
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: SEQUENCE_NEAR_FULL_METRIC,
        period,
        statistic: 'Sum',
      }),
      "An archive-code sequence reached 80% of its template's width; past it, item numbers are written wider",
    );
    // Archiving that failed for good sends the submission back to its clerk (the execution itself
    // succeeds), so it is counted and alarmed on by name.
    alarm(
      'ArchiveFailed',
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: ARCHIVE_FAILED_METRIC,
        period,
        statistic: 'Sum',
      }),
      'Archiving a reviewed submission failed; it went back to its clerk',
    );
    // The hourly check found records waiting on workflow executions that ended or never started.
    alarm(
      'StuckRecords',
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: STUCK_RECORDS_METRIC,
        period,
        statistic: 'Sum',
      }),
      'Records wait on workflow executions that ended or never started; see the dashboard to repair them',
    );
    alarm(
      'ApiServerErrors',
      props.api.metricServerError({ period, statistic: 'Sum' }),
      'The API answered with a 5xx status',
    );
  }
}
