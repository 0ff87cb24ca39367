import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GetObjectCommand } from '../../functions/adapters/s3-commands.ts';
import { handler as content } from '../../functions/api/documents-content.ts';
import { handler as create } from '../../functions/api/loans-create.ts';
import { handler as getOne } from '../../functions/api/loans-get.ts';
import { handler as list } from '../../functions/api/loans-list.ts';
import { handler as giveBack } from '../../functions/api/loans-return.ts';
import { canReadContent, type DocumentRecord } from '../../functions/core/documents.ts';
import { executionArnOf } from '../../functions/core/executions.ts';
import {
  activeGrant,
  assertBorrowable,
  assertReturnable,
  BORROWED_URL_SECONDS,
  contentUrlSeconds,
  createLoanSchema,
  isOverdue,
  loanDueAt,
  loanTaskIds,
  newLoan,
} from '../../functions/core/loans.ts';
import type { Actor } from '../../functions/core/roles.ts';
import { getScheme } from '../../functions/core/scheme.ts';
import { assertMayDecide } from '../../functions/core/tasks.ts';
import { useAccountSource } from '../../functions/http/account-state.ts';
import { besidesRefusalAudit, USERS } from '../support/api-event.ts';
import {
  AUDIT_TABLE,
  batchOf,
  call,
  cancelled,
  DOC_IDS,
  ddbMock,
  documentRow,
  errorOf,
  namedError,
  resetMocks,
  s3Mock,
  setEnv,
  sfnMock,
  strictMocks,
  TABLE,
  task,
  transactItems,
  writesAttempted,
} from './intake-fixtures.ts';
import { entries, serveItems } from './keys-only-index.ts';
import {
  archived,
  BORROW_WORKFLOW_ARN,
  grant,
  grantRow,
  LOAN_ID,
  loan,
  loanRow,
  paperLoan,
  setLoanEnv,
} from './loans-fixtures.ts';

const scheme = getScheme('power-supply');
const NOW = new Date('2026-03-12T10:00:00.000Z');
const actor = (sub: string, ...roles: Actor['roles']): Actor => ({ sub, username: sub, roles });
const staff: Actor = { sub: USERS.staff.sub, username: USERS.staff.username, roles: ['staff'] };
const archivist: Actor = {
  sub: USERS.archivist.sub,
  username: USERS.archivist.username,
  roles: ['archivist'],
};

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

