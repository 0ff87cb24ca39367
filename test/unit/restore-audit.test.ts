import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { BatchGetCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { dayOfAuditCopy } from '../../functions/core/audit-trail.ts';
import { parseArgs } from '../../scripts/restore-audit/args.ts';
import { restoreAuditTrail } from '../../scripts/restore-audit/restore.ts';

const s3 = new S3Client({ region: 'us-east-1' });
const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const s3Mock = mockClient(s3);
const ddbMock = mockClient(ddb);

afterEach(() => {
  s3Mock.reset();
  ddbMock.reset();
});

const NOW = new Date('2026-12-06T00:00:00Z');
/** An event as appended on 2026-12-04: kept by the table until 2027-12-11 (a year and a week). */
const event = (sk: string) => ({
  pk: 'TARGET#c1',
  sk,
  at: '2026-12-04T08:00:00.000Z',
  action: 'customer.created',
  gsi1pk: 'ACTOR#u#1',
  expiresAt: Date.parse('2027-12-11T08:00:00Z') / 1000,
});
const line = (change: string, e: unknown, before?: unknown) =>
  JSON.stringify({ change, sequence: '1', event: e, ...(before ? { before } : {}) });
/** A GetObject body as the SDK hands it over (only what the restore calls). */
const body = (text: string) => ({ transformToString: async () => text });

function copies(objects: Record<string, string[]>) {
  s3Mock.on(ListObjectsV2Command).callsFake((input: { StartAfter?: string }) => ({
    Contents: Object.keys(objects)
      .sort()
      .filter((k) => input.StartAfter === undefined || k > input.StartAfter)
      .map((Key) => ({ Key })),
  }));
  s3Mock
    .on(GetObjectCommand)
    .callsFake((input: { Key: string }) => ({ Body: body(`${(objects[input.Key] ?? []).join('\n')}\n`) }));
}

describe('restoring the audit trail from its locked copies', () => {
  it('puts the events the table lacks, counts those it holds, and never applies a change or removal', async () => {
    copies({
      'audit/2026/12/04/1-2.jsonl': [line('INSERT', event('a')), line('INSERT', event('b'))],
      'audit/2026/12/05/3-4.jsonl': [line('INSERT', event('c')), line('MODIFY', event('c'), event('c'))],
    });
    ddbMock
      .on(BatchGetCommand)
      .callsFake((input: { RequestItems: Record<string, { Keys: { sk: string }[] }> }) => ({
        Responses: {
          audit: input.RequestItems.audit?.Keys.filter((k) => k.sk === 'b').map((k) => ({
            pk: 'TARGET#c1',
            ...k,
          })),
        },
      }));
    ddbMock.on(PutCommand).resolves({});
    const counts = await restoreAuditTrail({ s3, ddb, bucket: 'archive', table: 'audit', now: NOW });
    expect(counts).toEqual({ objects: 2, restored: 2, present: 1, tampering: 1, expired: 0 });
    const puts = ddbMock.commandCalls(PutCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => p.Item?.sk).sort()).toEqual(['a', 'c']);
    expect(puts.every((p) => p.ConditionExpression === 'attribute_not_exists(pk)')).toBe(true);
    expect(puts.find((p) => p.Item?.sk === 'c')?.Item).toEqual(event('c'));
  });

  it('reads only the copies of the days asked for', async () => {
    copies({
      'audit/2026/12/03/1-1.jsonl': [line('INSERT', event('x'))],
      'audit/2026/12/04/2-2.jsonl': [line('INSERT', event('y'))],
      'audit/2026/12/05/3-3.jsonl': [line('INSERT', event('z'))],
    });
    ddbMock.on(BatchGetCommand).resolves({ Responses: { audit: [] } });
    ddbMock.on(PutCommand).resolves({});
    const counts = await restoreAuditTrail({
      s3,
      ddb,
      bucket: 'archive',
      table: 'audit',
      fromDay: '2026-12-04',
      toDay: '2026-12-04',
    });
    expect(counts.objects).toBe(1);
    expect(ddbMock.commandCalls(PutCommand).map((c) => c.args[0].input.Item?.sk)).toEqual(['y']);
  });

  it('counts an event refused by its condition as present (another restore put it first)', async () => {
    copies({ 'audit/2026/12/04/1-1.jsonl': [line('INSERT', event('a'))] });
    ddbMock.on(BatchGetCommand).resolves({ Responses: { audit: [] } });
    ddbMock.on(PutCommand).rejects(
      Object.assign(new Error('The conditional request failed'), {
        name: 'ConditionalCheckFailedException',
      }),
    );
    expect(await restoreAuditTrail({ s3, ddb, bucket: 'archive', table: 'audit', now: NOW })).toEqual({
      objects: 1,
      restored: 0,
      present: 1,
      tampering: 0,
      expired: 0,
    });
  });

  it("leaves in the copies the events past the table's year, and gives an older copy's events their expiry", async () => {
    const { expiresAt: _none, ...copiedBeforeExpiries } = event('old');
    copies({
      'audit/2025/11/01/1-1.jsonl': [
        line('INSERT', { ...copiedBeforeExpiries, at: '2025-11-01T08:00:00.000Z' }),
      ],
      'audit/2026/11/30/2-3.jsonl': [
        line('INSERT', { ...copiedBeforeExpiries, sk: 'recent', at: '2026-11-30T08:00:00.000Z' }),
        line('INSERT', { ...event('gone'), expiresAt: Date.parse('2026-12-05T00:00:00Z') / 1000 }),
      ],
    });
    ddbMock.on(BatchGetCommand).resolves({ Responses: { audit: [] } });
    ddbMock.on(PutCommand).resolves({});
    const counts = await restoreAuditTrail({ s3, ddb, bucket: 'archive', table: 'audit', now: NOW });
    expect(counts).toMatchObject({ restored: 1, expired: 1 });
    const puts = ddbMock.commandCalls(PutCommand).map((c) => c.args[0].input.Item);
    // A year and a week from its time, as the trail now writes it.
    expect(puts).toEqual([
      {
        ...copiedBeforeExpiries,
        sk: 'recent',
        at: '2026-11-30T08:00:00.000Z',
        expiresAt: Date.parse('2027-12-07T08:00:00Z') / 1000,
      },
    ]);
    // Without --from, the copies are read from the first day the table still keeps.
    const listed = s3Mock.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input.StartAfter);
    expect(listed).toEqual(['audit/2025/11/29/']);
    expect(s3Mock.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key)).toEqual([
      'audit/2026/11/30/2-3.jsonl',
    ]);
  });

  it('names the day of a copy from its key, and nothing else under audit/', () => {
    expect(dayOfAuditCopy('audit/2026/12/04/1-2.jsonl')).toBe('2026-12-04');
    expect(dayOfAuditCopy('audit/readme.txt')).toBeUndefined();
  });
});

describe('npm run restore-audit arguments', () => {
  it('takes a bucket, a table and an optional range of days', () => {
    expect(parseArgs(['--bucket', 'b', '--table', 't', '--from', '2026-01-01', '--to=2026-01-31'])).toEqual({
      bucket: 'b',
      table: 't',
      fromDay: '2026-01-01',
      toDay: '2026-01-31',
    });
  });

  it('refuses a missing bucket, an unknown option, a day that does not exist and a range backwards, in Chinese and English', () => {
    expect(() => parseArgs(['--table', 't'])).toThrow(/缺少 --bucket[\s\S]*--bucket is required/);
    expect(() => parseArgs(['--bucket', 'b', '--table', 't', '--force'])).toThrow(/参数有误[\s\S]*--force/);
    expect(() => parseArgs(['--bucket', 'b', '--table', 't', '--from', '2026-02-30'])).toThrow(
      /--from must be a date YYYY-MM-DD, got 2026-02-30/,
    );
    expect(() =>
      parseArgs(['--bucket', 'b', '--table', 't', '--from', '2026-03-01', '--to', '2026-02-01']),
    ).toThrow(/晚于[\s\S]*is after/);
  });
});
