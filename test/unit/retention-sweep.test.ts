import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { INDEX } from '../../functions/adapters/dynamo/keys.ts';
import { logger } from '../../functions/adapters/logger.ts';
import { GetObjectCommand, ListObjectsV2Command } from '../../functions/adapters/s3-commands.ts';
import { handler } from '../../functions/events/retention-sweep.ts';
import { checkFixity } from '../../functions/services/fixity.ts';
import { sweepDue } from '../../functions/services/retention-sweep.ts';
import { archived, clockAt, DISPOSAL_WORKFLOW_ARN, docRow, due, setEnv } from './disposal-fixtures.ts';
import {
  ARCHIVE,
  AUDIT_TABLE,
  cancelled,
  ddbMock,
  namedError,
  objectBody,
  resetMocks,
  s3Mock,
  sfnMock,
  strictMocks,
  TABLE,
  transactItems,
  writesAttempted,
} from './intake-fixtures.ts';
import { entries, serveItems } from './keys-only-index.ts';

const TODAY = '2036-04-10T18:00:00.000Z';
const SWEEP_KEY = { pk: 'SWEEP#retention', sk: 'SWEEP' };
const FIXITY_KEY = { pk: 'SWEEP#fixity', sk: 'SWEEP' };
const PERMANENCE_KEY = { pk: 'SWEEP#permanence', sk: 'SWEEP' };

beforeEach(() => {
  setEnv();
  strictMocks();
  // A batch is put on watch when its workflow is started (the stuck check).
  ddbMock.on(PutCommand, { Item: { entity: 'watch', kind: 'disposal' } }).resolves({});
});
afterEach(() => {
  indexedRows = [];
  resetMocks();
  vi.restoreAllMocks();
  delete process.env.DANGAN_CLOCK_OFFSET_SECONDS;
});

/** The rows the due-date index holds (set by `index`), read from the table by their keys. */
let indexedRows: Record<string, unknown>[] = [];

/**
 * The table behind BatchGetItem: customers by id and region, as the sweep reads their regions (HZ
 * when not named, none when null), and the rows the due-date index holds.
 */
function customersIn(regions: Record<string, string | null> = {}) {
  ddbMock.on(BatchGetCommand).callsFake((input: BatchGetCommandInput) => {
    const keys = input.RequestItems?.[TABLE]?.Keys ?? [];
    const found = keys.flatMap((k) => {
      if (!String(k.pk).startsWith('CUSTOMER#')) {
        const row = indexedRows.find((r) => r.pk === k.pk && r.sk === k.sk);
        return row ? [row] : [];
      }
      const customerId = String(k.pk).slice('CUSTOMER#'.length);
      const region = regions[customerId] === undefined ? 'HZ' : regions[customerId];
      return region === null ? [] : [{ pk: k.pk, sk: k.sk, customerId, region }];
    });
    return { Responses: { [TABLE]: found } };
  });
}

/** The index holds these rows per month (keys only); everything else is empty. */
function index(rows: Record<string, Record<string, unknown>[]>, watermark?: string) {
  indexedRows = Object.values(rows).flat();
  customersIn();
  ddbMock
    .on(GetCommand, { Key: SWEEP_KEY })
    .resolves(watermark ? { Item: { ...SWEEP_KEY, sweptThrough: watermark } } : {});
  ddbMock.on(QueryCommand, { IndexName: 'gsi2' }).resolves({ Items: [] });
  ddbMock.on(QueryCommand, { IndexName: INDEX.gsi3.name }).resolves({ Items: [] });
  for (const [month, items] of Object.entries(rows)) {
    ddbMock
      .on(QueryCommand, { IndexName: INDEX.gsi3.name, ExpressionAttributeValues: { ':pk': `DUE#${month}` } })
      .resolves({ Items: entries('gsi3', items) });
  }
  ddbMock.on(QueryCommand, { KeyConditionExpression: 'pk = :pk' }).resolves({ Items: [] });
}

const gsi3Queries = () =>
  ddbMock
    .commandCalls(QueryCommand)
    .map((c) => c.args[0].input)
    .filter((i) => i.IndexName === INDEX.gsi3.name);

