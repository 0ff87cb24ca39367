import { type RejectLoanInput, rejectLoanRequest } from '../services/loan-rejection.ts';

/**
 * Workflow step Reject of borrow-approval: the loan becomes REJECTED and its open approval tasks
 * expire.
 * The step only hands its input to services/loan-rejection.ts.
 */

export type { RejectLoanInput };

export async function handler(input: RejectLoanInput): Promise<{ status: 'REJECTED' }> {
  return rejectLoanRequest(input);
}
