import { getImportRow } from '../adapters/import-batches-repo.ts';
import { BadRequest } from '../core/errors.ts';
import type { Decision, TaskRecord } from '../core/tasks.ts';

/**
 * A decision on a task names rows only when it rejects rows of an import batch, and then only rows
 * of that batch waiting for its review (a 400 naming the others, before anything is recorded).
 */
export async function checkImportDecision(
  task: Pick<TaskRecord, 'taskId' | 'kind' | 'subjectId'>,
  decision: Decision,
): Promise<void> {
  if (decision.rows === undefined) return;
  if (task.kind !== 'import-review' || decision.decision !== 'reject') {
    throw new BadRequest(
      `rows name the rows of an import batch its reviewer rejects; not for ${decision.decision} of task ${task.taskId} (${task.kind}) / 只有退回导入批次的行时才列出行号`,
      [{ path: 'rows', message: 'only with a rejection of an import review' }],
    );
  }
  const rows = await Promise.all(decision.rows.map((n) => getImportRow(task.subjectId, n)));
  const unknown = decision.rows.filter((_, i) => rows[i]?.status !== 'CHECKED');
  if (unknown.length > 0) {
    throw new BadRequest(
      `rows ${unknown.join(', ')} are not rows of import batch ${task.subjectId} waiting for review / 第 ${unknown.join('、')} 行不是本批次待审核的行`,
      [{ path: 'rows', message: `not waiting for review: ${unknown.join(', ')}` }],
    );
  }
}
