import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ListObjectsV2Command,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
} from '../../functions/adapters/s3-commands.ts';
import { archiveObjectKey } from '../../functions/core/documents.ts';
import {
  PERMANENT_HORIZON_YEARS,
  PERMANENT_RENEW_BELOW_YEARS,
  permanentLock,
  permanentRetainUntil,
  renewalDay,
} from '../../functions/core/permanence.ts';
import { keepPermanent } from '../../functions/services/permanence.ts';
import { archived, batch, batchRow, docRow, setEnv } from './disposal-fixtures.ts';
import {
  AUDIT_TABLE,
  ddbMock,
  resetMocks,
  s3Mock,
  strictMocks,
  TABLE,
  transactItems,
  writesAttempted,
} from './intake-fixtures.ts';
import { entries, serveItems } from './keys-only-index.ts';

const TODAY = new Date('2036-04-10T18:00:00.000Z');

describe('the permanent lock rule', () => {
  it('locks a century ahead and looks again when fewer than 90 years remain', () => {
    expect(PERMANENT_HORIZON_YEARS).toBe(100);
    expect(PERMANENT_RENEW_BELOW_YEARS).toBe(90);
    expect(permanentRetainUntil(TODAY)).toBe('2136-04-10T18:00:00.000Z');
    expect(renewalDay('2136-04-10T18:00:00.000Z')).toBe('2046-04-10');
    // 29 February: the renewal day moves earlier, never later.
    expect(renewalDay('2128-02-29T00:00:00.000Z')).toBe('2038-02-28');
  });

  it('keeps a lock that still has 90 years or more to run', () => {
    expect(permanentLock('2136-04-10T18:00:00.000Z', TODAY)).toEqual({
      kind: 'keep',
      retainUntil: '2136-04-10T18:00:00.000Z',
      renewOn: '2046-04-10',
    });
    expect(permanentLock('2126-04-11T00:00:00.000Z', TODAY).kind).toBe('keep');
  });

  it('extends a lock to today + the horizon on its renewal day and after', () => {
    const extended = { kind: 'extend', retainUntil: '2136-04-10T18:00:00.000Z', renewOn: '2046-04-10' };
    // Archived 2026-04-10: renewal due 2036-04-10.
    expect(permanentLock('2126-04-10T09:00:00.000Z', TODAY)).toEqual(extended);
    // A sweep that stopped for years extends whatever is left, as long as anything is.
    expect(permanentLock('2100-01-01T00:00:00.000Z', TODAY)).toEqual(extended);
  });

  it('puts a record with no retention yet (archived under a legal hold) under the horizon', () => {
    expect(permanentLock(undefined, TODAY)).toEqual({
      kind: 'extend',
      retainUntil: '2136-04-10T18:00:00.000Z',
      renewOn: '2046-04-10',
    });
  });

  it('is idempotent: extending again the same day keeps the date; a later day only moves it later', () => {
    const first = permanentLock('2126-01-01T00:00:00.000Z', TODAY);
    expect(permanentLock(first.retainUntil, TODAY)).toEqual({ ...first, kind: 'keep' });
    const later = new Date('2046-04-10T18:00:00.000Z');
    const again = permanentLock(first.retainUntil, later);
    expect(again.kind).toBe('extend');
    expect(again.retainUntil > first.retainUntil).toBe(true);
  });
});

