/**
 * What follows an upload to the intake bucket, as late and in whatever order AWS delivers it:
 * the "Object Created" event EventBridge hands to upload-received, and the GuardDuty Malware
 * Protection scan that tags the object version with `GuardDutyMalwareScanStatus`. On AWS both
 * arrive seconds to minutes after the PUT was answered, independently; locally each created
 * object schedules both, each after a delay drawn from its own range (defaults in the order AWS
 * shows them: the event after 500–3000 ms, the scan after 2000–20000 ms).
 *
 *   DANGAN_EVENT_DELAY_MS (--event-delay-ms)  N | MIN-MAX            (default 500-3000)
 *   DANGAN_SCAN_DELAY_MS  (--scan-delay-ms)   N | MIN-MAX | never    (default 2000-20000)
 *
 * `0` means as soon as possible, still after the PUT was answered; with both at 0 the scan is
 * started before the event is delivered, so a fast test almost always finds the tag when the
 * submission is validated (the functions must not count on it). `never` is GuardDuty broken: no
 * scan result ever comes.
 *
 * Local only, for tests: `/local/deliveries` (see deliveriesRoute) reads and changes the delays
 * for later objects, holds deliveries and releases held ones in the order a test chooses, with a
 * scan result of its choice. Held deliveries are kept in memory: a restart drops them, as
 * events get lost.
 */
import type { S3Client } from '../../functions/adapters/s3-http.ts';
import { errorMessage } from '../../functions/core/errors.ts';
import { MALWARE_SCAN_TAG } from '../../functions/core/intake-bucket.ts';
import type { LocalRoute } from './local-route.ts';
import { type ScanTarget, scanAndTag, tagScanResult } from './malware-scan.ts';
import type { S3ObjectCreatedRecord } from './s3/server.ts';

export const EVENT_DELAY_ENV = 'DANGAN_EVENT_DELAY_MS';
export const SCAN_DELAY_ENV = 'DANGAN_SCAN_DELAY_MS';

/** A delay drawn uniformly from minMs..maxMs (whole milliseconds, both included). */
export interface DelayRange {
  minMs: number;
  maxMs: number;
}
export type EventSetting = DelayRange | 'hold';
export type ScanSetting = DelayRange | 'hold' | 'never';
export interface DeliverySettings {
  event: EventSetting;
  scan: ScanSetting;
}

export const DEFAULT_EVENT_DELAY: DelayRange = { minMs: 500, maxMs: 3000 };
export const DEFAULT_SCAN_DELAY: DelayRange = { minMs: 2000, maxMs: 20_000 };
/** setTimeout's limit (about 24.8 days); a longer delay would fire at once. */
export const MAX_DELAY_MS = 2 ** 31 - 1;

/** The scan results GuardDuty Malware Protection for S3 writes into its tag. */
export const SCAN_STATUSES = [
  'NO_THREATS_FOUND',
  'THREATS_FOUND',
  'UNSUPPORTED',
  'ACCESS_DENIED',
  'FAILED',
] as const;
export type ScanStatus = (typeof SCAN_STATUSES)[number];

export type DeliveryKind = 'event' | 'scan';

export class DelaySettingError extends Error {}

/**
 * Parses `N`, `MIN-MAX` or (where allowed) `never`; the error names the setting (`name`).
 */
export function parseDelay(name: string, value: string, options: { never: true }): DelayRange | 'never';
export function parseDelay(name: string, value: string, options?: { never?: false }): DelayRange;
export function parseDelay(
  name: string,
  value: string,
  options: { never?: boolean } = {},
): DelayRange | 'never' {
  const text = value.trim();
  const forms = options.never ? 'N, MIN-MAX or never' : 'N or MIN-MAX';
  if (options.never && text === 'never') return 'never';
  const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(text);
  if (!m) {
    throw new DelaySettingError(`${name} must be ${forms} (milliseconds), not ${JSON.stringify(value)}`);
  }
  const minMs = Number(m[1]);
  const maxMs = m[2] === undefined ? minMs : Number(m[2]);
  if (maxMs > MAX_DELAY_MS) {
    throw new DelaySettingError(`${name} must be at most ${MAX_DELAY_MS} ms, not ${JSON.stringify(value)}`);
  }
  if (minMs > maxMs) {
    throw new DelaySettingError(`${name}: the minimum ${minMs} is above the maximum ${maxMs}`);
  }
  return { minMs, maxMs };
}

