import { getDocuments } from '../adapters/documents-repo.ts';
import { getLoan } from '../adapters/loans-repo.ts';
import { DomainError } from '../core/errors.ts';
import { assertBorrowable, loanDocument } from '../core/loans.ts';
import { getScheme } from '../core/scheme.ts';
import { WorkflowStateError } from '../core/workflow-errors.ts';

/**
 * Workflow step Validate of borrow-approval: the documents are read again (one may have been
 * disposed of since the request) and the loan needs a second approval level when any of them is
 * of a type the scheme marks sensitive. Reads only; the Reject step records a failure.
 */

export interface ValidateLoanInput {
  loanId: string;
  executionId: string;
}

export interface ValidateLoanOutput {
  valid: boolean;
  /** Why the request cannot go on; empty when valid. */
  reason: string;
  sensitive: boolean;
}

export async function validateLoan(input: ValidateLoanInput): Promise<ValidateLoanOutput> {
  const loan = await getLoan(input.loanId);
  if (!loan) throw new WorkflowStateError(`loan ${input.loanId} does not exist`);
  if (loan.executionArn !== input.executionId) {
    throw new WorkflowStateError(`loan ${input.loanId} belongs to another execution`);
  }
  if (loan.status !== 'PENDING_APPROVAL') {
    return { valid: false, reason: `loan ${loan.loanId} is ${loan.status}`, sensitive: loan.sensitive };
  }
  const scheme = getScheme(loan.schemeId);
  try {
    const docs = assertBorrowable(loan.documentIds, await getDocuments(loan.documentIds));
    return { valid: true, reason: '', sensitive: docs.some((d) => loanDocument(scheme, d).sensitive) };
  } catch (err) {
    if (err instanceof DomainError && err.status < 500) {
      return { valid: false, reason: err.message, sensitive: loan.sensitive };
    }
    throw err;
  }
}
