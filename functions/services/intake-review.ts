import { getCustomerSnapshot as getCustomer } from '../adapters/customers-repo.ts';
import { logger } from '../adapters/logger.ts';
import { getSubmission } from '../adapters/submissions-repo.ts';
import { expireOpenTask, openReviewTask, type PassedValidation } from '../adapters/tasks-repo.ts';
import { now } from '../core/clock.ts';
import { getScheme } from '../core/scheme.ts';
import {
  dueAt,
  intakeReviewSummary,
  type ReviewLevel,
  reviewRole,
  reviewTaskId,
  type TaskRecord,
} from '../core/tasks.ts';
import { WorkflowStateError } from '../core/workflow-errors.ts';
import { validateSubmission } from './intake-validation.ts';
import { keepExistingTask, taskOpenedEvent } from './open-task.ts';

/**
 * Workflow steps Review and EscalateReview (`.waitForTaskToken`): opens the review task for the
 * submission's current attempt and keeps the token on it, server-side. Review validates the
 * submission first (services/intake-validation.ts), in the same state, so the happy path takes one
 * transition less: failed checks throw ChecksFailed and an unscanned upload throws ScanPending
 * before the token is used or any task exists, and the state catches or retries them by name.
 * The task id is derived from submission, attempt and level, so a retried invocation finds the
 * task it made and only replaces its token. Escalation expires the unanswered review task and
 * assigns archivists; it does not validate again.
 */

export interface OpenReviewInput {
  taskToken: string;
  submissionId: string;
  level: ReviewLevel;
  /**
   * When the workflow entered the state; the task is due `timeoutSeconds` later (after retries
   * while a malware scan was pending, that is up to their wait earlier than the state times out).
   */
  enteredAt: string;
  timeoutSeconds: number;
  executionId?: string;
}

export async function openReview(input: OpenReviewInput): Promise<{ taskId: string }> {
  if (input.level !== 'review' && input.level !== 'escalated') {
    throw new WorkflowStateError(`unknown review level ${String(input.level)}`);
  }
  const submission = await getSubmission(input.submissionId);
  let validation: PassedValidation | undefined;
  if (input.level === 'review') {
    if (input.executionId === undefined) {
      throw new WorkflowStateError(`review of submission ${input.submissionId} names no execution`);
    }
    ({ toRecord: validation } = await validateSubmission({
      submissionId: input.submissionId,
      executionId: input.executionId,
      ...(submission ? { submission } : {}),
    }));
  }
  if (!submission) throw new WorkflowStateError(`submission ${input.submissionId} does not exist`);
  if (input.executionId !== undefined && submission.executionArn !== input.executionId) {
    throw new WorkflowStateError(`submission ${input.submissionId} belongs to another execution`);
  }
  const attempt = submission.attempt;
  const taskId = reviewTaskId(submission.submissionId, attempt, input.level);
  const at = now().toISOString();

  if (input.level === 'escalated') {
    const earlier = reviewTaskId(submission.submissionId, attempt, 'review');
    if (await expireOpenTask(earlier, at))
      logger.info('review task expired on escalation', { taskId: earlier });
  }

  const scheme = getScheme(submission.schemeId);
  const customer = await getCustomer(submission.customerId);
  const task: TaskRecord = {
    taskId,
    kind: 'intake-review',
    role: reviewRole(input.level),
    status: 'OPEN',
    subjectType: 'submission',
    subjectId: submission.submissionId,
    summary: intakeReviewSummary({
      scheme,
      customerId: submission.customerId,
      ...((customer?.customerNo ?? submission.customerNo)
        ? { customerNo: customer?.customerNo ?? submission.customerNo }
        : {}),
      // The task list is read by whole roles: a name the scheme treats as sensitive stays out.
      ...(customer?.name && !scheme.sensitiveFields.includes('name') ? { customerName: customer.name } : {}),
      businessEvent: submission.businessEvent,
      documentCount: submission.documentIds.length,
      level: input.level,
    }),
    createdAt: at,
    dueAt: dueAt(input.enteredAt, input.timeoutSeconds),
    taskToken: input.taskToken,
    requesterSub: submission.createdBy,
    ...(customer?.region ? { regions: [customer.region] } : {}),
    level: input.level,
    attempt,
    ...(input.executionId ? { executionId: input.executionId } : {}),
  };
  const result = await openReviewTask(task, taskOpenedEvent(task, at, { level: input.level }), validation);
  if (result === 'opened') return { taskId };
  if (result === 'submission-not-reviewable') {
    throw new WorkflowStateError(
      `submission ${submission.submissionId} is ${submission.status} at attempt ${attempt}; no review can open`,
    );
  }
  return keepExistingTask(taskId, input.taskToken, 'review task');
}
