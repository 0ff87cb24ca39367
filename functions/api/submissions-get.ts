import { getDocuments } from '../adapters/documents-repo.ts';
import { getSubmission } from '../adapters/submissions-repo.ts';
import { Forbidden, NotFound } from '../core/errors.ts';
import { getScheme } from '../core/scheme.ts';
import { canViewSubmission, submissionView } from '../core/submissions.ts';
import { apiHandler } from '../http/api.ts';

/** `GET /submissions/{submissionId}`: a clerk sees their own; reviewers, archivists, auditors any. */
export const handler = apiHandler('submissions-get', async ({ actor, path }) => {
  const id = path.submissionId ?? '';
  const submission = await getSubmission(id);
  if (!submission) throw new NotFound('submission', id);
  if (!canViewSubmission(actor, submission)) throw new Forbidden(`submission ${id} belongs to another clerk`);
  const documents = await getDocuments(submission.documentIds);
  return { status: 200, body: submissionView(submission, documents, getScheme(submission.schemeId), actor) };
});
