/**
 * `npm run import -- <catalogue.csv|catalogue.xlsx> <scans-dir> [--dry-run] [--concurrency N]`:
 * checks a migration catalogue and its scans against the scheme and the archive, through the API
 * like any client (scripts/import/), and writes `<catalogue>.report.csv` beside the catalogue;
 * without --dry-run it then imports the good rows and waits for the batch's review and archiving.
 * Exit 0 when every row is good (dry run) or archived or was already (import), 1 when any row
 * failed or was rejected, 2 on a usage error.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseImportArgs } from './import/args.ts';
import { IMPORT_FAILED, USAGE } from './import/errors.ts';
import { runImport } from './import/run.ts';
import { connect } from './shared/api-client.ts';
import { runCommand, UsageError } from './shared/errors.ts';

/** Every this many rows a line on stderr says how far the check has come. */
const PROGRESS_EVERY = 1000;
/**
 * Every request of the import is safe to repeat (scripts/import/batch.ts), so a throttle or a
 * function that ran out of time is waited out (1 + 2 + 4 + 8 s) rather than ending a long import.
 */
const RETRIES = { times: 4, firstDelayMs: 1000 };

async function mustBe(kind: 'file' | 'folder', path: string, zh: string, en: string): Promise<void> {
  const s = await stat(path).catch(() => undefined);
  if (!s || (kind === 'file' ? !s.isFile() : !s.isDirectory())) {
    throw new UsageError(`找不到${zh} ${path}`, `no ${en} at ${path}`);
  }
}

async function main(): Promise<number> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.warn(USAGE);
    return 0;
  }
  const args = parseImportArgs(process.argv.slice(2));
  // npm runs scripts in the package's directory: paths are relative to where the command was typed.
  const here = process.env.INIT_CWD ?? process.cwd();
  const catalogue = resolve(here, args.catalogue);
  const scansDir = resolve(here, args.scansDir);
  await mustBe('file', catalogue, '目录清单', 'catalogue');
  await mustBe('folder', scansDir, '扫描件目录', 'folder of scans');
  const api = await connect(process.env, IMPORT_FAILED, fetch, RETRIES);
  const { reportPath, summary } = await runImport({
    catalogue,
    scansDir,
    dryRun: args.dryRun,
    concurrency: args.concurrency,
    api,
    onRow: (r) => {
      if (r.row % PROGRESS_EVERY === 0) console.warn(`已检查 checked: ${r.row}`);
    },
  });
  process.stdout.write(
    `${args.dryRun ? '试运行 dry run' : '导入 import'}: ${catalogue}\n${summary.text()}\n报告 report: ${reportPath}\n${JSON.stringify({ report: reportPath, dryRun: args.dryRun, ...summary.json() })}\n`,
  );
  const o = summary.outcomes;
  if (args.dryRun) return o.failed > 0 ? 1 : 0;
  return o.failed > 0 || o.waiting > 0 || o.ok > 0 ? 1 : 0;
}

runCommand(main);
