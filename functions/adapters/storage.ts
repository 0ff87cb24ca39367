import { CopyObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { now } from '../core/clock.ts';
import { sha256Base64ToHex, sha256HexToBase64 } from '../core/documents.ts';
import type { RetentionPlan } from '../core/retention.ts';
import { archiveBucket, intakeBucket } from './env.ts';
import { s3 } from './s3-client.ts';

/**
 * The intake bucket (scans as uploaded) and the archive bucket (originals under Object Lock).
 * The only code that builds S3 commands for documents.
 */

export interface PresignedUpload {
  method: 'PUT';
  url: string;
  /** Exactly the headers the client must send with the PUT; both are signed. */
  headers: Record<string, string>;
  expiresAt: string;
}

/**
 * A PUT URL bound to one key, one content type and one SHA-256: S3 refuses the upload when the
 * body's checksum differs from the signed `x-amz-checksum-sha256` header, so the URL can only
 * ever store the file the clerk declared.
 */
export async function presignUpload(args: {
  key: string;
  contentType: string;
  sha256Hex: string;
  expiresIn: number;
  now?: Date;
}): Promise<PresignedUpload> {
  const checksum = sha256HexToBase64(args.sha256Hex);
  const url = await getSignedUrl(
    s3,
    new PutObjectCommand({
      Bucket: intakeBucket(),
      Key: args.key,
      ContentType: args.contentType,
      ChecksumSHA256: checksum,
    }),
    {
      expiresIn: args.expiresIn,
      signableHeaders: new Set(['content-type', 'x-amz-checksum-sha256']),
      unhoistableHeaders: new Set(['x-amz-checksum-sha256']),
    },
  );
  const issued = args.now ?? now();
  return {
    method: 'PUT',
    url,
    headers: { 'content-type': args.contentType, 'x-amz-checksum-sha256': checksum },
    expiresAt: new Date(issued.getTime() + args.expiresIn * 1000).toISOString(),
  };
}

/** A GET URL of one version of an archived original. */
export async function presignContent(args: {
  key: string;
  versionId: string;
  expiresIn: number;
  now?: Date;
}): Promise<{ url: string; expiresAt: string }> {
  const url = await getSignedUrl(
    s3,
    new GetObjectCommand({ Bucket: archiveBucket(), Key: args.key, VersionId: args.versionId }),
    { expiresIn: args.expiresIn },
  );
  const issued = args.now ?? now();
  return { url, expiresAt: new Date(issued.getTime() + args.expiresIn * 1000).toISOString() };
}

/**
 * A GET URL of an uploaded scan in the intake bucket, for a preview before archiving: bound to
 * that one key, with the response's content type and disposition signed into it.
 */
export async function presignIntakeScan(args: {
  key: string;
  contentType: string;
  disposition: string;
  expiresIn: number;
  now?: Date;
}): Promise<{ url: string; expiresAt: string }> {
  const url = await getSignedUrl(
    s3,
    new GetObjectCommand({
      Bucket: intakeBucket(),
      Key: args.key,
      ResponseContentType: args.contentType,
      ResponseContentDisposition: args.disposition,
      ResponseCacheControl: 'private, no-store',
    }),
    { expiresIn: args.expiresIn },
  );
  const issued = args.now ?? now();
  return { url, expiresAt: new Date(issued.getTime() + args.expiresIn * 1000).toISOString() };
}

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

async function head(bucket: string, key: string): Promise<StoredObject | undefined> {
  try {
    const res = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
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

/** Size and checksum of an uploaded scan; undefined when the object is gone. */
export const headIntakeObject = (key: string) => head(intakeBucket(), key);

/** An archived original as stored; undefined when there is none yet. */
export const headArchiveObject = (key: string) => head(archiveBucket(), key);

/** The first `count` bytes of an uploaded scan (fewer when the object is shorter). */
export async function readIntakeStart(key: string, count: number): Promise<Uint8Array> {
  const res = await s3.send(
    new GetObjectCommand({ Bucket: intakeBucket(), Key: key, Range: `bytes=0-${count - 1}` }),
  );
  if (!res.Body) return new Uint8Array();
  return res.Body.transformToByteArray();
}

/** CopySource is `bucket/key` with the key URL-encoded segment by segment. */
const copySource = (bucket: string, key: string) =>
  `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;

export class ArchiveCopyMismatch extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArchiveCopyMismatch';
  }
}

/**
 * Copies an uploaded scan into the archive bucket under Object Lock: COMPLIANCE mode until the
 * retention lower bound, or a legal hold for permanent records. S3 computes SHA-256 of the copy,
 * which must equal the checksum recorded at upload.
 */
export async function copyToArchive(args: {
  sourceKey: string;
  destKey: string;
  contentType: string;
  metadata: Record<string, string>;
  retention: RetentionPlan;
  expectedSha256Hex: string;
}): Promise<{ versionId: string; sha256Hex: string }> {
  const lock = args.retention.legalHold
    ? { ObjectLockLegalHoldStatus: 'ON' as const }
    : {
        ObjectLockMode: 'COMPLIANCE' as const,
        ObjectLockRetainUntilDate: new Date(args.retention.retainUntil as string),
      };
  const res = await s3.send(
    new CopyObjectCommand({
      Bucket: archiveBucket(),
      Key: args.destKey,
      CopySource: copySource(intakeBucket(), args.sourceKey),
      MetadataDirective: 'REPLACE',
      Metadata: args.metadata,
      ContentType: args.contentType,
      TaggingDirective: 'REPLACE',
      ChecksumAlgorithm: 'SHA256',
      ...lock,
    }),
  );
  const b64 = res.CopyObjectResult?.ChecksumSHA256;
  const sha = b64 ? sha256Base64ToHex(b64) : undefined;
  if (sha !== args.expectedSha256Hex) {
    throw new ArchiveCopyMismatch(
      `archive copy ${args.destKey} has SHA-256 ${sha ?? '(none)'}, expected ${args.expectedSha256Hex}`,
    );
  }
  if (!res.VersionId)
    throw new Error(`archive bucket returned no version for ${args.destKey}; is versioning on?`);
  return { versionId: res.VersionId, sha256Hex: sha };
}
