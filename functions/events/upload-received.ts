import type { Context, S3Event } from 'aws-lambda';
import { appendAudit, SYSTEM_ACTOR } from '../adapters/audit.ts';
import {
  comparableSequencer,
  getDocument,
  recordUpload,
  type UploadFacts,
} from '../adapters/documents-repo.ts';
import { isConditionalCheckFailed } from '../adapters/dynamo/transactions.ts';
import { intakeBucket } from '../adapters/env.ts';
import { logger } from '../adapters/logger.ts';
import { headIntakeObject, readIntakeStart, UPLOAD_ID_METADATA } from '../adapters/storage.ts';
import { getSubmission } from '../adapters/submissions-repo.ts';
import { now } from '../core/clock.ts';
import { SNIFF_BYTES, sniffContentType } from '../core/file-type.ts';
import { parseIntakeKey } from '../core/submissions.ts';
import { whyUploadIgnored } from '../core/uploads.ts';

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

/** One object a storage event reports, with the event's time and S3's sequencer for the key. */
export interface ReportedObject {
  bucket: string;
  key: string;
  time: string;
  sequencer: string;
  versionId?: string;
  sourceIp?: string;
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

export type UploadOutcome = 'recorded' | 'ignored' | 'not-accepting' | 'gone';

async function receive(reported: ReportedObject): Promise<UploadOutcome> {
  const { bucket, key, time, sequencer, versionId } = reported;
  const ids = parseIntakeKey(key);
  if (bucket !== intakeBucket() || !ids) {
    logger.info('not an intake document; ignored', { bucket, key });
    return 'ignored';
  }
  const head = await headIntakeObject(key, versionId);
  if (!head) {
    logger.warn('uploaded object is gone', { key, versionId });
    return 'gone';
  }
  const start = head.size > 0 ? await readIntakeStart(key, SNIFF_BYTES, versionId) : new Uint8Array();
  const uploadId = head.metadata[UPLOAD_ID_METADATA];
  const facts: UploadFacts = {
    ...(head.versionId ? { versionId: head.versionId } : {}),
    ...(uploadId ? { uploadId } : {}),
    receivedSize: head.size,
    ...(head.sha256Hex ? { receivedSha256: head.sha256Hex } : {}),
    sniffedType: sniffContentType(start),
    uploadedAt: now().toISOString(),
    event: { time, sequencer },
  };
  if (await recordUpload(ids.submissionId, ids.documentId, facts)) {
    logger.info('upload recorded', { key, versionId: head.versionId, size: head.size });
    return 'recorded';
  }
  return ignore(reported, ids, facts);
}

/**
 * An upload the document did not take: nothing that is read changes, and the audit trail says
 * what arrived, through which URL, for whom and why it was not taken. A repeated delivery of an
 * event already recorded (as taken) writes nothing.
 */
async function ignore(
  reported: ReportedObject,
  ids: { submissionId: string; documentId: string },
  facts: UploadFacts,
): Promise<UploadOutcome> {
  const [submission, doc] = await Promise.all([getSubmission(ids.submissionId), getDocument(ids.documentId)]);
  if (doc?.uploadSequencer === comparableSequencer(reported.sequencer)) {
    logger.info('upload event delivered again; already recorded', { key: reported.key });
    return 'not-accepting';
  }
  const reason = whyUploadIgnored(submission, doc, facts);
  try {
    await appendAudit({
      action: 'document.upload-ignored',
      actor: SYSTEM_ACTOR,
      targetType: 'document',
      targetId: ids.documentId,
      at: reported.time,
      eventId: `upload-ignored-${ids.documentId}-${reported.sequencer}`,
      details: {
        submissionId: ids.submissionId,
        reason,
        ...(submission ? { submissionStatus: submission.status, clerk: submission.createdByName } : {}),
        ...(facts.versionId ? { versionId: facts.versionId } : {}),
        ...(facts.uploadId ? { uploadId: facts.uploadId } : {}),
        receivedSize: facts.receivedSize,
        ...(facts.receivedSha256 ? { receivedSha256: facts.receivedSha256 } : {}),
        sniffedType: facts.sniffedType,
        ...(reported.sourceIp ? { sourceIp: reported.sourceIp } : {}),
      },
    });
  } catch (err) {
    // The same storage event, delivered again after its refusal was recorded.
    if (!isConditionalCheckFailed(err)) throw err;
  }
  logger.warn('upload not taken; recorded as ignored', { key: reported.key, ...ids, reason });
  return 'not-accepting';
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
