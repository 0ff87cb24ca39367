/**
 * `npm run export -- --out <dir> --customer <customerNo>... [--year YYYY] [--category CODE]`:
 * writes a BagIt bag of the selection for handover (移交), through the API like any client
 * (scripts/export/). Exit 0 when the bag is complete and verified, 1 when the export failed or
 * was stopped (run it again to resume), 2 on a usage error.
 */
import { connect } from './export/api-client.ts';
import { parseArgs } from './export/args.ts';
import { USAGE } from './export/errors.ts';
import { runExport } from './export/run.ts';

async function main(): Promise<number> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.warn(USAGE);
    return 0;
  }
  const args = parseArgs(process.argv.slice(2));
  const api = await connect(process.env);
  // The first Ctrl-C stops after the file being written (the bag resumes); a second one at once.
  const stop = new AbortController();
  process.on('SIGINT', () => (stop.signal.aborted ? process.exit(130) : stop.abort()));
  process.on('SIGTERM', () => stop.abort());
  const result = await runExport({
    out: args.out,
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

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const exitCode = (err as { exitCode?: unknown }).exitCode;
    console.error(err instanceof Error ? err.message : String(err));
    if (typeof exitCode !== 'number') console.error(err);
    process.exit(typeof exitCode === 'number' ? exitCode : 1);
  },
);
