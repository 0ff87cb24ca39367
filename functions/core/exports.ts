import * as z from 'zod/mini';
import type { DocumentRecord } from './documents.ts';
import { isSha256Hex } from './documents.ts';
import { Conflict, NotFound } from './errors.ts';
import { lazySchema } from './lazy-schema.ts';
import { ID_RULE, isRequestId } from './request-ids.ts';

/**
 * Exports for handover (移交): an archivist's client writes a BagIt bag of a selection through the
 * API (scripts/export.ts) and records here what each part of it held. One audit event
 * (`export.created`) per customer and part, each naming at most MAX_EXPORT_PART_DOCUMENTS
 * documents, so an export of any size is on record in events that fit an audit item.
 */

/**
 * Documents one event names at most. An entry (id, archive code, SHA-256 and their names) takes
 * about 170 bytes, so a full part stays near 90 KB: well inside DynamoDB's 400 KB item and the
 * API's 256 KB request body, with room for the selection.
 */
export const MAX_EXPORT_PART_DOCUMENTS = 500;
/** Customer numbers a selection names at most (recorded with every part). */
export const MAX_EXPORT_CUSTOMERS = 1000;

const id = () => z.string().check(z.refine(isRequestId, `must be ${ID_RULE}`));

export const exportRecordSchema = lazySchema(() =>
  z.strictObject({
    /** Chosen by the client when the bag is begun; every part of the bag carries it. */
    exportId: id(),
    /** The bag's directory name. */
    bag: z
      .string()
      .check(
        z.regex(
          /^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$/,
          'must be 1 to 200 letters, digits, ".", "_", "+" or "-"',
        ),
      ),
    customerId: id(),
    part: z.number().check(z.int(), z.minimum(1), z.maximum(100_000)),
    selection: z
      .strictObject({
        customers: z
          .array(z.string().check(z.regex(/^[A-Z0-9][A-Z0-9-]{3,31}$/, 'must be a customer number')))
          .check(z.maxLength(MAX_EXPORT_CUSTOMERS)),
        year: z.optional(z.number().check(z.int(), z.minimum(1900), z.maximum(9999))),
        category: z.optional(
          z.string().check(z.regex(/^[A-Z0-9]{1,16}$/, 'must be 1 to 16 upper-case letters or digits')),
        ),
      })
      .check(
        z.refine((s) => s.customers.length > 0 || s.year !== undefined, {
          message: 'names no customer and no year',
          path: ['customers'],
        }),
      ),
    documents: z
      .array(
        z.strictObject({
          documentId: id(),
          archiveCode: z.string().check(z.minLength(1), z.maxLength(100)),
          sha256: z.string().check(z.refine(isSha256Hex, 'must be a SHA-256 in lower-case hex')),
        }),
      )
      .check(
        z.maxLength(
          MAX_EXPORT_PART_DOCUMENTS,
          `must name at most ${MAX_EXPORT_PART_DOCUMENTS} documents per part`,
        ),
        z.refine(
          (docs) => new Set(docs.map((d) => d.documentId)).size === docs.length,
          'names a document twice',
        ),
      ),
  }),
);

export type ExportRecord = z.infer<typeof exportRecordSchema>;

/**
 * The part's documents as recorded, in the order listed. A document that does not exist, or is
 * not the named customer's, answers as unknown (404: a caller limited to regions must not learn of
 * documents outside them); one that is not archived, or whose archive code or SHA-256 is not the
 * one recorded at archiving, is a 409 naming it: the trail records only what the archive holds.
 */
export function exportedDocuments(
  input: Pick<ExportRecord, 'customerId' | 'documents'>,
  found: readonly DocumentRecord[],
): DocumentRecord[] {
  const byId = new Map(found.map((d) => [d.documentId, d]));
  return input.documents.map((listed) => {
    const doc = byId.get(listed.documentId);
    if (!doc || doc.customerId !== input.customerId) throw new NotFound('document', listed.documentId);
    if (doc.status !== 'ARCHIVED') {
      throw new Conflict(
        `document ${listed.documentId} is ${doc.status}; only archived documents are exported`,
      );
    }
    if (doc.archiveCode !== listed.archiveCode) {
      throw new Conflict(
        `document ${listed.documentId} has archive code ${doc.archiveCode ?? '(none)'}, not ${listed.archiveCode}`,
      );
    }
    if (doc.sha256 !== listed.sha256) {
      throw new Conflict(
        `document ${listed.documentId} (${listed.archiveCode}): SHA-256 ${listed.sha256} is not the one recorded at intake`,
      );
    }
    return doc;
  });
}

/** What the audit event of a part says beside its actor and target. */
export function exportEventDetails(
  input: ExportRecord,
  customerNo: string,
  docs: readonly DocumentRecord[],
  requestId: string,
) {
  return {
    exportId: input.exportId,
    bag: input.bag,
    part: input.part,
    selection: input.selection,
    customerNo,
    documentCount: docs.length,
    bytes: docs.reduce((sum, d) => sum + (d.receivedSize ?? d.size), 0),
    documents: input.documents,
    requestId,
  };
}
