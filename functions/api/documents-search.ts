import { getArchiveCodeOwner, getDocument, queryCustomerDocuments } from '../adapters/documents-repo.ts';
import { documentQuerySchema, documentView, matchesQuery } from '../core/documents.ts';
import { getScheme } from '../core/scheme.ts';
import { apiHandler, parseInput } from '../http/api.ts';

/** `GET /documents?customerId=&archiveCode=&docType=&status=`: by archive code, or a customer's documents. */
export const handler = apiHandler('documents-search', async function handleDocumentsSearch({ actor, query }) {
  const q = parseInput(documentQuerySchema, query);
  if (q.archiveCode !== undefined) {
    const documentId = await getArchiveCodeOwner(q.archiveCode);
    const doc = documentId ? await getDocument(documentId) : undefined;
    const items = doc && matchesQuery(doc, q) ? [documentView(doc, getScheme(doc.schemeId), actor)] : [];
    return { status: 200, body: { items } };
  }
  const page = await queryCustomerDocuments(
    q.customerId as string,
    { ...(q.docType ? { docType: q.docType } : {}), ...(q.status ? { status: q.status } : {}) },
    q.limit ?? 100,
    q.nextToken,
  );
  return {
    status: 200,
    body: {
      items: page.items.map((d) => documentView(d, getScheme(d.schemeId), actor)),
      ...(page.nextToken ? { nextToken: page.nextToken } : {}),
    },
  };
});
