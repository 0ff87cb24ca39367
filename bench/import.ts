/**
 * The migration benchmark (issue 16): N documents of 200 KB (default 10,000) imported with
 * `npm run import` against a local system under meters. A catalogue and its scans are written to a
 * temporary folder, the command runs as a process of its own with its peak memory recorded, a
 * reviewer approves the batch when the command names the task, and the command must end with every
 * row archived. Reports documents/s, bytes/s, the time of each phase, the CLI's peak memory, and
 * the cost per 1,000 migrated documents on AWS from the cost model of the other workloads
 * (bench/usage.ts, bench/cost.ts).
 *
 * `npm run bench` runs it as its last section (`BENCH_IMPORT_DOCS` documents); `BENCH_ONLY=import
 * npm run bench` and `npx tsx bench/import.ts [--docs N]` run it alone and put its section and
 * targets into bench/results.json and RESULTS.md, keeping every other section as it was.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TABLES } from '../functions/adapters/tables.ts';
import { DEFAULT_MEMORY_MB, FUNCTIONS, type FunctionName, TABLE_STREAMS } from '../functions/catalog.ts';
import { recordsTableClass } from '../infra/constructs/storage.ts';
import { FUNCTION_SYSTEM_LOG_LEVEL } from '../infra/shared.ts';
import { until } from '../test/e2e/system.ts';
import { type CostLine, isService, type Prices, priceUsage, scaleLines, sumUsd } from './cost.ts';
import { scan } from './intake.ts';
import { PEAK_RSS_LINE } from './peak-rss.ts';
import { renderMarkdown } from './report.ts';
import { judge, type Results, type TargetResult } from './results.ts';
import { type SectionRun, sectionRun } from './run-info.ts';
import { round } from './stats.ts';
import { startBenchSystem } from './system.ts';
import { countTransitions, usageOf } from './usage.ts';

const HERE = new URL('.', import.meta.url);
const PROJECT = fileURLToPath(new URL('..', HERE));
const prices = JSON.parse(readFileSync(new URL('prices.json', HERE), 'utf8')) as Prices;
const SCAN_BYTES = 200 * 1024;
const CONCURRENCY = 8;
export const DEFAULT_IMPORT_DOCS = 10_000;

/**
 * The floor of the migration rate against `npm start` on this shared two-core machine. Everything
 * of the import but DynamoDB Local and the CLI runs in the local system's one Node.js thread (API,
 * functions, local S3 with its signature and IAM checks, the malware-scan stand-in, Step Functions,
 * the meters): about 150 ms of that thread per document (measured, `cpuSecondsPerDocument`), so
 * at most about 6.5 documents/s with a core to itself. Benchmarks here share the two cores with
 * other runs (load averages of 13 to 22 were seen), which leaves it a third of that: 2 documents/s,
 * 10,000 documents in under an hour and a half.
 */
const TARGET_DOCS_PER_SECOND = 2;
/** The command in bounded memory whatever the catalogue's length (it is streamed). */
const TARGET_PEAK_MB = 256;
/** Everything the import causes on AWS per 1,000 documents (GuardDuty's malware scan is most of it). */
const TARGET_USD_PER_1000 = 0.35;

/** Where the time went, from the lines the command writes as it goes (seconds from its start). */
export interface ImportPhases {
  /** Reading and checking the catalogue and every scan, until the batch is opened. */
  check: number;
  /** Registering rows, signing and uploading the scans. */
  upload: number;
  /** The workflow's Check steps (intake's checks on every row) and opening the review. */
  workflowCheck: number;
  /** From the review task opened to the decision taken (the benchmark approves at once). */
  review: number;
  /** The workflow's Archive steps. */
  archive: number;
}

