import { type OpenLoanApprovalInput, openLoanApproval } from '../services/loan-approval.ts';

/**
 * Workflow steps Approve, RemindApprover, ApproveSensitive and RemindSensitive of borrow-approval
 * (`.waitForTaskToken`): opens the loan's approval task of the level with the state's token.
 * The step only hands its input to services/loan-approval.ts.
 */

export type { OpenLoanApprovalInput };

export async function handler(input: OpenLoanApprovalInput): Promise<{ taskId: string }> {
  return openLoanApproval(input);
}
