import { documentsOfYear } from '../adapters/documents-by-year.ts';
import { customerDocuments } from '../adapters/documents-repo.ts';
import { classCodeOf, inSelection, type Selection } from '../core/bag-contents.ts';
import type { DocumentRecord } from '../core/documents.ts';
import type { HandoverPlan } from '../core/handovers.ts';
import type { Scheme } from '../core/scheme.ts';

/**
 * What a handover selection holds, read as the export command reads it through the API: each
 * customer's archived documents newest first (100 a page), narrowed to the year and class by the
 * archive code (core/bag-contents.ts `inSelection`); without customers, those with documents of
 * the year, in archive-code order. Both the request (to count) and the build (to write) read it.
 */

/** A customer's archived documents in the selection, a page at a time. */
export async function* selectedDocuments(
  scheme: Scheme,
  selection: Selection,
  customerId: string,
): AsyncGenerator<DocumentRecord> {
  for await (const page of customerDocuments(customerId, { status: 'ARCHIVED' })) {
    for (const doc of page) if (inSelection(scheme, selection, doc)) yield doc;
  }
}

/**
 * The customers with archived documents of the selection's year (and class), in archive-code
 * order; stops once more than `maxDocuments` documents are seen (`more`).
 */
async function customersOfYear(
  scheme: Scheme,
  selection: Selection & { year: number },
  maxDocuments: number,
): Promise<{ customerIds: string[]; more: boolean }> {
  const classCode = classCodeOf(scheme, selection.category);
  const ids = new Set<string>();
  let seen = 0;
  let token: string | undefined;
  do {
    const page = await documentsOfYear(
      scheme,
      { year: selection.year, status: 'ARCHIVED', ...(classCode === undefined ? {} : { classCode }) },
      100,
      token,
    );
    for (const doc of page.items) {
      if (!inSelection(scheme, selection, doc)) continue;
      ids.add(doc.customerId);
      if (++seen > maxDocuments) return { customerIds: [...ids], more: true };
    }
    token = page.nextToken;
  } while (token !== undefined);
  return { customerIds: [...ids], more: false };
}

/**
 * Counts a selection: its customers (those named, already read and checked by the request's
 * rule, or those of the year), documents and bytes of originals. Stops counting once past
 * `maxDocuments` (`more`): a selection too big is refused without reading all of it.
 */
export async function countSelection(
  scheme: Scheme,
  selection: Selection,
  namedCustomerIds: readonly string[],
  maxDocuments: number,
): Promise<{ plan: HandoverPlan; more: boolean }> {
  let customerIds = [...namedCustomerIds];
  if (customerIds.length === 0 && selection.year !== undefined) {
    const year = await customersOfYear(scheme, { ...selection, year: selection.year }, maxDocuments);
    if (year.more)
      return { plan: { customerIds: year.customerIds, documents: maxDocuments + 1, bytes: 0 }, more: true };
    customerIds = year.customerIds;
  }
  let documents = 0;
  let bytes = 0;
  for (const customerId of customerIds) {
    for await (const doc of selectedDocuments(scheme, selection, customerId)) {
      documents++;
      bytes += doc.receivedSize ?? doc.size;
      if (documents > maxDocuments) return { plan: { customerIds, documents, bytes }, more: true };
    }
  }
  return { plan: { customerIds, documents, bytes }, more: false };
}