describe('loan rules', () => {
  const schema = createLoanSchema(scheme);
  const ok = { documentIds: [DOC_IDS[0]], purpose: 'meter dispute', days: 7 };
  const issues = (body: unknown) => {
    const r = schema.safeParse(body);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('accepts a request within the scheme, trimming the purpose', () => {
    expect(schema.parse({ ...ok, purpose: '  audit 2026  ' }).purpose).toBe('audit 2026');
    expect(issues({ ...ok, days: scheme.limits.maxLoanDays })).toEqual([]);
  });

  it.each([
    ['empty documentIds', { ...ok, documentIds: [] }, /documentIds: documentIds is empty/],
    ['no documentIds', { purpose: 'x', days: 1 }, /documentIds: documentIds is required/],
    ['duplicate ids', { ...ok, documentIds: ['a', 'b', 'a'] }, /documentIds\.2: a is named twice/],
    ['days 0', { ...ok, days: 0 }, /days: days must be at least 1/],
    ['negative days', { ...ok, days: -3 }, /days: days must be at least 1/],
    [
      'days above the maximum',
      { ...ok, days: 31 },
      /days: days must be at most 30 \(the scheme's maxLoanDays\)/,
    ],
    ['fractional days', { ...ok, days: 1.5 }, /days: days must be a whole number/],
    ['missing purpose', { documentIds: ok.documentIds, days: 1 }, /purpose: purpose is required/],
    ['blank purpose', { ...ok, purpose: '   ' }, /purpose: purpose is required/],
  ])('refuses %s', (_name, body, message) => {
    expect(issues(body).join('; ')).toMatch(message);
  });

  it('lends only documents that exist and are archived', () => {
    const docs = [archived(0), archived(1)];
    expect(assertBorrowable([DOC_IDS[1], DOC_IDS[0]], docs).map((d) => d.documentId)).toEqual([
      DOC_IDS[1],
      DOC_IDS[0],
    ]);
    expect(() => assertBorrowable([DOC_IDS[0], 'nope'], docs)).toThrow(
      expect.objectContaining({ status: 404, message: 'document nope does not exist' }),
    );
    expect(() => assertBorrowable([DOC_IDS[0]], [archived(0, { status: 'DISPOSED' })])).toThrow(
      expect.objectContaining({ status: 409, message: expect.stringMatching(/is DISPOSED/) }),
    );
    expect(() => assertBorrowable([DOC_IDS[0]], [archived(0, { status: 'UPLOADED' })])).toThrow(
      expect.objectContaining({ status: 409, message: expect.stringMatching(/only archived documents/) }),
    );
  });

  it('marks a loan sensitive when any document is, and paper with the shelf location', () => {
    const made = newLoan({
      scheme,
      input: { documentIds: [DOC_IDS[0], DOC_IDS[1], DOC_IDS[2]], purpose: 'p', days: 3 },
      actor: staff,
      documents: [
        archived(0),
        archived(1),
        archived(2, { docType: 'PAPERBOX', location: { room: 'A', cabinet: '3', box: '17' } }),
      ],
      loanId: LOAN_ID,
      executionArn: 'arn',
      customerRegions: new Map([[archived(0).customerId, 'NB']]),
      now: NOW,
    });
    expect(made).toMatchObject({
      status: 'PENDING_APPROVAL',
      sensitive: true,
      paper: true,
      borrowerSub: staff.sub,
      // The regions of its documents' customers, which region-limited approvers are held to.
      regions: ['NB'],
    });
    expect(made.documents.map((d) => [d.docType, d.sensitive, d.paper])).toEqual([
      ['APPFORM', false, false],
      ['IDCOPY', true, false],
      ['PAPERBOX', false, true],
    ]);
    expect(made.documents[2]?.location).toEqual({ room: 'A', cabinet: '3', box: '17' });
  });

  it('is due whole days after the grant, in whole seconds', () => {
    expect(loanDueAt(new Date('2026-03-10T09:00:00.250Z'), 2)).toBe('2026-03-12T09:00:01Z');
    expect(loanDueAt(new Date('2026-03-10T09:00:00.000Z'), 1)).toBe('2026-03-11T09:00:00Z');
  });

  it('names the execution Step Functions will give the loan', () => {
    expect(executionArnOf(BORROW_WORKFLOW_ARN, LOAN_ID)).toBe(
      `arn:aws:states:us-east-1:000000000000:execution:dangan-borrow-approval:${LOAN_ID}`,
    );
    expect(() => executionArnOf('arn:aws:lambda:us-east-1:1:function:x', 'n')).toThrow(/not a state machine/);
  });

  it('calls a loan overdue while something is out past its due time', () => {
    const past = { dueAt: '2026-03-11T00:00:00Z' };
    expect(isOverdue(loan(past), NOW)).toBe(true);
    expect(isOverdue(loan(), NOW)).toBe(false);
    expect(isOverdue(loan({ ...past, status: 'EXPIRED' }), NOW)).toBe(false);
    expect(isOverdue(paperLoan({ ...past, status: 'EXPIRED' }), NOW)).toBe(true);
    expect(
      isOverdue(paperLoan({ ...past, status: 'EXPIRED', returnedAt: '2026-03-12T00:00:00Z' }), NOW),
    ).toBe(false);
    expect(isOverdue(loan({ ...past, status: 'RETURNED', returnedAt: '2026-03-10T10:00:00Z' }), NOW)).toBe(
      false,
    );
  });

  describe('returning', () => {
    it('lets the borrower return an active digital loan, and the archivist any loan', () => {
      expect(() => assertReturnable(staff, loan())).not.toThrow();
      expect(() => assertReturnable(archivist, loan())).not.toThrow();
      expect(() => assertReturnable(archivist, paperLoan({ status: 'EXPIRED' }))).not.toThrow();
    });

    it.each([
      ["someone else's loan", actor('sub-other', 'staff'), loan(), 403, /belongs to another borrower/],
      ['a returned loan', staff, loan({ status: 'RETURNED', returnedAt: 'x' }), 409, /already returned/],
      ['a pending loan', staff, loan({ status: 'PENDING_APPROVAL' }), 409, /is PENDING_APPROVAL/],
      ['a rejected loan', staff, loan({ status: 'REJECTED' }), 409, /is REJECTED/],
      ['an expired digital loan', staff, loan({ status: 'EXPIRED' }), 409, /nothing to return/],
      ['paper originals by the borrower', staff, paperLoan(), 403, /the archivist records their return/],
    ])('refuses %s', (_name, who, l, status, message) => {
      expect(() => assertReturnable(who, l)).toThrow(
        expect.objectContaining({ status, message: expect.stringMatching(message) }),
      );
    });
  });

  describe('content under a loan', () => {
    const doc = { documentId: DOC_IDS[0] as string };

    it('needs an ACTIVE grant of the caller that is not yet due', () => {
      const g = activeGrant([grant()], staff, NOW);
      expect(g).toMatchObject({ loanId: LOAN_ID, purpose: 'meter dispute 2026-117' });
      expect(canReadContent(staff, doc, g, NOW)).toBe(true);
      expect(activeGrant([grant({ dueAt: '2026-03-12T10:00:00Z' })], staff, NOW)).toBeUndefined();
      expect(activeGrant([grant({ status: 'EXPIRED' })], staff, NOW)).toBeUndefined();
      expect(activeGrant([grant({ borrowerSub: 'sub-other' })], staff, NOW)).toBeUndefined();
      expect(canReadContent(staff, doc, undefined, NOW)).toBe(false);
      expect(canReadContent(staff, { documentId: DOC_IDS[1] as string }, g, NOW)).toBe(false);
      expect(canReadContent(actor('sub-sys', 'sysadmin'), doc, g, NOW)).toBe(false);
    });
  });

  describe('approval tasks', () => {
    it('names every task a loan can have', () => {
      expect(loanTaskIds('L')).toEqual([
        'loan-L-first',
        'loan-L-first-reminder',
        'loan-L-second',
        'loan-L-second-reminder',
      ]);
    });

    it('keeps the borrower and the first approver off the second level', () => {
      const second = task({
        taskId: 'loan-L-second',
        kind: 'loan-approval',
        role: 'archivist',
        requesterSub: staff.sub,
        excludedSubs: ['sub-both'],
      });
      expect(() => assertMayDecide(archivist, second)).not.toThrow();
      expect(() => assertMayDecide(actor(staff.sub, 'archivist', 'staff'), second)).toThrow(
        /your own request/,
      );
      expect(() => assertMayDecide(actor('sub-both', 'approver', 'archivist'), second)).toThrow(
        /you decided an earlier level/,
      );
      expect(() => assertMayDecide(actor('a', 'approver'), second)).toThrow(/is for role archivist/);
    });
  });
});

// ---- Handlers ------------------------------------------------------------------------------------

describe('POST /loans', () => {
  /**
   * BatchGetItem serving `docs` and their customers, in `regions` (NORTH when not named): the
   * loan-region rule reads the documents, then their customers' regions.
   */
  const servesDocuments = (docs: readonly DocumentRecord[], regions: Record<string, string> = {}) =>
    ddbMock.on(BatchGetCommand).callsFake((input: BatchGetCommandInput) => {
      const keys = input.RequestItems?.[TABLE]?.Keys ?? [];
      if (!keys.every((k) => String(k.pk).startsWith('CUSTOMER#'))) return batchOf(docs);
      const customers = keys.map((k) => {
        const customerId = String(k.pk).slice('CUSTOMER#'.length);
        return { pk: k.pk, sk: k.sk, customerId, region: regions[customerId] ?? 'NORTH' };
      });
      return { Responses: { [TABLE]: customers } };
    });

  const request = (body: unknown, user: (typeof USERS)[keyof typeof USERS] = USERS.staff) =>
    call(create, { routeKey: 'POST /loans', body, user });

  it('records the loan PENDING_APPROVAL with its audit event and starts borrow-approval under its id', async () => {
    servesDocuments([archived(0), archived(1)]);
    ddbMock.on(TransactWriteCommand).resolves({});
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'arn:x', startDate: NOW });

    const res = await request({
      documentIds: [DOC_IDS[0], DOC_IDS[1]],
      purpose: ' contract renewal ',
      days: 5,
    });

    expect(res.statusCode).toBe(202);
    const loanId = res.body.loanId as string;
    expect(res.body).toMatchObject({
      status: 'PENDING_APPROVAL',
      purpose: 'contract renewal',
      days: 5,
      sensitive: true,
    });
    const [put, watch, audit] = transactItems();
    expect(watch?.Put?.Item).toMatchObject({
      kind: 'loan',
      executionArn: expect.stringContaining(':execution:'),
    });
    expect(put?.Put?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(put?.Put?.Item).toMatchObject({
      pk: `LOAN#${loanId}`,
      sk: 'LOAN',
      gsi2pk: `BORROWER#${USERS.staff.sub}`,
      status: 'PENDING_APPROVAL',
      borrowerSub: USERS.staff.sub,
      executionArn: executionArnOf(BORROW_WORKFLOW_ARN, loanId),
    });
    expect(put?.Put?.Item?.gsi3pk).toBeUndefined();
    expect(audit?.Put?.Item).toMatchObject({
      action: 'loan.requested',
      targetId: loanId,
      actorSub: USERS.staff.sub,
    });
    const start = sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(start).toMatchObject({ stateMachineArn: BORROW_WORKFLOW_ARN, name: loanId });
    expect(JSON.parse(start?.input ?? '{}')).toEqual({ loanId, approvalTimeoutSeconds: 48 * 3600 });
  });

  describe('refuses, writing nothing and starting nothing', () => {
    function nothingHappened() {
      expect(writesAttempted()).toBe(0);
      expect(sfnMock.calls()).toHaveLength(0);
    }

    it.each([
      ['empty documentIds', { documentIds: [], purpose: 'p', days: 1 }, /documentIds/],
      ['duplicate ids', { documentIds: [DOC_IDS[0], DOC_IDS[0]], purpose: 'p', days: 1 }, /named twice/],
      ['days 0', { documentIds: [DOC_IDS[0]], purpose: 'p', days: 0 }, /days must be at least 1/],
      ['days above the maximum', { documentIds: [DOC_IDS[0]], purpose: 'p', days: 365 }, /at most 30/],
      ['a missing purpose', { documentIds: [DOC_IDS[0]], days: 1 }, /purpose is required/],
      [
        'an unknown field',
        { documentIds: [DOC_IDS[0]], purpose: 'p', days: 1, urgent: true },
        /urgent|unrecognized/i,
      ],
    ])('%s (400)', async (_name, body, message) => {
      const res = await request(body);
      expect(res.statusCode).toBe(400);
      expect(errorOf(res.body).message).toMatch(message);
      expect(besidesRefusalAudit(ddbMock.calls())).toHaveLength(0);
      nothingHappened();
    });

    it('an unknown document (404)', async () => {
      servesDocuments([archived(0)]);
      const res = await request({ documentIds: [DOC_IDS[0], 'no-such-doc'], purpose: 'p', days: 1 });
      expect(res.statusCode).toBe(404);
      expect(errorOf(res.body).message).toBe('document no-such-doc does not exist');
      nothingHappened();
    });

    it.each(['DISPOSED', 'UPLOADED'] as const)('a %s document (409)', async (status) => {
      servesDocuments([archived(0, { status })]);
      const res = await request({ documentIds: [DOC_IDS[0]], purpose: 'p', days: 1 });
      expect(res.statusCode).toBe(409);
      expect(errorOf(res.body).message).toMatch(`${DOC_IDS[0]} is ${status}`);
      nothingHappened();
    });
  });

  it('answers a region-limited borrower as if documents of customers outside their regions did not exist', async () => {
    useAccountSource(async (sub) =>
      sub === USERS.staff.sub
        ? {
            sub,
            username: USERS.staff.username,
            status: 'ACTIVE',
            roles: ['staff'],
            regions: ['NORTH'],
            version: 1,
            updatedAt: '2026-03-01T00:00:00.000Z',
            updatedBy: 'secadmin1',
          }
        : undefined,
    );
    try {
      const other = archived(1, { customerId: 'customer-south' });
      servesDocuments([archived(0), other], { 'customer-south': 'SOUTH' });
      const res = await request({ documentIds: [DOC_IDS[0], DOC_IDS[1]], purpose: 'p', days: 1 });
      expect(res.statusCode).toBe(404);
      expect(errorOf(res.body).message).toBe(`document ${DOC_IDS[1]} does not exist`);
      expect(writesAttempted()).toBe(0);
      expect(sfnMock.calls()).toHaveLength(0);
    } finally {
      useAccountSource(async () => undefined);
    }
  });

  it('rejects the loan it recorded when the workflow does not start, and answers 500', async () => {
    servesDocuments([archived(0)]);
    ddbMock.on(TransactWriteCommand).resolves({});
    sfnMock.on(StartExecutionCommand).rejects(namedError('ServiceUnavailable'));
    const res = await request({ documentIds: [DOC_IDS[0]], purpose: 'p', days: 1 });
    expect(res.statusCode).toBe(500);
    const [reject] = transactItems(1);
    expect(reject?.Update?.ExpressionAttributeValues).toMatchObject({ ':rejected': 'REJECTED' });
  });
});

describe('GET /loans and /loans/{loanId}', () => {
  it('shows a loan to its borrower and to archivists, not to other staff', async () => {
    ddbMock
      .on(GetCommand, { Key: { pk: `LOAN#${LOAN_ID}`, sk: 'LOAN' } })
      .resolves({ Item: loanRow(loan()) });
    const mine = await call(getOne, {
      routeKey: 'GET /loans/{loanId}',
      pathParameters: { loanId: LOAN_ID },
      user: USERS.staff,
    });
    expect(mine.statusCode).toBe(200);
    expect(mine.body).toMatchObject({ loanId: LOAN_ID, status: 'ACTIVE', overdue: false, paperOut: false });
    expect(mine.body).not.toHaveProperty('executionArn');
    const other = await call(getOne, {
      routeKey: 'GET /loans/{loanId}',
      pathParameters: { loanId: LOAN_ID },
      user: USERS.clerk,
    });
    expect(other.statusCode).toBe(403);
    const archivistView = await call(getOne, {
      routeKey: 'GET /loans/{loanId}',
      pathParameters: { loanId: LOAN_ID },
      user: USERS.archivist,
    });
    expect(archivistView.statusCode).toBe(200);
  });

  it('lists the caller’s own loans from the borrower index', async () => {
    ddbMock.on(QueryCommand).resolves({ Items: entries('gsi2', [loanRow(loan())]) });
    serveItems(ddbMock, [loanRow(loan())]);
    const res = await call(list, { routeKey: 'GET /loans', query: { mine: '' }, user: USERS.staff });
    expect(res.statusCode).toBe(200);
    expect((res.body.items as unknown[]).length).toBe(1);
    expect((res.body.items as Record<string, unknown>[])[0]).toMatchObject({ loanId: loan().loanId });
    const q = ddbMock.commandCalls(QueryCommand)[0]?.args[0].input;
    expect(q).toMatchObject({
      IndexName: 'gsi2',
      ExpressionAttributeValues: { ':pk': `BORROWER#${USERS.staff.sub}` },
    });
  });

  it('lists overdue loans from the due-date index for archivists only', async () => {
    const overdue = paperLoan({ status: 'EXPIRED', dueAt: '2026-03-11T00:00:00Z' });
    const longer = paperLoan({ loanId: 'loan-longer', status: 'EXPIRED', dueAt: '2026-03-10T00:00:00Z' });
    // Loans out over shard keys, one from before the sharding: merged, longest overdue first.
    // The index holds keys only: the loans are read from the table.
    const rows = [
      { ...loanRow(overdue), gsi3pk: 'LOANS#OUT#2', gsi3sk: `${overdue.dueAt}#${LOAN_ID}` },
      { ...loanRow(longer), gsi3pk: 'LOANS#OUT', gsi3sk: `${longer.dueAt}#loan-longer` },
    ];
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    ddbMock
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'LOANS#OUT#2' } })
      .resolves({ Items: entries('gsi3', rows.slice(0, 1)) })
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'LOANS#OUT' } })
      .resolves({ Items: entries('gsi3', rows.slice(1)) });
    serveItems(ddbMock, rows);
    const res = await call(list, {
      routeKey: 'GET /loans',
      query: { status: 'overdue' },
      user: USERS.archivist,
    });
    expect(res.statusCode).toBe(200);
    expect(res.body.items).toEqual([
      expect.objectContaining({ loanId: 'loan-longer', overdue: true, paperOut: true }),
      expect.objectContaining({ loanId: LOAN_ID, overdue: true, paperOut: true }),
    ]);
    const queries = ddbMock.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(queries.map((q) => q.ExpressionAttributeValues?.[':pk']).sort()).toEqual(
      ['', '#0', '#1', '#2', '#3'].map((shard) => `LOANS#OUT${shard}`),
    );
    for (const q of queries) {
      expect(q).toMatchObject({
        IndexName: 'dueKeys',
        ExpressionAttributeValues: { ':now': NOW.toISOString() },
      });
    }

    ddbMock.resetHistory();
    const staffRes = await call(list, {
      routeKey: 'GET /loans',
      query: { status: 'overdue' },
      user: USERS.staff,
    });
    expect(staffRes.statusCode).toBe(403);
    expect(besidesRefusalAudit(ddbMock.calls())).toHaveLength(0);
  });

  it('needs mine or status=overdue (400)', async () => {
    const res = await call(list, { routeKey: 'GET /loans', query: {}, user: USERS.staff });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res.body).message).toMatch(/give mine/);
  });
});

