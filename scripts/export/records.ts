import { join } from 'node:path';
import type { CustomerVersionView, DocumentVersionView, DocumentView } from '../../functions/contract.ts';
import { parseArchiveCode } from '../../functions/core/archive-code.ts';
import { archivedFileName } from '../../functions/core/file-names.ts';
import type { ApiClient } from '../shared/api-client.ts';
import { eepXml } from './dat48.ts';
import { hashIfPresent, saveVerified, writeWhole } from './files.ts';
import type { DocEntry, FileEntry } from './journal.ts';
import type { CustomerRef, SchemeInfo } from './selection.ts';

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

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

async function write(ctx: BagContext, path: string, text: string): Promise<FileEntry> {
  return { path, ...(await writeWhole(join(ctx.bagDir, path), text)) };
}

/** `data/<customerNo>/customer.json`: the profile (values in clear, as an archivist reads them) and every version. */
export async function writeCustomer(ctx: BagContext, customer: CustomerRef): Promise<FileEntry[]> {
  const id = encodeURIComponent(customer.customerId);
  const profile = await ctx.api.get<Record<string, unknown>>(`/customers/${id}`);
  const history = await ctx.api.get<{ items: CustomerVersionView[] }>(`/customers/${id}/history`);
  return [
    await write(ctx, `data/${customer.customerNo}/customer.json`, json({ profile, history: history.items })),
  ];
}

export interface DocumentWritten {
  entry: DocEntry;
  /** False when the original was in the bag already, verified, and not fetched again. */
  fetched: boolean;
}

/**
 * Writes one document's files. The original is fetched through its content URL only when the bag
 * does not hold it already with the recorded SHA-256 and length; a fetched copy that differs
 * fails the export (files.ts).
 */
export async function writeDocument(
  ctx: BagContext,
  customer: CustomerRef,
  doc: DocumentView,
): Promise<DocumentWritten> {
  const code = doc.archiveCode ?? doc.documentId;
  const type = doc.sniffedType ?? doc.contentType;
  const fileName = archivedFileName(code, type);
  const dir = `data/${customer.customerNo}/${fileName.slice(0, fileName.lastIndexOf('.'))}`;
  const original = `${dir}/${fileName}`;
  const expected = { sha256: doc.sha256, bytes: doc.receivedSize ?? doc.size };
  const id = encodeURIComponent(doc.documentId);

  const present = await hashIfPresent(join(ctx.bagDir, original));
  const fetched = present?.sha256 !== expected.sha256 || present.bytes !== expected.bytes;
  if (fetched) {
    const link = await ctx.api.get<{ url: string }>(`/documents/${id}/content`);
    await saveVerified(await ctx.api.download(link.url), join(ctx.bagDir, original), expected, code);
  }
  const history = await ctx.api.get<{ items: DocumentVersionView[] }>(`/documents/${id}/history`);
  const docTypeName = ctx.scheme.documentTypes.find((t) => t.code === doc.docType)?.name.zh;
  const event = ctx.scheme.businessEvents.find((e) => e.code === doc.businessEvent);
  const parts = parseArchiveCode(ctx.scheme.codeTemplate, code);
  const xml = eepXml({
    createdAt: ctx.startedAt,
    creator: `全宗 ${ctx.scheme.fonds} · Dangan`,
    document: {
      documentId: doc.documentId,
      archiveCode: code,
      title: doc.title,
      docType: doc.docType,
      businessEvent: doc.businessEvent,
      contentType: type,
      sensitive: doc.sensitive,
      ...(docTypeName === undefined ? {} : { docTypeName }),
      ...(event === undefined ? {} : { businessEventName: event.name.zh }),
      ...(doc.archivedAt === undefined ? {} : { archivedAt: doc.archivedAt }),
      ...(doc.retentionCode === undefined ? {} : { retentionCode: doc.retentionCode }),
      ...(doc.location === undefined ? {} : { location: doc.location }),
    },
    ...(parts === undefined ? {} : { code: parts }),
    customer: { customerNo: customer.customerNo, name: customer.name },
    original: { fileName, ...expected },
    history: history.items,
  });
  const files: FileEntry[] = [
    { path: original, ...expected },
    await write(
      ctx,
      `${dir}/metadata.json`,
      json({ document: doc, customer, original: { path: original, contentType: type, ...expected } }),
    ),
    await write(ctx, `${dir}/metadata.xml`, xml),
    await write(ctx, `${dir}/history.json`, json(history)),
  ];
  return {
    fetched,
    entry: {
      t: 'doc',
      documentId: doc.documentId,
      customerId: customer.customerId,
      customerNo: customer.customerNo,
      archiveCode: code,
      title: doc.title,
      docType: docTypeName ?? doc.docType,
      date: (doc.archivedAt ?? '').slice(0, 10),
      retentionCode: doc.retentionCode ?? '',
      ...expected,
      original,
      files,
    },
  };
}
