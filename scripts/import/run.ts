import { rm } from 'node:fs/promises';
import { latestToday } from '../../functions/core/dated-facts.ts';
import type { ApiClient } from '../shared/api-client.ts';
import { writeStreamed } from '../shared/files.ts';
import { ArchiveLookup } from './archive-lookup.ts';
import { reportPathOf } from './args.ts';
import { readCatalogue } from './catalogue.ts';
import { type CheckedResult, checkCatalogue } from './check.ts';
import { ImportFailure } from './errors.ts';
import { type Outcome, type ReportLine, reportHead, reportLine, Summary } from './report.ts';
import type { ImportScheme } from './scheme-terms.ts';

/**
 * One run of `npm run import`: the catalogue read a row at a time, every row checked (check.ts),
 * the report written beside the catalogue as the rows come, and a summary. A dry run stops there.
 * Without one, rows that may be imported are reported `waiting`: the importing itself (customers,
 * uploads, the batch review) is to follow, and would take the checked rows from here.
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
  now?: () => Date;
}

export interface ImportResult {
  reportPath: string;
  summary: Summary;
}

const NOT_YET = {
  zh: '检查通过；导入功能尚未提供，未写入任何内容',
  en: 'checks passed; importing is not available yet, nothing was written',
};

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
            zh: [NOT_YET.zh, result.note?.zh].filter(Boolean).join('；'),
            en: [NOT_YET.en, result.note?.en].filter(Boolean).join('; '),
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

export async function runImport(options: ImportOptions): Promise<ImportResult> {
  const { api } = options;
  assertArchivist(api);
  const scheme = await api.get<ImportScheme>('/scheme');
  const lookup = new ArchiveLookup(api, scheme);
  const summary = new Summary();
  const today = latestToday((options.now ?? (() => new Date()))());
  const reportPath = reportPathOf(options.catalogue);

  async function* lines(): AsyncGenerator<string> {
    yield reportHead();
    const results = checkCatalogue(readCatalogue(options.catalogue), {
      scheme,
      scansDir: options.scansDir,
      lookup,
      today,
      concurrency: options.concurrency,
    });
    for await (const result of results) {
      const line = lineOf(result, options.dryRun);
      summary.add(
        line.outcome,
        result.problems.map((p) => p.code),
      );
      options.onRow?.(result);
      yield reportLine(line);
    }
  }
  try {
    await writeStreamed(reportPath, lines());
  } catch (err) {
    // A run that stopped leaves no half report: the last complete one, if any, stays.
    await rm(`${reportPath}.part`, { force: true });
    throw err;
  }
  return { reportPath, summary };
}

/** The failure a run without --dry-run ends with, once its report is written. */
export function notAvailableYet(reportPath: string): ImportFailure {
  return new ImportFailure(
    `导入功能尚未提供：已检查全部行，可导入的行在报告中标为 waiting，未写入任何内容。报告：${reportPath}`,
    `importing is not available yet: every row was checked, rows that may be imported are marked waiting in the report, nothing was written. Report: ${reportPath}`,
  );
}
