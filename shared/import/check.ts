import { type ArchiveCheck, checkAgainstArchive } from './archive-check.ts';
import type { ArchiveLookup } from './archive-lookup.ts';
import type { CatalogueRow } from './columns.ts';
import { CatalogueDuplicates } from './duplicates.ts';
import { orderedMap } from './ordered.ts';
import type { Problem } from './problems.ts';
import { checkRow, type RowCheck } from './row-check.ts';
import type { ScanCheck } from './scan-check.ts';
import type { ImportScheme } from './scheme-terms.ts';

/**
 * The checker: every catalogue row against the scheme, its scan on disk, the rows before it and
 * the archive, before anything is written. Rows stream through: a few at once have their scans
 * read and the API asked (`concurrency`), then each is judged for duplicates in row order. A row
 * comes out `ok` (it may be imported), `already` (its scan is archived for its customer) or
 * `failed` with every problem found. The command reads scans from a folder, the console from the
 * files a person chose: each hands its own way of reading one to `scan` (scan-check.ts judges it).
 */

export type CheckOutcome = 'ok' | 'already' | 'failed';

export interface CheckedResult {
  row: number;
  /** The file and title as the catalogue gave them. */
  file: string;
  title: string;
  outcome: CheckOutcome;
  problems: Problem[];
  note?: { zh: string; en: string };
  documentId?: string;
  archiveCode?: string;
  /** What the import needs of a row that may be imported. */
  check: RowCheck;
  sha256?: string;
  size?: number;
}

export interface CheckContext {
  scheme: ImportScheme;
  /** A row's scan, read and judged: the path under the scans folder and the type its extension names. */
  scan: (file: string, contentType: string) => Promise<ScanCheck>;
  lookup: ArchiveLookup;
  /** Today in UTC+14 (YYYY-MM-DD): no date after it is in the past anywhere. */
  today: string;
  concurrency: number;
  /**
   * The import batch this catalogue makes (named by its SHA-256): scans and legacy codes its own
   * rows hold already are this import's, not duplicates, so a stopped import re-run goes on.
   */
  importId?: string;
}

interface Examined {
  raw: CatalogueRow;
  check: RowCheck;
  scan: { size: number; sha256: string } | undefined;
  scanProblems: Problem[];
  archive: ArchiveCheck;
}

async function examine(ctx: CheckContext, raw: CatalogueRow): Promise<Examined> {
  const check = checkRow(ctx.scheme, raw, ctx.today);
  const { file, contentType } = check.fields;
  const scanned =
    file === undefined || contentType === undefined ? undefined : await ctx.scan(file, contentType);
  const scan = scanned?.facts;
  const archive = await checkAgainstArchive(ctx.lookup, check.fields, scan?.sha256, ctx.importId);
  return { raw, check, scan, scanProblems: scanned?.problems ?? [], archive };
}

export async function* checkCatalogue(
  rows: AsyncIterable<CatalogueRow>,
  ctx: CheckContext,
): AsyncGenerator<CheckedResult> {
  const duplicates = new CatalogueDuplicates();
  for await (const e of orderedMap(rows, ctx.concurrency, (raw) => examine(ctx, raw))) {
    const problems = [
      ...e.check.problems,
      ...e.scanProblems,
      ...duplicates.check(e.raw.row, e.check.fields, e.scan?.sha256),
      ...e.archive.problems,
    ];
    const already = e.archive.already;
    const outcome: CheckOutcome = problems.length > 0 ? 'failed' : already ? 'already' : 'ok';
    yield {
      row: e.raw.row,
      file: e.raw.values.file ?? '',
      title: e.raw.values.title ?? '',
      outcome,
      problems,
      ...(outcome === 'ok' && e.archive.note ? { note: e.archive.note } : {}),
      ...(outcome === 'already' && already
        ? {
            documentId: already.documentId,
            ...(already.archiveCode === undefined ? {} : { archiveCode: already.archiveCode }),
            note: {
              zh: `已归档为 ${already.archiveCode ?? already.documentId}`,
              en: `already archived as ${already.archiveCode ?? already.documentId}`,
            },
          }
        : {}),
      check: e.check,
      ...(e.scan ? { sha256: e.scan.sha256, size: e.scan.size } : {}),
    };
  }
}
