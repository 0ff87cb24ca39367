import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GetObjectCommand, PutObjectLegalHoldCommand } from '../../functions/adapters/s3-commands.ts';
import { handler as getBatchApi } from '../../functions/api/disposals-get.ts';
import { handler as listBatchesApi } from '../../functions/api/disposals-list.ts';
import { handler as contractEnd } from '../../functions/api/documents-contract-end.ts';
import { handler as holdsCreate } from '../../functions/api/holds-create.ts';
import { handler as holdsRelease } from '../../functions/api/holds-release.ts';
import { handler as decide } from '../../functions/api/tasks-decide.ts';
import { archiveObjectKey } from '../../functions/core/documents.ts';
import { accountClosed } from '../../functions/services/retention-clock.ts';
import { USERS } from '../support/api-event.ts';
import {
  archived,
  BATCH_ID,
  batch,
  batchRow,
  clockAt,
  docRow,
  due,
  hold,
  holdRow,
  item,
  itemRow,
  setEnv,
} from './disposal-fixtures.ts';
import {
  ARCHIVE,
  AUDIT_TABLE,
  CUSTOMER_ID,
  call,
  ddbMock,
  errorOf,
  resetMocks,
  s3Mock,
  sfnMock,
  strictMocks,
  task,
  taskRow,
  transactItems,
  writesAttempted,
} from './intake-fixtures.ts';
import { entries, serveItems } from './keys-only-index.ts';

const NOW = '2036-04-20T10:00:00.000Z';

beforeEach(() => {
  setEnv();
  strictMocks();
  clockAt(NOW);
});
afterEach(() => {
  resetMocks();
  delete process.env.DANGAN_CLOCK_OFFSET_SECONDS;
});

const docKey = (id: string) => ({ pk: `DOCUMENT#${id}`, sk: 'DOCUMENT' });
const nothingWritten = () => {
  expect(writesAttempted()).toBe(0);
  expect(s3Mock.calls()).toHaveLength(0);
  expect(sfnMock.calls()).toHaveLength(0);
};

