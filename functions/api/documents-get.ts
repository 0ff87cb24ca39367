import { getDocument } from '../adapters/documents-repo.ts';
import { listHolds } from '../adapters/holds-repo.ts';
import type { Hold } from '../core/disposal.ts';
import { documentView } from '../core/documents.ts';
import { NotFound } from '../core/errors.ts';
import { hasAnyRole } from '../core/roles.ts';
import { getScheme } from '../core/scheme.ts';
import { apiHandler } from '../http/api.ts';

/** A hold as the archivist sees it: who placed and released it, when and why. */
const holdView = ({ placedBySub: _placed, releasedBySub: _released, ...hold }: Hold) => hold;

/**
 * `GET /documents/{documentId}`: metadata only; storage locations stay inside. Archivists, who
 * place and release holds, also get the document's holds (active and released), newest first:
 * one Query of the document's partition.
 */
export const handler = apiHandler('documents-get', async ({ actor, path }) => {
  const id = path.documentId ?? '';
  const doc = await getDocument(id);
  if (!doc) throw new NotFound('document', id);
  const view = documentView(doc, getScheme(doc.schemeId), actor);
  if (!hasAnyRole(actor, ['archivist'])) return { status: 200, body: view };
  const holds = (await listHolds(id)).sort((a, b) => b.placedAt.localeCompare(a.placedAt));
  return { status: 200, body: { ...view, holds: holds.map(holdView) } };
});
