import { createReadStream } from 'node:fs';
import { appendFile, open, rm, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { HandoverRow } from '../../functions/core/handover-list.ts';
import type { Selection } from './args.ts';
import type { Fixity } from './files.ts';

/**
 * The journal of a bag in progress: one JSON line per step done (a customer's profile written, a
 * document's files written and verified, a part recorded in the audit trail), appended and flushed
 * after the step. A stopped export reads it back to skip what is done; a line cut short by the
 * stop is dropped. The journal lives in the bag directory until the bag is sealed and verified,
 * then goes: a bag without it is complete.
 */

export const JOURNAL_NAME = '.dangan-export-journal.jsonl';

export interface FileEntry extends Fixity {
  /** Relative to the bag, `/`-separated. */
  path: string;
}

/** A document written into the bag: its handover-list row (without its number) and its files. */
export interface DocEntry extends Omit<HandoverRow, 'no' | 'file'> {
  t: 'doc';
  documentId: string;
  customerId: string;
  /** The original's path; `files` holds it with the metadata, XML and history beside it. */
  original: string;
  files: FileEntry[];
}

export type Entry =
  | {
      t: 'start';
      exportId: string;
      startedAt: string;
      bag: string;
      selection: Selection;
      exportedBy: string;
      /** The bag's Source-Organization: the fonds and the scheme. */
      source: string;
    }
  | { t: 'customer'; customerId: string; customerNo: string; files: FileEntry[] }
  | DocEntry
  | { t: 'part'; customerId: string; part: number; documents: number }
  | { t: 'sealing'; at: string };

export type StartEntry = Extract<Entry, { t: 'start' }>;

/** A document waiting to be named in the next recorded part of its customer. */
export type PartDoc = Pick<DocEntry, 'documentId' | 'archiveCode' | 'sha256'>;

export interface JournalState {
  start?: StartEntry;
  customersDone: Set<string>;
  documentsDone: Set<string>;
  /** Parts recorded per customer. */
  parts: Map<string, number>;
  /** Per customer, the documents done since its last recorded part. */
  pending: Map<string, PartDoc[]>;
  sealingAt?: string;
}

export class Journal {
  private constructor(
    readonly path: string,
    readonly state: JournalState,
  ) {}

  static at(bagDir: string): string {
    return join(bagDir, JOURNAL_NAME);
  }

  /** Opens the journal of `bagDir`, reading back what it holds (nothing when there is none). */
  static async open(bagDir: string): Promise<Journal> {
    const path = Journal.at(bagDir);
    const state: JournalState = {
      customersDone: new Set(),
      documentsDone: new Set(),
      parts: new Map(),
      pending: new Map(),
    };
    let goodBytes = 0;
    let torn = false;
    for await (const { entry, bytes } of readLines(path)) {
      if (!entry) {
        torn = true;
        break;
      }
      goodBytes += bytes;
      apply(state, entry);
    }
    // A line the stop cut short is dropped, and a whole one that lost only its line break gets
    // it back, so the next line starts clean.
    if (torn) await truncate(path, goodBytes);
    else if (goodBytes > 0 && goodBytes > (await stat(path)).size) await appendFile(path, '\n');
    return new Journal(path, state);
  }

  async append(entry: Entry): Promise<void> {
    await appendFile(this.path, `${JSON.stringify(entry)}\n`);
    const handle = await open(this.path, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    apply(this.state, entry);
  }

  /** Every entry, in order, read from disk a line at a time. */
  async *entries(): AsyncGenerator<Entry> {
    for await (const { entry } of readLines(this.path)) if (entry) yield entry;
  }

  async remove(): Promise<void> {
    await rm(this.path, { force: true });
  }
}

function apply(state: JournalState, entry: Entry): void {
  switch (entry.t) {
    case 'start':
      state.start = entry;
      break;
    case 'customer':
      state.customersDone.add(entry.customerId);
      break;
    case 'doc': {
      state.documentsDone.add(entry.documentId);
      const pending = state.pending.get(entry.customerId) ?? [];
      pending.push({ documentId: entry.documentId, archiveCode: entry.archiveCode, sha256: entry.sha256 });
      state.pending.set(entry.customerId, pending);
      break;
    }
    case 'part':
      state.parts.set(entry.customerId, entry.part);
      state.pending.delete(entry.customerId);
      break;
    case 'sealing':
      state.sealingAt = entry.at;
      break;
  }
}

async function* readLines(path: string): AsyncGenerator<{ entry: Entry | undefined; bytes: number }> {
  try {
    await stat(path);
  } catch {
    return;
  }
  const lines = createInterface({
    input: createReadStream(path, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const line of lines) {
    let entry: Entry | undefined;
    try {
      entry = JSON.parse(line) as Entry;
    } catch {
      entry = undefined;
    }
    yield { entry, bytes: Buffer.byteLength(line) + 1 };
  }
}
