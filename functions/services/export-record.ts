import { appendAudit } from '../adapters/audit.ts';
import { getCustomer } from '../adapters/customers-repo.ts';
import { getDocuments } from '../adapters/documents-repo.ts';
import { now } from '../core/clock.ts';
import { NotFound } from '../core/errors.ts';
import { type ExportRecord, exportEventDetails, exportedDocuments } from '../core/exports.ts';
import type { Actor } from '../core/roles.ts';

/**
 * Records one part of an export (`POST /exports`): the customer and the documents it names are
 * read (one GetItem, one BatchGetItem), checked against what was archived (core/exports.ts) and
 * appended to the audit trail as `export.created` under the customer, so "who took this
 * customer's files, and which" is one query of the trail. Nothing else is written.
 */
export async function recordExportPart(actor: Actor, input: ExportRecord, requestId: string) {
  // The region rule reads the customer only for callers limited to regions, and hands nothing on.
  const customer = await getCustomer(input.customerId);
  if (!customer) throw new NotFound('customer', input.customerId);
  const found =
    input.documents.length === 0 ? [] : await getDocuments(input.documents.map((d) => d.documentId));
  const docs = exportedDocuments(input, found);
  const at = now().toISOString();
  const details = exportEventDetails(input, customer.customerNo, docs, requestId);
  await appendAudit({
    action: 'export.created',
    actor,
    targetType: 'customer',
    targetId: input.customerId,
    at,
    details,
  });
  return {
    exportId: input.exportId,
    customerId: input.customerId,
    part: input.part,
    documentCount: details.documentCount,
    bytes: details.bytes,
    recordedAt: at,
  };
}