describe('POST /loans/{loanId}/return', () => {
  const giveBackAs = (user: (typeof USERS)[keyof typeof USERS]) =>
    call(giveBack, { routeKey: 'POST /loans/{loanId}/return', pathParameters: { loanId: LOAN_ID }, user });
  const stored = (l = loan()) =>
    ddbMock.on(GetCommand, { Key: { pk: `LOAN#${LOAN_ID}`, sk: 'LOAN' } }).resolves({ Item: loanRow(l) });

  it('ends the loan at once: RETURNED, out of the due index, every grant deleted, audited', async () => {
    stored();
    ddbMock.on(TransactWriteCommand).resolves({});
    const res = await giveBackAs(USERS.staff);
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatchObject({ status: 'RETURNED', returnedBy: 'staff1' });
    const [update, del, audit] = transactItems();
    expect(update?.Update?.ConditionExpression).toBe('#status = :from AND attribute_not_exists(returnedAt)');
    expect(update?.Update?.UpdateExpression).toMatch(/REMOVE gsi3pk, gsi3sk/);
    expect(update?.Update?.ExpressionAttributeValues).toMatchObject({ ':from': 'ACTIVE', ':to': 'RETURNED' });
    expect(del?.Delete?.Key).toEqual({ pk: `LOANGRANT#${DOC_IDS[0]}`, sk: `${USERS.staff.sub}#${LOAN_ID}` });
    expect(audit?.Put?.Item).toMatchObject({ action: 'loan.returned', targetId: LOAN_ID });
  });

  it('lets the archivist record that paper originals of an expired loan are back', async () => {
    stored(paperLoan({ status: 'EXPIRED', dueAt: '2026-03-11T00:00:00Z' }));
    ddbMock.on(TransactWriteCommand).resolves({});
    const res = await giveBackAs(USERS.archivist);
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatchObject({
      status: 'EXPIRED',
      paperOut: false,
      overdue: false,
      returnedBy: 'archivist1',
    });
    expect(transactItems()[2]?.Put?.Item).toMatchObject({
      action: 'loan.returned-with-originals',
      details: { originals: [{ documentId: DOC_IDS[0], location: { room: 'A', cabinet: '3', box: '17' } }] },
    });
  });

  it.each([
    ["someone else's loan", USERS.clerk, loan(), 403, /belongs to another borrower/],
    [
      'a loan returned already',
      USERS.staff,
      loan({ status: 'RETURNED', returnedAt: '2026-03-11T00:00:00Z' }),
      409,
      /already returned/,
    ],
    ['paper originals, by the borrower', USERS.staff, paperLoan(), 403, /archivist records their return/],
  ])('refuses %s without writing', async (_name, user, l, status, message) => {
    stored(l);
    const res = await giveBackAs(user);
    expect(res.statusCode).toBe(status);
    expect(errorOf(res.body).message).toMatch(message);
    expect(writesAttempted()).toBe(0);
  });

  it('answers 409 to the second of two returns at once', async () => {
    stored();
    ddbMock.on(TransactWriteCommand).rejects(cancelled(['ConditionalCheckFailed', 'None', 'None']));
    const res = await giveBackAs(USERS.staff);
    expect(res.statusCode).toBe(409);
    expect(errorOf(res.body).message).toMatch(/returned or expired meanwhile/);
  });

  it('answers 404 for an unknown loan', async () => {
    ddbMock.on(GetCommand).resolves({});
    const res = await giveBackAs(USERS.staff);
    expect(res.statusCode).toBe(404);
  });
});

