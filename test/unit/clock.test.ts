import { afterEach, describe, expect, it, vi } from 'vitest';
import { CLOCK_OFFSET_ENV, now } from '../../functions/core/clock.ts';

afterEach(() => {
  delete process.env[CLOCK_OFFSET_ENV];
  vi.useRealTimers();
});

describe('clock', () => {
  it('is the system clock when no offset is set', () => {
    vi.useFakeTimers({ now: new Date('2026-03-02T08:00:00.000Z') });
    expect(now().toISOString()).toBe('2026-03-02T08:00:00.000Z');
    process.env[CLOCK_OFFSET_ENV] = '';
    expect(now().toISOString()).toBe('2026-03-02T08:00:00.000Z');
  });

  it('moves by the offset, read on every call', () => {
    vi.useFakeTimers({ now: new Date('2026-03-02T08:00:00.000Z') });
    process.env[CLOCK_OFFSET_ENV] = '86400';
    expect(now().toISOString()).toBe('2026-03-03T08:00:00.000Z');
    process.env[CLOCK_OFFSET_ENV] = '-60.5';
    expect(now().toISOString()).toBe('2026-03-02T07:58:59.500Z');
  });

  it('refuses an offset that is not a number instead of ignoring it', () => {
    process.env[CLOCK_OFFSET_ENV] = 'one day';
    expect(() => now()).toThrow(`${CLOCK_OFFSET_ENV} must be a number of seconds, not one day`);
  });
});
