import { join } from 'node:path';
import type { ArchiveLookup } from '../../shared/import/archive-lookup.ts';
import { orderedMap } from '../../shared/import/ordered.ts';
import type { RowOutcome } from '../../shared/import/report.ts';
import type { CheckedRow } from '../../shared/import/row-check.ts';
import type { ApiClient } from '../shared/api-client.ts';
import { ApiError } from '../shared/errors.ts';
import { Journal, journalPathOf } from './journal.ts';
import { collectEveryFewFiles } from './memory.ts';
import { Progress, type ProgressOutput } from './progress.ts';
import { fileSha256, uploadScan } from './upload.ts';

/**
 * The import itself, after every row was checked (check.ts): the catalogue's batch opened (or
 * found again: it is named by the catalogue's SHA-256), customers matched or created, rows
 * registered and their scans uploaded through the presigned URLs the API signs for them, `concurrency`
 * at once, each read again and its SHA-256 compared with the one checked; then the batch closed
 * and its review waited for. A journal (journal.ts) lets a stopped run be re-run to finish;
 * everything it saves is idempotent on the server too.
 */

/** A checked row that may be imported, as spooled by the check, with its scan's digest and size. */
export type ImportItem = Omit<CheckedRow, 'retention'> & { sha256: string; size: number };

interface BatchView {
  importId: string;
  status: 'OPEN' | 'CHECKING' | 'IN_REVIEW' | 'ARCHIVING' | 'DONE';
  rows: number;
  passed: number;
  failed: number;
  archived: number;
  rejected: number;
  reviewTaskId?: string;
  sample?: number[];
}

interface RegisteredRow {
  row: number;
  uploaded: boolean;
  upload?: { url: string; headers: Record<string, string> };
}

export interface ImportRun {
  api: ApiClient;
  lookup: ArchiveLookup;
  catalogue: string;
  scansDir: string;
  concurrency: number;
  /** The checked rows, read again from the spool each time they are needed. */
  items: () => AsyncIterable<ImportItem>;
  total: { docs: number; bytes: number };
  /** Lines for the person running the import (stderr). */
  say: (line: string) => void;
  progressOut?: ProgressOutput;
  pollMs?: number;
}

/** Rows registered per request (the API takes up to 50). */
const ROWS_PER_REQUEST = 50;