describe('POST /documents/{documentId}/holds', () => {
  const doc = due(0);
  const place = (
    body: unknown,
    user: (typeof USERS)[keyof typeof USERS] = USERS.archivist,
    id = doc.documentId,
  ) =>
    call(holdsCreate, {
      routeKey: 'POST /documents/{documentId}/holds',
      pathParameters: { documentId: id },
      body,
      user,
    });

  it('sets S3 legal hold on the original, records the hold and takes the document out of the due-date index', async () => {
    ddbMock.on(GetCommand, { Key: docKey(doc.documentId) }).resolves({ Item: docRow(doc) });
    s3Mock.on(PutObjectLegalHoldCommand).resolves({});
    ddbMock.on(TransactWriteCommand).resolves({});

    const res = await place({ reason: '诉讼保全 litigation hold' });

    expect(res.statusCode).toBe(201);
    expect(res.body).toMatchObject({ documentId: doc.documentId, status: 'ACTIVE', placedBy: 'archivist1' });
    expect(s3Mock.commandCalls(PutObjectLegalHoldCommand)[0]?.args[0].input).toMatchObject({
      Bucket: ARCHIVE,
      Key: archiveObjectKey(doc.documentId),
      VersionId: doc.archiveVersionId,
      LegalHold: { Status: 'ON' },
    });
    const [put, update, audit] = transactItems();
    expect(put?.Put?.Item).toMatchObject({ pk: `DOCUMENT#${doc.documentId}`, sk: `HOLD#${res.body.holdId}` });
    expect(update?.Update?.ConditionExpression).toBe(
      '#status = :archived AND attribute_not_exists(destroying)',
    );
    expect(update?.Update?.UpdateExpression).toBe(
      'SET updatedAt = :at ADD activeHolds :one REMOVE gsi3pk, gsi3sk',
    );
    expect(audit?.Put?.Item).toMatchObject({ action: 'document.hold-placed', actorSub: USERS.archivist.sub });
  });

  it('keeps a permanent document in the register of permanent locks when it is held', async () => {
    const permanent = archived(0, {
      docType: 'COMPLETION',
      retentionCode: 'Y',
      retentionTrigger: 'ARCHIVED',
      legalHold: undefined,
      retainUntil: '2126-03-15T09:30:00.000Z',
    });
    ddbMock.on(GetCommand, { Key: docKey(permanent.documentId) }).resolves({ Item: docRow(permanent) });
    s3Mock.on(PutObjectLegalHoldCommand).resolves({});
    ddbMock.on(TransactWriteCommand).resolves({});

    expect((await place({ reason: '诉讼保全' }, USERS.archivist, permanent.documentId)).statusCode).toBe(201);

    // The hold's own legal hold goes on; the entry that has the sweep extend its lock stays.
    expect(s3Mock.commandCalls(PutObjectLegalHoldCommand)).toHaveLength(1);
    expect(transactItems()[1]?.Update?.UpdateExpression).toBe('SET updatedAt = :at ADD activeHolds :one');
  });

  it.each([
    ['no body', undefined, /request body is required/],
    ['an empty reason', { reason: '  ' }, /reason: a hold needs a reason/],
    ['an unknown field', { reason: 'x', until: '2040-01-01' }, /until/],
  ])('400 for %s, naming the problem; nothing written', async (_label, body, message) => {
    const res = await place(body);
    expect(res.statusCode).toBe(400);
    expect(errorOf(res.body).message).toMatch(message);
    nothingWritten();
  });

  it('404 for a document that does not exist', async () => {
    ddbMock.on(GetCommand).resolves({});
    const res = await place({ reason: 'x' });
    expect(res.statusCode).toBe(404);
    expect(errorOf(res.body).message).toBe(`document ${doc.documentId} does not exist`);
    nothingWritten();
  });

  it.each([
    ['disposed', { status: 'DISPOSED' as const }, /is DISPOSED; only archived documents can be held/],
    ['being destroyed', { destroying: BATCH_ID }, /being destroyed by disposal batch KH-2036-04-20360410-1/],
  ])('409 for a document %s; nothing written', async (_label, overrides, message) => {
    ddbMock.on(GetCommand).resolves({ Item: docRow({ ...doc, ...overrides }) });
    const res = await place({ reason: 'x' });
    expect(res.statusCode).toBe(409);
    expect(errorOf(res.body).message).toMatch(message);
    nothingWritten();
  });

  it('403 for anyone but an archivist', async () => {
    const res = await place({ reason: 'x' }, USERS.clerk);
    expect(res.statusCode).toBe(403);
    nothingWritten();
  });
});

