import { mkdtempSync, rmSync } from 'node:fs';
import { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_EVENT_DELAY,
  DEFAULT_SCAN_DELAY,
  DelaySettingError,
  Deliveries,
  type DeliveriesOptions,
  deliveriesRoute,
  drawDelay,
  parseDelay,
  type Timers,
} from '../../infra/local/deliveries.ts';
import type { ScanTarget } from '../../infra/local/malware-scan.ts';
import type { S3ObjectCreatedRecord } from '../../infra/local/s3/server.ts';
import { startS3Server } from '../../infra/local/s3/server.ts';

/** Timers that run only when the test moves them: no wall clock involved. */
class ManualTimers implements Timers {
  now = 0;
  /** Every delay asked for, in order. */
  readonly asked: number[] = [];
  private seq = 0;
  private readonly queue = new Map<number, { at: number; seq: number; run: () => void }>();

  set(run: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.asked.push(ms);
    this.queue.set(id, { at: this.now + ms, seq: id, run });
    return id;
  }

  clear(handle: unknown): void {
    this.queue.delete(handle as number);
  }

  get waiting(): number {
    return this.queue.size;
  }

  /** Moves time forward by `ms`, running what falls due in time order (then in the order set). */
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const due = [...this.queue.entries()]
        .filter(([, t]) => t.at <= until)
        .sort(([, a], [, b]) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.queue.delete(due[0]);
      this.now = due[1].at;
      due[1].run();
    }
    this.now = until;
  }
}

/** Random numbers from a list, then repeating its last one. */
const randoms = (...values: number[]) => {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)] ?? 0;
};

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

let sequencer = 0;
const record = (key: string, versionId?: string): S3ObjectCreatedRecord => ({
  eventName: 'ObjectCreated:Put',
  bucket: 'dangan-intake',
  key,
  size: 10,
  eTag: 'd41d8cd98f00b204e9800998ecf8427e',
  sequencer: (++sequencer).toString(16).padStart(16, '0'),
  eventTime: '2026-03-02T08:00:00.000Z',
  ...(versionId !== undefined ? { versionId } : {}),
});

/** Fake targets that note each delivery; scans answer at once unless `blockScans`. */
function fakeTargets(options: { blockScans?: boolean } = {}) {
  const delivered: string[] = [];
  const releaseScans: (() => void)[] = [];
  return {
    delivered,
    releaseScans,
    targets: {
      event: (r: S3ObjectCreatedRecord) => {
        delivered.push(`event ${r.key}${r.versionId ? `@${r.versionId}` : ''}`);
      },
      scan: async (t: ScanTarget, status?: string) => {
        delivered.push(`scan ${t.key}${t.versionId ? `@${t.versionId}` : ''}${status ? ` ${status}` : ''}`);
        if (options.blockScans) await new Promise<void>((resolve) => releaseScans.push(resolve));
        return status ?? 'NO_THREATS_FOUND';
      },
    },
  };
}

