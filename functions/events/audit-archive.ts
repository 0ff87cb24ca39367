import type { DynamoDBStreamEvent } from 'aws-lambda';
import { putAuditCopy } from '../adapters/audit-copies.ts';
import { logger } from '../adapters/logger.ts';
import { changesOf } from '../adapters/table-changes.ts';
import { now } from '../core/clock.ts';

/**
 * Fed by the audit table's stream: writes each batch of events as JSON lines, one object per day,
 * into the archive bucket's locked audit copy (adapters/audit-copies.ts), so that no one, an
 * administrator included, can rewrite the trail. Any change or removal of an audit item (the
 * functions can only append, but an operator with table rights could try) is copied too, with
 * the image before it, and logged as an error for the alarms; the removals DynamoDB's TTL makes a
 * year after each event (core/audit-trail.ts AUDIT_ITEM_KEPT_DAYS) are not copied again.
 */
export async function handler(event: DynamoDBStreamEvent): Promise<{ objects: number; events: number }> {
  // An event the table let go at its expiry (TTL) was copied when it was written: nothing to keep.
  const changes = changesOf(event).filter((c) => !c.byTtl);
  const byDay = new Map<string, string[]>();
  const firstSeq = new Map<string, string>();
  const lastSeq = new Map<string, string>();
  for (const c of changes) {
    if (c.kind !== 'INSERT') {
      logger.error('an audit item was changed or removed; the copy keeps the image before it', {
        kind: c.kind,
        keys: c.keys,
      });
    }
    const at = String(c.newImage?.at ?? c.oldImage?.at ?? c.approximateAt.toISOString());
    const day = at.slice(0, 10);
    const line = JSON.stringify({
      change: c.kind,
      sequence: c.sequence,
      event: c.newImage ?? null,
      ...(c.oldImage ? { before: c.oldImage } : {}),
    });
    byDay.set(day, [...(byDay.get(day) ?? []), line]);
    if (!firstSeq.has(day)) firstSeq.set(day, c.sequence);
    lastSeq.set(day, c.sequence);
  }
  const at = now();
  for (const [day, lines] of byDay) {
    await putAuditCopy(
      { day, firstSequence: firstSeq.get(day) ?? '0', lastSequence: lastSeq.get(day) ?? '0', lines },
      at,
    );
  }
  return { objects: byDay.size, events: changes.length };
}
