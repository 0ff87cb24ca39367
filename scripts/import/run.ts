import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { importIdOf } from '../../functions/core/imports.ts';
import { ArchiveLookup } from '../../shared/import/archive-lookup.ts';
import { type CheckedResult, checkCatalogue } from '../../shared/import/check.ts';
import { CsvParser } from '../../shared/import/csv.ts';
import { checkDay } from '../../shared/import/dates.ts';
import {
  batchRowLine,
  type Outcome,
  type ReportLine,
  reportHead,
  reportLine,
  Summary,
  WAITING,
} from '../../shared/import/report.ts';
import type { ImportScheme } from '../../shared/import/scheme-terms.ts';
import type { ApiClient } from '../shared/api-client.ts';
import { writeStreamed } from '../shared/files.ts';
import { reportPathOf } from './args.ts';
import { type ImportItem, type ImportOutcome, importCatalogue } from './batch.ts';
import { readCatalogue } from './catalogue.ts';
import { ImportFailure } from './errors.ts';
import { scansIn } from './file-check.ts';
import { collectEveryFewFiles } from './memory.ts';
import type { ProgressOutput } from './progress.ts';
import { fileSha256 } from './upload.ts';

/**
 * One run of `npm run import`: the catalogue read a row at a time, every row checked (check.ts),
 * the report written beside the catalogue as the rows come, and a summary. A dry run stops there.
 * Without one, the rows that may be imported (`waiting` in that first report) are spooled beside
 * the catalogue and imported (batch.ts: customers, uploads, the batch review and archiving), and
 * the report is written again with where each of them ended.
 */

export interface ImportOptions {
  /** Absolute paths. */
  catalogue: string;
  scansDir: string;
  dryRun: boolean;
  concurrency: number;
  api: ApiClient;
  /** Told of each row checked. */
  onRow?: (result: CheckedResult) => void;
  /** Lines for the person running the import (the batch, what it waits for). */
  say?: (line: string) => void;
  progressOut?: ProgressOutput;
  pollMs?: number;
  now?: () => Date;
}

export interface ImportResult {
  reportPath: string;
  summary: Summary;
  importId?: string;
}

/** Only archivists import; a token that says which roles it carries is told so before anything is read. */
function assertArchivist(api: ApiClient): void {
  if (api.groups === undefined || api.groups.includes('archivist')) return;
  const roles = api.groups.join(', ');
  throw new ImportFailure(
    `只有档案员可以导入；${api.username} 的角色为 ${roles || '（无）'}`,
    `only archivists may import; ${api.username} has the roles ${roles || '(none)'}`,
  );
}

function lineOf(result: CheckedResult, dryRun: boolean): ReportLine {
  const outcome: Outcome = result.outcome === 'ok' && !dryRun ? 'waiting' : result.outcome;
  const words =
    result.problems.length > 0
      ? { zh: result.problems.map((p) => p.zh).join('；'), en: result.problems.map((p) => p.en).join('; ') }
      : outcome === 'waiting'
        ? {
            zh: [WAITING.zh, result.note?.zh].filter(Boolean).join('；'),
            en: [WAITING.en, result.note?.en].filter(Boolean).join('; '),
          }
        : (result.note ?? { zh: '', en: '' });
  return {
    row: result.row,
    file: result.file,
    title: result.title,
    outcome,
    ...words,
    ...(result.documentId === undefined ? {} : { documentId: result.documentId }),
    ...(result.archiveCode === undefined ? {} : { archiveCode: result.archiveCode }),
  };
}

/** A checked row as the import takes it. */
function itemOf(result: CheckedResult): ImportItem {
  const f = result.check.fields;
  return {
    row: result.row,
    customerNo: f.customerNo as string,
    customerName: f.customerName as string,
    customerType: f.customerType as string,
    ...(f.region ? { region: f.region } : {}),
    businessEvent: f.businessEvent as string,
    docType: f.docType as string,
    title: f.title as string,
    file: f.file as string,
    contentType: f.contentType as string,
    date: f.date as string,
    ...(f.legacyCode ? { legacyCode: f.legacyCode } : {}),
    sha256: result.sha256 as string,
    size: result.size as number,
  };
}

