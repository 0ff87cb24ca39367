/**
 * From what the meters recorded to AWS billing units: Lambda invocations and GB-seconds,
 * DynamoDB units, S3 requests by class, API requests, log bytes, and the state transitions of
 * the executions a workload started (read back through GetExecutionHistory, page by page).
 */
import {
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { WORKFLOW_TRACE_RATE } from '../infra/shared.ts';
import {
  gbSeconds,
  infrequentAccessShares,
  type Prices,
  s3Operation,
  stateTransitions,
  type TableClass,
  type Usage,
} from './cost.ts';
import type { ProbeState } from './meters.ts';

export interface Breakdown {
  /** Per function: invocations, mean billed ms, read and write units, log bytes. */
  functions: Record<
    string,
    { invocations: number; meanMs: number; read: number; write: number; logBytes: number }
  >;
  /** S3 operations and their counts. */
  s3: Record<string, number>;
  /** API routes (method and path with ids replaced) and their counts. */
  api: Record<string, number>;
  /** Failed invocations, DynamoDB calls refused, HTTP answers 5xx: a healthy run has none. */
  errors: { invocations: number; capacity: number; refusedUnits: number; http5xx: number };
}

export interface ExecutionCount {
  executions: number;
  entered: number;
  retries: number;
  statuses: Record<string, number>;
}

/** Executions of a state machine that `include` picks, once none of them is still running. */
async function finishedExecutions(
  sfn: SFNClient,
  stateMachineArn: string,
  include: (execution: { name: string; startDate: Date }) => boolean,
  timeoutMs: number,
): Promise<{ arn: string; status: string }[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const arns: { arn: string; status: string }[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 100, nextToken }));
      for (const e of page.executions ?? []) {
        if (e.executionArn && e.startDate && include({ name: e.name ?? '', startDate: e.startDate })) {
          arns.push({ arn: e.executionArn, status: e.status ?? '' });
        }
      }
      nextToken = page.nextToken;
    } while (nextToken);
    if (!arns.some((a) => a.status === 'RUNNING') || Date.now() > deadline) return arns;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The state transitions of the executions `include` picks (waiting up to `timeoutMs` for them to end). */
export async function countTransitions(
  sfn: SFNClient,
  stateMachineArn: string,
  include: (execution: { name: string; startDate: Date }) => boolean,
  timeoutMs = 60_000,
): Promise<ExecutionCount> {
  const arns = await finishedExecutions(sfn, stateMachineArn, include, timeoutMs);
  const out: ExecutionCount = { executions: arns.length, entered: 0, retries: 0, statuses: {} };
  for (const { arn, status } of arns) {
    out.statuses[status] = (out.statuses[status] ?? 0) + 1;
    const events: HistoryEvent[] = [];
    let token: string | undefined;
    do {
      const page = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn: arn, nextToken: token, includeExecutionData: false }),
      );
      events.push(...(page.events ?? []));
      token = page.nextToken;
    } while (token);
    const t = stateTransitions(events);
    out.entered += t.entered;
    out.retries += t.retries;
  }
  return out;
}

/** `/submissions/abc/submit` → `/submissions/{id}/submit`. */
export function routeOf(method: string, url: string): string {
  const path = new URL(url, 'http://api.local').pathname
    .split('/')
    .map((seg, i) => (i >= 2 && seg !== '' && !/^[a-z-]+$/.test(seg) ? '{id}' : seg))
    .join('/');
  return `${method} ${path}`;
}

export interface UsageInput {
  state: ProbeState;
  ports: { api: number; s3: number };
  intakeBucket: string;
  memoryMB: (fn: string) => number;
  prices: Prices;
  transitions: number;
  /** Workflow executions started: X-Ray traces the sampled share of them (functions start none). */
  executions: number;
  /** Uploads the malware scanner evaluated, and their bytes. */
  scanned: { objects: number; bytes: number };
  /** Bytes people's browsers read from S3 through presigned URLs (counted by the workload's client). */
  downloadedBytes: number;
  /** Functions the tables' streams feed: each invocation reads one stream batch. */
  streamConsumers: readonly string[];
  /** Whether the archive bucket's lifecycle moves originals to a colder class (the stack's rule). */
  originalsTransition: boolean;
  /**
   * INIT of one cold start of `fn` in ms (the bundle's measured import time), and the share of
   * invocations that start a new execution environment.
   */
  coldStarts: { initMs: (fn: string) => number; share: number };
  /** Each table's class (by table id), which prices its request units. */
  tableClass: (table: string) => TableClass;
  /** Whether Lambda logs the platform lines of `fn`'s invocations that succeed (a failed one's always). */
  platformLinesLogged: (fn: string) => boolean;
}