describe('DELETE /documents/{documentId}/holds/{holdId}', () => {
  const release = (doc = due(0), h = hold(due(0).documentId)) =>
    call(holdsRelease, {
      routeKey: 'DELETE /documents/{documentId}/holds/{holdId}',
      pathParameters: { documentId: doc.documentId, holdId: h.holdId },
      user: USERS.archivist,
    });

  function stored(doc: ReturnType<typeof due>, h = hold(doc.documentId)) {
    ddbMock.on(GetCommand, { Key: docKey(doc.documentId) }).resolves({ Item: docRow(doc) });
    ddbMock.on(GetCommand, { Key: { pk: `DOCUMENT#${doc.documentId}`, sk: `HOLD#${h.holdId}` } }).resolves({
      Item: holdRow(h),
    });
  }

  it('releases the last hold: the due document is filed again under today and S3 legal hold comes off', async () => {
    const doc = due(0, { activeHolds: 1 });
    stored(doc);
    ddbMock.on(TransactWriteCommand).resolves({});
    s3Mock.on(PutObjectLegalHoldCommand).resolves({});

    const res = await release(doc);

    expect(res.statusCode).toBe(200);
    expect(res.body).toMatchObject({ status: 'RELEASED', releasedBy: 'archivist1' });
    const [h, d, audit] = transactItems();
    expect(h?.Update?.ConditionExpression).toBe('#status = :active');
    expect(d?.Update?.ConditionExpression).toBe('activeHolds = :seen');
    expect(d?.Update?.ExpressionAttributeValues).toMatchObject({
      ':seen': 1,
      ':next': 0,
      ':gpk': 'DUE#2036-04',
      ':gsk': `2036-04-20#${doc.documentId}`,
    });
    expect(audit?.Put?.Item).toMatchObject({ action: 'document.hold-released' });
    expect(s3Mock.commandCalls(PutObjectLegalHoldCommand)[0]?.args[0].input.LegalHold).toEqual({
      Status: 'OFF',
    });
  });

  it('keeps S3 legal hold on while another hold is active, and on permanent records', async () => {
    const twice = due(0, { activeHolds: 2 });
    stored(twice);
    ddbMock.on(TransactWriteCommand).resolves({});
    expect((await release(twice)).statusCode).toBe(200);
    expect(transactItems()[1]?.Update?.UpdateExpression).not.toContain('gsi3pk');

    resetMocks();
    strictMocks();
    const forever = archived(0, {
      retentionCode: 'Y',
      legalHold: true,
      activeHolds: 1,
      retainUntil: undefined,
    });
    stored(forever);
    ddbMock.on(TransactWriteCommand).resolves({});
    expect((await release(forever)).statusCode).toBe(200);
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it('lifts the legal hold of a permanent record kept by COMPLIANCE retention, and touches no retention', async () => {
    const permanent = archived(0, {
      docType: 'COMPLETION',
      retentionCode: 'Y',
      retentionTrigger: 'ARCHIVED',
      legalHold: undefined,
      retainUntil: '2126-03-15T09:30:00.000Z',
      activeHolds: 1,
    });
    stored(permanent);
    ddbMock.on(TransactWriteCommand).resolves({});
    s3Mock.on(PutObjectLegalHoldCommand).resolves({});
    expect((await release(permanent)).statusCode).toBe(200);
    expect(s3Mock.calls().map((c) => c.args[0].constructor.name)).toEqual(['PutObjectLegalHoldCommand']);
    expect(s3Mock.commandCalls(PutObjectLegalHoldCommand)[0]?.args[0].input.LegalHold).toEqual({
      Status: 'OFF',
    });
    expect(transactItems()[1]?.Update?.UpdateExpression).not.toContain('gsi3');
  });

  it('404 for an unknown hold and 409 for one already released; nothing written', async () => {
    const doc = due(0, { activeHolds: 1 });
    ddbMock.on(GetCommand).resolves({});
    expect((await release(doc)).statusCode).toBe(404);
    nothingWritten();

    stored(doc, hold(doc.documentId, { status: 'RELEASED', releasedAt: NOW, releasedBy: 'archivist2' }));
    const res = await release(doc);
    expect(res.statusCode).toBe(409);
    expect(errorOf(res.body).message).toMatch(/was released on 2036-04-20T10:00:00.000Z by archivist2/);
    nothingWritten();
  });
});

describe('appraisal decisions through POST /tasks/{taskId}/decision', () => {
  const appraisal = task({
    taskId: `appraisal-${BATCH_ID}-1`,
    kind: 'disposal-appraisal',
    role: 'archivist',
    subjectType: 'disposal',
    subjectId: BATCH_ID,
    requesterSub: undefined,
  });
  const decideAs = (
    body: unknown,
    t = appraisal,
    user: (typeof USERS)[keyof typeof USERS] = USERS.archivist,
  ) =>
    call(decide, {
      routeKey: 'POST /tasks/{taskId}/decision',
      pathParameters: { taskId: t.taskId },
      body,
      user,
    });

  function stored(t = appraisal) {
    ddbMock.on(GetCommand, { Key: { pk: `TASK#${t.taskId}`, sk: 'TASK' } }).resolves({ Item: taskRow(t) });
    ddbMock
      .on(GetCommand, { Key: { pk: `DISPOSAL#${BATCH_ID}`, sk: 'BATCH' } })
      .resolves({ Item: batchRow(batch({ status: 'APPRAISAL' })) });
    ddbMock.on(QueryCommand).resolves({ Items: [itemRow(item(0)), itemRow(item(1))] });
  }

  it('400 for an extension no longer than the years already elapsed, naming the document; nothing written', async () => {
    stored();
    const res = await decideAs({ decision: 'reject', extendYears: 10, reason: '尚有争议' });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res.body).message).toBe(
      `extendYears 10 is not longer than the 10 years already elapsed since the retention clock of ${item(0).archiveCode} started on 2026-04-01`,
    );
    expect(errorOf(res.body).details).toEqual([
      { path: 'extendYears', code: 'invalid', message: 'must be more than 10 (years already elapsed)' },
    ]);
    nothingWritten();
  });

  it.each([
    [
      'keeping the documents without a period',
      { decision: 'reject', comment: 'keep' },
      /rejecting a disposal keeps its documents: give extendYears/,
    ],
    [
      'an extension without a reason',
      { decision: 'approve', extendYears: 20 },
      /reason: an extension needs a reason/,
    ],
    [
      'documents the batch does not propose',
      { decision: 'approve', extendYears: 20, reason: 'x', documentIds: ['nope'] },
      /nope is not a proposed item of this batch/,
    ],
  ])('400 for %s; nothing written', async (_label, body, message) => {
    stored();
    const res = await decideAs(body);
    expect(res.statusCode).toBe(400);
    expect(errorOf(res.body).message).toMatch(message);
    nothingWritten();
  });

  it('400 for an extension on a task that is not an appraisal', async () => {
    stored(task());
    const res = await decideAs({ decision: 'approve', extendYears: 20, reason: 'x' }, task(), USERS.reviewer);
    expect(res.statusCode).toBe(400);
    expect(errorOf(res.body).message).toMatch(/extendYears is only for disposal appraisal tasks/);
    nothingWritten();
  });

  it('records a valid extension and hands it to the workflow', async () => {
    stored();
    ddbMock.on(TransactWriteCommand).resolves({});
    sfnMock.on(SendTaskSuccessCommand).resolves({});
    const res = await decideAs({
      decision: 'approve',
      extendYears: 15,
      reason: '涉诉',
      documentIds: [item(1).documentId],
    });
    expect(res.statusCode).toBe(200);
    expect(
      JSON.parse(sfnMock.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input.output ?? '{}'),
    ).toMatchObject({
      decision: 'approve',
      extendYears: 15,
      reason: '涉诉',
      documentIds: [item(1).documentId],
      decidedBy: 'archivist1',
    });
  });

  it('lets no approver approve a batch they appraised', async () => {
    const approval = task({
      taskId: `approval-${BATCH_ID}-1`,
      kind: 'disposal-approval',
      role: 'approver',
      subjectId: BATCH_ID,
      requesterSub: 'sub-both',
    });
    stored(approval);
    const res = await decideAs({ decision: 'approve' }, approval, {
      sub: 'sub-both',
      username: 'both',
      groups: ['archivist', 'approver'],
    } as never);
    expect(res.statusCode).toBe(403);
    nothingWritten();
  });
});

