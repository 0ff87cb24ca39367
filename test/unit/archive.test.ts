import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
} from '../../functions/adapters/s3-commands.ts';
import type { DocumentRecord } from '../../functions/core/documents.ts';
import { assignCodes, codeGroups } from '../../functions/core/documents.ts';
import { getScheme } from '../../functions/core/scheme.ts';
import { returnReservedCodes } from '../../functions/services/reserved-codes.ts';
import { handler as archive } from '../../functions/steps/intake-archive.ts';
import {
  ARCHIVE,
  AUDIT_TABLE,
  batchOf,
  CUSTOMER_ID,
  CUSTOMER_ITEM,
  DOC_IDS,
  ddbMock,
  document,
  documents,
  EXECUTION_ARN,
  INTAKE,
  namedError,
  resetMocks,
  SUBMISSION_ID,
  s3Mock,
  setEnv,
  strictMocks,
  submission,
  submissionRow,
  TABLE,
  transactItems,
  writesAttempted,
} from './intake-fixtures.ts';

const scheme = getScheme('power-supply');
const NOW = new Date('2026-05-10T10:00:00.000Z');
const D30 = 'Z001-KH·2026-D30-YK-';
const D10 = 'Z001-KH·2026-D10-YK-';
const input = {
  submissionId: SUBMISSION_ID,
  decidedBy: 'reviewer1',
  executionId: EXECUTION_ARN,
  archivedAt: NOW.toISOString(),
};
/** The submission's take on a sequence item, there only while its reservation is being made. */
const R = `reserved#${SUBMISSION_ID}`;
const U = `reusing#${SUBMISSION_ID}`;
const F = `fresh#${SUBMISSION_ID}`;
const CLEAR_TAKE = 'REMOVE #r, #u, #n';
const SUB_KEY = { pk: `SUBMISSION#${SUBMISSION_ID}`, sk: 'SUBMISSION' };
const CUSTOMER_KEY = { pk: `CUSTOMER#${CUSTOMER_ID}`, sk: 'CUSTOMER' };
const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');

describe('archive codes (domain)', () => {
  it('groups documents by sequence: year, retention of the type, class of the event', () => {
    const groups = codeGroups(scheme, 'NEWCONN', documents(), NOW);
    expect(groups).toEqual([
      {
        sequenceKey: D30,
        parts: { fonds: 'Z001', category: 'KH', year: 2026, retention: 'D30', classCode: 'YK' },
        documentIds: [DOC_IDS[0], DOC_IDS[2], DOC_IDS[3]],
      },
      {
        sequenceKey: D10,
        parts: { fonds: 'Z001', category: 'KH', year: 2026, retention: 'D10', classCode: 'YK' },
        documentIds: [DOC_IDS[1]],
      },
    ]);
  });

  it('numbers a group after the last number used, without gaps', () => {
    const [group] = codeGroups(scheme, 'NEWCONN', documents(), NOW);
    if (!group) throw new Error('no group');
    const { assignments, last } = assignCodes(scheme.codeTemplate, group, 6);
    expect(last).toBe(9);
    expect(assignments.map((a) => a.archiveCode)).toEqual([`${D30}0007`, `${D30}0008`, `${D30}0009`]);
  });

  it("goes on past the template's width with wider numbers instead of failing the archive", () => {
    const [group] = codeGroups(scheme, 'NEWCONN', documents(), NOW);
    if (!group) throw new Error('no group');
    const { assignments, last } = assignCodes(scheme.codeTemplate, group, 9998);
    expect(last).toBe(10001);
    expect(assignments.map((a) => a.archiveCode)).toEqual([`${D30}9999`, `${D30}10000`, `${D30}10001`]);
  });
});

