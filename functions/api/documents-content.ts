import { appendAudit } from '../adapters/audit.ts';
import { getDocument } from '../adapters/documents-repo.ts';
import { queryGrants } from '../adapters/loans-repo.ts';
import { presignContent } from '../adapters/storage.ts';
import { now } from '../core/clock.ts';
import { assertContentAvailable, canReadContent } from '../core/documents.ts';
import { Forbidden, NotFound } from '../core/errors.ts';
import { archivedFileName } from '../core/file-names.ts';
import { activeGrant } from '../core/loans.ts';
import { hasAnyRole } from '../core/roles.ts';
import { getScheme } from '../core/scheme.ts';
import { previewHeaders } from '../core/submission-scans.ts';
import { apiHandler } from '../http/api.ts';

/**
 * `GET /documents/{documentId}/content`: a short-lived GET URL of the archived original (the
 * exact version locked at archiving), for archivists and for a borrower whose loan of the
 * document is ACTIVE and not yet due (one Query of the caller's grants for the document). A
 * borrower's URL never outlives the loan. Every URL issued is in the audit trail, with the loan,
 * its purpose and the borrower, before it is returned.
 */
export const handler = apiHandler('documents-content', async ({ actor, path, requestId }) => {
  const id = path.documentId ?? '';
  const doc = await getDocument(id);
  if (!doc) throw new NotFound('document', id);
  const time = now();
  const loan =
    hasAnyRole(actor, ['archivist']) || actor.roles.includes('sysadmin')
      ? undefined
      : activeGrant(await queryGrants(id, actor.sub), actor, time);
  if (!canReadContent(actor, doc, loan, time)) {
    throw new Forbidden(
      `you may not read the content of document ${id}: it is not on an active loan of yours`,
    );
  }
  assertContentAvailable(doc);
  if (!doc.archiveKey || !doc.archiveVersionId)
    throw new Error(`archived document ${id} has no archive object`);

  const scheme = getScheme(doc.schemeId);
  const untilDue = loan
    ? Math.floor((Date.parse(loan.dueAt) - time.getTime()) / 1000)
    : Number.POSITIVE_INFINITY;
  // Served as the type its bytes are, inline when a browser shows it, under a name made of its
  // archive code (never the name the clerk typed).
  const headers = previewHeaders({
    ...doc,
    fileName: archivedFileName(doc.archiveCode ?? id, doc.sniffedType ?? 'application/octet-stream'),
  });
  const link = await presignContent({
    key: doc.archiveKey,
    versionId: doc.archiveVersionId,
    contentType: headers.contentType,
    disposition: headers.disposition,
    expiresIn: Math.max(1, Math.min(scheme.limits.contentUrlSeconds, untilDue)),
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
});
