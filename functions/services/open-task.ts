import { type AuditInput, SYSTEM_ACTOR } from '../adapters/audit.ts';
import { logger } from '../adapters/logger.ts';
import { getTask, replaceTaskToken } from '../adapters/tasks-repo.ts';
import type { TaskRecord } from '../core/tasks.ts';
import { TransientError } from '../core/workflow-errors.ts';

/**
 * What the workflow steps that open a human task (intake review, loan approval, disposal
 * appraisal and approval) share: the audit event of a task opened by the system, and what a
 * retried invocation does once it finds the task it made before.
 */

/** `task.opened`, by the system: kind, role, subject and due time, with the step's own details. */
export function taskOpenedEvent(task: TaskRecord, at: string, details: Record<string, unknown>): AuditInput {
  return {
    action: 'task.opened',
    actor: SYSTEM_ACTOR,
    targetType: 'task',
    targetId: task.taskId,
    at,
    details: { kind: task.kind, role: task.role, subjectId: task.subjectId, ...details, dueAt: task.dueAt },
  };
}

/**
 * The task already exists (a retried invocation with a new token): an open task gets the new
 * token; so does a decided one, whose decision may have been sent with the token of the
 * invocation that died (its decider waits a moment for the new token and sends it again). An
 * expired task is left as it is, and the workflow times out and moves on.
 */
export async function keepExistingTask(
  taskId: string,
  taskToken: string,
  what: string,
): Promise<{ taskId: string }> {
  const existing = await getTask(taskId);
  if (existing?.status === 'OPEN' || existing?.status === 'DONE') {
    if (!(await replaceTaskToken(taskId, taskToken))) {
      throw new TransientError(`task ${taskId} changed while its token was replaced`);
    }
    logger.info(`${what} already ${existing.status === 'OPEN' ? 'open' : 'decided'}; token replaced`, {
      taskId,
    });
    return { taskId };
  }
  logger.warn(`${what} is no longer open; nothing to do`, { taskId, status: existing?.status });
  return { taskId };
}
