/**
 * The hot-key measurement: an intake run of at least 2,000 documents (a busy day's worth, enough
 * that every per-document key is one among thousands) with every write and read attributed to
 * the partition keys it touched (bench/probe.ts), then the spread and the ceiling it sets
 * (bench/partitions.ts). The document count is `BENCH_HOTKEY_DOCS` (2,000 unless set), so a
 * smaller run can be tried first; the targets are only judged from a run of 2,000 or more.
 */
import { customersFor, type IntakeWorkload, runIntake } from './intake.ts';
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
function workload(documents: number): IntakeWorkload {
  return {
    label: 'hotkeys',
    businessEvent: 'NEWCONN',
    docs: [
      { docType: 'APPFORM', contentType: 'application/pdf', title: '用电申请表' },
      { docType: 'IDCOPY', contentType: 'image/jpeg', title: '身份证复印件' },
      { docType: 'LANDCERT', contentType: 'application/pdf', title: '产权证明' },
      { docType: 'CONTRACT', contentType: 'application/pdf', title: '供用电合同' },
      { docType: 'BANKAUTH', contentType: 'application/pdf', title: '银行代扣协议' },
    ],
    submissions: Math.ceil(documents / 5),
    concurrency: 8,
    scanBytes: 4 * 1024,
  };
}

export interface HotKeyRun extends PartitionReport {
  wallMs: number;
  /** Whether the run was large enough for the targets (HOTKEY_MIN_DOCUMENTS). */
  judged: boolean;
}

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
  ];
}
