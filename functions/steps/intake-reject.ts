import { type RejectInput, rejectSubmission } from '../services/intake-rejection.ts';

/**
 * Workflow step Reject of intake-review-archive: the submission goes back to its clerk with the
 * reason, its open review tasks expire, and after a failed archiving its numbers are given back.
 * The step only hands its input to services/intake-rejection.ts.
 */

export type { RejectInput };

export async function handler(input: RejectInput): Promise<{ status: 'REJECTED' | 'ARCHIVED' }> {
  return rejectSubmission(input);
}