function make(options: Partial<DeliveriesOptions> & { blockScans?: boolean } = {}) {
  const timers = new ManualTimers();
  const fake = fakeTargets(options);
  const logged: string[] = [];
  const deliveries = new Deliveries({
    event: DEFAULT_EVENT_DELAY,
    scan: DEFAULT_SCAN_DELAY,
    targets: fake.targets,
    timers,
    random: Math.random,
    log: (m) => logged.push(m),
    ...options,
  });
  return { deliveries, timers, logged, ...fake };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('delivery delays', () => {
  it('are drawn inside each range: the scan and the event independently', () => {
    const { deliveries, timers } = make({ random: randoms(0, 0.999_999, 0.5, 0.25) });
    deliveries.objectCreated(record('intake/a'));
    deliveries.objectCreated(record('intake/b'));
    // Scan first, then event, for each object.
    expect(timers.asked).toEqual([2000, 3000, 11_000, 1125]);
    expect(drawDelay({ minMs: 0, maxMs: 0 }, () => 0.999_999)).toBe(0);
    expect(drawDelay({ minMs: 7, maxMs: 7 }, () => 0.5)).toBe(7);
    for (const r of [0, 0.1, 0.5, 0.9, 0.999_999_9]) {
      const d = drawDelay(DEFAULT_SCAN_DELAY, () => r);
      expect(d).toBeGreaterThanOrEqual(2000);
      expect(d).toBeLessThanOrEqual(20_000);
      expect(Number.isInteger(d)).toBe(true);
    }
  });

  it('deliver each when its own delay is up, in either order', async () => {
    const { deliveries, timers, delivered } = make({ random: randoms(0, 1 - 1e-9) });
    deliveries.objectCreated(record('intake/a', 'v1'));
    // The scan after 2000 ms, the event after 3000 ms.
    timers.advance(1999);
    await flush();
    expect(delivered).toEqual([]);
    timers.advance(1);
    await flush();
    expect(delivered).toEqual(['scan intake/a@v1']);
    timers.advance(1000);
    await flush();
    expect(delivered).toEqual(['scan intake/a@v1', 'event intake/a@v1']);

    const late = make({
      event: { minMs: 5000, maxMs: 5000 },
      scan: { minMs: 100, maxMs: 100 },
    });
    const early = make({
      event: { minMs: 100, maxMs: 100 },
      scan: { minMs: 5000, maxMs: 5000 },
    });
    for (const x of [late, early]) {
      x.deliveries.objectCreated(record('intake/b'));
      x.timers.advance(5000);
      await flush();
    }
    expect(late.delivered).toEqual(['scan intake/b', 'event intake/b']);
    expect(early.delivered).toEqual(['event intake/b', 'scan intake/b']);
  });

  it('at 0 deliver nothing at once, then start the scan before the event', async () => {
    const zero = { minMs: 0, maxMs: 0 };
    const { deliveries, timers, delivered } = make({ event: zero, scan: zero });
    deliveries.objectCreated(record('intake/a'));
    await flush();
    expect(delivered).toEqual([]);
    expect(timers.asked).toEqual([0, 0]);
    timers.advance(0);
    await flush();
    expect(delivered).toEqual(['scan intake/a', 'event intake/a']);
  });

  it('with the scan "never", deliver the event and never a scan result', async () => {
    const { deliveries, timers, delivered } = make({ scan: 'never' });
    deliveries.objectCreated(record('intake/a'));
    timers.advance(1_000_000);
    await flush();
    expect(delivered).toEqual(['event intake/a']);
    expect(deliveries.state()).toMatchObject({ scan: 'never', held: [], pending: { event: 0, scan: 0 } });
  });
});

describe('the local S3 and the deliveries', () => {
  it('answer the PUT before the callback runs, and deliver only after it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dangan-deliveries-'));
    const zero = { minMs: 0, maxMs: 0 };
    const order: string[] = [];
    const timers = new ManualTimers();
    const deliveries = new Deliveries({
      event: zero,
      scan: zero,
      timers,
      targets: {
        event: (r) => {
          order.push(`event ${r.versionId}`);
        },
        scan: async (t) => {
          order.push(`scan ${t.versionId}`);
          return 'NO_THREATS_FOUND';
        },
      },
    });
    let finishCallback: () => void = () => undefined;
    const end = ServerResponse.prototype.end;
    vi.spyOn(ServerResponse.prototype, 'end').mockImplementation(function (this: ServerResponse, ...args) {
      if (this.req?.method === 'PUT') order.push(`response ${this.statusCode}`);
      return end.apply(this, args as Parameters<typeof end>);
    });
    const server = await startS3Server({
      dataDir,
      region: 'us-east-1',
      credentials: { AKIDDELIVERIES: 'secret' },
      buckets: [{ name: 'dangan-intake', versioning: true }],
      // A callback that is still running does not hold up the answer.
      onObjectCreated: (r) => {
        order.push('created');
        deliveries.objectCreated(r);
        return new Promise<void>((resolve) => {
          finishCallback = resolve;
        });
      },
    });
    const s3 = new S3Client({
      endpoint: server.url,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIDDELIVERIES', secretAccessKey: 'secret' },
    });
    try {
      const put = await s3.send(
        new PutObjectCommand({ Bucket: 'dangan-intake', Key: 'intake/a', Body: 'x' }),
      );
      expect(put.$metadata.httpStatusCode).toBe(200);
      await vi.waitFor(() => expect(order).toContain('created'));
      expect(order).toEqual(['response 200', 'created']);
      timers.advance(0);
      await flush();
      expect(order).toEqual(['response 200', 'created', `scan ${put.VersionId}`, `event ${put.VersionId}`]);
    } finally {
      finishCallback();
      s3.destroy();
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('logs a failing callback and still answers the write', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dangan-deliveries-'));
    const errors: unknown[][] = [];
    vi.spyOn(console, 'error').mockImplementation((...args) => {
      errors.push(args);
    });
    const server = await startS3Server({
      dataDir,
      region: 'us-east-1',
      credentials: { AKIDDELIVERIES: 'secret' },
      buckets: [{ name: 'dangan-intake', versioning: true }],
      onObjectCreated: async () => {
        throw new Error('the rule target is down');
      },
    });
    const s3 = new S3Client({
      endpoint: server.url,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIDDELIVERIES', secretAccessKey: 'secret' },
    });
    try {
      const put = await s3.send(
        new PutObjectCommand({ Bucket: 'dangan-intake', Key: 'intake/a', Body: 'x' }),
      );
      expect(put.$metadata.httpStatusCode).toBe(200);
      await vi.waitFor(() => expect(errors).toHaveLength(1));
      expect(String(errors[0]?.[0])).toContain('onObjectCreated failed for s3://dangan-intake/intake/a');
    } finally {
      s3.destroy();
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('held deliveries', () => {
  it('are listed, and released in the order the caller gives, with a forced scan result', async () => {
    const { deliveries, timers, delivered } = make({ event: 'hold', scan: 'hold' });
    deliveries.objectCreated(record('intake/a', 'v1'));
    deliveries.objectCreated(record('intake/a', 'v2'));
    deliveries.objectCreated(record('intake/b', 'v3'));
    timers.advance(1_000_000);
    await flush();
    expect(delivered).toEqual([]);
    expect(deliveries.state().held).toEqual([
      expect.objectContaining({ kind: 'scan', bucket: 'dangan-intake', key: 'intake/a', versionId: 'v1' }),
      expect.objectContaining({ kind: 'event', key: 'intake/a', versionId: 'v1' }),
      expect.objectContaining({ kind: 'scan', key: 'intake/a', versionId: 'v2' }),
      expect.objectContaining({ kind: 'event', key: 'intake/a', versionId: 'v2' }),
      expect.objectContaining({ kind: 'scan', key: 'intake/b', versionId: 'v3' }),
      expect.objectContaining({ kind: 'event', key: 'intake/b', versionId: 'v3' }),
    ]);
    expect(deliveries.state().held[0]).toEqual({
      kind: 'scan',
      bucket: 'dangan-intake',
      key: 'intake/a',
      versionId: 'v1',
      sequencer: expect.any(String),
      createdAt: '2026-03-02T08:00:00.000Z',
    });

    // The newer version's event first, then the older's scan, found infected.
    const first = await deliveries.release([
      { kind: 'event', key: 'intake/a', versionId: 'v2' },
      { kind: 'scan', key: 'intake/a', versionId: 'v1', status: 'THREATS_FOUND' },
    ]);
    expect(delivered).toEqual(['event intake/a@v2', 'scan intake/a@v1 THREATS_FOUND']);
    expect(first).toEqual({
      delivered: [
        expect.objectContaining({ kind: 'event', key: 'intake/a', versionId: 'v2' }),
        expect.objectContaining({ kind: 'scan', key: 'intake/a', versionId: 'v1', status: 'THREATS_FOUND' }),
      ],
    });

    // Without a version: every held one of that kind for the key, oldest first.
    delivered.length = 0;
    await deliveries.release([{ kind: 'event', key: 'intake/a' }]);
    expect(delivered).toEqual(['event intake/a@v1']);
    expect(deliveries.state().held.map((h) => `${h.kind} ${h.key}@${h.versionId}`)).toEqual([
      'scan intake/a@v2',
      'scan intake/b@v3',
      'event intake/b@v3',
    ]);
  });

  it('release nothing when one request matches nothing', async () => {
    const { deliveries, delivered } = make({ event: 'hold', scan: 'hold' });
    deliveries.objectCreated(record('intake/a', 'v1'));
    const result = await deliveries.release([
      { kind: 'event', key: 'intake/a', versionId: 'v1' },
      { kind: 'scan', key: 'intake/a', versionId: 'v9' },
    ]);
    expect(result).toEqual({ unmatched: { kind: 'scan', key: 'intake/a', versionId: 'v9' } });
    expect(delivered).toEqual([]);
    expect(deliveries.state().held).toHaveLength(2);
  });

  it('follow a change of settings for later objects only', async () => {
    const { deliveries, timers, delivered } = make({ random: () => 0 });
    deliveries.objectCreated(record('intake/a'));
    deliveries.configure({ scan: 'hold' });
    deliveries.objectCreated(record('intake/b'));
    timers.advance(2000);
    await flush();
    expect(delivered).toEqual(['event intake/a', 'event intake/b', 'scan intake/a']);
    expect(deliveries.state()).toMatchObject({
      event: DEFAULT_EVENT_DELAY,
      scan: 'hold',
      held: [expect.objectContaining({ kind: 'scan', key: 'intake/b' })],
    });
  });
});

describe('/local/deliveries', () => {
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));
  const empty = Buffer.alloc(0);

  it('reads and changes the settings', async () => {
    const { deliveries } = make();
    const route = deliveriesRoute(deliveries);
    expect(await route('GET', '/local/deliveries', empty)).toEqual({
      status: 200,
      body: {
        event: { minMs: 500, maxMs: 3000 },
        scan: { minMs: 2000, maxMs: 20_000 },
        held: [],
        pending: { event: 0, scan: 0 },
      },
    });
    const changed = await route('POST', '/local/deliveries', json({ event: 'hold', scan: 'never' }));
    expect(changed).toMatchObject({ status: 200, body: { event: 'hold', scan: 'never' } });
    const again = await route('POST', '/local/deliveries', json({ scan: { minMs: 10, maxMs: 20 } }));
    expect(again).toMatchObject({ status: 200, body: { event: 'hold', scan: { minMs: 10, maxMs: 20 } } });
    expect(await route('GET', '/local/other', empty)).toBeUndefined();
    expect(await route('DELETE', '/local/deliveries', empty)).toMatchObject({ status: 405 });
    expect(await route('GET', '/local/deliveries/release', empty)).toMatchObject({ status: 405 });
  });

  it.each([
    ['not JSON', Buffer.from('{'), /not valid JSON/],
    ['no field', json({}), /"event" and\/or "scan"/],
    ['an unknown field', json({ events: 'hold' }), /unknown field events/],
    ['"never" for the event', json({ event: 'never' }), /event must be "hold" or \{"minMs", "maxMs"\}/],
    ['a negative delay', json({ scan: { minMs: -1, maxMs: 5 } }), /scan.minMs must be a whole number/],
    ['a reversed range', json({ event: { minMs: 9, maxMs: 5 } }), /event.minMs is above event.maxMs/],
    ['a string delay', json({ event: { minMs: '1', maxMs: 5 } }), /event.minMs must be a whole number/],
  ])('refuses settings with %s (400) and keeps the old ones', async (_name, body, message) => {
    const { deliveries } = make();
    const route = deliveriesRoute(deliveries);
    const res = await route('POST', '/local/deliveries', body);
    expect(res?.status).toBe(400);
    expect((res?.body as { error?: { message?: string } } | undefined)?.error?.message).toMatch(message);
    expect(deliveries.state()).toMatchObject({ event: DEFAULT_EVENT_DELAY, scan: DEFAULT_SCAN_DELAY });
  });

  it('releases held deliveries, one request or a list in order; 404 when none matches', async () => {
    const { deliveries, delivered } = make({ event: 'hold', scan: 'hold' });
    const route = deliveriesRoute(deliveries);
    deliveries.objectCreated(record('intake/a', 'v1'));
    deliveries.objectCreated(record('intake/a', 'v2'));
    const one = await route(
      'POST',
      '/local/deliveries/release',
      json({ kind: 'scan', key: 'intake/a', versionId: 'v2', status: 'FAILED' }),
    );
    expect(one).toMatchObject({
      status: 200,
      body: { delivered: [{ kind: 'scan', key: 'intake/a', versionId: 'v2', status: 'FAILED' }] },
    });
    const list = await route(
      'POST',
      '/local/deliveries/release',
      json([
        { kind: 'event', key: 'intake/a', versionId: 'v2' },
        { kind: 'scan', key: 'intake/a' },
      ]),
    );
    expect(list?.status).toBe(200);
    expect(delivered).toEqual(['scan intake/a@v2 FAILED', 'event intake/a@v2', 'scan intake/a@v1']);
    const none = await route('POST', '/local/deliveries/release', json({ kind: 'scan', key: 'intake/a' }));
    expect(none).toEqual({
      status: 404,
      body: { error: { code: 'NotFound', message: 'no held scan for intake/a' } },
    });
  });

  it.each([
    ['no kind', { key: 'intake/a' }, /body.kind must be "event" or "scan"/],
    ['no key', { kind: 'scan' }, /body.key must be an object key/],
    [
      'a status for an event',
      { kind: 'event', key: 'intake/a', status: 'FAILED' },
      /status is for scans only/,
    ],
    ['an unknown status', { kind: 'scan', key: 'intake/a', status: 'CLEAN' }, /status must be one of/],
    ['an empty list', [], /at least one delivery/],
    ['a bad entry in a list', [{ kind: 'scan', key: 'intake/a' }, { kind: 'x' }], /\[1\].kind/],
  ])('refuses a release with %s (400) and delivers nothing', async (_name, body, message) => {
    const { deliveries, delivered } = make({ event: 'hold', scan: 'hold' });
    deliveries.objectCreated(record('intake/a', 'v1'));
    const res = await deliveriesRoute(deliveries)('POST', '/local/deliveries/release', json(body));
    expect(res?.status).toBe(400);
    expect((res?.body as { error?: { message?: string } } | undefined)?.error?.message).toMatch(message);
    expect(delivered).toEqual([]);
    expect(deliveries.state().held).toHaveLength(2);
  });
});

describe('parsing the delay settings', () => {
  it('reads N, MIN-MAX and, for the scan, never', () => {
    expect(parseDelay('DANGAN_EVENT_DELAY_MS', '0')).toEqual({ minMs: 0, maxMs: 0 });
    expect(parseDelay('DANGAN_EVENT_DELAY_MS', '250')).toEqual({ minMs: 250, maxMs: 250 });
    expect(parseDelay('DANGAN_EVENT_DELAY_MS', ' 100 - 200 ')).toEqual({ minMs: 100, maxMs: 200 });
    expect(parseDelay('DANGAN_SCAN_DELAY_MS', 'never', { never: true })).toBe('never');
  });

  it.each([
    ['DANGAN_EVENT_DELAY_MS', 'never', false, /DANGAN_EVENT_DELAY_MS must be N or MIN-MAX/],
    ['DANGAN_SCAN_DELAY_MS', 'soon', true, /DANGAN_SCAN_DELAY_MS must be N, MIN-MAX or never/],
    ['DANGAN_SCAN_DELAY_MS', '-5', true, /DANGAN_SCAN_DELAY_MS must be/],
    ['DANGAN_SCAN_DELAY_MS', '1.5', true, /DANGAN_SCAN_DELAY_MS must be/],
    ['DANGAN_SCAN_DELAY_MS', '', true, /DANGAN_SCAN_DELAY_MS must be/],
    [
      'DANGAN_EVENT_DELAY_MS',
      '3000-500',
      false,
      /DANGAN_EVENT_DELAY_MS: the minimum 3000 is above the maximum 500/,
    ],
    ['DANGAN_EVENT_DELAY_MS', '9999999999', false, /DANGAN_EVENT_DELAY_MS must be at most 2147483647/],
  ])('refuses %s=%j', (name, value, never, message) => {
    const parse = () => (never ? parseDelay(name, value, { never: true }) : parseDelay(name, value));
    expect(parse).toThrow(DelaySettingError);
    expect(parse).toThrow(message);
  });

  it('fails startup with a usage error naming the variable', async () => {
    const { parseConfig } = await import('../../infra/local/config.ts');
    expect(parseConfig([], {})).toMatchObject({
      eventDelayMs: DEFAULT_EVENT_DELAY,
      scanDelayMs: DEFAULT_SCAN_DELAY,
    });
    expect(
      parseConfig(['--scan-delay-ms', 'never'], { DANGAN_EVENT_DELAY_MS: '0', DANGAN_SCAN_DELAY_MS: '0' }),
    ).toMatchObject({ eventDelayMs: { minMs: 0, maxMs: 0 }, scanDelayMs: 'never' });
    expect(() => parseConfig([], { DANGAN_SCAN_DELAY_MS: 'later' })).toThrow(
      /DANGAN_SCAN_DELAY_MS \(--scan-delay-ms\) must be N, MIN-MAX or never/,
    );
    expect(() => parseConfig(['--event-delay-ms=5-1'], {})).toThrow(
      /DANGAN_EVENT_DELAY_MS \(--event-delay-ms\)/,
    );
  });
});

describe('stopping', () => {
  it('cancels scheduled and held deliveries; nothing is delivered afterwards', async () => {
    const { deliveries, timers, delivered } = make();
    deliveries.objectCreated(record('intake/a'));
    deliveries.configure({ event: 'hold' });
    deliveries.objectCreated(record('intake/b'));
    expect(timers.waiting).toBe(3);
    await deliveries.stop();
    expect(timers.waiting).toBe(0);
    deliveries.objectCreated(record('intake/c'));
    timers.advance(1_000_000);
    await flush();
    expect(delivered).toEqual([]);
    expect(deliveries.state()).toMatchObject({ held: [], pending: { event: 0, scan: 0 } });
    expect(await deliveries.release([{ kind: 'event', key: 'intake/b' }])).toHaveProperty('unmatched');
  });

  it('waits for a delivery in flight', async () => {
    const { deliveries, timers, delivered, releaseScans } = make({ blockScans: true, random: () => 0 });
    deliveries.objectCreated(record('intake/a'));
    timers.advance(2000);
    await flush();
    expect(delivered).toEqual(['event intake/a', 'scan intake/a']);
    let stopped = false;
    const stopping = deliveries.stop().then(() => {
      stopped = true;
    });
    await flush();
    expect(stopped).toBe(false);
    releaseScans[0]?.();
    await stopping;
    expect(timers.waiting).toBe(0);
  });

  it('waits for a delivery in flight no longer than its bound', async () => {
    const { deliveries, timers, logged } = make({ blockScans: true, random: () => 0, stopWaitMs: 5000 });
    deliveries.objectCreated(record('intake/a'));
    timers.advance(2000);
    await flush();
    let stopped = false;
    const stopping = deliveries.stop().then(() => {
      stopped = true;
    });
    timers.advance(4999);
    await flush();
    expect(stopped).toBe(false);
    timers.advance(1);
    await stopping;
    expect(logged).toEqual(['stopped with 1 deliveries still in flight']);
  });
});
