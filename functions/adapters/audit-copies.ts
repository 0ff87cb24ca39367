import { createHash } from 'node:crypto';
import { AUDIT_COPY_RETENTION_DAYS, auditCopyKey } from '../core/audit-trail.ts';
import { archiveBucket } from './env.ts';
import { s3 } from './s3-client.ts';
import { PutObjectCommand } from './s3-commands.ts';

/**
 * The audit trail's copy in the archive bucket: JSON lines under `audit/`, each object locked in
 * COMPLIANCE mode for AUDIT_COPY_RETENTION_DAYS from `at`, so that no one, an administrator
 * included, can rewrite the trail. The only code that builds this S3 command.
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
