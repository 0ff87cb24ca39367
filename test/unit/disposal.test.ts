import { describe, expect, it } from 'vitest';
import { destructionList, destructionListHtml } from '../../functions/core/destruction-list.ts';
import {
  type BatchItem,
  batchId,
  checkExtension,
  clockStartOf,
  type DisposableDocument,
  type DisposalBatch,
  dueIndexDay,
  dueOnFor,
  dueOnOf,
  firstDayAfter,
  groupForDisposal,
  isBatchId,
  monthsBetween,
  nextDay,
  onLoanUntil,
  startClock,
  sweepVerdict,
  wholeYearsBetween,
} from '../../functions/core/disposal.ts';
import { BadRequest } from '../../functions/core/errors.ts';
import { getScheme } from '../../functions/core/scheme.ts';
import { archived } from './disposal-fixtures.ts';

const scheme = getScheme('power-supply');

describe('dates', () => {
  it('counts days, months and whole years in UTC', () => {
    expect(nextDay('2036-12-31')).toBe('2037-01-01');
    expect(nextDay('2028-02-28')).toBe('2028-02-29');
    expect(firstDayAfter('2036-03-15T00:00:00.000Z')).toBe('2036-03-15');
    expect(firstDayAfter('2036-03-15T09:30:00.000Z')).toBe('2036-03-16');
    expect(monthsBetween('2035-11', '2036-02')).toEqual(['2035-11', '2035-12', '2036-01', '2036-02']);
    expect(monthsBetween('2036-02', '2036-02')).toEqual(['2036-02']);
    expect(wholeYearsBetween('2026-03-15T00:00:00.000Z', '2036-03-14')).toBe(9);
    expect(wholeYearsBetween('2026-03-15T00:00:00.000Z', '2036-03-15')).toBe(10);
  });
});

describe('retention clock', () => {
  it('derives the clock start from the archive date for ARCHIVED and YEAR_END', () => {
    expect(clockStartOf({ retentionTrigger: 'ARCHIVED', archivedAt: '2026-03-15T09:30:00.000Z' })).toBe(
      '2026-03-15T09:30:00.000Z',
    );
    expect(clockStartOf({ retentionTrigger: 'YEAR_END', archivedAt: '2026-03-15T09:30:00.000Z' })).toBe(
      '2027-01-01T00:00:00.000Z',
    );
    expect(clockStartOf({ retentionTrigger: 'ACCOUNT_CLOSED', archivedAt: '2026-03-15T09:30:00.000Z' })).toBe(
      undefined,
    );
  });

  it('never makes a document due before its Object Lock has passed', () => {
    // Closed before it was archived: by the rule due 2035-06-01, but locked until 2036-03-15 09:30.
    expect(dueOnFor('2025-06-01T00:00:00.000Z', 10, '2036-03-15T09:30:00.000Z')).toBe('2036-03-16');
    expect(dueOnFor('2027-06-01T00:00:00.000Z', 10, '2036-03-15T09:30:00.000Z')).toBe('2037-06-01');
  });

  it('files a document whose day has passed under today', () => {
    expect(dueIndexDay('2030-01-01', '2036-05-05')).toBe('2036-05-05');
    expect(dueIndexDay('2040-01-01', '2036-05-05')).toBe('2040-01-01');
  });

  it('starts the clock of documents waiting for the fact, once; the same fact again changes nothing', () => {
    const doc = archived(1);
    expect(startClock(doc, 'ACCOUNT_CLOSED', '2027-06-01')).toEqual({
      kind: 'start',
      clockStart: '2027-06-01T00:00:00.000Z',
      dueOn: '2037-06-01',
    });
    const started = { ...doc, clockStart: '2027-06-01T00:00:00.000Z', dueOn: '2037-06-01' };
    expect(startClock(started, 'ACCOUNT_CLOSED', '2027-06-01')).toEqual({ kind: 'unchanged' });
    expect(startClock(started, 'ACCOUNT_CLOSED', '2027-07-01')).toMatchObject({
      kind: 'conflict',
      reason: expect.stringContaining('started on 2027-06-01, not 2027-07-01'),
    });
  });

  it('leaves other triggers, unarchived and permanent documents alone', () => {
    expect(startClock(archived(1), 'CONTRACT_END', '2027-06-01').kind).toBe('skip');
    expect(startClock(archived(1, { status: 'UPLOADED' }), 'ACCOUNT_CLOSED', '2027-06-01').kind).toBe('skip');
    expect(startClock(archived(1, { retentionCode: 'Y' }), 'ACCOUNT_CLOSED', '2027-06-01')).toEqual({
      kind: 'skip',
      reason: 'permanent records are never due',
    });
  });

  it('knows the due day of documents with a known clock, and none for permanent ones', () => {
    const known = archived(0, { retentionTrigger: 'YEAR_END', retainUntil: '2037-01-01T00:00:00.000Z' });
    expect(dueOnOf(known)).toBe('2037-01-01');
    expect(dueOnOf(archived(0))).toBeUndefined();
    expect(dueOnOf(archived(0, { retentionCode: 'Y', retentionTrigger: 'ARCHIVED' }))).toBeUndefined();
  });
});

