import { type DestroyInput, type DestroyOutput, destroyItem } from '../services/disposal-destruction.ts';

/**
 * Workflow step DestroyItem of disposal (one per document, inside the Map): destroys one approved
 * document's content and leaves its tombstone, or pulls or fails the item.
 * The step only hands its input to services/disposal-destruction.ts.
 */

export type { DestroyInput, DestroyOutput };

export async function handler(input: DestroyInput): Promise<DestroyOutput> {
  return destroyItem(input);
}