describe('intake-archive step', () => {
  beforeEach(() => {
    setEnv();
    strictMocks();
    vi.useFakeTimers({ now: NOW, toFake: ['Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
    resetMocks();
  });

  const CODES = [`${D30}0007`, `${D10}0001`, `${D30}0008`, `${D30}0009`];
  const coded = (docs: DocumentRecord[], codes = CODES) =>
    docs.map((d, i) => ({ ...d, archiveCode: codes[i], codeAssignedAt: NOW.toISOString() }));

  function stored(
    sub = submission({ status: 'IN_REVIEW', attempt: 1, executionArn: EXECUTION_ARN }),
    reads: DocumentRecord[][] = [documents(), coded(documents())],
  ) {
    ddbMock.on(GetCommand, { Key: SUB_KEY }).resolves({ Item: submissionRow(sub) });
    // An open account: archiving starts no retention clock that waits for its closing.
    ddbMock.on(GetCommand, { Key: CUSTOMER_KEY }).resolves({ Item: CUSTOMER_ITEM });
    const batch = ddbMock.on(BatchGetCommand);
    for (const r of reads.slice(0, -1)) batch.resolvesOnce(batchOf(r));
    batch.resolves(batchOf(reads.at(-1) ?? []));
  }

  const seqKey = (key: string) => ({ pk: `SEQUENCE#${key}`, sk: 'SEQUENCE' });
  const reservationKey = (key: string) => ({ pk: `RESERVATION#${SUBMISSION_ID}`, sk: `SEQUENCE#${key}` });

  /**
   * A sequence whose last number is `before` when the submission reserves in it, with `free`
   * numbers given back by a failed archiving, and no reservation of the submission yet.
   */
  function sequence(key: string, before: number, free: number[] = []) {
    ddbMock
      .on(GetCommand, { Key: seqKey(key) })
      .resolves({ Item: { last: before, ...(free.length > 0 ? { free: new Set(free) } : {}) } });
    ddbMock
      .on(UpdateCommand, { Key: seqKey(key) })
      .callsFake((cmd: { UpdateExpression: string; ExpressionAttributeValues: Record<string, unknown> }) => {
        if (cmd.UpdateExpression === CLEAR_TAKE) return {};
        const v = cmd.ExpressionAttributeValues;
        return {
          Attributes: {
            last: before + Number(v[':n']),
            [R]: before,
            ...(v[':reused'] ? { [U]: v[':reused'] } : {}),
            [F]: v[':n'],
          },
        };
      });
    reservationItem(key);
  }

  /** The submission's reservation item in a sequence: none until it is put, or `held`. */
  function reservationItem(key: string, held?: { before: number; reusing: number[]; fresh: number }) {
    ddbMock.on(GetCommand, { Key: reservationKey(key) }).resolves(held ? { Item: { ...held } } : {});
    ddbMock.on(PutCommand, { Item: reservationKey(key) }).resolves({});
    ddbMock.on(DeleteCommand, { Key: reservationKey(key) }).resolves({});
  }

  function sequences(d30: number, d10: number) {
    sequence(D30, d30);
    sequence(D10, d10);
  }

  const sequenceWrites = () =>
    ddbMock
      .commandCalls(UpdateCommand)
      .map((c) => c.args[0].input)
      .filter((i) => i.Key?.pk?.startsWith('SEQUENCE#'));
  /** The takes: numbers taken from a sequence. */
  const reservations = () => sequenceWrites().filter((i) => i.UpdateExpression?.startsWith('SET'));
  const reservationItems = () =>
    ddbMock
      .commandCalls(PutCommand)
      .map((c) => c.args[0].input)
      .filter((i) => i.Item?.pk === `RESERVATION#${SUBMISSION_ID}`);
  /** The sequences whose reservations were released (deleted), by the reservation's sort key. */
  const releases = () =>
    ddbMock
      .commandCalls(DeleteCommand)
      .map((c) => c.args[0].input.Key)
      .filter((k) => k?.pk === `RESERVATION#${SUBMISSION_ID}`)
      .map((k) => k?.sk);

  function archiveBucketCopies() {
    s3Mock
      .on(HeadObjectCommand)
      .rejects(Object.assign(namedError('NotFound'), { $metadata: { httpStatusCode: 404 } }));
    s3Mock.on(CopyObjectCommand).callsFake((cmd: { Key: string }) => {
      const id = cmd.Key.replace('originals/', '');
      const i = DOC_IDS.indexOf(id as (typeof DOC_IDS)[number]);
      return { VersionId: `v-${i}`, CopyObjectResult: { ChecksumSHA256: b64(document(i).sha256) } };
    });
    s3Mock.on(PutObjectRetentionCommand).resolves({});
    s3Mock.on(PutObjectLegalHoldCommand).resolves({});
  }

  const locks = () => [
    ...s3Mock.commandCalls(PutObjectRetentionCommand).map((c) => c.args[0].input),
    ...s3Mock.commandCalls(PutObjectLegalHoldCommand).map((c) => c.args[0].input),
  ];

  const docUpdates = (items: ReturnType<typeof transactItems>) =>
    items.filter((i) => i.Update?.Key?.pk?.startsWith('DOCUMENT#'));
  const codePuts = (items: ReturnType<typeof transactItems>) =>
    items.filter((i) => i.Put?.Item?.pk?.startsWith('ARCHIVECODE#'));

  it('raises the near-full metric once a sequence hands out numbers at 80% of its width, not before', async () => {
    const { logger } = await import('../../functions/adapters/logger.ts');
    const errors = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const nearFull = () =>
      errors.mock.calls.filter(
        ([, details]) => (details as Record<string, unknown>)?.SequenceNearFull !== undefined,
      );
    try {
      stored(undefined, [documents()]);
      // The D30 sequence hands out 7997–7999: below the alarm point (8000 for {seq:4}).
      sequences(7996, 0);
      ddbMock.on(TransactWriteCommand).resolves({});
      archiveBucketCopies();
      await archive(input);
      expect(nearFull()).toEqual([]);

      resetMocks();
      strictMocks();
      stored(undefined, [documents()]);
      // 7999, 8000, 8001: two numbers at or past it.
      sequences(7998, 0);
      ddbMock.on(TransactWriteCommand).resolves({});
      archiveBucketCopies();
      await archive(input);
      expect(nearFull()).toHaveLength(1);
      expect(nearFull()[0]?.[1]).toMatchObject({
        SequenceNearFull: 2,
        sequenceKey: D30,
        highest: 8001,
        capacity: 9999,
      });
    } finally {
      errors.mockRestore();
    }
  });

  it('reserves codes per sequence, locks each original with its code, archives codes, documents and submission in one transaction, then releases the reservations', async () => {
    stored(undefined, [documents()]);
    sequences(6, 0);
    ddbMock.on(TransactWriteCommand).resolves({});
    archiveBucketCopies();

    const out = await archive(input);

    expect(out).toEqual({
      archived: DOC_IDS.map((documentId, i) => ({ documentId, archiveCode: CODES[i] })),
    });

    // (1) one UpdateItem per sequence: adds to whatever the last number is, so it cannot lose a
    // race, and marks the number it started from under the submission's name (the take); the
    // reservation item is put from its answer and the take cleared
    const [d30, d10] = reservations();
    expect(reservations()).toHaveLength(2);
    expect(d30).toMatchObject({
      Key: seqKey(D30),
      ConditionExpression: 'attribute_not_exists(#r)',
      UpdateExpression:
        'SET #last = if_not_exists(#last, :zero) + :n, #r = if_not_exists(#last, :zero), #n = :n, sequenceKey = :key, updatedAt = :at',
      ExpressionAttributeNames: { '#last': 'last', '#r': R, '#n': F },
      ExpressionAttributeValues: { ':n': 3, ':zero': 0 },
      ReturnValues: 'UPDATED_NEW',
    });
    expect(d10).toMatchObject({ Key: seqKey(D10), ExpressionAttributeValues: { ':n': 1 } });
    expect(reservationItems()).toEqual([
      {
        TableName: TABLE,
        Item: {
          ...reservationKey(D30),
          entity: 'sequence-reservation',
          sequenceKey: D30,
          submissionId: SUBMISSION_ID,
          before: 6,
          reusing: [],
          fresh: 3,
          reservedAt: NOW.toISOString(),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
      expect.objectContaining({
        Item: expect.objectContaining({ ...reservationKey(D10), before: 0, fresh: 1 }),
      }),
    ]);
    expect(sequenceWrites().map((w) => [w.Key?.pk, w.UpdateExpression?.split(' ')[0]])).toEqual([
      [`SEQUENCE#${D30}`, 'SET'],
      [`SEQUENCE#${D30}`, 'REMOVE'],
      [`SEQUENCE#${D10}`, 'SET'],
      [`SEQUENCE#${D10}`, 'REMOVE'],
    ]);
    expect(sequenceWrites()[1]).toMatchObject({
      ConditionExpression: '#r = :before',
      UpdateExpression: CLEAR_TAKE,
      ExpressionAttributeNames: { '#r': R, '#u': U, '#n': F },
      ExpressionAttributeValues: { ':before': 6 },
    });

    // (2) the copies of the versions the uploads recorded, verified, then locked
    const copies = s3Mock.commandCalls(CopyObjectCommand).map((c) => c.args[0].input);
    expect(copies).toHaveLength(4);
    expect(copies[0]).toMatchObject({
      Bucket: ARCHIVE,
      Key: `originals/${DOC_IDS[0]}`,
      CopySource: `${INTAKE}/intake/${SUBMISSION_ID}/${DOC_IDS[0]}?versionId=${document(0).receivedVersionId}`,
      MetadataDirective: 'REPLACE',
      Metadata: {
        'archive-code': encodeURIComponent(`${D30}0007`),
        sha256: document(0).sha256,
        'document-id': DOC_IDS[0],
      },
      ContentType: 'application/pdf',
      ChecksumAlgorithm: 'SHA256',
    });
    // No lock in the copy itself: a copy is locked only once its checksum is known good.
    expect(copies[0]).not.toHaveProperty('ObjectLockMode');
    const lockOf = (id: string) => locks().find((l) => l.Key === `originals/${id}`);
    expect(lockOf(DOC_IDS[0])).toMatchObject({
      Bucket: ARCHIVE,
      VersionId: 'v-0',
      // APPFORM: D30 from account closure, so archive date + 30 years is the lower bound.
      Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date('2056-05-10T10:00:00.000Z') },
    });
    expect(lockOf(DOC_IDS[1])).toMatchObject({
      VersionId: 'v-1',
      Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date('2036-05-10T10:00:00.000Z') },
    });

    // (3) one transaction: code items, documents, submission, audit
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(1);
    const done = transactItems(0);
    expect(done).toHaveLength(1 + 4 + 4 + 1);
    expect(done[0]?.Update).toMatchObject({
      Key: SUB_KEY,
      ConditionExpression: '#status = :review AND executionArn = :arn',
      ExpressionAttributeValues: { ':archived': 'ARCHIVED', ':by': 'reviewer1' },
    });
    expect(
      codePuts(done).map((p) => p.Put?.Item),
      // The guard names its document and nothing the document does not already say.
    ).toEqual(DOC_IDS.map((id, i) => ({ pk: `ARCHIVECODE#${CODES[i]}`, sk: 'ARCHIVECODE', documentId: id })));
    for (const p of codePuts(done)) expect(p.Put?.ConditionExpression).toBe('attribute_not_exists(pk)');
    const first = docUpdates(done)[0];
    expect(first?.Update).toMatchObject({
      Key: { pk: `DOCUMENT#${DOC_IDS[0]}`, sk: 'DOCUMENT' },
      ConditionExpression:
        'submissionId = :sid AND #status = :uploaded AND (attribute_not_exists(archiveCode) OR archiveCode = :code)',
      ExpressionAttributeValues: {
        ':archived': 'ARCHIVED',
        ':code': `${D30}0007`,
        ':archivedAt': NOW.toISOString(),
        ':rc': 'D30',
        ':rt': 'ACCOUNT_CLOSED',
        ':until': '2056-05-10T10:00:00.000Z',
        ':version': 'v-0',
      },
    });
    // What only the intake needed goes; the original's key and the code's date follow from the
    // document's id and archive date, so they are not written either.
    expect(first?.Update?.UpdateExpression).toMatch(/ REMOVE uploadId, uploadSequencer$/);
    expect(first?.Update?.UpdateExpression).not.toMatch(/archiveKey|codeAssignedAt/);
    // The disposal date of an ACCOUNT_CLOSED document is not known yet: not in the due index.
    expect(first?.Update?.UpdateExpression).not.toMatch(/gsi3pk|legalHold/);
    expect(done.at(-1)?.Put?.TableName).toBe(AUDIT_TABLE);
    expect(done.at(-1)?.Put?.Item).toMatchObject({
      action: 'submission.archived',
      targetId: SUBMISSION_ID,
      details: {
        documents: DOC_IDS.map((documentId, i) =>
          expect.objectContaining({ documentId, archiveCode: CODES[i] }),
        ),
      },
    });

    // (4) the reservations are released once the documents carry the codes, by deleting their
    // items: no write of the sequences after the takes were cleared
    expect(releases()).toEqual([`SEQUENCE#${D30}`, `SEQUENCE#${D10}`]);
    expect(sequenceWrites()).toHaveLength(4);
  });

  it('takes the archive date from the workflow, the same for every attempt of the step', async () => {
    stored(undefined, [documents()]);
    sequence('Z001-KH·2025-D30-YK-', 6);
    sequence('Z001-KH·2025-D10-YK-', 0);
    ddbMock.on(TransactWriteCommand).resolves({});
    archiveBucketCopies();

    // Entered on New Year's Eve, run (again) on New Year's Day: the codes stay in the old year.
    await archive({ ...input, archivedAt: '2025-12-31T23:59:59.000Z' });

    expect(reservations().map((r) => r.Key?.pk)).toEqual([
      'SEQUENCE#Z001-KH·2025-D30-YK-',
      'SEQUENCE#Z001-KH·2025-D10-YK-',
    ]);
    expect(docUpdates(transactItems(0))[0]?.Update?.ExpressionAttributeValues?.[':archivedAt']).toBe(
      '2025-12-31T23:59:59.000Z',
    );
  });

  it('indexes known due dates', async () => {
    const sub = submission({
      status: 'IN_REVIEW',
      attempt: 1,
      executionArn: EXECUTION_ARN,
      businessEvent: 'INSPECTION',
      documentIds: [DOC_IDS[0], DOC_IDS[1]],
    });
    const docs = [
      document(0, { businessEvent: 'INSPECTION', docType: 'INSPECT' }),
      document(1, { businessEvent: 'INSPECTION', docType: 'VIOLATION' }),
    ];
    // VIOLATION is D30 from year end; INSPECT is D10 from year end.
    stored(sub, [docs]);
    sequence('Z001-KH·2026-D10-JC-', 0);
    sequence('Z001-KH·2026-D30-JC-', 0);
    ddbMock.on(TransactWriteCommand).resolves({});
    archiveBucketCopies();

    const out = await archive(input);

    expect(out.archived.map((a) => a.archiveCode)).toEqual([
      'Z001-KH·2026-D10-JC-0001',
      'Z001-KH·2026-D30-JC-0001',
    ]);
    const [inspect, violation] = docUpdates(transactItems(0));
    expect(inspect?.Update?.ExpressionAttributeValues).toMatchObject({
      ':until': '2037-01-01T00:00:00.000Z',
      // Filed by due month, then day: the retention sweep reads months up to today.
      ':gsi3pk': 'DUE#2037-01',
      ':gsi3sk': `2037-01-01#${DOC_IDS[0]}`,
    });
    expect(violation?.Update?.ExpressionAttributeValues).toMatchObject({
      ':gsi3pk': 'DUE#2057-01',
      ':gsi3sk': `2057-01-01#${DOC_IDS[1]}`,
    });
  });

  it('locks permanent records (Y) under COMPLIANCE retention a century ahead, never a legal hold', async () => {
    const sub = submission({
      status: 'IN_REVIEW',
      attempt: 1,
      executionArn: EXECUTION_ARN,
      documentIds: [DOC_IDS[0]],
    });
    const docs = [document(0, { docType: 'COMPLETION' })];
    stored(sub, [docs]);
    sequence('Z001-KH·2026-Y-YK-', 0);
    ddbMock.on(TransactWriteCommand).resolves({});
    archiveBucketCopies();

    await archive(input);

    expect(s3Mock.commandCalls(PutObjectLegalHoldCommand)).toHaveLength(0);
    expect(locks()).toEqual([
      expect.objectContaining({
        VersionId: 'v-0',
        Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date('2126-05-10T10:00:00.000Z') },
      }),
    ]);
    const [update] = docUpdates(transactItems(0));
    expect(update?.Update?.ExpressionAttributeValues).toMatchObject({
      ':until': '2126-05-10T10:00:00.000Z',
      ':rc': 'Y',
      ':code': 'Z001-KH·2026-Y-YK-0001',
      // Filed among the permanent locks under the day fewer than 90 years remain.
      ':gsi3pk': 'LOCKS#PERMANENT',
      ':gsi3sk': `2036-05-10#DOCUMENT#${DOC_IDS[0]}`,
    });
    expect(update?.Update?.UpdateExpression).not.toMatch(/legalHold/);
  });

  it('reuses the reservation an interrupted run made: the same numbers, none taken anew', async () => {
    stored(undefined, [documents()]);
    // The sequences moved on since (other submissions), but this submission's reservation stands.
    for (const [key, before, fresh] of [
      [D30, 6, 3],
      [D10, 0, 1],
    ] as const) {
      sequence(key, 40);
      reservationItem(key, { before, reusing: [], fresh });
    }
    ddbMock.on(TransactWriteCommand).resolves({});
    archiveBucketCopies();

    const out = await archive(input);

    expect(out.archived.map((a) => a.archiveCode)).toEqual(CODES);
    expect(reservations()).toHaveLength(0);
    expect(reservationItems()).toHaveLength(0);
    const read = ddbMock
      .commandCalls(GetCommand)
      .find((c) => c.args[0].input.Key?.pk === `RESERVATION#${SUBMISSION_ID}`);
    expect(read?.args[0].input).toMatchObject({ Key: reservationKey(D30), ConsistentRead: true });
    expect(codePuts(transactItems(0)).map((p) => p.Put?.Item?.pk)).toEqual(
      CODES.map((c) => `ARCHIVECODE#${c}`),
    );
  });

  it('finishes a reservation whose run died after its take: the same numbers, none taken anew', async () => {
    stored(undefined, [documents()]);
    // The take is still on the sequence (other submissions moved it on since); no item was put.
    sequence(D30, 40);
    ddbMock.on(GetCommand, { Key: seqKey(D30) }).resolves({ Item: { last: 40, [R]: 6, [U]: [2], [F]: 2 } });
    sequence(D10, 0);
    ddbMock.on(TransactWriteCommand).resolves({});
    archiveBucketCopies();

    const out = await archive(input);

    expect(out.archived.map((a) => a.archiveCode)).toEqual([
      `${D30}0002`,
      `${D10}0001`,
      `${D30}0007`,
      `${D30}0008`,
    ]);
    // D10 took its number; D30 took none, put its reservation from the take and cleared the take.
    expect(reservations().map((r) => r.Key?.pk)).toEqual([`SEQUENCE#${D10}`]);
    expect(reservationItems()[0]?.Item).toMatchObject({
      ...reservationKey(D30),
      before: 6,
      reusing: [2],
      fresh: 2,
    });
    expect(sequenceWrites()[0]).toMatchObject({
      Key: seqKey(D30),
      UpdateExpression: CLEAR_TAKE,
      ExpressionAttributeValues: { ':before': 6 },
    });
  });

  it('gives back a take left beside a reservation with other numbers, so none is lost', async () => {
    stored(undefined, [documents()]);
    // A run took 41 to 43 after another had reserved 7 to 9, then died before settling its take.
    sequence(D30, 43);
    ddbMock.on(GetCommand, { Key: seqKey(D30) }).resolves({ Item: { last: 43, [R]: 40, [U]: [], [F]: 3 } });
    reservationItem(D30, { before: 6, reusing: [], fresh: 3 });
    sequence(D10, 0);
    ddbMock.on(TransactWriteCommand).resolves({});
    archiveBucketCopies();

    const out = await archive(input);

    expect(out.archived.map((a) => a.archiveCode)).toEqual(CODES);
    expect(sequenceWrites()[0]).toMatchObject({
      Key: seqKey(D30),
      ConditionExpression: '#r = :before',
      UpdateExpression: 'REMOVE #r, #u, #n ADD #free :numbers',
      ExpressionAttributeValues: { ':before': 40, ':numbers': new Set([41, 42, 43]) },
    });
  });

  it('gives its take back when another run of the step put the reservation between its read and its take', async () => {
    stored(undefined, [documents()]);
    sequence(D30, 6);
    sequence(D10, 0);
    // Read: no reservation item. Put: it exists by now, with the other run's numbers (1 to 3).
    ddbMock
      .on(GetCommand, { Key: reservationKey(D30) })
      .resolvesOnce({})
      .resolves({ Item: { before: 0, reusing: [], fresh: 3 } });
    ddbMock
      .on(PutCommand, { Item: reservationKey(D30) })
      .rejects(namedError('ConditionalCheckFailedException'));
    ddbMock.on(TransactWriteCommand).resolves({});
    archiveBucketCopies();

    const out = await archive(input);

    expect(out.archived.map((a) => a.archiveCode)).toEqual([
      `${D30}0001`,
      `${D10}0001`,
      `${D30}0002`,
      `${D30}0003`,
    ]);
    // Its own take (7 to 9) went to the given-back numbers, for the next documents.
    expect(sequenceWrites()[1]).toMatchObject({
      Key: seqKey(D30),
      ConditionExpression: '#r = :before',
      UpdateExpression: 'REMOVE #r, #u, #n ADD #free :numbers',
      ExpressionAttributeValues: { ':before': 6, ':numbers': new Set([7, 8, 9]) },
    });
  });

  it('gives numbers a failed archiving gave back to the next documents first, taking them only while free', async () => {
    stored(undefined, [documents()]);
    sequence(D30, 9, [8, 3]);
    sequence(D10, 0);
    ddbMock.on(TransactWriteCommand).resolves({});
    archiveBucketCopies();

    const out = await archive(input);

    // Three D30 documents: the given-back 3 and 8 (smallest first), then 10.
    expect(out.archived.map((a) => a.archiveCode)).toEqual([
      `${D30}0003`,
      `${D10}0001`,
      `${D30}0008`,
      `${D30}0010`,
    ]);
    expect(reservations()[0]).toMatchObject({
      ConditionExpression: 'attribute_not_exists(#r) AND contains(#free, :f0) AND contains(#free, :f1)',
      UpdateExpression:
        'SET #last = if_not_exists(#last, :zero) + :n, #r = if_not_exists(#last, :zero), #n = :n, sequenceKey = :key, updatedAt = :at, #u = :reused DELETE #free :taken',
      ExpressionAttributeNames: { '#last': 'last', '#r': R, '#n': F, '#u': U, '#free': 'free' },
      ExpressionAttributeValues: {
        ':n': 1,
        ':reused': [3, 8],
        ':taken': new Set([3, 8]),
        ':f0': 3,
        ':f1': 8,
      },
    });
  });

  it('has the workflow retry the step when other reservations keep taking the given-back numbers first', async () => {
    stored(undefined, [documents()]);
    ddbMock.on(GetCommand, { Key: seqKey(D30) }).resolves({ Item: { last: 9, free: new Set([3]) } });
    ddbMock.on(UpdateCommand, { Key: seqKey(D30) }).rejects(namedError('ConditionalCheckFailedException'));
    reservationItem(D30);

    await expect(archive(input)).rejects.toMatchObject({ name: 'TransientError' });
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(s3Mock.commandCalls(CopyObjectCommand)).toHaveLength(0);
  });

  it('returns the numbers of a failed archiving to their sequences, once', async () => {
    const sub = submission({ status: 'IN_REVIEW', attempt: 1, executionArn: EXECUTION_ARN });
    stored(sub, [documents()]);
    // Reserved in 2026; the give-back runs in 2026 and also looks at 2025's sequences.
    ddbMock.on(GetCommand).resolves({ Item: {} });
    ddbMock.on(GetCommand, { Key: SUB_KEY }).resolves({ Item: submissionRow(sub) });
    ddbMock.on(GetCommand, { Key: seqKey(D30) }).resolves({ Item: { last: 12 } });
    reservationItem(D30, { before: 6, reusing: [2], fresh: 2 });
    // In D10 the run died after its take: the numbers are still marked on the sequence.
    ddbMock.on(GetCommand, { Key: seqKey(D10) }).resolves({ Item: { last: 1, [R]: 0, [U]: [], [F]: 1 } });
    ddbMock.on(UpdateCommand).resolves({});
    ddbMock.on(TransactWriteCommand).resolves({});

    const returned = await returnReservedCodes(sub, NOW);

    expect(returned).toEqual({ [D30]: [2, 7, 8], [D10]: [1] });
    // D30: the reservation item goes and its numbers return in one transaction.
    expect(ddbMock.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems)).toEqual([
      [
        {
          Delete: {
            TableName: TABLE,
            Key: reservationKey(D30),
            ConditionExpression: '#before = :before',
            ExpressionAttributeNames: { '#before': 'before' },
            ExpressionAttributeValues: { ':before': 6 },
          },
        },
        {
          Update: {
            TableName: TABLE,
            Key: seqKey(D30),
            UpdateExpression: 'REMOVE #r, #u, #n ADD #free :numbers',
            ExpressionAttributeNames: { '#r': R, '#u': U, '#n': F, '#free': 'free' },
            ExpressionAttributeValues: { ':numbers': new Set([2, 7, 8]) },
          },
        },
      ],
    ]);
    // D10: the take goes and its numbers return in one UpdateItem.
    const updates = ddbMock.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(updates).toEqual([
      expect.objectContaining({
        Key: seqKey(D10),
        ConditionExpression: '#r = :before',
        UpdateExpression: 'REMOVE #r, #u, #n ADD #free :numbers',
        ExpressionAttributeValues: { ':before': 0, ':numbers': new Set([1]) },
      }),
    ]);
  });

  it('keeps the codes documents already have and reuses copies already in the archive', async () => {
    const partly = [...coded(documents().slice(0, 2), CODES.slice(0, 2)), document(2), document(3)];
    const sub = submission({ status: 'IN_REVIEW', attempt: 1, executionArn: EXECUTION_ARN });
    stored(sub, [partly]);
    sequences(7, 0);
    ddbMock.on(TransactWriteCommand).resolves({});
    archiveBucketCopies();
    s3Mock.on(HeadObjectCommand, { Key: `originals/${DOC_IDS[0]}` }).resolves({
      VersionId: 'v-earlier',
      ChecksumSHA256: b64(document(0).sha256),
      Metadata: { 'document-id': DOC_IDS[0], 'archive-code': encodeURIComponent(CODES[0] as string) },
    });

    await archive(input);

    // Only the two documents without a code reserve, in their one sequence.
    expect(reservations()).toHaveLength(1);
    expect(reservations()[0]).toMatchObject({ Key: seqKey(D30), ExpressionAttributeValues: { ':n': 2 } });
    const done = transactItems(0);
    expect(codePuts(done).map((p) => p.Put?.Item?.documentId)).toEqual([DOC_IDS[2], DOC_IDS[3]]);
    const copied = s3Mock.commandCalls(CopyObjectCommand).map((c) => c.args[0].input.Key);
    expect(copied).toEqual([`originals/${DOC_IDS[1]}`, `originals/${DOC_IDS[2]}`, `originals/${DOC_IDS[3]}`]);
    expect(docUpdates(done)[0]?.Update?.ExpressionAttributeValues).toMatchObject({
      ':version': 'v-earlier',
      ':code': CODES[0],
    });
    // The copy a step that died before locking left behind is locked now.
    expect(locks().find((l) => l.Key === `originals/${DOC_IDS[0]}`)).toMatchObject({
      VersionId: 'v-earlier',
    });
    expect(docUpdates(done).map((u) => u.Update?.ExpressionAttributeValues?.[':code'])).toEqual([
      CODES[0],
      CODES[1],
      `${D30}0008`,
      `${D30}0009`,
    ]);
  });

  it('starts the retention clocks of documents filed for an account that has already closed', async () => {
    stored();
    ddbMock
      .on(GetCommand, { Key: CUSTOMER_KEY })
      .resolves({ Item: { ...CUSTOMER_ITEM, accountStatus: 'CLOSED', closedAt: '2026-01-31' } });
    sequences(6, 0);
    ddbMock.on(TransactWriteCommand).resolves({});
    archiveBucketCopies();
    const idCopy = {
      ...coded(documents())[1],
      status: 'ARCHIVED',
      archivedAt: NOW.toISOString(),
      retentionCode: 'D10',
      retentionTrigger: 'ACCOUNT_CLOSED',
      retainUntil: '2036-05-10T10:00:00.000Z',
    };
    const row = { pk: `DOCUMENT#${DOC_IDS[1]}`, sk: 'DOCUMENT', ...idCopy };
    ddbMock.on(QueryCommand, { IndexName: 'gsi2' }).resolves({ Items: [{ pk: row.pk, sk: row.sk }] });
    // gsi2 holds keys only: the customer's documents are read from the table.
    ddbMock
      .on(BatchGetCommand, { RequestItems: { [TABLE]: { Keys: [{ pk: row.pk, sk: row.sk }] } } })
      .resolves({ Responses: { [TABLE]: [row] } });

    await archive(input);

    const started = transactItems(1);
    expect(started[0]?.Update?.ExpressionAttributeValues).toMatchObject({
      ':start': '2026-01-31T00:00:00.000Z',
      // Closed before it was archived: due when its lock has passed.
      ':due': '2036-05-11',
    });
    expect(started[1]?.Put?.Item).toMatchObject({ action: 'document.retention-started', actorSub: 'system' });
  });

  it('is safe to run twice: an archived submission answers its codes, releasing what is left of its reservations, without copying', async () => {
    const sub = submission({ status: 'ARCHIVED', attempt: 1, executionArn: EXECUTION_ARN });
    stored(sub, [coded(documents()).map((d) => ({ ...d, status: 'ARCHIVED' as const }))]);
    sequences(6, 0);
    const out = await archive(input);
    expect(out.archived.map((a) => a.archiveCode)).toEqual(CODES);
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
    // Releasing deletes the reservation items and writes no sequence.
    expect(sequenceWrites()).toEqual([]);
    expect(releases()).toEqual([`SEQUENCE#${D30}`, `SEQUENCE#${D10}`]);
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it('fails when the copy in the archive does not have the recorded checksum: removes the unlocked copy, locks nothing, archives nothing and keeps the reservations', async () => {
    stored(undefined, [documents()]);
    sequences(6, 0);
    s3Mock
      .on(HeadObjectCommand)
      .rejects(Object.assign(namedError('NotFound'), { $metadata: { httpStatusCode: 404 } }));
    s3Mock
      .on(CopyObjectCommand)
      .resolves({ VersionId: 'v', CopyObjectResult: { ChecksumSHA256: b64('0'.repeat(64)) } });
    s3Mock.on(DeleteObjectCommand).resolves({});

    await expect(archive(input)).rejects.toMatchObject({ name: 'ArchiveCopyMismatch' });
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(releases()).toEqual([]);
    expect(locks()).toEqual([]);
    const removed = s3Mock.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input);
    expect(removed.length).toBeGreaterThan(0);
    for (const r of removed) expect(r).toMatchObject({ Bucket: ARCHIVE, VersionId: 'v' });
  });

  it('refuses to archive for another execution or a submission not in review', async () => {
    stored(submission({ status: 'IN_REVIEW', attempt: 2, executionArn: 'other' }));
    await expect(archive(input)).rejects.toMatchObject({ name: 'WorkflowStateError' });
    stored(submission({ status: 'REJECTED', attempt: 1, executionArn: EXECUTION_ARN }));
    await expect(archive(input)).rejects.toMatchObject({ name: 'WorkflowStateError' });
    expect(writesAttempted()).toBe(0);
  });
});