describe('sweep verdicts and batches', () => {
  const due = (i: number, overrides: Partial<DisposableDocument> = {}) =>
    archived(i, { clockStart: '2026-04-01T00:00:00.000Z', dueOn: '2036-04-01', ...overrides });

  it('proposes a due document, leaves out held, lent, permanent and not yet due ones', () => {
    expect(sweepVerdict(due(0), '2036-04-02', undefined)).toEqual({ kind: 'propose' });
    expect(sweepVerdict(due(0, { activeHolds: 1 }), '2036-04-02', undefined)).toEqual({ kind: 'held' });
    expect(sweepVerdict(due(0), '2036-04-02', '2036-04-20')).toEqual({
      kind: 'on-loan',
      until: '2036-04-20',
    });
    expect(sweepVerdict(due(0, { retentionCode: 'Y' }), '2036-04-02', undefined).kind).toBe('drop');
    expect(sweepVerdict(due(0, { status: 'DISPOSED' }), '2036-04-02', undefined).kind).toBe('drop');
    expect(sweepVerdict(due(0, { dueOn: '2036-05-01' }), '2036-04-02', undefined)).toEqual({
      kind: 'not-due',
      dueOn: '2036-05-01',
    });
  });

  it('defers a lent document to the day after the loan ends, an overdue one to tomorrow', () => {
    expect(onLoanUntil([], '2036-04-02')).toBeUndefined();
    expect(
      onLoanUntil([{ loanId: 'l', status: 'RETURNED', dueAt: '2036-05-01T00:00:00Z' }], '2036-04-02'),
    ).toBe(undefined);
    expect(
      onLoanUntil([{ loanId: 'l', status: 'ACTIVE', dueAt: '2036-04-10T08:00:00.000Z' }], '2036-04-02'),
    ).toBe('2036-04-11');
    expect(
      onLoanUntil([{ loanId: 'l', status: 'EXPIRED', dueAt: '2036-03-10T08:00:00.000Z' }], '2036-04-02'),
    ).toBe('2036-04-03');
  });

  it('groups by category, due month and region, in due order, with deterministic ids', () => {
    const docs = [
      due(2, { dueOn: '2036-05-03' }),
      due(0, { dueOn: '2036-04-09' }),
      due(1, { dueOn: '2036-04-01' }),
      due(3, { dueOn: '2036-04-05' }),
    ];
    const regionOf = (d: { documentId: string }) => (d.documentId === docs[3]?.documentId ? 'NB' : 'HZ');
    const groups = groupForDisposal(scheme, docs, regionOf);
    expect(groups.map((g) => [g.category, g.dueMonth, g.region, g.documents.map((d) => d.dueOn)])).toEqual([
      ['KH', '2036-04', 'HZ', ['2036-04-01', '2036-04-09']],
      ['KH', '2036-04', 'NB', ['2036-04-05']],
      ['KH', '2036-05', 'HZ', ['2036-05-03']],
    ]);
    expect(batchId('KH', '2036-04', '2036-05-10', 'HZ', 1)).toBe('KH-2036-04-20360510-HZ-1');
    expect(isBatchId('KH-2036-04-20360510-HZ-1')).toBe(true);
    expect(isBatchId('KH-2036-04-20360510-NORTH_2-12')).toBe(true);
    // Batches proposed before the split by region keep their ids.
    expect(isBatchId('KH-2036-04-20360510-1')).toBe(true);
    expect(isBatchId('KH-2036-04-20360510-hz-1')).toBe(false);
    expect(isBatchId('../etc')).toBe(false);
  });
});