describe('keepPermanent', () => {
  const PERMANENCE_KEY = { pk: 'SWEEP#permanence', sk: 'SWEEP' };
  const permanent = (i: number, overrides = {}) =>
    archived(i, {
      docType: 'COMPLETION',
      retentionCode: 'Y',
      retentionTrigger: 'ARCHIVED',
      legalHold: undefined,
      retainUntil: '2126-03-15T09:30:00.000Z',
      ...overrides,
    });

  beforeEach(() => {
    setEnv();
    strictMocks();
  });
  afterEach(resetMocks);

  function register(rows: Record<string, unknown>[], state: Record<string, unknown> = { legacyDone: true }) {
    // The register holds keys only: the records are read from the table.
    ddbMock
      .on(QueryCommand, { IndexName: 'dueKeys', ExpressionAttributeValues: { ':pk': 'LOCKS#PERMANENT' } })
      .resolves({ Items: entries('gsi3', rows) });
    serveItems(ddbMock, rows);
    ddbMock.on(GetCommand, { Key: PERMANENCE_KEY }).resolves({ Item: { ...PERMANENCE_KEY, ...state } });
    ddbMock.on(PutCommand, { Item: PERMANENCE_KEY }).resolves({});
  }

  it('extends the COMPLIANCE retention of a permanent original due for it, then files it a decade on', async () => {
    const doc = permanent(0);
    register([
      { ...docRow(doc), gsi3pk: 'LOCKS#PERMANENT', gsi3sk: `2036-03-15#DOCUMENT#${doc.documentId}` },
    ]);
    s3Mock.on(PutObjectRetentionCommand).resolves({});
    ddbMock.on(TransactWriteCommand).resolves({});

    const summary = await keepPermanent(TODAY);

    expect(summary).toEqual({ extended: 1, locked: 0, failed: [], legacyDone: true });
    expect(s3Mock.commandCalls(PutObjectRetentionCommand).map((c) => c.args[0].input)).toEqual([
      expect.objectContaining({
        Key: archiveObjectKey(doc.documentId),
        VersionId: doc.archiveVersionId,
        Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date('2136-04-10T18:00:00.000Z') },
      }),
    ]);
    expect(s3Mock.commandCalls(PutObjectLegalHoldCommand)).toHaveLength(0);
    const [update, audit] = transactItems(0);
    expect(update?.Update).toMatchObject({
      TableName: TABLE,
      Key: { pk: `DOCUMENT#${doc.documentId}`, sk: 'DOCUMENT' },
      ConditionExpression: 'gsi3pk = :gpk AND gsi3sk = :gsk AND #status = :archived',
      ExpressionAttributeValues: {
        ':gsk': `2036-03-15#DOCUMENT#${doc.documentId}`,
        ':until': '2136-04-10T18:00:00.000Z',
        ':npk': 'LOCKS#PERMANENT',
        ':nsk': `2046-04-10#DOCUMENT#${doc.documentId}`,
      },
    });
    expect(audit?.Put?.TableName).toBe(AUDIT_TABLE);
    expect(audit?.Put?.Item).toMatchObject({
      action: 'document.permanent-lock-extended',
      targetId: doc.documentId,
      before: { retainUntil: '2126-03-15T09:30:00.000Z' },
      after: { retainUntil: '2136-04-10T18:00:00.000Z', mode: 'COMPLIANCE' },
    });
  });

  it('extends both destruction lists of a batch due for it', async () => {
    const list = {
      jsonKey: 'destruction-lists/b.json',
      htmlKey: 'destruction-lists/b.html',
      jsonVersionId: 'j1',
      htmlVersionId: 'h1',
      sha256: 'ab',
      retainUntil: '2126-04-01T00:00:00.000Z',
    };
    const b = batch({ status: 'DONE', list });
    register([{ ...batchRow(b), gsi3pk: 'LOCKS#PERMANENT', gsi3sk: `2036-04-01#DISPOSAL#${b.batchId}` }]);
    s3Mock.on(PutObjectRetentionCommand).resolves({});
    ddbMock.on(TransactWriteCommand).resolves({});

    const summary = await keepPermanent(TODAY);

    expect(summary.extended).toBe(1);
    expect(s3Mock.commandCalls(PutObjectRetentionCommand).map((c) => c.args[0].input.VersionId)).toEqual([
      'j1',
      'h1',
    ]);
    const [update] = transactItems(0);
    expect(update?.Update?.UpdateExpression).toContain('#list.retainUntil = :until');
    expect(update?.Update?.ExpressionAttributeValues).toMatchObject({
      ':nsk': `2046-04-10#DISPOSAL#${b.batchId}`,
    });
  });

  it('counts a lock S3 would not extend as failed, writes nothing for it, and goes on', async () => {
    const [a, b] = [permanent(0), permanent(1)];
    register(
      [a, b].map((d) => ({
        ...docRow(d),
        gsi3pk: 'LOCKS#PERMANENT',
        gsi3sk: `2036-03-15#DOCUMENT#${d.documentId}`,
      })),
    );
    s3Mock
      .on(PutObjectRetentionCommand, { VersionId: a.archiveVersionId })
      .rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    s3Mock.on(PutObjectRetentionCommand, { VersionId: b.archiveVersionId }).resolves({});
    ddbMock.on(TransactWriteCommand).resolves({});

    const summary = await keepPermanent(TODAY);

    expect(summary).toMatchObject({ extended: 1, failed: [a.documentId] });
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('puts records archived under a legal hold under COMPLIANCE retention once, and leaves their legal hold on', async () => {
    const legacy = permanent(0, { legalHold: true, retainUntil: undefined });
    const timed = permanent(1);
    const ordinary = archived(2);
    register([], {});
    ddbMock.on(QueryCommand, { IndexName: 'gsi1' }).resolves({ Items: [] });
    s3Mock.on(ListObjectsV2Command).resolves({
      Contents: [legacy, timed, ordinary].map((d) => ({ Key: archiveObjectKey(d.documentId) })),
      IsTruncated: false,
    });
    ddbMock
      .on(BatchGetCommand)
      .resolves({ Responses: { [TABLE]: [legacy, timed, ordinary].map((d) => docRow(d)) } });
    s3Mock.on(PutObjectRetentionCommand).resolves({});
    ddbMock.on(TransactWriteCommand).resolves({});

    const summary = await keepPermanent(TODAY);

    expect(summary).toEqual({ extended: 0, locked: 1, failed: [], legacyDone: true });
    expect(s3Mock.commandCalls(PutObjectRetentionCommand).map((c) => c.args[0].input)).toEqual([
      expect.objectContaining({
        Key: archiveObjectKey(legacy.documentId),
        Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date('2136-04-10T18:00:00.000Z') },
      }),
    ]);
    expect(s3Mock.commandCalls(PutObjectLegalHoldCommand)).toHaveLength(0);
    const [update, audit] = transactItems(0);
    // Never filed before: the write is conditional on that, so a second run writes nothing.
    expect(update?.Update?.ConditionExpression).toBe('attribute_not_exists(gsi3pk) AND #status = :archived');
    expect(update?.Update?.UpdateExpression).not.toContain('legalHold');
    expect(audit?.Put?.Item).toMatchObject({ before: { legalHold: true } });
    const saved = ddbMock.commandCalls(PutCommand).map((c) => c.args[0].input.Item);
    expect(saved).toEqual([expect.objectContaining({ ...PERMANENCE_KEY, legacyDone: true, failures: 0 })]);
  });

  it('starts the walk over when it could not lock a record, so none is left under a legal hold alone', async () => {
    const legacy = permanent(0, { legalHold: true, retainUntil: undefined });
    register([], { cursor: 'originals/0' });
    s3Mock
      .on(ListObjectsV2Command)
      .resolves({ Contents: [{ Key: archiveObjectKey(legacy.documentId) }], IsTruncated: false });
    ddbMock.on(BatchGetCommand).resolves({ Responses: { [TABLE]: [docRow(legacy)] } });
    s3Mock.on(PutObjectRetentionCommand).rejects(new Error('SlowDown'));

    const summary = await keepPermanent(TODAY);

    expect(summary).toMatchObject({ locked: 0, failed: [legacy.documentId], legacyDone: false });
    const saved = ddbMock.commandCalls(PutCommand).map((c) => c.args[0].input.Item);
    expect(saved).toEqual([expect.objectContaining({ legacyDone: false, failures: 0 })]);
    expect(saved[0]).not.toHaveProperty('cursor');
    expect(writesAttempted()).toBe(1);
  });
});
