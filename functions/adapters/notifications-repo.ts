import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { NotificationEvent, NotificationPreferences } from '../core/notifications.ts';
import { type AuditInput, appendAuditOnce, auditPut } from './audit.ts';
import { ddb } from './clients.ts';
import { expiresAtAfter, getRecord, strip } from './dynamo/items.ts';
import { DIGEST_QUEUE, keys } from './dynamo/keys.ts';
import { queryAll } from './dynamo/query.ts';
import { transact, transactUnlessLost, writtenUnlessConditionFails } from './dynamo/transactions.ts';
import { tableName } from './env.ts';

/**
 * Notification state in the records table (layout in tables.ts): each person's preferences, the
 * once-only record of every event told to every person, the daily digest's queue, and the
 * addresses nothing more is sent to. The only code that builds commands for them.
 */

export interface StoredPreferences {
  sub: string;
  preferences: Partial<NotificationPreferences>;
  updatedAt: string;
}

export const getPreferences = (sub: string) =>
  getRecord<StoredPreferences>(keys.notificationPreferences(sub));

/** Writes a person's preferences with the audit event of the change, in one transaction. */
export async function savePreferences(stored: StoredPreferences, audit: AuditInput): Promise<void> {
  await transact([
    {
      Put: {
        TableName: tableName(),
        Item: { ...keys.notificationPreferences(stored.sub), entity: 'notification-preferences', ...stored },
      },
    },
    auditPut(audit),
  ]);
}

/**
 * How long a claim to send one event to one person holds: a sender that died after claiming is
 * taken over once it has passed (the stream delivers the batch again until it is done).
 */
export const CLAIM_SECONDS = 120;

export type Claim = 'claimed' | 'done' | 'in-flight';

/** The table's TTL attribute (`expiresAt`, epoch seconds) for a once-only record kept `days`. */
const expiry = (at: Date, days: number | undefined): { expiresAt?: number } =>
  days === undefined ? {} : { expiresAt: expiresAtAfter(at, days) };

/**
 * Claims the sending of `eventKey` to `sub`: `done` when it was sent or queued before (a
 * redelivered event), `in-flight` when another sender holds a fresh claim.
 */
export async function claimDelivery(
  eventKey: string,
  sub: string,
  at: Date,
  onceForDays?: number,
): Promise<Claim> {
  const staleBefore = new Date(at.getTime() - CLAIM_SECONDS * 1000).toISOString();
  const claimed = await writtenUnlessConditionFails(() =>
    ddb.send(
      new PutCommand({
        TableName: tableName(),
        Item: {
          ...keys.notified(eventKey, sub),
          entity: 'notified',
          state: 'SENDING',
          claimedAt: at.toISOString(),
          ...expiry(at, onceForDays),
        },
        ConditionExpression: 'attribute_not_exists(pk) OR (#state = :sending AND claimedAt < :stale)',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':sending': 'SENDING', ':stale': staleBefore },
      }),
    ),
  );
  if (claimed) return 'claimed';
  const res = await ddb.send(
    new GetCommand({ TableName: tableName(), Key: keys.notified(eventKey, sub), ConsistentRead: true }),
  );
  return res.Item?.state === 'SENDING' ? 'in-flight' : 'done';
}

/**
 * The message went out: its audit event is appended, then the claim becomes SENT. Two single
 * writes rather than one transaction, which would bill each item twice: the event's id is the
 * delivery's (once-only), so a sender that dies between them and whose claim is taken over later
 * finds the event there, and no claim is ever SENT without its event.
 */
export async function markSent(
  eventKey: string,
  sub: string,
  at: string,
  audit: AuditInput & { eventId: string },
): Promise<void> {
  await appendAuditOnce(audit);
  await ddb.send(
    new UpdateCommand({
      TableName: tableName(),
      Key: keys.notified(eventKey, sub),
      UpdateExpression: 'SET #state = :sent, sentAt = :at',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':sent': 'SENT', ':at': at },
    }),
  );
}

/** Sending failed: the claim is given back so the redelivery can try again. */
export async function releaseClaim(eventKey: string, sub: string): Promise<void> {
  await writtenUnlessConditionFails(() =>
    ddb.send(
      new DeleteCommand({
        TableName: tableName(),
        Key: keys.notified(eventKey, sub),
        ConditionExpression: '#state = :sending',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':sending': 'SENDING' },
      }),
    ),
  );
}

export interface DigestEntry {
  sub: string;
  username: string;
  email: string;
  eventKey: string;
  kind: NotificationEvent['kind'];
  subject: string;
  link: string;
  queuedAt: string;
}

/**
 * Queues an event for a person's digest, once: the once-only record (QUEUED) and the queue entry
 * in one transaction; false when the event was told or queued before.
 */
export async function queueForDigest(entry: DigestEntry, onceForDays?: number): Promise<boolean> {
  return transactUnlessLost([
    {
      Put: {
        TableName: tableName(),
        Item: {
          ...keys.notified(entry.eventKey, entry.sub),
          entity: 'notified',
          state: 'QUEUED',
          ...expiry(new Date(entry.queuedAt), onceForDays),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    { Put: { TableName: tableName(), Item: { ...keys.digestEntry(entry.sub, entry.eventKey), ...entry } } },
  ]);
}

/** Every queued digest entry, by person. */
export async function queuedDigestEntries(): Promise<DigestEntry[]> {
  const items = await queryAll({
    TableName: tableName(),
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': DIGEST_QUEUE },
    ConsistentRead: true,
  });
  return items.map((item) => strip<DigestEntry>(item));
}

/** Entries told in a digest (or dropped) leave the queue. */
export async function dropDigestEntries(
  entries: readonly Pick<DigestEntry, 'sub' | 'eventKey'>[],
): Promise<void> {
  for (const e of entries) {
    await ddb.send(new DeleteCommand({ TableName: tableName(), Key: keys.digestEntry(e.sub, e.eventKey) }));
  }
}

export async function isSuppressed(email: string): Promise<boolean> {
  return (await getRecord(keys.suppressedAddress(email))) !== undefined;
}

/** Stops mail to an address SES reported as a permanent bounce or a complaint. */
export async function suppressAddress(
  email: string,
  reason: string,
  at: string,
  audit: AuditInput,
): Promise<void> {
  await transact([
    {
      Put: {
        TableName: tableName(),
        Item: { ...keys.suppressedAddress(email), entity: 'suppressed-address', email, reason, at },
      },
    },
    auditPut(audit),
  ]);
}
