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
 * type its first bytes show, with a `document.uploaded` audit event in the same transaction.
 * Accepts S3 event notifications and EventBridge "Object Created" events. Safe to run twice: the
 * audit event is keyed by the storage event (its time and S3's sequencer), so a delivery repeated
 * writes nothing more.
 */

interface EventBridgeObjectCreated {
  'detail-type': 'Object Created';
  time: string;
  detail: { bucket: { name: string }; object: { key: string; sequencer?: string } };
}

/** One object a storage event reports, with the event's time and S3's sequencer for the key. */
export interface ReportedObject {
  bucket: string;
  key: string;
  time: string;
  sequencer: string;
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

export function objectsOf(event: UploadEvent): ReportedObject[] {
  if ('Records' in event) {
    return event.Records.filter((r) => r.eventName?.startsWith('ObjectCreated')).flatMap((r) => {
      const key = decodeS3Key(r.s3.object.key);
      if (key === undefined) logger.warn('malformed key in S3 event; ignored', { key: r.s3.object.key });
      return key === undefined
        ? []
        : [{ bucket: r.s3.bucket.name, key, time: r.eventTime, sequencer: r.s3.object.sequencer }];
    });
  }
  if (event['detail-type'] === 'Object Created') {
    // EventBridge keys are used as given; intake keys hold only characters that need no encoding.
    const { bucket, object } = event.detail;
    return [
      { bucket: bucket.name, key: object.key, time: event.time, sequencer: object.sequencer ?? event.time },
    ];
  }
  return [];
}

export type UploadOutcome = 'recorded' | 'ignored' | 'not-accepting' | 'gone';

async function receive({ bucket, key, time, sequencer }: ReportedObject): Promise<UploadOutcome> {
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
    event: { time, sequencer },
  });
  if (!recorded) {
    logger.warn('document does not take uploads now, or this event was recorded already; ignored', {
      key,
      ...ids,
    });
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
  for (const reported of objectsOf(event)) outcomes.push(await receive(reported));
  return { outcomes };
};
