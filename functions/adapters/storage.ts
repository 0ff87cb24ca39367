import { sha256Base64ToHex } from '../core/documents.ts';
import type { RetentionPlan } from '../core/retention.ts';
import { readBytes } from './aws-http.ts';
import { archiveBucket, intakeBucket } from './env.ts';
import { s3 } from './s3-client.ts';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectRetentionCommand,
} from './s3-commands.ts';

/**
 * The intake bucket (scans as uploaded) and the archive bucket (originals under Object Lock): the
 * only code that builds S3 commands for documents. The links handed out to them are presign.ts's.
 */

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

export interface StoredObject {
  size: number;
  /** SHA-256 S3 recorded for the object (lower-case hex); absent when it has none. */
  sha256Hex?: string;
  versionId?: string;
  metadata: Record<string, string>;
}

/**
 * One version of an object, or the current one when no version is named (objects stored before
 * the bucket was versioned answer to the version id `null`).
 */
const version = (versionId: string | undefined) => (versionId === undefined ? {} : { VersionId: versionId });

async function head(bucket: string, key: string, versionId?: string): Promise<StoredObject | undefined> {
  try {
    const res = await s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: key, ...version(versionId), ChecksumMode: 'ENABLED' }),
    );
    const sha = res.ChecksumSHA256 ? sha256Base64ToHex(res.ChecksumSHA256) : undefined;
    return {
      size: res.ContentLength ?? 0,
      ...(sha ? { sha256Hex: sha } : {}),
      ...(res.VersionId ? { versionId: res.VersionId } : {}),
      metadata: res.Metadata ?? {},
    };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Size, checksum and metadata of one uploaded scan version; undefined when it is gone. */
export const headIntakeObject = (key: string, versionId?: string) => head(intakeBucket(), key, versionId);

/** An archived original as stored; undefined when there is none yet. */
export const headArchiveObject = (key: string) => head(archiveBucket(), key);

/** The first `count` bytes of one uploaded scan version (fewer when the object is shorter). */
export async function readIntakeStart(key: string, count: number, versionId?: string): Promise<Uint8Array> {
  const res = await s3.send(
    new GetObjectCommand({
      Bucket: intakeBucket(),
      Key: key,
      ...version(versionId),
      Range: `bytes=0-${count - 1}`,
    }),
  );
  return readBytes(res.Body as AsyncIterable<Uint8Array>);
}

/**
 * CopySource is `bucket/key` with the key URL-encoded segment by segment, and `?versionId=` to
 * copy one version rather than whatever the key holds when the copy runs.
 */
const copySource = (bucket: string, key: string, versionId?: string) =>
  `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}` +
  (versionId === undefined ? '' : `?versionId=${encodeURIComponent(versionId)}`);

export class ArchiveCopyMismatch extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArchiveCopyMismatch';
  }
}

/**
 * Copies one version of an uploaded scan (the version the checks and the reviewer saw) into the
 * archive bucket, then locks it. S3 cannot verify a copy's checksum before it applies Object Lock
 * in one call, and a COMPLIANCE-locked copy of the wrong bytes could not be removed for years, so
 * it is done in three steps: copy with no lock (S3 computes the copy's SHA-256), compare it with
 * the checksum recorded at upload (a mismatch deletes the unlocked copy and throws), then set
 * COMPLIANCE retention until the plan's date (for permanent records, the far-future horizon the
 * sweep keeps extending) on that copy's version. A step that dies in between leaves an unlocked copy that the retried step
 * finds (`headArchiveObject`) and locks (`lockArchiveCopy`).
 */
export async function copyToArchive(args: {
  sourceKey: string;
  sourceVersionId?: string;
  destKey: string;
  contentType: string;
  metadata: Record<string, string>;
  retention: RetentionPlan;
  expectedSha256Hex: string;
}): Promise<{ versionId: string; sha256Hex: string }> {
  const res = await s3.send(
    new CopyObjectCommand({
      Bucket: archiveBucket(),
      Key: args.destKey,
      CopySource: copySource(intakeBucket(), args.sourceKey, args.sourceVersionId),
      MetadataDirective: 'REPLACE',
      Metadata: args.metadata,
      ContentType: args.contentType,
      TaggingDirective: 'REPLACE',
      ChecksumAlgorithm: 'SHA256',
    }),
  );
  if (!res.VersionId)
    throw new Error(`archive bucket returned no version for ${args.destKey}; is versioning on?`);
  const b64 = res.CopyObjectResult?.ChecksumSHA256;
  const sha = b64 ? sha256Base64ToHex(b64) : undefined;
  if (sha !== args.expectedSha256Hex) {
    // Not locked yet: the wrong bytes do not stay in the archive.
    await s3.send(
      new DeleteObjectCommand({ Bucket: archiveBucket(), Key: args.destKey, VersionId: res.VersionId }),
    );
    throw new ArchiveCopyMismatch(
      `archive copy ${args.destKey} has SHA-256 ${sha ?? '(none)'}, expected ${args.expectedSha256Hex}; the copy was removed`,
    );
  }
  await lockArchiveCopy(args.destKey, res.VersionId, args.retention);
  return { versionId: res.VersionId, sha256Hex: sha };
}

/**
 * Object Lock on one archived version: COMPLIANCE retention until the plan's date, for permanent
 * records too. Never a legal hold: one call by anyone allowed `s3:PutObjectLegalHold` lifts it,
 * and that right is kept for the holds functions alone. Setting the same retention again is
 * accepted by S3, so a repeated step may call it on a copy it already locked.
 */
export async function lockArchiveCopy(
  key: string,
  versionId: string,
  retention: RetentionPlan,
): Promise<void> {
  await s3.send(
    new PutObjectRetentionCommand({
      Bucket: archiveBucket(),
      Key: key,
      VersionId: versionId,
      Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date(retention.retainUntil) },
    }),
  );
}

/** One archived original, the version locked at archiving, as a stream (never whole in memory). */
export async function readArchivedOriginal(
  key: string,
  versionId: string,
): Promise<AsyncIterable<Uint8Array>> {
  const res = await s3.send(
    new GetObjectCommand({ Bucket: archiveBucket(), Key: key, VersionId: versionId }),
  );
  if (!res.Body) throw new Error(`archived original ${key} (version ${versionId}) has no body`);
  return res.Body as AsyncIterable<Uint8Array>;
}
