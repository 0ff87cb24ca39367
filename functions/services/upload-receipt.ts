import { appendAuditOnce, SYSTEM_ACTOR } from '../adapters/audit.ts';
import {
  comparableSequencer,
  getDocument,
  recordUpload,
  type UploadFacts,
} from '../adapters/documents-repo.ts';
import { intakeBucket } from '../adapters/env.ts';
import { logger } from '../adapters/logger.ts';
import { UPLOAD_ID_METADATA } from '../adapters/presign.ts';
import { headIntakeObject, readIntakeStart } from '../adapters/storage.ts';
import { getSubmission } from '../adapters/submissions-repo.ts';
import { now } from '../core/clock.ts';
import { SNIFF_BYTES, sniffContentType } from '../core/file-type.ts';
import { parseIntakeKey } from '../core/submissions.ts';
import { whyUploadIgnored } from '../core/uploads.ts';

/**
 * Receiving an upload storage reported (events/upload-received.ts): the object version, size and
 * SHA-256 as S3 computed them, and the file type its first bytes show, recorded on the document
 * with a `document.uploaded` audit event in the same transaction; or, when the document no
 * longer takes it, nothing that is read changes and `document.upload-ignored` says why.
 */

/** One object a storage event reports, with the event's time and S3's sequencer for the key. */
export interface ReportedObject {
  bucket: string;
  key: string;
  time: string;
  sequencer: string;
  versionId?: string;
  sourceIp?: string;
}

export type UploadOutcome = 'recorded' | 'ignored' | 'not-accepting' | 'gone';

/** Records one reported object on its document, or audits why the document did not take it. */
export async function receiveUpload(reported: ReportedObject): Promise<UploadOutcome> {
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
  // The recorded upload's event again: by its sequencer, or by its object version once archiving
  // has dropped the sequencer (a storage event may come again days later).
  if (
    doc?.uploadSequencer === comparableSequencer(reported.sequencer) ||
    (facts.versionId !== undefined && doc?.receivedVersionId === facts.versionId)
  ) {
    logger.info('upload event delivered again; already recorded', { key: reported.key });
    return 'not-accepting';
  }
  const reason = whyUploadIgnored(submission, doc, facts);
  // Once per storage event: one delivered again after its refusal was recorded writes nothing.
  await appendAuditOnce({
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
  logger.warn('upload not taken; recorded as ignored', { key: reported.key, ...ids, reason });
  return 'not-accepting';
}
