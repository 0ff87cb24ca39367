import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DeleteObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  PutObjectRetentionCommand,
} from '../../functions/adapters/s3-commands.ts';
import { archiveObjectKey } from '../../functions/core/documents.ts';
import { handler as abandon } from '../../functions/steps/disposal-abandon.ts';
import { handler as appraised } from '../../functions/steps/disposal-appraised.ts';
import { handler as approved } from '../../functions/steps/disposal-approved.ts';
import { handler as destroy } from '../../functions/steps/disposal-destroy.ts';
import { handler as finish } from '../../functions/steps/disposal-finish.ts';
import { handler as openTask } from '../../functions/steps/disposal-open-task.ts';
import {
  BATCH_ID,
  batch,
  batchRow,
  clockAt,
  docRow,
  due,
  item,
  itemRow,
  setEnv,
} from './disposal-fixtures.ts';
import {
  ARCHIVE,
  AUDIT_TABLE,
  cancelled,
  ddbMock,
  INTAKE,
  namedError,
  resetMocks,
  s3Mock,
  strictMocks,
  transactItems,
  writesAttempted,
} from './intake-fixtures.ts';

const NOW = '2036-04-20T10:00:00.000Z';
const BATCH_KEY = { pk: `DISPOSAL#${BATCH_ID}`, sk: 'BATCH' };

beforeEach(() => {
  setEnv();
  strictMocks();
  clockAt(NOW);
});
afterEach(() => {
  resetMocks();
  delete process.env.DANGAN_CLOCK_OFFSET_SECONDS;
});

const doc0 = due(0, { disposalBatchId: BATCH_ID });
const key0 = `originals/${doc0.documentId}`;
const docKey = (id: string) => ({ pk: `DOCUMENT#${id}`, sk: 'DOCUMENT' });
const itemKey = (id: string) => ({ pk: `DISPOSAL#${BATCH_ID}`, sk: `ITEM#${id}` });

function stored(doc = doc0, b = batch(), it = item(0)) {
  ddbMock.on(GetCommand, { Key: BATCH_KEY }).resolves({ Item: batchRow(b) });
  ddbMock.on(GetCommand, { Key: itemKey(it.documentId) }).resolves({ Item: itemRow(it) });
  ddbMock.on(GetCommand, { Key: docKey(doc.documentId) }).resolves({ Item: docRow(doc) });
  ddbMock
    .on(QueryCommand, { ExpressionAttributeValues: { ':pk': `LOANGRANT#${doc.documentId}` } })
    .resolves({ Items: [] });
}

const versions = (...ids: string[]) => ({
  Versions: ids.map((VersionId) => ({ Key: key0, VersionId })),
  DeleteMarkers: [],
  IsTruncated: false,
});

const deletes = () => s3Mock.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input);