export interface ImportBenchResult {
  docs: number;
  scanBytes: number;
  concurrency: number;
  seconds: number;
  documentsPerSecond: number;
  bytesPerSecond: number;
  phases: ImportPhases;
  peakMemoryMB: number;
  /**
   * CPU seconds per document (user and system) of the local system's one Node.js process and of
   * DynamoDB Local, over the import and the stream work it caused: what the import costs this
   * machine whatever else runs on it. The local system is one thread, so it alone bounds the rate
   * at 1 / `system` documents/s on a machine of its own.
   */
  cpuSecondsPerDocument: { system: number; dynamodbLocal: number };
  transitions: number;
  /** Per 1,000 documents migrated: every line, and its sum (all) and the target scope's. */
  perThousand: { lines: CostLine[]; allUsd: number; withoutScannerUsd: number };
  /** Requests per document on each API route, and S3 requests per document by operation. */
  perDocument: {
    api: Record<string, number>;
    s3: Record<string, number>;
    invocations: Record<string, number>;
  };
}

const log = (msg: string) => console.error(`[bench import] ${msg}`);

/** Seconds from the start at which each of the command's phases was first reported. */
class PhaseClock {
  private readonly seen = new Map<string, number>();
  private readonly marks: [string, RegExp][] = [
    ['opened', /导入批次 import batch/],
    ['checking', /检查中 checking|等待抽检审核|归档中 archiving/],
    ['review', /等待抽检审核/],
    ['archiving', /归档中 archiving/],
  ];

  note(text: string, at: number): void {
    for (const [name, re] of this.marks) if (!this.seen.has(name) && re.test(text)) this.seen.set(name, at);
  }

  phases(end: number): ImportPhases {
    const at = (name: string) => this.seen.get(name) ?? end;
    const span = (from: string, to: string) => round(at(to) - at(from), 1);
    return {
      check: round(at('opened'), 1),
      upload: span('opened', 'checking'),
      workflowCheck: span('checking', 'review'),
      review: span('review', 'archiving'),
      archive: round(end - at('archiving'), 1),
    };
  }
}

