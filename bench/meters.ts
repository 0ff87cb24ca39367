/**
 * What the meters of probe.ts record, as the bench process reads it. (probe.ts itself only runs
 * inside the local system's process.)
 */

export const PROBE_PORT_ENV = 'DANGAN_BENCH_PROBE_PORT';

export interface InvocationRecord {
  fn: string;
  ms: number;
  ok: boolean;
  /** The error type of a failed invocation (what Step Functions' Retry matches on). */
  error?: string;
}

export interface CapacityRecord {
  fn: string;
  op: string;
  calls: number;
  failed: number;
  read: number;
  write: number;
  /** Units of refused calls (a failed condition, a cancelled transaction), included in read and write. */
  refused: number;
}

/**
 * Capacity units one partition key took: `<table> <value>` for the table's partition key,
 * `<table>.<index> <value>` for an index's, `<table> (<op>)` for a read of no single key (Scan).
 */
export interface PartitionLoad {
  partition: string;
  read: number;
  write: number;
}

export interface HttpRecord {
  port: number;
  method: string;
  url: string;
  copySource: boolean;
  status: number;
}

export interface ProbeState {
  recording: boolean;
  invocations: InvocationRecord[];
  capacity: CapacityRecord[];
  http: HttpRecord[];
  logBytes: Record<string, number>;
  /** Units per partition key; filled in the answer to stop only (it grows with every key written). */
  partitions: PartitionLoad[];
  /** Invocations finished so far (recording or not), and those of them that succeeded. */
  completed: Record<string, number>;
  succeeded: Record<string, number>;
  inflight: Record<string, number>;
}
