import { logger } from '../adapters/logger.ts';
import { decideTask, expireDecidedTask, getTask, reopenTask } from '../adapters/tasks-repo.ts';
import { answerTask, failTask } from '../adapters/workflows.ts';
import { now } from '../core/clock.ts';
import { Conflict, DomainError, errorMessage } from '../core/errors.ts';
import { assertOpen, decisionSchema, workflowAnswer } from '../core/tasks.ts';
import { apiHandler, parseInput } from '../http/api.ts';
import { checkDisposalDecision } from '../services/disposal-decisions.ts';
import { checkImportDecision } from '../services/import-decisions.ts';

/** How long a decision waits for a retried step to give its task a new token (Retry: 2 s, jitter). */
const TOKEN_WAIT_MS = 6000;
const TOKEN_POLL_MS = 500;

/** The task's token once it differs from `stale`; undefined when it does not change in time. */
async function replacedToken(taskId: string, stale: string): Promise<string | undefined> {
  const deadline = Date.now() + TOKEN_WAIT_MS;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, TOKEN_POLL_MS));
    const current = await getTask(taskId);
    if (current?.taskToken && current.taskToken !== stale) return current.taskToken;
  }
  return undefined;
}

/**
 * `POST /tasks/{taskId}/decision`: records the decision (OPEN → DONE, exactly one winner) and
 * only then answers the waiting workflow with the stored token. The task is the one the
 * `task-decider` rule read (strongly consistent) and let the caller decide; a decision or expiry
 * since then loses the conditional write below (409), as it did against a read of its own.
 */
export const handler = apiHandler(
  'tasks-decide',
  'POST /tasks/{taskId}/decision',
  async function handleTasksDecide({ actor, body, path, records: { task } }) {
    const taskId = path.taskId ?? '';
    const decision = parseInput(decisionSchema, body);
    assertOpen(task);
    await checkDisposalDecision(task, decision, now());
    await checkImportDecision(task, decision);

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
        ...(decision.rows === undefined ? {} : { rows: decision.rows }),
        ...(decision.extendYears === undefined
          ? {}
          : {
              extendYears: decision.extendYears,
              reason: decision.reason,
              documentIds: decision.documentIds,
            }),
      },
    });
    if (!won) throw new Conflict(`task ${taskId} was decided or expired meanwhile`);

    let answer: 'sent' | 'expired';
    try {
      const reply = workflowAnswer(task, decision, actor);
      const send = (token: string) =>
        reply.ok ? answerTask(token, reply.output) : failTask(token, reply.error, reply.cause);
      answer = await send(task.taskToken);
      if (answer === 'expired') {
        // The step that opened the task may have died after writing it: Step Functions runs it
        // again with a new token, which the retried step puts on the task (decided or not).
        const fresh = await replacedToken(taskId, task.taskToken);
        if (fresh !== undefined) answer = await send(fresh);
      }
    } catch (err) {
      // The workflow did not get the decision: undo it so the task can be decided again.
      logger.error('could not answer the workflow; the task is open again', {
        taskId,
        error: errorMessage(err),
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
  },
);