describe('GET /documents/{documentId}/content under a loan', () => {
  const read = (user: (typeof USERS)[keyof typeof USERS], documentId: string = DOC_IDS[0]) =>
    call(content, { routeKey: 'GET /documents/{documentId}/content', pathParameters: { documentId }, user });
  const storedDoc = (i = 0) =>
    ddbMock
      .on(GetCommand, { Key: { pk: `DOCUMENT#${DOC_IDS[i]}`, sk: 'DOCUMENT' } })
      .resolves({ Item: documentRow(archived(i)) });

  it('issues a URL to the borrower of an active loan, no longer than the loan, audited with loan, purpose and borrower', async () => {
    storedDoc();
    ddbMock.on(QueryCommand).resolves({ Items: [grantRow(grant({ dueAt: '2026-03-12T10:02:00Z' }))] });
    ddbMock.on(PutCommand).resolves({});

    const res = await read(USERS.staff);

    expect(res.statusCode).toBe(200);
    // The loan has two minutes left; a borrower's URL lives one at most.
    expect(res.body.url).toMatch(/X-Amz-Expires=60&/);
    expect(res.body.expiresAt).toBe('2026-03-12T10:01:00.000Z');
    const q = ddbMock.commandCalls(QueryCommand)[0]?.args[0].input;
    expect(q).toMatchObject({
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': `LOANGRANT#${DOC_IDS[0]}`, ':prefix': `${USERS.staff.sub}#` },
      ConsistentRead: true,
    });
    const audit = ddbMock.commandCalls(PutCommand)[0]?.args[0].input;
    expect(audit?.TableName).toBe(AUDIT_TABLE);
    expect(audit?.Item).toMatchObject({
      action: 'document.content-url',
      actorSub: USERS.staff.sub,
      details: { loanId: LOAN_ID, purpose: 'meter dispute 2026-117', borrower: 'staff1' },
    });
  });

  it('never gives a borrower a URL that outlives the loan, nor one that would work a minute after a return', () => {
    const now = new Date('2026-03-12T10:00:00Z');
    expect(contentUrlSeconds(300, { dueAt: '2026-03-12T10:00:30Z' }, now)).toBe(30);
    expect(contentUrlSeconds(300, { dueAt: '2026-04-12T10:00:00Z' }, now)).toBe(BORROWED_URL_SECONDS);
    expect(contentUrlSeconds(30, { dueAt: '2026-04-12T10:00:00Z' }, now)).toBe(30);
    expect(contentUrlSeconds(300, { dueAt: '2026-03-12T09:00:00Z' }, now)).toBe(1);
    // Staff reading without a loan keep the scheme's lifetime.
    expect(contentUrlSeconds(300, undefined, now)).toBe(300);
  });

  it.each([
    ['without a loan', []],
    ['with an expired loan', [grant({ status: 'EXPIRED' })]],
    ['with a loan past its due time', [grant({ dueAt: '2026-03-12T09:59:59Z' })]],
    ['with a loan of another borrower', [grant({ borrowerSub: 'sub-other' })]],
  ])('refuses the borrower %s (403), issuing and auditing nothing', async (_name, grants) => {
    storedDoc();
    ddbMock.on(QueryCommand).resolves({ Items: grants.map(grantRow) });
    const res = await read(USERS.staff);
    expect(res.statusCode).toBe(403);
    expect(errorOf(res.body).message).toMatch(/not on an active loan of yours/);
    expect(besidesRefusalAudit(ddbMock.commandCalls(PutCommand))).toHaveLength(0);
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it('refuses a document outside the loan (403): its grants are looked up by that document', async () => {
    storedDoc(1);
    ddbMock
      .on(QueryCommand, {
        ExpressionAttributeValues: { ':pk': `LOANGRANT#${DOC_IDS[1]}`, ':prefix': `${USERS.staff.sub}#` },
      })
      .resolves({ Items: [] });
    const res = await read(USERS.staff, DOC_IDS[1]);
    expect(res.statusCode).toBe(403);
  });

  it('does not look up loans for an archivist', async () => {
    storedDoc();
    ddbMock.on(PutCommand).resolves({});
    const res = await read(USERS.archivist);
    expect(res.statusCode).toBe(200);
    expect(ddbMock.commandCalls(QueryCommand)).toHaveLength(0);
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(0);
  });
});
