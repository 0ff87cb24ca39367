import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  parseCron,
  parseRate,
  parseSchedule,
  ScheduleExpressionError,
  Scheduler,
} from '../../infra/local/scheduler.ts';

const at = (iso: string) => new Date(iso);
const iso = (d: Date | undefined) => d?.toISOString();

/** The next `n` fire times after `from`. */
function fires(expression: string, from: string, n: number): string[] {
  const schedule = parseSchedule(expression, at(from));
  const out: string[] = [];
  let t = at(from);
  for (let i = 0; i < n; i++) {
    const next = schedule.next(t);
    if (!next) break;
    out.push(next.toISOString());
    t = next;
  }
  return out;
}

describe('rate expressions', () => {
  it('fires every period counted from the anchor', () => {
    const s = parseRate('rate(5 minutes)', at('2026-03-01T10:00:30Z'));
    expect(iso(s.next(at('2026-03-01T10:00:30Z')))).toBe('2026-03-01T10:05:30.000Z');
    expect(iso(s.next(at('2026-03-01T10:05:29Z')))).toBe('2026-03-01T10:05:30.000Z');
    expect(iso(s.next(at('2026-03-01T10:05:30Z')))).toBe('2026-03-01T10:10:30.000Z');
    expect(iso(s.next(at('2026-03-01T11:00:00Z')))).toBe('2026-03-01T11:00:30.000Z');
  });

  it('knows minutes, hours and days', () => {
    expect(fires('rate(1 hour)', '2026-03-01T00:00:00Z', 2)).toEqual([
      '2026-03-01T01:00:00.000Z',
      '2026-03-01T02:00:00.000Z',
    ]);
    expect(fires('rate(2 days)', '2026-03-01T00:00:00Z', 1)).toEqual(['2026-03-03T00:00:00.000Z']);
    expect(fires('rate(1 minute)', '2026-03-01T00:00:00Z', 1)).toEqual(['2026-03-01T00:01:00.000Z']);
  });

  it.each([
    ['rate(1 minutes)', /singular/],
    ['rate(5 minute)', /plural/],
    ['rate(0 minutes)', /positive/],
    ['rate(-1 minutes)', /rate\(<value> <unit>\)/],
    ['rate(3 weeks)', /unknown unit/],
    ['rate(5minutes)', /rate\(<value> <unit>\)/],
  ])('refuses %s', (expression, reason) => {
    expect(() => parseSchedule(expression)).toThrow(ScheduleExpressionError);
    expect(() => parseSchedule(expression)).toThrow(reason);
  });
});

