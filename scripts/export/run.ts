import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { bagNameOf, bagSource, type CustomerRef } from '../../functions/core/bag-contents.ts';
import type { ApiClient } from '../shared/api-client.ts';
import type { Selection } from './args.ts';
import { ExportFailure, Interrupted } from './errors.ts';
import { JOURNAL_NAME, Journal, type StartEntry } from './journal.ts';
import { type BagContext, writeCustomer, writeDocument } from './records.ts';
import { isSealed, seal, verifyBag } from './seal.ts';
import { checkCategory, customersOfYear, findCustomer, getScheme, selectedDocuments } from './selection.ts';

/**
 * One export, from the selection to a sealed and verified bag: customer by customer, document by
 * document, each step journalled once its files are written, each part of a customer's documents
 * recorded in the audit trail (`POST /exports`) before the bag is sealed. Run again, it skips what
 * the journal says is done, and a sealed bag is only verified.
 */

/** Documents per `POST /exports` (the route takes at most 500). */
export const PART_SIZE = 500;

export interface RunOptions {
  out: string;
  selection: Selection;
  api: ApiClient;
  /** Stops the export between two documents (Ctrl-C); it resumes when run again. */
  signal?: AbortSignal;
  /** Told of each document done, fetched or found in the bag already. */
  onDocument?: (done: { archiveCode: string; fetched: boolean }) => void;
  now?: () => Date;
}

export interface RunResult {
  bagDir: string;
  outcome: 'sealed' | 'already-complete';
  customers: number;
  documents: number;
  /** Originals fetched by this run (the rest were in the bag already). */
  fetched: number;
  payloadBytes: number;
  payloadFiles: number;
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex');

/** Only archivists export; a token that says which roles it carries is told so before anything is read. */
function assertArchivist(api: ApiClient): void {
  if (api.groups === undefined || api.groups.includes('archivist')) return;
  throw new ExportFailure(
    `只有档案员可以导出；${api.username} 的角色为 ${api.groups.join(', ') || '（无）'}`,
    `only archivists may export; ${api.username} has the roles ${api.groups.join(', ') || '(none)'}`,
  );
}

export async function runExport(options: RunOptions): Promise<RunResult> {
  const { api, selection } = options;
  const now = options.now ?? (() => new Date());
  assertArchivist(api);
  const bag = bagNameOf(selection, digest);
  const bagDir = resolve(options.out, bag);

  const journalExists = (await readdir(bagDir).catch(() => [] as string[])).includes(JOURNAL_NAME);
  if (!journalExists && (await isSealed(bagDir))) {
    return { bagDir, outcome: 'already-complete', fetched: 0, ...(await verifyBag(bagDir)) };
  }
  const existing = await readdir(bagDir).catch(() => undefined);
  if (!journalExists && existing !== undefined && existing.length > 0) {
    throw new ExportFailure(
      `${bagDir} 已存在，但既不是完整的包也不是未完成的导出；请移走它`,
      `${bagDir} exists but is neither a complete bag nor an export in progress; move it away`,
    );
  }

  const scheme = await getScheme(api);
  checkCategory(scheme, selection.category);
  const customers: CustomerRef[] = [];
  for (const no of selection.customers) customers.push(await findCustomer(api, no));
  if (selection.customers.length === 0 && selection.year !== undefined) {
    customers.push(...(await customersOfYear(api, scheme, { ...selection, year: selection.year })));
  }

  // Only now, with the selection checked, is anything written.
  await mkdir(bagDir, { recursive: true });
  const journal = await Journal.open(bagDir);
  const start: StartEntry = journal.state.start ?? {
    t: 'start',
    exportId: randomUUID(),
    startedAt: now().toISOString(),
    bag,
    selection,
    exportedBy: api.username,
    source: bagSource(scheme),
  };
  if (!journal.state.start) await journal.append(start);
  const ctx: BagContext = { api, bagDir, scheme, startedAt: start.startedAt };

  const recordPart = async (customer: CustomerRef) => {
    const documents = journal.state.pending.get(customer.customerId) ?? [];
    const part = (journal.state.parts.get(customer.customerId) ?? 0) + 1;
    await api.post('/exports', {
      exportId: start.exportId,
      bag,
      customerId: customer.customerId,
      part,
      selection: start.selection,
      documents,
    });
    await journal.append({ t: 'part', customerId: customer.customerId, part, documents: documents.length });
  };

  let fetched = 0;
  for (const customer of customers) {
    if (!journal.state.customersDone.has(customer.customerId)) {
      const files = await writeCustomer(ctx, customer);
      await journal.append({
        t: 'customer',
        customerId: customer.customerId,
        customerNo: customer.customerNo,
        files,
      });
    }
    for await (const doc of selectedDocuments(api, scheme, selection, customer.customerId)) {
      if (journal.state.documentsDone.has(doc.documentId)) continue;
      if (options.signal?.aborted) throw new Interrupted(bagDir);
      const written = await writeDocument(ctx, customer, doc);
      await journal.append(written.entry);
      if (written.fetched) fetched++;
      options.onDocument?.({ archiveCode: written.entry.archiveCode, fetched: written.fetched });
      if ((journal.state.pending.get(customer.customerId)?.length ?? 0) >= PART_SIZE)
        await recordPart(customer);
    }
    // Every customer in the bag is on record, the profile alone if no document was selected.
    const pending = journal.state.pending.get(customer.customerId)?.length ?? 0;
    if (pending > 0 || !journal.state.parts.has(customer.customerId)) await recordPart(customer);
  }

  if (options.signal?.aborted) throw new Interrupted(bagDir);
  const at = journal.state.sealingAt ?? now().toISOString();
  if (!journal.state.sealingAt) await journal.append({ t: 'sealing', at });
  const sealed = await seal(bagDir, journal, start, at);
  await verifyBag(bagDir);
  await journal.remove();
  return {
    bagDir,
    outcome: 'sealed',
    customers: sealed.customers,
    documents: sealed.documents,
    fetched,
    payloadBytes: sealed.payloadBytes,
    payloadFiles: sealed.payloadFiles,
  };
}
