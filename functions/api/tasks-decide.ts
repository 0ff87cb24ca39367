import { checkDisposalDecision } from '../adapters/disposal-decisions.ts';
import { logger } from '../adapters/logger.ts';
import { decideTask, expireDecidedTask, getTask, reopenTask } from '../adapters/records-repo.ts';
import { answerTask, failTask } from '../adapters/workflows.ts';
import { now } from '../core/clock.ts';
import { Conflict, DomainError, NotFound } from '../core/errors.ts';
import { assertMayDecide, assertOpen, decisionSchema, workflowAnswer } from '../core/tasks.ts';
import { apiHandler, parseInput } from '../http/api.ts';

/**
 * `POST /tasks/{taskId}/decision`: records the decision (OPEN → DONE, exactly one winner) and
 * only then answers the waiting workflow with the stored token.
 */
export const handler = apiHandler('tasks-decide', async ({ actor, body, path }) => {
  const taskId = path.taskId ?? '';
  const decision = parseInput(decisionSchema, body);
  const task = await getTask(taskId);
  if (!task) throw new NotFound('task', taskId);
  assertMayDecide(actor, task);
  assertOpen(task);
  await checkDisposalDecision(task, decision, now());

  const at = now().toISOString();
  const audit = { actor, targetType: 'task', targetId: taskId, at };
  const won = await decideTask(taskId, decision, actor, at, {
    ...audit,
    action: 'task.decided',
    details: {
      kind: task.kind,
      subjectId: task.subjectId,
      decision: decision.decision,
      comment: decision.comment ?? '',
      ...(decision.extendYears === undefined
        ? {}
        : { extendYears: decision.extendYears, reason: decision.reason, documentIds: decision.documentIds }),
    },
  });
  if (!won) throw new Conflict(`task ${taskId} was decided or expired meanwhile`);

  let answer: 'sent' | 'expired';
  try {
    const reply = workflowAnswer(task, decision, actor);
    answer = reply.ok
      ? await answerTask(task.taskToken, reply.output)
      : await failTask(task.taskToken, reply.error, reply.cause);
  } catch (err) {
    // The workflow did not get the decision: undo it so the task can be decided again.
    logger.error('could not answer the workflow; the task is open again', {
      taskId,
      error: (err as Error).message,
    });
    await reopenTask(task, actor.sub, { ...audit, at: now().toISOString(), action: 'task.reopened' });
    throw new DomainError(500, 'WorkflowUnavailable', 'the workflow could not be answered');
  }
  if (answer === 'expired') {
    await expireDecidedTask(taskId, actor.sub, now().toISOString(), {
      ...audit,
      at: now().toISOString(),
      action: 'task.expired',
      details: { reason: 'the workflow stopped waiting before the decision arrived' },
    });
    throw new Conflict(`task ${taskId} expired before the decision arrived`);
  }
  return {
    status: 200,
    body: { taskId, status: 'DONE', decision: decision.decision, decidedBy: actor.username, decidedAt: at },
  };
});
