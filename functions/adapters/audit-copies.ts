import { createHash } from 'node:crypto';
import {
  AUDIT_COPY_RETENTION_DAYS,
  type AuditCopyLine,
  type AuditEvent,
  auditCopyDayPrefix,
  auditCopyKey,
  auditCopyLines,
} from '../core/audit-trail.ts';
import { auditEventOf } from './audit.ts';
import { readText } from './aws-http.ts';
import { decodePageToken, encodePageToken } from './dynamo/page-token.ts';
import { archiveBucket } from './env.ts';
import { s3 } from './s3-client.ts';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from './s3-commands.ts';

/**
 * The audit trail's copy in the archive bucket: JSON lines under `audit/`, each object locked in
 * COMPLIANCE mode for AUDIT_COPY_RETENTION_DAYS from `at`, so that no one, an administrator
 * included, can rewrite the trail; read back a day at a time for the days the audit table no
 * longer answers. The only code that builds these S3 commands.
 */
export async function putAuditCopy(
  copy: { day: string; firstSequence: string; lastSequence: string; lines: readonly string[] },
  at: Date,
): Promise<void> {
  const body = `${copy.lines.join('\n')}\n`;
  await s3.send(
    new PutObjectCommand({
      Bucket: archiveBucket(),
      Key: auditCopyKey(copy.day, copy.firstSequence, copy.lastSequence),
      Body: body,
      ContentType: 'application/x-ndjson',
      ChecksumSHA256: createHash('sha256').update(body).digest('base64'),
      ObjectLockMode: 'COMPLIANCE',
      ObjectLockRetainUntilDate: new Date(at.getTime() + AUDIT_COPY_RETENTION_DAYS * 86_400_000),
    }),
  );
}

/** How many copies are read at once. */
const READ_CONCURRENCY = 8;

/**
 * The events of up to `max` of a day's copies, in the order the copies were written (by stream
 * sequence), from where `cursor` says the last page stopped; the cursor of the rest, bound to
 * `query` (the filters' fingerprint), when the day has more. An append reads as its event; a
 * change or removal (tampering, never a function's doing) as the event it touched with `change`
 * naming what was done to it.
 */
export async function readAuditCopies(
  day: string,
  max: number,
  query: string,
  cursor?: string,
): Promise<{ events: (AuditEvent & { change?: string })[]; nextCursor?: string }> {
  const scope = `audit-copies/${query}`;
  const after = cursor === undefined ? undefined : String(decodePageToken(scope, cursor, 'cursor'));
  const listed = await s3.send(
    new ListObjectsV2Command({
      Bucket: archiveBucket(),
      Prefix: auditCopyDayPrefix(day),
      MaxKeys: max,
      ...(after === undefined ? {} : { StartAfter: after }),
    }),
  );
  const keys = listed.Contents.map((c) => c.Key);
  const lines: AuditCopyLine[] = [];
  for (let i = 0; i < keys.length; i += READ_CONCURRENCY) {
    const read = await Promise.all(keys.slice(i, i + READ_CONCURRENCY).map(readCopy));
    lines.push(...read.flat());
  }
  const last = listed.IsTruncated ? keys.at(-1) : undefined;
  return {
    events: lines.flatMap((line) => {
      const item = line.event ?? line.before;
      if (!item) return [];
      const event = auditEventOf(item);
      return [line.change === 'INSERT' ? event : { ...event, change: line.change }];
    }),
    ...(last === undefined ? {} : { nextCursor: encodePageToken(scope, last) }),
  };
}

async function readCopy(key: string): Promise<AuditCopyLine[]> {
  const { Body } = await s3.send(new GetObjectCommand({ Bucket: archiveBucket(), Key: key }));
  return auditCopyLines(await readText(Body), key);
}
