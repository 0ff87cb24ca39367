import { describe, expect, it } from 'vitest';
import {
  checkClosureCorrection,
  closureChange,
  closureCorrectionSchema,
  formerClosure,
  redateClosureClock,
  registeredClosed,
} from '../../functions/core/closure-correction.ts';
import { BadRequest, Conflict } from '../../functions/core/errors.ts';
import { STORED } from './customers-fixtures.ts';
import { archived } from './disposal-fixtures.ts';

const NOW = new Date('2026-06-10T02:00:00.000Z');
// Registered 2026-01-05T08:00Z (2026-01-04 in UTC-12), closed on 2026-03-01.
const closed = { ...STORED, accountStatus: 'CLOSED' as const, closedAt: '2026-03-01' };

describe('a closure correction', () => {
  it('takes a date and a reason, nothing else', () => {
    expect(closureCorrectionSchema.parse({ closedAt: '2026-04-01', reason: ' 销户单日期录错 ' })).toEqual({
      closedAt: '2026-04-01',
      reason: '销户单日期录错',
    });
    expect(closureCorrectionSchema.safeParse({ closedAt: '2026-04-01' }).success).toBe(false);
    expect(closureCorrectionSchema.safeParse({ closedAt: '2026-04-01', reason: ' ' }).success).toBe(false);
    expect(closureCorrectionSchema.safeParse({ closedAt: '2026-02-30', reason: 'x' }).success).toBe(false);
    expect(closureCorrectionSchema.safeParse({ closedAt: '2026-04-01', reason: 'x', by: 'y' }).success).toBe(
      false,
    );
  });

  it('is checked like a closure: not in the future, not before the registration of an account registered open', () => {
    expect(() => checkClosureCorrection(closed, '2026-04-01', false, NOW)).not.toThrow();
    expect(() => checkClosureCorrection(closed, '2026-01-04', false, NOW)).not.toThrow();
    expect(() => checkClosureCorrection(closed, '1901-01-01', false, NOW)).toThrow(BadRequest);
    expect(() => checkClosureCorrection(closed, '1901-01-01', false, NOW)).toThrow(
      'closedAt 1901-01-01 is before customer 1000000001 was registered on 2026-01-04: the earliest closure date allowed is 2026-01-04',
    );
    expect(() => checkClosureCorrection(closed, '2026-06-12', false, NOW)).toThrow(
      'closedAt 2026-06-12 is in the future',
    );
    // An account registered closed (files digitised after the closure) may be dated before its record.
    expect(() => checkClosureCorrection(closed, '1998-07-01', true, NOW)).not.toThrow();
  });

  it('is a conflict for an account not closed, and changes nothing for the day it holds already', () => {
    expect(() => checkClosureCorrection(STORED, '2026-04-01', false, NOW)).toThrow(Conflict);
    expect(checkClosureCorrection(closed, '2026-03-01', false, NOW)).toBe('unchanged');
    expect(checkClosureCorrection(closed, '2026-04-01', false, NOW)).toBe('correct');
  });

  it('reads the registration and the former closure day from the versions', () => {
    const v = (n: number, values: Record<string, string>) => ({
      customerId: 'c',
      version: n,
      changedAt: '2026-01-01T00:00:00.000Z',
      changedBy: 'u',
      changedBySub: 's',
      changed: Object.keys(values) as never[],
      values,
    });
    const open = v(1, { name: '张三', accountStatus: 'ACTIVE' });
    const close = v(2, { accountStatus: 'CLOSED', closedAt: '2026-03-01' });
    const fix = v(3, { closedAt: '2026-04-01' });
    expect(registeredClosed([open, close])).toBe(false);
    expect(registeredClosed([v(1, { accountStatus: 'CLOSED', closedAt: '1998-07-01' })])).toBe(true);
    expect(formerClosure([open, close])).toBe(undefined);
    expect(formerClosure([open, close, fix])).toBe('2026-03-01');
  });

  it('is a new version carrying the reason', () => {
    const actor = { sub: 's-arch', username: 'archivist1', roles: ['archivist' as const] };
    const change = closureChange(closed, '2026-04-01', '销户单日期录错', { actor, now: NOW });
    expect(change.next).toMatchObject({ closedAt: '2026-04-01', version: closed.version + 1 });
    expect(change.version).toMatchObject({
      changed: ['closedAt'],
      values: { closedAt: '2026-04-01' },
      reason: '销户单日期录错',
      changedBy: 'archivist1',
    });
  });
});

describe('re-dating a clock the closure started', () => {
  // D10, archived 2026-03-15T09:30Z, locked until 2036-03-15T09:30Z: never due before 2036-03-16.
  const started = archived(0, { clockStart: '2026-04-01T00:00:00.000Z', dueOn: '2036-04-01' });

  it('moves the due day later for a later closure', () => {
    expect(redateClosureClock(started, '2027-02-01')).toEqual({
      kind: 'redate',
      clockStart: '2027-02-01T00:00:00.000Z',
      dueOn: '2037-02-01',
      before: { clockStart: '2026-04-01T00:00:00.000Z', dueOn: '2036-04-01' },
    });
  });

  it('moves it earlier only as far as the Object Lock allows', () => {
    expect(redateClosureClock(started, '2026-01-10')).toMatchObject({
      kind: 'redate',
      clockStart: '2026-01-10T00:00:00.000Z',
      dueOn: '2036-03-16',
    });
  });

  it('leaves alone what the correction does not concern or a batch has claimed', () => {
    expect(redateClosureClock(started, '2026-04-01')).toEqual({ kind: 'unchanged' });
    expect(redateClosureClock({ ...started, retentionTrigger: 'ARCHIVED' }, '2027-02-01').kind).toBe(
      'not-closure',
    );
    expect(redateClosureClock({ ...started, status: 'DISPOSED' }, '2027-02-01').kind).toBe('skip');
    expect(redateClosureClock({ ...started, disposalBatchId: 'B' }, '2027-02-01')).toEqual({
      kind: 'skip',
      reason: 'document is in disposal batch B',
    });
    expect(redateClosureClock({ ...started, retentionCode: 'Y' }, '2027-02-01').kind).toBe('not-closure');
    const { clockStart: _c, dueOn: _d, ...waiting } = started;
    expect(redateClosureClock(waiting, '2027-02-01').kind).toBe('skip');
  });

  it('re-dates a contract-end clock only when it started on the former closure day', () => {
    const withClosure = { ...started, retentionTrigger: 'CONTRACT_END' as const };
    expect(redateClosureClock(withClosure, '2027-02-01', '2026-04-01')).toMatchObject({
      kind: 'redate',
      clockStart: '2027-02-01T00:00:00.000Z',
    });
    // Its contract ended on a day of its own: not the closure's to move.
    expect(redateClosureClock(withClosure, '2027-02-01', '2026-03-20').kind).toBe('not-closure');
    expect(redateClosureClock(withClosure, '2027-02-01').kind).toBe('not-closure');
  });
});
