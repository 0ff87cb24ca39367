import { getDocuments } from '../adapters/documents-repo.ts';
import { abandonSubmitted, getSubmission, markSubmitted } from '../adapters/submissions-repo.ts';
import { intakeExecutionArn, startIntakeExecution } from '../adapters/workflows.ts';
import { now } from '../core/clock.ts';
import { Conflict, Forbidden, NotFound } from '../core/errors.ts';
import { getScheme } from '../core/scheme.ts';
import { assertSubmittable, executionName, intakeWorkflowInput } from '../core/submissions.ts';
import { apiHandler } from '../http/api.ts';

/**
 * `POST /submissions/{submissionId}/submit`: starts intake-review-archive for a fully uploaded
 * draft (or a rejected submission being resubmitted). The execution name is derived from the
 * attempt and its ARN from the name, so the submission is marked SUBMITTED with its execution
 * first and the execution started second: the workflow never finds its submission unmarked, and
 * of two concurrent requests only one marks it (the other gets 409). A submit that marked the
 * submission but failed before the start is healed by the clerk's next submit, which starts the
 * recorded execution (Step Functions answers a repeated start with the running execution) and
 * answers 409.
 */
export const handler = apiHandler(
  'submissions-submit',
  async function handleSubmissionsSubmit({ actor, path }) {
    const id = path.submissionId ?? '';
    const submission = await getSubmission(id);
    if (!submission) throw new NotFound('submission', id);
    const scheme = getScheme(submission.schemeId);
    if (submission.status === 'SUBMITTED' && submission.createdBy === actor.sub) {
      const name = executionName(id, submission.attempt);
      if (submission.executionArn === intakeExecutionArn(name)) {
        await startIntakeExecution(name, intakeWorkflowInput(id, submission.attempt, scheme));
      }
      throw new Conflict(`submission ${id} is already submitted (status SUBMITTED)`);
    }
    if (submission.createdBy !== actor.sub) throw new Forbidden(`submission ${id} belongs to another clerk`);
    const documents = await getDocuments(submission.documentIds);
    assertSubmittable(actor, submission, documents);

    const attempt = submission.attempt + 1;
    const name = executionName(id, attempt);
    const executionArn = intakeExecutionArn(name);
    const at = now().toISOString();
    const won = await markSubmitted(submission, executionArn, at, {
      action: 'submission.submitted',
      actor,
      targetType: 'submission',
      targetId: id,
      at,
      before: { status: submission.status, attempt: submission.attempt },
      after: { status: 'SUBMITTED', attempt, executionArn },
    });
    if (!won) throw new Conflict(`submission ${id} is already submitted`);

    const start = await startIntakeExecution(name, intakeWorkflowInput(id, attempt, scheme));
    if (!start.started) {
      // The name was taken before this attempt was recorded; give the attempt back, keeping its number.
      const back = submission.status === 'REJECTED' ? 'REJECTED' : 'DRAFT';
      const when = now().toISOString();
      await abandonSubmitted(id, executionArn, back, when, {
        action: 'submission.submit-abandoned',
        actor,
        targetType: 'submission',
        targetId: id,
        at: when,
        details: { attempt, executionArn, reason: 'the execution name of the attempt was already taken' },
      });
      throw new Conflict(`a previous submit of ${id} did not complete; submit again`);
    }
    return { status: 202, body: { submissionId: id, status: 'SUBMITTED', executionArn } };
  },
);
