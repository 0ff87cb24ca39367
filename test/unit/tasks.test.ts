import { SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { BatchGetCommand, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as decide } from '../../functions/api/tasks-decide.ts';
import { handler as list } from '../../functions/api/tasks-list.ts';
import type { Actor } from '../../functions/core/roles.ts';
import {
  assertMayDecide,
  CLOSED_TASK_KEPT_DAYS,
  decisionSchema,
  dueAt,
  reviewTaskId,
  TASK_KINDS,
} from '../../functions/core/tasks.ts';
import { besidesRefusalAudit, USERS } from '../support/api-event.ts';
import {
  AUDIT_TABLE,
  call,
  cancelled,
  ddbMock,
  errorOf,
  namedError,
  resetMocks,
  SUBMISSION_ID,
  setEnv,
  sfnMock,
  strictMocks,
  task,
  taskRow,
  transactItems,
  writesAttempted,
} from './intake-fixtures.ts';
import { entries, serveItems } from './keys-only-index.ts';

const TASK_ID = `review-${SUBMISSION_ID}-1-review`;
const ROUTE = 'POST /tasks/{taskId}/decision';

beforeEach(() => {
  setEnv();
  strictMocks();
});
afterEach(() => {
  vi.useRealTimers();
  resetMocks();
});

describe('task rules', () => {
  const actor = (sub: string, ...roles: Actor['roles']): Actor => ({ sub, username: sub, roles });

  it('derives one task id per submission, attempt and level', () => {
    expect(reviewTaskId('s1', 2, 'review')).toBe('review-s1-2-review');
    expect(reviewTaskId('s1', 2, 'escalated')).not.toBe(reviewTaskId('s1', 2, 'review'));
    expect(reviewTaskId('s1', 3, 'review')).not.toBe(reviewTaskId('s1', 2, 'review'));
  });

  it('is due timeoutSeconds after the workflow entered the state', () => {
    expect(dueAt('2026-03-02T08:00:00.000Z', 3600)).toBe('2026-03-02T09:00:00.000Z');
  });

  it('keeps a table of who may decide each kind', () => {
    expect(TASK_KINDS['intake-review']?.roles).toEqual(['reviewer', 'archivist']);
    expect(TASK_KINDS['loan-approval']?.roles).toEqual(['approver', 'archivist']);
  });

  it('lets only the assigned role decide, never the requester, and nobody decide an unknown kind', () => {
    const t = task();
    expect(() => assertMayDecide(actor('r', 'reviewer'), t)).not.toThrow();
    expect(() => assertMayDecide(actor('a', 'archivist'), t)).toThrow(/for role reviewer/);
    expect(() => assertMayDecide(actor(USERS.clerk.sub, 'reviewer', 'clerk'), t)).toThrow(/your own request/);
    expect(() => assertMayDecide(actor('r', 'reviewer'), task({ kind: 'burn-everything' }))).toThrow(
      /nobody may decide tasks of kind burn-everything/,
    );
    // A task assigned to a role its kind does not allow is decided by nobody.
    expect(() => assertMayDecide(actor('s', 'sysadmin'), task({ role: 'sysadmin' }))).toThrow(
      /for role sysadmin/,
    );
  });

  it('needs a comment to reject, not to approve', () => {
    expect(decisionSchema.safeParse({ decision: 'approve' }).success).toBe(true);
    expect(decisionSchema.safeParse({ decision: 'reject', comment: '  ' }).success).toBe(false);
    expect(decisionSchema.safeParse({ decision: 'reject', comment: 'ID copy unreadable' }).success).toBe(
      true,
    );
  });
});

describe('GET /tasks', () => {
  const get = (
    user: (typeof USERS)[keyof typeof USERS] | { sub: string; username: string; groups: string[] },
  ) => call(list, { routeKey: 'GET /tasks', user });

  it('lists the open tasks of each of the caller’s roles, merged, newest first, without tokens', async () => {
    const older = task({ taskId: 't-old', createdAt: '2026-03-01T08:00:00.000Z' });
    const newer = task({ taskId: 't-new', createdAt: '2026-03-03T08:00:00.000Z' });
    const escalated = task({ taskId: 't-esc', role: 'archivist', createdAt: '2026-03-02T08:00:00.000Z' });
    // The open-task index, each role's tasks over its shard keys: a Query answers one key.
    const rows = [taskRow(newer), taskRow(older), taskRow(escalated)];
    ddbMock.on(QueryCommand).callsFake((input: { ExpressionAttributeValues: Record<string, string> }) => ({
      Items: entries(
        'gsi1',
        rows.filter((r) => r.gsi1pk === input.ExpressionAttributeValues[':pk']),
      ),
    }));
    serveItems(ddbMock, [taskRow(newer), taskRow(older), taskRow(escalated)]);

    const res = await get({ sub: 'sub-both', username: 'both', groups: ['reviewer', 'archivist'] });

    expect(res.statusCode).toBe(200);
    const items = res.body.items as Record<string, unknown>[];
    expect(items.map((i) => i.taskId)).toEqual(['t-new', 't-esc', 't-old']);
    expect(Object.keys(items[0] ?? {}).sort()).toEqual(
      ['createdAt', 'dueAt', 'kind', 'role', 'subjectId', 'summary', 'taskId'].sort(),
    );
    expect(JSON.stringify(res.body)).not.toContain('secret-task-token');
    const queries = ddbMock.commandCalls(QueryCommand).map((c) => c.args[0].input);
    // Each role's four shard keys and the key of tasks opened before the sharding.
    expect(queries.map((q) => q.ExpressionAttributeValues?.[':pk']).sort()).toEqual(
      ['archivist', 'reviewer'].flatMap((role) =>
        ['', '#0', '#1', '#2', '#3'].map((shard) => `OPENTASKS#${role}${shard}`),
      ),
    );
    expect(new Set(rows.map((r) => r.gsi1pk)).size).toBeGreaterThan(1);
    for (const q of queries) {
      expect(q.IndexName).toBe('gsi1');
      expect(q.ScanIndexForward).toBe(false);
    }
    // The token is not even read from the table.
    for (const c of ddbMock.commandCalls(BatchGetCommand)) {
      for (const req of Object.values(c.args[0].input.RequestItems ?? {})) {
        expect(req.ProjectionExpression).toBeDefined();
        expect(req.ProjectionExpression).not.toMatch(/taskToken/);
      }
    }
  });

  it('leaves out tasks about the caller’s own requests', async () => {
    const own = taskRow(task({ requesterSub: 'sub-self' }));
    ddbMock.on(QueryCommand).resolves({ Items: entries('gsi1', [own]) });
    serveItems(ddbMock, [own]);
    const res = await get({ sub: 'sub-self', username: 'self', groups: ['reviewer', 'clerk'] });
    expect(res.body.items).toEqual([]);
  });

  it('queries nothing for a role that decides no kind of task', async () => {
    const res = await get(USERS.auditor);
    expect(res.statusCode).toBe(200);
    expect(res.body.items).toEqual([]);
    expect(besidesRefusalAudit(ddbMock.calls())).toHaveLength(0);
  });
});

describe('POST /tasks/{taskId}/decision', () => {
  const decideAs = (user: (typeof USERS)[keyof typeof USERS], body: unknown, taskId = TASK_ID) =>
    call(decide, { routeKey: ROUTE, pathParameters: { taskId }, body, user });

  function stored(t = task()) {
    ddbMock.on(GetCommand, { Key: { pk: `TASK#${t.taskId}`, sk: 'TASK' } }).resolves({ Item: taskRow(t) });
  }

  it('records the decision (OPEN → DONE, off the open list) with its audit event, then answers the workflow', async () => {
    stored();
    ddbMock.on(TransactWriteCommand).resolves({});
    sfnMock.on(SendTaskSuccessCommand).resolves({});

    const res = await decideAs(USERS.reviewer, { decision: 'approve', comment: 'complete and legible' });

    expect(res.statusCode).toBe(200);
    expect(res.body).toMatchObject({
      taskId: TASK_ID,
      status: 'DONE',
      decision: 'approve',
      decidedBy: 'reviewer1',
    });
    const [update, audit] = transactItems();
    expect(update?.Update?.ConditionExpression).toBe('#status = :open');
    expect(update?.Update?.UpdateExpression).toMatch(/REMOVE gsi1pk, gsi1sk$/);
    // Closed, the task leaves the table through its TTL once no workflow can ask about it.
    expect(update?.Update?.UpdateExpression).toContain('expiresAt = :ttl');
    const decidedAt = Date.parse((res.body as { decidedAt: string }).decidedAt);
    expect(update?.Update?.ExpressionAttributeValues?.[':ttl']).toBe(
      Math.floor(decidedAt / 1000) + CLOSED_TASK_KEPT_DAYS * 86_400,
    );
    expect(CLOSED_TASK_KEPT_DAYS).toBeGreaterThan(366);
    expect(update?.Update?.ExpressionAttributeValues).toMatchObject({
      ':done': 'DONE',
      ':decision': 'approve',
      ':comment': 'complete and legible',
      ':by': 'reviewer1',
      ':sub': USERS.reviewer.sub,
    });
    expect(audit?.Put?.TableName).toBe(AUDIT_TABLE);
    expect(audit?.Put?.Item).toMatchObject({
      action: 'task.decided',
      actorSub: USERS.reviewer.sub,
      targetId: TASK_ID,
    });
    const send = sfnMock.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input;
    expect(send?.taskToken).toBe('secret-task-token');
    expect(JSON.parse(send?.output ?? '{}')).toEqual({
      decision: 'approve',
      comment: 'complete and legible',
      decidedBy: 'reviewer1',
      decidedBySub: USERS.reviewer.sub,
      taskId: TASK_ID,
    });
    expect(JSON.stringify(res.body)).not.toContain('secret-task-token');
  });

  it('lets an archivist decide an escalated task', async () => {
    stored(task({ taskId: 'esc', role: 'archivist', level: 'escalated' }));
    ddbMock.on(TransactWriteCommand).resolves({});
    sfnMock.on(SendTaskFailureCommand).resolves({});
    const res = await decideAs(USERS.archivist, { decision: 'reject', comment: 'contract unsigned' }, 'esc');
    expect(res.statusCode).toBe(200);
    // A rejected review fails the task by name: the workflow catches it without a Choice state.
    const failure = sfnMock.commandCalls(SendTaskFailureCommand)[0]?.args[0].input;
    expect(failure?.error).toBe('ReviewRejected');
    expect(JSON.parse(failure?.cause ?? '{}')).toMatchObject({
      decision: 'reject',
      comment: 'contract unsigned',
      decidedBy: 'archivist1',
    });
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  describe('refuses, without writing or answering the workflow', () => {
    function nothingHappened() {
      expect(writesAttempted()).toBe(0);
      expect(sfnMock.calls()).toHaveLength(0);
    }

    it('an unknown task (404)', async () => {
      ddbMock.on(GetCommand).resolves({});
      const res = await decideAs(USERS.reviewer, { decision: 'approve' }, 'nope');
      expect(res.statusCode).toBe(404);
      expect(errorOf(res.body).message).toBe('task nope does not exist');
      nothingHappened();
    });

    it('a caller without the task’s role (403)', async () => {
      stored();
      const res = await decideAs(USERS.approver, { decision: 'approve' });
      expect(res.statusCode).toBe(403);
      expect(errorOf(res.body).message).toMatch(/is for role reviewer/);
      nothingHappened();
    });

    it('the clerk who created the submission, even holding the reviewer role (403, separation of duties)', async () => {
      stored(task({ requesterSub: USERS.reviewer.sub }));
      const res = await decideAs(USERS.reviewer, { decision: 'approve' });
      expect(res.statusCode).toBe(403);
      expect(errorOf(res.body).message).toMatch(/your own request/);
      nothingHappened();
    });

    it('a task of another kind decided by a role that kind does not allow (403)', async () => {
      stored(task({ taskId: 'loan-1', kind: 'loan-approval', role: 'approver', subjectId: 'loan-1' }));
      const res = await decideAs(USERS.reviewer, { decision: 'approve' }, 'loan-1');
      expect(res.statusCode).toBe(403);
      expect(errorOf(res.body).message).toMatch(/loan-approval.*is for role approver/);
      nothingHappened();
    });

    it('a task of a kind nobody may decide (403)', async () => {
      stored(task({ taskId: 'x-1', kind: 'unknown-kind' }));
      const res = await decideAs(USERS.reviewer, { decision: 'approve' }, 'x-1');
      expect(res.statusCode).toBe(403);
      expect(errorOf(res.body).message).toMatch(/nobody may decide tasks of kind unknown-kind/);
      nothingHappened();
    });

    it.each(['DONE', 'EXPIRED'] as const)('a task already %s (409)', async (status) => {
      stored(task({ status }));
      const res = await decideAs(USERS.reviewer, { decision: 'approve' });
      expect(res.statusCode).toBe(409);
      expect(errorOf(res.body).message).toBe(`task ${TASK_ID} is already ${status}`);
      nothingHappened();
    });

    it.each([
      ['a rejection without comment', { decision: 'reject' }, /comment: a rejection needs a comment/],
      ['an unknown decision', { decision: 'maybe' }, /decision/],
      ['an unknown field', { decision: 'approve', urgent: true }, /urgent|unrecognized/i],
      ['no body', undefined, /\(body\)/],
    ])('%s (400)', async (_name, body, message) => {
      // The chain's task-decider rule reads the task before the handler reads the body.
      stored();
      const res = await decideAs(USERS.reviewer, body);
      expect(res.statusCode).toBe(400);
      expect(errorOf(res.body).message).toMatch(message);
      nothingHappened();
    });

    it('malformed JSON (400)', async () => {
      const res = await call(decide, {
        routeKey: ROUTE,
        pathParameters: { taskId: TASK_ID },
        rawBody: '{"decision":',
        user: USERS.reviewer,
      });
      expect(res.statusCode).toBe(400);
      expect(errorOf(res.body).message).toMatch(/not valid JSON/);
      nothingHappened();
    });
  });

  it('two concurrent decisions: exactly one 200, the other 409, and the workflow is answered once', async () => {
    stored();
    ddbMock
      .on(TransactWriteCommand)
      .resolvesOnce({})
      .rejectsOnce(cancelled(['ConditionalCheckFailed', 'None']));
    sfnMock.on(SendTaskSuccessCommand).resolves({});

    const results = await Promise.all([
      decideAs(USERS.reviewer, { decision: 'approve' }),
      decideAs(USERS.reviewer, { decision: 'reject', comment: 'no' }),
    ]);

    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    const loser = results.find((r) => r.statusCode === 409);
    expect(errorOf(loser?.body ?? {}).message).toMatch(/decided or expired meanwhile/);
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)).toHaveLength(1);
  });

  it('retries a transaction that collided with another one and then reports the outcome of its condition', async () => {
    stored();
    ddbMock
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled(['TransactionConflict', 'None']))
      .rejectsOnce(cancelled(['ConditionalCheckFailed', 'None']));
    const res = await decideAs(USERS.reviewer, { decision: 'approve' });
    expect(res.statusCode).toBe(409);
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(2);
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it.each(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist'])(
    'marks the task EXPIRED and answers 409 when Step Functions says %s',
    async (error) => {
      stored();
      ddbMock.on(TransactWriteCommand).resolves({});
      sfnMock.on(SendTaskSuccessCommand).rejects(namedError(error));

      // The decision waits a few seconds for a retried step to give the task a new token; the
      // test's clock runs through that wait.
      vi.useFakeTimers({ toFake: ['setTimeout', 'Date'] });
      const pending = decideAs(USERS.reviewer, { decision: 'approve' });
      await vi.advanceTimersByTimeAsync(10_000);
      const res = await pending;

      expect(res.statusCode).toBe(409);
      expect(errorOf(res.body).message).toBe(`task ${TASK_ID} expired before the decision arrived`);
      const [expire, audit] = transactItems(1);
      expect(expire?.Update?.ConditionExpression).toBe('#status = :done AND decidedBySub = :sub');
      expect(expire?.Update?.UpdateExpression).toContain('expiresAt = :ttl');
      expect(expire?.Update?.ExpressionAttributeValues).toMatchObject({
        ':expired': 'EXPIRED',
        ':sub': USERS.reviewer.sub,
      });
      expect(audit?.Put?.Item).toMatchObject({ action: 'task.expired' });
    },
  );

  it('sends the decision again with the new token a retried step put on the task', async () => {
    stored();
    ddbMock.on(TransactWriteCommand).resolves({});
    // The step that opened the task died after writing it; its retry gave the task a new token.
    ddbMock.on(GetCommand, { Key: { pk: `TASK#${TASK_ID}`, sk: 'TASK' } }).callsFake(() => ({
      Item: taskRow(
        sfnMock.commandCalls(SendTaskSuccessCommand).length === 0
          ? task()
          : task({ status: 'DONE', taskToken: 'token-of-the-retry' }),
      ),
    }));
    sfnMock.on(SendTaskSuccessCommand).rejectsOnce(namedError('InvalidToken')).resolves({});

    const res = await decideAs(USERS.reviewer, { decision: 'approve' });

    expect(res.statusCode).toBe(200);
    const tokens = sfnMock.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input.taskToken);
    expect(tokens).toEqual([task().taskToken, 'token-of-the-retry']);
  });

  it('reopens the task when Step Functions fails otherwise, so it can be decided again', async () => {
    stored();
    ddbMock.on(TransactWriteCommand).resolves({});
    sfnMock.on(SendTaskSuccessCommand).rejects(namedError('ServiceUnavailable'));

    const res = await decideAs(USERS.reviewer, { decision: 'approve' });

    expect(res.statusCode).toBe(500);
    expect(errorOf(res.body)).toEqual({ code: 'InternalError', message: 'internal error' });
    const [reopen] = transactItems(1);
    // Open again, it must not expire.
    expect(reopen?.Update?.UpdateExpression).toMatch(/REMOVE .*\bexpiresAt\b/);
    expect(reopen?.Update?.ExpressionAttributeValues).toMatchObject({
      ':open': 'OPEN',
      ':gpk': expect.stringMatching(/^OPENTASKS#reviewer#[0-3]$/),
      ':gsk': `2026-03-02T08:00:00.000Z#${TASK_ID}`,
    });
  });
});
