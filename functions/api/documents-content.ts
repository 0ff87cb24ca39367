import { appendAudit } from '../adapters/audit.ts';
import { presignContent } from '../adapters/presign.ts';
import { archivedOriginal, assertContentAvailable } from '../core/documents.ts';
import { archivedFileName } from '../core/file-names.ts';
import { contentUrlSeconds } from '../core/loans.ts';
import { getScheme } from '../core/scheme.ts';
import { previewHeaders } from '../core/submission-scans.ts';
import { apiHandler } from '../http/api.ts';

/**
 * `GET /documents/{documentId}/content`: a short-lived GET URL of the archived original (the
 * exact version locked at archiving), for archivists and for a borrower whose loan of the
 * document is ACTIVE and not yet due: the `content-reader` rule decides, with one Query of the
 * caller's grants for the document, and hands over the document and the loan. A borrower's URL
 * never outlives the loan. Every URL issued is in the audit trail, with the loan, its purpose and
 * the borrower, before it is returned. A borrower's URL lives at most a minute, so a returned
 * loan's URLs stop within that (core/loans.ts).
 */
export const handler = apiHandler(
  'documents-content',
  'GET /documents/{documentId}/content',
  async function handleDocumentsContent({ actor, path, requestId, records }) {
    const id = path.documentId ?? '';
    const doc = await records.document();
    const { grant: loan, decidedAt: time } = records;
    assertContentAvailable(doc);
    const original = archivedOriginal(doc);
    if (!original) throw new Error(`archived document ${id} has no archive object`);

    const scheme = getScheme(doc.schemeId);
    // Served as the type its bytes are, inline when a browser shows it, under a name made of its
    // archive code (never the name the clerk typed).
    const headers = previewHeaders({
      ...doc,
      fileName: archivedFileName(doc.archiveCode ?? id, doc.sniffedType ?? 'application/octet-stream'),
    });
    const link = await presignContent({
      key: original.key,
      versionId: original.versionId,
      contentType: headers.contentType,
      disposition: headers.disposition,
      expiresIn: contentUrlSeconds(scheme.limits.contentUrlSeconds, loan, time),
      now: time,
    });
    await appendAudit({
      action: 'document.content-url',
      actor,
      targetType: 'document',
      targetId: id,
      at: time.toISOString(),
      details: {
        archiveCode: doc.archiveCode,
        expiresAt: link.expiresAt,
        requestId,
        ...(loan
          ? { loanId: loan.loanId, purpose: loan.purpose, borrower: actor.username, loanDueAt: loan.dueAt }
          : {}),
      },
    });
    return { status: 200, body: { ...link, contentType: headers.contentType } };
  },
);
