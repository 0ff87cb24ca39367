import { describe, expect, it } from 'vitest';
import { BadRequest, Conflict } from '../../functions/core/errors.ts';
import {
  accountClosedOn,
  assertContractEndable,
  earliestContractEnd,
  waitsForAccountClosure,
} from '../../functions/core/retention-triggers.ts';
import { getScheme } from '../../functions/core/scheme.ts';
import { archived } from './disposal-fixtures.ts';

const scheme = getScheme('power-supply');
const contract = archived(0, { docType: 'CONTRACT', retentionTrigger: 'CONTRACT_END' });

describe('a contract end reported for a document', () => {
  it('is taken for an archived CONTRACT_END document, today or earlier', () => {
    expect(() => assertContractEndable(contract, '2030-06-01', '2030-06-01')).not.toThrow();
    expect(() => assertContractEndable(contract, '2029-12-31', '2030-06-01')).not.toThrow();
  });

  it('refuses a day in the future as bad input naming endedOn', () => {
    expect(() => assertContractEndable(contract, '2030-06-02', '2030-06-01')).toThrow(BadRequest);
    try {
      assertContractEndable(contract, '2030-06-02', '2030-06-01');
    } catch (err) {
      expect((err as BadRequest).details).toMatchObject([{ path: 'endedOn' }]);
    }
  });

  it('refuses a day before the document was archived, naming endedOn and the earliest day', () => {
    // Archived (code given) 2026-03-15T09:30Z: 2026-03-14 in UTC-12.
    expect(() => assertContractEndable(contract, '2026-03-14', '2030-06-01')).not.toThrow();
    let caught: unknown;
    try {
      assertContractEndable(contract, '1901-01-01', '2030-06-01');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(BadRequest);
    expect((caught as BadRequest).message).toBe(
      `endedOn 1901-01-01 is before document ${contract.archiveCode} was archived on 2026-03-14: the earliest contract end allowed is 2026-03-14`,
    );
    expect((caught as BadRequest).details).toEqual([
      {
        path: 'endedOn',
        message: `must not be before 2026-03-14, the day document ${contract.archiveCode} was archived`,
      },
    ]);
    expect(() => assertContractEndable(contract, '2026-03-13', '2030-06-01')).toThrow(BadRequest);
  });

  it('takes the day the code was given as the archiving day', () => {
    const late = {
      ...contract,
      codeAssignedAt: '2026-04-01T20:00:00.000Z',
      archivedAt: '2026-04-02T01:00:00.000Z',
    };
    expect(earliestContractEnd(late)?.earliest).toBe('2026-04-01');
    const { codeAssignedAt: _c, ...older } = late;
    expect(earliestContractEnd(older)?.earliest).toBe('2026-04-01');
    const { archivedAt: _a, ...never } = older;
    expect(earliestContractEnd(never)).toBeUndefined();
  });

  it('refuses a document whose clock starts otherwise, or one not archived, as a conflict', () => {
    expect(() => assertContractEndable(archived(0), '2030-06-01', '2030-06-01')).toThrow(Conflict);
    expect(() => assertContractEndable(archived(0), '2030-06-01', '2030-06-01')).toThrow(
      /starts its retention at ACCOUNT_CLOSED, not at a contract end/,
    );
    expect(() =>
      assertContractEndable({ ...contract, status: 'UPLOADED' }, '2030-06-01', '2030-06-01'),
    ).toThrow(/is UPLOADED; only archived documents have a retention clock/);
  });
});

describe('documents archived for a closed account', () => {
  it('wait for the closure when a type starts at ACCOUNT_CLOSED or CONTRACT_END', () => {
    expect(waitsForAccountClosure(scheme, [{ docType: 'METERWO' }, { docType: 'IDCOPY' }])).toBe(true);
    expect(waitsForAccountClosure(scheme, [{ docType: 'CONTRACT' }])).toBe(true);
    expect(waitsForAccountClosure(scheme, [{ docType: 'METERWO' }, { docType: 'POWERPLAN' }])).toBe(false);
    expect(waitsForAccountClosure(scheme, [{ docType: 'NOSUCHTYPE' }])).toBe(false);
    expect(waitsForAccountClosure(scheme, [])).toBe(false);
  });

  it('take the closing day of a closed account only', () => {
    expect(accountClosedOn({ accountStatus: 'CLOSED', closedAt: '2031-02-03' })).toBe('2031-02-03');
    expect(accountClosedOn({ accountStatus: 'CLOSED' })).toBeUndefined();
    expect(accountClosedOn({ accountStatus: 'ACTIVE' })).toBeUndefined();
    expect(accountClosedOn(undefined)).toBeUndefined();
  });
});
