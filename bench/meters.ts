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
  /** Invocations finished so far (recording or not), and those of them that succeeded. */
  completed: Record<string, number>;
  succeeded: Record<string, number>;
  inflight: Record<string, number>;
}
