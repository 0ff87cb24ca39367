import { createHash } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { archiveBucket } from '../adapters/env.ts';
import { logger } from '../adapters/logger.ts';
import { s3 } from '../adapters/s3-client.ts';
import { AUDIT_COPY_RETENTION_DAYS, auditCopyKey } from '../core/audit-trail.ts';
import { now } from '../core/clock.ts';
import { changesOf } from './stream.ts';

/**
 * Fed by the audit table's stream: writes each batch of events as JSON lines under `audit/` in
 * the archive bucket, locked in COMPLIANCE mode for AUDIT_COPY_RETENTION_DAYS, so that no one,
 * an administrator included, can rewrite the trail. Any change or removal of an audit item (the
 * functions can only append, but an operator with table rights could try) is copied too, with
 * the image before it, and logged as an error for the alarms.
 */
export async function handler(event: DynamoDBStreamEvent): Promise<{ objects: number; events: number }> {
  const changes = changesOf(event);
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
  const retainUntil = new Date(now().getTime() + AUDIT_COPY_RETENTION_DAYS * 86_400_000);
  for (const [day, lines] of byDay) {
    const body = `${lines.join('\n')}\n`;
    await s3.send(
      new PutObjectCommand({
        Bucket: archiveBucket(),
        Key: auditCopyKey(day, firstSeq.get(day) ?? '0', lastSeq.get(day) ?? '0'),
        Body: body,
        ContentType: 'application/x-ndjson',
        ChecksumSHA256: createHash('sha256').update(body).digest('base64'),
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: retainUntil,
      }),
    );
  }
  return { objects: byDay.size, events: changes.length };
}
