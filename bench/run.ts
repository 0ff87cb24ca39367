/**
 * `npm run bench`: the stack's bundles and their import time, then the local system under
 * meters: the intake cost model, loans and the retention sweep where the catalog has them,
 * throughput and latency. Writes bench/results.json and bench/RESULTS.md.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { FUNCTIONS, THROTTLE_HEADROOM } from '../functions/catalog.ts';
import { WORKFLOW_TRACE_RATE } from '../infra/shared.ts';
import {
  costOf,
  costResults,
  keptBytesPerDocument,
  loanCostOf,
  MEAN_SCAN_BYTES,
  prices,
  pricesMeta,
  REGIONS,
  type StackPricing,
  stackPricing,
  storageInput,
} from './bill.ts';
import { bundleTargets } from './bundle-targets.ts';
import type { ColdStartResult } from './coldstart.ts';
import { bundlesOnly, measureBundles } from './coldstart.ts';
import { storageModel, sumUsd } from './cost.ts';
import type { DashboardCost } from './dashboard-cost.ts';
import { describeHotKeys, type HotKeyRun, hotkeyDocuments, measureBurst, measureHotKeys } from './hotkeys.ts';
import { importDocsFromEnv, importOnly, importTargets, runImportBench } from './import.ts';
import { customersFor, type IntakeRun, type IntakeWorkload, NEWCONN_DOCS, runIntake } from './intake.ts';
import { runLoans } from './loans.ts';
import { renderMarkdown } from './report.ts';
import {
  type DashboardResult,
  judge,
  type LoanCost,
  type RegionCost,
  type Results,
  type SweepResult,
  type TargetResult,
  type WorkloadCost,
} from './results.ts';
import { commit, sectionRun } from './run-info.ts';
import { type StackFacts, synthesizeStack } from './stack.ts';
import { round } from './stats.ts';
import { type BenchSystem, startBenchSystem } from './system.ts';
import { throttleCheck } from './throttles.ts';
import { runThroughput } from './throughput.ts';
import { countTransitions } from './usage.ts';

const HERE = new URL('.', import.meta.url);
const started = Date.now();
const log = (msg: string) => console.error(`[bench ${((Date.now() - started) / 1000).toFixed(0)}s] ${msg}`);

const NEWCONN: IntakeWorkload = {
  label: 'newconn-5',
  businessEvent: 'NEWCONN',
  docs: NEWCONN_DOCS,
  submissions: 30,
  concurrency: 4,
  scanBytes: 200 * 1024,
  streamBatches: 'one-change',
};
const METERING: IntakeWorkload = {
  label: 'metering-1',
  businessEvent: 'METERING',
  docs: [{ docType: 'METERWO', contentType: 'application/pdf', title: '装拆表工作单' }],
  submissions: 30,
  concurrency: 4,
  scanBytes: 200 * 1024,
  streamBatches: 'one-change',
};
const CHANGE: IntakeWorkload = {
  label: 'change-3',
  businessEvent: 'CHANGE',
  docs: [
    { docType: 'APPFORM', contentType: 'application/pdf', title: '用电变更申请表' },
    { docType: 'IDCOPY', contentType: 'image/jpeg', title: '身份证复印件' },
    { docType: 'INFOCHG', contentType: 'application/pdf', title: '客户信息变更单' },
  ],
  submissions: 0,
  concurrency: 20,
  scanBytes: 100 * 1024,
  streamBatches: 'as-gathered',
};
/** Loans of ordinary documents (one approval) and of sensitive ones (a second, by an archivist). */
const LOANS = { ordinary: 20, sensitive: 10, days: 3 };
/** Archive sizes the retention sweep is measured over, with the same number of documents due. */
const SWEEP_SIZES = [10_000, 100_000];
const SWEEP_DUE = 100;
/** Numbers of documents due one `GET /stats` is measured at (bench/dashboard-cost.ts). */
const DASHBOARD_DUE = [1_000, 100_000];
const THROUGHPUT_CLIENTS = 20;
const THROUGHPUT_PER_CLIENT = 2;

