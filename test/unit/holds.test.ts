import { describe, expect, it } from 'vitest';
import { Conflict } from '../../functions/core/errors.ts';
import { assertHoldable, holdRelease, legalHoldIsLock, legalHoldUnused } from '../../functions/core/holds.ts';
import { archived, due } from './disposal-fixtures.ts';

describe('which documents can be held', () => {
  it('holds an archived document that is not being destroyed', () => {
    expect(() => assertHoldable(archived(0))).not.toThrow();
  });

  it('refuses a document not archived, or one its disposal batch is destroying', () => {
    expect(() => assertHoldable(archived(0, { status: 'DISPOSED' }))).toThrow(Conflict);
    expect(() => assertHoldable(archived(0, { status: 'DISPOSED' }))).toThrow(/only archived documents/);
    expect(() => assertHoldable(archived(0, { destroying: 'KH-2036-04-20360410-1' }))).toThrow(
      /being destroyed by disposal batch KH-2036-04-20360410-1/,
    );
  });
});

describe('an unused legal hold after a hold lost its race', () => {
  it('comes off when nothing else keeps it', () => {
    expect(legalHoldUnused(archived(0, { activeHolds: 0 }))).toBe(true);
    expect(legalHoldUnused(archived(0))).toBe(true);
  });

  it('stays when a hold was recorded meanwhile, the record is permanent, the document left or is gone', () => {
    expect(legalHoldUnused(archived(0, { activeHolds: 1 }))).toBe(false);
    expect(legalHoldUnused(archived(0, { legalHold: true }))).toBe(false);
    expect(legalHoldUnused(archived(0, { status: 'DISPOSED' }))).toBe(false);
    expect(legalHoldUnused(undefined)).toBe(false);
  });
});

describe('releasing a hold', () => {
  it('refiles a due-dated document under its due day when its last hold goes, and clears S3 legal hold', () => {
    expect(holdRelease(due(0, { activeHolds: 1 }), '2030-01-01')).toEqual({
      last: true,
      refileOn: '2036-04-01',
      clearLegalHold: true,
    });
  });

  it('refiles under today when the due day has passed', () => {
    expect(holdRelease(due(0, { activeHolds: 1 }), '2037-05-02').refileOn).toBe('2037-05-02');
  });

  it('changes neither index nor S3 while other holds remain', () => {
    expect(holdRelease(due(0, { activeHolds: 2 }), '2030-01-01')).toEqual({
      last: false,
      clearLegalHold: false,
    });
  });

  it('does not refile a document without a due day or one still in a disposal batch', () => {
    expect(holdRelease(archived(0, { activeHolds: 1 }), '2030-01-01')).toEqual({
      last: true,
      clearLegalHold: true,
    });
    expect(
      holdRelease(due(0, { activeHolds: 1, disposalBatchId: 'KH-2036-04-20360410-1' }), '2030-01-01')
        .refileOn,
    ).toBeUndefined();
  });

  it("keeps the legal hold that is an older permanent record's lock, and of a document without its original", () => {
    expect(holdRelease(due(0, { activeHolds: 1, legalHold: true }), '2030-01-01').clearLegalHold).toBe(false);
    expect(
      holdRelease(archived(0, { activeHolds: 1, retentionCode: 'Y', legalHold: true }), '2030-01-01')
        .clearLegalHold,
    ).toBe(false);
    // Archived under a legal hold and since put under COMPLIANCE retention by the sweep.
    expect(
      holdRelease(
        archived(0, {
          activeHolds: 1,
          retentionCode: 'Y',
          legalHold: true,
          retainUntil: '2136-04-10T18:00:00.000Z',
        }),
        '2030-01-01',
      ).clearLegalHold,
    ).toBe(false);
    // Older still: no retain-until date at all.
    expect(
      holdRelease(
        archived(0, { activeHolds: 1, retentionCode: 'Y', legalHold: undefined, retainUntil: undefined }),
        '2030-01-01',
      ).clearLegalHold,
    ).toBe(false);
    expect(
      holdRelease(due(0, { activeHolds: 1, archiveVersionId: undefined }), '2030-01-01').clearLegalHold,
    ).toBe(false);
  });

  it('lifts the legal hold of a permanent record kept by COMPLIANCE retention once its last hold goes', () => {
    const permanent = archived(0, {
      activeHolds: 1,
      retentionCode: 'Y',
      retentionTrigger: 'ARCHIVED',
      legalHold: undefined,
      retainUntil: '2126-03-15T09:30:00.000Z',
    });
    expect(holdRelease(permanent, '2030-01-01')).toEqual({ last: true, clearLegalHold: true });
    expect(legalHoldUnused({ ...permanent, activeHolds: 0 })).toBe(true);
    expect(legalHoldIsLock(permanent)).toBe(false);
  });
});
