import type { DynamoDBStreamEvent } from 'aws-lambda';
import { logger } from '../adapters/logger.ts';
import { recordChanges } from '../adapters/table-changes.ts';
import { NOTIFY_SCHEDULE_NAME } from '../core/notifications.ts';
import type { TaskRecord } from '../core/tasks.ts';
import {
  type DeliveryCount,
  handleMailFeedback,
  notifyNewTasks,
  remindLoans,
  type SesMailEvent,
  sendDigests,
} from '../services/notify.ts';

/**
 * The notifier, fed three ways (functions/catalog/triggers.ts, infra/constructs/notifications.ts):
 *
 * - the records table's stream, task items only: a task just opened is told to those who may
 *   decide it;
 * - the daily schedule: loans coming due or overdue are told to their borrowers, then the day's
 *   digests go out;
 * - SES's events of the configuration set (EventBridge): a permanent bounce or a complaint stops
 *   mail to the address.
 *
 * A run that found a message claimed by another sender fails, so its batch or schedule comes
 * again and nothing is lost.
 */

interface DailyInput {
  schedule: typeof NOTIFY_SCHEDULE_NAME;
  scheduledTime?: string;
}

interface SesEvent {
  source: 'aws.ses';
  detail: SesMailEvent;
}

type NotifyInput = DynamoDBStreamEvent | DailyInput | SesEvent;

export type NotifyResult =
  | { tasks: DeliveryCount }
  | { loans: DeliveryCount; digests: DeliveryCount }
  | { suppressed: number };

function settle<T extends Record<string, unknown>>(result: T, ...counts: DeliveryCount[]): T {
  const waiting = counts.reduce((n, c) => n + c.inFlight, 0);
  if (waiting > 0) throw new Error(`${waiting} messages are being sent by another run; try again`);
  logger.info('notifications', result);
  return result;
}

export async function handler(event: NotifyInput): Promise<NotifyResult> {
  if ('Records' in event) {
    const opened = recordChanges(event).flatMap((c) =>
      c.record === 'task' && c.kind === 'INSERT' && c.newImage?.status === 'OPEN'
        ? [c.newImage as unknown as TaskRecord]
        : [],
    );
    const tasks = await notifyNewTasks(opened);
    return settle({ tasks }, tasks);
  }
  if ('source' in event && event.source === 'aws.ses') {
    return { suppressed: await handleMailFeedback(event.detail) };
  }
  if ('schedule' in event && event.schedule === NOTIFY_SCHEDULE_NAME) {
    const at = event.scheduledTime ? new Date(event.scheduledTime) : undefined;
    const loans = await remindLoans(at);
    const digests = await sendDigests(at);
    return settle({ loans, digests }, loans, digests);
  }
  throw new Error('notify was called with an event it does not know');
}