/**
 * `BENCH_ONLY=intake` runs the intake cost workloads alone (no bundles, cold starts, throughput,
 * loans or sweep) and prints their figures, leaving bench/results.json and RESULTS.md as they
 * are (with `BENCH_UPDATE=1`, it replaces their intake and storage figures: updateCostResults):
 * about two minutes instead of the whole run. `BENCH_ONLY=bundles` does the same for the
 * bundles and their import times (bench/coldstart.ts, `bundlesOnly`), `BENCH_ONLY=hotkeys` for
 * the write and read units per partition key (bench/hotkeys.ts; `BENCH_HOTKEY_DOCS` documents).
 * `BENCH_ONLY=dashboard` measures one `GET /stats` at 1,000 and 100,000 documents due
 * (bench/dashboard-cost.ts) and writes that figure and its target into bench/results.json and
 * RESULTS.md, the rest of both as the last whole run left them. `BENCH_ONLY=import` runs the
 * migration import alone (bench/import.ts; `BENCH_IMPORT_DOCS` documents, 10,000 by default) and
 * puts its section and targets into bench/results.json and RESULTS.md, keeping the other sections.
 */
const ONLY = process.env.BENCH_ONLY;
// `BENCH_RECORDS_TABLE_CLASS=standard` prices the stack as `-c recordsTableClass=...` would deploy
// it; results.json holds the default stack's figures, so it is never written then.
const RECORDS_TABLE_CLASS = process.env.BENCH_RECORDS_TABLE_CLASS;
if (RECORDS_TABLE_CLASS !== undefined && process.env.BENCH_UPDATE === '1')
  throw new Error('BENCH_RECORDS_TABLE_CLASS prices another deployment: leave BENCH_UPDATE unset');
if (RECORDS_TABLE_CLASS !== undefined && ONLY !== 'intake')
  throw new Error('BENCH_RECORDS_TABLE_CLASS goes with BENCH_ONLY=intake (the intake and storage figures)');
const ONLY_KNOWN = ['intake', 'bundles', 'hotkeys', 'dashboard', 'import'];
if (ONLY !== undefined && !ONLY_KNOWN.includes(ONLY))
  throw new Error(`BENCH_ONLY=${ONLY}: only ${ONLY_KNOWN.map((k) => `"${k}"`).join(', ')} are known`);
const IMPORT_DOCS = importDocsFromEnv(process.env);
const HOTKEY_DOCS = hotkeyDocuments();

interface SweepCostModule {
  measureSweeps(sizes: readonly number[], due?: number): Promise<SweepResult['runs']>;
}

/** The cold-start figures of the last full run (BENCH_ONLY=intake measures none of its own). */
function lastColdStart(): ColdStartResult | undefined {
  try {
    return (JSON.parse(readFileSync(new URL('results.json', HERE), 'utf8')) as Results).coldStart;
  } catch {
    return undefined;
  }
}

/** The intake workloads, priced: NEWCONN (five documents a submission), then METERING (one). */
async function intakeWorkloads(b: BenchSystem, pricing: StackPricing): Promise<[IntakeRun, WorkloadCost][]> {
  const customers = await customersFor(b.api, NEWCONN.submissions + METERING.submissions + 1, 4);
  log('warming every intake function');
  await runIntake(b.api, b.probe, { ...NEWCONN, label: 'warm-up', submissions: 1 }, customers.slice(-1));
  const intakeArn = b.system.ready.stateMachines['intake-review-archive'] as string;
  const out: [IntakeRun, WorkloadCost][] = [];
  let offset = 0;
  for (const w of [NEWCONN, METERING]) {
    log(`intake cost: ${w.submissions} submissions × ${w.docs.length} documents (${w.label})`);
    const run = await runIntake(b.api, b.probe, w, customers.slice(offset, offset + w.submissions));
    offset += w.submissions;
    const ids = run.submissionIds;
    const executions = await countTransitions(b.sfn, intakeArn, (e) =>
      ids.some((id) => e.name.startsWith(`${id}-`)),
    );
    out.push([run, costOf(run, b, pricing, executions)]);
  }
  return out;
}

