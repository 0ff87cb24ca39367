import { getDocument } from '../adapters/records-repo.ts';
import { documentView } from '../core/documents.ts';
import { NotFound } from '../core/errors.ts';
import { getScheme } from '../core/scheme.ts';
import { apiHandler } from '../http/api.ts';

/** `GET /documents/{documentId}`: metadata only; storage locations stay inside. */
export const handler = apiHandler('documents-get', async ({ actor, path }) => {
  const id = path.documentId ?? '';
  const doc = await getDocument(id);
  if (!doc) throw new NotFound('document', id);
  return { status: 200, body: documentView(doc, getScheme(doc.schemeId), actor) };
});
