import type { DocumentRecord } from '../core/documents.ts';
import type { IntakeCheckOutcome } from '../core/intake-checks.ts';
import type { Rejection, Submission } from '../core/submissions.ts';
import { type AuditInput, auditPut } from './audit.ts';
import { documentItem } from './documents-repo.ts';
import { getRecord } from './dynamo/items.ts';
import { entries, keys } from './dynamo/keys.ts';
import { transact, transactUnlessLost } from './dynamo/transactions.ts';
import { tableName } from './env.ts';
import { watchPut } from './watch-repo.ts';

/**
 * Submissions in the records table (layout in tables.ts): created with their documents, then
 * moved along by the intake workflow. Every change is conditional on the state it starts from,
 * and goes into one transaction with its audit event.
 */

export const getSubmission = (id: string) => getRecord<Submission>(keys.submission(id));

export function submissionItem(s: Submission) {
  return {
    ...keys.submission(s.submissionId),
    entity: 'submission',
    ...entries.submissionOfClerk(s.createdBy, s.createdAt),
    ...s,
  };
}

export async function createSubmission(
  submission: Submission,
  documents: readonly DocumentRecord[],
  audit: AuditInput,
): Promise<void> {
  const table = tableName();
  await transact([
    {
      Put: {
        TableName: table,
        Item: submissionItem(submission),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    ...documents.map((d) => ({
      Put: { TableName: table, Item: documentItem(d), ConditionExpression: 'attribute_not_exists(pk)' },
    })),
    auditPut(audit),
  ]);
}

/**
 * DRAFT/REJECTED → SUBMITTED for the attempt the caller saw. Returns false when another request
 * changed the submission first (nothing written).
 */
export async function markSubmitted(
  submission: Submission,
  executionArn: string,
  at: string,
  audit: AuditInput,
): Promise<boolean> {
  return transactUnlessLost([
    {
      Update: {
        TableName: tableName(),
        Key: keys.submission(submission.submissionId),
        ConditionExpression: '#status IN (:draft, :rejected) AND attempt = :seen',
        UpdateExpression:
          'SET #status = :submitted, executionArn = :arn, attempt = :next, submittedAt = :at, updatedAt = :at ' +
          'REMOVE #valid, problems, validatedAt, reviewTaskId, reviewOpenedAt, rejection',
        ExpressionAttributeNames: { '#status': 'status', '#valid': 'valid' },
        ExpressionAttributeValues: {
          ':draft': 'DRAFT',
          ':rejected': 'REJECTED',
          ':submitted': 'SUBMITTED',
          ':seen': submission.attempt,
          ':next': submission.attempt + 1,
          ':arn': executionArn,
          ':at': at,
        },
      },
    },
    // Watched until it is archived or rejected: no submission waits on an execution that is gone.
    watchPut({ kind: 'submission', recordId: submission.submissionId, executionArn, since: at }),
    auditPut(audit),
  ]);
}

/**
 * Gives back an attempt whose execution could not start under its name (the name was used
 * before the attempt was recorded): SUBMITTED with that execution → `backTo` (the status it was
 * submitted from), keeping the attempt number so the next submit uses a fresh name, with the
 * audit event. False when the submission moved on (nothing written).
 */
export async function abandonSubmitted(
  submissionId: string,
  executionArn: string,
  backTo: 'DRAFT' | 'REJECTED',
  at: string,
  audit: AuditInput,
): Promise<boolean> {
  return transactUnlessLost([
    {
      Update: {
        TableName: tableName(),
        Key: keys.submission(submissionId),
        ConditionExpression: '#status = :submitted AND executionArn = :arn',
        UpdateExpression: 'SET #status = :back, updatedAt = :at REMOVE executionArn, submittedAt',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':submitted': 'SUBMITTED',
          ':arn': executionArn,
          ':back': backTo,
          ':at': at,
        },
      },
    },
    auditPut(audit),
  ]);
}

/**
 * Stores failed intake checks on the submission, which stays SUBMITTED for the reject step, if it
 * is still at this execution's validation (a passing outcome is stored with the review task it
 * opens: tasks-repo.ts `openReviewTask`). The problems name the document and check of every
 * failure, so each document's four checks are read from them (`documentChecks`) and the
 * documents are not rewritten. Returns false when the submission moved on (nothing written).
 */
export async function recordFailedValidation(
  submission: Submission,
  executionArn: string,
  problems: IntakeCheckOutcome['problems'],
  at: string,
  audit: AuditInput,
): Promise<boolean> {
  return transactUnlessLost([
    {
      Update: {
        TableName: tableName(),
        Key: keys.submission(submission.submissionId),
        ConditionExpression: '#status IN (:submitted, :validated) AND executionArn = :arn',
        UpdateExpression:
          'SET #status = :next, #valid = :valid, problems = :problems, validatedAt = :at, updatedAt = :at',
        ExpressionAttributeNames: { '#status': 'status', '#valid': 'valid' },
        ExpressionAttributeValues: {
          ':submitted': 'SUBMITTED',
          ':validated': 'VALIDATED',
          ':arn': executionArn,
          ':next': 'SUBMITTED',
          ':valid': false,
          ':problems': problems,
          ':at': at,
        },
      },
    },
    auditPut(audit),
  ]);
}

/** Whichever submission state a rejected step may leave; false when the submission moved on. */
export async function markRejected(
  submissionId: string,
  executionArn: string,
  rejection: Rejection,
  audit: AuditInput,
): Promise<boolean> {
  return transactUnlessLost([
    {
      Update: {
        TableName: tableName(),
        Key: keys.submission(submissionId),
        ConditionExpression: '#status IN (:submitted, :validated, :review) AND executionArn = :arn',
        UpdateExpression: 'SET #status = :rejected, rejection = :rejection, decidedBy = :by, updatedAt = :at',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':submitted': 'SUBMITTED',
          ':validated': 'VALIDATED',
          ':review': 'IN_REVIEW',
          ':rejected': 'REJECTED',
          ':arn': executionArn,
          ':rejection': rejection,
          ':by': rejection.decidedBy,
          ':at': rejection.at,
        },
      },
    },
    auditPut(audit),
  ]);
}
