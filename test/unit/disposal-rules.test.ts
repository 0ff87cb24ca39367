import { describe, expect, it } from 'vitest';
import {
  countItems,
  destroyOrder,
  extendedDueOn,
  lockExtension,
  refileAfterRefusal,
  refusalReason,
} from '../../functions/core/disposal-rules.ts';
import { due, item } from './disposal-fixtures.ts';

describe('a document an appraisal keeps', () => {
  it('is due its new period after its clock start', () => {
    expect(extendedDueOn('2026-04-01T00:00:00.000Z', 15, undefined, '2036-04-10')).toBe('2041-04-01');
  });

  it('is due tomorrow at the earliest, so the next sweep does not propose it at once', () => {
    expect(extendedDueOn('2026-04-01T00:00:00.000Z', 10, undefined, '2036-04-10')).toBe('2036-04-11');
    expect(extendedDueOn('2026-04-01T00:00:00.000Z', 5, undefined, '2036-04-10')).toBe('2036-04-11');
  });

  it('has its Object Lock extended to the new due day only when the lock ends before it', () => {
    const doc = due(0, { retainUntil: '2036-03-15T09:30:00.000Z' });
    expect(lockExtension(doc, '2041-04-01')).toBe('2041-04-01T00:00:00.000Z');
    expect(lockExtension({ ...doc, retainUntil: '2042-01-01T00:00:00.000Z' }, '2041-04-01')).toBeUndefined();
    expect(lockExtension({ ...doc, retainUntil: undefined }, '2041-04-01')).toBe('2041-04-01T00:00:00.000Z');
    expect(lockExtension({ ...doc, archiveVersionId: undefined }, '2041-04-01')).toBeUndefined();
  });
});

describe('destroying an original', () => {
  it('deletes the version the record names last', () => {
    const versions = [{ versionId: 'v1' }, { versionId: 'v2' }, { versionId: 'v3', deleteMarker: true }];
    expect(destroyOrder(versions, 'v1').map((v) => v.versionId)).toEqual(['v2', 'v3', 'v1']);
    expect(destroyOrder(versions, undefined).map((v) => v.versionId)).toEqual(['v1', 'v2', 'v3']);
  });

  it('files a refused document again under the first day after its lock ends, or tomorrow', () => {
    expect(refileAfterRefusal({ retainUntil: '2037-01-05T09:00:00.000Z' }, '2036-04-10')).toBe('2037-01-06');
    expect(refileAfterRefusal({ retainUntil: '2037-01-05T00:00:00.000Z' }, '2036-04-10')).toBe('2037-01-05');
    expect(refileAfterRefusal({ retainUntil: '2036-04-09T00:00:00.000Z' }, '2036-04-10')).toBe('2036-04-11');
    expect(refileAfterRefusal({ retainUntil: '2036-04-10T00:00:00.000Z' }, '2036-04-10')).toBe('2036-04-11');
    expect(refileAfterRefusal({}, '2036-04-10')).toBe('2036-04-11');
    expect(refileAfterRefusal(undefined, '2036-04-10')).toBe('2036-04-11');
  });

  it('says why S3 refused, with what keeps the version', () => {
    expect(refusalReason('originals/d', 'v1', 'AccessDenied', { legalHold: true })).toBe(
      'S3 refused to delete version v1 of originals/d: AccessDenied (legal hold on)',
    );
    expect(
      refusalReason('originals/d', 'v1', 'AccessDenied', {
        legalHold: false,
        retainUntil: '2037-01-05T00:00:00Z',
      }),
    ).toBe(
      'S3 refused to delete version v1 of originals/d: AccessDenied (locked until 2037-01-05T00:00:00Z)',
    );
    expect(refusalReason('originals/d', 'v1', 'AccessDenied', undefined)).toBe(
      'S3 refused to delete version v1 of originals/d: AccessDenied',
    );
  });
});

describe('a batch', () => {
  it('counts its items by status', () => {
    const items = [item(0), item(1, { status: 'EXTENDED' }), item(2)];
    expect(countItems(items, 'PROPOSED')).toBe(2);
    expect(countItems(items, 'EXTENDED')).toBe(1);
    expect(countItems(items, 'DESTROYED')).toBe(0);
  });
});
