import { describe, expect, it } from 'vitest';
import { addYearsUtc, retentionPlan, startOfNextYearUtc } from '../../functions/core/retention.ts';

const ARCHIVED = '2026-03-15T09:30:00.000Z';

describe('retentionPlan', () => {
  it('starts the clock at archiving for trigger ARCHIVED (D30)', () => {
    expect(retentionPlan({ retention: 'D30', trigger: 'ARCHIVED' }, ARCHIVED)).toEqual({
      retentionCode: 'D30',
      retentionTrigger: 'ARCHIVED',
      clockStart: ARCHIVED,
      retainUntil: '2056-03-15T09:30:00.000Z',
      dueDateKnown: true,
    });
  });

  it('starts the clock on 1 January of the next year for YEAR_END (D10)', () => {
    const plan = retentionPlan({ retention: 'D10', trigger: 'YEAR_END' }, ARCHIVED);
    expect(plan.clockStart).toBe('2027-01-01T00:00:00.000Z');
    expect(plan.retainUntil).toBe('2037-01-01T00:00:00.000Z');
    expect(plan.dueDateKnown).toBe(true);
  });

  it('YEAR_END on 31 December still waits for the next year', () => {
    const plan = retentionPlan({ retention: 'D10', trigger: 'YEAR_END' }, '2026-12-31T23:59:59.000Z');
    expect(plan.retainUntil).toBe('2037-01-01T00:00:00.000Z');
  });

  it.each(['CONTRACT_END', 'ACCOUNT_CLOSED'] as const)(
    'uses archive date + period as a lower bound for %s, not a due date',
    (trigger) => {
      const plan = retentionPlan({ retention: 'D30', trigger }, ARCHIVED);
      expect(plan.clockStart).toBeUndefined();
      expect(plan.retainUntil).toBe('2056-03-15T09:30:00.000Z');
      expect(plan.dueDateKnown).toBe(false);
    },
  );

  it('locks permanent records a century ahead under retention, never due', () => {
    const plan = retentionPlan({ retention: 'Y', trigger: 'ARCHIVED' }, ARCHIVED);
    expect(plan.retainUntil).toBe('2126-03-15T09:30:00.000Z');
    expect(plan).not.toHaveProperty('legalHold');
    expect(plan.dueDateKnown).toBe(false);
  });

  it('never lands after the true anniversary of 29 February', () => {
    expect(addYearsUtc(new Date('2028-02-29T10:00:00.000Z'), 10).toISOString()).toBe(
      '2038-02-28T10:00:00.000Z',
    );
    expect(addYearsUtc(new Date('2028-02-29T10:00:00.000Z'), 4).toISOString()).toBe(
      '2032-02-29T10:00:00.000Z',
    );
  });

  it('rejects an archive date that is not a date', () => {
    expect(() => retentionPlan({ retention: 'D10', trigger: 'ARCHIVED' }, 'yesterday')).toThrow(/not a date/);
  });

  it('computes the start of the next year in UTC', () => {
    expect(startOfNextYearUtc(new Date('2026-06-01T00:00:00Z')).toISOString()).toBe(
      '2027-01-01T00:00:00.000Z',
    );
  });
});