describe('disposal-destroy', () => {
  const input = { batchId: BATCH_ID, documentId: doc0.documentId };

  it('deletes every version of the original, the recorded one last, and leaves a tombstone', async () => {
    stored();
    ddbMock.on(UpdateCommand).resolves({});
    s3Mock.on(ListObjectVersionsCommand).resolvesOnce(versions('v-0', 'v-retry')).resolves(versions());
    s3Mock.on(DeleteObjectCommand).resolves({});
    s3Mock.on(HeadObjectCommand, { Bucket: INTAKE }).rejects(namedError('NotFound'));
    ddbMock.on(TransactWriteCommand).resolves({});

    const out = await destroy(input);

    expect(out).toEqual({ documentId: doc0.documentId, status: 'DESTROYED' });
    const begin = ddbMock.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(begin?.UpdateExpression).toBe('SET destroying = :batch, updatedAt = :at');
    expect(begin?.ConditionExpression).toContain(
      '(attribute_not_exists(activeHolds) OR activeHolds = :zero)',
    );
    expect(deletes()).toEqual([
      { Bucket: ARCHIVE, Key: key0, VersionId: 'v-retry' },
      { Bucket: ARCHIVE, Key: key0, VersionId: 'v-0' },
    ]);
    const tomb = transactItems(0);
    expect(tomb[0]?.Update?.Key).toEqual(itemKey(doc0.documentId));
    expect(tomb[0]?.Update?.ExpressionAttributeValues).toMatchObject({ ':to': 'DESTROYED' });
    expect(tomb[1]?.Update?.ConditionExpression).toBe('#status = :archived AND destroying = :batch');
    expect(tomb[1]?.Update?.ExpressionAttributeValues).toMatchObject({
      ':disposed': 'DISPOSED',
      ':approver': 'approver1',
      ':appraiser': 'archivist1',
    });
    expect(tomb[2]?.Put?.Item).toMatchObject({ action: 'document.disposed', targetId: doc0.documentId });
  });

  it('marks the item FAILED when S3 refuses a locked version; nothing else is deleted or lost', async () => {
    stored();
    ddbMock.on(UpdateCommand).resolves({});
    s3Mock.on(ListObjectVersionsCommand).resolves(versions('v-0'));
    const refusal = Object.assign(
      namedError('AccessDenied', 'Access Denied because object protected by object lock.'),
      {
        $metadata: { httpStatusCode: 403 },
      },
    );
    s3Mock.on(DeleteObjectCommand).rejects(refusal);
    s3Mock.on(HeadObjectCommand, { Bucket: ARCHIVE, Key: key0, VersionId: 'v-0' }).resolves({
      ObjectLockRetainUntilDate: new Date('2040-01-01T12:00:00.000Z'),
      ObjectLockMode: 'COMPLIANCE',
    });
    ddbMock.on(TransactWriteCommand).resolves({});

    const out = await destroy(input);

    expect(out.status).toBe('FAILED');
    expect(out.reason).toMatch(/S3 refused to delete version v-0 of originals\/.*Object Lock|object lock/i);
    expect(out.reason).toContain('locked until 2040-01-01T12:00:00.000Z');
    expect(deletes()).toHaveLength(1);
    const failed = transactItems(0);
    expect(failed[0]?.Update?.ExpressionAttributeValues).toMatchObject({ ':to': 'FAILED' });
    // The document stays ARCHIVED, leaves the batch and is filed under the day its lock passes.
    expect(failed[1]?.Update?.ConditionExpression).toBe('#status = :archived AND disposalBatchId = :batch');
    expect(failed[1]?.Update?.UpdateExpression).toContain('REMOVE disposalBatchId, destroying');
    expect(failed[1]?.Update?.ExpressionAttributeValues).toMatchObject({
      ':gpk': 'DUE#2040-01',
      ':gsk': `2040-01-02#${doc0.documentId}`,
    });
    expect(failed[1]?.Update?.UpdateExpression).not.toContain('DISPOSED');
    expect(failed[2]?.Put?.Item).toMatchObject({ action: 'disposal.item-failed' });
  });

  it('converges after a crash between the deletes and the tombstone: nothing deleted twice, tombstone written', async () => {
    stored({ ...doc0, destroying: BATCH_ID });
    s3Mock.on(ListObjectVersionsCommand).resolves(versions());
    s3Mock.on(HeadObjectCommand, { Bucket: INTAKE }).rejects(namedError('NotFound'));
    ddbMock.on(TransactWriteCommand).resolves({});

    const out = await destroy(input);

    expect(out.status).toBe('DESTROYED');
    expect(deletes()).toEqual([]);
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(transactItems(0)[1]?.Update?.ExpressionAttributeValues).toMatchObject({ ':disposed': 'DISPOSED' });
  });

  it('answers a settled item as it is, touching nothing', async () => {
    stored(doc0, batch(), item(0, { status: 'DESTROYED' }));
    expect(await destroy(input)).toEqual({ documentId: doc0.documentId, status: 'DESTROYED' });
    expect(writesAttempted()).toBe(0);
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it('pulls a document held since it was proposed out of the batch; S3 is not touched', async () => {
    stored({ ...doc0, activeHolds: 1 });
    ddbMock.on(TransactWriteCommand).resolves({});

    const out = await destroy(input);

    expect(out).toMatchObject({ status: 'PULLED', reason: 'placed on hold after it was proposed' });
    expect(s3Mock.calls()).toHaveLength(0);
    const pulled = transactItems(0);
    expect(pulled[0]?.Update?.ExpressionAttributeValues).toMatchObject({ ':to': 'PULLED' });
    // Held: not filed again until the hold goes.
    expect(pulled[1]?.Update?.UpdateExpression).toBe('SET updatedAt = :at REMOVE disposalBatchId');
  });

  it('pulls a document out on loan and files it after the loan', async () => {
    stored();
    ddbMock
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': `LOANGRANT#${doc0.documentId}` } })
      .resolves({ Items: [{ loanId: 'l1', status: 'ACTIVE', dueAt: '2036-04-25T09:00:00.000Z' }] });
    ddbMock.on(TransactWriteCommand).resolves({});

    const out = await destroy(input);

    expect(out.status).toBe('PULLED');
    expect(s3Mock.calls()).toHaveLength(0);
    expect(transactItems(0)[1]?.Update?.ExpressionAttributeValues).toMatchObject({
      ':gsk': `2036-04-26#${doc0.documentId}`,
    });
  });

  it('refuses to destroy anything of a batch nobody approved', async () => {
    stored(doc0, batch({ status: 'APPROVAL', approvedBy: undefined }));
    await expect(destroy(input)).rejects.toMatchObject({ name: 'WorkflowStateError' });
    expect(writesAttempted()).toBe(0);
    expect(s3Mock.calls()).toHaveLength(0);
  });
});

describe('disposal-open-task', () => {
  it('opens the appraisal for archivists, moves the batch and keeps the token server-side', async () => {
    ddbMock.on(GetCommand, { Key: BATCH_KEY }).resolves({ Item: batchRow(batch({ status: 'PROPOSED' })) });
    ddbMock.on(QueryCommand).resolves({ Items: [itemRow(item(0)), itemRow(item(1, { status: 'PULLED' }))] });
    ddbMock.on(TransactWriteCommand).resolves({});

    const out = await openTask({
      taskToken: 'tok',
      batchId: BATCH_ID,
      kind: 'disposal-appraisal',
      round: 1,
      enteredAt: '2036-04-10T18:00:01.000Z',
      timeoutSeconds: 2592000,
      executionId: 'arn:exec',
    });

    expect(out.taskId).toBe(`appraisal-${BATCH_ID}-1`);
    const tx = transactItems(0);
    expect(tx[0]?.Put?.Item).toMatchObject({
      kind: 'disposal-appraisal',
      role: 'archivist',
      gsi1pk: expect.stringMatching(/^OPENTASKS#archivist#[0-3]$/),
      taskToken: 'tok',
      dueAt: '2036-05-10T18:00:01.000Z',
      summary: expect.objectContaining({ documentCount: 1, batchId: BATCH_ID }),
    });
    expect(tx[1]?.Update?.UpdateExpression).toContain('REMOVE gsi2pk, gsi2sk');
  });

  it('assigns the approval to approvers with the appraiser as requester (never their own)', async () => {
    ddbMock.on(GetCommand, { Key: BATCH_KEY }).resolves({ Item: batchRow(batch({ status: 'APPRAISAL' })) });
    ddbMock.on(QueryCommand).resolves({ Items: [itemRow(item(0))] });
    ddbMock.on(TransactWriteCommand).resolves({});
    await openTask({
      taskToken: 'tok',
      batchId: BATCH_ID,
      kind: 'disposal-approval',
      round: 1,
      enteredAt: NOW,
      timeoutSeconds: 60,
    });
    expect(transactItems(0)[0]?.Put?.Item).toMatchObject({
      role: 'approver',
      requesterSub: 'sub-archivist1',
    });
  });
});

describe('disposal-appraised', () => {
  const decision = {
    decision: 'approve' as const,
    decidedBy: 'archivist1',
    decidedBySub: 'sub-archivist1',
    comment: '',
  };

  it('extends the named documents: new period and due day, lock extended, out of the batch', async () => {
    const d1 = due(1, { disposalBatchId: BATCH_ID });
    ddbMock.on(GetCommand, { Key: BATCH_KEY }).resolves({ Item: batchRow(batch({ status: 'APPRAISAL' })) });
    ddbMock
      .on(QueryCommand)
      .resolvesOnce({ Items: [itemRow(item(0)), itemRow(item(1))] })
      .resolves({ Items: [itemRow(item(0)), itemRow(item(1, { status: 'EXTENDED' }))] });
    ddbMock.on(GetCommand, { Key: docKey(d1.documentId) }).resolves({ Item: docRow(d1) });
    s3Mock.on(PutObjectRetentionCommand).resolves({});
    ddbMock.on(TransactWriteCommand).resolves({});

    const out = await appraised({
      batchId: BATCH_ID,
      round: 1,
      decision: {
        ...decision,
        extendYears: 15,
        reason: '涉诉 pending litigation',
        documentIds: [d1.documentId],
      },
    });

    expect(out).toEqual({ remaining: 1, extended: 1 });
    expect(s3Mock.commandCalls(PutObjectRetentionCommand)[0]?.args[0].input).toMatchObject({
      Key: archiveObjectKey(d1.documentId),
      VersionId: d1.archiveVersionId,
      Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date('2041-04-01T00:00:00.000Z') },
    });
    const ext = transactItems(0);
    expect(ext[0]?.Update?.ExpressionAttributeValues).toMatchObject({ ':to': 'EXTENDED' });
    expect(ext[1]?.Update?.ExpressionAttributeValues).toMatchObject({
      ':years': 15,
      ':due': '2041-04-01',
      ':gpk': 'DUE#2041-04',
      ':until': '2041-04-01T00:00:00.000Z',
    });
    expect(ext[1]?.Update?.UpdateExpression).toContain('REMOVE disposalBatchId');
    expect(transactItems(1)[1]?.Put?.Item).toMatchObject({ action: 'disposal.appraised' });
  });

  it('does it once: a second run after the batch moved on changes nothing', async () => {
    ddbMock.on(GetCommand, { Key: BATCH_KEY }).resolves({ Item: batchRow(batch({ status: 'APPROVAL' })) });
    ddbMock
      .on(QueryCommand)
      .resolves({ Items: [itemRow(item(0)), itemRow(item(1, { status: 'EXTENDED' }))] });
    expect(await appraised({ batchId: BATCH_ID, round: 1, decision })).toEqual({ remaining: 1, extended: 1 });
    expect(writesAttempted()).toBe(0);
  });
});

describe('disposal-approved', () => {
  it('moves the batch to DESTROYING with the approver and lists the documents to destroy', async () => {
    ddbMock
      .on(GetCommand, { Key: BATCH_KEY })
      .resolves({ Item: batchRow(batch({ status: 'APPROVAL', approvedBy: undefined })) });
    ddbMock.on(TransactWriteCommand).resolves({});
    ddbMock.on(QueryCommand).resolves({ Items: [itemRow(item(0)), itemRow(item(1, { status: 'PULLED' }))] });

    const out = await approved({
      batchId: BATCH_ID,
      decision: { decision: 'approve', decidedBy: 'approver1', decidedBySub: 'sub-approver1' },
    });

    expect(out.items).toEqual([item(0).documentId]);
    expect(transactItems(0)[0]?.Update?.ExpressionAttributeValues).toMatchObject({ ':to': 'DESTROYING' });
  });
});

describe('disposal-finish', () => {
  it('writes the destruction list as JSON and HTML under COMPLIANCE retention and closes the batch', async () => {
    ddbMock.on(GetCommand, { Key: BATCH_KEY }).resolves({ Item: batchRow(batch()) });
    ddbMock.on(QueryCommand).resolves({
      Items: [
        itemRow(item(0, { status: 'DESTROYED', destroyedAt: NOW })),
        itemRow(item(1, { status: 'FAILED', reason: 'locked' })),
      ],
    });
    s3Mock.on(HeadObjectCommand).rejects(namedError('NotFound'));
    s3Mock.on(PutObjectCommand).resolves({ VersionId: 'lv1' });
    ddbMock.on(TransactWriteCommand).resolves({});

    const out = await finish({ batchId: BATCH_ID, outcome: 'destroyed' });

    expect(out.status).toBe('DONE');
    const puts = s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    // Kept for good: a century ahead (of the step's clock), extended by the sweep; never a legal hold.
    const until = puts[0]?.ObjectLockRetainUntilDate?.toISOString() ?? '';
    expect(until.slice(0, 16)).toBe('2136-04-20T10:00');
    expect(
      puts.map((p) => [
        p.Key,
        p.ObjectLockMode,
        p.ObjectLockRetainUntilDate?.toISOString(),
        (p as { ObjectLockLegalHoldStatus?: string }).ObjectLockLegalHoldStatus,
        p.ContentType,
      ]),
    ).toEqual([
      [
        `destruction-lists/${BATCH_ID}.json`,
        'COMPLIANCE',
        until,
        undefined,
        'application/json; charset=utf-8',
      ],
      [`destruction-lists/${BATCH_ID}.html`, 'COMPLIANCE', until, undefined, 'text/html; charset=utf-8'],
    ]);
    const list = JSON.parse(String(puts[0]?.Body));
    expect(list.destroyed.map((r: { archiveCode: string }) => r.archiveCode)).toEqual([item(0).archiveCode]);
    expect(list.notDestroyed[0]).toMatchObject({ status: 'FAILED', note: 'locked' });
    expect(list.approvedBy).toBe('approver1');
    const closed = transactItems(0);
    const values = Object.values(closed[0]?.Update?.ExpressionAttributeValues ?? {});
    expect(closed[0]?.Update?.ExpressionAttributeValues).toMatchObject({ ':to': 'DONE' });
    // The batch is filed among the permanent locks under the day fewer than 90 years remain.
    expect(values).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ retainUntil: until }),
        'LOCKS#PERMANENT',
        `2046-04-20#DISPOSAL#${BATCH_ID}`,
      ]),
    );
    expect(closed[1]?.Put?.TableName).toBe(AUDIT_TABLE);
  });

  it('marks items the Map left unsettled FAILED, files them for a later sweep, and lists them', async () => {
    ddbMock.on(GetCommand, { Key: BATCH_KEY }).resolves({ Item: batchRow(batch()) });
    ddbMock
      .on(QueryCommand)
      .resolvesOnce({ Items: [itemRow(item(0))] })
      .resolves({
        Items: [itemRow(item(0, { status: 'FAILED', reason: 'the destroy step did not finish' }))],
      });
    ddbMock.on(TransactWriteCommand).resolves({});
    s3Mock.on(HeadObjectCommand).rejects(namedError('NotFound'));
    s3Mock.on(PutObjectCommand).resolves({ VersionId: 'lv1' });

    const out = await finish({ batchId: BATCH_ID, outcome: 'destroyed' });

    expect(out.status).toBe('DONE');
    const failed = transactItems(0);
    expect(failed[0]?.Update?.ExpressionAttributeValues).toMatchObject({ ':to': 'FAILED' });
    expect(failed[1]?.Update?.ExpressionAttributeValues).toMatchObject({
      ':gsk': `2036-04-21#${item(0).documentId}`,
    });
    const list = JSON.parse(String(s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input.Body));
    expect(list.destroyed).toEqual([]);
    expect(list.notDestroyed[0]).toMatchObject({ status: 'FAILED' });
  });

  it('reuses a list a crashed run already wrote', async () => {
    ddbMock.on(GetCommand, { Key: BATCH_KEY }).resolves({ Item: batchRow(batch()) });
    ddbMock.on(QueryCommand).resolves({ Items: [itemRow(item(0, { status: 'DESTROYED' }))] });
    s3Mock
      .on(HeadObjectCommand)
      .resolves({ VersionId: 'old', Metadata: { 'batch-id': BATCH_ID, sha256: 'f'.repeat(64) } });
    ddbMock.on(TransactWriteCommand).resolves({});
    await finish({ batchId: BATCH_ID, outcome: 'destroyed' });
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
  });
});

