import { SYSTEM_ACTOR } from '../adapters/audit.ts';
import { getBatch, getBatchItems, moveBatch } from '../adapters/disposal-batches-repo.ts';
import { now } from '../core/clock.ts';
import { TransientError, WorkflowStateError } from '../core/workflow-errors.ts';

/**
 * Workflow step Approved: the approver approved the destruction. The batch moves to DESTROYING
 * with who approved and when; the step returns the documents still proposed, for the Map that
 * destroys them one by one. Safe to run twice.
 */

export interface ApprovedInput {
  batchId: string;
  decision: { decision: string; comment?: string; decidedBy: string; decidedBySub?: string };
}

export async function recordApproval(input: ApprovedInput): Promise<{ items: string[] }> {
  const batch = await getBatch(input.batchId);
  if (!batch) throw new WorkflowStateError(`disposal batch ${input.batchId} does not exist`);
  if (input.decision.decision !== 'approve') {
    throw new WorkflowStateError(`disposal batch ${input.batchId} was not approved`);
  }
  if (batch.status === 'APPROVAL') {
    const at = now().toISOString();
    const moved = await moveBatch(
      batch.batchId,
      ['APPROVAL'],
      'DESTROYING',
      {
        approvedBy: input.decision.decidedBy,
        ...(input.decision.decidedBySub ? { approvedBySub: input.decision.decidedBySub } : {}),
        approvedAt: at,
      },
      at,
      {
        action: 'disposal.approved',
        actor: SYSTEM_ACTOR,
        targetType: 'disposal',
        targetId: batch.batchId,
        at,
        details: { approvedBy: input.decision.decidedBy, comment: input.decision.comment ?? '' },
      },
    );
    if (!moved && (await getBatch(batch.batchId))?.status !== 'DESTROYING') {
      throw new TransientError(`disposal batch ${batch.batchId} changed while its approval was recorded`);
    }
  } else if (batch.status !== 'DESTROYING') {
    throw new WorkflowStateError(`disposal batch ${batch.batchId} is ${batch.status}, not APPROVAL`);
  }
  const items = await getBatchItems(batch.batchId);
  return { items: items.filter((i) => i.status === 'PROPOSED').map((i) => i.documentId) };
}
