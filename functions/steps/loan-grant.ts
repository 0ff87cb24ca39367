import { type GrantLoanInput, grantLoanAccess } from '../services/loan-grant.ts';

/**
 * Workflow step Grant of borrow-approval: the approved loan becomes ACTIVE; returns the due time
 * the workflow then waits for.
 * The step only hands its input to services/loan-grant.ts.
 */

export type { GrantLoanInput };

export async function handler(input: GrantLoanInput): Promise<{ dueAt: string }> {
  return grantLoanAccess(input);
}