describe('GET /disposals and GET /disposals/{batchId}', () => {
  const get = (id: string, user: (typeof USERS)[keyof typeof USERS]) =>
    call(getBatchApi, { routeKey: 'GET /disposals/{batchId}', pathParameters: { batchId: id }, user });

  it('shows the tombstones to the auditor, titles of sensitive types masked, with audited links to the list', async () => {
    const closed = batch({
      status: 'DONE',
      list: {
        jsonKey: `destruction-lists/${BATCH_ID}.json`,
        htmlKey: `destruction-lists/${BATCH_ID}.html`,
        jsonVersionId: 'j1',
        htmlVersionId: 'h1',
        sha256: 'f'.repeat(64),
      },
    });
    ddbMock.on(GetCommand).resolves({ Item: batchRow(closed) });
    ddbMock.on(QueryCommand).resolves({
      Items: [itemRow(item(0, { status: 'DESTROYED', destroyedAt: NOW, title: '身份证复印件 张三' }))],
    });
    ddbMock.on(PutCommand).resolves({});

    const res = await get(BATCH_ID, USERS.auditor);

    expect(res.statusCode).toBe(200);
    expect(res.body).toMatchObject({ batchId: BATCH_ID, status: 'DONE', approvedBy: 'approver1' });
    const items = res.body.items as Record<string, unknown>[];
    expect(items[0]).toMatchObject({
      status: 'DESTROYED',
      title: '身***',
      masked: true,
      archiveCode: item(0).archiveCode,
    });
    const links = res.body.links as Record<string, { url: string }>;
    expect(links.html?.url).toContain(`destruction-lists/${BATCH_ID}.html`);
    expect(links.html?.url).toContain('versionId=h1');
    expect(ddbMock.commandCalls(PutCommand)[0]?.args[0].input).toMatchObject({
      TableName: AUDIT_TABLE,
      Item: { action: 'disposal.list-url', targetId: BATCH_ID },
    });
    expect(JSON.stringify(res.body)).not.toContain('executionArn');
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  it('400 for a malformed batch id, 404 for an unknown one, 403 for a clerk', async () => {
    const bad = await get('../../etc', USERS.archivist);
    expect(bad.statusCode).toBe(400);
    expect(errorOf(bad.body).message).toMatch(/is not a disposal batch id/);
    ddbMock.on(GetCommand).resolves({});
    const missing = await get(BATCH_ID, USERS.approver);
    expect(missing.statusCode).toBe(404);
    expect(errorOf(missing.body).message).toBe(`disposal batch ${BATCH_ID} does not exist`);
    expect((await get(BATCH_ID, USERS.clerk)).statusCode).toBe(403);
  });

  it('lists batches newest first, filtered by status', async () => {
    const rows = [
      { ...batchRow(batch({ status: 'DONE' })), gsi1pk: 'DISPOSALS', gsi1sk: `${NOW}#${BATCH_ID}` },
      {
        ...batchRow(batch({ batchId: 'KH-2036-03-20360401-1', status: 'EXTENDED' })),
        gsi1pk: 'DISPOSALS',
        gsi1sk: `${NOW}#KH-2036-03-20360401-1`,
      },
    ];
    ddbMock.on(QueryCommand).resolves({ Items: entries('gsi1', rows) });
    serveItems(ddbMock, rows);
    const res = await call(listBatchesApi, {
      routeKey: 'GET /disposals',
      query: { status: 'DONE' },
      user: USERS.approver,
    });
    expect(res.statusCode).toBe(200);
    expect((res.body.items as { batchId: string }[]).map((b) => b.batchId)).toEqual([BATCH_ID]);
    expect(ddbMock.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({
      IndexName: 'gsi1',
      ScanIndexForward: false,
    });
    const bad = await call(listBatchesApi, {
      routeKey: 'GET /disposals',
      query: { status: 'GONE' },
      user: USERS.auditor,
    });
    expect(bad.statusCode).toBe(400);
    expect(errorOf(bad.body).message).toMatch(/status/);
  });
});

describe('retention clocks started by business facts', () => {
  it('PUT /documents/{id}/contract-end starts the clock of a contract and sets its due day; the same date again changes nothing', async () => {
    const contract = archived(3, {
      docType: 'CONTRACT',
      retentionCode: 'D30',
      retentionTrigger: 'CONTRACT_END',
    });
    ddbMock.on(GetCommand).resolves({ Item: docRow(contract) });
    ddbMock.on(TransactWriteCommand).resolves({});
    const put = (endedOn: string) =>
      call(contractEnd, {
        routeKey: 'PUT /documents/{documentId}/contract-end',
        pathParameters: { documentId: contract.documentId },
        body: { endedOn },
        user: USERS.clerk,
      });

    const res = await put('2030-06-30');

    expect(res.statusCode).toBe(200);
    const [update, audit] = transactItems();
    expect(update?.Update?.ConditionExpression).toContain('attribute_not_exists(clockStart)');
    expect(update?.Update?.ExpressionAttributeValues).toMatchObject({
      ':start': '2030-06-30T00:00:00.000Z',
      ':due': '2060-06-30',
      ':gpk': 'DUE#2060-06',
    });
    expect(audit?.Put?.Item).toMatchObject({
      action: 'document.retention-started',
      actorSub: USERS.clerk.sub,
    });

    resetMocks();
    strictMocks();
    ddbMock.on(GetCommand).resolves({
      Item: docRow({ ...contract, clockStart: '2030-06-30T00:00:00.000Z', dueOn: '2060-06-30' }),
    });
    const again = await put('2030-06-30');
    expect(again.statusCode).toBe(200);
    expect(again.body.changed).toBe(false);
    expect(writesAttempted()).toBe(0);
    const other = await put('2031-01-01');
    expect(other.statusCode).toBe(409);
    expect(errorOf(other.body).message).toMatch(/started on 2030-06-30, not 2031-01-01/);
    expect(writesAttempted()).toBe(0);
  });

  it.each([
    ['a future date', { endedOn: '2099-01-01' }, 400, /endedOn 2099-01-01 is in the future/],
    ['a malformed date', { endedOn: '30/06/2030' }, 400, /endedOn: must be a date YYYY-MM-DD/],
  ])('refuses %s; nothing written', async (_l, body, status, message) => {
    ddbMock.on(GetCommand).resolves({ Item: docRow(archived(3, { retentionTrigger: 'CONTRACT_END' })) });
    const res = await call(contractEnd, {
      routeKey: 'PUT /documents/{documentId}/contract-end',
      pathParameters: { documentId: archived(3).documentId },
      body,
      user: USERS.archivist,
    });
    expect(res.statusCode).toBe(status);
    expect(errorOf(res.body).message).toMatch(message);
    nothingWritten();
  });

  it('409 for a document whose retention does not wait for a contract end', async () => {
    ddbMock.on(GetCommand).resolves({ Item: docRow(archived(1)) });
    const res = await call(contractEnd, {
      routeKey: 'PUT /documents/{documentId}/contract-end',
      pathParameters: { documentId: archived(1).documentId },
      body: { endedOn: '2030-01-01' },
      user: USERS.archivist,
    });
    expect(res.statusCode).toBe(409);
    expect(errorOf(res.body).message).toMatch(
      /starts its retention at ACCOUNT_CLOSED, not at a contract end/,
    );
    nothingWritten();
  });

  it('closing an account starts ACCOUNT_CLOSED clocks and contracts not ended before; others are left alone', async () => {
    const idCopy = archived(1);
    const contract = archived(3, {
      docType: 'CONTRACT',
      retentionCode: 'D30',
      retentionTrigger: 'CONTRACT_END',
    });
    const endedEarlier = archived(2, {
      docType: 'CONTRACT',
      retentionCode: 'D30',
      retentionTrigger: 'CONTRACT_END',
      clockStart: '2028-01-01T00:00:00.000Z',
    });
    const meter = archived(0, { docType: 'METERWO', retentionTrigger: 'YEAR_END' });
    const rows = [idCopy, contract, endedEarlier, meter].map((d) => docRow(d));
    ddbMock.on(QueryCommand).resolves({ Items: rows.map((r) => ({ pk: r.pk, sk: r.sk })) });
    serveItems(ddbMock, rows);
    ddbMock.on(TransactWriteCommand).resolves({});

    const out = await accountClosed(
      CUSTOMER_ID,
      '2030-05-31',
      { sub: USERS.clerk.sub, username: USERS.clerk.username, roles: ['clerk'] },
      new Date(NOW),
    );

    expect(out.started).toEqual([
      { documentId: idCopy.documentId, dueOn: '2040-05-31' },
      { documentId: contract.documentId, dueOn: '2060-05-31' },
    ]);
    expect(out.conflicts.map((c) => c.documentId)).toEqual([endedEarlier.documentId]);
    expect(ddbMock.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({
      IndexName: 'gsi2',
      ExpressionAttributeValues: { ':pk': `CUSTOMER#${CUSTOMER_ID}`, ':doc': 'DOCUMENT#' },
    });
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(2);
  });
});