async function* spooled(path: string): AsyncGenerator<ImportItem> {
  const lines = createInterface({
    input: createReadStream(path, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const line of lines) if (line) yield JSON.parse(line) as ImportItem;
}

/**
 * The report's lines for the rows the import took, with where each ended: the check's lines and
 * the batch's rows are both in row order, so they are merged as they are read, whatever the
 * catalogue's length.
 */
export async function* finalLines(
  lines: AsyncIterable<ReportLine>,
  outcome: ImportOutcome,
): AsyncGenerator<{ line: ReportLine; final: ReportLine }> {
  const rows = outcome.rows()[Symbol.asyncIterator]();
  let next = await rows.next();
  for await (const line of lines) {
    const failed = line.outcome === 'waiting' ? outcome.failures.get(line.row) : undefined;
    if (line.outcome !== 'waiting') yield { line, final: line };
    else if (failed) yield { line, final: { ...line, outcome: 'failed', ...failed } };
    else {
      while (!next.done && next.value.row < line.row) next = await rows.next();
      const r = !next.done && next.value.row === line.row ? next.value : undefined;
      yield { line, final: r ? batchRowLine(line, r, outcome.importId) : line };
    }
  }
}

/** The report read back (as check wrote it), a line at a time. */
async function* reportLines(path: string): AsyncGenerator<ReportLine> {
  const parser = new CsvParser();
  let head = true;
  const toLine = (cells: string[]): ReportLine => ({
    row: Number(cells[0]),
    file: cells[1] ?? '',
    title: cells[2] ?? '',
    outcome: cells[3] as Outcome,
    zh: cells[4] ?? '',
    en: cells[5] ?? '',
    ...(cells[6] ? { documentId: cells[6] } : {}),
    ...(cells[7] ? { archiveCode: cells[7] } : {}),
  });
  for await (const chunk of createReadStream(path, 'utf8')) {
    const text = head ? (chunk as string).replace(/^\ufeff/, '') : (chunk as string);
    for (const cells of parser.push(text)) {
      if (head) head = false;
      else yield toLine(cells);
    }
  }
  for (const cells of parser.end()) if (!head) yield toLine(cells);
}

/** The report written again, whole or not at all, with the imported rows' outcomes; the summary moved with it. */
async function rewriteReport(reportPath: string, outcome: ImportOutcome, summary: Summary): Promise<void> {
  const before = `${reportPath}.checked`;
  await rename(reportPath, before);
  async function* lines(): AsyncGenerator<string> {
    yield reportHead();
    for await (const { line, final } of finalLines(reportLines(before), outcome)) {
      if (final.outcome !== line.outcome) {
        summary.outcomes[line.outcome]--;
        summary.outcomes[final.outcome]++;
      }
      yield reportLine(final);
    }
  }
  await writeStreamed(reportPath, lines());
  await rm(before, { force: true });
}

export async function runImport(options: ImportOptions): Promise<ImportResult> {
  const { api } = options;
  assertArchivist(api);
  const scheme = await api.get<ImportScheme>('/scheme');
  const lookup = new ArchiveLookup(api, scheme);
  const summary = new Summary();
  const today = checkDay((options.now ?? (() => new Date()))());
  const reportPath = reportPathOf(options.catalogue);
  const importId = options.dryRun ? undefined : importIdOf(await fileSha256(options.catalogue));
  const spool = `${reportPath}.rows.jsonl`;
  const spoolOut = options.dryRun ? undefined : createWriteStream(spool);
  const total = { docs: 0, bytes: 0 };

  async function* lines(): AsyncGenerator<string> {
    yield reportHead();
    const results = checkCatalogue(readCatalogue(options.catalogue), {
      scheme,
      scan: scansIn(options.scansDir, scheme.limits.maxDocumentBytes),
      lookup,
      today,
      concurrency: options.concurrency,
      ...(importId ? { importId } : {}),
    });
    const fileDone = collectEveryFewFiles();
    for await (const result of results) {
      fileDone();
      const line = lineOf(result, options.dryRun);
      summary.add(
        line.outcome,
        result.problems.map((p) => p.code),
      );
      if (spoolOut && line.outcome === 'waiting') {
        const item = itemOf(result);
        total.docs++;
        total.bytes += item.size;
        if (!spoolOut.write(`${JSON.stringify(item)}\n`))
          await new Promise<void>((r) => spoolOut.once('drain', () => r()));
      }
      options.onRow?.(result);
      yield reportLine(line);
    }
  }
  try {
    await writeStreamed(reportPath, lines());
    if (spoolOut)
      await new Promise<void>((done, fail) =>
        spoolOut.end((err?: Error | null) => (err ? fail(err) : done())),
      );
  } catch (err) {
    // A run that stopped leaves no half report: the last complete one, if any, stays.
    spoolOut?.destroy();
    await rm(`${reportPath}.part`, { force: true });
    await rm(spool, { force: true });
    throw err;
  }
  if (options.dryRun || total.docs === 0) {
    await rm(spool, { force: true });
    return { reportPath, summary };
  }
  try {
    const outcome = await importCatalogue({
      api,
      lookup,
      catalogue: options.catalogue,
      scansDir: options.scansDir,
      concurrency: options.concurrency,
      items: () => spooled(spool),
      total,
      say: options.say ?? ((line) => console.warn(line)),
      ...(options.progressOut ? { progressOut: options.progressOut } : {}),
      ...(options.pollMs ? { pollMs: options.pollMs } : {}),
    });
    await rewriteReport(reportPath, outcome, summary);
    return { reportPath, summary, importId: outcome.importId };
  } finally {
    await rm(spool, { force: true });
  }
}
