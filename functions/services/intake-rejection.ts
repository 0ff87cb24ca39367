import { SYSTEM_ACTOR } from '../adapters/audit.ts';
import { logger } from '../adapters/logger.ts';
import { emitCount } from '../adapters/metrics.ts';
import { getSubmission, markRejected } from '../adapters/submissions-repo.ts';
import { expireOpenTask } from '../adapters/tasks-repo.ts';
import { now } from '../core/clock.ts';
import type { Problem } from '../core/intake-checks.ts';
import { rejectionOf } from '../core/step-outcomes.ts';
import type { RejectionCode } from '../core/submissions.ts';
import { reviewTaskId } from '../core/tasks.ts';
import { TransientError, WorkflowStateError } from '../core/workflow-errors.ts';
import { ARCHIVE_FAILED_METRIC } from '../core/workflow-health.ts';
import { returnReservedCodes } from './reserved-codes.ts';

/**
 * Workflow step Reject: the submission failed its checks, was rejected by a reviewer, or nobody
 * reviewed it in time. It becomes REJECTED with the reason and problems; its documents stay
 * UPLOADED, so the clerk may replace files and submit again. Review tasks of this attempt that
 * are still open expire. When archiving failed for good (`returnCodes`), the archive-code numbers
 * reserved for the submission go back to their sequences first, so the next documents get them
 * and the register keeps no gap. Safe to run twice.
 */

export interface RejectInput {
  submissionId: string;
  code: RejectionCode;
  params?: Record<string, string>;
  reason: string;
  problems: Problem[];
  decidedBy: string;
  executionId: string;
  /** Archiving failed after the review: give the reserved archive-code numbers back. */
  returnCodes?: boolean;
}

export async function rejectSubmission(input: RejectInput): Promise<{ status: 'REJECTED' | 'ARCHIVED' }> {
  const submission = await getSubmission(input.submissionId);
  if (!submission) throw new WorkflowStateError(`submission ${input.submissionId} does not exist`);
  if (submission.executionArn !== input.executionId) {
    throw new WorkflowStateError(`submission ${input.submissionId} belongs to another execution`);
  }
  if (submission.status === 'ARCHIVED') {
    // The archive step wrote its transaction and then failed (a crash before it answered): the
    // submission is archived and its numbers are given; nothing is rejected or given back.
    logger.warn('submission archived before its archive step failed; nothing to reject', {
      submissionId: submission.submissionId,
    });
    return { status: 'ARCHIVED' };
  }
  const returned =
    input.returnCodes === true && submission.status !== 'REJECTED'
      ? await returnReservedCodes(submission, now())
      : {};
  const at = now().toISOString();
  if (submission.status !== 'REJECTED') {
    const rejection = rejectionOf(submission, input, at);
    const written = await markRejected(submission.submissionId, input.executionId, rejection, {
      action: 'submission.rejected',
      actor: SYSTEM_ACTOR,
      targetType: 'submission',
      targetId: submission.submissionId,
      at,
      before: { status: submission.status },
      after: rejection,
      ...(input.returnCodes === true ? { details: { archiveFailed: true, returnedNumbers: returned } } : {}),
    });
    if (input.returnCodes === true) {
      emitCount(ARCHIVE_FAILED_METRIC, 1, 'archiving failed; the submission went back to its clerk', {
        submissionId: submission.submissionId,
        returnedNumbers: returned,
      });
    }
    if (!written) {
      const now = await getSubmission(input.submissionId);
      if (now?.status !== 'REJECTED') {
        throw new TransientError(`submission ${input.submissionId} changed while it was rejected`);
      }
    }
  }
  for (const level of ['review', 'escalated'] as const) {
    const taskId = reviewTaskId(submission.submissionId, submission.attempt, level);
    if (await expireOpenTask(taskId, at))
      logger.info('open review task expired with the rejection', { taskId });
  }
  return { status: 'REJECTED' };
}
