import { BatchGetCommand, GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as expire } from '../../functions/steps/loan-expire.ts';
import { handler as grantStep } from '../../functions/steps/loan-grant.ts';
import { handler as openApproval } from '../../functions/steps/loan-open-approval.ts';
import { handler as reject } from '../../functions/steps/loan-reject.ts';
import { handler as validate } from '../../functions/steps/loan-validate.ts';
import { USERS } from '../support/api-event.ts';
import {
  batchOf,
  cancelled,
  DOC_IDS,
  ddbMock,
  resetMocks,
  setEnv,
  strictMocks,
  task,
  taskRow,
  transactItems,
  writesAttempted,
} from './intake-fixtures.ts';
import {
  archived,
  LOAN_EXECUTION_ARN,
  LOAN_ID,
  loan,
  loanRow,
  paperLoan,
  setLoanEnv,
} from './loans-fixtures.ts';

const NOW = new Date('2026-03-10T09:00:00.000Z');
const loanKey = { pk: `LOAN#${LOAN_ID}`, sk: 'LOAN' };
const stored = (...versions: ReturnType<typeof loan>[]) => {
  const on = ddbMock.on(GetCommand, { Key: loanKey });
  for (const v of versions.slice(0, -1)) on.resolvesOnce({ Item: loanRow(v) });
  on.resolves({ Item: loanRow(versions[versions.length - 1] as ReturnType<typeof loan>) });
};
const pending = (overrides = {}) =>
  loan({
    status: 'PENDING_APPROVAL',
    approvedBy: undefined,
    grantedAt: undefined,
    dueAt: undefined,
    ...overrides,
  });

beforeEach(() => {
  setEnv();
  setLoanEnv();
  strictMocks();
  vi.useFakeTimers({ now: NOW, toFake: ['Date'] });
});
afterEach(() => {
  resetMocks();
  vi.useRealTimers();
});

describe('Validate', () => {
  it('asks for a second approval when a document is sensitive', async () => {
    stored(pending({ documentIds: [DOC_IDS[0], DOC_IDS[1]] }));
    ddbMock.on(BatchGetCommand).resolves(batchOf([archived(0), archived(1)]));
    expect(await validate({ loanId: LOAN_ID, executionId: LOAN_EXECUTION_ARN })).toEqual({
      valid: true,
      reason: '',
      sensitive: true,
    });
  });

  it('needs one approval otherwise', async () => {
    stored(pending());
    ddbMock.on(BatchGetCommand).resolves(batchOf([archived(0)]));
    expect(await validate({ loanId: LOAN_ID, executionId: LOAN_EXECUTION_ARN })).toMatchObject({
      valid: true,
      sensitive: false,
    });
  });

  it('stops a request whose document was disposed of meanwhile, with the reason', async () => {
    stored(pending());
    ddbMock.on(BatchGetCommand).resolves(batchOf([archived(0, { status: 'DISPOSED' })]));
    const out = await validate({ loanId: LOAN_ID, executionId: LOAN_EXECUTION_ARN });
    expect(out.valid).toBe(false);
    expect(out.reason).toMatch(`${DOC_IDS[0]} is DISPOSED`);
  });

  it('refuses a loan of another execution', async () => {
    stored(pending());
    await expect(validate({ loanId: LOAN_ID, executionId: 'arn:other' })).rejects.toMatchObject({
      name: 'WorkflowStateError',
    });
  });
});