describe('checkExtension', () => {
  const items = [
    {
      documentId: 'd1',
      archiveCode: 'Z001-KH·2026-D10-YK-0001',
      clockStart: '2026-04-01T00:00:00.000Z',
      status: 'PROPOSED' as const,
      retentionYears: 10,
    },
    {
      documentId: 'd2',
      archiveCode: 'Z001-KH·2026-D10-YK-0002',
      clockStart: '2026-04-01T00:00:00.000Z',
      status: 'PULLED' as const,
      retentionYears: 10,
    },
  ];

  it('accepts a period that ends after today', () => {
    expect(
      checkExtension(items, { extendYears: 15, reason: '诉讼' }, '2036-04-02').map((i) => i.documentId),
    ).toEqual(['d1']);
  });

  it('refuses a period no longer than what has already elapsed, naming the document and the years', () => {
    const err = (() => {
      try {
        checkExtension(items, { extendYears: 10, reason: 'x' }, '2037-05-02');
      } catch (e) {
        return e as BadRequest;
      }
      throw new Error('no error');
    })();
    expect(err).toBeInstanceOf(BadRequest);
    expect(err.message).toBe(
      'extendYears 10 is not longer than the 11 years already elapsed since the retention clock of Z001-KH·2026-D10-YK-0001 started on 2026-04-01',
    );
    expect(err.details).toEqual([
      { path: 'extendYears', message: 'must be more than 11 (years already elapsed)' },
    ]);
  });

  it('refuses items the batch does not propose', () => {
    expect(() =>
      checkExtension(items, { extendYears: 20, reason: 'x', documentIds: ['d2'] }, '2036-04-02'),
    ).toThrow(/d2 is not a proposed item of this batch/);
  });
});

describe('destruction list', () => {
  const batch: DisposalBatch = {
    batchId: 'KH-2036-04-20360410-1',
    schemeId: 'power-supply',
    fonds: 'Z001',
    category: 'KH',
    dueMonth: '2036-04',
    sweepDate: '2036-04-10',
    part: 1,
    status: 'DESTROYING',
    itemCount: 2,
    createdAt: '2036-04-10T18:00:00.000Z',
    updatedAt: '2036-04-10T18:00:00.000Z',
    appraisedBy: 'archivist1',
    approvedBy: 'approver1',
  };
  const item = (n: number, status: BatchItem['status'], title: string): BatchItem => ({
    batchId: batch.batchId,
    documentId: `d${n}`,
    status,
    archiveCode: `Z001-KH·2026-D10-YK-000${n}`,
    title,
    docType: 'IDCOPY',
    customerId: 'c',
    retentionCode: 'D10',
    retentionYears: 10,
    clockStart: '2026-04-01T00:00:00.000Z',
    dueOn: '2036-04-01',
    archivedAt: '2026-03-15T09:30:00.000Z',
    proposedAt: '2036-04-10T18:00:00.000Z',
    ...(status === 'DESTROYED' ? { destroyedAt: '2036-04-20T10:00:00.000Z' } : { reason: 'S3 refused' }),
  });

  it('lists what was destroyed and what was not, with who approved; HTML is escaped', () => {
    const list = destructionList(
      batch,
      [item(2, 'FAILED', 'b'), item(1, 'DESTROYED', '<script>alert(1)</script>')],
      scheme,
      '2036-04-20T10:05:00.000Z',
    );
    expect(list.destroyed.map((r) => r.archiveCode)).toEqual(['Z001-KH·2026-D10-YK-0001']);
    expect(list.notDestroyed).toEqual([
      expect.objectContaining({
        archiveCode: 'Z001-KH·2026-D10-YK-0002',
        status: 'FAILED',
        note: 'S3 refused',
      }),
    ]);
    expect(list).toMatchObject({ approvedBy: 'approver1', appraisedBy: 'archivist1', fonds: 'Z001' });
    const html = destructionListHtml(list);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>');
    expect(html).toContain('档案销毁清册');
  });
});
