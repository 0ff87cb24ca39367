import { SendTaskSuccessCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  GetCommand,
  type GetCommandInput,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import { GetObjectTaggingCommand, HeadObjectCommand } from '../../functions/adapters/s3-commands.ts';
import { handler as documentsContent } from '../../functions/api/documents-content.ts';
import { handler as documentsGet } from '../../functions/api/documents-get.ts';
import { handler as handoversGet } from '../../functions/api/handovers-get.ts';
import { handler as loansCreate } from '../../functions/api/loans-create.ts';
import { handler as loansGet } from '../../functions/api/loans-get.ts';
import { handler as submissionsGet } from '../../functions/api/submissions-get.ts';
import { handler as scanContent } from '../../functions/api/submissions-scan-content.ts';
import { handler as tasksDecide } from '../../functions/api/tasks-decide.ts';
import type { DisposalBatch } from '../../functions/core/disposal.ts';
import type { DocumentRecord } from '../../functions/core/documents.ts';
import type { CreateLoanInput, Loan } from '../../functions/core/loans.ts';
import type { ScanReaderBasis } from '../../functions/core/submission-scans.ts';
import type { Submission } from '../../functions/core/submissions.ts';
import type { TaskRecord } from '../../functions/core/tasks.ts';
import { useAccountSource } from '../../functions/http/account-state.ts';
import type { ContentGrant, RouteDocument, RouteRecords } from '../../functions/http/rules.ts';
import { besidesRefusalAudit, USERS } from '../support/api-event.ts';
import {
  CUSTOMER_ID,
  call,
  DOC_IDS,
  ddbMock,
  document,
  documentRow,
  errorOf,
  resetMocks,
  SUBMISSION_ID,
  s3Mock,
  setEnv,
  sfnMock,
  strictMocks,
  submission,
  submissionRow,
  TABLE,
  task,
  taskRow,
} from './intake-fixtures.ts';
import { archived, grant, grantRow, LOAN_ID, loan, loanRow, setLoanEnv } from './loans-fixtures.ts';

/**
 * One authorisation pass: the record rules read what a request names, decide, and hand what they
 * read to the handler, which reads none of it again. Each request here counts its reads of the
 * records table (GetItem and BatchGetItem, all strongly consistent), so a handler that read a
 * record its rule had read, or a rule that read one twice, fails here.
 */

const SOUTH_CUSTOMER = 'customer-south';

/** The records table as the mocks serve it, by key. */
let items: Map<string, Record<string, unknown>>;
const keyOf = (k: Record<string, unknown> | undefined) => `${String(k?.pk)}|${String(k?.sk)}`;
function put(...rows: Record<string, unknown>[]) {
  for (const row of rows) items.set(keyOf(row), row);
}
const customerRow = (customerId: string, region: string) => ({
  pk: `CUSTOMER#${customerId}`,
  sk: 'CUSTOMER',
  entity: 'customer',
  customerId,
  customerNo: '1000000001',
  name: '张三',
  type: 'RES',
  region,
});

/** Reads of the records table during the last request: every GetItem and BatchGetItem. */
function reads() {
  const gets = ddbMock.commandCalls(GetCommand).map((c) => c.args[0].input as GetCommandInput);
  const batches = ddbMock.commandCalls(BatchGetCommand).map((c) => c.args[0].input as BatchGetCommandInput);
  for (const g of gets) expect(g.ConsistentRead, `GetItem ${keyOf(g.Key)}`).toBe(true);
  for (const b of batches) expect(b.RequestItems?.[TABLE]?.ConsistentRead).toBe(true);
  return {
    get: gets.length,
    batchGet: batches.length,
    keys: gets.map((g) => String(g.Key?.pk)),
  };
}

/** Callers limited to regions: their account says NORTH. */
function limitToNorth(...subs: string[]) {
  useAccountSource(async (sub) => {
    const user = Object.values(USERS).find((u) => u.sub === sub);
    if (!user || !subs.includes(sub)) return undefined;
    return {
      sub,
      username: user.username,
      status: 'ACTIVE',
      roles: [...user.groups],
      regions: ['NORTH'],
      version: 1,
      updatedAt: '2026-03-01T00:00:00.000Z',
      updatedBy: 'secadmin1',
    };
  });
}

beforeEach(() => {
  setEnv();
  setLoanEnv();
  process.env.MALWARE_SCAN_TAG = 'GuardDutyMalwareScanStatus';
  strictMocks();
  items = new Map();
  ddbMock.on(GetCommand).callsFake((input: GetCommandInput) => {
    const item = items.get(keyOf(input.Key));
    return item ? { Item: item } : {};
  });
  ddbMock.on(BatchGetCommand).callsFake((input: BatchGetCommandInput) => {
    const keys = input.RequestItems?.[TABLE]?.Keys ?? [];
    const found = keys.map((k) => items.get(keyOf(k))).filter((i) => i !== undefined);
    return { Responses: { [TABLE]: found } };
  });
  ddbMock.on(PutCommand).resolves({});
  put(customerRow(CUSTOMER_ID, 'NORTH'), customerRow(SOUTH_CUSTOMER, 'SOUTH'));
});

afterEach(() => {
  useAccountSource(async () => undefined);
  resetMocks();
});

describe('GET /submissions/{submissionId}', () => {
  const ask = (user: (typeof USERS)[keyof typeof USERS]) =>
    call(submissionsGet, {
      routeKey: 'GET /submissions/{submissionId}',
      pathParameters: { submissionId: SUBMISSION_ID },
      user,
    });

  it('reads the submission once (the rule) and its documents once (one BatchGetItem)', async () => {
    put(submissionRow(submission()), ...DOC_IDS.map((_, i) => documentRow(document(i))));
    const res = await ask(USERS.clerk);
    expect(res.statusCode).toBe(200);
    expect((res.body.documents as unknown[]).length).toBe(4);
    expect(reads()).toEqual({ get: 1, batchGet: 1, keys: [`SUBMISSION#${SUBMISSION_ID}`] });
  });

  it('refuses another clerk after that one read, as before', async () => {
    put(submissionRow(submission()));
    const res = await ask(USERS.clerk2);
    expect(res.statusCode).toBe(403);
    expect(errorOf(res.body).message).toBe(`submission ${SUBMISSION_ID} belongs to another clerk`);
    expect(reads()).toMatchObject({ get: 1, batchGet: 0 });
  });

  it('answers a reviewer limited to other regions as if the submission did not exist', async () => {
    put(submissionRow(submission({ customerId: SOUTH_CUSTOMER })));
    limitToNorth(USERS.reviewer.sub);
    const res = await ask(USERS.reviewer);
    expect(res.statusCode).toBe(404);
    expect(errorOf(res.body).message).toBe(`submission ${SUBMISSION_ID} does not exist`);
    // The customer is read as it is now: one GetItem more, for limited callers only.
    expect(reads().keys).toEqual([`SUBMISSION#${SUBMISSION_ID}`, `CUSTOMER#${SOUTH_CUSTOMER}`]);
    put(submissionRow(submission()));
    expect((await ask(USERS.reviewer)).statusCode).toBe(200);
  });
});

describe('POST /tasks/{taskId}/decision', () => {
  const TASK_ID = task().taskId;
  const decide = (user: (typeof USERS)[keyof typeof USERS]) =>
    call(tasksDecide, {
      routeKey: 'POST /tasks/{taskId}/decision',
      pathParameters: { taskId: TASK_ID },
      body: { decision: 'approve' },
      user,
    });

  it('decides on the task the rule read: one GetItem, then the conditional write', async () => {
    put(taskRow(task()));
    ddbMock.on(TransactWriteCommand).resolves({});
    sfnMock.on(SendTaskSuccessCommand).resolves({});
    const res = await decide(USERS.reviewer);
    expect(res.statusCode).toBe(200);
    expect(reads()).toEqual({ get: 1, batchGet: 0, keys: [`TASK#${TASK_ID}`] });
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input.taskToken).toBe(
      'secret-task-token',
    );
  });

  it('answers a task of customers outside a limited decider’s regions as absent, writing nothing', async () => {
    limitToNorth(USERS.reviewer.sub);
    for (const regions of [['SOUTH'], ['NORTH', 'SOUTH'], undefined]) {
      put(taskRow(task(regions ? { regions } : {})));
      const res = await decide(USERS.reviewer);
      expect(res.statusCode, String(regions)).toBe(404);
      expect(errorOf(res.body).message).toBe(`task ${TASK_ID} does not exist`);
    }
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  it('answers a task decided already with 409 after that one read, writing nothing', async () => {
    put(taskRow(task({ status: 'DONE' })));
    const res = await decide(USERS.reviewer);
    expect(res.statusCode).toBe(409);
    expect(errorOf(res.body).message).toBe(`task ${TASK_ID} is already DONE`);
    expect(reads()).toMatchObject({ get: 1, batchGet: 0 });
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });
});

describe('GET /submissions/{submissionId}/documents/{documentId}/content', () => {
  const DOC = DOC_IDS[1];
  const reviewTask = task();
  const ask = (user: (typeof USERS)[keyof typeof USERS], documentId: string = DOC) =>
    call(scanContent, {
      routeKey: 'GET /submissions/{submissionId}/documents/{documentId}/content',
      pathParameters: { submissionId: SUBMISSION_ID, documentId },
      user,
    });

  beforeEach(() => {
    const doc = document(1);
    put(
      submissionRow(submission({ status: 'IN_REVIEW', attempt: 1, reviewTaskId: reviewTask.taskId })),
      taskRow(reviewTask),
      documentRow(doc),
    );
    s3Mock.on(GetObjectTaggingCommand).resolves({
      TagSet: [{ Key: 'GuardDutyMalwareScanStatus', Value: 'NO_THREATS_FOUND' }],
    });
    s3Mock.on(HeadObjectCommand).resolves({
      ContentLength: doc.size,
      ChecksumSHA256: Buffer.from(doc.sha256, 'hex').toString('base64'),
    });
  });

  it('reads submission, review task and scan once each for a caller serving every region (was 5)', async () => {
    const res = await ask(USERS.reviewer);
    expect(res.statusCode).toBe(200);
    expect(reads()).toEqual({
      get: 3,
      batchGet: 0,
      keys: [`SUBMISSION#${SUBMISSION_ID}`, `TASK#${reviewTask.taskId}`, `DOCUMENT#${DOC}`],
    });
    const audit = ddbMock.commandCalls(PutCommand)[0]?.args[0].input.Item;
    expect(audit).toMatchObject({
      action: 'document.scan-preview-url',
      details: { basis: 'review-task', taskId: reviewTask.taskId, submissionStatus: 'IN_REVIEW' },
    });
  });

  it('reads the scan and its customer, then submission and task, once each for a caller limited to regions (was 7)', async () => {
    limitToNorth(USERS.reviewer.sub);
    const res = await ask(USERS.reviewer);
    expect(res.statusCode).toBe(200);
    expect(reads()).toEqual({
      get: 4,
      batchGet: 0,
      keys: [
        `DOCUMENT#${DOC}`,
        `CUSTOMER#${CUSTOMER_ID}`,
        `SUBMISSION#${SUBMISSION_ID}`,
        `TASK#${reviewTask.taskId}`,
      ],
    });
  });

  it('still answers a document of another submission as absent from this one', async () => {
    put(documentRow(document(2, { submissionId: 'another' })));
    const res = await ask(USERS.archivist, DOC_IDS[2]);
    expect(res.statusCode).toBe(404);
    expect(errorOf(res.body).message).toBe(
      `document ${DOC_IDS[2]} in submission ${SUBMISSION_ID} does not exist`,
    );
    expect(reads().get).toBe(3);
  });
});

describe('GET /documents/{documentId}', () => {
  const ask = (user: (typeof USERS)[keyof typeof USERS], documentId: string = DOC_IDS[0]) =>
    call(documentsGet, { routeKey: 'GET /documents/{documentId}', pathParameters: { documentId }, user });

  it('reads the document once for a caller serving every region', async () => {
    put(documentRow(archived(0)));
    const res = await ask(USERS.reviewer);
    expect(res.statusCode).toBe(200);
    expect(res.body.documentId).toBe(DOC_IDS[0]);
    expect(reads()).toEqual({ get: 1, batchGet: 0, keys: [`DOCUMENT#${DOC_IDS[0]}`] });
  });

  it('reads document and customer once each for a caller limited to regions (was 3)', async () => {
    limitToNorth(USERS.reviewer.sub);
    put(documentRow(archived(0)));
    const res = await ask(USERS.reviewer);
    expect(res.statusCode).toBe(200);
    expect(reads()).toEqual({
      get: 2,
      batchGet: 0,
      keys: [`DOCUMENT#${DOC_IDS[0]}`, `CUSTOMER#${CUSTOMER_ID}`],
    });
  });

  it('answers an unknown document and one outside the regions alike, as absent', async () => {
    limitToNorth(USERS.reviewer.sub);
    put(documentRow(archived(1, { customerId: SOUTH_CUSTOMER })));
    const outside = await ask(USERS.reviewer, DOC_IDS[1]);
    expect(outside.statusCode).toBe(404);
    expect(errorOf(outside.body).message).toBe(`document ${DOC_IDS[1]} does not exist`);
    ddbMock.resetHistory();
    const unknown = await ask(USERS.archivist, 'nope');
    expect(unknown.statusCode).toBe(404);
    expect(errorOf(unknown.body).message).toBe('document nope does not exist');
    expect(reads()).toMatchObject({ get: 1, batchGet: 0 });
  });
});

describe('GET /documents/{documentId}/content', () => {
  const ask = (user: (typeof USERS)[keyof typeof USERS], documentId: string = DOC_IDS[0]) =>
    call(documentsContent, {
      routeKey: 'GET /documents/{documentId}/content',
      pathParameters: { documentId },
      user,
    });

  it('reads the document once for an archivist, and no grants', async () => {
    put(documentRow(archived(0)));
    const res = await ask(USERS.archivist);
    expect(res.statusCode).toBe(200);
    expect(reads()).toEqual({ get: 1, batchGet: 0, keys: [`DOCUMENT#${DOC_IDS[0]}`] });
    expect(ddbMock.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it('reads document and customer once each, and the grants once, for a borrower limited to regions (was 3 GetItem)', async () => {
    limitToNorth(USERS.staff.sub);
    put(documentRow(archived(0)));
    const due = new Date(Date.now() + 3600_000).toISOString();
    ddbMock.on(QueryCommand).resolves({ Items: [grantRow(grant({ dueAt: due }))] });
    const res = await ask(USERS.staff);
    expect(res.statusCode).toBe(200);
    expect(reads()).toEqual({
      get: 2,
      batchGet: 0,
      keys: [`DOCUMENT#${DOC_IDS[0]}`, `CUSTOMER#${CUSTOMER_ID}`],
    });
    expect(ddbMock.commandCalls(QueryCommand)).toHaveLength(1);
    expect(ddbMock.commandCalls(QueryCommand)[0]?.args[0].input.ConsistentRead).toBe(true);
    const audit = ddbMock.commandCalls(PutCommand)[0]?.args[0].input.Item;
    expect(audit).toMatchObject({
      action: 'document.content-url',
      details: { loanId: LOAN_ID, borrower: USERS.staff.username, loanDueAt: due },
    });
  });

  it('answers a document outside the borrower’s regions as absent, before looking for a loan', async () => {
    limitToNorth(USERS.staff.sub);
    put(documentRow(archived(1, { customerId: SOUTH_CUSTOMER })));
    const res = await ask(USERS.staff, DOC_IDS[1]);
    expect(res.statusCode).toBe(404);
    expect(errorOf(res.body).message).toBe(`document ${DOC_IDS[1]} does not exist`);
    expect(ddbMock.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it('refuses a borrower without a loan after one read of the document and one of the grants', async () => {
    put(documentRow(archived(0)));
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    const res = await ask(USERS.staff);
    expect(res.statusCode).toBe(403);
    expect(errorOf(res.body).message).toBe(
      `you may not read the content of document ${DOC_IDS[0]}: it is not on an active loan of yours`,
    );
    expect(reads()).toMatchObject({ get: 1, batchGet: 0 });
    expect(besidesRefusalAudit(ddbMock.commandCalls(PutCommand))).toHaveLength(0);
  });
});

describe('POST /loans', () => {
  const ask = (user: (typeof USERS)[keyof typeof USERS], documentIds: string[], purpose = 'meter dispute') =>
    call(loansCreate, { routeKey: 'POST /loans', body: { documentIds, purpose, days: 7 }, user });

  beforeEach(() => {
    ddbMock.on(TransactWriteCommand).resolves({});
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'arn', startDate: new Date() });
  });

  it('reads the documents and their customers’ regions in two BatchGetItems, and keeps the regions on the loan', async () => {
    put(documentRow(archived(0)), documentRow(archived(1, { customerId: SOUTH_CUSTOMER })));
    const res = await ask(USERS.staff, [DOC_IDS[0], DOC_IDS[1]]);
    expect(res.statusCode).toBe(202);
    expect(reads()).toEqual({ get: 0, batchGet: 2, keys: [] });
    const created = ddbMock.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems?.[0];
    expect(created?.Put?.Item).toMatchObject({ regions: ['NORTH', 'SOUTH'] });
  });

  it('leaves out documents of customers outside a limited borrower’s regions', async () => {
    limitToNorth(USERS.staff.sub);
    put(documentRow(archived(0)), documentRow(archived(1, { customerId: SOUTH_CUSTOMER })));
    const res = await ask(USERS.staff, [DOC_IDS[0], DOC_IDS[1]]);
    expect(res.statusCode).toBe(404);
    expect(errorOf(res.body).message).toBe(`document ${DOC_IDS[1]} does not exist`);
    expect(reads()).toEqual({ get: 0, batchGet: 2, keys: [] });
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('lends a limited borrower the documents in their regions', async () => {
    limitToNorth(USERS.staff.sub);
    put(documentRow(archived(0)));
    const res = await ask(USERS.staff, [DOC_IDS[0]]);
    expect(res.statusCode).toBe(202);
    expect(reads()).toMatchObject({ get: 0, batchGet: 2 });
  });

  it('answers a bad request with 400 before reading anything, whatever the regions', async () => {
    limitToNorth(USERS.staff.sub);
    const res = await ask(USERS.staff, [DOC_IDS[0]], '');
    expect(res.statusCode).toBe(400);
    expect(errorOf(res.body).message).toMatch(/^invalid request: purpose/);
    expect(reads()).toMatchObject({ get: 0, batchGet: 0 });
  });
});

describe('GET /handovers/{handoverId}', () => {
  const HANDOVER_ID = 'handover-1';
  const ask = () =>
    call(handoversGet, {
      routeKey: 'GET /handovers/{handoverId}',
      pathParameters: { handoverId: HANDOVER_ID },
      user: USERS.archivist,
    });
  const row = (requesterSub: string) => ({
    pk: `HANDOVER#${HANDOVER_ID}`,
    sk: 'HANDOVER',
    entity: 'handover',
    handoverId: HANDOVER_ID,
    status: 'BUILDING',
    requestedBy: { sub: requesterSub, username: 'someone', roles: ['archivist'] },
    selection: { customers: ['1000000001'] },
    bag: 'dangan-export_1000000001',
    plan: { customerIds: [CUSTOMER_ID], documents: 1, bytes: 10 },
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
    key: `handovers/${HANDOVER_ID}/dangan-export_1000000001.zip`,
    requestId: 'r1',
  });

  it('reads the package once (the rule) and shows it to the archivist who asked for it', async () => {
    put(row(USERS.archivist.sub));
    const res = await ask();
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatchObject({ handoverId: HANDOVER_ID, status: 'BUILDING' });
    expect(reads()).toEqual({ get: 1, batchGet: 0, keys: [`HANDOVER#${HANDOVER_ID}`] });
  });

  it("answers another archivist's package as absent, like one that does not exist", async () => {
    put(row('sub-another-archivist'));
    const other = await ask();
    expect(other.statusCode).toBe(404);
    items.clear();
    const unknown = await ask();
    expect(unknown.statusCode).toBe(404);
    expect(errorOf(other.body).message).toBe(errorOf(unknown.body).message);
  });
});

describe('GET /loans/{loanId}', () => {
  const ask = (user: (typeof USERS)[keyof typeof USERS]) =>
    call(loansGet, { routeKey: 'GET /loans/{loanId}', pathParameters: { loanId: LOAN_ID }, user });

  it('reads the loan once (the rule), for the borrower and for an approver', async () => {
    put(loanRow(loan()));
    for (const user of [USERS.staff, USERS.approver]) {
      ddbMock.resetHistory();
      const res = await ask(user);
      expect(res.statusCode).toBe(200);
      expect(res.body.loanId).toBe(LOAN_ID);
      expect(reads()).toEqual({ get: 1, batchGet: 0, keys: [`LOAN#${LOAN_ID}`] });
    }
  });

  it('refuses another borrower and answers an unknown loan as before', async () => {
    put(loanRow(loan({ borrowerSub: 'someone-else' })));
    const other = await ask(USERS.staff);
    expect(other.statusCode).toBe(403);
    expect(errorOf(other.body).message).toBe(`loan ${LOAN_ID} belongs to another borrower`);
    items.clear();
    const unknown = await ask(USERS.staff);
    expect(unknown.statusCode).toBe(404);
    expect(errorOf(unknown.body).message).toBe(`loan ${LOAN_ID} does not exist`);
  });

  it('answers an approver limited to other regions as if the loan did not exist; its borrower keeps it', async () => {
    limitToNorth(USERS.approver.sub, USERS.staff.sub);
    for (const regions of [['SOUTH'], ['NORTH', 'SOUTH'], undefined]) {
      put(loanRow(loan(regions ? { regions } : {})));
      const res = await ask(USERS.approver);
      expect(res.statusCode, String(regions)).toBe(404);
      expect(errorOf(res.body).message).toBe(`loan ${LOAN_ID} does not exist`);
      expect((await ask(USERS.staff)).statusCode).toBe(200);
    }
    put(loanRow(loan({ regions: ['NORTH'] })));
    expect((await ask(USERS.approver)).statusCode).toBe(200);
  });
});

describe('the records each route hands its handler', () => {
  it('is typed per route: exactly what the route’s rules read', () => {
    expectTypeOf<RouteRecords<'GET /submissions/{submissionId}'>>().toEqualTypeOf<{
      submission: Submission;
    }>();
    expectTypeOf<RouteRecords<'POST /tasks/{taskId}/decision'>>().toEqualTypeOf<{ task: TaskRecord }>();
    expectTypeOf<RouteRecords<'GET /documents/{documentId}'>>().toEqualTypeOf<{ document: RouteDocument }>();
    expectTypeOf<RouteRecords<'GET /documents/{documentId}/content'>>().toEqualTypeOf<{
      document: RouteDocument;
      grant: ContentGrant;
      decidedAt: Date;
    }>();
    expectTypeOf<
      RouteRecords<'GET /submissions/{submissionId}/documents/{documentId}/content'>
    >().toEqualTypeOf<{
      submission: Submission;
      reviewTask: TaskRecord | undefined;
      scanBasis: ScanReaderBasis;
      document: RouteDocument;
    }>();
    expectTypeOf<RouteRecords<'GET /loans/{loanId}'>>().toEqualTypeOf<{ loan: Loan }>();
    expectTypeOf<RouteRecords<'POST /loans'>>().toEqualTypeOf<{
      loanRequest: CreateLoanInput;
      documents: DocumentRecord[];
      customerRegions: ReadonlyMap<string, string>;
    }>();
    expectTypeOf<RouteRecords<'GET /disposals/{batchId}'>>().toEqualTypeOf<{ batch: DisposalBatch }>();
    expectTypeOf<RouteRecords<'POST /loans/{loanId}/return'>>().toEqualTypeOf<{ loan: Loan }>();
    // A customer route's region rule reads the customer only to decide: nothing for the handler.
    expectTypeOf<RouteRecords<'GET /customers/{customerId}'>>().toEqualTypeOf<Record<never, never>>();
  });
});
