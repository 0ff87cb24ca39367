import {
  type ValidateLoanInput,
  type ValidateLoanOutput,
  validateLoan,
} from '../services/loan-validation.ts';

/**
 * Workflow step Validate of borrow-approval: whether the loan can go on, and whether it needs a
 * second approval level. Reads only.
 * The step only hands its input to services/loan-validation.ts.
 */

export type { ValidateLoanInput, ValidateLoanOutput };

export async function handler(input: ValidateLoanInput): Promise<ValidateLoanOutput> {
  return validateLoan(input);
}
