import { appendAudit } from '../adapters/audit.ts';
import { presignIntakeScan } from '../adapters/presign.ts';
import { storedScanStatus } from '../adapters/scanner.ts';
import { headIntakeObject } from '../adapters/storage.ts';
import { now } from '../core/clock.ts';
import { getScheme } from '../core/scheme.ts';
import {
  assertPreviewable,
  assertScanClean,
  assertUploaded,
  previewHeaders,
} from '../core/submission-scans.ts';
import { intakeKeyOf } from '../core/submissions.ts';
import { apiHandler } from '../http/api.ts';

/**
 * `GET /submissions/{submissionId}/documents/{documentId}/content`: a short-lived GET URL of a
 * scan still in the intake bucket, so the reviewer deciding the submission (and its clerk, and
 * archivists) see it inline before it is archived. The URL is bound to the one key, with the
 * type the file really is and `inline` signed into it, and to the object version the upload
 * recorded (the one the checks and the review are about; a later PUT to the key is never shown).
 * Only an uploaded scan that is still the declared file and that the malware scan passed is shown.
 * Who may see it the `customer-region` and `scan-reader` rules decide; they hand over the
 * submission, its review task, the basis and the document they read. Every URL issued is in the
 * audit trail, with why the caller may see it, before it is returned.
 */
export const handler = apiHandler(
  'submissions-scan-content',
  'GET /submissions/{submissionId}/documents/{documentId}/content',
  async function handleSubmissionsScanContent({ actor, path, requestId, records }) {
    const submissionId = path.submissionId ?? '';
    const documentId = path.documentId ?? '';
    const { submission, reviewTask: task, scanBasis: basis } = records;
    const doc = await records.document();
    assertUploaded(doc);
    // On AWS this function may read an intake object only while GuardDuty's tag says it is clean
    // (an IAM condition, which also binds the URL when the browser fetches it): the tag first.
    const key = intakeKeyOf(doc);
    const tag = await storedScanStatus(key, doc.receivedVersionId);
    if (!tag.stored) assertPreviewable(doc, undefined, undefined);
    assertScanClean(doc, tag.status);
    const stored = await headIntakeObject(key, doc.receivedVersionId);
    assertPreviewable(doc, stored, tag.status);

    const time = now();
    const headers = previewHeaders(doc);
    const link = await presignIntakeScan({
      key,
      ...(doc.receivedVersionId ? { versionId: doc.receivedVersionId } : {}),
      contentType: headers.contentType,
      disposition: headers.disposition,
      expiresIn: getScheme(submission.schemeId).limits.contentUrlSeconds,
      now: time,
    });
    await appendAudit({
      action: 'document.scan-preview-url',
      actor,
      targetType: 'document',
      targetId: documentId,
      at: time.toISOString(),
      details: {
        submissionId,
        basis,
        ...(basis === 'review-task' && task ? { taskId: task.taskId } : {}),
        submissionStatus: submission.status,
        sha256: doc.sha256,
        contentType: headers.contentType,
        expiresAt: link.expiresAt,
        requestId,
      },
    });
    return { status: 200, body: { ...link, contentType: headers.contentType } };
  },
);
