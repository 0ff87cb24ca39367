import { auditClearRead } from '../adapters/audit.ts';
import { getArchiveCodeOwner, getDocument, queryCustomerDocuments } from '../adapters/documents-repo.ts';
import {
  type DocumentRecord,
  type DocumentView,
  documentQuerySchema,
  documentView,
  matchesQuery,
  revealsSensitiveNames,
  SENSITIVE_NAME_FIELDS,
} from '../core/documents.ts';
import { getScheme } from '../core/scheme.ts';
import { apiHandler, parseInput } from '../http/api.ts';

/** `GET /documents?customerId=&archiveCode=&docType=&status=`: by archive code, or a customer's documents. */
export const handler = apiHandler(
  'documents-search',
  async function handleDocumentsSearch({ actor, query, requestId }) {
    const q = parseInput(documentQuerySchema, query, 'query');
    const shown = async (docs: readonly DocumentRecord[]) => {
      const views = docs.map((d) => documentView(d, getScheme(d.schemeId), actor));
      // Sensitive names shown in clear to anyone but their clerk are a read to account for.
      const revealed = docs.filter((d, i) => revealsSensitiveNames(d, views[i] as DocumentView, actor));
      const [first] = revealed;
      if (first) {
        await auditClearRead({
          action: 'documents.listed-unmasked',
          actor,
          targetType: 'customer',
          targetId: first.customerId,
          revealed: SENSITIVE_NAME_FIELDS,
          details: { documentIds: revealed.map((d) => d.documentId), requestId },
        });
      }
      return views;
    };
    if (q.archiveCode !== undefined) {
      const documentId = await getArchiveCodeOwner(q.archiveCode);
      const doc = documentId ? await getDocument(documentId) : undefined;
      return { status: 200, body: { items: doc && matchesQuery(doc, q) ? await shown([doc]) : [] } };
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
        items: await shown(page.items),
        ...(page.nextToken ? { nextToken: page.nextToken } : {}),
      },
    };
  },
);
