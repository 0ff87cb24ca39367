import type { DestructionListRef, DisposalBatch } from './disposal.ts';
import type { Problem } from './intake-checks.ts';
import type { Loan, LoanStatus } from './loans.ts';
import { type Rejection, type RejectionCode, type Submission, SYSTEM_DECIDER } from './submissions.ts';

/**
 * What a workflow step answers when it finds its work done already: a retried invocation, or a
 * conditional write that lost its race and a fresh read showing where the record went. Undefined
 * means the record is somewhere the step cannot answer from, and the step throws TransientError
 * for the workflow to retry it. Plain functions; the services in functions/services/ use them.
 */

/** Grant: a loan granted already answers with its due time. */
export function grantedDueAt(loan: Pick<Loan, 'grantedAt' | 'dueAt'> | undefined): string | undefined {
  return loan?.grantedAt !== undefined && loan.dueAt !== undefined ? loan.dueAt : undefined;
}

/** ExpireUnlessReturned: a loan no longer ACTIVE (returned, or expired by a run before) keeps its status. */
export function settledLoanStatus(
  loan: Pick<Loan, 'status'> | undefined,
): { status: LoanStatus } | undefined {
  return loan && loan.status !== 'ACTIVE' ? { status: loan.status } : undefined;
}

/** Finish: a batch that closed meanwhile answers DONE with the list it holds. */
export function closedBatch(
  batch: Pick<DisposalBatch, 'status' | 'list'> | undefined,
): { status: 'DONE'; list?: DestructionListRef } | undefined {
  if (batch?.status !== 'DONE') return undefined;
  return { status: 'DONE', ...(batch.list ? { list: batch.list } : {}) };
}

/**
 * Reject (intake): the rejection recorded on the submission. The system's defaults fill what the
 * workflow left empty, and failed checks, which reach the step as a caught error without their
 * problems, take the problems the validation stored on the submission.
 */
export function rejectionOf(
  submission: Pick<Submission, 'valid' | 'problems' | 'attempt'>,
  input: {
    code: RejectionCode;
    params?: Record<string, string>;
    reason: string;
    problems: unknown;
    decidedBy: string;
  },
  at: string,
): Rejection {
  const given = Array.isArray(input.problems) ? (input.problems as Problem[]) : [];
  const params = input.params && Object.keys(input.params).length > 0 ? input.params : undefined;
  return {
    code: input.code,
    ...(params ? { params } : {}),
    reason: input.reason || 'rejected',
    problems: given.length === 0 && submission.valid === false ? (submission.problems ?? []) : given,
    decidedBy: input.decidedBy || SYSTEM_DECIDER,
    at,
    attempt: submission.attempt,
  };
}
