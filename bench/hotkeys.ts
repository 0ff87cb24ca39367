/**
 * The hot-key measurement: an intake run of at least 2,000 documents (a busy day's worth, enough
 * that every per-document key is one among thousands) with every write and read attributed to
 * the partition keys it touched (bench/probe.ts), then the spread and the ceiling it sets
 * (bench/partitions.ts). The document count is `BENCH_HOTKEY_DOCS` (2,000 unless set), so a
 * smaller run can be tried first; the targets are only judged from a run of 2,000 or more.
 */
import { customersFor, type IntakeWorkload, NEWCONN_DOCS, runIntake } from './intake.ts';
import type { PartitionLoad } from './meters.ts';
import { type PartitionReport, partitionReport } from './partitions.ts';
import type { BenchSystem } from './system.ts';

export const HOTKEY_MIN_DOCUMENTS = 2000;
const ROUND = 100;

export function hotkeyDocuments(): number {
  const raw = process.env.BENCH_HOTKEY_DOCS;
  const n = raw === undefined ? HOTKEY_MIN_DOCUMENTS : Number(raw);
  if (!Number.isInteger(n) || n < 5)
    throw new Error(`BENCH_HOTKEY_DOCS=${raw}: a whole number of documents, 5 or more`);
  return n;
}

/** Five documents per submission, as a new connection brings; small scans (their size moves no key). */
function workload(documents: number, concurrency = 8): IntakeWorkload {
  return {
    label: 'hotkeys',
    businessEvent: 'NEWCONN',
    docs: NEWCONN_DOCS,
    submissions: Math.ceil(documents / 5),
    concurrency,
    scanBytes: 4 * 1024,
    streamBatches: 'as-gathered',
  };
}

export interface HotKeyRun extends PartitionReport {
  wallMs: number;
  /** Whether the run was large enough for the targets (HOTKEY_MIN_DOCUMENTS). */
  judged: boolean;
  /** The burst measured after the run (absent in runs before it was measured). */
  burst?: BurstRun;
}

/** A burst: BURST_DOCUMENTS arriving at once, every submission in one round. */
export interface BurstRun extends PartitionReport {
  wallMs: number;
  /**
   * The hottest key's write units a second were the burst to arrive within BURST_WINDOW_S on AWS
   * (the local system takes longer; the units per key are what the burst causes either way).
   */
  hottestUnitsPerSecond: number;
  windowSeconds: number;
}

/** The burst of the issue: 500 documents arriving within one minute. */
export const BURST_DOCUMENTS = 500;
export const BURST_WINDOW_S = 60;
/** Submissions in flight at once in the burst (against eight in the steady run). */
const BURST_CONCURRENCY = 50;

/** Runs the workload on a started bench system (its functions warm) and reports the spread. */
export async function measureHotKeys(
  b: BenchSystem,
  documents: number,
  log: (msg: string) => void,
): Promise<HotKeyRun> {
  const w = workload(documents);
  log(`hot keys: ${w.submissions} customers`);
  // One customer per submission, as in life; made before the meters record.
  const customers = await customersFor(b.api, w.submissions, 8);
  log(`hot keys: ${w.submissions} submissions × ${w.docs.length} documents`);
  // In rounds of ROUND submissions: the reviewer's list shows the newest 200 open tasks, and a
  // reviewer who keeps up never has more waiting.
  const loads = new Map<string, PartitionLoad>();
  let archived = 0;
  let wallMs = 0;
  for (let first = 0; first < w.submissions; first += ROUND) {
    const count = Math.min(ROUND, w.submissions - first);
    const run = await runIntake(
      b.api,
      b.probe,
      { ...w, submissions: count },
      customers.slice(first, first + count),
    );
    archived += run.archived;
    wallMs += run.wallMs;
    for (const p of run.state.partitions) {
      const sum = loads.get(p.partition) ?? { partition: p.partition, read: 0, write: 0 };
      sum.read += p.read;
      sum.write += p.write;
      loads.set(p.partition, sum);
    }
    log(`hot keys: ${archived} documents archived`);
  }
  const report = partitionReport([...loads.values()], archived);
  return { ...report, wallMs, judged: archived >= HOTKEY_MIN_DOCUMENTS };
}

/**
 * 500 documents (100 submissions) submitted, reviewed and archived all at once, as a migration
 * contractor's upload or a morning's counter traffic arrives, with the write units each partition
 * key took; on a started bench system whose functions are warm.
 */
export async function measureBurst(b: BenchSystem, log: (msg: string) => void): Promise<BurstRun> {
  const w = workload(BURST_DOCUMENTS, BURST_CONCURRENCY);
  const customers = await customersFor(b.api, w.submissions, 8);
  log(`burst: ${w.submissions} submissions × ${w.docs.length} documents, ${BURST_CONCURRENCY} at once`);
  const run = await runIntake(b.api, b.probe, w, customers);
  const report = partitionReport(run.state.partitions, run.archived);
  const hottest = report.topWrites[0]?.units ?? 0;
  return {
    ...report,
    wallMs: run.wallMs,
    hottestUnitsPerSecond: hottest / BURST_WINDOW_S,
    windowSeconds: BURST_WINDOW_S,
  };
}

/** The run's figures as log lines. */
export function describeHotKeys(r: HotKeyRun): string[] {
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  return [
    `${r.documents} documents in ${(r.wallMs / 1000).toFixed(0)} s: ${r.writeUnits.toFixed(0)} write units, ` +
      `${r.readUnits.toFixed(0)} read units over ${r.partitions} partition keys`,
    'write units per partition key (top 10):',
    ...r.topWrites.map(
      (p) =>
        `  ${pct(p.share)}  ${p.units.toFixed(0)} (${p.perDocument.toFixed(3)} per document)  ${p.partition}`,
    ),
    'read units per partition key (top 5):',
    ...r.topReads.map(
      (p) => `  ${p.units.toFixed(1)} (${p.perDocument.toFixed(3)} per document)  ${p.partition}`,
    ),
    `ceiling: ${r.ceiling.docsPerSecond.toFixed(0)} documents/s, set by ${r.ceiling.limitedBy}`,
    ...(r.burst
      ? [
          `burst: ${r.burst.documents} documents at once (${(r.burst.wallMs / 1000).toFixed(0)} s here), write units per key (top 5):`,
          ...r.burst.topWrites
            .slice(0, 5)
            .map((p) => `  ${pct(p.share)}  ${p.units.toFixed(0)}  ${p.partition}`),
          `  the hottest at ${r.burst.hottestUnitsPerSecond.toFixed(1)} units/s were they to arrive within ${r.burst.windowSeconds} s (limit 1,000)`,
        ]
      : []),
  ];
}
