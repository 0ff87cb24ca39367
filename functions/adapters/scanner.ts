import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  PutObjectTaggingCommand,
  type Tag,
} from '@aws-sdk/client-s3';
import { CLEAN_SCAN, INFECTED_SCAN } from '../core/intake-checks.ts';
import { s3 } from './clients.ts';
import { intakeBucket, malwareScanTag } from './env.ts';
import { logger } from './logger.ts';

/**
 * Malware scan status of uploaded scans. On AWS, GuardDuty Malware Protection for S3 tags each
 * new intake object (`GuardDutyMalwareScanStatus`: NO_THREATS_FOUND, THREATS_FOUND, UNSUPPORTED,
 * ACCESS_DENIED, FAILED); this adapter reads that tag.
 *
 * When the tag is absent, a built-in scan runs and writes the tag itself. THE BUILT-IN SCAN IS
 * NOT AN ANTIVIRUS: it recognises only the EICAR test file, so the safety check can be exercised
 * end to end where GuardDuty is not deployed (the local realisation, tests). Where GuardDuty is
 * deployed but has not tagged an object yet, the built-in verdict stands in for it.
 */

/** The EICAR anti-malware test string (68 bytes). Harmless; every scanner reports it. */
export const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!H+H*';

const EICAR_BYTES = Buffer.from(EICAR, 'latin1');

/** Finds the EICAR string anywhere in a stream of chunks, also across chunk boundaries. */
export async function containsEicar(chunks: AsyncIterable<Uint8Array>): Promise<boolean> {
  let tail = Buffer.alloc(0);
  for await (const chunk of chunks) {
    const window = Buffer.concat([tail, Buffer.from(chunk)]);
    if (window.includes(EICAR_BYTES)) return true;
    tail = window.subarray(Math.max(0, window.length - (EICAR_BYTES.length - 1)));
  }
  return false;
}

export interface ScanResult {
  status: string;
  source: 'tag' | 'builtin';
}

async function builtinScan(key: string): Promise<string> {
  const res = await s3.send(new GetObjectCommand({ Bucket: intakeBucket(), Key: key }));
  const body = res.Body as AsyncIterable<Uint8Array> | undefined;
  if (!body) return CLEAN_SCAN;
  return (await containsEicar(body)) ? INFECTED_SCAN : CLEAN_SCAN;
}

/** The scan status of an intake object: its tag, or the built-in scan's verdict (then tagged). */
export async function scanStatus(key: string): Promise<ScanResult> {
  const bucket = intakeBucket();
  const tagName = malwareScanTag();
  const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
  const tagSet: Tag[] = tags.TagSet ?? [];
  const existing = tagSet.find((t) => t.Key === tagName)?.Value;
  if (existing) return { status: existing, source: 'tag' };

  const status = await builtinScan(key);
  try {
    await s3.send(
      new PutObjectTaggingCommand({
        Bucket: bucket,
        Key: key,
        Tagging: { TagSet: [...tagSet.filter((t) => t.Key !== tagName), { Key: tagName, Value: status }] },
      }),
    );
  } catch (err) {
    // The verdict stands; the tag only saves the next validation a scan.
    logger.warn('could not tag the scanned object', { key, status, error: (err as Error).message });
  }
  if (status === INFECTED_SCAN) logger.warn('built-in scan found the EICAR test string', { key });
  return { status, source: 'builtin' };
}
