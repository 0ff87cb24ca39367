/**
 * `npm run export -- --out <dir> --customer <customerNo>... [--year YYYY] [--category CODE]`:
 * writes a BagIt bag of the selection for handover (移交), through the API like any client
 * (scripts/export/). Exit 0 when the bag is complete and verified, 1 when the export failed or
 * was stopped (run it again to resume), 2 on a usage error.
 */
import { resolve } from 'node:path';
import { parseArgs } from './export/args.ts';
import { EXPORT_FAILED, USAGE } from './export/errors.ts';
import { runExport } from './export/run.ts';
import { connect } from './shared/api-client.ts';
import { runCommand } from './shared/errors.ts';

async function main(): Promise<number> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.warn(USAGE);
    return 0;
  }
  const args = parseArgs(process.argv.slice(2));
  const api = await connect(process.env, EXPORT_FAILED);
  // The first Ctrl-C stops after the document being written (the bag resumes); another one a
  // second later stops at once. npm passes the terminal's SIGINT on to its script, which then
  // arrives twice at the same moment: that is still the first.
  const stop = new AbortController();
  let stoppedAt = 0;
  const interrupt = () => {
    if (!stop.signal.aborted) {
      stoppedAt = Date.now();
      stop.abort();
    } else if (Date.now() - stoppedAt > 1000) process.exit(130);
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  const result = await runExport({
    // npm runs scripts in the package's directory: --out is relative to where the command was typed.
    out: resolve(process.env.INIT_CWD ?? process.cwd(), args.out),
    selection: args.selection,
    api,
    signal: stop.signal,
    onDocument: (d) =>
      console.warn(`${d.fetched ? '取回 fetched' : '已在包中 in the bag'}  ${d.archiveCode}`),
  });
  const summary =
    result.outcome === 'already-complete'
      ? `包已完整，未作改动 / the bag is complete and unchanged: ${result.bagDir}`
      : `包已封装并校验 / bag sealed and verified: ${result.bagDir}`;
  process.stdout.write(
    `${summary}\n${JSON.stringify({
      bag: result.bagDir,
      outcome: result.outcome,
      customers: result.customers,
      documents: result.documents,
      fetched: result.fetched,
      payloadOxum: `${result.payloadBytes}.${result.payloadFiles}`,
    })}\n`,
  );
  return 0;
}

runCommand(main);
