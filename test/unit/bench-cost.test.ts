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
  infrequentAccessShares,
  intakeFloor,
  intakeRulesFloor,
  isService,
  itemSize,
  keptShare,
  loadPrices,
  metadataGbMonthUsd,
  priceMalwareScanner,
  priceUsage,
  s3Operation,
  scaleLines,
  stateTransitions,
  storageModel,
  storedBytes,
  sumUsd,
  transactWriteUnits,
  ZERO_USAGE,
} from '../../bench/cost.ts';

const priceFile = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../bench/${name}`, import.meta.url), 'utf8'));
const prices = loadPrices(priceFile('prices.json'));
const GB = 1024 ** 3;
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

describe('bytes stored', () => {
  it('holds the item in an ALL index and the index and table keys in a KEYS_ONLY one, 100 bytes each over', () => {
    const layout = {
      partitionKey: { name: 'pk' },
      sortKey: { name: 'sk' },
      indexes: [
        { partitionKey: { name: 'gsi1pk' }, sortKey: { name: 'gsi1sk' }, projection: 'KEYS_ONLY' as const },
        { partitionKey: { name: 'gsi2pk' }, sortKey: { name: 'gsi2sk' }, projection: 'ALL' as const },
        { partitionKey: { name: 'gsi3pk' }, sortKey: { name: 'gsi3sk' }, projection: 'ALL' as const },
      ],
    };
    const item: Item = {
      pk: { S: 'ab' },
      sk: { S: 'c' },
      gsi1pk: { S: 'x' },
      gsi1sk: { S: 'y' },
      gsi2pk: { S: 'z' },
      gsi2sk: { S: 'w' },
      body: { S: 'v'.repeat(500) },
    };
    const whole = itemSize(item);
    // The KEYS_ONLY entry: pk, sk, gsi1pk, gsi1sk (names and values); gsi3 keys absent, no entry.
    const keysOnly = 2 + 2 + 2 + 1 + 6 + 1 + 6 + 1;
    expect(storedBytes(layout, item)).toEqual({ table: whole + 100, indexes: keysOnly + 100 + whole + 100 });
  });

  it('holds the keys and the named attributes in an INCLUDE index', () => {
    const layout = {
      partitionKey: { name: 'pk' },
      sortKey: { name: 'sk' },
      indexes: [
        {
          partitionKey: { name: 'gsi1pk' },
          sortKey: { name: 'gsi1sk' },
          projection: 'INCLUDE' as const,
          nonKeyAttributes: ['action', 'absent'],
        },
      ],
    };
    const item: Item = {
      pk: { S: 'ab' },
      sk: { S: 'c' },
      gsi1pk: { S: 'x' },
      gsi1sk: { S: 'y' },
      action: { S: 'doc.read' },
      details: { S: 'v'.repeat(900) },
    };
    // pk, sk, gsi1pk, gsi1sk and action (names and values); the details stay in the table only.
    const entry = 2 + 2 + 2 + 1 + 6 + 1 + 6 + 1 + 6 + 8;
    expect(storedBytes(layout, item)).toEqual({ table: itemSize(item) + 100, indexes: entry + 100 });
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

  it('writes an INCLUDE entry by its own size, and again only when a projected attribute changes', () => {
    const include = [
      {
        partitionKey: 'gsi1pk',
        sortKey: 'gsi1sk',
        projection: 'INCLUDE',
        nonKeyAttributes: ['action'],
        tableKeys: ['pk', 'sk'],
      },
    ] as const;
    const event = (action: string, size = 1): Item => ({
      ...kb(size),
      gsi1pk: { S: 'a' },
      gsi1sk: { S: 'k' },
      action: { S: action },
    });
    // A 3 KB event: six units in the table, one for its small index entry (three were it ALL).
    expect(transactWriteUnits({ action: 'Put', after: event('x', 3), indexes: include })).toEqual({
      table: 8,
      indexes: 1,
    });
    const update = (before: Item, after: Item) =>
      transactWriteUnits({ action: 'Update', before, after, indexes: include }).indexes;
    expect(update(event('x'), event('x', 3))).toBe(0);
    expect(update(event('x'), event('y'))).toBe(1);
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

  it('prices every line of the usage, the chosen scanner included, and scales it per 1,000', () => {
    const usage = {
      ...ZERO_USAGE,
      stateTransitions: 6,
      lambdaRequests: 10,
      lambdaInitGbSeconds: 2,
      dynamoWriteUnits: 100,
      streamReads: 7,
      s3Tier1: 3,
      lifecycleTransitions: 5,
      dataTransferOutBytes: 2 * GB,
      accessLogRecords: 1000,
      apiRequests: 5,
      serviceEvents: 9,
      scannedObjects: 5,
      scannedBytes: GB,
    };
    const lines = priceUsage(usage, prices);
    const usdOf = (service: string, item: string) =>
      lines.find((l) => l.service === service && l.item.startsWith(item))?.usd;
    expect(usdOf('Step Functions', 'state')).toBeCloseTo(6 * 0.000025, 12);
    expect(usdOf('Lambda', 'INIT')).toBeCloseTo(2 * 0.0000133334, 12);
    expect(usdOf('S3', 'lifecycle')).toBeCloseTo(5 * 0.00002, 12);
    expect(usdOf('S3', 'data transfer')).toBeCloseTo(2 * 0.09, 12);
    // 1,000 records of 700 bytes kept 400 days in S3 Standard.
    expect(usdOf('S3', 'access-log')).toBeCloseTo(((1000 * 700) / GB) * (400 / 30) * 0.023, 12);
    // AWS charges nothing for service events on the default bus or stream reads by Lambda triggers,
    // but the quantities are on the bill.
    expect(lines.find((l) => l.service === 'EventBridge')).toMatchObject({ quantity: 9, usd: 0 });
    expect(lines.find((l) => l.item.startsWith('stream reads'))).toMatchObject({ quantity: 7, usd: 0 });
    const scan = sumUsd(lines, isService('Malware scan'));
    expect(scan).toBeCloseTo(5 * 0.000215 + 0.09, 12);
    const expected =
      6 * 0.000025 +
      10 * 0.0000002 +
      2 * 0.0000133334 +
      100 * 0.000000625 +
      3 * 0.000005 +
      5 * 0.00002 +
      2 * 0.09 +
      ((1000 * 700) / GB) * (400 / 30) * 0.023 +
      5 * 0.000001 +
      scan;
    expect(sumUsd(lines)).toBeCloseTo(expected, 12);
    expect(sumUsd(scaleLines(lines, 5, 1000))).toBeCloseTo((expected / 5) * 1000, 9);
  });

  it("bills a Standard-IA table's units at its class's price, its indexes with it", () => {
    const partitions = [
      { partition: 'Records DOCUMENT#1', read: 3, write: 6 },
      { partition: 'Audit TARGET#1', read: 1, write: 2 },
      { partition: 'Audit.gsi2 DAY#2026-12-04#3', read: 0, write: 2 },
    ];
    const shares = infrequentAccessShares(partitions, (t) =>
      t === 'Audit' ? 'STANDARD_INFREQUENT_ACCESS' : 'STANDARD',
    );
    expect(shares).toEqual({ read: 0.25, write: 0.4 });
    expect(infrequentAccessShares([], () => 'STANDARD')).toEqual({ read: 0, write: 0 });
    const lines = priceUsage({ ...ZERO_USAGE, dynamoWriteUnits: 6, dynamoIaWriteUnits: 4 }, prices);
    expect(sumUsd(lines)).toBeCloseTo(6 * 0.000000625 + 4 * 0.00000078125, 15);
  });

  it('refuses a malware scanner the price file has no prices for', () => {
    expect(() => priceUsage(ZERO_USAGE, prices, 'no-such-scanner')).toThrow(
      /malwareScanners\.no-such-scanner/,
    );
  });

  it('reads a CNY price file into dollars at its exchange rate, counts and sizes unchanged', () => {
    const cny = {
      region: 'cn-test-1',
      currency: 'CNY',
      exchangeRate: { cnyPerUsd: 8, source: 'test' },
      lambda: { requestCny: 1.6, note: 'kept' },
      s3: { glacierInstantRetrieval: { minimumBillableObjectBytes: 131072, storageGbMonthCny: 0.04 } },
    };
    expect(loadPrices(cny)).toEqual({
      region: 'cn-test-1',
      currency: 'CNY',
      exchangeRate: { cnyPerUsd: 8, source: 'test' },
      lambda: { requestUsd: 0.2, note: 'kept' },
      s3: { glacierInstantRetrieval: { minimumBillableObjectBytes: 131072, storageGbMonthUsd: 0.005 } },
    });
    expect(() => loadPrices({ currency: 'CNY' })).toThrow(/cnyPerUsd/);
    expect(() => loadPrices({ currency: 'EUR' })).toThrow(/EUR/);
  });

  it('has every price the bench uses for cn-north-1, in dollars, DynamoDB writes from the Beijing page', () => {
    const cn = loadPrices(priceFile('prices-cn-north-1.json'));
    expect(cn.region).toBe('cn-north-1');
    // ¥11.1538 per million write request units at 7.1287 CNY to the dollar.
    expect(cn.dynamodb.onDemandWriteUnitUsd).toBeCloseTo(11.1538e-6 / 7.1287, 15);
    // Every usage line prices to a number in both regions.
    const everything = Object.fromEntries(
      Object.keys(ZERO_USAGE).map((k) => [k, 1]),
    ) as unknown as typeof ZERO_USAGE;
    for (const p of [prices, cn]) {
      for (const l of priceUsage(everything, p))
        expect(Number.isFinite(l.usd), `${p.region} ${l.item}`).toBe(true);
    }
  });

  it('sets a floor per document that the GuardDuty fee alone puts above $0.10 per 1,000', () => {
    const lines = intakeFloor(prices, 'guardduty', 5, 200 * 1024, true);
    const scan = sumUsd(lines, isService('Malware scan'));
    expect(scan).toBeCloseTo(0.215 + ((200 * 1024) / GB) * 0.09 * 1000, 9);
    expect(scan).toBeGreaterThan(0.1);
    // One transition per submission: a fifth per document at five documents a submission.
    expect(lines.find((l) => l.service === 'Step Functions')?.quantity).toBeCloseTo(200);
    expect(lines.find((l) => l.item.startsWith('write'))?.quantity).toBe(4000);
  });

  it("adds the rules' records to the flow's floor: three changes and a read audited a document, two a submission", () => {
    const flow = intakeFloor(prices, 'guardduty', 5, 200 * 1024, true);
    const rules = intakeRulesFloor(prices, 'guardduty', 5, 200 * 1024, true);
    const quantity = (lines: typeof rules, item: string) => lines.find((l) => l.item === item)?.quantity;
    // Records: the document's three changes and the code's guard item (2 units each), the
    // submission's two changes shared by five: 8 + 4/5 units; the flow's single write is gone.
    expect(quantity(rules, 'write request units')).toBeCloseTo(8800);
    // Audit: 3.4 events in transactions (2 units), 1 outside (1), each of 4.4 in two indexes.
    expect(quantity(rules, 'write request units (Standard-IA)')).toBeCloseTo(16_600);
    // Each event's locked copy: one invocation and one PUT on top of the flow's.
    expect(quantity(rules, 'PUT/COPY/POST/LIST requests')).toBeCloseTo(
      (quantity(flow, 'PUT/COPY/POST/LIST requests') ?? 0) + 4400,
    );
    expect(quantity(rules, 'requests')).toBeCloseTo((quantity(flow, 'requests') ?? 0) + 4400);
    // Free stream reads are listed, so the bill shows they were counted.
    expect(quantity(rules, 'stream reads by Lambda triggers')).toBeCloseTo(4400);
    expect(sumUsd(rules) - sumUsd(flow)).toBeGreaterThan(0.03);
    // Every line of the flow's floor but its write is in the rules' floor unchanged.
    for (const l of flow.filter(
      (x) => !x.item.startsWith('write') && x.item !== 'requests' && !x.item.startsWith('PUT'),
    )) {
      expect(rules).toContainEqual(l);
    }
  });

  it("prices the rules' record writes at the records table's class the deployment chose", () => {
    const standard = intakeRulesFloor(prices, 'guardduty', 1, 200 * 1024, true, 'STANDARD');
    const infrequent = intakeRulesFloor(
      prices,
      'guardduty',
      1,
      200 * 1024,
      true,
      'STANDARD_INFREQUENT_ACCESS',
    );
    const quantity = (lines: typeof standard, item: string) =>
      lines.find((l) => l.item === item)?.quantity ?? 0;
    // One document a submission: 8 + 4 units of records, all moved to the Standard-IA line.
    expect(quantity(standard, 'write request units')).toBeCloseTo(12_000);
    expect(quantity(infrequent, 'write request units')).toBe(0);
    expect(quantity(infrequent, 'write request units (Standard-IA)')).toBeCloseTo(
      quantity(standard, 'write request units (Standard-IA)') + 12_000,
    );
    // Standard-IA's write unit is a quarter dearer: so is that part of the floor.
    const recordsUsd = (lines: typeof standard) => sumUsd(lines) - sumUsd(lines, isService('Malware scan'));
    expect(recordsUsd(infrequent) - recordsUsd(standard)).toBeCloseTo(
      12_000 * (prices.dynamodb.standardIaWriteUnitUsd - prices.dynamodb.onDemandWriteUnitUsd),
      9,
    );
  });

  it('models storage with the lifecycle: Standard, then Glacier Instant Retrieval at its 128 KB minimum', () => {
    const m = storageModel(
      {
        meanObjectBytes: 64 * 1024,
        transitionDays: 90,
        intakeExpiryDays: 30,
        metadata: [],
        documentHeldDays: 3652.5,
        auditObjectBytesPerDocument: 0,
        historyObjectBytesPerDocument: 0,
      },
      prices,
    );
    expect(m.standardPerTbMonth).toBeCloseTo(1024 * 0.023);
    // 64 KB objects are billed as 128 KB in Glacier IR: twice the bytes.
    expect(m.archivedPerTbMonth).toBeCloseTo(2 * 1024 * 0.004);
    expect(m.objectsPerTb).toBe(16 * 1024 * 1024);
    expect(m.transitionPerTb).toBeCloseTo(16 * 1024 * 1024 * 0.00002);
    expect(m.intakeCopyPerTb).toBeCloseTo(1024 * 0.023);
    expect(m.allInPerTbMonth).toBeCloseTo(m.archivedPerTbMonth);
  });

  it('prices what describes the originals by table class, PITR on table data only where on, audit copies in S3', () => {
    const table = { table: 'Audit', tableBytes: GB, indexBytes: 2 * GB, pitr: true };
    // Standard: three GB stored, one backed up.
    expect(metadataGbMonthUsd({ ...table, tableClass: 'STANDARD' }, prices)).toBeCloseTo(3 * 0.25 + 0.2);
    expect(metadataGbMonthUsd({ ...table, tableClass: 'STANDARD_INFREQUENT_ACCESS' }, prices)).toBeCloseTo(
      3 * 0.1 + 0.2,
    );
    // A table backed up by its locked copies instead: storage alone.
    expect(
      metadataGbMonthUsd({ ...table, tableClass: 'STANDARD_INFREQUENT_ACCESS', pitr: false }, prices),
    ).toBeCloseTo(3 * 0.1);
    const m = storageModel(
      {
        meanObjectBytes: 512 * 1024,
        transitionDays: 90,
        intakeExpiryDays: 30,
        metadata: [
          { table: 'Records', tableClass: 'STANDARD', pitr: true, tableBytes: 4096, indexBytes: 1024 },
          { table: 'Audit', tableClass: 'STANDARD', pitr: true, tableBytes: 2048, indexBytes: 4096 },
        ],
        documentHeldDays: 3652.5,
        auditObjectBytesPerDocument: 3000,
        historyObjectBytesPerDocument: 1500,
      },
      prices,
    );
    const docs = 2 * 1024 * 1024;
    // A table that keeps its items 365.25 days of the ten years an original is held holds a tenth.
    const yearOnly = storageModel(
      {
        meanObjectBytes: 512 * 1024,
        transitionDays: 90,
        intakeExpiryDays: 30,
        metadata: [
          {
            table: 'Audit',
            tableClass: 'STANDARD',
            pitr: true,
            tableBytes: 2048,
            indexBytes: 4096,
            keptDays: 365.25,
          },
        ],
        documentHeldDays: 3652.5,
        auditObjectBytesPerDocument: 0,
        historyObjectBytesPerDocument: 0,
      },
      prices,
    );
    expect(yearOnly.metadataByTable.Audit).toBeCloseTo((m.metadataByTable.Audit ?? 0) / 10);
    expect(keptShare({ keptDays: 7300 }, 3652.5)).toBe(1);
    expect(keptShare({}, 3652.5)).toBe(1);
    expect(m.metadataByTable.Records).toBeCloseTo(((docs * 5120) / GB) * 0.25 + ((docs * 4096) / GB) * 0.2);
    expect(m.metadataPerTbMonth).toBeCloseTo(
      (m.metadataByTable.Records ?? 0) + (m.metadataByTable.Audit ?? 0),
    );
    expect(m.auditObjectsPerTbMonth).toBeCloseTo(((docs * 3000) / GB) * 0.023);
    expect(m.historyObjectsPerTbMonth).toBeCloseTo(((docs * 1500) / GB) * 0.023);
    expect(m.allInPerTbMonth).toBeCloseTo(
      m.archivedPerTbMonth + m.metadataPerTbMonth + m.auditObjectsPerTbMonth + m.historyObjectsPerTbMonth,
    );
  });
});

describe('malware scanner choice', () => {
  const workload = { meanObjectBytes: 500 * 1024, documentsPerSubmission: 5, documentsPerMonth: 100_000 };

  it('prices GuardDuty per object and GB scanned, with nothing fixed', () => {
    const cost = priceMalwareScanner('guardduty', workload, prices);
    const g = prices.malwareScanners.guardduty as { objectUsd: number; gbUsd: number };
    expect(cost.perThousandUsd).toBeCloseTo(
      1000 * g.objectUsd + ((1000 * 500 * 1024) / 1024 ** 3) * g.gbUsd,
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
    if (!c) throw new Error('bench/prices.json has no ClamAV model');
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
