import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { BatchGetCommand, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler as getHandler } from '../../functions/api/submissions-get.ts';
import { handler } from '../../functions/api/submissions-submit.ts';
import { besidesRefusalAudit, USERS } from '../support/api-event.ts';
import {
  AUDIT_TABLE,
  batchOf,
  call,
  cancelled,
  ddbMock,
  document,
  documents,
  EXECUTION_ARN,
  errorOf,
  namedError,
  resetMocks,
  SUBMISSION_ID,
  setEnv,
  sfnMock,
  strictMocks,
  submission,
  submissionRow,
  transactItems,
  WORKFLOW_ARN,
  writesAttempted,
} from './intake-fixtures.ts';

const ROUTE = 'POST /submissions/{submissionId}/submit';
const submitAs = (user?: (typeof USERS)[keyof typeof USERS]) =>
  call(handler, {
    routeKey: ROUTE,
    pathParameters: { submissionId: SUBMISSION_ID },
    ...(user ? { user } : {}),
  });

describe('POST /submissions/{id}/submit', () => {
  beforeEach(() => {
    setEnv();
    strictMocks();
  });
  afterEach(resetMocks);

  function stored(sub = submission(), docs = documents()) {
    ddbMock
      .on(GetCommand, { Key: { pk: `SUBMISSION#${SUBMISSION_ID}`, sk: 'SUBMISSION' } })
      .resolves({ Item: submissionRow(sub) });
    ddbMock.on(BatchGetCommand).resolves(batchOf(docs));
  }

  it('marks the submission SUBMITTED with its execution and audit event, then starts the workflow under that name', async () => {
    stored();
    let markedBeforeStart = -1;
    sfnMock.on(StartExecutionCommand).callsFake(() => {
      markedBeforeStart = ddbMock.commandCalls(TransactWriteCommand).length;
      return { executionArn: EXECUTION_ARN, startDate: new Date() };
    });
    ddbMock.on(TransactWriteCommand).resolves({});

    const res = await submitAs();

    expect(res.statusCode).toBe(202);
    expect(res.body).toEqual({
      submissionId: SUBMISSION_ID,
      status: 'SUBMITTED',
      executionArn: EXECUTION_ARN,
    });
    const start = sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(start?.stateMachineArn).toBe(WORKFLOW_ARN);
    expect(start?.name).toBe(`${SUBMISSION_ID}-1`);
    expect(JSON.parse(start?.input ?? '{}')).toEqual({
      submissionId: SUBMISSION_ID,
      attempt: 1,
      reviewTimeoutSeconds: 72 * 3600,
    });
    // The mark came first, so the workflow's first step always finds its execution recorded.
    expect(markedBeforeStart).toBe(1);

    const [update, watch, audit] = transactItems();
    expect(update?.Update?.ConditionExpression).toBe('#status IN (:draft, :rejected) AND attempt = :seen');
    // On watch from now on, so the stuck check notices if its execution ends or never starts.
    expect(watch?.Put?.Item).toMatchObject({
      sk: `submission#${SUBMISSION_ID}`,
      kind: 'submission',
      executionArn: EXECUTION_ARN,
    });
    expect(update?.Update?.ExpressionAttributeValues).toMatchObject({
      ':seen': 0,
      ':next': 1,
      ':submitted': 'SUBMITTED',
      ':arn': EXECUTION_ARN,
    });
    expect(audit?.Put?.TableName).toBe(AUDIT_TABLE);
    expect(audit?.Put?.Item).toMatchObject({ action: 'submission.submitted', targetId: SUBMISSION_ID });
  });

  it('resubmits a rejected submission as the next attempt', async () => {
    stored(submission({ status: 'REJECTED', attempt: 2, executionArn: 'old' }));
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: `${EXECUTION_ARN}x`, startDate: new Date() });
    ddbMock.on(TransactWriteCommand).resolves({});

    const res = await submitAs();

    expect(res.statusCode).toBe(202);
    const start = sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(start?.name).toBe(`${SUBMISSION_ID}-3`);
    expect(JSON.parse(start?.input ?? '{}').attempt).toBe(3);
    expect(transactItems()[0]?.Update?.ExpressionAttributeValues).toMatchObject({ ':seen': 2, ':next': 3 });
  });

  it('404 for an unknown submission', async () => {
    ddbMock.on(GetCommand).resolves({});
    const res = await submitAs();
    expect(res.statusCode).toBe(404);
    expect(errorOf(res.body).message).toBe(`submission ${SUBMISSION_ID} does not exist`);
    expect(writesAttempted()).toBe(0);
  });

  it("403 for another clerk's submission", async () => {
    stored();
    const res = await submitAs(USERS.clerk2);
    expect(res.statusCode).toBe(403);
    expect(errorOf(res.body).message).toMatch(/belongs to another clerk/);
    expect(sfnMock.calls()).toHaveLength(0);
    expect(writesAttempted()).toBe(0);
  });

  it('403 for a reviewer (route is for clerks)', async () => {
    const res = await submitAs(USERS.reviewer);
    expect(res.statusCode).toBe(403);
    expect(besidesRefusalAudit(ddbMock.calls())).toHaveLength(0);
  });

  it('409 before every document is uploaded, listing the missing ones', async () => {
    stored(submission(), [
      document(0),
      document(1, { status: 'PENDING_UPLOAD' }),
      document(2),
      document(3, { status: 'PENDING_UPLOAD' }),
    ]);
    const res = await submitAs();
    expect(res.statusCode).toBe(409);
    const err = errorOf(res.body);
    expect(err.message).toMatch(/not every document is uploaded/);
    expect(err.message).toContain(document(1).documentId);
    expect(err.message).toContain(document(3).documentId);
    expect(err.details).toEqual({
      missing: [
        {
          documentId: document(1).documentId,
          docType: 'IDCOPY',
          title: 'Document 1',
          status: 'PENDING_UPLOAD',
        },
        {
          documentId: document(3).documentId,
          docType: 'CONTRACT',
          title: 'Document 3',
          status: 'PENDING_UPLOAD',
        },
      ],
    });
    expect(sfnMock.calls()).toHaveLength(0);
    expect(writesAttempted()).toBe(0);
  });

  it.each(['VALIDATED', 'IN_REVIEW', 'ARCHIVED'] as const)('409 when already %s', async (status) => {
    stored(submission({ status, attempt: 1, executionArn: EXECUTION_ARN }));
    const res = await submitAs();
    expect(res.statusCode).toBe(409);
    expect(errorOf(res.body).message).toMatch(/already submitted/);
    expect(sfnMock.calls()).toHaveLength(0);
    expect(writesAttempted()).toBe(0);
  });

  it('409 when already SUBMITTED, after starting the recorded execution in case the first submit stopped before it', async () => {
    stored(submission({ status: 'SUBMITTED', attempt: 1, executionArn: EXECUTION_ARN }));
    // Step Functions answers a repeated start of a running execution with that execution.
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN, startDate: new Date() });
    const res = await submitAs();
    expect(res.statusCode).toBe(409);
    expect(errorOf(res.body).message).toMatch(/already submitted/);
    const start = sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(start?.name).toBe(`${SUBMISSION_ID}-1`);
    expect(JSON.parse(start?.input ?? '{}')).toMatchObject({ submissionId: SUBMISSION_ID, attempt: 1 });
    expect(writesAttempted()).toBe(0);
  });

  it('409 for the loser of two concurrent submits, which starts nothing', async () => {
    stored();
    ddbMock.on(TransactWriteCommand).rejectsOnce(cancelled(['ConditionalCheckFailed', 'None']));

    const res = await submitAs();

    expect(res.statusCode).toBe(409);
    expect(errorOf(res.body).message).toBe(`submission ${SUBMISSION_ID} is already submitted`);
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('gives the attempt back when its execution name was already taken, and answers 409', async () => {
    stored();
    ddbMock.on(TransactWriteCommand).resolves({});
    sfnMock.on(StartExecutionCommand).rejects(namedError('ExecutionAlreadyExists'));

    const res = await submitAs();

    expect(res.statusCode).toBe(409);
    expect(errorOf(res.body).message).toMatch(/did not complete; submit again/);
    const [back, audit] = transactItems(1);
    expect(back?.Update?.ConditionExpression).toBe('#status = :submitted AND executionArn = :arn');
    expect(back?.Update?.ExpressionAttributeValues).toMatchObject({
      ':back': 'DRAFT',
      ':arn': EXECUTION_ARN,
    });
    // The attempt number stays used, so the next submit asks for a new name.
    expect(back?.Update?.UpdateExpression).not.toMatch(/attempt/);
    expect(audit?.Put?.Item).toMatchObject({
      action: 'submission.submit-abandoned',
      targetId: SUBMISSION_ID,
    });
  });
});

