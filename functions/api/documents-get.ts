import { listHolds } from '../adapters/holds-repo.ts';
import type { Hold } from '../core/disposal.ts';
import { documentView } from '../core/documents.ts';
import { hasAnyRole } from '../core/roles.ts';
import { getScheme } from '../core/scheme.ts';
import { apiHandler } from '../http/api.ts';
import { auditNamesShown } from '../services/sensitive-reads.ts';

/** A hold as the archivist sees it: who placed and released it, when and why. */
const holdView = ({ placedBySub: _placed, releasedBySub: _released, ...hold }: Hold) => hold;

/**
 * `GET /documents/{documentId}`: metadata only; storage locations stay inside. The document is
 * the one the `customer-region` rule read (or, for a caller who serves every region, read here
 * once). Archivists, who place and release holds, also get the document's holds (active and
 * released), newest first: one Query of the document's partition.
 */
export const handler = apiHandler(
  'documents-get',
  'GET /documents/{documentId}',
  async function handleDocumentsGet({ actor, path, records, requestId }) {
    const doc = await records.document();
    const view = documentView(doc, getScheme(doc.schemeId), actor);
    await auditNamesShown(actor, doc, view, { requestId });
    if (!hasAnyRole(actor, ['archivist'])) return { status: 200, body: view };
    const holds = (await listHolds(path.documentId ?? '')).sort((a, b) =>
      b.placedAt.localeCompare(a.placedAt),
    );
    return { status: 200, body: { ...view, holds: holds.map(holdView) } };
  },
);
