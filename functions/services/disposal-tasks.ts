import { getBatch, getBatchItems, openDisposalTask } from '../adapters/disposal-batches-repo.ts';
import { now } from '../core/clock.ts';
import {
  type BatchStatus,
  type DisposalTaskKind,
  disposalTaskId,
  disposalTaskSummary,
} from '../core/disposal.ts';
import { dueAt, type TaskRecord } from '../core/tasks.ts';
import { WorkflowStateError } from '../core/workflow-errors.ts';
import { keepExistingTask, taskOpenedEvent } from './open-task.ts';

/**
 * Workflow steps Appraisal and Approval (`.waitForTaskToken`): opens the disposal task of the
 * batch for this round and keeps the token on it, server-side, and moves the batch to the
 * stage. Appraisal goes to the archivists; approval to the approvers, never to whoever appraised
 * (the appraiser is the requester of the approval). The task id is derived from kind, batch and
 * round, so a retried invocation finds the task it made and only replaces its token.
 */

export interface OpenDisposalTaskInput {
  taskToken: string;
  batchId: string;
  kind: DisposalTaskKind;
  round: number;
  enteredAt: string;
  timeoutSeconds: number;
  executionId?: string;
  /** The approver's answer that sent the batch back to appraisal (rounds after the first). */
  returned?: { decision?: string; comment?: string; decidedBy?: string } | null;
}

const STAGES: Record<
  DisposalTaskKind,
  { from: BatchStatus[]; to: BatchStatus; role: 'archivist' | 'approver' }
> = {
  'disposal-appraisal': { from: ['PROPOSED', 'APPRAISAL', 'APPROVAL'], to: 'APPRAISAL', role: 'archivist' },
  'disposal-approval': { from: ['APPRAISAL', 'APPROVAL'], to: 'APPROVAL', role: 'approver' },
};

export async function openBatchTask(input: OpenDisposalTaskInput): Promise<{ taskId: string }> {
  const stage = STAGES[input.kind];
  if (!stage) throw new WorkflowStateError(`unknown disposal task kind ${String(input.kind)}`);
  const batch = await getBatch(input.batchId);
  if (!batch) throw new WorkflowStateError(`disposal batch ${input.batchId} does not exist`);
  const taskId = disposalTaskId(input.kind, batch.batchId, input.round);
  const at = now().toISOString();

  const fields: Record<string, unknown> = {};
  if (input.executionId) fields.executionArn = input.executionId;
  if (input.kind === 'disposal-appraisal' && input.round > 1 && input.returned?.decidedBy) {
    // The approver sent the batch back: their answer stays on the batch.
    fields.returns = [
      ...(batch.returns ?? []).filter((r) => r.round !== input.round - 1),
      { round: input.round - 1, by: input.returned.decidedBy, at, comment: input.returned.comment ?? '' },
    ];
  }

  const items = await getBatchItems(batch.batchId);
  const proposed = items.filter((i) => i.status === 'PROPOSED').length;
  const task: TaskRecord = {
    taskId,
    kind: input.kind,
    role: stage.role,
    status: 'OPEN',
    subjectType: 'disposal',
    subjectId: batch.batchId,
    summary: disposalTaskSummary(input.kind, batch, proposed, input.round),
    createdAt: at,
    dueAt: dueAt(input.enteredAt, input.timeoutSeconds),
    taskToken: input.taskToken,
    attempt: input.round,
    ...(batch.region ? { regions: [batch.region] } : {}),
    ...(input.kind === 'disposal-approval' && batch.appraisedBySub
      ? { requesterSub: batch.appraisedBySub }
      : {}),
    ...(input.executionId ? { executionId: input.executionId } : {}),
  };
  const result = await openDisposalTask(
    task,
    batch.batchId,
    stage.from,
    stage.to,
    input.round,
    fields,
    taskOpenedEvent(task, at, { round: input.round }),
  );
  if (result === 'opened') return { taskId };
  if (result === 'batch-moved') {
    throw new WorkflowStateError(
      `disposal batch ${batch.batchId} is ${batch.status}; no ${input.kind} task can open`,
    );
  }
  return keepExistingTask(taskId, input.taskToken, 'disposal task');
}
