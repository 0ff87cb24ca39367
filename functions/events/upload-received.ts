import type { Context, S3Event } from 'aws-lambda';
import { logger } from '../adapters/logger.ts';
import { type ReportedObject, receiveUpload, type UploadOutcome } from '../services/upload-receipt.ts';

/**
 * Records what arrived in the intake bucket: the object version, size and SHA-256 as S3 computed
 * them, and the file type its first bytes show, with a `document.uploaded` audit event in the
 * same transaction. Everything after (checks, preview, review, archive copy) reads that version.
 * An upload the document no longer takes (its submission has left DRAFT/REJECTED, it came through
 * an older upload URL, or a later upload of the key is recorded already) changes nothing that is
 * read: it is recorded as `document.upload-ignored` with what storage saw and why. Accepts S3
 * event notifications and EventBridge "Object Created" events, in any order. Safe to run twice:
 * both audit events are keyed by the storage event (S3's sequencer), so a delivery repeated
 * writes nothing more.
 */

interface EventBridgeObjectCreated {
  'detail-type': 'Object Created';
  time: string;
  detail: {
    bucket: { name: string };
    object: { key: string; sequencer?: string; 'version-id'?: string };
    'source-ip-address'?: string;
  };
}

export type { ReportedObject, UploadOutcome };

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
        : [
            {
              bucket: r.s3.bucket.name,
              key,
              time: r.eventTime,
              sequencer: r.s3.object.sequencer,
              ...(r.s3.object.versionId ? { versionId: r.s3.object.versionId } : {}),
              ...(r.requestParameters?.sourceIPAddress
                ? { sourceIp: r.requestParameters.sourceIPAddress }
                : {}),
            },
          ];
    });
  }
  if (event['detail-type'] === 'Object Created') {
    // EventBridge keys are used as given; intake keys hold only characters that need no encoding.
    const { bucket, object } = event.detail;
    const sourceIp = event.detail['source-ip-address'];
    return [
      {
        bucket: bucket.name,
        key: object.key,
        time: event.time,
        sequencer: object.sequencer ?? event.time,
        ...(object['version-id'] ? { versionId: object['version-id'] } : {}),
        ...(sourceIp ? { sourceIp } : {}),
      },
    ];
  }
  return [];
}

export async function handler(event: UploadEvent, context?: Context): Promise<{ outcomes: UploadOutcome[] }> {
  if (context) logger.addContext(context);
  const outcomes: UploadOutcome[] = [];
  for (const reported of objectsOf(event)) outcomes.push(await receiveUpload(reported));
  return { outcomes };
}
