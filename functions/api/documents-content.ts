import { appendAudit } from '../adapters/audit.ts';
import { getDocument } from '../adapters/records-repo.ts';
import { presignContent } from '../adapters/storage.ts';
import { now } from '../core/clock.ts';
import { assertContentAvailable, canReadContent } from '../core/documents.ts';
import { Forbidden, NotFound } from '../core/errors.ts';
import { getScheme } from '../core/scheme.ts';
import { apiHandler } from '../http/api.ts';

/**
 * `GET /documents/{documentId}/content`: a short-lived GET URL of the archived original (the
 * exact version locked at archiving). Every URL issued is in the audit trail before it is returned.
 */
export const handler = apiHandler('documents-content', async ({ actor, path, requestId }) => {
  const id = path.documentId ?? '';
  const doc = await getDocument(id);
  if (!doc) throw new NotFound('document', id);
  // Loans are not wired yet: no active loan is looked up, so only archivists pass.
  if (!canReadContent(actor, doc)) throw new Forbidden(`you may not read the content of document ${id}`);
  assertContentAvailable(doc);
  if (!doc.archiveKey || !doc.archiveVersionId)
    throw new Error(`archived document ${id} has no archive object`);

  const scheme = getScheme(doc.schemeId);
  const time = now();
  const link = await presignContent({
    key: doc.archiveKey,
    versionId: doc.archiveVersionId,
    expiresIn: scheme.limits.contentUrlSeconds,
    now: time,
  });
  await appendAudit({
    action: 'document.content-url',
    actor,
    targetType: 'document',
    targetId: id,
    at: time.toISOString(),
    details: { archiveCode: doc.archiveCode, expiresAt: link.expiresAt, requestId },
  });
  return { status: 200, body: link };
});
