import { SYSTEM_ACTOR } from '../adapters/audit.ts';
import { getLoan, rejectLoan } from '../adapters/loans-repo.ts';
import { logger } from '../adapters/logger.ts';
import { expireOpenTask } from '../adapters/tasks-repo.ts';
import { now } from '../core/clock.ts';
import { loanTaskIds } from '../core/loans.ts';
import { TransientError, WorkflowStateError } from '../core/workflow-errors.ts';

/**
 * Workflow step Reject of borrow-approval: an approver said no (at either level), nobody
 * answered in time, or a document stopped being borrowable. The loan becomes REJECTED with the
 * reason and who decided; approval tasks of the loan still open expire. Safe to run twice.
 */

export interface RejectLoanInput {
  loanId: string;
  reason: string;
  decidedBy: string;
  executionId: string;
}

export async function rejectLoanRequest(input: RejectLoanInput): Promise<{ status: 'REJECTED' }> {
  const loan = await getLoan(input.loanId);
  if (!loan) throw new WorkflowStateError(`loan ${input.loanId} does not exist`);
  if (loan.executionArn !== input.executionId) {
    throw new WorkflowStateError(`loan ${input.loanId} belongs to another execution`);
  }
  const at = now().toISOString();
  if (loan.status !== 'REJECTED') {
    if (loan.status !== 'PENDING_APPROVAL') {
      throw new WorkflowStateError(`loan ${loan.loanId} is ${loan.status}; it cannot be rejected`);
    }
    const rejection = { reason: input.reason || 'rejected', decidedBy: input.decidedBy || 'system', at };
    const written = await rejectLoan(loan.loanId, input.executionId, rejection, {
      action: 'loan.rejected',
      actor: SYSTEM_ACTOR,
      targetType: 'loan',
      targetId: loan.loanId,
      at,
      before: { status: loan.status },
      after: rejection,
    });
    if (!written && (await getLoan(loan.loanId))?.status !== 'REJECTED') {
      throw new TransientError(`loan ${loan.loanId} changed while it was rejected`);
    }
  }
  for (const taskId of loanTaskIds(loan.loanId)) {
    if (await expireOpenTask(taskId, at))
      logger.info('open loan approval task expired with the rejection', { taskId });
  }
  return { status: 'REJECTED' };
}
