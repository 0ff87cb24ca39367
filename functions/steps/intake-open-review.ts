import { type OpenReviewInput, openReview } from '../services/intake-review.ts';

/**
 * Workflow steps Review and EscalateReview of intake-review-archive (`.waitForTaskToken`):
 * validates the submission (Review only) and opens its review task with the state's token.
 * The step only hands its input to services/intake-review.ts.
 */

export type { OpenReviewInput };

export async function handler(input: OpenReviewInput): Promise<{ taskId: string }> {
  return openReview(input);
}
