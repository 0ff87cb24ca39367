import type { Context, S3Event } from 'aws-lambda';
import { intakeBucket } from '../adapters/env.ts';
import { logger } from '../adapters/logger.ts';
import { recordUpload } from '../adapters/records-repo.ts';
import { headIntakeObject, readIntakeStart } from '../adapters/storage.ts';
import { now } from '../core/clock.ts';
import { SNIFF_BYTES, sniffContentType } from '../core/file-type.ts';
import { parseIntakeKey } from '../core/submissions.ts';

/**
 * Records what arrived in the intake bucket: size and SHA-256 as S3 computed them, and the file
 * type its first bytes show. Accepts S3 event notifications and EventBridge "Object Created"
 * events. Safe to run twice: the same facts are written again.
 */

interface EventBridgeObjectCreated {
  'detail-type': 'Object Created';
  detail: { bucket: { name: string }; object: { key: string } };
}

export type UploadEvent = S3Event | EventBridgeObjectCreated;

/** S3 notifications carry keys URL-encoded with `+` for spaces; undefined when malformed. */
export function decodeS3Key(key: string): string | undefined {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

export function objectsOf(event: UploadEvent): { bucket: string; key: string }[] {
  if ('Records' in event) {
    return event.Records.filter((r) => r.eventName?.startsWith('ObjectCreated')).flatMap((r) => {
      const key = decodeS3Key(r.s3.object.key);
      if (key === undefined) logger.warn('malformed key in S3 event; ignored', { key: r.s3.object.key });
      return key === undefined ? [] : [{ bucket: r.s3.bucket.name, key }];
    });
  }
  if (event['detail-type'] === 'Object Created') {
    // EventBridge keys are used as given; intake keys hold only characters that need no encoding.
    return [{ bucket: event.detail.bucket.name, key: event.detail.object.key }];
  }
  return [];
}

export type UploadOutcome = 'recorded' | 'ignored' | 'not-accepting' | 'gone';

async function receive(bucket: string, key: string): Promise<UploadOutcome> {
  const ids = parseIntakeKey(key);
  if (bucket !== intakeBucket() || !ids) {
    logger.info('not an intake document; ignored', { bucket, key });
    return 'ignored';
  }
  const head = await headIntakeObject(key);
  if (!head) {
    logger.warn('uploaded object is gone', { key });
    return 'gone';
  }
  const start = head.size > 0 ? await readIntakeStart(key, SNIFF_BYTES) : new Uint8Array();
  const recorded = await recordUpload(ids.submissionId, ids.documentId, {
    receivedSize: head.size,
    ...(head.sha256Hex ? { receivedSha256: head.sha256Hex } : {}),
    sniffedType: sniffContentType(start),
    uploadedAt: now().toISOString(),
  });
  if (!recorded) {
    logger.warn('document does not take uploads now; ignored', { key, ...ids });
    return 'not-accepting';
  }
  logger.info('upload recorded', { key, size: head.size });
  return 'recorded';
}

export const handler = async (
  event: UploadEvent,
  context?: Context,
): Promise<{ outcomes: UploadOutcome[] }> => {
  if (context) logger.addContext(context);
  const outcomes: UploadOutcome[] = [];
  for (const { bucket, key } of objectsOf(event)) outcomes.push(await receive(bucket, key));
  return { outcomes };
};
