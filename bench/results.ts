/** The shape of bench/results.json, and how targets are judged. */
import type { ColdStartResult } from './coldstart.ts';
import type { CostLine, StorageModel, TableBytes, Usage } from './cost.ts';
import type { DashboardCost } from './dashboard-cost.ts';
import type { HotKeyRun } from './hotkeys.ts';
import type { ImportBenchResult } from './import.ts';
import type { SectionRun } from './run-info.ts';
import type { Summary } from './stats.ts';
import type { SweepCost } from './sweep-cost.ts';
import type { ThrottleCheck } from './throttles.ts';
import type { ThroughputResult } from './throughput.ts';
import type { Breakdown, ExecutionCount } from './usage.ts';

/** The calibration point of the import target: the DynamoDB client alone, bundled the same way. */
export const REFERENCE = 'reference: DynamoDB client alone';

/** A workload priced in one region, per 1,000 documents (or loans). */
export interface RegionCost {
  region: string;
  /** Every line, the malware scanner's by the scanner the run was told. */
  lines: CostLine[];
  totalUsd: number;
  /** The total with each scanner that has prices in the region. */
  byScanner: Record<string, number>;
}

/**
 * The floors of the import target, bundled and imported like a function: what a function that
 * reads or writes DynamoDB cannot do without (the document client every Dangan function uses, and
 * the Node.js built-ins the SDK imports at its top, which load before any of its code runs).
 */
export const FLOORS = {
  documentClient: 'floor: DynamoDB document client alone',
  builtins: 'floor: the Node.js built-ins the SDK imports',
} as const;

/** A measured bundle that is a reference or a floor, not a function. */
export const isReference = (name: string): boolean =>
  name === REFERENCE || (Object.values(FLOORS) as string[]).includes(name);

export interface WorkloadCost {
  label: string;
  businessEvent: string;
  submissions: number;
  documentsPerSubmission: number;
  documentsArchived: number;
  scanBytes: number;
  /** Bytes the reviewer's browser read to preview the scans. */
  previewBytes: number;
  wallMs: number;
  executions: ExecutionCount;
  usage: Usage;
  /** The scanner priced (BENCH_MALWARE_SCANNER, GuardDuty by default). */
  malwareScanner: string;
  /** Per 1,000 documents archived, in each region priced (us-east-1 first). */
  regions: RegionCost[];
  /** Validate retries caused by the local engine starting the execution before the submit request records it. */
  localRace: { retries: number; usdPerThousand: number };
  breakdown: Breakdown;
}

export interface LoanCost {
  label: string;
  loans: number;
  documentsPerLoan: number;
  approvals: number;
  documentsRead: number;
  wallMs: number;
  executions: ExecutionCount;
  usage: Usage;
  /** Per 1,000 loans, us-east-1, every line. */
  perThousand: { lines: CostLine[]; totalUsd: number };
  /** Extra per 1,000 loans when the originals read are past the lifecycle transition. */
  glacierReadUsdPerThousand: number;
  breakdown: Breakdown;
}

export interface SweepResult {
  runs: SweepCost[];
  /** Read units at the largest size over those at the smallest. */
  readRatio: number;
  /** DynamoDB dollars of one sweep, by archive size. */
  usdPerSweep: Record<string, number>;
}

/** One `GET /stats` at each number of documents due (bench/dashboard-cost.ts). */
export interface DashboardResult {
  runs: DashboardCost[];
  /** The most read units one request took at any of the numbers measured. */
  maxReadUnits: number;
}

export interface NotMeasured {
  notMeasured: string;
}

export interface TargetResult {
  /** Stable across runs and commits: what the figure is, not how it is worded. */
  id: string;
  name: string;
  /** The target in words, e.g. `≤ $0.05`. */
  target: string;
  /** The measured figure in the target's unit; null when it could not be measured. */
  value: number | null;
  /** The bound `value` is judged against. */
  limit: number;
  /** Whether `value` must stay at or below the limit (`max`) or at or above it (`min`). */
  bound: 'max' | 'min';
  measured: string;
  met: boolean | null;
  /** How far from the target: negative is headroom, positive is the miss (fraction of the target). */
  margin: number | null;
  note: string;
}

