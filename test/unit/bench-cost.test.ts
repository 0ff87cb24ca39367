/**
 * The benchmark's cost arithmetic (bench/cost.ts): item sizes and capacity units by DynamoDB's
 * rules, S3 request classes, state transitions from an execution history, and pricing.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  consumedUnits,
  gbSeconds,
  type Item,
  itemSize,
  type Prices,
  priceMalwareScanner,
  priceUsage,
  s3Operation,
  scaleLines,
  stateTransitions,
  storageModel,
  sumUsd,
  transactWriteUnits,
  ZERO_USAGE,
} from '../../bench/cost.ts';

const prices = JSON.parse(
  readFileSync(new URL('../../bench/prices.json', import.meta.url), 'utf8'),
) as Prices;
const GSI1 = [{ partitionKey: 'gsi1pk', sortKey: 'gsi1sk' }];

describe('DynamoDB item size', () => {
  it('counts attribute names and values as DynamoDB does', () => {
    expect(itemSize({ pk: { S: 'ab' } })).toBe(4);
    // UTF-8 bytes: 档 is three.
    expect(itemSize({ t: { S: '档' } })).toBe(4);
    // Numbers: one byte per two significant digits, plus one.
    expect(itemSize({ n: { N: '12345' } })).toBe(1 + 4);
    expect(itemSize({ n: { N: '1000' } })).toBe(1 + 2);
    expect(itemSize({ b: { BOOL: true }, z: { NULL: true } })).toBe(4);
    // Maps and lists: three bytes, plus one per element, plus the elements (and names).
    expect(itemSize({ m: { M: { a: { S: 'xy' } } } })).toBe(1 + 3 + 1 + 1 + 2);
    expect(itemSize({ l: { L: [{ S: 'x' }, { S: 'y' }] } })).toBe(1 + 3 + 2 + 2);
    expect(itemSize(undefined)).toBe(0);
  });
});

describe('TransactWriteItems units', () => {
  const kb = (n: number): Item => ({ pk: { S: 'p' }, sk: { S: 's' }, v: { S: 'x'.repeat(n * 1024 - 7) } });

  it('charges two units per KB of the larger image, at least two', () => {
    expect(transactWriteUnits({ action: 'Put', after: kb(1), indexes: [] })).toEqual({
      table: 2,
      indexes: 0,
    });
    expect(transactWriteUnits({ action: 'Update', before: kb(3), after: kb(1), indexes: [] }).table).toBe(6);
    expect(transactWriteUnits({ action: 'ConditionCheck', before: kb(1), indexes: GSI1 })).toEqual({
      table: 2,
      indexes: 0,
    });
    expect(transactWriteUnits({ action: 'Put', indexes: [] }).table).toBe(2);
  });

  it('adds a standard index write when the item enters, stays in, leaves or moves in an index', () => {
    const inIndex = (key: string, size = 1): Item => ({
      ...kb(size),
      gsi1pk: { S: key },
      gsi1sk: { S: 'k' },
    });
    expect(transactWriteUnits({ action: 'Put', after: inIndex('a'), indexes: GSI1 }).indexes).toBe(2);
    expect(
      transactWriteUnits({ action: 'Update', before: inIndex('a'), after: inIndex('a'), indexes: GSI1 })
        .indexes,
    ).toBe(2);
    // A key change is a delete and a put in the index.
    expect(
      transactWriteUnits({ action: 'Update', before: inIndex('a'), after: inIndex('b', 3), indexes: GSI1 })
        .indexes,
    ).toBe(2 + 4);
    expect(transactWriteUnits({ action: 'Delete', before: inIndex('a'), indexes: GSI1 }).indexes).toBe(2);
    expect(transactWriteUnits({ action: 'Update', before: kb(1), after: kb(1), indexes: GSI1 }).indexes).toBe(
      0,
    );
  });

  it('writes to a KEYS_ONLY index only when its keys change, one unit per entry of keys', () => {
    const keysOnly = [
      { partitionKey: 'gsi1pk', sortKey: 'gsi1sk', projection: 'KEYS_ONLY', tableKeys: ['pk', 'sk'] },
    ] as const;
    const inIndex = (key: string, size = 1): Item => ({
      ...kb(size),
      gsi1pk: { S: key },
      gsi1sk: { S: 'k' },
    });
    expect(transactWriteUnits({ action: 'Put', after: inIndex('a', 3), indexes: keysOnly })).toEqual({
      table: 8,
      indexes: 1,
    });
    // The item grows and changes, its index keys stay: nothing written to the index.
    expect(
      transactWriteUnits({
        action: 'Update',
        before: inIndex('a'),
        after: inIndex('a', 3),
        indexes: keysOnly,
      }).indexes,
    ).toBe(0);
    expect(
      transactWriteUnits({
        action: 'Update',
        before: inIndex('a', 3),
        after: inIndex('b', 3),
        indexes: keysOnly,
      }).indexes,
    ).toBe(2);
    expect(transactWriteUnits({ action: 'Delete', before: inIndex('a', 3), indexes: keysOnly }).indexes).toBe(
      1,
    );
    expect(
      transactWriteUnits({ action: 'Update', before: inIndex('a', 3), after: kb(3), indexes: keysOnly })
        .indexes,
    ).toBe(1);
  });

  it('reads DynamoDB Local consumed capacity as read or write units', () => {
    expect(consumedUnits({ CapacityUnits: 0.5 }, 'GetItem')).toEqual({ read: 0.5, write: 0 });
    expect(consumedUnits([{ CapacityUnits: 2 }, { CapacityUnits: 1 }], 'BatchWriteItem')).toEqual({
      read: 0,
      write: 3,
    });
    expect(consumedUnits(undefined, 'PutItem')).toBeUndefined();
  });
});

describe('S3 request classes', () => {
  it('classes requests by method and sub-resource', () => {
    expect(s3Operation('PUT', '/intake/intake/s/d?X-Amz-Signature=1', false)).toEqual({
      op: 'PutObject',
      cls: 'tier1',
    });
    expect(s3Operation('PUT', '/archive/originals/x', true)).toEqual({ op: 'CopyObject', cls: 'tier1' });
    expect(s3Operation('PUT', '/intake/k?tagging', false)).toEqual({ op: 'PutObjectTagging', cls: 'tier1' });
    expect(s3Operation('GET', '/intake/k?tagging', false)).toEqual({ op: 'GetObjectTagging', cls: 'tier2' });
    expect(s3Operation('HEAD', '/archive/k', false)).toEqual({ op: 'HeadObject', cls: 'tier2' });
    expect(s3Operation('GET', '/intake/k', false)).toEqual({ op: 'GetObject', cls: 'tier2' });
    expect(s3Operation('GET', '/intake?list-type=2', false)).toEqual({ op: 'ListObjects', cls: 'tier1' });
    expect(s3Operation('DELETE', '/intake/k', false).cls).toBe('free');
  });
});

describe('state transitions', () => {
  it('counts states entered and task retries', () => {
    const events = [
      { type: 'ExecutionStarted' },
      { type: 'TaskStateEntered' },
      { type: 'TaskScheduled' },
      { type: 'TaskFailed' },
      { type: 'TaskScheduled' },
      { type: 'TaskSucceeded' },
      { type: 'TaskStateExited' },
      { type: 'ChoiceStateEntered' },
      { type: 'ChoiceStateExited' },
      { type: 'TaskStateEntered' },
      { type: 'LambdaFunctionScheduled' },
      { type: 'SucceedStateEntered' },
      { type: 'ExecutionSucceeded' },
    ];
    expect(stateTransitions(events)).toEqual({ entered: 4, retries: 1 });
  });
});

describe('pricing', () => {
  it('bills Lambda per started millisecond at the configured memory', () => {
    expect(gbSeconds(0.2, 1024)).toBeCloseTo(0.001);
    expect(gbSeconds(100.1, 512)).toBeCloseTo(0.101 * 0.5);
  });

  it('prices usage from the price table and scales it per 1,000', () => {
    const usage = {
      ...ZERO_USAGE,
      stateTransitions: 6,
      lambdaRequests: 10,
      dynamoWriteUnits: 100,
      s3Tier1: 3,
      apiRequests: 5,
      scannedObjects: 5,
    };
    const lines = priceUsage(usage, prices);
    const sfn = lines.find((l) => l.service === 'Step Functions');
    expect(sfn?.usd).toBeCloseTo(6 * 0.000025);
    const inTarget = 6 * 0.000025 + 10 * 0.0000002 + 100 * 0.000000625 + 3 * 0.000005 + 5 * 0.000001;
    expect(sumUsd(lines, (l) => l.inTarget)).toBeCloseTo(inTarget, 12);
    // Malware scanning is priced but outside the per-document target.
    expect(sumUsd(lines)).toBeCloseTo(inTarget + 5 * 0.000215, 12);
    const perThousand = scaleLines(lines, 5, 1000);
    expect(sumUsd(perThousand, (l) => l.inTarget)).toBeCloseTo((inTarget / 5) * 1000, 9);
  });

  it('models storage with the lifecycle: Standard, then Glacier Instant Retrieval at its 128 KB minimum', () => {
    const m = storageModel(
      { meanObjectBytes: 64 * 1024, transitionDays: 90, intakeExpiryDays: 30, metadataBytesPerDocument: 0 },
      prices,
    );
    expect(m.standardPerTbMonth).toBeCloseTo(1024 * 0.023);
    // 64 KB objects are billed as 128 KB in Glacier IR: twice the bytes.
    expect(m.archivedPerTbMonth).toBeCloseTo(2 * 1024 * 0.004);
    expect(m.objectsPerTb).toBe(16 * 1024 * 1024);
    expect(m.transitionPerTb).toBeCloseTo(16 * 1024 * 1024 * 0.00002);
    expect(m.intakeCopyPerTb).toBeCloseTo(1024 * 0.023);
  });
});

describe('malware scanner choice', () => {
  const workload = { meanObjectBytes: 500 * 1024, documentsPerSubmission: 5, documentsPerMonth: 100_000 };

  it('prices GuardDuty per object and GB scanned, with nothing fixed', () => {
    const cost = priceMalwareScanner('guardduty', workload, prices);
    const g = prices.guardDutyMalwareS3;
    expect(cost.perThousandUsd).toBeCloseTo(
      1000 * g.objectEvaluatedUsd + ((1000 * 500 * 1024) / 1024 ** 3) * g.gbScannedUsd,
      10,
    );
    expect(cost.fixedMonthlyUsd).toBe(0);
    expect(cost.perThousandAllInUsd).toBe(cost.perThousandUsd);
  });

  it('prices ClamAV by its Lambda time per MB and per batch, plus fixed monthly costs spread over the volume', () => {
    const five = priceMalwareScanner('clamav', workload, prices);
    const one = priceMalwareScanner('clamav', { ...workload, documentsPerSubmission: 1 }, prices);
    const bigger = priceMalwareScanner('clamav', { ...workload, meanObjectBytes: 5 * 1024 * 1024 }, prices);
    // A submission's files share one invocation; bigger files take longer to scan.
    expect(one.perThousandUsd).toBeGreaterThan(five.perThousandUsd);
    expect(bigger.perThousandUsd).toBeGreaterThan(five.perThousandUsd);
    // The scan itself: 1,000 files at the assumed rate, the objects' requests and five-file batches.
    const c = prices.clamavScanner;
    const seconds =
      1000 * (500 / 1024 / c.scanMBPerSecond + c.perObjectMs / 1000) + 200 * (c.perBatchMs / 1000);
    const compute = five.lines.find((l) => l.item === 'ClamAV scan GB-seconds');
    expect(compute?.quantity).toBeCloseTo(seconds * (c.memoryMB / 1024), 6);
    expect(five.fixedMonthlyUsd).toBeGreaterThan(0);
    expect(five.perThousandAllInUsd).toBeCloseTo(
      five.perThousandUsd + (five.fixedMonthlyUsd / 100_000) * 1000,
      10,
    );
    // At a hundred thousand documents a month it is a fraction of GuardDuty's fee.
    expect(five.perThousandAllInUsd).toBeLessThan(
      priceMalwareScanner('guardduty', workload, prices).perThousandUsd / 5,
    );
  });
});
