import { SYSTEM_ACTOR } from '../adapters/audit.ts';
import { expireLoan, getLoan } from '../adapters/loans-repo.ts';
import { now } from '../core/clock.ts';
import type { LoanStatus } from '../core/loans.ts';
import { settledLoanStatus } from '../core/step-outcomes.ts';
import { TransientError, WorkflowStateError } from '../core/workflow-errors.ts';

/**
 * Workflow step ExpireUnlessReturned of borrow-approval, run when the Wait until the due time
 * ends: an ACTIVE loan becomes EXPIRED and its digital access ends (paper originals not yet back
 * keep it on the overdue list). A loan returned early is left as it is: the return ended it
 * already, and the execution finishes cleanly either way. Safe to run twice.
 */

export interface ExpireLoanInput {
  loanId: string;
  executionId: string;
}

export async function expireLoanAtDue(input: ExpireLoanInput): Promise<{ status: LoanStatus }> {
  const loan = await getLoan(input.loanId);
  if (!loan) throw new WorkflowStateError(`loan ${input.loanId} does not exist`);
  if (loan.executionArn !== input.executionId) {
    throw new WorkflowStateError(`loan ${input.loanId} belongs to another execution`);
  }
  if (loan.status !== 'ACTIVE') return { status: loan.status };
  const at = now().toISOString();
  const expired = await expireLoan(loan, at, {
    action: 'loan.expired',
    actor: SYSTEM_ACTOR,
    targetType: 'loan',
    targetId: loan.loanId,
    at,
    before: { status: 'ACTIVE', dueAt: loan.dueAt },
    after: { status: 'EXPIRED', paperOut: loan.paper },
  });
  if (expired) return { status: 'EXPIRED' };
  const settled = settledLoanStatus(await getLoan(loan.loanId));
  if (settled) return settled;
  throw new TransientError(`loan ${loan.loanId} changed while it expired`);
}
