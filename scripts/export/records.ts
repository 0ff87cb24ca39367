import { join } from 'node:path';
import type { CustomerVersionView, DocumentVersionView, DocumentView } from '../../functions/contract.ts';
import {
  type CustomerRef,
  customerFile,
  documentFiles,
  type SchemeInfo,
} from '../../functions/core/bag-contents.ts';
import type { ApiClient } from '../shared/api-client.ts';
import { hashIfPresent, saveVerified, writeWhole } from './files.ts';
import type { DocEntry, FileEntry } from './journal.ts';

/**
 * The payload of one customer and of one document, read through the API and written under
 * `data/<customerNo>/`: the customer's profile with its history, and per document (in a directory
 * named after its archive code) the original, its metadata as JSON and as DA/T 48 XML, and its
 * history.
 */

export interface BagContext {
  api: ApiClient;
  bagDir: string;
  scheme: SchemeInfo;
  /** When the bag was begun: the packages' creation time, the same on every resumed run. */
  startedAt: string;
}

async function write(ctx: BagContext, path: string, text: string): Promise<FileEntry> {
  return { path, ...(await writeWhole(join(ctx.bagDir, path), text)) };
}

/** `data/<customerNo>/customer.json`: the profile (values in clear, as an archivist reads them) and every version. */
export async function writeCustomer(ctx: BagContext, customer: CustomerRef): Promise<FileEntry[]> {
  const id = encodeURIComponent(customer.customerId);
  const profile = await ctx.api.get<Record<string, unknown>>(`/customers/${id}`);
  const history = await ctx.api.get<{ items: CustomerVersionView[] }>(`/customers/${id}/history`);
  const file = customerFile(customer.customerNo, profile, history.items);
  return [await write(ctx, file.path, file.text)];
}

export interface DocumentWritten {
  entry: DocEntry;
  /** False when the original was in the bag already, verified, and not fetched again. */
  fetched: boolean;
}

/**
 * Writes one document's files (functions/core/bag-contents.ts says what they hold). The original
 * is fetched through its content URL only when the bag does not hold it already with the recorded
 * SHA-256 and length; a fetched copy that differs fails the export (files.ts).
 */
export async function writeDocument(
  ctx: BagContext,
  customer: CustomerRef,
  doc: DocumentView,
): Promise<DocumentWritten> {
  const id = encodeURIComponent(doc.documentId);
  const history = await ctx.api.get<{ documentId: string; status: string; items: DocumentVersionView[] }>(
    `/documents/${id}/history`,
  );
  const { place, files, row } = documentFiles({
    scheme: ctx.scheme,
    startedAt: ctx.startedAt,
    customer,
    doc,
    history,
  });
  const present = await hashIfPresent(join(ctx.bagDir, place.path));
  const fetched = present?.sha256 !== place.expected.sha256 || present.bytes !== place.expected.bytes;
  if (fetched) {
    const link = await ctx.api.get<{ url: string }>(`/documents/${id}/content`);
    await saveVerified(
      await ctx.api.download(link.url),
      join(ctx.bagDir, place.path),
      place.expected,
      place.code,
    );
  }
  const written: FileEntry[] = [{ path: place.path, ...place.expected }];
  for (const f of files) written.push(await write(ctx, f.path, f.text));
  const { file: _file, ...listed } = row;
  return {
    fetched,
    entry: {
      t: 'doc',
      documentId: doc.documentId,
      customerId: customer.customerId,
      ...listed,
      original: place.path,
      files: written,
    },
  };
}
