import { intakeBucket, malwareScanTag } from './env.ts';
import { s3 } from './s3-client.ts';
import { GetObjectTaggingCommand } from './s3-commands.ts';

/**
 * Malware scan status of uploaded scans. GuardDuty Malware Protection for S3 scans each new
 * intake object and tags it (`GuardDutyMalwareScanStatus`: NO_THREATS_FOUND, THREATS_FOUND,
 * UNSUPPORTED, ACCESS_DENIED, FAILED); this adapter only reads that tag. It never scans or tags
 * by itself, so a function cannot vouch for a file the scanner has not seen. The local
 * realisation runs a stand-in that tags objects the same way (infra/local/malware-scan.ts).
 */

/**
 * The scan tag's value of one version of an upload (GuardDuty scans and tags each version it is
 * told of), or undefined while that version has not been scanned yet. Without a version id, the
 * current version's.
 */
export async function scanStatus(key: string, versionId?: string): Promise<string | undefined> {
  const tags = await s3.send(
    new GetObjectTaggingCommand({
      Bucket: intakeBucket(),
      Key: key,
      ...(versionId === undefined ? {} : { VersionId: versionId }),
    }),
  );
  const tagName = malwareScanTag();
  return (tags.TagSet ?? []).find((t) => t.Key === tagName)?.Value;
}

/**
 * The scan tag of an object that may not exist: `stored: false` when there is no object under
 * the key (S3 answers 404 to a role that may list the bucket).
 */
export async function storedScanStatus(
  key: string,
  versionId?: string,
): Promise<{ stored: boolean; status?: string }> {
  try {
    const status = await scanStatus(key, versionId);
    return status === undefined ? { stored: true } : { stored: true, status };
  } catch (err) {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (
      e.name === 'NoSuchKey' ||
      e.name === 'NoSuchVersion' ||
      e.name === 'NotFound' ||
      e.$metadata?.httpStatusCode === 404
    ) {
      return { stored: false };
    }
    throw err;
  }
}
