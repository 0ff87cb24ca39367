import { type ApprovedInput, recordApproval } from '../services/disposal-approval.ts';

/**
 * Workflow step Approved of disposal: the batch moves to DESTROYING; returns the documents still
 * proposed, for the Map that destroys them.
 * The step only hands its input to services/disposal-approval.ts.
 */

export type { ApprovedInput };

export async function handler(input: ApprovedInput): Promise<{ items: string[] }> {
  return recordApproval(input);
}