export interface Results {
  meta: {
    startedAt: string;
    durationMs: number;
    commit: string;
    node: string;
    cpus: number;
    loadAverage: { start: number[]; end: number[] };
    prices: {
      region: string;
      currency: string;
      asOf: string;
      source: string;
      exchangeRate?: { cnyPerUsd: number; source: string };
    }[];
    malwareScanner: string;
    /** When the intake and storage figures come from a later `BENCH_ONLY=intake BENCH_UPDATE=1` run. */
    costRun?: SectionRun;
    /** Set by a `BENCH_ONLY=import` run, which replaces the import section and its targets. */
    importRun?: SectionRun;
    /** Set by a `BENCH_ONLY=bundles` run, which replaces the bundle sections and their targets. */
    bundlesRun?: SectionRun;
    /** Set when `BENCH_ONLY=hotkeys BENCH_UPDATE=1` replaced the hot-key figures after the run above. */
    hotKeyRun?: SectionRun;
  };
  stack: {
    synthError?: string;
    lifecycle: { archiveTransitionDays?: number; archiveTransitionClass?: string; intakeExpiryDays?: number };
    /** One function bundled through CDK's NodejsFunction: is its code byte for byte the bench's? */
    bundling: { function: string; identical: boolean };
  };
  coldStart: ColdStartResult;
  intake: {
    workloads: WorkloadCost[];
    /** Per region, dollars per submission = fixed + perDocument × documents, all in. */
    models: {
      region: string;
      fixedUsdPerSubmission: number;
      usdPerDocument: number;
      perThousandAt: Record<string, number>;
    }[];
    /** Share of invocations priced with a cold start's INIT. */
    coldStartShare: number;
    /** The least any design of this flow pays per 1,000 documents (cost.ts intakeFloor), per region. */
    floors: FloorBill[];
    /** The least any design pays under Dangan's record-keeping rules (cost.ts intakeRulesFloor). */
    rulesFloors?: FloorBill[];
  };
  loans: NotMeasured | { workloads: LoanCost[] };
  sweep: NotMeasured | SweepResult;
  /** Read units of one `GET /stats` as the documents due grow (absent in runs before it was measured). */
  dashboard?: NotMeasured | DashboardResult;
  storage: {
    /** The storage model in each region priced (us-east-1 first). */
    regions: (StorageModel & { region: string })[];
    meanScanBytes: number;
    /** The least time an original is held, in days (bench/bill.ts DOCUMENT_HELD_DAYS). */
    documentHeldDays: number;
    /** What the archive keeps per archived document, measured from the run's items and objects. */
    kept: { tables: TableBytes[]; auditObjectBytes: number; historyObjectBytes: number };
    archiveClass: string;
  };
  throughput: ThroughputResult & {
    floorRatio: { idleP50: Record<string, number>; loadP50: Record<string, number> };
  };
  throttles: ThrottleCheck;
  /** Units per partition key in an intake run of BENCH_HOTKEY_DOCS documents (bench/hotkeys.ts). */
  hotKeys: NotMeasured | HotKeyRun;
  /** The migration import of BENCH_IMPORT_DOCS documents (bench/import.ts); absent before it was first run. */
  import?: NotMeasured | ImportBenchResult;
  targets: TargetResult[];
}

export type { Summary };

export interface TargetSpec {
  id: string;
  name: string;
  target: string;
  limit: number;
  /** `max` (the default): the value must not exceed the limit; `min`: it must reach it. */
  bound?: 'max' | 'min';
}

/** A floor's bill per 1,000 documents in one region at one number of documents a submission. */
export interface FloorBill {
  region: string;
  documentsPerSubmission: number;
  lines: CostLine[];
  totalUsd: number;
}

export function judge(
  spec: TargetSpec,
  value: number | undefined,
  measured: string,
  note: string,
): TargetResult {
  const bound = spec.bound ?? 'max';
  const base = { ...spec, bound, measured, note };
  if (value === undefined || !Number.isFinite(value))
    return { ...base, value: null, met: null, margin: null };
  const met = bound === 'max' ? value <= spec.limit : value >= spec.limit;
  const margin = bound === 'max' ? value / spec.limit - 1 : 1 - value / spec.limit;
  return { ...base, value, met, margin };
}
