import { afterEach, describe, expect, it, vi } from 'vitest';
import { CLOCK_OFFSET_ENV } from '../../functions/core/clock.ts';
import { advanceClock, clockOffsetSeconds, clockRoute } from '../../infra/local/clock.ts';

const body = (v: unknown) => Buffer.from(JSON.stringify(v));

afterEach(() => {
  delete process.env[CLOCK_OFFSET_ENV];
  vi.useRealTimers();
});

describe('the local test clock', () => {
  it('tells the time the functions run on', () => {
    vi.useFakeTimers({ now: new Date('2026-03-02T08:00:00.000Z') });
    expect(clockRoute('GET', '/local/clock', Buffer.alloc(0))).toEqual({
      status: 200,
      body: { now: '2026-03-02T08:00:00.000Z', offsetSeconds: 0 },
    });
  });

  it('moves forward by whole or fractional seconds, adding up', () => {
    vi.useFakeTimers({ now: new Date('2026-03-02T08:00:00.000Z') });
    expect(clockRoute('POST', '/local/clock', body({ advanceSeconds: 86_400 }))).toEqual({
      status: 200,
      body: { now: '2026-03-03T08:00:00.000Z', offsetSeconds: 86_400 },
    });
    advanceClock(0.5);
    expect(clockOffsetSeconds()).toBe(86_400.5);
    expect(process.env[CLOCK_OFFSET_ENV]).toBe('86400.5');
  });

  it.each([
    ['backwards', { advanceSeconds: -60 }],
    ['by nothing', { advanceSeconds: 0 }],
    ['by a string', { advanceSeconds: '60' }],
    ['without advanceSeconds', {}],
    ['by more than ten years', { advanceSeconds: 400 * 86_400 * 10 }],
  ])('refuses to move %s (400) and stays where it was', (_name, input) => {
    const res = clockRoute('POST', '/local/clock', body(input));
    expect(res?.status).toBe(400);
    expect(JSON.stringify(res?.body)).toMatch(/advanceSeconds must be a number above 0/);
    expect(clockOffsetSeconds()).toBe(0);
  });

  it('refuses a body that is not JSON and other methods', () => {
    expect(clockRoute('POST', '/local/clock', Buffer.from('{'))?.status).toBe(400);
    expect(clockRoute('PUT', '/local/clock', Buffer.alloc(0))?.status).toBe(405);
  });

  it('leaves other paths to the gateway', () => {
    expect(clockRoute('GET', '/local/other', Buffer.alloc(0))).toBeUndefined();
  });
});
