import type { LoanStatus } from '../core/loans.ts';
import { type ExpireLoanInput, expireLoanAtDue } from '../services/loan-expiry.ts';

/**
 * Workflow step ExpireUnlessReturned of borrow-approval: an ACTIVE loan becomes EXPIRED at its
 * due time; a loan returned early is left as it is.
 * The step only hands its input to services/loan-expiry.ts.
 */

export type { ExpireLoanInput };

export async function handler(input: ExpireLoanInput): Promise<{ status: LoanStatus }> {
  return expireLoanAtDue(input);
}