describe('sweepDue', () => {
  it('reads only the months since the watermark, through today, with no Scan', async () => {
    index({}, '2036-02-20');
    ddbMock.on(UpdateCommand, { Key: SWEEP_KEY }).resolves({});

    const summary = await sweepDue(new Date(TODAY));

    expect(
      gsi3Queries().map((q) => [q.ExpressionAttributeValues?.[':pk'], q.KeyConditionExpression]),
    ).toEqual([
      ['DUE#2036-02', 'gsi3pk = :pk AND gsi3sk < :next'],
      ['DUE#2036-03', 'gsi3pk = :pk AND gsi3sk < :next'],
      ['DUE#2036-04', 'gsi3pk = :pk AND gsi3sk < :next'],
    ]);
    expect(gsi3Queries()[2]?.ExpressionAttributeValues?.[':next']).toBe('2036-04-11');
    expect(ddbMock.calls().some((c) => c.args[0].constructor.name === 'ScanCommand')).toBe(false);
    expect(summary).toMatchObject({
      sweptFrom: '2036-02-20',
      sweptThrough: '2036-04-10',
      found: 0,
      batches: [],
    });
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
    const mark = ddbMock.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(mark?.ConditionExpression).toBe('attribute_not_exists(sweptThrough) OR sweptThrough <= :day');
    expect(mark?.ExpressionAttributeValues?.[':day']).toBe('2036-04-10');
  });

  it('proposes due documents into one batch per category and due month and starts its workflow', async () => {
    const a = due(0, { dueOn: '2036-03-20' });
    const b = due(1, { dueOn: '2036-04-01' });
    const c = due(2, { dueOn: '2036-04-09' });
    index(
      {
        '2036-03': [docRow(a, { day: '2036-03-20' })],
        '2036-04': [docRow(b, { day: '2036-04-01' }), docRow(c, { day: '2036-04-09' })],
      },
      '2036-03-01',
    );
    ddbMock.on(TransactWriteCommand).resolves({});
    ddbMock.on(UpdateCommand).resolves({});
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec' });

    const summary = await sweepDue(new Date(TODAY));

    expect(summary.batches).toEqual(['KH-2036-03-20360410-HZ-1', 'KH-2036-04-20360410-HZ-1']);
    expect(summary.proposed).toBe(3);
    const april = transactItems(1);
    // The batch (created, or grown while still PROPOSED), two writes per document, the audit event.
    expect(april).toHaveLength(1 + 2 * 2 + 1);
    expect(april[0]?.Update?.Key).toEqual({ pk: 'DISPOSAL#KH-2036-04-20360410-HZ-1', sk: 'BATCH' });
    expect(april[0]?.Update?.ConditionExpression).toBe(
      'attribute_not_exists(pk) OR (#status = :proposed AND itemCount <= :room)',
    );
    expect(april[1]?.Update?.ConditionExpression).toContain('gsi3pk = :gpk AND gsi3sk = :gsk');
    expect(april[1]?.Update?.ConditionExpression).toContain('attribute_not_exists(disposalBatchId)');
    expect(april[1]?.Update?.ConditionExpression).toContain('activeHolds = :zero');
    expect(april[1]?.Update?.UpdateExpression).toContain('REMOVE gsi3pk, gsi3sk');
    expect(april[2]?.Put?.Item).toMatchObject({
      pk: 'DISPOSAL#KH-2036-04-20360410-HZ-1',
      sk: `ITEM#${b.documentId}`,
      status: 'PROPOSED',
      archiveCode: b.archiveCode,
      dueOn: '2036-04-01',
    });
    expect(april[5]?.Put?.TableName).toBe(AUDIT_TABLE);
    expect(april[5]?.Put?.Item).toMatchObject({
      action: 'disposal.proposed',
      targetId: 'KH-2036-04-20360410-HZ-1',
    });
    const starts = sfnMock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input);
    expect(starts).toEqual([
      {
        stateMachineArn: DISPOSAL_WORKFLOW_ARN,
        name: 'KH-2036-03-20360410-HZ-1',
        input: '{"batchId":"KH-2036-03-20360410-HZ-1"}',
      },
      {
        stateMachineArn: DISPOSAL_WORKFLOW_ARN,
        name: 'KH-2036-04-20360410-HZ-1',
        input: '{"batchId":"KH-2036-04-20360410-HZ-1"}',
      },
    ]);
  });

  it('splits a month into one batch per region of the documents’ customers', async () => {
    const hz = due(0);
    const nb = due(1, { customerId: 'customer-nb' });
    const gone = due(2, { customerId: 'customer-gone' });
    index(
      {
        '2036-04': [
          docRow(hz, { day: '2036-04-01' }),
          docRow(nb, { day: '2036-04-01' }),
          docRow(gone, { day: '2036-04-01' }),
        ],
      },
      '2036-04-10',
    );
    customersIn({ 'customer-nb': 'NB', 'customer-gone': null });
    ddbMock.on(TransactWriteCommand).resolves({});
    ddbMock.on(UpdateCommand).resolves({});
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec' });

    const summary = await sweepDue(new Date(TODAY));

    // A customer that cannot be read files under the default region rather than stay unproposed.
    expect(summary.batches).toEqual([
      'KH-2036-04-20360410-DEFAULT-1',
      'KH-2036-04-20360410-HZ-1',
      'KH-2036-04-20360410-NB-1',
    ]);
    const batches = [0, 1, 2].map((n) => transactItems(n)[0]?.Update?.ExpressionAttributeValues ?? {});
    expect(
      batches.map((v) => Object.values(v).filter((x) => ['DEFAULT', 'HZ', 'NB'].includes(String(x)))),
    ).toEqual([['DEFAULT'], ['HZ'], ['NB']]);
    expect(transactItems(2)[2]?.Put?.Item).toMatchObject({ documentId: nb.documentId });
  });

  it('leaves out held documents (out of the index) and lent ones (filed after the loan)', async () => {
    const held = due(0, { activeHolds: 1 });
    const lent = due(1);
    index(
      { '2036-04': [docRow(held, { day: '2036-04-01' }), docRow(lent, { day: '2036-04-01' })] },
      '2036-04-01',
    );
    ddbMock
      .on(QueryCommand, {
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `LOANGRANT#${lent.documentId}` },
      })
      .resolves({ Items: [{ loanId: 'loan-1', status: 'ACTIVE', dueAt: '2036-04-20T09:00:00.000Z' }] });
    ddbMock.on(UpdateCommand).resolves({});

    const summary = await sweepDue(new Date(TODAY));

    expect(summary).toMatchObject({ found: 2, proposed: 0, held: 1, onLoan: 1, batches: [] });
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
    const updates = ddbMock.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(updates[0]).toMatchObject({
      Key: { pk: `DOCUMENT#${held.documentId}`, sk: 'DOCUMENT' },
      UpdateExpression: 'REMOVE gsi3pk, gsi3sk',
      ConditionExpression: 'gsi3pk = :gpk AND gsi3sk = :gsk',
    });
    expect(updates[1]).toMatchObject({
      Key: { pk: `DOCUMENT#${lent.documentId}`, sk: 'DOCUMENT' },
      UpdateExpression: 'SET gsi3pk = :npk, gsi3sk = :nsk',
      ExpressionAttributeValues: expect.objectContaining({
        ':npk': 'DUE#2036-04',
        ':nsk': `2036-04-21#${lent.documentId}`,
      }),
    });
  });

  it('makes no second batch when the same day runs again: claimed documents are gone from the index, raced ones refused', async () => {
    const a = due(0);
    index({ '2036-04': [docRow(a, { day: '2036-04-01' })] }, '2036-04-10');
    // Another run claimed the document between our read and our write.
    ddbMock.on(TransactWriteCommand).rejects(cancelled(['None', 'ConditionalCheckFailed', 'None', 'None']));
    ddbMock.on(UpdateCommand).resolves({});

    const summary = await sweepDue(new Date(TODAY));

    expect(summary).toMatchObject({ found: 1, proposed: 0, batches: [] });
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(1);
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('reads the documents strongly from the table and leaves one that moved since its index entry was read', async () => {
    const [a, b] = [due(0), due(1)];
    index({ '2036-04': [docRow(a, { day: '2036-04-01' }), docRow(b, { day: '2036-04-02' })] }, '2036-04-10');
    // The index lags the table: b was refiled under a later day (it is out on loan) since.
    indexedRows = [docRow(a, { day: '2036-04-01' }), docRow(b, { day: '2036-05-20' })];
    ddbMock.on(TransactWriteCommand).resolves({});
    ddbMock.on(UpdateCommand).resolves({});
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec' });

    const summary = await sweepDue(new Date(TODAY));

    expect(summary).toMatchObject({ found: 1, proposed: 1 });
    const reads = ddbMock.commandCalls(BatchGetCommand).map((c) => c.args[0].input.RequestItems?.[TABLE]);
    expect(reads.find((r) => r?.Keys?.some((k) => String(k.pk).startsWith('DOCUMENT#')))).toMatchObject({
      ConsistentRead: true,
      Keys: [docRow(a), docRow(b)].map(({ pk, sk }) => ({ pk, sk })),
    });
    expect(JSON.stringify(transactItems())).not.toContain(b.documentId);
  });

  it('puts documents into the next part when the batch of the day has started or is full', async () => {
    const a = due(0);
    index({ '2036-04': [docRow(a, { day: '2036-04-01' })] }, '2036-04-10');
    ddbMock
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled(['ConditionalCheckFailed', 'None', 'None', 'None']))
      .resolves({});
    ddbMock.on(UpdateCommand).resolves({});
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec' });

    const summary = await sweepDue(new Date(TODAY));

    expect(summary.batches).toEqual(['KH-2036-04-20360410-HZ-2']);
    expect(transactItems(1)[0]?.Update?.Key).toEqual({
      pk: 'DISPOSAL#KH-2036-04-20360410-HZ-2',
      sk: 'BATCH',
    });
  });

  it('starts the workflow of batches a stopped run left proposed; an existing execution is fine', async () => {
    index({}, '2036-04-10');
    const proposed = {
      pk: 'DISPOSAL#KH-2036-03-20360409-1',
      sk: 'BATCH',
      gsi2pk: 'DISPOSALS#PROPOSED',
      gsi2sk: '2036-04-09T01:00:00.000Z#KH-2036-03-20360409-1',
      batchId: 'KH-2036-03-20360409-1',
    };
    const taken = {
      ...proposed,
      pk: 'DISPOSAL#KH-2036-03-20360409-2',
      batchId: 'KH-2036-03-20360409-2',
      gsi2sk: '2036-04-09T01:00:00.000Z#KH-2036-03-20360409-2',
    };
    ddbMock.on(QueryCommand, { IndexName: 'gsi2' }).resolves({ Items: entries('gsi2', [proposed, taken]) });
    // The second batch's workflow took it since the index entry was read: no longer proposed.
    const { gsi2pk: _pk, gsi2sk: _sk, ...takenNow } = taken;
    serveItems(ddbMock, [proposed, takenNow]);
    ddbMock.on(UpdateCommand).resolves({});
    sfnMock.on(StartExecutionCommand).rejects(namedError('ExecutionAlreadyExists'));

    const summary = await sweepDue(new Date(TODAY));

    expect(summary.restarted).toEqual(['KH-2036-03-20360409-1']);
    expect(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input.name).toBe('KH-2036-03-20360409-1');
  });

  it('catches up from the first month of the index when it has never run', async () => {
    index({});
    ddbMock.on(UpdateCommand).resolves({});
    await sweepDue(new Date('2026-03-05T18:00:00.000Z'));
    expect(gsi3Queries().map((q) => q.ExpressionAttributeValues?.[':pk'])).toEqual([
      'DUE#2026-01',
      'DUE#2026-02',
      'DUE#2026-03',
    ]);
  });

  it('drops permanent records from the index: they never become due', async () => {
    const forever = due(0, { retentionCode: 'Y', dueOn: undefined });
    index({ '2036-04': [docRow(forever, { day: '2036-04-01' })] }, '2036-04-10');
    ddbMock.on(UpdateCommand).resolves({});
    const summary = await sweepDue(new Date(TODAY));
    expect(summary).toMatchObject({ dropped: 1, proposed: 0 });
    expect(ddbMock.commandCalls(UpdateCommand)[0]?.args[0].input.UpdateExpression).toBe(
      'REMOVE gsi3pk, gsi3sk',
    );
  });
});