/** CPU seconds (user and system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100;

const perDoc = (counts: Record<string, number>, docs: number): Record<string, number> =>
  Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, round(v / docs, 3)]));

export async function runImportBench(docs: number): Promise<ImportBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'dangan-bench-import-'));
  try {
    const scans = join(dir, 'scans');
    mkdirSync(scans);
    const stamp = Date.now().toString(36).toUpperCase();
    const lines = ['客户编号,客户名称,客户类型,区域,业务事项,文件类型,题名,文件,形成日期'];
    for (let row = 1; row <= docs; row++) {
      writeFileSync(
        join(scans, `${row}.pdf`),
        scan('application/pdf', `bench import ${stamp} ${row}`, SCAN_BYTES),
      );
      // Ten documents per customer, as a contractor's catalogue sorted by customer has them.
      const customer = `BM${stamp}${Math.ceil(row / 10)}`;
      lines.push(
        `${customer},迁移客户,RES,,METERING,METERWO,装拆表工作单 ${row},${row}.pdf,2016-0${1 + (row % 9)}-15`,
      );
    }
    const catalogue = join(dir, 'bench.csv');
    writeFileSync(catalogue, lines.join('\r\n'));
    log(`${docs} documents of ${SCAN_BYTES / 1024} KB written; starting the local system`);
    const b = await startBenchSystem();
    try {
      return await measure(b, catalogue, scans, docs);
    } finally {
      await b.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(
  b: Awaited<ReturnType<typeof startBenchSystem>>,
  catalogue: string,
  scans: string,
  docs: number,
): Promise<ImportBenchResult> {
  await b.probe.record();
  const pids = { system: b.system.ready.pid, dynamodbLocal: b.system.ready.dynamodbPid };
  const cpuAtStart = { system: cpuSeconds(pids.system), dynamodbLocal: cpuSeconds(pids.dynamodbLocal) };
  log(`importing ${docs} documents, ${CONCURRENCY} uploads at once`);
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--import',
      join(PROJECT, 'bench', 'peak-rss.ts'),
      join(PROJECT, 'scripts', 'import.ts'),
      catalogue,
      scans,
      '--concurrency',
      String(CONCURRENCY),
    ],
    { cwd: PROJECT, env: { ...process.env, DANGAN_API: b.system.ready.apiUrl, DANGAN_USER: 'archivist1' } },
  );
  const clock = new PhaseClock();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    const text = d.toString('utf8');
    stderr = (stderr + text).slice(-20_000);
    const at = seconds();
    clock.note(text, at);
    // The command's progress, each line with the time it came.
    for (const line of text.split('\n')) if (line.trim()) log(`${at.toFixed(1)}s ${line.slice(0, 160)}`);
  });
  const ended = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  const exitedEarly = ended.then((code) => {
    throw new Error(
      `the import exited with ${code} before its review:\n${stderr.slice(-2000)}\nthe local system:\n${b.system.output().slice(-4000)}`,
    );
  });
  const taskId = await Promise.race([
    until('the batch review task', () => /decide task (\S+)/.exec(stderr)?.[1], 4 * 3600_000, 500),
    exitedEarly,
  ]);
  await b.api.expect(200, 'reviewer1', 'POST', `/tasks/${taskId}/decision`, { decision: 'approve' });
  const code = await ended;
  const wall = seconds();
  if (code !== 0) throw new Error(`the import exited with ${code}:\n${stderr.slice(-2000)}`);
  const peakMB = Number(new RegExp(`${PEAK_RSS_LINE} (\\d+)`).exec(stderr)?.[1] ?? Number.NaN) / 1024;
  log(`imported in ${wall.toFixed(0)} s; waiting for the stream consumers to finish`);
  // The stream consumers follow the import by minutes on a busy machine: a second a document at most.
  await b.probe.waitIdle(
    ['upload-received', 'document-history', 'stats-counter', 'audit-archive'],
    2_000,
    Math.max(120_000, docs * 1000),
  );
  const state = await b.probe.stop();
  const cpuUsed = (which: keyof typeof pids) =>
    round((cpuSeconds(pids[which]) - cpuAtStart[which]) / docs, 4);
  const cpuSecondsPerDocument = { system: cpuUsed('system'), dynamodbLocal: cpuUsed('dynamodbLocal') };

  const executions = await countTransitions(
    b.sfn,
    b.system.ready.stateMachines['import-batch'] as string,
    () => true,
  );
  const memoryMB = (fn: string) => FUNCTIONS[fn as FunctionName]?.memoryMB ?? DEFAULT_MEMORY_MB;
  const transitions = executions.entered + executions.retries;
  const { usage, breakdown } = usageOf({
    state,
    ports: b.ports,
    intakeBucket: b.system.ready.intakeBucket,
    memoryMB,
    prices,
    transitions,
    executions: executions.executions,
    scanned: { objects: docs, bytes: docs * SCAN_BYTES },
    // A migration is reviewed by sample: the reviewer's previews are a handful per batch.
    downloadedBytes: 0,
    streamConsumers: TABLE_STREAMS.map((t) => t.function),
    // The archive bucket's lifecycle rule (infra/constructs/storage.ts) moves every original.
    originalsTransition: true,
    // This run measures no cold starts; bench/run.ts prices their INIT.
    coldStarts: { initMs: () => 0, share: 0 },
    // The stack's classes: the records table's default (infra/constructs/storage.ts), the others' own.
    tableClass: (id) =>
      id === 'Records' ? recordsTableClass() : (TABLES.find((t) => t.id === id)?.tableClass ?? 'STANDARD'),
    // Every function's system log level (infra/constructs/functions.ts).
    platformLinesLogged: () => FUNCTION_SYSTEM_LOG_LEVEL !== 'WARN',
  });
  const lines = scaleLines(priceUsage(usage, prices), docs, 1000);
  const scannerUsd = sumUsd(lines, isService('Malware scan'));
  return {
    docs,
    scanBytes: SCAN_BYTES,
    concurrency: CONCURRENCY,
    seconds: round(wall, 1),
    documentsPerSecond: round(docs / wall, 2),
    bytesPerSecond: Math.round((docs * SCAN_BYTES) / wall),
    phases: clock.phases(wall),
    peakMemoryMB: Math.round(peakMB),
    cpuSecondsPerDocument,
    transitions,
    perThousand: { lines, allUsd: sumUsd(lines), withoutScannerUsd: sumUsd(lines) - scannerUsd },
    perDocument: {
      api: perDoc(breakdown.api, docs),
      s3: perDoc(breakdown.s3, docs),
      invocations: perDoc(
        Object.fromEntries(Object.entries(breakdown.functions).map(([fn, f]) => [fn, f.invocations])),
        docs,
      ),
    },
  };
}

/** The import's targets, judged. */
export function importTargets(r: ImportBenchResult): TargetResult[] {
  const at = `${r.docs.toLocaleString('en')} documents of ${r.scanBytes / 1024} KB`;
  return [
    judge(
      {
        id: 'import-docs-per-s',
        name: 'Migration rate (npm run import against npm start)',
        target: `≥ ${TARGET_DOCS_PER_SECOND} documents/s, checked, uploaded, reviewed and archived`,
        limit: TARGET_DOCS_PER_SECOND,
        bound: 'min',
      },
      r.documentsPerSecond,
      `${r.documentsPerSecond} documents/s, ${round(r.bytesPerSecond / 1024 ** 2, 2)} MB/s over ${at} (${round(r.seconds / 60, 1)} minutes)`,
      `local system on this shared 2-core machine, ${round(r.cpuSecondsPerDocument.system * 1000, 0)} ms of its one thread per document; phases in seconds: check ${r.phases.check}, upload ${r.phases.upload}, workflow check ${r.phases.workflowCheck}, review ${r.phases.review}, archive ${r.phases.archive}`,
    ),
    judge(
      {
        id: 'import-cli-peak-mb',
        name: 'Migration CLI peak memory',
        target: `≤ ${TARGET_PEAK_MB} MB, whatever the catalogue's length`,
        limit: TARGET_PEAK_MB,
      },
      r.peakMemoryMB,
      `${r.peakMemoryMB} MB over ${at}`,
      'peak resident memory of the command (process.resourceUsage().maxRSS); the catalogue and the rows to import are streamed, the duplicate checks keep 16 bytes a key',
    ),
    judge(
      {
        id: 'import-cost-per-1000-docs',
        name: 'Cost per 1,000 migrated documents on AWS (everything the import causes, storage excluded)',
        target: `≤ $${TARGET_USD_PER_1000}`,
        limit: TARGET_USD_PER_1000,
      },
      r.perThousand.allUsd,
      `$${round(r.perThousand.allUsd, 4)} ($${round(r.perThousand.withoutScannerUsd, 4)} without the malware scanner)`,
      `the malware scan $${round(r.perThousand.allUsd - r.perThousand.withoutScannerUsd, 4)} of it; ${round(
        r.transitions / (r.docs / 1000),
        1,
      )} state transitions per 1,000 documents`,
    ),
  ];
}