/** A delay within `range`, from `random()` in [0, 1). */
export function drawDelay(range: DelayRange, random: () => number): number {
  const span = range.maxMs - range.minMs;
  return Math.min(range.maxMs, range.minMs + Math.floor(random() * (span + 1)));
}

/** Where deliveries go: the EventBridge rule's target and the scanner. */
export interface DeliveryTargets {
  /** The "Object Created" event to upload-received (an asynchronous invocation). */
  event(record: S3ObjectCreatedRecord): unknown;
  /**
   * Scans the object version and tags it; with `status`, tags it with that result unscanned.
   * Returns the result.
   */
  scan(target: ScanTarget, status?: ScanStatus): Promise<string>;
}

/** setTimeout and clearTimeout, injectable for tests. */
export interface Timers {
  set(run: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const REAL_TIMERS: Timers = {
  set: (run, ms) => setTimeout(run, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface DeliveriesOptions extends DeliverySettings {
  targets: DeliveryTargets;
  /** In [0, 1); default Math.random. */
  random?: () => number;
  timers?: Timers;
  /** How long stop() waits for deliveries in flight (default 5000 ms). */
  stopWaitMs?: number;
  log?: (message: string) => void;
}

export interface HeldDelivery {
  kind: DeliveryKind;
  bucket: string;
  key: string;
  versionId?: string;
  sequencer: string;
  /** When the object was created. */
  createdAt: string;
}

export interface ReleaseRequest {
  kind: DeliveryKind;
  key: string;
  versionId?: string;
  /** Scans only: the result to tag instead of scanning the bytes. */
  status?: ScanStatus;
}

export interface Delivered extends HeldDelivery {
  /** Scans: the result tagged. */
  status?: string;
  /** Scans: why no result could be tagged. */
  error?: string;
}

interface Pending {
  kind: DeliveryKind;
  record: S3ObjectCreatedRecord;
  handle: unknown;
}

const target = (record: S3ObjectCreatedRecord): ScanTarget => ({
  bucket: record.bucket,
  key: record.key,
  ...(record.versionId !== undefined ? { versionId: record.versionId } : {}),
});

const heldView = (kind: DeliveryKind, record: S3ObjectCreatedRecord): HeldDelivery => ({
  kind,
  bucket: record.bucket,
  key: record.key,
  ...(record.versionId !== undefined ? { versionId: record.versionId } : {}),
  sequencer: record.sequencer,
  createdAt: record.eventTime ?? new Date().toISOString(),
});

export class Deliveries {
  private settings: DeliverySettings;
  private readonly targets: DeliveryTargets;
  private readonly random: () => number;
  private readonly timers: Timers;
  private readonly stopWaitMs: number;
  private readonly log: (message: string) => void;
  private readonly pending = new Set<Pending>();
  private readonly held: { kind: DeliveryKind; record: S3ObjectCreatedRecord }[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(options: DeliveriesOptions) {
    this.settings = { event: options.event, scan: options.scan };
    this.targets = options.targets;
    this.random = options.random ?? Math.random;
    this.timers = options.timers ?? REAL_TIMERS;
    this.stopWaitMs = options.stopWaitMs ?? 5000;
    this.log = options.log ?? ((message) => console.error(`[deliveries] ${message}`));
  }

  /** The settings for objects created from now on, the held deliveries and how many are on their way. */
  state(): DeliverySettings & { held: HeldDelivery[]; pending: { event: number; scan: number } } {
    const pending = { event: 0, scan: 0 };
    for (const p of this.pending) pending[p.kind]++;
    return {
      ...this.settings,
      held: this.held.map((h) => heldView(h.kind, h.record)),
      pending,
    };
  }

  /** Changes the settings for objects created from now on. */
  configure(change: Partial<DeliverySettings>): void {
    this.settings = { ...this.settings, ...change };
  }

  /**
   * An object was created: schedules its scan, then its event (so that with equal delays the
   * scan starts first). Called after the PUT was answered; never delivers anything at once.
   */
  objectCreated(record: S3ObjectCreatedRecord): void {
    if (this.stopped) return;
    this.schedule('scan', record, this.settings.scan);
    this.schedule('event', record, this.settings.event);
  }

  private schedule(kind: DeliveryKind, record: S3ObjectCreatedRecord, setting: ScanSetting): void {
    if (setting === 'never') return;
    if (setting === 'hold') {
      this.held.push({ kind, record });
      return;
    }
    const pending: Pending = { kind, record, handle: undefined };
    pending.handle = this.timers.set(
      () => {
        if (!this.pending.delete(pending) || this.stopped) return;
        void this.deliver(kind, record);
      },
      drawDelay(setting, this.random),
    );
    this.pending.add(pending);
  }

  private deliver(
    kind: DeliveryKind,
    record: S3ObjectCreatedRecord,
    status?: ScanStatus,
  ): Promise<Delivered> {
    const what = heldView(kind, record);
    const run = async (): Promise<Delivered> => {
      if (kind === 'event') {
        await this.targets.event(record);
        return what;
      }
      try {
        return { ...what, status: await this.targets.scan(target(record), status) };
      } catch (err) {
        const message = errorMessage(err);
        this.log(`malware scan of ${record.key} (version ${record.versionId ?? 'null'}) failed: ${message}`);
        return { ...what, error: message };
      }
    };
    const p = run().catch((err: unknown) => {
      const message = errorMessage(err);
      this.log(`${kind} delivery for ${record.key} failed: ${message}`);
      return { ...what, error: message };
    });
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
    return p;
  }

  /**
   * Delivers the held deliveries each request matches, request by request in the order given
   * (within one request, in the order the objects were created), and answers with what was
   * delivered; a scan has been tagged when this resolves, an event has been handed to its target.
   * When some request matches nothing, nothing is delivered and `unmatched` names it.
   */
  async release(
    requests: readonly ReleaseRequest[],
  ): Promise<{ delivered: Delivered[] } | { unmatched: ReleaseRequest }> {
    const batches: { kind: DeliveryKind; record: S3ObjectCreatedRecord; status?: ScanStatus }[][] = [];
    const taken = new Set<number>();
    for (const request of requests) {
      const batch: (typeof batches)[number] = [];
      this.held.forEach((h, i) => {
        if (taken.has(i) || h.kind !== request.kind || h.record.key !== request.key) return;
        if (request.versionId !== undefined && h.record.versionId !== request.versionId) return;
        taken.add(i);
        batch.push({ kind: h.kind, record: h.record, ...(request.status ? { status: request.status } : {}) });
      });
      if (batch.length === 0) return { unmatched: request };
      batches.push(batch);
    }
    const left = this.held.filter((_, i) => !taken.has(i));
    this.held.splice(0, this.held.length, ...left);
    const delivered: Delivered[] = [];
    for (const h of batches.flat()) {
      if (this.stopped) break; // stopping: what is left is dropped, as the held ones are
      delivered.push(await this.deliver(h.kind, h.record, h.status));
    }
    return { delivered };
  }

  /**
   * Cancels every scheduled delivery, drops the held ones and waits, at most stopWaitMs, for
   * those in flight; nothing is delivered afterwards.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const p of this.pending) this.timers.clear(p.handle);
    this.pending.clear();
    this.held.length = 0;
    if (this.inFlight.size === 0) return;
    let bound: unknown;
    const timedOut = await Promise.race([
      Promise.allSettled([...this.inFlight]).then(() => false),
      new Promise<boolean>((resolve) => {
        bound = this.timers.set(() => resolve(true), this.stopWaitMs);
      }),
    ]);
    this.timers.clear(bound);
    if (timedOut) this.log(`stopped with ${this.inFlight.size} deliveries still in flight`);
  }
}

/**
 * The scanner as a delivery target: scans and tags the version (malware-scan.ts), or tags it
 * with a given result without scanning.
 */
export function scanner(s3: S3Client, tagKey = MALWARE_SCAN_TAG): DeliveryTargets['scan'] {
  return (object, status) =>
    status === undefined ? scanAndTag(s3, object, tagKey) : tagScanResult(s3, object, status, tagKey);
}

// ---------------------------------------------------------------------- /local/deliveries

const answer = (status: number, body: unknown) => ({ status, body });
const problem = (status: number, code: string, message: string) =>
  answer(status, { error: { code, message } });

class BadInput extends Error {}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function rangeInput(field: string, v: unknown): DelayRange {
  if (!isRecord(v))
    throw new BadInput(`${field} must be "hold"${field === 'scan' ? ', "never"' : ''} or {"minMs", "maxMs"}`);
  const { minMs, maxMs } = v;
  for (const [name, n] of [
    ['minMs', minMs],
    ['maxMs', maxMs],
  ] as const) {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_DELAY_MS) {
      throw new BadInput(`${field}.${name} must be a whole number of milliseconds from 0 to ${MAX_DELAY_MS}`);
    }
  }
  if ((minMs as number) > (maxMs as number)) throw new BadInput(`${field}.minMs is above ${field}.maxMs`);
  return { minMs: minMs as number, maxMs: maxMs as number };
}

function settingsInput(input: unknown): Partial<DeliverySettings> {
  if (!isRecord(input)) throw new BadInput('the body must be an object with "event" and/or "scan"');
  const unknown = Object.keys(input).filter((k) => k !== 'event' && k !== 'scan');
  if (unknown.length > 0) throw new BadInput(`unknown field ${unknown.join(', ')}; only "event" and "scan"`);
  if (input.event === undefined && input.scan === undefined) {
    throw new BadInput('give "event" and/or "scan"');
  }
  const change: Partial<DeliverySettings> = {};
  if (input.event !== undefined)
    change.event = input.event === 'hold' ? 'hold' : rangeInput('event', input.event);
  if (input.scan !== undefined) {
    change.scan =
      input.scan === 'hold' || input.scan === 'never' ? input.scan : rangeInput('scan', input.scan);
  }
  return change;
}

function releaseInput(v: unknown, at: string): ReleaseRequest {
  if (!isRecord(v)) throw new BadInput(`${at} must be an object with "kind" and "key"`);
  const { kind, key, versionId, status } = v;
  if (kind !== 'event' && kind !== 'scan') throw new BadInput(`${at}.kind must be "event" or "scan"`);
  if (typeof key !== 'string' || key === '') throw new BadInput(`${at}.key must be an object key`);
  if (versionId !== undefined && (typeof versionId !== 'string' || versionId === '')) {
    throw new BadInput(`${at}.versionId must be a version id`);
  }
  if (status !== undefined) {
    if (kind !== 'scan') throw new BadInput(`${at}.status is for scans only`);
    if (!SCAN_STATUSES.includes(status as ScanStatus)) {
      throw new BadInput(`${at}.status must be one of ${SCAN_STATUSES.join(', ')}`);
    }
  }
  return {
    kind,
    key,
    ...(versionId !== undefined ? { versionId: versionId as string } : {}),
    ...(status !== undefined ? { status: status as ScanStatus } : {}),
  };
}

/**
 * `/local/deliveries`, local only:
 * - `GET` → `{event, scan, held: [{kind, bucket, key, versionId?, sequencer, createdAt}], pending: {event, scan}}`
 * - `POST {"event"?: "hold" | {minMs, maxMs}, "scan"?: "hold" | "never" | {minMs, maxMs}}` changes
 *   the settings for objects created from then on; answers as GET.
 * - `POST /local/deliveries/release {"kind": "scan" | "event", "key", "versionId"?, "status"?}`
 *   (or an array of them, delivered in that order) delivers the matching held deliveries and
 *   answers `{delivered: [...]}`; 404 when one matches nothing (then nothing is delivered).
 */
export function deliveriesRoute(deliveries: Deliveries): LocalRoute {
  return async (method, path, body) => {
    if (path !== '/local/deliveries' && path !== '/local/deliveries/release') return undefined;
    const release = path === '/local/deliveries/release';
    if (method === 'GET' && !release) return answer(200, deliveries.state());
    if (method !== 'POST') {
      return problem(405, 'MethodNotAllowed', release ? 'use POST' : 'use GET or POST');
    }
    let input: unknown;
    try {
      input = JSON.parse(body.toString('utf8') || 'null');
    } catch {
      return problem(400, 'BadRequest', 'request body is not valid JSON');
    }
    try {
      if (!release) {
        deliveries.configure(settingsInput(input));
        return answer(200, deliveries.state());
      }
      const list = Array.isArray(input) ? input : [input];
      if (list.length === 0) throw new BadInput('give at least one delivery to release');
      const requests = list.map((v, i) => releaseInput(v, Array.isArray(input) ? `[${i}]` : 'body'));
      const result = await deliveries.release(requests);
      if ('unmatched' in result) {
        const r = result.unmatched;
        return problem(
          404,
          'NotFound',
          `no held ${r.kind} for ${r.key}${r.versionId !== undefined ? ` (version ${r.versionId})` : ''}`,
        );
      }
      return answer(200, result);
    } catch (err) {
      if (err instanceof BadInput) return problem(400, 'BadRequest', err.message);
      throw err;
    }
  };
}