describe('GET /submissions/{id}', () => {
  beforeEach(() => {
    setEnv();
    strictMocks();
  });
  afterEach(resetMocks);

  const get = (user: (typeof USERS)[keyof typeof USERS]) =>
    call(getHandler, {
      routeKey: 'GET /submissions/{submissionId}',
      pathParameters: { submissionId: SUBMISSION_ID },
      user,
    });

  function stored() {
    const rejected = submission({
      status: 'REJECTED',
      attempt: 1,
      rejection: {
        reason: 'The submission failed the intake checks',
        problems: [{ documentId: document(0).documentId, check: 'authenticity', message: 'SHA-256 differs' }],
        decidedBy: 'system',
        at: '2026-03-02T08:00:00.000Z',
        attempt: 1,
      },
    });
    ddbMock.on(GetCommand).resolves({ Item: submissionRow(rejected) });
    ddbMock.on(BatchGetCommand).resolves(batchOf(documents()));
  }

  it('shows the clerk their own submission with status, rejection and documents', async () => {
    stored();
    const res = await get(USERS.clerk);
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatchObject({
      submissionId: SUBMISSION_ID,
      status: 'REJECTED',
      rejection: { reason: 'The submission failed the intake checks', problems: [{ check: 'authenticity' }] },
    });
    const docs = res.body.documents as Record<string, unknown>[];
    expect(docs).toHaveLength(4);
    expect(docs[1]).toMatchObject({
      documentId: document(1).documentId,
      docType: 'IDCOPY',
      status: 'UPLOADED',
      size: 1001,
      receivedSize: 1001,
    });
    expect(docs[0]).not.toHaveProperty('intakeKey');
    // The creator sees the titles of sensitive documents.
    expect(docs[1]?.title).toBe('Document 1');
  });

  it('403 for another clerk', async () => {
    stored();
    const res = await get(USERS.clerk2);
    expect(res.statusCode).toBe(403);
    expect(errorOf(res.body).message).toMatch(/belongs to another clerk/);
  });

  it.each([
    ['reviewer', USERS.reviewer],
    ['archivist', USERS.archivist],
    ['auditor', USERS.auditor],
  ])('lets a %s read any submission', async (_name, user) => {
    stored();
    const res = await get(user);
    expect(res.statusCode).toBe(200);
  });

  it('masks titles of sensitive documents for a reviewer, not for an archivist', async () => {
    stored();
    const asReviewer = (await get(USERS.reviewer)).body.documents as Record<string, unknown>[];
    expect(asReviewer[1]).toMatchObject({ docType: 'IDCOPY', title: 'D***', fileName: 's***', masked: true });
    expect(asReviewer[0]).toMatchObject({ docType: 'APPFORM', title: 'Document 0', masked: false });
    const asArchivist = (await get(USERS.archivist)).body.documents as Record<string, unknown>[];
    expect(asArchivist[1]).toMatchObject({ title: 'Document 1', masked: false });
  });

  it('403 for staff without a reading role', async () => {
    const res = await get(USERS.staff);
    expect(res.statusCode).toBe(403);
    expect(besidesRefusalAudit(ddbMock.calls())).toHaveLength(0);
  });

  it('404 for an unknown submission', async () => {
    ddbMock.on(GetCommand).resolves({});
    const res = await get(USERS.reviewer);
    expect(res.statusCode).toBe(404);
  });
});