/** The import's section and targets into bench/results.json and RESULTS.md, every other section kept. */
export function recordImport(r: ImportBenchResult, run: SectionRun): void {
  const path = new URL('results.json', HERE);
  const results = JSON.parse(readFileSync(path, 'utf8')) as Results;
  results.import = r;
  results.meta.importRun = run;
  // The ids starting with `import-` are this section's, those of earlier versions of it included.
  results.targets = [...results.targets.filter((t) => !t.id.startsWith('import-')), ...importTargets(r)];
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(new URL('RESULTS.md', HERE), renderMarkdown(results));
}

function docsArg(argv: readonly string[]): number {
  const i = argv.indexOf('--docs');
  const n = i < 0 ? DEFAULT_IMPORT_DOCS : Number(argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error('--docs takes a whole number of documents');
  return n;
}

/** `BENCH_IMPORT_DOCS`: the documents of the import section of `npm run bench`. */
export function importDocsFromEnv(env: NodeJS.ProcessEnv): number {
  const n = Number(env.BENCH_IMPORT_DOCS ?? DEFAULT_IMPORT_DOCS);
  if (!Number.isInteger(n) || n < 1) throw new Error('BENCH_IMPORT_DOCS takes a whole number of documents');
  return n;
}

/** Runs the import alone and records it (BENCH_ONLY=import, or this file run directly). */
export async function importOnly(docs: number): Promise<void> {
  const started = Date.now();
  const r = await runImportBench(docs);
  recordImport(r, sectionRun(started));
  for (const t of importTargets(r)) log(`${t.met ? 'met ' : 'MISS'} ${t.name}: ${t.measured}`);
  process.stdout.write(`${JSON.stringify(r)}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  importOnly(docsArg(process.argv.slice(2))).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
