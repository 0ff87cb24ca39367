import { SYSTEM_ACTOR } from '../adapters/audit.ts';
import { getBatch, getBatchItems, moveBatch } from '../adapters/disposal-batches-repo.ts';
import { releaseItem } from '../adapters/disposal-items-repo.ts';
import { logger } from '../adapters/logger.ts';
import { expireOpenTask } from '../adapters/tasks-repo.ts';
import { now } from '../core/clock.ts';
import { disposalTaskId, isoDate } from '../core/disposal.ts';
import { WorkflowStateError } from '../core/workflow-errors.ts';

/**
 * Workflow step Abandon: nobody appraised or approved the batch in time. Its open task expires,
 * its proposed documents leave it and go back into the due-date index under today, so the next
 * sweep proposes them in a new batch, and the batch closes as ABANDONED. Nothing is destroyed.
 * Safe to run twice.
 */

export interface AbandonInput {
  batchId: string;
  round: number;
  reason: string;
}

export async function abandonBatch(input: AbandonInput): Promise<{ status: 'ABANDONED'; released: number }> {
  const batch = await getBatch(input.batchId);
  if (!batch) throw new WorkflowStateError(`disposal batch ${input.batchId} does not exist`);
  const at = now();
  const stamp = at.toISOString();
  for (const kind of ['disposal-appraisal', 'disposal-approval'] as const) {
    const taskId = disposalTaskId(kind, batch.batchId, input.round);
    if (await expireOpenTask(taskId, stamp)) logger.info('disposal task expired', { taskId });
  }
  let released = 0;
  for (const item of await getBatchItems(batch.batchId)) {
    if (item.status !== 'PROPOSED') continue;
    const ok = await releaseItem(batch.batchId, item.documentId, isoDate(at), input.reason, stamp, {
      action: 'disposal.item-released',
      actor: SYSTEM_ACTOR,
      targetType: 'document',
      targetId: item.documentId,
      at: stamp,
      details: { batchId: batch.batchId, archiveCode: item.archiveCode, reason: input.reason },
    });
    if (ok) released++;
  }
  if (batch.status !== 'ABANDONED') {
    await moveBatch(
      batch.batchId,
      ['PROPOSED', 'APPRAISAL', 'APPROVAL'],
      'ABANDONED',
      { abandonedReason: input.reason, closedAt: stamp },
      stamp,
      {
        action: 'disposal.closed',
        actor: SYSTEM_ACTOR,
        targetType: 'disposal',
        targetId: batch.batchId,
        at: stamp,
        details: { status: 'ABANDONED', reason: input.reason, released },
      },
    );
  }
  return { status: 'ABANDONED', released };
}
