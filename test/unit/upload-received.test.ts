import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { S3Event } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GetObjectCommand, HeadObjectCommand } from '../../functions/adapters/s3-commands.ts';
import { decodeS3Key, handler, objectsOf } from '../../functions/events/upload-received.ts';
import {
  objectBody as body,
  cancelled,
  DOC_IDS,
  ddbMock,
  INTAKE,
  namedError,
  resetMocks,
  SUBMISSION_ID,
  s3Mock,
  setEnv,
  sha,
  strictMocks,
  TABLE,
  transactItems,
  writesAttempted,
} from './intake-fixtures.ts';

const DOC = DOC_IDS[0];
const KEY = `intake/${SUBMISSION_ID}/${DOC}`;

function s3Event(
  key: string,
  bucket = INTAKE,
  eventName = 'ObjectCreated:Put',
  extra: { versionId?: string; sequencer?: string } = {},
): S3Event {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: '2026-03-01T08:05:00.000Z',
        eventName,
        userIdentity: { principalId: 'x' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': 'r', 'x-amz-id-2': 'i' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'intake',
          bucket: { name: bucket, ownerIdentity: { principalId: 'x' }, arn: `arn:aws:s3:::${bucket}` },
          object: {
            key,
            size: 1000,
            eTag: 'e',
            sequencer: extra.sequencer ?? '1',
            ...(extra.versionId ? { versionId: extra.versionId } : {}),
          },
        },
      },
    ],
  };
}