/** The intake cost workloads alone, printed (see BENCH_ONLY above). */
async function intakeOnly(): Promise<void> {
  const stack = synthesizeStack(RECORDS_TABLE_CLASS ? { recordsTableClass: RECORDS_TABLE_CLASS } : {});
  const pricing = stackPricing(stack, lastColdStart());
  log('starting the local system with meters');
  const b = await startBenchSystem();
  let workloads: WorkloadCost[];
  let kept: Awaited<ReturnType<typeof keptBytesPerDocument>>;
  try {
    workloads = (await intakeWorkloads(b, pricing)).map(([, w]) => w);
    kept = await keptBytesPerDocument(b, pricing);
  } finally {
    log('stopping the local system');
    await b.stop();
  }
  for (const w of workloads) {
    const docs = w.documentsArchived;
    const t = w.executions.entered + w.executions.retries;
    log(
      `${w.label}: ${w.regions.map((r) => `$${round(r.totalUsd, 4)} (${r.region})`).join(', ')} per 1,000 ` +
        `documents all in with ${w.malwareScanner}; ${round(t / w.submissions, 3)} transitions per submission`,
    );
    for (const r of w.regions) {
      log(
        `  ${r.region}: ${JSON.stringify(Object.fromEntries(Object.entries(r.byScanner).map(([k, v]) => [k, round(v, 4)])))}`,
      );
      for (const l of r.lines)
        log(`    ${l.service} ${l.item}: ${round(l.quantity, 4)} → $${round(l.usd, 5)}`);
    }
    for (const [fn, f] of Object.entries(w.breakdown.functions)) {
      log(
        `  ${fn}: ${round(f.invocations / w.submissions, 3)} per submission, ${round(f.meanMs, 3)} ms, ` +
          `read ${round(f.read / docs, 3)}, write ${round(f.write / docs, 3)} units per document, ` +
          `${round(f.logBytes / docs, 0)} log bytes per document`,
      );
    }
    log(`  S3: ${JSON.stringify(w.breakdown.s3)}`);
  }
  log(`kept per archived document: ${JSON.stringify(kept)}`);
  if (process.env.BENCH_UPDATE === '1') updateCostResults(stack, pricing, workloads, kept);
  for (const p of REGIONS) {
    const m = storageModel(storageInput(stack, kept), p);
    log(
      `storage ${p.region}: ${JSON.stringify(Object.fromEntries(Object.entries(m).map(([k, v]) => [k, typeof v === 'number' ? round(v, 3) : v])))}`,
    );
  }
}

/**
 * `BENCH_UPDATE=1` with `BENCH_ONLY=intake`: the intake and storage figures and their targets of
 * bench/results.json replaced by this run's (the other figures stay those of the last full run,
 * and meta.costRun says when and at which commit these were measured), RESULTS.md rendered again.
 */
function updateCostResults(
  stack: StackFacts,
  pricing: StackPricing,
  workloads: WorkloadCost[],
  kept: Results['storage']['kept'],
): void {
  const path = new URL('results.json', HERE);
  const last = JSON.parse(readFileSync(path, 'utf8')) as Results;
  const costs = costResults(stack, pricing, workloads, kept);
  const ids = new Set(costs.targets.map((t) => t.id));
  // The target these replace, as the last full run may still hold it.
  ids.add('intake-cost-in-scope');
  const results: Results = {
    ...last,
    meta: {
      ...last.meta,
      ...pricesMeta(),
      costRun: sectionRun(started),
    },
    intake: costs.intake,
    storage: costs.storage,
    targets: [...last.targets.filter((t) => !ids.has(t.id)), ...costs.targets],
  };
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(new URL('RESULTS.md', HERE), renderMarkdown(results));
  log('bench/results.json and RESULTS.md: intake and storage figures replaced');
}

