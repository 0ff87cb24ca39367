import { describe, expect, it } from 'vitest';
import { BadRequest, Conflict } from '../../functions/core/errors.ts';
import {
  accountClosedOn,
  assertContractEndable,
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
