import { getDocuments, getSubmission, markSubmitted, skipAttempt } from '../adapters/records-repo.ts';
import { startIntakeExecution } from '../adapters/workflows.ts';
import { now } from '../core/clock.ts';
import { Conflict, NotFound } from '../core/errors.ts';
import { getScheme } from '../core/scheme.ts';
import { assertSubmittable, executionName, intakeWorkflowInput } from '../core/submissions.ts';
import { apiHandler } from '../http/api.ts';

/**
 * `POST /submissions/{submissionId}/submit`: starts intake-review-archive for a fully uploaded
 * draft (or a rejected submission being resubmitted). The execution name is derived from the
 * attempt, so a repeated request cannot start a second workflow; of two concurrent requests only
 * one moves the submission to SUBMITTED, the other gets 409.
 */
export const handler = apiHandler('submissions-submit', async ({ actor, path }) => {
  const id = path.submissionId ?? '';
  const submission = await getSubmission(id);
  if (!submission) throw new NotFound('submission', id);
  const documents = await getDocuments(submission.documentIds);
  assertSubmittable(actor, submission, documents);

  const attempt = submission.attempt + 1;
  const input = intakeWorkflowInput(id, attempt, getScheme(submission.schemeId));
  const start = await startIntakeExecution(executionName(id, attempt), input);
  const at = now().toISOString();
  if (!start.started) {
    // The name of this attempt was used by a start whose submission update never landed
    // (and whose execution has since ended, or ran with other input). Move past it.
    await skipAttempt(id, submission.attempt, at);
    throw new Conflict(`a previous submit of ${id} did not complete; submit again`);
  }
  const won = await markSubmitted(submission, start.executionArn, at, {
    action: 'submission.submitted',
    actor,
    targetType: 'submission',
    targetId: id,
    at,
    before: { status: submission.status, attempt: submission.attempt },
    after: { status: 'SUBMITTED', attempt, executionArn: start.executionArn },
  });
  if (!won) throw new Conflict(`submission ${id} is already submitted`);
  return { status: 202, body: { submissionId: id, status: 'SUBMITTED', executionArn: start.executionArn } };
});