describe('checkFixity', () => {
  const doc = archived(0, { sha256: 'a'.repeat(64) });
  const key = `originals/${doc.documentId}`;

  function stored(bytes: string) {
    ddbMock.on(GetCommand, { Key: FIXITY_KEY }).resolves({});
    s3Mock.on(ListObjectsV2Command).resolves({ Contents: [{ Key: key }], IsTruncated: false });
    ddbMock
      .on(GetCommand, { Key: { pk: `DOCUMENT#${doc.documentId}`, sk: 'DOCUMENT' } })
      .resolves({ Item: docRow(doc) });
    s3Mock.on(GetObjectCommand, { Bucket: ARCHIVE, Key: key, VersionId: doc.archiveVersionId }).resolves({
      Body: objectBody(Buffer.from(bytes)),
    });
    ddbMock.on(PutCommand).resolves({});
  }

  it('re-hashes the sample against the recorded SHA-256; a mismatch is audited and counted as a metric', async () => {
    stored('bit rot');
    const errors = vi.spyOn(logger, 'error');

    const summary = await checkFixity(new Date(TODAY));

    expect(summary).toMatchObject({ checked: 1, mismatches: [doc.documentId] });
    const audit = ddbMock.commandCalls(PutCommand).find((c) => c.args[0].input.TableName === AUDIT_TABLE);
    expect(audit?.args[0].input.Item).toMatchObject({
      action: 'document.fixity-failed',
      targetId: doc.documentId,
      details: expect.objectContaining({ recordedSha256: doc.sha256, archiveVersionId: 'v-0' }),
    });
    const line = errors.mock.calls[0];
    expect(line?.[0]).toMatch(/fixity check failed/);
    expect(line?.[1]).toMatchObject({
      FixityMismatches: 1,
      _aws: {
        CloudWatchMetrics: [{ Namespace: 'Dangan', Metrics: [{ Name: 'FixityMismatches', Unit: 'Count' }] }],
      },
    });
    const cursor = ddbMock.commandCalls(PutCommand).find((c) => c.args[0].input.TableName === TABLE);
    expect(cursor?.args[0].input.Item).toMatchObject({
      ...FIXITY_KEY,
      lastRun: { checked: 1, mismatches: 1 },
    });
  });

  it('passes originals that still match, without an audit event', async () => {
    const { createHash } = await import('node:crypto');
    const bytes = 'the original scan';
    Object.assign(doc, { sha256: createHash('sha256').update(bytes).digest('hex') });
    stored(bytes);
    const summary = await checkFixity(new Date(TODAY));
    expect(summary).toMatchObject({ checked: 1, mismatches: [] });
    expect(
      ddbMock.commandCalls(PutCommand).filter((c) => c.args[0].input.TableName === AUDIT_TABLE),
    ).toHaveLength(0);
  });
});

describe('handler', () => {
  it('reads the time through the clock seam', async () => {
    clockAt(TODAY);
    index({}, '2036-04-10');
    ddbMock.on(UpdateCommand).resolves({});
    ddbMock.on(GetCommand, { Key: FIXITY_KEY }).resolves({});
    // Every record archived under a legal hold is under COMPLIANCE retention already.
    ddbMock
      .on(GetCommand, { Key: PERMANENCE_KEY })
      .resolves({ Item: { ...PERMANENCE_KEY, legacyDone: true } });
    s3Mock.on(ListObjectsV2Command).resolves({ Contents: [] });
    ddbMock.on(PutCommand).resolves({});

    const out = await handler();

    expect(out.sweep.sweptThrough).toBe('2036-04-10');
    expect(out.permanence).toEqual({ extended: 0, locked: 0, failed: [], legacyDone: true });
    expect(writesAttempted()).toBe(2);
  });
});