describe('disposal-abandon', () => {
  it('expires the open task and gives proposed documents back to the next sweep', async () => {
    ddbMock.on(GetCommand, { Key: BATCH_KEY }).resolves({ Item: batchRow(batch({ status: 'APPRAISAL' })) });
    ddbMock.on(UpdateCommand).resolves({});
    ddbMock.on(QueryCommand).resolves({ Items: [itemRow(item(0))] });
    ddbMock.on(TransactWriteCommand).resolves({});

    const out = await abandon({ batchId: BATCH_ID, round: 1, reason: 'Nobody appraised the batch in time' });

    expect(out).toEqual({ status: 'ABANDONED', released: 1 });
    expect(ddbMock.commandCalls(UpdateCommand)[0]?.args[0].input.Key).toEqual({
      pk: `TASK#appraisal-${BATCH_ID}-1`,
      sk: 'TASK',
    });
    expect(transactItems(0)[1]?.Update?.ExpressionAttributeValues).toMatchObject({
      ':gsk': `2036-04-20#${item(0).documentId}`,
    });
    expect(transactItems(1)[0]?.Update?.ExpressionAttributeValues).toMatchObject({ ':to': 'ABANDONED' });
  });

  it('is safe to run again', async () => {
    ddbMock.on(GetCommand, { Key: BATCH_KEY }).resolves({ Item: batchRow(batch({ status: 'ABANDONED' })) });
    ddbMock.on(UpdateCommand).rejects(namedError('ConditionalCheckFailedException'));
    ddbMock.on(QueryCommand).resolves({ Items: [itemRow(item(0, { status: 'PULLED' }))] });
    ddbMock.on(TransactWriteCommand).rejects(cancelled(['ConditionalCheckFailed', 'None']));
    expect(await abandon({ batchId: BATCH_ID, round: 1, reason: 'x' })).toEqual({
      status: 'ABANDONED',
      released: 0,
    });
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });
});