/** The hot-key targets, judged only from a run of HOTKEY_MIN_DOCUMENTS or more. */
function hotKeyTargets(hotKeys: HotKeyRun | undefined): TargetResult[] {
  const hottest = hotKeys?.topWrites[0];
  const judged = hotKeys?.judged ? hotKeys : undefined;
  const runNote = hotKeys
    ? `${hotKeys.documents} documents${hotKeys.judged ? '' : ' (fewer than 2,000: not judged)'}`
    : 'not measured';
  return [
    judge(
      {
        id: 'hottest-partition-share',
        name: 'Largest share of write units on one partition key (table or index)',
        target: '≤ 2%',
        limit: 0.02,
      },
      judged?.hottestWriteShare,
      hottest ? `${round(hottest.share * 100, 2)}% (${hottest.partition})` : 'not measured',
      `${runNote}; every write attributed to the table and index partitions it touched (bench/probe.ts)`,
    ),
    judge(
      {
        id: 'design-ceiling-docs-per-s',
        name: 'Sustained intake rate before one partition reaches 1,000 WCU/s or 3,000 RCU/s',
        target: '≥ 2,000 documents/s',
        limit: 2000,
        bound: 'min',
      },
      judged?.ceiling.docsPerSecond,
      hotKeys ? `${round(hotKeys.ceiling.docsPerSecond, 0)} documents/s` : 'not measured',
      hotKeys ? `${runNote}; set by ${hotKeys.ceiling.limitedBy}` : 'not measured',
    ),
  ];
}

/**
 * The hot-key measurement alone, printed (see BENCH_ONLY above); with `BENCH_UPDATE=1` its section
 * and targets replace those of bench/results.json, and RESULTS.md is rendered again.
 */
async function hotkeysOnly(): Promise<void> {
  log('starting the local system with meters');
  const b = await startBenchSystem();
  let run: HotKeyRun;
  try {
    const customers = await customersFor(b.api, 1, 1);
    log('warming every intake function');
    await runIntake(b.api, b.probe, { ...NEWCONN, label: 'warm-up', submissions: 1 }, customers);
    run = { ...(await measureHotKeys(b, HOTKEY_DOCS, log)), burst: await measureBurst(b, log) };
  } finally {
    log('stopping the local system');
    await b.stop();
  }
  for (const line of describeHotKeys(run)) log(line);
  if (process.env.BENCH_UPDATE !== '1') return;
  const path = new URL('results.json', HERE);
  const last = JSON.parse(readFileSync(path, 'utf8')) as Results;
  const targets = hotKeyTargets(run);
  const ids = new Set(targets.map((t) => t.id));
  const results: Results = {
    ...last,
    meta: {
      ...last.meta,
      hotKeyRun: sectionRun(started),
    },
    hotKeys: run,
    targets: last.targets.map((t) =>
      ids.has(t.id) ? (targets.find((n) => n.id === t.id) as TargetResult) : t,
    ),
  };
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(new URL('RESULTS.md', HERE), renderMarkdown(results));
  log('bench/results.json and RESULTS.md: hot-key figures replaced');
}

/** One `GET /stats` at each number due, and the read units of the dearest. */
async function dashboardCost(): Promise<DashboardResult> {
  log(`dashboard: one GET /stats at ${DASHBOARD_DUE.join(' and ')} documents due`);
  // A process of its own: the functions' clients keep the first DynamoDB Local they were made for.
  const child = spawnSync(
    'npx',
    ['tsx', new URL('dashboard-cost.ts', HERE).pathname, '--json', ...DASHBOARD_DUE.map(String)],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 256 * 1024 * 1024 },
  );
  const last = child.stdout.trim().split('\n').pop() ?? '';
  if (child.status !== 0 || !last.startsWith('['))
    throw new Error(`bench/dashboard-cost.ts failed (${child.status})`);
  const runs = JSON.parse(last) as DashboardCost[];
  for (const r of runs) {
    if (r.status !== 200 || r.answered !== r.due)
      throw new Error(`GET /stats answered ${r.status} with ${r.answered} due for ${r.due} due`);
  }
  return { runs, maxReadUnits: Math.max(...runs.map((r) => r.readUnits)) };
}

