import { archiveImportRows, checkImportRows, openImportBatchReview } from '../services/import-steps.ts';

/**
 * The states of import-batch (statemachines/import-batch.asl.json), one function for the three so
 * that a migration adds one function to the stack: Check, Review (`.waitForTaskToken`) and
 * Archive, each a bounded page of rows (services/import-steps.ts). Safe to run again.
 */

export type ImportStepInput =
  | { step: 'check'; importId: string; executionId: string }
  | { step: 'review'; importId: string; executionId: string; taskToken: string; enteredAt: string }
  | {
      step: 'archive';
      importId: string;
      executionId: string;
      decision?: { decision: 'approve' | 'reject'; comment?: string; decidedBy: string; rows?: number[] };
    };

export async function handler(input: ImportStepInput): Promise<unknown> {
  if (input.step === 'check') return checkImportRows(input);
  if (input.step === 'review') return openImportBatchReview(input);
  if (input.step === 'archive') return archiveImportRows(input);
  throw new Error(`unknown import step ${String((input as { step?: unknown }).step)}`);
}
