/** The shape of bench/results.json, and how targets are judged. */
import type { ColdStartResult } from './coldstart.ts';
import type { CostLine, StorageModel, Usage } from './cost.ts';
import type { HotKeyRun } from './hotkeys.ts';
import type { ImportBenchResult } from './import.ts';
import type { Summary } from './stats.ts';
import type { ThrottleCheck } from './throttles.ts';
import type { ThroughputResult } from './throughput.ts';
import type { Breakdown, ExecutionCount } from './usage.ts';

/** The calibration point of the import target: the DynamoDB client alone, bundled the same way. */
export const REFERENCE = 'reference: DynamoDB client alone';

export interface WorkloadCost {
  label: string;
  businessEvent: string;
  submissions: number;
  documentsPerSubmission: number;
  documentsArchived: number;
  scanBytes: number;
  wallMs: number;
  executions: ExecutionCount;
  usage: Usage;
  /** Per 1,000 documents archived. */
  perThousand: { lines: CostLine[]; targetUsd: number; allUsd: number };
  /** Validate retries caused by the local engine starting the execution before the submit request records it. */
  localRace: { retries: number; targetUsdPerThousand: number };
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
  /** Per 1,000 loans; totalUsd covers the same services as the intake target. */
  perThousand: { lines: CostLine[]; totalUsd: number; allUsd: number };
  /** Extra per 1,000 loans when the originals read are past the lifecycle transition. */
  glacierReadUsdPerThousand: number;
  breakdown: Breakdown;
}

export interface SweepResult {
  runs: {
    size: number;
    due: number;
    proposed: number;
    batches: number;
    readRequests: number;
    readUnits: number;
    writeRequests: number;
    writeUnits: number;
    scans: number;
    seedSeconds: number;
  }[];
  /** Read units at the largest size over those at the smallest. */
  readRatio: number;
  /** DynamoDB dollars of one sweep, by archive size. */
  usdPerSweep: Record<string, number>;
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
    prices: { region: string; asOf: string; source: string };
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
    /** In-target dollars per submission = fixed + perDocument × documents. */
    model: { fixedUsdPerSubmission: number; usdPerDocument: number; perThousandAt: Record<string, number> };
  };
  loans: NotMeasured | { workloads: LoanCost[] };
  sweep: NotMeasured | SweepResult;
  storage: StorageModel & { meanScanBytes: number; metadataBytesPerDocument: number; archiveClass: string };
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
