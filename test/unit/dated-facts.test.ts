import { describe, expect, it } from 'vitest';
import {
  assertNotBefore,
  assertNotFuture,
  earliestDayOf,
  latestToday,
} from '../../functions/core/dated-facts.ts';
import { BadRequest } from '../../functions/core/errors.ts';

describe('dated facts', () => {
  it('takes today as the date in UTC+14 and an instant as its date in UTC-12', () => {
    expect(latestToday(new Date('2026-03-10T02:00:00.000Z'))).toBe('2026-03-10');
    expect(latestToday(new Date('2026-03-10T10:00:00.000Z'))).toBe('2026-03-11');
    expect(earliestDayOf('2026-03-10T11:59:59.999Z')).toBe('2026-03-09');
    expect(earliestDayOf('2026-03-10T12:00:00.000Z')).toBe('2026-03-10');
    expect(() => earliestDayOf('not a time')).toThrow(/not a time/);
  });

  it('refuses a day after today anywhere, naming the field', () => {
    const now = new Date('2026-03-10T02:00:00.000Z');
    expect(() => assertNotFuture('closedAt', '2026-03-10', now)).not.toThrow();
    expect(() => assertNotFuture('closedAt', '2026-03-11', now)).toThrow(BadRequest);
    expect(() => assertNotFuture('closedAt', '2026-03-11', now)).toThrow(
      'closedAt 2026-03-11 is in the future',
    );
  });

  it('refuses a day before the floor, naming the field, the day given and the earliest allowed', () => {
    const floor = { earliest: '2026-01-04', since: 'customer 1 was registered', what: 'closure date' };
    expect(() => assertNotBefore('closedAt', '2026-01-04', floor)).not.toThrow();
    try {
      assertNotBefore('closedAt', '2026-01-03', floor);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(BadRequest);
      expect((err as BadRequest).message).toBe(
        'closedAt 2026-01-03 is before customer 1 was registered on 2026-01-04: the earliest closure date allowed is 2026-01-04',
      );
      expect((err as BadRequest).details).toEqual([
        { path: 'closedAt', message: 'must not be before 2026-01-04, the day customer 1 was registered' },
      ]);
    }
  });
});
