import { listDocumentVersions } from '../adapters/document-versions.ts';
import { getDocument } from '../adapters/documents-repo.ts';
import { documentVersionView } from '../core/document-history.ts';
import { documentView } from '../core/documents.ts';
import { NotFound } from '../core/errors.ts';
import { getScheme } from '../core/scheme.ts';
import { apiHandler } from '../http/api.ts';

/**
 * `GET /documents/{documentId}/history` (archivist, auditor): every version of a document, oldest
 * first: status changes (PENDING_UPLOAD → UPLOADED → ARCHIVED → DISPOSED) and metadata changes,
 * who and when. Versions come from the records table's stream, so the newest may follow the
 * change by a moment.
 */
export const handler = apiHandler(
  'documents-history',
  async function handleDocumentsHistory({ actor, path }) {
    const id = path.documentId ?? '';
    const doc = await getDocument(id);
    if (!doc) throw new NotFound('document', id);
    // Titles and file names are masked here exactly when the document's own view masks them.
    const masked = documentView(doc, getScheme(doc.schemeId), actor).masked;
    const hide = (values: Record<string, unknown>) => {
      const out = { ...values };
      for (const f of ['title', 'fileName']) {
        if (typeof out[f] === 'string') out[f] = `${Array.from(out[f] as string)[0] ?? ''}***`;
      }
      return out;
    };
    const items = (await listDocumentVersions(id)).map((v) => {
      const view = documentVersionView(v);
      return masked ? { ...view, before: hide(view.before), after: hide(view.after) } : view;
    });
    return { status: 200, body: { documentId: id, status: doc.status, items } };
  },
);
