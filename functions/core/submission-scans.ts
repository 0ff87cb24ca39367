import type { DocumentRecord } from './documents.ts';
import { Conflict, Forbidden, NotFound } from './errors.ts';
import { extensionAgrees, safeFileName } from './file-names.ts';
import { UNKNOWN_CONTENT_TYPE } from './file-type.ts';
import { CLEAN_SCAN, INFECTED_SCAN } from './intake-checks.ts';
import { type Actor, hasAnyRole } from './roles.ts';
import type { Submission } from './submissions.ts';
import { assertMayDecide, type TaskRecord } from './tasks.ts';

/**
 * Previews of intake scans (`GET /submissions/{submissionId}/documents/{documentId}/content`):
 * a scan still in the intake bucket, before it is archived, shown to the people who work on
 * the submission. Who may see it, and which scans may be shown at all, are decided here; the
 * handler reads the records and storage and issues the URL.
 */

/** Why a caller may see the scans of a submission; recorded in the audit event of each preview. */
export type ScanReaderBasis = 'creator' | 'review-task' | 'archivist';

/**
 * The scans of a submission under intake are for the clerk who made it, for whoever may decide
 * its open review task (a reviewer, or an archivist once escalated), and for archivists, the
 * custodians of the originals the scans become. Nobody else sees them, whatever their roles.
 */
export function scanReaderBasis(
  actor: Actor,
  submission: Pick<Submission, 'submissionId' | 'createdBy' | 'attempt' | 'importId'>,
  reviewTask:
    | Pick<
        TaskRecord,
        'taskId' | 'kind' | 'role' | 'status' | 'subjectId' | 'attempt' | 'requesterSub' | 'excludedSubs'
      >
    | undefined,
): ScanReaderBasis {
  if (hasAnyRole(actor, ['clerk']) && submission.createdBy === actor.sub) return 'creator';
  if (hasAnyRole(actor, ['archivist'])) return 'archivist';
  const id = submission.submissionId;
  if (hasAnyRole(actor, ['clerk']) && !hasAnyRole(actor, ['reviewer'])) {
    throw new Forbidden(`submission ${id} belongs to another clerk`);
  }
  // A migrated row is reviewed with its batch: the batch's task opens the scans of its sample.
  const reviewsIt =
    (reviewTask?.kind === 'intake-review' && reviewTask.subjectId === id) ||
    (reviewTask?.kind === 'import-review' && reviewTask.subjectId === submission.importId);
  if (
    reviewTask?.status !== 'OPEN' ||
    !reviewsIt ||
    (reviewTask.attempt !== undefined && reviewTask.attempt !== submission.attempt)
  ) {
    throw new Forbidden(
      `submission ${id} has no open review task; its scans are shown to a reviewer only while they may decide it`,
    );
  }
  assertMayDecide(actor, reviewTask);
  return 'review-task';
}

/**
 * Types a browser shows in a page (PDF in a frame, images as images). Anything else a preview
 * hands out as a download.
 */
export const INLINE_TYPES: readonly string[] = ['application/pdf', 'image/jpeg', 'image/png'];

export interface StoredScan {
  /** SHA-256 of the object as stored (hex); undefined when storage recorded none. */
  sha256Hex?: string;
  size: number;
}

/** The document the path names, if it belongs to the submission the path names. */
export function documentOfSubmission(
  submissionId: string,
  documentId: string,
  doc: DocumentRecord | undefined,
): DocumentRecord {
  if (!doc || doc.submissionId !== submissionId) {
    throw new NotFound('document', `${documentId} in submission ${submissionId}`);
  }
  return doc;
}

/**
 * Only a scan that was uploaded, is still the file the clerk declared, and passed the malware
 * scan is shown: an unscanned, infected or half-scanned object never leaves the intake bucket.
 * `stored` is what storage holds under the key now (undefined when the object is gone); `scan`
 * the GuardDuty tag's value (undefined while unscanned).
 */
export function assertPreviewable(
  doc: DocumentRecord,
  stored: StoredScan | undefined,
  scan: string | undefined,
): void {
  const id = doc.documentId;
  assertUploaded(doc);
  if (!stored) throw new Conflict(`document ${id} has no scan in storage; upload it again`);
  if (stored.sha256Hex !== doc.sha256 || stored.size !== doc.size) {
    throw new Conflict(
      `the scan stored for document ${id} is not the declared file (SHA-256 ${stored.sha256Hex?.slice(0, 12) ?? 'unknown'}…, ${stored.size} bytes); upload it again`,
    );
  }
  assertScanClean(doc, scan);
}

/** Refuses a scan the malware scanner has not found clean (yet). */
export function assertScanClean(doc: Pick<DocumentRecord, 'documentId'>, scan: string | undefined): void {
  const id = doc.documentId;
  if (scan === undefined) {
    throw new Conflict(
      `the scan of document ${id} has not been checked for malware yet; try again in a moment`,
    );
  }
  if (scan === INFECTED_SCAN) {
    throw new Conflict(`the malware scan found a threat in document ${id}; it is never shown`);
  }
  if (scan !== CLEAN_SCAN) {
    throw new Conflict(`the malware scan of document ${id} did not complete (${scan}); it is not shown`);
  }
}

/** The document states a preview refuses before storage is read. */
export function assertUploaded(doc: Pick<DocumentRecord, 'documentId' | 'status'>): void {
  if (doc.status === 'PENDING_UPLOAD') {
    throw new Conflict(`document ${doc.documentId} has not been uploaded yet`);
  }
  if (doc.status !== 'UPLOADED') {
    throw new Conflict(
      `document ${doc.documentId} is ${doc.status}; read the archived original through GET /documents/${doc.documentId}/content`,
    );
  }
}

/**
 * The headers the storage response carries (signed into the URL): the type the file really is
 * (its first bytes, not what was declared), shown inline when a browser can, with a safe file
 * name (`contentDispositionFileName`) whose extension is that of the type served: a download of
 * anything else keeps the declared extension only when it agrees with what the bytes are, and is
 * otherwise named `.bin`.
 */
export function previewHeaders(doc: Pick<DocumentRecord, 'fileName' | 'sniffedType' | 'contentType'>): {
  contentType: string;
  disposition: string;
} {
  const type = doc.sniffedType ?? UNKNOWN_CONTENT_TYPE;
  const inline = INLINE_TYPES.includes(type);
  const named = inline || extensionAgrees(doc.fileName, type) ? type : UNKNOWN_CONTENT_TYPE;
  return {
    contentType: inline ? type : UNKNOWN_CONTENT_TYPE,
    disposition: `${inline ? 'inline' : 'attachment'}; ${contentDispositionFileName(doc.fileName, named)}`,
  };
}

/**
 * `filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded>` (RFC 6266, RFC 5987) for
 * content of `type`, whatever name was stored (records written before the file name rules may
 * carry control or bidirectional characters, or an extension of another type): the name is made
 * safe first (`safeFileName`: no such characters, quotes or backslashes, the extension of
 * `type`), and the fallback has `_` for every character outside printable ASCII (`·` in an
 * archive code too).
 */
export function contentDispositionFileName(fileName: string, type: string): string {
  const safe = safeFileName(fileName, type);
  const ascii = safe.replace(/[^\x20-\x7e]/g, '_');
  const encoded = encodeURIComponent(safe).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
