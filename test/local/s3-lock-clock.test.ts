import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalS3Server, startS3Server } from '../../infra/local/s3/server.ts';

/**
 * Object Lock judged by a clock the local realisation moves (its test clock), while signatures
 * keep the system clock: a version locked until a date can be deleted once that clock passes it.
 */

const REGION = 'us-east-1';
const KEY_ID = 'AKIDLOCKCLOCK';
const SECRET = 'lock-clock-secret';
let dataDir: string;
let server: LocalS3Server;
let offsetMs = 0;
let s3: S3Client;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'dangan-s3-lock-clock-'));
  server = await startS3Server({
    port: 0,
    dataDir,
    region: REGION,
    credentials: { [KEY_ID]: SECRET },
    buckets: [{ name: 'locked', objectLock: true, versioning: true }],
    lockClock: () => Date.now() + offsetMs,
  });
  s3 = new S3Client({
    endpoint: server.url,
    region: REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: KEY_ID, secretAccessKey: SECRET },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  s3?.destroy();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('local S3 Object Lock clock', () => {
  it('refuses to delete a locked version until the lock clock passes its date, then deletes it', async () => {
    const body = 'original scan';
    const until = new Date(Date.now() + 10 * 365 * 86_400_000);
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'locked',
        Key: 'originals/a',
        Body: body,
        ChecksumSHA256: createHash('sha256').update(body).digest('base64'),
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: until,
      }),
    );
    const del = () =>
      s3.send(new DeleteObjectCommand({ Bucket: 'locked', Key: 'originals/a', VersionId: put.VersionId }));

    const refused = await del().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(S3ServiceException);
    expect((refused as S3ServiceException).name).toBe('AccessDenied');

    offsetMs = until.getTime() - Date.now() + 1000;
    await expect(del()).resolves.toMatchObject({ VersionId: put.VersionId });
  });

  it('judges "in the future" for new locks by the same clock', async () => {
    offsetMs = 20 * 365 * 86_400_000;
    const body = 'x';
    const put = s3.send(
      new PutObjectCommand({
        Bucket: 'locked',
        Key: 'originals/b',
        Body: body,
        ChecksumSHA256: createHash('sha256').update(body).digest('base64'),
        ObjectLockMode: 'COMPLIANCE',
        // A year from the system clock is long past on the lock clock.
        ObjectLockRetainUntilDate: new Date(Date.now() + 365 * 86_400_000),
      }),
    );
    await expect(put).rejects.toMatchObject({ name: 'InvalidArgument' });
  });
});