describe('cron expressions', () => {
  it('fires daily at a fixed UTC time', () => {
    expect(fires('cron(0 2 * * ? *)', '2026-03-01T01:59:59Z', 3)).toEqual([
      '2026-03-01T02:00:00.000Z',
      '2026-03-02T02:00:00.000Z',
      '2026-03-03T02:00:00.000Z',
    ]);
  });

  it('is strictly after the given time and on whole minutes', () => {
    expect(iso(parseCron('cron(0 2 * * ? *)').next(at('2026-03-01T02:00:00Z')))).toBe(
      '2026-03-02T02:00:00.000Z',
    );
    expect(iso(parseCron('cron(* * * * ? *)').next(at('2026-03-01T02:00:59.999Z')))).toBe(
      '2026-03-01T02:01:00.000Z',
    );
  });

  it('understands steps, lists and ranges', () => {
    expect(fires('cron(0/15 * * * ? *)', '2026-03-01T10:07:00Z', 4)).toEqual([
      '2026-03-01T10:15:00.000Z',
      '2026-03-01T10:30:00.000Z',
      '2026-03-01T10:45:00.000Z',
      '2026-03-01T11:00:00.000Z',
    ]);
    expect(fires('cron(5,35 8-9 * * ? *)', '2026-03-01T00:00:00Z', 5)).toEqual([
      '2026-03-01T08:05:00.000Z',
      '2026-03-01T08:35:00.000Z',
      '2026-03-01T09:05:00.000Z',
      '2026-03-01T09:35:00.000Z',
      '2026-03-02T08:05:00.000Z',
    ]);
  });

  it('counts weekdays from Sunday = 1 and knows their names', () => {
    // 2026-03-06 is a Friday.
    expect(fires('cron(0 18 ? * MON-FRI *)', '2026-03-06T19:00:00Z', 2)).toEqual([
      '2026-03-09T18:00:00.000Z',
      '2026-03-10T18:00:00.000Z',
    ]);
    expect(fires('cron(0 18 ? * 2-6 *)', '2026-03-06T19:00:00Z', 1)).toEqual(['2026-03-09T18:00:00.000Z']);
    expect(fires('cron(0 0 ? * 1 *)', '2026-03-06T00:00:00Z', 1)).toEqual(['2026-03-08T00:00:00.000Z']);
  });

  it('knows month names and crosses year ends', () => {
    expect(fires('cron(0 0 1 JAN,JUL ? *)', '2026-08-01T00:00:00Z', 2)).toEqual([
      '2027-01-01T00:00:00.000Z',
      '2027-07-01T00:00:00.000Z',
    ]);
  });

  it('supports L for the last day and the last given weekday of a month', () => {
    expect(fires('cron(0 12 L * ? *)', '2026-01-31T13:00:00Z', 3)).toEqual([
      '2026-02-28T12:00:00.000Z',
      '2026-03-31T12:00:00.000Z',
      '2026-04-30T12:00:00.000Z',
    ]);
    expect(fires('cron(0 12 L 2 ? 2028)', '2028-01-01T00:00:00Z', 1)).toEqual(['2028-02-29T12:00:00.000Z']);
    // Last Friday (6L) of March and April 2026.
    expect(fires('cron(0 9 ? * 6L *)', '2026-03-01T00:00:00Z', 2)).toEqual([
      '2026-03-27T09:00:00.000Z',
      '2026-04-24T09:00:00.000Z',
    ]);
  });

  it('supports # for the nth weekday', () => {
    // Third Friday: 2026-03-20, 2026-04-17.
    expect(fires('cron(0 9 ? * FRI#3 *)', '2026-03-01T00:00:00Z', 2)).toEqual([
      '2026-03-20T09:00:00.000Z',
      '2026-04-17T09:00:00.000Z',
    ]);
  });

  it('supports W for the nearest weekday within the month', () => {
    // 2026-03-15 is a Sunday → Monday 16th; 2026-08-15 is a Saturday → Friday 14th.
    expect(iso(parseCron('cron(0 0 15W * ? *)').next(at('2026-03-01T00:00:00Z')))).toBe(
      '2026-03-16T00:00:00.000Z',
    );
    expect(iso(parseCron('cron(0 0 15W * ? *)').next(at('2026-08-01T00:00:00Z')))).toBe(
      '2026-08-14T00:00:00.000Z',
    );
    // 2026-08-01 is a Saturday: 1W is Monday the 3rd, not July.
    expect(iso(parseCron('cron(0 0 1W * ? *)').next(at('2026-07-31T00:00:00Z')))).toBe(
      '2026-08-03T00:00:00.000Z',
    );
    // 2026-05-31 is a Sunday: LW is Friday the 29th.
    expect(iso(parseCron('cron(0 0 LW * ? *)').next(at('2026-05-01T00:00:00Z')))).toBe(
      '2026-05-29T00:00:00.000Z',
    );
  });

  it('ends when the year field runs out', () => {
    const s = parseCron('cron(0 0 1 1 ? 2027)');
    expect(iso(s.next(at('2026-06-01T00:00:00Z')))).toBe('2027-01-01T00:00:00.000Z');
    expect(s.next(at('2027-01-01T00:00:00Z'))).toBeUndefined();
  });

  it.each([
    ['cron(0 2 * * *)', /6 fields/],
    ['cron(0 2 * * * *)', /exactly one of day-of-month and day-of-week/],
    ['cron(0 2 ? * ? *)', /exactly one of day-of-month and day-of-week/],
    ['cron(60 2 * * ? *)', /minutes: 60 is outside 0-59/],
    ['cron(0 24 * * ? *)', /hours/],
    ['cron(0 0 32 * ? *)', /day-of-month/],
    ['cron(0 0 ? * 8 *)', /day-of-week/],
    ['cron(0 0 ? * FRI#6 *)', /#6/],
    ['cron(0 0 1 FOO ? *)', /month: bad value FOO/],
    ['cron(0 0 1 * ? 1969)', /year/],
    ['cron(10-5 0 1 * ? *)', /backwards/],
    ['cron(0/0 0 1 * ? *)', /bad step/],
    ['at(2026-01-01T00:00:00)', /rate\(\.\.\.\) or cron\(\.\.\.\)/],
  ])('refuses %s', (expression, reason) => {
    expect(() => parseSchedule(expression)).toThrow(ScheduleExpressionError);
    expect(() => parseSchedule(expression)).toThrow(reason);
  });
});

describe('Scheduler', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs a job at each fire time with the scheduled time, and stops firing when stopped', async () => {
    vi.useFakeTimers({ now: at('2026-03-01T01:58:30Z') });
    const runs: string[] = [];
    const scheduler = new Scheduler();
    scheduler.register({
      name: 'sweep',
      expression: 'cron(0/1 * * * ? *)',
      run: (t) => void runs.push(iso(t) ?? ''),
    });
    expect(iso(scheduler.upcoming()[0]?.next)).toBe('2026-03-01T01:59:00.000Z');
    scheduler.start();

    await vi.advanceTimersByTimeAsync(29_000);
    expect(runs).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(runs).toEqual(['2026-03-01T01:59:00.000Z']);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(runs).toEqual(['2026-03-01T01:59:00.000Z', '2026-03-01T02:00:00.000Z']);

    await scheduler.stop();
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(runs).toHaveLength(2);
  });

  it('reports a failing job and keeps its schedule', async () => {
    vi.useFakeTimers({ now: at('2026-03-01T00:00:00Z') });
    const errors: string[] = [];
    let calls = 0;
    const scheduler = new Scheduler({
      onError: (name, err) => errors.push(`${name}: ${(err as Error).message}`),
    });
    scheduler.register({
      name: 'sweep',
      expression: 'rate(1 minute)',
      run: () => {
        calls++;
        throw new Error('table unavailable');
      },
    });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(2 * 60_000);
    expect(calls).toBe(2);
    expect(errors).toEqual(['sweep: table unavailable', 'sweep: table unavailable']);
    await scheduler.stop();
  });

  it('waits for a run in progress when stopped', async () => {
    vi.useFakeTimers({ now: at('2026-03-01T00:00:00Z') });
    let finished = false;
    const scheduler = new Scheduler();
    scheduler.register({
      name: 'slow',
      expression: 'rate(1 minute)',
      run: () =>
        new Promise<void>((r) =>
          setTimeout(() => {
            finished = true;
            r();
          }, 5_000),
        ),
    });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(60_000);
    const stopped = scheduler.stop();
    await vi.advanceTimersByTimeAsync(5_000);
    await stopped;
    expect(finished).toBe(true);
  });

  it('refuses a bad expression at registration and duplicate names', () => {
    const scheduler = new Scheduler();
    expect(() =>
      scheduler.register({ name: 'x', expression: 'cron(0 2 * * * *)', run: () => undefined }),
    ).toThrow(ScheduleExpressionError);
    scheduler.register({ name: 'x', expression: 'rate(1 day)', run: () => undefined });
    expect(() => scheduler.register({ name: 'x', expression: 'rate(2 days)', run: () => undefined })).toThrow(
      /already registered/,
    );
  });
});