describe('upload-received', () => {
  beforeEach(() => {
    setEnv();
    strictMocks();
  });
  afterEach(resetMocks);

  function object(
    head: Uint8Array,
    size = 1000,
    sha256 = sha(1),
    stored: { versionId?: string; uploadId?: string } = {},
  ) {
    const version = stored.versionId ? { VersionId: stored.versionId } : {};
    s3Mock.on(HeadObjectCommand, { Bucket: INTAKE, Key: KEY, ChecksumMode: 'ENABLED', ...version }).resolves({
      ContentLength: size,
      ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64'),
      ...version,
      Metadata: stored.uploadId ? { 'upload-id': stored.uploadId } : {},
    });
    s3Mock
      .on(GetObjectCommand, { Bucket: INTAKE, Key: KEY, Range: 'bytes=0-63', ...version })
      .resolves({ Body: body(head) });
  }

  /** The records upload-received reads after its transaction was refused. */
  function records(submissionStatus: string, doc: Record<string, unknown>) {
    ddbMock
      .on(GetCommand, { Key: { pk: `SUBMISSION#${SUBMISSION_ID}`, sk: 'SUBMISSION' } })
      .resolves({ Item: { submissionId: SUBMISSION_ID, status: submissionStatus, createdByName: 'clerk1' } });
    ddbMock.on(GetCommand, { Key: { pk: `DOCUMENT#${DOC}`, sk: 'DOCUMENT' } }).resolves({
      Item: { documentId: DOC, submissionId: SUBMISSION_ID, status: 'UPLOADED', sha256: sha(1), ...doc },
    });
  }

  const ignoredEvents = () =>
    ddbMock.commandCalls(PutCommand).map((c) => c.args[0].input.Item as Record<string, unknown>);

  it('records size, checksum (hex) and the sniffed type, only while the document takes uploads', async () => {
    object(new TextEncoder().encode('%PDF-1.7 ...'), 1000);
    ddbMock.on(TransactWriteCommand).resolves({});

    const out = await handler(s3Event(KEY));

    expect(out.outcomes).toEqual(['recorded']);
    const [check, update] = transactItems();
    expect(check?.ConditionCheck).toMatchObject({
      TableName: TABLE,
      Key: { pk: `SUBMISSION#${SUBMISSION_ID}`, sk: 'SUBMISSION' },
      ConditionExpression: '#status IN (:draft, :rejected)',
    });
    expect(update?.Update?.Key).toEqual({ pk: `DOCUMENT#${DOC}`, sk: 'DOCUMENT' });
    // An object without an upload id (made before upload URLs carried one) counts only when its
    // checksum is the one declared; never over a later upload of the key.
    expect(update?.Update?.ConditionExpression).toBe(
      'submissionId = :sid AND #status IN (:pending, :uploaded) AND (attribute_not_exists(uploadId) AND sha256 = :sha) ' +
        'AND (attribute_not_exists(uploadSequencer) OR uploadSequencer < :seq)',
    );
    expect(update?.Update?.ExpressionAttributeValues).toMatchObject({
      ':sid': SUBMISSION_ID,
      ':uploaded': 'UPLOADED',
      ':size': 1000,
      ':sha': sha(1),
      ':type': 'application/pdf',
    });
    // The change and its audit event, by the system, in the same transaction.
    const audit = transactItems()[2]?.Put;
    expect(audit?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(audit?.Item).toMatchObject({
      pk: `TARGET#${DOC}`,
      sk: `2026-03-01T08:05:00.000Z#upload-${DOC}-1`,
      action: 'document.uploaded',
      actorSub: 'system',
      targetType: 'document',
      targetId: DOC,
      details: {
        submissionId: SUBMISSION_ID,
        receivedSize: 1000,
        receivedSha256: sha(1),
        sniffedType: 'application/pdf',
      },
    });
    expect(transactItems()).toHaveLength(3);
  });

  it('sniffs the real type, whatever the upload claimed', async () => {
    object(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    ddbMock.on(TransactWriteCommand).resolves({});
    await handler(s3Event(KEY));
    expect(transactItems()[1]?.Update?.ExpressionAttributeValues?.[':type']).toBe('image/png');
  });

  it('is safe to run twice: the second run writes the same facts', async () => {
    object(new TextEncoder().encode('%PDF-1.4'));
    ddbMock.on(TransactWriteCommand).resolves({});
    await handler(s3Event(KEY));
    await handler(s3Event(KEY));
    const a = transactItems(0)[1]?.Update?.ExpressionAttributeValues ?? {};
    const b = transactItems(1)[1]?.Update?.ExpressionAttributeValues ?? {};
    expect({ ...a, ':at': 0 }).toEqual({ ...b, ':at': 0 });
    // The same storage event keys the same audit event, which DynamoDB then writes only once.
    const keyOf = (n: number) => {
      const item = transactItems(n)[2]?.Put?.Item;
      return { pk: item?.pk, sk: item?.sk };
    };
    expect(keyOf(1)).toEqual(keyOf(0));
  });

  it('records the version and upload id storage reports, so everything after reads that version', async () => {
    object(new TextEncoder().encode('%PDF-1.7'), 1000, sha(1), { versionId: 'v2', uploadId: 'u-current' });
    ddbMock.on(TransactWriteCommand).resolves({});
    const out = await handler(
      s3Event(KEY, INTAKE, 'ObjectCreated:Put', { versionId: 'v2', sequencer: 'A1' }),
    );
    expect(out.outcomes).toEqual(['recorded']);
    const update = transactItems()[1]?.Update;
    expect(update?.ConditionExpression).toContain('uploadId = :uid');
    expect(update?.UpdateExpression).toContain('receivedVersionId = :version');
    expect(update?.ExpressionAttributeValues).toMatchObject({
      ':uid': 'u-current',
      ':version': 'v2',
      // Left-padded, as S3's sequencers of one key compare only at equal length.
      ':seq': `${'0'.repeat(30)}A1`,
    });
    expect(transactItems()[2]?.Put?.Item?.details).toMatchObject({ versionId: 'v2' });
  });

  it('reports a repeated storage event as already recorded, writing nothing more', async () => {
    object(new TextEncoder().encode('%PDF-1.4'), 1000, sha(1), { versionId: 'v1', uploadId: 'u1' });
    ddbMock
      .on(TransactWriteCommand)
      .rejects(cancelled(['None', 'ConditionalCheckFailed', 'ConditionalCheckFailed']));
    records('DRAFT', { uploadId: 'u1', uploadSequencer: `${'0'.repeat(31)}1`, receivedVersionId: 'v1' });
    const out = await handler(s3Event(KEY, INTAKE, 'ObjectCreated:Put', { versionId: 'v1' }));
    expect(out.outcomes).toEqual(['not-accepting']);
    expect(ignoredEvents()).toEqual([]);
  });

  it('knows the recorded upload delivered again after archiving by its version, and audits any other version', async () => {
    // Archiving drops the sequencer and the upload id; what storage saw (the version) stays.
    const archived = { status: 'ARCHIVED', receivedVersionId: 'v1' };
    object(new TextEncoder().encode('%PDF-1.4'), 1000, sha(1), { versionId: 'v1', uploadId: 'u1' });
    ddbMock
      .on(TransactWriteCommand)
      .rejects(cancelled(['ConditionalCheckFailed', 'ConditionalCheckFailed', 'None']));
    records('ARCHIVED', archived);
    ddbMock.on(PutCommand).resolves({});
    expect((await handler(s3Event(KEY, INTAKE, 'ObjectCreated:Put', { versionId: 'v1' }))).outcomes).toEqual([
      'not-accepting',
    ]);
    expect(ignoredEvents()).toEqual([]);

    object(new TextEncoder().encode('%PDF-1.4'), 1000, sha(1), { versionId: 'v2', uploadId: 'u1' });
    await handler(s3Event(KEY, INTAKE, 'ObjectCreated:Put', { versionId: 'v2', sequencer: '2' }));
    expect(ignoredEvents().map((e) => [e.action, (e.details as { versionId?: string }).versionId])).toEqual([
      ['document.upload-ignored', 'v2'],
    ]);
  });

  it('records an upload to a submission that no longer takes uploads as ignored, with what arrived', async () => {
    object(new TextEncoder().encode('%PDF-1.4'), 1000, sha(2), { versionId: 'v9', uploadId: 'u1' });
    ddbMock.on(TransactWriteCommand).rejects(cancelled(['ConditionalCheckFailed', 'None', 'None']));
    records('IN_REVIEW', { uploadId: 'u1', uploadSequencer: `${'0'.repeat(31)}0` });
    ddbMock.on(PutCommand).resolves({});
    const out = await handler(s3Event(KEY, INTAKE, 'ObjectCreated:Put', { versionId: 'v9', sequencer: '7' }));
    expect(out.outcomes).toEqual(['not-accepting']);
    const [event] = ignoredEvents();
    expect(event).toMatchObject({
      pk: `TARGET#${DOC}`,
      sk: `2026-03-01T08:05:00.000Z#upload-ignored-${DOC}-7`,
      action: 'document.upload-ignored',
      actorSub: 'system',
      details: {
        submissionId: SUBMISSION_ID,
        submissionStatus: 'IN_REVIEW',
        clerk: 'clerk1',
        versionId: 'v9',
        uploadId: 'u1',
        receivedSize: 1000,
        receivedSha256: sha(2),
        sourceIp: '127.0.0.1',
      },
    });
    expect(String((event?.details as { reason?: string } | undefined)?.reason)).toMatch(
      /IN_REVIEW.*DRAFT or REJECTED/,
    );
    // Only the audit event: the document and the submission were not written.
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(1);
  });

  it('records an upload through a replaced URL as ignored', async () => {
    object(new TextEncoder().encode('%PDF-1.4'), 1000, sha(1), { versionId: 'v3', uploadId: 'u-old' });
    ddbMock.on(TransactWriteCommand).rejects(cancelled(['None', 'ConditionalCheckFailed', 'None']));
    records('DRAFT', { uploadId: 'u-new' });
    ddbMock.on(PutCommand).resolves({});
    await handler(s3Event(KEY, INTAKE, 'ObjectCreated:Put', { versionId: 'v3', sequencer: '9' }));
    expect(ignoredEvents()[0]?.details).toMatchObject({
      reason: 'it came through an upload URL that a newer one has replaced',
      uploadId: 'u-old',
    });
  });

  it('records an event older than the upload taken as ignored, and a redelivered refusal once', async () => {
    object(new TextEncoder().encode('%PDF-1.4'), 1000, sha(1), { versionId: 'v1', uploadId: 'u1' });
    ddbMock.on(TransactWriteCommand).rejects(cancelled(['None', 'ConditionalCheckFailed', 'None']));
    records('DRAFT', { uploadId: 'u1', uploadSequencer: `${'0'.repeat(30)}B0`, receivedVersionId: 'v2' });
    ddbMock.on(PutCommand).resolvesOnce({}).rejects(namedError('ConditionalCheckFailedException'));
    await handler(s3Event(KEY, INTAKE, 'ObjectCreated:Put', { versionId: 'v1', sequencer: 'A0' }));
    const again = await handler(
      s3Event(KEY, INTAKE, 'ObjectCreated:Put', { versionId: 'v1', sequencer: 'A0' }),
    );
    expect(again.outcomes).toEqual(['not-accepting']);
    expect(ignoredEvents()[0]?.details).toMatchObject({
      reason: 'a later upload of the same document was taken already',
    });
  });

  it('fails (for the event source to retry) on other DynamoDB errors', async () => {
    object(new TextEncoder().encode('%PDF-1.4'));
    ddbMock.on(TransactWriteCommand).rejects(namedError('ProvisionedThroughputExceededException'));
    await expect(handler(s3Event(KEY))).rejects.toThrow('ProvisionedThroughputExceededException');
  });

  it.each([
    ['a key outside intake/', 'uploads/readme.txt', INTAKE],
    ['a key with extra segments', `intake/${SUBMISSION_ID}/${DOC}/extra`, INTAKE],
    ['another bucket', KEY, 'some-other-bucket'],
  ])('ignores %s without touching storage or records', async (_name, key, bucket) => {
    const out = await handler(s3Event(key, bucket));
    expect(out.outcomes).toEqual(['ignored']);
    expect(s3Mock.calls()).toHaveLength(0);
    expect(writesAttempted()).toBe(0);
  });

  it('ignores an object deleted before it could be read', async () => {
    s3Mock
      .on(HeadObjectCommand)
      .rejects(Object.assign(namedError('NotFound'), { $metadata: { httpStatusCode: 404 } }));
    const out = await handler(s3Event(KEY));
    expect(out.outcomes).toEqual(['gone']);
    expect(writesAttempted()).toBe(0);
  });

  it('ignores removal events', async () => {
    const out = await handler(s3Event(KEY, INTAKE, 'ObjectRemoved:Delete'));
    expect(out.outcomes).toEqual([]);
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it('accepts the EventBridge "Object Created" shape', async () => {
    object(new TextEncoder().encode('%PDF-1.4'));
    ddbMock.on(TransactWriteCommand).resolves({});
    const out = await handler({
      'detail-type': 'Object Created',
      time: '2026-03-01T08:06:00Z',
      detail: { bucket: { name: INTAKE }, object: { key: KEY, sequencer: '0055AED6DCD90281E5' } },
    });
    expect(out.outcomes).toEqual(['recorded']);
    expect(transactItems()[2]?.Put?.Item?.sk).toBe(`2026-03-01T08:06:00Z#upload-${DOC}-0055AED6DCD90281E5`);
  });

  it('decodes keys as S3 notifications encode them', () => {
    expect(decodeS3Key('scans/red+flower%281%29.jpg')).toBe('scans/red flower(1).jpg');
    expect(decodeS3Key('a%2Bb')).toBe('a+b');
    expect(decodeS3Key('bad%E0%A4%A')).toBeUndefined();
    expect(objectsOf(s3Event('intake%2Fx+y'))).toEqual([
      {
        bucket: INTAKE,
        key: 'intake/x y',
        time: '2026-03-01T08:05:00.000Z',
        sequencer: '1',
        sourceIp: '127.0.0.1',
      },
    ]);
  });
});
