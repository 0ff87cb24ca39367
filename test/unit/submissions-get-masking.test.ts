import { BatchGetCommand, GetCommand, type GetCommandInput, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/api/submissions-get.ts';
import type { TaskRecord } from '../../functions/core/tasks.ts';
import { USERS } from '../support/api-event.ts';
import {
  batchOf,
  call,
  ddbMock,
  documents,
  resetMocks,
  SUBMISSION_ID,
  setEnv,
  strictMocks,
  submission,
  submissionRow,
  task,
  taskRow,
} from './intake-fixtures.ts';

/**
 * Masking on a submission's page follows what the page shows: the decider of its open review task
 * is shown every scan (submissions-scan-content), so the titles beside them are in clear too, and
 * that read is audited; anyone else without the right to unmasked data sees them masked.
 */

const REVIEW = task();
const IDCOPY = documents()[1];

function serve(reviewTask: TaskRecord | undefined) {
  ddbMock.on(GetCommand).callsFake((input: GetCommandInput) => {
    if (input.Key?.pk === `SUBMISSION#${SUBMISSION_ID}`) {
      return {
        Item: submissionRow(submission({ status: 'IN_REVIEW', attempt: 1, reviewTaskId: REVIEW.taskId })),
      };
    }
    if (reviewTask && input.Key?.pk === `TASK#${REVIEW.taskId}`) return { Item: taskRow(reviewTask) };
    return {};
  });
  ddbMock.on(BatchGetCommand).resolves(batchOf(documents()));
  ddbMock.on(PutCommand).resolves({});
}

const ask = (user: (typeof USERS)[keyof typeof USERS]) =>
  call(handler, {
    routeKey: 'GET /submissions/{submissionId}',
    pathParameters: { submissionId: SUBMISSION_ID },
    user,
  });

const idCopyOf = (body: Record<string, unknown>) =>
  (body.documents as { documentId: string; title: string; masked: boolean }[]).find(
    (d) => d.documentId === IDCOPY?.documentId,
  );
const unmaskedReads = () =>
  ddbMock
    .commandCalls(PutCommand)
    .map((c) => c.args[0].input.Item)
    .filter((i) => i?.action === 'document.read-unmasked');

beforeEach(() => {
  setEnv();
  strictMocks();
});

afterEach(() => resetMocks());

describe('GET /submissions/{submissionId} masking', () => {
  it('shows the decider of the open review task the titles of the scans they are shown, and audits it', async () => {
    serve(REVIEW);
    const res = await ask(USERS.reviewer);
    expect(res.statusCode).toBe(200);
    expect(idCopyOf(res.body)).toMatchObject({ title: IDCOPY?.title, masked: false });
    const audited = unmaskedReads();
    // Only the sensitive type (the ID copy) reveals anything.
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({
      targetId: IDCOPY?.documentId,
      details: { fields: ['title', 'fileName'], submissionId: SUBMISSION_ID, basis: 'review-task' },
    });
  });

  it('masks them for a reviewer with no open review task of the submission, without auditing', async () => {
    serve(task({ status: 'DONE' }));
    const res = await ask(USERS.reviewer);
    expect(res.statusCode).toBe(200);
    expect(idCopyOf(res.body)).toMatchObject({ title: 'D***', masked: true });
    expect(unmaskedReads()).toHaveLength(0);
  });

  it('reads no task for the clerk who made the submission, who sees their own titles', async () => {
    serve(REVIEW);
    const res = await ask(USERS.clerk);
    expect(res.statusCode).toBe(200);
    expect(idCopyOf(res.body)).toMatchObject({ title: IDCOPY?.title, masked: false });
    const keys = ddbMock.commandCalls(GetCommand).map((c) => String(c.args[0].input.Key?.pk));
    expect(keys).toEqual([`SUBMISSION#${SUBMISSION_ID}`]);
    expect(unmaskedReads()).toHaveLength(0);
  });
});
