import type { DocumentRecord } from './documents.ts';
import { OPEN_FOR_CHANGES, type Submission } from './submissions.ts';

/**
 * Which upload of a document's key counts. Each upload URL signs its own upload id into the
 * object, and the intake bucket keeps every version, so an upload is taken only when it came
 * through the document's current URL, while the submission is open for changes, and is later
 * than the one taken before; then the version it made is the one checked, previewed, reviewed
 * and archived. Anything else is inert, and on record with the reason given here.
 */

export interface ArrivedUpload {
  uploadId?: string;
  receivedSha256?: string;
  event: { sequencer: string };
}

/** Why storage's report of an upload was not taken (for `document.upload-ignored`). */
export function whyUploadIgnored(
  submission: Pick<Submission, 'status'> | undefined,
  doc: Pick<DocumentRecord, 'status' | 'uploadId' | 'sha256' | 'submissionId'> | undefined,
  upload: ArrivedUpload,
): string {
  if (!submission || !doc) return 'the submission or document does not exist';
  if (!OPEN_FOR_CHANGES.includes(submission.status)) {
    return `the submission is ${submission.status}; uploads are taken only while it is DRAFT or REJECTED`;
  }
  if (doc.status !== 'PENDING_UPLOAD' && doc.status !== 'UPLOADED') {
    return `the document is ${doc.status}; it takes no uploads`;
  }
  if (doc.uploadId !== undefined && upload.uploadId !== doc.uploadId) {
    return 'it came through an upload URL that a newer one has replaced';
  }
  if (doc.uploadId === undefined && upload.receivedSha256 !== doc.sha256) {
    return 'its SHA-256 is not the one declared for the document';
  }
  return 'a later upload of the same document was taken already';
}
