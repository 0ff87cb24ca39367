import type { DynamoDBStreamEvent } from 'aws-lambda';
import { logger } from '../adapters/logger.ts';
import { applyCounterDeltas } from '../adapters/stats-repo.ts';
import { recordChanges } from '../adapters/table-changes.ts';
import { batchIdentity, counterDeltas } from '../core/stats.ts';

/**
 * Fed by the records table's stream (document and submission items only): adds what a batch of
 * changes means for the dashboard's counters (documents archived and disposed of, first
 * validations and their completeness, rejections, submissions archived), summed over the batch:
 * one update per counter item touched, marked with the batch. A batch delivered again adds nothing.
 */
export interface StatsCounterResult {
  changes: number;
  counterItems: number;
  /** Counter items added to (fewer than counterItems when the batch had been counted before). */
  applied: number;
  writeUnits: number;
}

export async function handler(event: DynamoDBStreamEvent): Promise<StatsCounterResult> {
  const changes = recordChanges(event);
  const deltas = counterDeltas(changes);
  if (deltas.size === 0) return { changes: changes.length, counterItems: 0, applied: 0, writeUnits: 0 };
  const { applied, writeUnits } = await applyCounterDeltas(batchIdentity(changes), deltas);
  const result = { changes: changes.length, counterItems: deltas.size, applied, writeUnits };
  logger.info(applied === deltas.size ? 'stats counters added' : 'stats batch counted before', { ...result });
  return result;
}
