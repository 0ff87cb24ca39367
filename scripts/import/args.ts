import { UsageError } from '../shared/errors.ts';

/** What `npm run import` was asked to do, as given on the command line (paths not yet resolved). */
export interface ImportArgs {
  catalogue: string;
  scansDir: string;
  dryRun: boolean;
  concurrency: number;
}

export const DEFAULT_CONCURRENCY = 4;
export const MAX_CONCURRENCY = 32;
export const CATALOGUE_EXTENSIONS = ['.csv', '.xlsx'] as const;

/**
 * Reads `<catalogue> <scans-dir> [--dry-run] [--concurrency N]` (also `--concurrency=N`). Anything
 * else, or a value of the wrong shape, is a UsageError naming it. Whether the paths exist is
 * checked by the command, which knows where it was typed.
 */
export function parseImportArgs(argv: readonly string[]): ImportArgs {
  const positional: string[] = [];
  let dryRun = false;
  let concurrency: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (name === '--dry-run' && eq < 0) {
      dryRun = true;
    } else if (name === '--concurrency') {
      const v = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (concurrency !== undefined) {
        throw new UsageError('--concurrency 只能给一次', '--concurrency may be given once');
      }
      if (v === undefined || !/^\d{1,3}$/.test(v) || Number(v) < 1 || Number(v) > MAX_CONCURRENCY) {
        throw new UsageError(
          `--concurrency 须为 1 到 ${MAX_CONCURRENCY} 的整数`,
          `--concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}`,
        );
      }
      concurrency = Number(v);
    } else if (arg.startsWith('-')) {
      throw new UsageError(`不认识的参数 ${JSON.stringify(arg)}`, `unknown argument ${JSON.stringify(arg)}`);
    } else {
      positional.push(arg);
    }
  }
  const [catalogue, scansDir, extra] = positional;
  if (catalogue === undefined || scansDir === undefined) {
    throw new UsageError(
      '须给出目录清单和扫描件目录：<catalogue.csv|catalogue.xlsx> <scans-dir>',
      'give the catalogue and the folder of the scans: <catalogue.csv|catalogue.xlsx> <scans-dir>',
    );
  }
  if (extra !== undefined) {
    throw new UsageError(
      `多余的参数 ${JSON.stringify(extra)}`,
      `unexpected argument ${JSON.stringify(extra)}`,
    );
  }
  if (!CATALOGUE_EXTENSIONS.some((ext) => catalogue.toLowerCase().endsWith(ext))) {
    throw new UsageError(
      `目录清单 ${JSON.stringify(catalogue)} 须为 .csv 或 .xlsx 文件`,
      `the catalogue ${JSON.stringify(catalogue)} must be a .csv or .xlsx file`,
    );
  }
  return { catalogue, scansDir, dryRun, concurrency: concurrency ?? DEFAULT_CONCURRENCY };
}

/** `<catalogue name without its extension>.report.csv`, beside the catalogue. */
export function reportPathOf(catalogue: string): string {
  const dot = catalogue.lastIndexOf('.');
  return `${catalogue.slice(0, dot)}.report.csv`;
}
