import { createHash } from 'node:crypto';
import { archiveBucket, intakeBucket } from './env.ts';
import { s3 } from './s3-client.ts';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
} from './s3-commands.ts';

/**
 * The end of an original's life in the archive bucket: legal holds, extended locks, re-hashing
 * for fixity, deleting every version once its Object Lock has passed, and the destruction lists
 * kept for good under COMPLIANCE retention the sweep keeps extending. The only code that builds
 * these S3 commands.
 */

function status(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

const isNotFound = (err: unknown): boolean => {
  const name = (err as Error | undefined)?.name;
  return name === 'NotFound' || name === 'NoSuchKey' || name === 'NoSuchVersion' || status(err) === 404;
};

/** S3's answer to deleting a version under Object Lock (retention or legal hold). */
export const isLockRefusal = (err: unknown): boolean =>
  (err as Error | undefined)?.name === 'AccessDenied' || status(err) === 403;

/** Sets or clears the legal hold of one version of an archived object. */
export async function setLegalHold(key: string, versionId: string, on: boolean): Promise<void> {
  await s3.send(
    new PutObjectLegalHoldCommand({
      Bucket: archiveBucket(),
      Key: key,
      VersionId: versionId,
      LegalHold: { Status: on ? 'ON' : 'OFF' },
      ChecksumAlgorithm: 'SHA256',
    }),
  );
}

/**
 * Extends the COMPLIANCE retention of one version to `until` (S3 refuses to shorten it). Also
 * puts a version that has none (a permanent record under a legal hold) under COMPLIANCE retention.
 */
export async function extendRetention(key: string, versionId: string, until: Date): Promise<void> {
  await s3.send(
    new PutObjectRetentionCommand({
      Bucket: archiveBucket(),
      Key: key,
      VersionId: versionId,
      Retention: { Mode: 'COMPLIANCE', RetainUntilDate: until },
      ChecksumAlgorithm: 'SHA256',
    }),
  );
}

export interface StoredVersion {
  versionId: string;
  deleteMarker: boolean;
}

/** Every version and delete marker of exactly `key`. */
export async function listVersions(key: string): Promise<StoredVersion[]> {
  const out: StoredVersion[] = [];
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  for (;;) {
    const res = await s3.send(
      new ListObjectVersionsCommand({
        Bucket: archiveBucket(),
        Prefix: key,
        ...(keyMarker ? { KeyMarker: keyMarker } : {}),
        ...(versionMarker ? { VersionIdMarker: versionMarker } : {}),
      }),
    );
    for (const v of res.Versions ?? []) {
      if (v.Key === key && v.VersionId) out.push({ versionId: v.VersionId, deleteMarker: false });
    }
    for (const m of res.DeleteMarkers ?? []) {
      if (m.Key === key && m.VersionId) out.push({ versionId: m.VersionId, deleteMarker: true });
    }
    if (!res.IsTruncated) return out;
    keyMarker = res.NextKeyMarker;
    versionMarker = res.NextVersionIdMarker;
  }
}

/** Deletes one version for good (no delete marker); a version already gone is not an error. */
export async function deleteVersion(key: string, versionId: string): Promise<void> {
  try {
    await s3.send(new DeleteObjectCommand({ Bucket: archiveBucket(), Key: key, VersionId: versionId }));
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/**
 * Removes every version of a scan left in the intake bucket, delete markers included (the bucket
 * is versioned; on AWS its lifecycle rules have normally done so). True when anything was removed.
 */
export async function deleteIntakeObject(key: string): Promise<boolean> {
  let removed = false;
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectVersionsCommand({
        Bucket: intakeBucket(),
        Prefix: key,
        ...(keyMarker ? { KeyMarker: keyMarker } : {}),
        ...(versionIdMarker ? { VersionIdMarker: versionIdMarker } : {}),
      }),
    );
    const versions = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].filter((v) => v.Key === key);
    for (const v of versions) {
      await s3.send(
        new DeleteObjectCommand({
          Bucket: intakeBucket(),
          Key: key,
          ...(v.VersionId ? { VersionId: v.VersionId } : {}),
        }),
      );
      removed = true;
    }
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    versionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (keyMarker);
  return removed;
}

/** SHA-256 (hex) of the bytes of one version, read in a stream. */
export async function hashVersion(key: string, versionId: string): Promise<string | undefined> {
  try {
    const res = await s3.send(
      new GetObjectCommand({ Bucket: archiveBucket(), Key: key, VersionId: versionId }),
    );
    const hash = createHash('sha256');
    const body = res.Body as AsyncIterable<Uint8Array> | undefined;
    if (body) for await (const chunk of body) hash.update(chunk);
    return hash.digest('hex');
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Up to `max` keys under `prefix` after `startAfter`, in key order. */
export async function listKeysAfter(prefix: string, startAfter: string | undefined, max: number) {
  const res = await s3.send(
    new ListObjectsV2Command({
      Bucket: archiveBucket(),
      Prefix: prefix,
      MaxKeys: max,
      ...(startAfter ? { StartAfter: startAfter } : {}),
    }),
  );
  return {
    keys: (res.Contents ?? []).flatMap((c) => (c.Key ? [c.Key] : [])),
    more: res.IsTruncated === true,
  };
}

/** The version, metadata and retain-until date of a permanent record already written; undefined when there is none. */
export async function headPermanent(
  key: string,
): Promise<{ versionId: string; metadata: Record<string, string>; retainUntil?: string } | undefined> {
  try {
    const res = await s3.send(new HeadObjectCommand({ Bucket: archiveBucket(), Key: key }));
    if (!res.VersionId) return undefined;
    return {
      versionId: res.VersionId,
      metadata: res.Metadata ?? {},
      ...(res.ObjectLockRetainUntilDate ? { retainUntil: res.ObjectLockRetainUntilDate.toISOString() } : {}),
    };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * Writes a record to keep forever: under COMPLIANCE retention until `retainUntil` (the sweep
 * extends it, core/permanence.ts), its SHA-256 checked by S3 and kept as metadata.
 */
export async function putPermanent(
  key: string,
  body: string,
  contentType: string,
  metadata: Record<string, string>,
  retainUntil: string,
): Promise<{ versionId: string; sha256: string; retainUntil: string }> {
  const bytes = Buffer.from(body, 'utf8');
  const digest = createHash('sha256').update(bytes).digest();
  const res = await s3.send(
    new PutObjectCommand({
      Bucket: archiveBucket(),
      Key: key,
      Body: bytes,
      ContentType: contentType,
      Metadata: { ...metadata, sha256: digest.toString('hex') },
      ChecksumSHA256: digest.toString('base64'),
      ObjectLockMode: 'COMPLIANCE',
      ObjectLockRetainUntilDate: new Date(retainUntil),
    }),
  );
  if (!res.VersionId) throw new Error(`archive bucket returned no version for ${key}; is versioning on?`);
  return { versionId: res.VersionId, sha256: digest.toString('hex'), retainUntil };
}

/** The Object Lock of one version as S3 reports it; undefined when the version is gone. */
export async function lockOf(
  key: string,
  versionId: string,
): Promise<{ retainUntil?: string; legalHold: boolean } | undefined> {
  try {
    const res = await s3.send(
      new HeadObjectCommand({ Bucket: archiveBucket(), Key: key, VersionId: versionId }),
    );
    return {
      ...(res.ObjectLockRetainUntilDate ? { retainUntil: res.ObjectLockRetainUntilDate.toISOString() } : {}),
      legalHold: res.ObjectLockLegalHoldStatus === 'ON',
    };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
