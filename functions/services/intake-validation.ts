import { SYSTEM_ACTOR } from '../adapters/audit.ts';
import { getDocuments } from '../adapters/documents-repo.ts';
import { logger } from '../adapters/logger.ts';
import { scanStatus } from '../adapters/scanner.ts';
import { getSubmission, recordFailedValidation } from '../adapters/submissions-repo.ts';
import type { PassedValidation } from '../adapters/tasks-repo.ts';
import { now } from '../core/clock.ts';
import { type Problem, runIntakeChecks } from '../core/intake-checks.ts';
import { getScheme } from '../core/scheme.ts';
import { intakeKeyOf, type Submission } from '../core/submissions.ts';
import { ChecksFailed, ScanPending, TransientError, WorkflowStateError } from '../core/workflow-errors.ts';

/**
 * The validation that opens the workflow's Review state (intake-open-review runs it before it
 * opens the review task, so validating costs no state transition of its own): the four checks
 * (DA/T 70) on every document of the submission, stored on the submission (the problems name
 * document and check, so per-document results are read from them). When they pass it returns
 * `{valid: true, problems: [], toRecord}`: the caller stores the outcome with the review task it
 * opens, one write of the submission instead of two. When they fail it stores them and throws
 * ChecksFailed before any review task exists, which the workflow catches and rejects the
 * submission with the stored problems: the workflow needs no Choice state. An upload not yet
 * scanned throws ScanPending, retried by the state. Safe to run twice: the same checks are
 * computed again, and once the submission has moved on the answer recorded then is given.
 */

export interface ValidateInput {
  submissionId: string;
  executionId: string;
  /** The submission as the caller has just read it, so it is not read twice. */
  submission?: Submission;
}

export interface ValidateOutput {
  valid: boolean;
  problems: Problem[];
  /** A passing outcome not stored yet; absent when the submission's validation was stored before. */
  toRecord?: PassedValidation;
}

const SCAN_CONCURRENCY = 4;

export async function validateSubmission(input: ValidateInput): Promise<ValidateOutput> {
  const submission = input.submission ?? (await getSubmission(input.submissionId));
  if (!submission) throw new WorkflowStateError(`submission ${input.submissionId} does not exist`);
  if (submission.executionArn !== input.executionId) {
    if (submission.status === 'DRAFT' || submission.status === 'REJECTED') {
      // The submit request started this execution and has not recorded it yet.
      throw new TransientError(`submission ${input.submissionId} is not yet marked submitted`);
    }
    throw new WorkflowStateError(`submission ${input.submissionId} belongs to another execution`);
  }
  if (submission.status !== 'SUBMITTED' && submission.status !== 'VALIDATED') {
    // A repeated run after the workflow moved on: answer what was decided then.
    logger.info('validation already done', {
      submissionId: submission.submissionId,
      status: submission.status,
    });
    return answer(submission.submissionId, submission.valid ?? false, submission.problems ?? []);
  }

  const documents = await getDocuments(submission.documentIds);
  const scans: Record<string, string | undefined> = {};
  const uploaded = documents.filter((d) => d.status === 'UPLOADED');
  for (let i = 0; i < uploaded.length; i += SCAN_CONCURRENCY) {
    await Promise.all(
      uploaded.slice(i, i + SCAN_CONCURRENCY).map(async (d) => {
        scans[d.documentId] = await scanStatus(intakeKeyOf(d), d.receivedVersionId);
      }),
    );
  }
  const unscanned = uploaded.filter((d) => scans[d.documentId] === undefined);
  if (unscanned.length > 0) {
    throw new ScanPending(
      `waiting for the malware scan of ${unscanned.map((d) => d.documentId).join(', ')} in submission ${submission.submissionId}`,
    );
  }
  const outcome = runIntakeChecks({ scheme: getScheme(submission.schemeId), submission, documents, scans });
  const at = now().toISOString();
  const audit = {
    action: 'submission.validated',
    actor: SYSTEM_ACTOR,
    targetType: 'submission',
    targetId: submission.submissionId,
    at,
    details: { attempt: submission.attempt, valid: outcome.valid, problems: outcome.problems },
  };
  logger.info('submission validated', {
    submissionId: submission.submissionId,
    valid: outcome.valid,
    problems: outcome.problems.length,
  });
  if (outcome.valid) {
    return {
      valid: true,
      problems: [],
      toRecord: { executionArn: input.executionId, validatedAt: at, audit },
    };
  }
  const written = await recordFailedValidation(submission, input.executionId, outcome.problems, at, audit);
  if (!written) throw new TransientError(`submission ${submission.submissionId} changed during validation`);
  return answer(submission.submissionId, outcome.valid, outcome.problems);
}

function answer(submissionId: string, valid: boolean, problems: Problem[]): ValidateOutput {
  if (!valid) {
    throw new ChecksFailed(
      `submission ${submissionId} failed the intake checks: ${problems.map((p) => p.message).join('; ')}`,
    );
  }
  return { valid, problems };
}
