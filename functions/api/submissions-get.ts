import { getDocuments } from '../adapters/documents-repo.ts';
import { getTask } from '../adapters/tasks-repo.ts';
import { mayReadUnmasked } from '../core/masking.ts';
import type { Actor } from '../core/roles.ts';
import { getScheme } from '../core/scheme.ts';
import { scanReaderBasis } from '../core/submission-scans.ts';
import { type Submission, submissionView } from '../core/submissions.ts';
import { apiHandler } from '../http/api.ts';
import { auditNamesShown } from '../services/sensitive-reads.ts';

/**
 * Whether the caller is the decider of the submission's open review task, who is shown its scans
 * (submissions-scan-content): its titles are then shown in clear beside them, as the scans show
 * more. Only read for a caller who would otherwise see them masked and who has a task to decide.
 */
async function decidesReview(actor: Actor, submission: Submission): Promise<boolean> {
  if (!submission.reviewTaskId || submission.createdBy === actor.sub) return false;
  if (mayReadUnmasked(getScheme(submission.schemeId), actor)) return false;
  try {
    return scanReaderBasis(actor, submission, await getTask(submission.reviewTaskId)) === 'review-task';
  } catch {
    return false;
  }
}

/**
 * `GET /submissions/{submissionId}`: a clerk sees their own; reviewers, archivists, auditors any
 * (the `own-submission` rule decides, and hands over the submission it read). One BatchGetItem of
 * its documents. Sensitive titles shown in clear to someone other than their clerk are audited
 * (`document.read-unmasked`), as `GET /documents/{documentId}` does.
 */
export const handler = apiHandler(
  'submissions-get',
  'GET /submissions/{submissionId}',
  async function handleSubmissionsGet({ actor, records: { submission }, requestId }) {
    const documents = await getDocuments(submission.documentIds);
    const showsScans = await decidesReview(actor, submission);
    const view = submissionView(submission, documents, getScheme(submission.schemeId), actor, { showsScans });
    if (showsScans) {
      // One event per sensitive document shown in clear, written side by side.
      const details = { requestId, submissionId: submission.submissionId, basis: 'review-task' };
      await Promise.all(
        view.documents.flatMap((shown) => {
          const doc = documents.find((d) => d.documentId === shown.documentId);
          return doc ? [auditNamesShown(actor, doc, shown, details)] : [];
        }),
      );
    }
    return { status: 200, body: view };
  },
);