describe('Approve / ApproveSensitive', () => {
  const input = (overrides = {}) => ({
    taskToken: 'secret-loan-token',
    loanId: LOAN_ID,
    level: 'first' as const,
    reminder: false,
    enteredAt: '2026-03-10T08:00:00.000Z',
    timeoutSeconds: 48 * 3600,
    executionId: LOAN_EXECUTION_ARN,
    ...overrides,
  });

  it('opens a task for approvers that the borrower may not decide, keeping the token', async () => {
    stored(pending());
    ddbMock.on(TransactWriteCommand).resolves({});
    expect(await openApproval(input())).toEqual({ taskId: `loan-${LOAN_ID}-first` });
    const [put, check, audit] = transactItems();
    expect(put?.Put?.Item).toMatchObject({
      taskId: `loan-${LOAN_ID}-first`,
      kind: 'loan-approval',
      role: 'approver',
      gsi1pk: expect.stringMatching(/^OPENTASKS#approver#[0-3]$/),
      subjectType: 'loan',
      subjectId: LOAN_ID,
      requesterSub: USERS.staff.sub,
      taskToken: 'secret-loan-token',
      dueAt: '2026-03-12T08:00:00.000Z',
    });
    expect(put?.Put?.Item?.summary).toMatchObject({
      borrower: 'staff1',
      purpose: 'meter dispute 2026-117',
      days: 7,
    });
    expect(check?.ConditionCheck?.Key).toEqual(loanKey);
    expect(audit?.Put?.Item).toMatchObject({ action: 'task.opened' });
  });

  it('gives the second level to archivists, keeping the first approver off it', async () => {
    stored(pending({ sensitive: true }));
    ddbMock.on(TransactWriteCommand).resolves({});
    await openApproval(input({ level: 'second', approvedBySub: USERS.approver.sub }));
    expect(transactItems()[0]?.Put?.Item).toMatchObject({
      taskId: `loan-${LOAN_ID}-second`,
      role: 'archivist',
      excludedSubs: [USERS.approver.sub],
    });
  });

  it('on a reminder expires the unanswered task and opens a new one', async () => {
    stored(pending());
    ddbMock.on(UpdateCommand).resolves({});
    ddbMock.on(TransactWriteCommand).resolves({});
    expect(await openApproval(input({ reminder: true }))).toEqual({
      taskId: `loan-${LOAN_ID}-first-reminder`,
    });
    const expireCall = ddbMock.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(expireCall?.Key).toEqual({ pk: `TASK#loan-${LOAN_ID}-first`, sk: 'TASK' });
    expect(transactItems()[0]?.Put?.Item?.summary).toMatchObject({ reminder: true });
  });

  it('a retried invocation replaces the token of the task it made', async () => {
    stored(pending());
    ddbMock.on(TransactWriteCommand).rejects(cancelled(['ConditionalCheckFailed', 'None', 'None']));
    ddbMock.on(GetCommand, { Key: { pk: `TASK#loan-${LOAN_ID}-first`, sk: 'TASK' } }).resolves({
      Item: taskRow(task({ taskId: `loan-${LOAN_ID}-first`, kind: 'loan-approval', role: 'approver' })),
    });
    ddbMock.on(UpdateCommand).resolves({});
    expect(await openApproval(input({ taskToken: 'new-token' }))).toEqual({
      taskId: `loan-${LOAN_ID}-first`,
    });
    expect(ddbMock.commandCalls(UpdateCommand)[0]?.args[0].input.ExpressionAttributeValues).toMatchObject({
      ':token': 'new-token',
    });
  });
});

describe('Grant', () => {
  it('makes the loan ACTIVE until its due time, enters the out index and grants each document', async () => {
    stored(pending());
    ddbMock.on(TransactWriteCommand).resolves({});
    const out = await grantStep({
      loanId: LOAN_ID,
      executionId: LOAN_EXECUTION_ARN,
      approvedBy: ['approver1'],
    });
    expect(out).toEqual({ dueAt: '2026-03-17T09:00:00Z' });
    const [update, grantPut, audit] = transactItems();
    expect(update?.Update?.ConditionExpression).toBe('#status = :pending AND executionArn = :arn');
    expect(update?.Update?.ExpressionAttributeValues).toMatchObject({
      ':active': 'ACTIVE',
      ':due': '2026-03-17T09:00:00Z',
      ':by': ['approver1'],
      ':gpk': expect.stringMatching(/^LOANS#OUT#[0-3]$/),
      ':gsk': `2026-03-17T09:00:00Z#${LOAN_ID}`,
    });
    expect(grantPut?.Put?.Item).toMatchObject({
      pk: `LOANGRANT#${DOC_IDS[0]}`,
      sk: `${USERS.staff.sub}#${LOAN_ID}`,
      status: 'ACTIVE',
      dueAt: '2026-03-17T09:00:00Z',
      purpose: 'meter dispute 2026-117',
    });
    expect(audit?.Put?.Item).toMatchObject({ action: 'loan.granted' });
  });

  it('run twice, answers with the due time it set and writes nothing', async () => {
    stored(loan());
    expect(await grantStep({ loanId: LOAN_ID, executionId: LOAN_EXECUTION_ARN, approvedBy: [] })).toEqual({
      dueAt: '2026-03-17T09:00:00Z',
    });
    expect(writesAttempted()).toBe(0);
  });
});

describe('ExpireUnlessReturned', () => {
  it('expires an active loan: grants deleted, out of the index', async () => {
    stored(loan());
    ddbMock.on(TransactWriteCommand).resolves({});
    expect(await expire({ loanId: LOAN_ID, executionId: LOAN_EXECUTION_ARN })).toEqual({ status: 'EXPIRED' });
    const [update, del, audit] = transactItems();
    expect(update?.Update?.UpdateExpression).toMatch(/REMOVE gsi3pk, gsi3sk$/);
    expect(del?.Delete?.Key).toEqual({ pk: `LOANGRANT#${DOC_IDS[0]}`, sk: `${USERS.staff.sub}#${LOAN_ID}` });
    expect(audit?.Put?.Item).toMatchObject({ action: 'loan.expired' });
  });

  it('keeps a paper original out (grant EXPIRED, loan in the out index) until the archivist has it back', async () => {
    stored(paperLoan());
    ddbMock.on(TransactWriteCommand).resolves({});
    await expire({ loanId: LOAN_ID, executionId: LOAN_EXECUTION_ARN });
    const [update, paperGrant] = transactItems();
    expect(update?.Update?.UpdateExpression).not.toMatch(/gsi3/);
    expect(paperGrant?.Update?.ExpressionAttributeValues).toEqual({ ':expired': 'EXPIRED' });
  });

  it.each(['RETURNED', 'EXPIRED'] as const)('does nothing to a loan already %s', async (status) => {
    stored(loan({ status }));
    expect(await expire({ loanId: LOAN_ID, executionId: LOAN_EXECUTION_ARN })).toEqual({ status });
    expect(writesAttempted()).toBe(0);
  });

  it('finds a loan returned in the same moment and leaves it', async () => {
    stored(loan(), loan({ status: 'RETURNED' }));
    ddbMock.on(TransactWriteCommand).rejects(cancelled(['ConditionalCheckFailed', 'None', 'None']));
    expect(await expire({ loanId: LOAN_ID, executionId: LOAN_EXECUTION_ARN })).toEqual({
      status: 'RETURNED',
    });
  });
});

describe('Reject', () => {
  it('ends the loan in REJECTED with the reason and expires its open tasks', async () => {
    stored(pending());
    ddbMock.on(TransactWriteCommand).resolves({});
    ddbMock.on(UpdateCommand).resolves({});
    await reject({
      loanId: LOAN_ID,
      reason: 'no need shown',
      decidedBy: 'approver1',
      executionId: LOAN_EXECUTION_ARN,
    });
    expect(transactItems()[0]?.Update?.ExpressionAttributeValues).toMatchObject({
      ':rejected': 'REJECTED',
      ':rejection': { reason: 'no need shown', decidedBy: 'approver1', at: NOW.toISOString() },
    });
    expect(ddbMock.commandCalls(UpdateCommand).map((c) => c.args[0].input.Key?.pk)).toEqual([
      `TASK#loan-${LOAN_ID}-first`,
      `TASK#loan-${LOAN_ID}-first-reminder`,
      `TASK#loan-${LOAN_ID}-second`,
      `TASK#loan-${LOAN_ID}-second-reminder`,
    ]);
  });

  it('run twice, writes the rejection once', async () => {
    stored(pending({ status: 'REJECTED' }));
    ddbMock.on(UpdateCommand).resolves({});
    await reject({ loanId: LOAN_ID, reason: 'x', decidedBy: 'approver1', executionId: LOAN_EXECUTION_ARN });
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });
});
