import { listDocumentVersions } from '../adapters/document-versions.ts';
import { getDocument } from '../adapters/documents-repo.ts';
import { documentHistoryItems } from '../core/document-history.ts';
import { documentView } from '../core/documents.ts';
import { NotFound } from '../core/errors.ts';
import { exportRecordSchema } from '../core/exports.ts';
import { getScheme } from '../core/scheme.ts';
import { type ApiRequest, type ApiResponse, apiHandler, parseRequiredBody } from '../http/api.ts';
import { recordExportPart } from '../services/export-record.ts';

/** The history of a document, and the record of an export (`POST /exports`, below). */
export const handler = apiHandler('documents-history', async function handleDocumentsHistory(req) {
  return req.routeKey === 'POST /exports' ? recordExport(req) : documentHistory(req);
});

/**
 * `GET /documents/{documentId}/history` (archivist, auditor): every version of a document, oldest
 * first: status changes (PENDING_UPLOAD → UPLOADED → ARCHIVED → DISPOSED) and metadata changes,
 * who and when. Versions come from the records table's stream, so the newest may follow the
 * change by a moment.
 */
async function documentHistory({ actor, path }: ApiRequest): Promise<ApiResponse> {
  const id = path.documentId ?? '';
  const doc = await getDocument(id);
  if (!doc) throw new NotFound('document', id);
  // Titles and file names are masked here exactly when the document's own view masks them.
  const masked = documentView(doc, getScheme(doc.schemeId), actor).masked;
  const items = documentHistoryItems(await listDocumentVersions(id), masked);
  return { status: 200, body: { documentId: id, status: doc.status, items } };
}

/**
 * `POST /exports` (archivists; record rule customer-region on `customerId`): records what one
 * part of an export held, checked against the archive (services/export-record.ts). Served here,
 * beside the history an export reads, because this function's role already reads the records and
 * appends to the trail, which is all the route needs: no function (and no role) of its own.
 */
async function recordExport({ actor, body, requestId }: ApiRequest): Promise<ApiResponse> {
  const input = parseRequiredBody(
    exportRecordSchema,
    body,
    '{exportId, bag, customerId, part, selection: {customers, year?, category?}, documents: [{documentId, archiveCode, sha256}]}',
  );
  return { status: 201, body: await recordExportPart(actor, input, requestId) };
}
