import { getLoan, openLoanTask } from '../adapters/loans-repo.ts';
import { logger } from '../adapters/logger.ts';
import { expireOpenTask } from '../adapters/tasks-repo.ts';
import { now } from '../core/clock.ts';
import { type LoanApprovalLevel, loanApprovalRole, loanApprovalSummary, loanTaskId } from '../core/loans.ts';
import { dueAt, type TaskRecord } from '../core/tasks.ts';
import { WorkflowStateError } from '../core/workflow-errors.ts';
import { keepExistingTask, taskOpenedEvent } from './open-task.ts';

/**
 * Workflow steps Approve, RemindApprover, ApproveSensitive and RemindSensitive of
 * borrow-approval (`.waitForTaskToken`): opens a `loan-approval` task for the level and keeps the
 * token on it, server-side. The borrower may not decide it, nor, at the second level, whoever
 * approved the first. A reminder expires the unanswered task of its level and opens a new one
 * for the same role. The task id comes from loan, level and round, so a retried invocation
 * finds the task it made and only replaces its token.
 */

export interface OpenLoanApprovalInput {
  taskToken: string;
  loanId: string;
  level: LoanApprovalLevel;
  reminder: boolean;
  /** When the workflow entered the state; the task is due `timeoutSeconds` later. */
  enteredAt: string;
  timeoutSeconds: number;
  executionId: string;
  /** Second level: who approved the first, who may not decide this one too. */
  approvedBySub?: string;
}

export async function openLoanApproval(input: OpenLoanApprovalInput): Promise<{ taskId: string }> {
  if (input.level !== 'first' && input.level !== 'second') {
    throw new WorkflowStateError(`unknown approval level ${String(input.level)}`);
  }
  const loan = await getLoan(input.loanId);
  if (!loan) throw new WorkflowStateError(`loan ${input.loanId} does not exist`);
  if (loan.executionArn !== input.executionId) {
    throw new WorkflowStateError(`loan ${input.loanId} belongs to another execution`);
  }
  const reminder = input.reminder === true;
  const taskId = loanTaskId(loan.loanId, input.level, reminder);
  const at = now().toISOString();

  if (reminder) {
    const earlier = loanTaskId(loan.loanId, input.level, false);
    if (await expireOpenTask(earlier, at))
      logger.info('loan approval task expired on reminder', { taskId: earlier });
  }

  const task: TaskRecord = {
    taskId,
    kind: 'loan-approval',
    role: loanApprovalRole(input.level),
    status: 'OPEN',
    subjectType: 'loan',
    subjectId: loan.loanId,
    summary: loanApprovalSummary(loan, input.level, reminder),
    createdAt: at,
    dueAt: dueAt(input.enteredAt, input.timeoutSeconds),
    taskToken: input.taskToken,
    requesterSub: loan.borrowerSub,
    ...(loan.regions ? { regions: loan.regions } : {}),
    ...(input.level === 'second' && input.approvedBySub ? { excludedSubs: [input.approvedBySub] } : {}),
    level: input.level,
    reminder,
    executionId: input.executionId,
  };
  const result = await openLoanTask(task, taskOpenedEvent(task, at, { level: input.level, reminder }));
  if (result === 'opened') return { taskId };
  if (result === 'loan-not-pending') {
    throw new WorkflowStateError(`loan ${loan.loanId} is ${loan.status}; no approval can open`);
  }
  return keepExistingTask(taskId, input.taskToken, 'loan approval task');
}
