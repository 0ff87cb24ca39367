import { GetObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { batchGetItems } from '../../functions/adapters/dynamo/batch-get.ts';
import { expiresAtAfter } from '../../functions/adapters/dynamo/items.ts';
import { writtenUnlessConditionFails } from '../../functions/adapters/dynamo/transactions.ts';
import {
  AUDIT_COPY_PREFIX,
  AUDIT_ITEM_KEPT_DAYS,
  auditCopyDayPrefix,
  auditCopyLines,
  dayOfAuditCopy,
} from '../../functions/core/audit-trail.ts';

/**
 * Puts the audit trail back from its locked copy in the archive bucket (the audit table's backup:
 * functions/adapters/tables.ts). Each copy holds JSON lines `{change, sequence, event, before?}`
 * (functions/events/audit-archive.ts); an INSERT's `event` is the item as it was appended, keys
 * and index keys included, and is put unless the table holds it already, so a restore can be run
 * again, or stopped and resumed, and never overwrites. A MODIFY or REMOVE line records someone
 * changing or deleting an event: it is counted and never applied (the INSERT's image is the event).
 * The table holds an event for its searchable year only (core/audit-trail.ts AUDIT_ITEM_KEPT_DAYS):
 * older events stay in the copies, so by default the copies of those days are not read, and an
 * event past its time is counted as `expired` and not put back.
 */

export interface RestoreOptions {
  s3: S3Client;
  ddb: DynamoDBDocumentClient;
  bucket: string;
  table: string;
  /**
   * First and last day (`YYYY-MM-DD`, UTC) of the copies to read; from the first day whose events
   * the table still keeps, to the last copy, when absent.
   */
  fromDay?: string;
  toDay?: string;
  /** The time expiries are judged at; the clock when absent. */
  now?: Date;
  onObject?: (key: string, counts: RestoreCounts) => void;
}

export interface RestoreCounts {
  /** Copies read. */
  objects: number;
  /** Events put into the table. */
  restored: number;
  /** Events the table held already. */
  present: number;
  /** Changes or removals of events the copies recorded (never applied). */
  tampering: number;
  /** Events past the table's keeping (they stay in the copies only). */
  expired: number;
}

/** How many events of one copy are put at once, and how many copies are read at once. */
const PARALLEL_PUTS = 16;
const PARALLEL_COPIES = 8;

export async function restoreAuditTrail(o: RestoreOptions): Promise<RestoreCounts> {
  const counts: RestoreCounts = { objects: 0, restored: 0, present: 0, tampering: 0, expired: 0 };
  const now = o.now ?? new Date();
  const fromDay =
    o.fromDay ?? new Date(now.getTime() - AUDIT_ITEM_KEPT_DAYS * 86_400_000).toISOString().slice(0, 10);
  // Keys sort by day: start at the first day's folder, stop past the last one.
  const startAfter = auditCopyDayPrefix(fromDay);
  for await (const page of paginateListObjectsV2(
    { client: o.s3 },
    { Bucket: o.bucket, Prefix: AUDIT_COPY_PREFIX, ...(startAfter ? { StartAfter: startAfter } : {}) },
  )) {
    const copies = (page.Contents ?? []).flatMap((c) => {
      const day = dayOfAuditCopy(c.Key ?? '');
      return day === undefined ? [] : [{ key: c.Key as string, day }];
    });
    const wanted = copies.filter((c) => o.toDay === undefined || c.day <= o.toDay).map((c) => c.key);
    // A page's copies are read a few at a time: each is a GET, a read of its keys and the puts.
    for (let i = 0; i < wanted.length; i += PARALLEL_COPIES) {
      await Promise.all(
        wanted.slice(i, i + PARALLEL_COPIES).map(async (key) => {
          await restoreCopy(o, key, counts, now);
          counts.objects++;
          o.onObject?.(key, { ...counts });
        }),
      );
    }
    if (wanted.length < copies.length) break;
  }
  return counts;
}

async function restoreCopy(o: RestoreOptions, key: string, counts: RestoreCounts, now: Date): Promise<void> {
  // ChecksumMode: the SDK checks the body against the SHA-256 the copy was written with.
  const got = await o.s3.send(new GetObjectCommand({ Bucket: o.bucket, Key: key, ChecksumMode: 'ENABLED' }));
  const text = (await got.Body?.transformToString('utf8')) ?? '';
  const lines = auditCopyLines(text, key);
  const inserts: Record<string, unknown>[] = [];
  const nowSeconds = Math.floor(now.getTime() / 1000);
  for (const line of lines) {
    if (line.change !== 'INSERT' || !line.event) {
      counts.tampering++;
      continue;
    }
    // Events copied before the table let them go carry no expiry: it follows from their time.
    const expiry = Number(line.event.expiresAt ?? expiryOf(line.event));
    if (!Number.isFinite(expiry)) inserts.push(line.event);
    else if (expiry <= nowSeconds) counts.expired++;
    else inserts.push({ ...line.event, expiresAt: expiry });
  }
  // Which events the table holds already, read a hundred keys at a time: a run again over a trail
  // mostly in place then reads, instead of paying a write unit for each refused put.
  const held = await heldKeys(o, inserts);
  const missing = inserts.filter((e) => !held.has(keyOf(e)));
  counts.present += inserts.length - missing.length;
  for (let i = 0; i < missing.length; i += PARALLEL_PUTS) {
    const outcomes = await Promise.all(
      missing.slice(i, i + PARALLEL_PUTS).map((event) => putEvent(o, event)),
    );
    for (const restored of outcomes) {
      if (restored) counts.restored++;
      else counts.present++;
    }
  }
}

const expiryOf = (event: Record<string, unknown>): number =>
  expiresAtAfter(new Date(String(event.at)), AUDIT_ITEM_KEPT_DAYS);

const keyOf = (item: Record<string, unknown>) => `${String(item.pk)}\n${String(item.sk)}`;

async function heldKeys(o: RestoreOptions, events: readonly Record<string, unknown>[]): Promise<Set<string>> {
  const keys = events.map((e) => ({ pk: String(e.pk), sk: String(e.sk) }));
  const held = await batchGetItems(keys, {
    table: o.table,
    client: o.ddb,
    projection: { expression: 'pk, sk' },
  });
  return new Set(held.map(keyOf));
}

/** Appends one event as the trail does (never over one that is there); false when it was there. */
const putEvent = (o: RestoreOptions, event: Record<string, unknown>): Promise<boolean> =>
  writtenUnlessConditionFails(() =>
    o.ddb.send(
      new PutCommand({ TableName: o.table, Item: event, ConditionExpression: 'attribute_not_exists(pk)' }),
    ),
  );
