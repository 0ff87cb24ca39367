import { getBatch, getBatchItems } from '../adapters/disposal-batches-repo.ts';
import { checkExtension, isoDate } from '../core/disposal.ts';
import { BadRequest, Conflict } from '../core/errors.ts';
import type { Decision, TaskRecord } from '../core/tasks.ts';

/**
 * What a decision on a disposal task must satisfy beyond its schema, checked before anything is
 * recorded. An appraisal that keeps documents (`reject`, or `approve` naming some) gives a new
 * period that ends after today for each of them; an extension belongs to appraisals only.
 */
export async function checkDisposalDecision(
  task: Pick<TaskRecord, 'taskId' | 'kind' | 'subjectId'>,
  decision: Decision,
  now: Date,
): Promise<void> {
  const extending = decision.extendYears !== undefined;
  if (task.kind !== 'disposal-appraisal') {
    if (extending) {
      throw new BadRequest(
        `extendYears is only for disposal appraisal tasks; task ${task.taskId} is ${task.kind}`,
        [{ path: 'extendYears', message: `not allowed for ${task.kind}` }],
      );
    }
    return;
  }
  if (decision.decision === 'reject' && !extending) {
    throw new BadRequest(
      'rejecting a disposal keeps its documents: give extendYears (the new retention period) and reason',
      [{ path: 'extendYears', message: 'is required to keep the documents' }],
    );
  }
  if (!extending) return;
  const batch = await getBatch(task.subjectId);
  if (!batch) throw new Conflict(`disposal batch ${task.subjectId} of task ${task.taskId} does not exist`);
  checkExtension(
    await getBatchItems(batch.batchId),
    {
      extendYears: decision.extendYears as number,
      reason: decision.reason ?? '',
      ...(decision.documentIds ? { documentIds: decision.documentIds } : {}),
    },
    isoDate(now),
  );
}
