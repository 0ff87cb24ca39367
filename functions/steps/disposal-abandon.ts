import { type AbandonInput, abandonBatch } from '../services/disposal-abandonment.ts';

/**
 * Workflow step Abandon of disposal: nobody appraised or approved in time; the batch's proposed
 * documents go back to the due-date index and the batch closes as ABANDONED.
 * The step only hands its input to services/disposal-abandonment.ts.
 */

export type { AbandonInput };

export async function handler(input: AbandonInput): Promise<{ status: 'ABANDONED'; released: number }> {
  return abandonBatch(input);
}
