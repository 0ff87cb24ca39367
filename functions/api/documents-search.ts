import { auditClearRead } from '../adapters/audit.ts';
import { documentsOfYear } from '../adapters/documents-by-year.ts';
import { getArchiveCodeOwner, getDocument, queryCustomerDocuments } from '../adapters/documents-repo.ts';
import { schemeId } from '../adapters/env.ts';
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

/**
 * `GET /documents?customerId=&archiveCode=&year=&classCode=&docType=&status=`: by archive code, a
 * customer's documents, or the whole archive by archive year (and class).
 */
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
    const filters = {
      ...(q.docType ? { docType: q.docType } : {}),
      ...(q.status ? { status: q.status } : {}),
    };
    if (q.customerId === undefined && q.year !== undefined) {
      // The whole archive by year (a caller limited to regions was refused by the route's rule).
      const page = await documentsOfYear(
        getScheme(schemeId()),
        { year: q.year, ...(q.classCode ? { classCode: q.classCode } : {}), ...filters },
        q.limit ?? 100,
        q.nextToken,
      );
      return {
        status: 200,
        body: { items: await shown(page.items), ...(page.nextToken ? { nextToken: page.nextToken } : {}) },
      };
    }
    const page = await queryCustomerDocuments(q.customerId as string, filters, q.limit ?? 100, q.nextToken);
    return {
      status: 200,
      body: {
        items: await shown(page.items),
        ...(page.nextToken ? { nextToken: page.nextToken } : {}),
      },
    };
  },
);
