import type { DestructionListRef } from '../core/disposal.ts';
import { type FinishInput, finishBatch } from '../services/disposal-closing.ts';

/**
 * Workflow step Finish of disposal: closes the batch as EXTENDED, or as DONE with its
 * destruction list (销毁清册) written and kept under a legal hold.
 * The step only hands its input to services/disposal-closing.ts.
 */

export type { FinishInput };

export async function handler(input: FinishInput): Promise<{ status: string; list?: DestructionListRef }> {
  return finishBatch(input);
}
