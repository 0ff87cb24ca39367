import { createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MALWARE_SCAN_TAG } from '../core/intake-bucket.ts';
import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  PutObjectTaggingCommand,
  type Tag,
} from './s3-commands.ts';
import type { S3Client } from './s3-http.ts';

/**
 * Reading the object version a malware scan judges, and writing its verdict onto it, as GuardDuty Malware
 * Protection does: the scan tag set to the verdict, every other tag of the object kept. Used by
 * the ClamAV scanner (events/malware-scan.ts) and the local stand-in for GuardDuty
 * (infra/local/malware-scan.ts); only a scanner's role may tag uploads (the bucket policy).
 */

export interface ScanTarget {
  bucket: string;
  key: string;
  /** The version scanned; absent (or S3's `null`) for an unversioned object. */
  versionId?: string;
}

/** Tags one object version with a scan result, keeping its other tags; returns the result. */
export async function tagScanResult(
  s3: S3Client,
  target: ScanTarget,
  status: string,
  tagKey = MALWARE_SCAN_TAG,
): Promise<string> {
  const version = versionOf(target);
  const current = await s3.send(
    new GetObjectTaggingCommand({ Bucket: target.bucket, Key: target.key, ...version }),
  );
  const tags: Tag[] = (current.TagSet ?? []).filter((t) => t.Key !== tagKey);
  tags.push({ Key: tagKey, Value: status });
  await s3.send(
    new PutObjectTaggingCommand({
      Bucket: target.bucket,
      Key: target.key,
      ...version,
      Tagging: { TagSet: tags },
    }),
  );
  return status;
}

/** The VersionId parameter naming the target's version, if it has one. */
export const versionOf = (target: ScanTarget): { VersionId?: string } =>
  target.versionId !== undefined && target.versionId !== 'null' ? { VersionId: target.versionId } : {};

/**
 * Downloads one object version to `path`: its size, or 'gone' when the object or version no
 * longer exists (expired or removed before its scan). Other errors are thrown.
 */
export async function downloadScanTarget(
  s3: S3Client,
  target: ScanTarget,
  path: string,
): Promise<number | 'gone'> {
  try {
    const object = await s3.send(
      new GetObjectCommand({ Bucket: target.bucket, Key: target.key, ...versionOf(target) }),
    );
    await pipeline(object.Body as Readable, createWriteStream(path));
    return object.ContentLength ?? 0;
  } catch (err) {
    const e = err as Error & { $metadata?: { httpStatusCode?: number } };
    if (e.name === 'NoSuchKey' || e.name === 'NoSuchVersion' || e.$metadata?.httpStatusCode === 404) {
      return 'gone';
    }
    throw err;
  }
}
