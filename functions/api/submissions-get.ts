import { getDocuments } from '../adapters/documents-repo.ts';
import { getScheme } from '../core/scheme.ts';
import { submissionView } from '../core/submissions.ts';
import { apiHandler } from '../http/api.ts';

/**
 * `GET /submissions/{submissionId}`: a clerk sees their own; reviewers, archivists, auditors any
 * (the `own-submission` rule decides, and hands over the submission it read). One BatchGetItem of
 * its documents.
 */
export const handler = apiHandler(
  'submissions-get',
  'GET /submissions/{submissionId}',
  async function handleSubmissionsGet({ actor, records: { submission } }) {
    const documents = await getDocuments(submission.documentIds);
    return {
      status: 200,
      body: submissionView(submission, documents, getScheme(submission.schemeId), actor),
    };
  },
);
