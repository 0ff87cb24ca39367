import { returnSequenceNumbers } from '../adapters/code-sequences.ts';
import { getDocuments } from '../adapters/documents-repo.ts';
import { codeGroups } from '../core/documents.ts';
import { getScheme } from '../core/scheme.ts';
import type { Submission } from '../core/submissions.ts';

/**
 * Archive-code numbers a submission reserved but never gave to its documents, given back. Kept
 * apart from the archive step so that the steps and routes that end a submission's wait do not
 * carry the storage client.
 */

/**
 * After archiving failed for good (the workflow's Catch, then Reject): the numbers the submission
 * reserved go back to their sequences, to be given to the next documents of each. Its sequences
 * are those of its documents in the year archiving began, which is this year or, across New Year,
 * the one before: both are tried (a sequence holding no reservation of the submission is left as
 * it is). Returns the numbers given back per sequence. Safe to repeat.
 */
export async function returnReservedCodes(
  submission: Pick<Submission, 'submissionId' | 'schemeId' | 'businessEvent' | 'documentIds'>,
  at: Date,
): Promise<Record<string, number[]>> {
  const scheme = getScheme(submission.schemeId);
  const docs = await getDocuments(submission.documentIds);
  const uncoded = docs.filter((d) => !d.archiveCode);
  const thisYear = at.getUTCFullYear();
  const keys = new Set(
    [thisYear, thisYear - 1].flatMap((year) =>
      codeGroups(scheme, submission.businessEvent, uncoded, new Date(Date.UTC(year, 5, 1))).map(
        (g) => g.sequenceKey,
      ),
    ),
  );
  const returned: Record<string, number[]> = {};
  for (const key of keys) {
    const numbers = await returnSequenceNumbers(key, submission.submissionId);
    if (numbers.length > 0) returned[key] = numbers;
  }
  return returned;
}