export function usageOf(input: UsageInput): { usage: Usage; breakdown: Breakdown } {
  const { state, ports, prices } = input;
  const functions: Breakdown['functions'] = {};
  const fnRow = (fn: string) => {
    let row = functions[fn];
    if (!row) {
      row = { invocations: 0, meanMs: 0, read: 0, write: 0, logBytes: 0 };
      functions[fn] = row;
    }
    return row;
  };
  let gb = 0;
  let initGb = 0;
  let failedInvocations = 0;
  let platformLogged = 0;
  let streamReads = 0;
  const consumers = new Set(input.streamConsumers);
  for (const inv of state.invocations) {
    const row = fnRow(inv.fn);
    row.meanMs += Math.max(1, Math.ceil(inv.ms));
    row.invocations++;
    gb += gbSeconds(inv.ms, input.memoryMB(inv.fn));
    const initMs = input.coldStarts.initMs(inv.fn);
    if (initMs > 0) initGb += input.coldStarts.share * gbSeconds(initMs, input.memoryMB(inv.fn));
    if (consumers.has(inv.fn)) streamReads++;
    if (!inv.ok) failedInvocations++;
    if (!inv.ok || input.platformLinesLogged(inv.fn)) platformLogged++;
  }
  for (const row of Object.values(functions)) row.meanMs = row.invocations ? row.meanMs / row.invocations : 0;
  let read = 0;
  let write = 0;
  let failedCapacity = 0;
  let refusedUnits = 0;
  for (const c of state.capacity) {
    refusedUnits += c.refused ?? 0;
    const row = fnRow(c.fn);
    row.read += c.read;
    row.write += c.write;
    read += c.read;
    write += c.write;
    failedCapacity += c.failed;
  }
  let logBytes = 0;
  for (const [fn, bytes] of Object.entries(state.logBytes)) {
    fnRow(fn).logBytes += bytes;
    logBytes += bytes;
  }
  logBytes += platformLogged * prices.cloudWatchLogs.lambdaPlatformBytesPerInvocation;

  const s3: Record<string, number> = {};
  const api: Record<string, number> = {};
  let tier1 = 0;
  let tier2 = 0;
  let s3Requests = 0;
  let originals = 0;
  let serviceEvents = 0;
  let apiRequests = 0;
  let http5xx = 0;
  for (const h of state.http) {
    if (h.status >= 500) http5xx++;
    if (h.port === ports.s3) {
      const { op, cls } = s3Operation(h.method, h.url, h.copySource);
      const bucket = new URL(h.url, 'http://s3.local').pathname.split('/')[1] ?? '';
      const label = `${op} ${bucket === input.intakeBucket ? 'intake' : 'archive'}`;
      s3[label] = (s3[label] ?? 0) + 1;
      s3Requests++;
      // Both buckets send their events to EventBridge: an object created, its tags added.
      if (h.status < 300 && ['PutObject', 'CopyObject', 'PutObjectTagging'].includes(op)) serviceEvents++;
      // The archive copy of an original; the audit trail's small objects (under 128 KB) stay where
      // they are, since S3 lifecycle rules do not transition objects that small by default.
      if (h.status < 300 && op === 'CopyObject' && bucket !== input.intakeBucket) originals++;
      if (cls === 'tier1') tier1++;
      else if (cls === 'tier2') tier2++;
    } else if (h.port === ports.api && !h.url.startsWith('/local/') && h.method !== 'OPTIONS') {
      apiRequests++;
      const r = routeOf(h.method, h.url);
      api[r] = (api[r] ?? 0) + 1;
    }
  }

  const ia = infrequentAccessShares(state.partitions, input.tableClass);
  return {
    usage: {
      stateTransitions: input.transitions,
      lambdaRequests: state.invocations.length,
      lambdaGbSeconds: gb,
      lambdaInitGbSeconds: initGb,
      dynamoReadUnits: read * (1 - ia.read),
      dynamoWriteUnits: write * (1 - ia.write),
      dynamoIaReadUnits: read * ia.read,
      dynamoIaWriteUnits: write * ia.write,
      streamReads,
      s3Tier1: tier1,
      s3Tier2: tier2,
      lifecycleTransitions: input.originalsTransition ? originals : 0,
      dataTransferOutBytes: input.downloadedBytes,
      accessLogRecords: s3Requests,
      apiRequests,
      // The malware scanner reports each result as an event too.
      serviceEvents: serviceEvents + input.scanned.objects,
      logBytes,
      scannedObjects: input.scanned.objects,
      scannedBytes: input.scanned.bytes,
      traces: input.executions * WORKFLOW_TRACE_RATE,
    },
    breakdown: {
      functions,
      s3,
      api,
      errors: { invocations: failedInvocations, capacity: failedCapacity, refusedUnits, http5xx },
    },
  };
}