async function* chunked<T>(items: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let chunk: T[] = [];
  for await (const item of items) {
    chunk.push(item);
    if (chunk.length >= size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

class Customers {
  private readonly pending = new Map<string, Promise<string>>();
  constructor(
    private readonly run: ImportRun,
    private readonly journal: Journal,
  ) {}

  /** The customer's id: from the journal, found by number, or created (once per run). */
  idOf(item: ImportItem): Promise<string> {
    const known = this.journal.customers.get(item.customerNo);
    if (known) return Promise.resolve(known);
    let p = this.pending.get(item.customerNo);
    if (!p) {
      p = this.resolve(item);
      this.pending.set(item.customerNo, p);
    }
    return p;
  }

  private async resolve(item: ImportItem): Promise<string> {
    const found = await this.run.lookup.customer(item.customerNo);
    const customerId = found?.customerId ?? (await this.create(item));
    await this.journal.write({ t: 'customer', customerNo: item.customerNo, customerId });
    return customerId;
  }

  private async create(item: ImportItem): Promise<string> {
    try {
      const made = await this.run.api.post<{ customerId: string }>('/customers', {
        customerNo: item.customerNo,
        name: item.customerName,
        type: item.customerType,
        ...(item.region ? { region: item.region } : {}),
      });
      return made.customerId;
    } catch (err) {
      // Created meanwhile (by a run that stopped before its journal said so): find it.
      if (!(err instanceof ApiError) || err.status !== 409) throw err;
      const found = await this.run.api.get<{ items: { customerId: string; customerNo: string }[] }>(
        `/customers?q=${encodeURIComponent(item.customerNo)}&limit=1`,
      );
      const same = found.items.find((c) => c.customerNo === item.customerNo);
      if (!same) throw err;
      return same.customerId;
    }
  }
}

/** The rows this run could not upload (their file changed since it was checked), with why. */
export type LocalFailures = Map<number, { zh: string; en: string }>;

async function upload(
  run: ImportRun,
  item: ImportItem,
  target: RegisteredRow,
  failures: LocalFailures,
): Promise<number> {
  if (target.uploaded || !target.upload) return 0;
  const sent = await uploadScan(join(run.scansDir, item.file), item, target.upload);
  if ('changed' in sent) failures.set(item.row, sent.changed);
  return 'bytes' in sent ? sent.bytes : 0;
}

/** A row to upload with where to: what registering its chunk answered. */
interface Prepared {
  item: ImportItem;
  target: RegisteredRow;
}

/** A chunk of rows registered and their uploads signed (two requests); rows done before are left out. */
async function prepare(
  run: ImportRun,
  importId: string,
  journal: Journal,
  customers: Customers,
  chunk: readonly ImportItem[],
): Promise<{ done: number; todo: Prepared[] }> {
  const todo = chunk.filter((item) => !journal.uploaded.has(item.row));
  if (todo.length === 0) return { done: chunk.length, todo: [] };
  const rows = await Promise.all(
    todo.map(async (item) => ({
      row: item.row,
      customerId: await customers.idOf(item),
      businessEvent: item.businessEvent,
      docType: item.docType,
      title: item.title,
      fileName: item.file.split('/').at(-1) ?? item.file,
      file: item.file,
      contentType: item.contentType,
      size: item.size,
      sha256: item.sha256,
      date: item.date,
      ...(item.legacyCode ? { legacyCode: item.legacyCode } : {}),
    })),
  );
  const path = `/imports/${encodeURIComponent(importId)}`;
  const registered = await run.api.post<{ rows: RegisteredRow[] }>(`${path}/rows`, { rows });
  const waiting = registered.rows.filter((r) => !r.uploaded).map((r) => r.row);
  const signed =
    waiting.length === 0
      ? []
      : (await run.api.post<{ rows: RegisteredRow[] }>(`${path}/uploads`, { rows: waiting })).rows;
  const byRow = new Map([...registered.rows, ...signed].map((r) => [r.row, r]));
  return {
    done: chunk.length - todo.length,
    todo: todo.map((item) => ({ item, target: byRow.get(item.row) as RegisteredRow })),
  };
}

/**
 * The rows ready to upload, in order: each chunk is registered and signed while the one before it
 * uploads, so the uploads never wait for the API between chunks. Rows the journal says are
 * uploaded are counted on `progress` and not yielded.
 */
async function* preparedRows(
  run: ImportRun,
  importId: string,
  journal: Journal,
  progress: Progress,
): AsyncGenerator<Prepared> {
  const customers = new Customers(run, journal);
  const chunks = chunked(run.items(), ROWS_PER_REQUEST)[Symbol.asyncIterator]();
  const ahead = async () => {
    const next = await chunks.next();
    return next.done ? undefined : prepare(run, importId, journal, customers, next.value);
  };
  let coming = ahead();
  for (;;) {
    const chunk = await coming;
    if (!chunk) return;
    coming = ahead();
    // Awaited above on the next turn; failing meanwhile must not count as unhandled.
    coming.catch(() => {});
    for (let i = 0; i < chunk.done; i++) progress.add(0);
    yield* chunk.todo;
  }
}

async function uploadRows(run: ImportRun, importId: string, journal: Journal, failures: LocalFailures) {
  const progress = new Progress(run.total.docs, run.total.bytes, run.progressOut ?? process.stderr);
  const uploads = orderedMap(preparedRows(run, importId, journal, progress), run.concurrency, async (p) => ({
    item: p.item,
    bytes: await upload(run, p.item, p.target, failures),
  }));
  const fileDone = collectEveryFewFiles();
  for await (const { item, bytes } of uploads) {
    if (!failures.has(item.row)) await journal.write({ t: 'uploaded', row: item.row });
    progress.add(bytes);
    fileDone();
  }
  progress.done();
}

/** Waits until the batch is DONE, saying what it waits for; Ctrl-C meanwhile is safe (re-run resumes the wait). */
async function waitForBatch(run: ImportRun, importId: string): Promise<BatchView> {
  let last = '';
  for (;;) {
    const batch = await run.api.get<BatchView>(`/imports/${encodeURIComponent(importId)}`);
    const state =
      batch.status === 'CHECKING'
        ? `检查中 checking: 通过 passed ${batch.passed}, 未通过 failed ${batch.failed} / ${batch.rows}`
        : batch.status === 'IN_REVIEW'
          ? `等待抽检审核 waiting for the batch review: 审核人须在任务 ${batch.reviewTaskId} 中作出决定 / a reviewer must decide task ${batch.reviewTaskId} (POST /tasks/${batch.reviewTaskId}/decision; 抽检 sample: rows ${(batch.sample ?? []).join(', ')})`
          : batch.status === 'ARCHIVING'
            ? `归档中 archiving: 已归档 archived ${batch.archived}, 退回 rejected ${batch.rejected} / ${batch.passed}`
            : `${batch.status}`;
    if (state !== last) run.say(state);
    last = state;
    if (batch.status === 'DONE') return batch;
    await new Promise((r) => setTimeout(r, run.pollMs ?? 1000));
  }
}

/** The batch's rows as it ended, in row order, a page of 1,000 at a time (never all at once). */
async function* batchRows(api: ApiClient, importId: string): AsyncGenerator<RowOutcome> {
  let after = 0;
  for (;;) {
    const page = await api.get<{ items: RowOutcome[]; more: boolean }>(
      `/imports/${encodeURIComponent(importId)}/rows?after=${after}&limit=1000`,
    );
    yield* page.items;
    after = page.items.at(-1)?.row ?? after;
    if (!page.more || page.items.length === 0) return;
  }
}

export interface ImportOutcome {
  importId: string;
  /** The batch's rows in row order, read from the API as they are taken. */
  rows: () => AsyncIterable<RowOutcome>;
  failures: LocalFailures;
}

/** The import of the checked rows, to the end of the batch's review and archiving. */
export async function importCatalogue(run: ImportRun): Promise<ImportOutcome> {
  const journal = await Journal.open(journalPathOf(run.catalogue));
  const catalogueSha256 = await fileSha256(run.catalogue);
  const batch = await run.api.post<BatchView>('/imports', { catalogueSha256 });
  if (journal.importId !== batch.importId) await journal.write({ t: 'batch', importId: batch.importId });
  run.say(`导入批次 import batch: ${batch.importId} (${batch.status})`);
  const failures: LocalFailures = new Map();
  if (batch.status === 'OPEN') await uploadRows(run, batch.importId, journal, failures);
  // Closing starts the batch's workflow, or again when it stopped; a running one is left alone.
  if (batch.status !== 'DONE') await run.api.post(`/imports/${encodeURIComponent(batch.importId)}/close`, {});
  await waitForBatch(run, batch.importId);
  await journal.remove();
  return { importId: batch.importId, rows: () => batchRows(run.api, batch.importId), failures };
}
