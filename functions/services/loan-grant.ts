import { SYSTEM_ACTOR } from '../adapters/audit.ts';
import { getLoan, grantLoan } from '../adapters/loans-repo.ts';
import { now } from '../core/clock.ts';
import { loanDueAt, loanGrants } from '../core/loans.ts';
import { grantedDueAt } from '../core/step-outcomes.ts';
import { TransientError, WorkflowStateError } from '../core/workflow-errors.ts';

/**
 * Workflow step Grant of borrow-approval: the approved loan becomes ACTIVE for its number of
 * days from now, and each of its documents gets a grant the content route looks up. Returns the
 * due time the workflow then waits for. Safe to run twice: a loan this execution granted already
 * answers with the due time it has.
 */

export interface GrantLoanInput {
  loanId: string;
  executionId: string;
  /** Usernames of the approvers, first level first. */
  approvedBy: string[];
}

export async function grantLoanAccess(input: GrantLoanInput): Promise<{ dueAt: string }> {
  const loan = await getLoan(input.loanId);
  if (!loan) throw new WorkflowStateError(`loan ${input.loanId} does not exist`);
  if (loan.executionArn !== input.executionId) {
    throw new WorkflowStateError(`loan ${input.loanId} belongs to another execution`);
  }
  const grantedBefore = grantedDueAt(loan);
  if (grantedBefore !== undefined) return { dueAt: grantedBefore };
  if (loan.status !== 'PENDING_APPROVAL') {
    throw new WorkflowStateError(`loan ${loan.loanId} is ${loan.status}; it cannot be granted`);
  }
  const time = now();
  const grantedAt = time.toISOString();
  const due = loanDueAt(time, loan.days);
  const approvedBy = (Array.isArray(input.approvedBy) ? input.approvedBy : []).filter(
    (x): x is string => typeof x === 'string' && x !== '',
  );
  const granted = await grantLoan(
    loan,
    loanGrants(loan, due),
    { executionArn: input.executionId, grantedAt, dueAt: due, approvedBy },
    {
      action: 'loan.granted',
      actor: SYSTEM_ACTOR,
      targetType: 'loan',
      targetId: loan.loanId,
      at: grantedAt,
      before: { status: loan.status },
      after: { status: 'ACTIVE', dueAt: due, approvedBy, documentIds: loan.documentIds },
    },
  );
  if (granted) return { dueAt: due };
  const grantedMeanwhile = grantedDueAt(await getLoan(loan.loanId));
  if (grantedMeanwhile !== undefined) return { dueAt: grantedMeanwhile };
  throw new TransientError(`loan ${loan.loanId} changed while it was granted`);
}
