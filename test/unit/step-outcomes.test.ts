import { describe, expect, it } from 'vitest';
import type { Problem } from '../../functions/core/intake-checks.ts';
import {
  closedBatch,
  grantedDueAt,
  rejectionOf,
  settledLoanStatus,
} from '../../functions/core/step-outcomes.ts';

const list = { jsonKey: 'j', htmlKey: 'h', jsonVersionId: 'jv', htmlVersionId: 'hv', sha256: 'abc' };

describe('a loan step that finds its work done', () => {
  it('Grant answers with the due time of a loan granted already, and cannot answer otherwise', () => {
    expect(grantedDueAt({ grantedAt: '2030-01-01T00:00:00Z', dueAt: '2030-01-15T00:00:00Z' })).toBe(
      '2030-01-15T00:00:00Z',
    );
    expect(grantedDueAt({ grantedAt: '2030-01-01T00:00:00Z' })).toBeUndefined();
    expect(grantedDueAt({})).toBeUndefined();
    expect(grantedDueAt(undefined)).toBeUndefined();
  });

  it('ExpireUnlessReturned keeps the status of a loan no longer active; an active one is retried', () => {
    expect(settledLoanStatus({ status: 'RETURNED' })).toEqual({ status: 'RETURNED' });
    expect(settledLoanStatus({ status: 'EXPIRED' })).toEqual({ status: 'EXPIRED' });
    expect(settledLoanStatus({ status: 'ACTIVE' })).toBeUndefined();
    expect(settledLoanStatus(undefined)).toBeUndefined();
  });
});

describe('Finish after its close lost the race', () => {
  it('answers DONE with the list of a batch closed meanwhile', () => {
    expect(closedBatch({ status: 'DONE', list })).toEqual({ status: 'DONE', list });
    expect(closedBatch({ status: 'DONE' })).toEqual({ status: 'DONE' });
  });

  it('cannot answer for a batch not closed', () => {
    expect(closedBatch({ status: 'DESTROYING' })).toBeUndefined();
    expect(closedBatch(undefined)).toBeUndefined();
  });
});

describe('the rejection an intake Reject records', () => {
  const submission = { valid: true, problems: [], attempt: 2 };
  const problem: Problem = {
    documentId: 'd1',
    check: 'integrity',
    code: 'size.mismatch',
    params: { received: 10, declared: 12 },
    message: 'uploaded 10 bytes, declared 12',
  };

  it('keeps what the workflow gives, with its code and the values the code names', () => {
    expect(
      rejectionOf(
        submission,
        { code: 'reviewer', reason: 'blurred', problems: [problem], decidedBy: 'reviewer1' },
        'T',
      ),
    ).toEqual({
      code: 'reviewer',
      reason: 'blurred',
      problems: [problem],
      decidedBy: 'reviewer1',
      at: 'T',
      attempt: 2,
    });
    expect(
      rejectionOf(
        submission,
        {
          code: 'archive-failed',
          params: { error: 'TransientError' },
          reason: 'x',
          problems: [],
          decidedBy: '',
        },
        'T',
      ),
    ).toMatchObject({ code: 'archive-failed', params: { error: 'TransientError' } });
  });

  it('fills the system defaults for what the workflow left empty, and keeps no empty params', () => {
    expect(
      rejectionOf(
        submission,
        { code: 'checks-failed', params: {}, reason: '', problems: undefined, decidedBy: '' },
        'T',
      ),
    ).toEqual({
      code: 'checks-failed',
      reason: 'rejected',
      problems: [],
      decidedBy: 'system',
      at: 'T',
      attempt: 2,
    });
  });

  it('takes the stored problems of failed checks, which reach the step without them', () => {
    const failed = { valid: false, problems: [problem], attempt: 1 };
    expect(
      rejectionOf(
        failed,
        { code: 'checks-failed', reason: 'checks failed', problems: [], decidedBy: 'system' },
        'T',
      ).problems,
    ).toEqual([problem]);
  });
});
