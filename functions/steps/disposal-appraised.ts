import {
  type AppraisalDecision,
  type AppraisedInput,
  applyAppraisal,
} from '../services/disposal-appraisal.ts';

/**
 * Workflow step Appraised of disposal: applies the archivist's appraisal (extensions included);
 * returns how many documents remain to be approved for destruction.
 * The step only hands its input to services/disposal-appraisal.ts.
 */

export type { AppraisalDecision, AppraisedInput };

export async function handler(input: AppraisedInput): Promise<{ remaining: number; extended: number }> {
  return applyAppraisal(input);
}
