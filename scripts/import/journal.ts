import { createReadStream } from 'node:fs';
import { appendFile, rm, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';

/**
 * The journal of an import in progress, beside the catalogue
 * (`<catalogue name>.import-journal.jsonl`): one JSON line per step done (the batch opened, a
 * customer created or matched, a row's scan uploaded), appended as each is done. A run stopped at
 * any moment (Ctrl-C, a crash, a lost network) is re-run with the same arguments: it reads the
 * journal back and skips what is done; a line cut short by the stop is dropped. Everything the
 * journal saves is also safe to do again (the batch, its rows and customers are found by the
 * API), so a lost journal costs time, never a duplicate. Removed once the import has finished.
 */

export type JournalEntry =
  | { t: 'batch'; importId: string }
  | { t: 'customer'; customerNo: string; customerId: string }
  | { t: 'uploaded'; row: number };

export const journalPathOf = (catalogue: string): string => {
  const dot = catalogue.lastIndexOf('.');
  return `${catalogue.slice(0, dot)}.import-journal.jsonl`;
};

export class Journal {
  readonly customers = new Map<string, string>();
  readonly uploaded = new Set<number>();
  importId: string | undefined;

  private constructor(readonly path: string) {}

  static async open(path: string): Promise<Journal> {
    const journal = new Journal(path);
    if (!(await stat(path).catch(() => undefined))) return journal;
    const lines = createInterface({
      input: createReadStream(path, 'utf8'),
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    for await (const line of lines) {
      let entry: JournalEntry;
      try {
        entry = JSON.parse(line) as JournalEntry;
      } catch {
        continue; // the last line of a run that stopped while writing it
      }
      journal.apply(entry);
    }
    return journal;
  }

  private apply(entry: JournalEntry): void {
    if (entry.t === 'batch') this.importId = entry.importId;
    else if (entry.t === 'customer') this.customers.set(entry.customerNo, entry.customerId);
    else if (entry.t === 'uploaded') this.uploaded.add(entry.row);
  }

  async write(entry: JournalEntry): Promise<void> {
    this.apply(entry);
    await appendFile(this.path, `${JSON.stringify(entry)}\n`);
  }

  /** The import is over: its outcome is in the report and in the archive. */
  async remove(): Promise<void> {
    await rm(this.path, { force: true });
  }
}
