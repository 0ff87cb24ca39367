import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler as repair } from '../../functions/api/stuck-repair.ts';
import { USERS } from '../support/api-event.ts';
import {
  call,
  ddbMock,
  EXECUTION_ARN,
  errorOf,
  resetMocks,
  SUBMISSION_ID,
  setEnv,
  sfnMock,
  strictMocks,
  submission,
  submissionRow,
  writesAttempted,
} from './intake-fixtures.ts';

const ROUTE = 'POST /stuck/{kind}/{recordId}/repair';
const ask = (kind: string, recordId = SUBMISSION_ID) =>
  call(repair, { routeKey: ROUTE, pathParameters: { kind, recordId }, user: USERS.archivist });
const STUCK_KEY = { pk: 'STUCK', sk: `submission#${SUBMISSION_ID}` };

beforeEach(() => {
  setEnv();
  strictMocks();
});
afterEach(resetMocks);

function stuck() {
  ddbMock.on(GetCommand, { Key: STUCK_KEY }).resolves({
    Item: {
      ...STUCK_KEY,
      kind: 'submission',
      recordId: SUBMISSION_ID,
      executionArn: EXECUTION_ARN,
      since: '2026-05-01T10:00:00.000Z',
      reason: 'submission is IN_REVIEW, but its workflow execution has ended (FAILED)',
      foundAt: '2026-05-01T11:00:00.000Z',
      repair: 'return it to its clerk',
    },
  });
}

describe('POST /stuck/{kind}/{recordId}/repair', () => {
  it('refuses an unknown kind with a 400 naming it, reading nothing', async () => {
    const res = await ask('parcel');
    expect(res.statusCode).toBe(400);
    expect(errorOf(res.body).message).toMatch(/kind must be one of submission, loan, disposal/);
    expect(ddbMock.commandCalls(GetCommand)).toHaveLength(0);
  });

  it('answers 404 for a record the stuck check did not report', async () => {
    ddbMock.on(GetCommand, { Key: STUCK_KEY }).resolves({});
    const res = await ask('submission');
    expect(res.statusCode).toBe(404);
    expect(writesAttempted()).toBe(0);
  });

  it('answers 409 and changes nothing when the execution runs again', async () => {
    stuck();
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    const res = await ask('submission');
    expect(res.statusCode).toBe(409);
    expect(errorOf(res.body).message).toMatch(/running again/);
    expect(writesAttempted()).toBe(0);
  });

  it('returns a stuck submission to its clerk, takes it off the lists and audits the repair', async () => {
    stuck();
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'FAILED' });
    ddbMock.on(GetCommand).resolves({ Item: {} });
    ddbMock.on(GetCommand, { Key: STUCK_KEY }).resolves({
      Item: {
        kind: 'submission',
        recordId: SUBMISSION_ID,
        executionArn: EXECUTION_ARN,
        since: '2026-05-01T10:00:00.000Z',
        reason: 'ended',
        foundAt: '2026-05-01T11:00:00.000Z',
        repair: 'return it to its clerk',
      },
    });
    ddbMock.on(GetCommand, { Key: { pk: `SUBMISSION#${SUBMISSION_ID}`, sk: 'SUBMISSION' } }).resolves({
      Item: submissionRow(submission({ status: 'IN_REVIEW', attempt: 1, executionArn: EXECUTION_ARN })),
    });
    ddbMock.on(TransactWriteCommand).resolves({});
    ddbMock.on(UpdateCommand).resolves({});
    ddbMock.on(DeleteCommand).resolves({});
    ddbMock.on(PutCommand).resolves({});
    ddbMock.on(BatchGetCommand).resolves({ Responses: {} });

    const res = await ask('submission');

    expect(res.statusCode).toBe(200);
    expect(res.body).toMatchObject({ kind: 'submission', recordId: SUBMISSION_ID, outcome: 'REJECTED' });
    const deleted = ddbMock.commandCalls(DeleteCommand).map((c) => c.args[0].input.Key?.pk);
    expect(deleted).toEqual(expect.arrayContaining(['STUCK']));
    const audit = ddbMock.commandCalls(PutCommand).map((c) => c.args[0].input.Item);
    expect(audit).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'workflow.repaired', targetId: SUBMISSION_ID }),
      ]),
    );
  });
});