function dashboardTarget(dashboard: DashboardResult | undefined): TargetResult {
  return judge(
    {
      id: 'dashboard-read-units',
      name: 'Read units of one GET /stats, whatever the number of documents due',
      target: '≤ 50 read units',
      limit: 50,
    },
    dashboard?.maxReadUnits,
    dashboard
      ? dashboard.runs.map((r) => `${r.readUnits} units at ${r.due.toLocaleString('en')} due`).join(', ')
      : 'not measured',
    dashboard
      ? `every DynamoDB read of one request, each at no less than 0.5 unit (1 strongly consistent); the COUNT query it replaced read ${dashboard.runs.map((r) => `${r.countQueryReadUnits}`).join(' and ')} units (bench/dashboard-cost.ts)`
      : 'not measured',
  );
}

/** The dashboard measurement alone, written into the last whole run's results (see BENCH_ONLY above). */
async function dashboardOnly(): Promise<void> {
  const dashboard = await dashboardCost();
  const path = new URL('results.json', HERE);
  const results = JSON.parse(readFileSync(path, 'utf8')) as Results;
  const target = dashboardTarget(dashboard);
  results.dashboard = dashboard;
  results.targets = [...results.targets.filter((t) => t.id !== target.id), target];
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(new URL('RESULTS.md', HERE), renderMarkdown(results));
  console.table(
    dashboard.runs.map(({ recount, ...r }) => ({
      ...r,
      recountMonths: recount.months,
      recountUnits: recount.readUnits,
    })),
  );
  log(`${target.met ? 'met ' : 'MISS'} ${target.name}: ${target.measured}`);
}

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const loadStart = loadavg();

  log('synthesizing the stack (template only)');
  const stack = synthesizeStack();
  if (stack.synthError) log(`synthesis reported: ${stack.synthError.split('\n')[0]}`);
  const { bundling, coldStart } = await measureBundles(stack.functions, log);
  const pricing = stackPricing(stack, coldStart);

  log('starting the local system with meters');
  const b = await startBenchSystem();
  let workloads: WorkloadCost[] = [];
  let kept: Awaited<ReturnType<typeof keptBytesPerDocument>> | undefined;
  let throughput: Awaited<ReturnType<typeof runThroughput>>;
  const loanCosts: LoanCost[] = [];
  let newconnRun: IntakeRun | undefined;
  let hotKeys: HotKeyRun | undefined;
  try {
    const intake = await intakeWorkloads(b, pricing);
    newconnRun = intake[0]?.[0];
    workloads = intake.map(([, w]) => w);
    kept = await keptBytesPerDocument(b, pricing);

    hotKeys = { ...(await measureHotKeys(b, HOTKEY_DOCS, log)), burst: await measureBurst(b, log) };
    for (const line of describeHotKeys(hotKeys)) log(line);

    log(`throughput: ${THROUGHPUT_CLIENTS} clients × ${THROUGHPUT_PER_CLIENT} submissions (${CHANGE.label})`);
    const tpCustomers = await customersFor(b.api, THROUGHPUT_CLIENTS, 4);
    throughput = await runThroughput({
      api: b.api,
      dynamodb: b.dynamodb,
      recordsTable: b.system.ready.tables.records,
      workload: CHANGE,
      customers: tpCustomers,
      clients: THROUGHPUT_CLIENTS,
      perClient: THROUGHPUT_PER_CLIENT,
    });

    // Loans last: they move the test clock forward.
    const borrowArn = b.system.ready.stateMachines['borrow-approval'];
    if (borrowArn && newconnRun) {
      const docs = newconnRun.documentIds;
      const bySubmission = (type: string) => docs.filter((d) => d.docType === type).map((d) => d.documentId);
      const [appforms, contracts, idcopies] = [
        bySubmission('APPFORM'),
        bySubmission('CONTRACT'),
        bySubmission('IDCOPY'),
      ];
      const plans = [
        {
          label: 'ordinary',
          loans: appforms.slice(0, LOANS.ordinary).map((id, i) => [id, contracts[i] as string]),
          approvers: ['approver1'],
        },
        {
          label: 'sensitive',
          loans: idcopies.slice(LOANS.ordinary, LOANS.ordinary + LOANS.sensitive).map((id) => [id]),
          approvers: ['approver1', 'archivist1'],
        },
      ];
      for (const plan of plans) {
        log(`loans: ${plan.loans.length} ${plan.label} loans of ${plan.loans[0]?.length} document(s)`);
        const run = await runLoans(b.api, b.probe, { ...plan, days: LOANS.days, concurrency: 4 });
        const ids = run.loanIds;
        const executions = await countTransitions(b.sfn, borrowArn, (e) => ids.includes(e.name));
        loanCosts.push(loanCostOf(run, b, pricing, executions));
      }
    }
  } finally {
    log('stopping the local system');
    await b.stop();
  }

  // The migration import last, on a local system of its own.
  log(`migration import: ${IMPORT_DOCS} documents (bench/import.ts)`);
  const migration = await runImportBench(IMPORT_DOCS);

  let sweep: SweepResult | undefined;
  if (Object.hasOwn(FUNCTIONS, 'retention-sweep')) {
    log(`retention sweep over ${SWEEP_SIZES.join(' and ')} archived documents, ${SWEEP_DUE} due`);
    // bench/sweep-cost.ts seeds DynamoDB Local in the real table layout and runs the sweep in-process.
    const mod = (await import(new URL('sweep-cost.ts', HERE).href)) as SweepCostModule;
    const runs = await mod.measureSweeps(SWEEP_SIZES, SWEEP_DUE);
    const first = runs[0];
    const last = runs[runs.length - 1];
    const readRatio = first && last ? last.readUnits / first.readUnits : Number.NaN;
    sweep = {
      runs,
      readRatio,
      usdPerSweep: Object.fromEntries(
        runs.map((r) => [
          String(r.size),
          r.readUnits * prices.dynamodb.onDemandReadUnitUsd +
            r.writeUnits * prices.dynamodb.onDemandWriteUnitUsd,
        ]),
      ),
    };
  }

  const dashboard = await dashboardCost();

  // ---- Models and targets -------------------------------------------------------------------
  const [a, m1] = workloads as [WorkloadCost, WorkloadCost];
  const lifecycle = stack.lifecycle;
  const archiveClass = lifecycle.archiveTransitionClass ?? 'STANDARD';
  if (!kept) throw new Error('the intake workloads kept nothing to measure');
  const costs = costResults(stack, pricing, workloads, kept);
  const storage = costs.storage.regions[0] as Results['storage']['regions'][number];
  const archivedPerTb =
    archiveClass === 'GLACIER_IR' ? storage.archivedPerTbMonth : storage.standardPerTbMonth;

  const floorRatio = {
    idleP50: Object.fromEntries(
      Object.entries(throughput.idleRoutes).map(([r, s]) => [r, s.p50 / throughput.getItem.idle.p50]),
    ),
    loadP50: Object.fromEntries(
      Object.entries(throughput.routes).map(([r, s]) => [r, s.p50 / throughput.getItem.concurrent.p50]),
    ),
  };

  const throttles = throttleCheck(workloads);
  const tightest = throttles.rows.reduce((x, y) => (y.headroom < x.headroom ? y : x));
  const xrayPerThousand = (w: WorkloadCost) =>
    sumUsd((w.regions[0] as RegionCost).lines, (l) => l.service === 'X-Ray');
  const xrayWorst = Math.max(xrayPerThousand(a), xrayPerThousand(m1));
  const targets: TargetResult[] = [
    ...hotKeyTargets(hotKeys),
    ...costs.targets.filter((t) => t.id.startsWith('intake-cost')),
    ...bundleTargets(coldStart),
    judge(
      {
        id: 'sweep-read-ratio',
        name: 'Sweep read units, 100,000 vs 10,000 archived documents',
        target: '≤ 1.1×',
        limit: 1.1,
      },
      sweep?.readRatio,
      sweep
        ? `${round(sweep.readRatio, 3)}× (${sweep.runs.map((r) => `${r.readUnits} units at ${r.size}`).join(', ')})`
        : 'not measured',
      sweep
        ? `${SWEEP_DUE} documents due in each; the sweep's own DynamoDB requests (bench/sweep-cost.ts)`
        : 'retention-sweep is not in functions/catalog.ts yet',
    ),
    dashboardTarget(dashboard),
    judge(
      {
        id: 'xray-cost-per-1000-docs',
        name: 'X-Ray traces per 1,000 documents',
        target: '≤ $0.002',
        limit: 0.002,
      },
      xrayWorst,
      `$${round(xrayPerThousand(a), 6)} at ${a.documentsPerSubmission} documents per submission ($${round(xrayPerThousand(m1), 6)} at ${m1.documentsPerSubmission})`,
      `workflow executions × the sampling rule's ${WORKFLOW_TRACE_RATE * 100}% (infra/shared.ts WORKFLOW_TRACE_RATE); functions start no trace of their own`,
    ),
    judge(
      {
        id: 'api-throttle-headroom',
        name: "API route limits over the intake's measured traffic at the design rate",
        target: `≥ ${THROTTLE_HEADROOM}×`,
        limit: THROTTLE_HEADROOM,
        bound: 'min',
      },
      throttles.minHeadroom,
      `${round(throttles.minHeadroom, 2)}× (${tightest.route}: ${tightest.rateLimit}/s for ${round(tightest.atDesignRate, 1)}/s)`,
      `${throttles.designDocumentsPerSecond} documents/s (functions/catalog/throttles.ts), the busiest workload's requests per document on each route`,
    ),
    judge(
      {
        id: 'originals-per-tb-month',
        name: 'Originals older than 90 days',
        target: '≤ $5 per TB-month',
        limit: 5,
      },
      archivedPerTb,
      `$${round(archivedPerTb, 3)} per TB-month in ${archiveClass} after ${lifecycle.archiveTransitionDays ?? '∞'} days`,
      `from the archive bucket's lifecycle rule in the synthesized template; ${MEAN_SCAN_BYTES / 1024} KB mean scan`,
    ),
    ...costs.targets.filter((t) => t.id === 'storage-per-tb-month'),
  ];

  const results: Results = {
    meta: {
      startedAt,
      durationMs: Date.now() - started,
      commit: commit(),
      node: process.version,
      cpus: cpus().length,
      loadAverage: { start: loadStart.map((x) => round(x, 2)), end: loadavg().map((x) => round(x, 2)) },
      ...pricesMeta(),
    },
    stack: { ...(stack.synthError ? { synthError: stack.synthError } : {}), lifecycle, bundling },
    coldStart,
    intake: costs.intake,
    loans:
      loanCosts.length > 0
        ? { workloads: loanCosts }
        : { notMeasured: 'borrow-approval and the loans-* functions are not in functions/catalog.ts yet' },
    sweep: sweep ?? { notMeasured: 'retention-sweep is not in functions/catalog.ts yet' },
    dashboard,
    storage: costs.storage,
    throughput: { ...throughput, floorRatio },
    throttles,
    hotKeys: hotKeys ?? { notMeasured: 'the hot-key run did not finish' },
    import: migration,
    targets: [...targets, ...importTargets(migration)],
  };
  writeFileSync(new URL('results.json', HERE), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(new URL('RESULTS.md', HERE), renderMarkdown(results));
  log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s: bench/results.json, bench/RESULTS.md`);
  for (const t of results.targets)
    log(`${t.met === null ? 'n/a ' : t.met ? 'met ' : 'MISS'} ${t.name}: ${t.measured}`);
}

if (ONLY === 'intake') await intakeOnly();
else if (ONLY === 'hotkeys') await hotkeysOnly();
else if (ONLY === 'bundles') await bundlesOnly(log);
else if (ONLY === 'dashboard') await dashboardOnly();
else if (ONLY === 'import') await importOnly(IMPORT_DOCS);
else await main();
