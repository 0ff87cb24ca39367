import { CloudWatchClient, paginateDescribeAlarms } from '@aws-sdk/client-cloudwatch';
import { ENV } from '../catalog/environment.ts';
import type { AlarmSummary } from '../core/system-health.ts';

/**
 * CloudWatch: the states of this deployment's alarms, by their name prefix (`ALARM_NAME_PREFIX`,
 * set by the stack), for the system administrator's health page. Where it is not set (this
 * machine has no CloudWatch) there are none to read, and the answer says so.
 */

let client: CloudWatchClient | undefined;

export async function alarmStates(): Promise<AlarmSummary[] | undefined> {
  const prefix = process.env[ENV.alarmNamePrefix];
  if (!prefix) return undefined;
  client ??= new CloudWatchClient({});
  const alarms: AlarmSummary[] = [];
  for await (const page of paginateDescribeAlarms(
    { client },
    { AlarmNamePrefix: prefix, AlarmTypes: ['MetricAlarm'] },
  )) {
    for (const a of page.MetricAlarms ?? []) {
      alarms.push({
        name: (a.AlarmName ?? '').slice(prefix.length),
        state: a.StateValue ?? 'INSUFFICIENT_DATA',
        since: a.StateUpdatedTimestamp?.toISOString() ?? '',
      });
    }
  }
  return alarms;
}
