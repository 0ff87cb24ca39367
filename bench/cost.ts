/**
 * The cost arithmetic of the benchmark: what AWS would bill for what the local system did. Pure
 * functions over counts, so they are unit-tested (test/unit/bench-cost.test.ts) apart from any
 * run. Prices come from bench/prices.json.
 */

// ---- Prices ---------------------------------------------------------------------------------

/** What a malware scanner bills per object it evaluates and per GB it reads. */
export interface MalwareScannerPrice {
  objectUsd: number;
  gbUsd: number;
}

/** DynamoDB table classes (the stack's `TableClass`). */
export type TableClass = 'STANDARD' | 'STANDARD_INFREQUENT_ACCESS';

export interface Prices {
  region: string;
  /** The currency of the price file; every `…Usd` figure here is in US dollars. */
  currency: string;
  /** How a file in another currency was converted (`…Cny` figures divided by `cnyPerUsd`). */
  exchangeRate?: { cnyPerUsd: number; source: string };
  asOf: string;
  source: string;
  stepFunctions: { standardTransitionUsd: number };
  lambda: { requestUsd: number; arm64GbSecondUsd: number };
  dynamodb: {
    onDemandWriteUnitUsd: number;
    onDemandReadUnitUsd: number;
    /** Request units of a Standard-Infrequent Access table. */
    standardIaWriteUnitUsd: number;
    standardIaReadUnitUsd: number;
    storageGbMonthUsd: number;
    standardIaStorageGbMonthUsd: number;
    pitrGbMonthUsd: number;
    /** GetRecords on a stream by a Lambda trigger (free where AWS says so). */
    streamReadByLambdaUsd: number;
  };
  s3: {
    standard: {
      storageGbMonthUsd: number;
      tier1RequestUsd: number;
      tier2RequestUsd: number;
      dataTransferOutGbUsd: number;
    };
    glacierInstantRetrieval: {
      storageGbMonthUsd: number;
      tier1RequestUsd: number;
      tier2RequestUsd: number;
      retrievalGbUsd: number;
      lifecycleTransitionUsd: number;
      minimumBillableObjectBytes: number;
      minimumStorageDays: number;
    };
    /** Server access logs: one record per request, kept in S3 Standard for `keptDays`. */
    serverAccessLogs: { recordBytes: number; keptDays: number };
  };
  apiGateway: { httpApiRequestUsd: number };
  cloudWatchLogs: { ingestGbUsd: number; lambdaPlatformBytesPerInvocation: number };
  xRay: { traceRecordedUsd: number };
  /** The ClamAV scanner's prices and model (-c malwareScanner=clamav), us-east-1's file only. */
  sqs?: { requestUsd: number };
  cloudWatchAlarms?: { standardAlarmMonthUsd: number };
  /** The ClamAV scanner's model (its `note` in prices.json says where each figure comes from). */
  clamavScanner?: {
    memoryMB: number;
    scanMBPerSecond: number;
    perObjectMs: number;
    perBatchMs: number;
    coldStartSeconds: number;
    coldStartsPerMonth: number;
    idleQueueReceivesPerMonth: number;
    updaterRunsPerMonth: number;
    updaterSeconds: number;
    updaterMemoryMB: number;
    definitionsStoredGb: number;
    alarms: number;
  };
  eventBridge: { awsServiceEventUsd: number };
  /** By the stack's `malwareScanner` context value (`guardduty` by default). */
  malwareScanners: Record<string, MalwareScannerPrice>;
}

/**
 * A price file as the benchmark uses it: every amount in US dollars. A file in CNY (the China
 * regions bill in CNY) names its amounts `…Cny` and gives `exchangeRate.cnyPerUsd`; each becomes
 * the `…Usd` figure of the same name. Counts and sizes (bytes, days) pass as they are.
 */
export function loadPrices(file: unknown): Prices {
  const f = file as { currency?: string; exchangeRate?: { cnyPerUsd?: number } };
  const currency = f.currency ?? 'USD';
  if (currency === 'USD') return { ...(file as Prices), currency };
  if (currency !== 'CNY') throw new Error(`prices in ${currency}: only USD and CNY files are read`);
  const rate = f.exchangeRate?.cnyPerUsd;
  if (!rate || !(rate > 0)) throw new Error('a CNY price file needs exchangeRate.cnyPerUsd');
  const convert = (v: unknown): unknown => {
    if (Array.isArray(v) || v === null || typeof v !== 'object') return v;
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) =>
        k.endsWith('Cny') && typeof x === 'number' ? [`${k.slice(0, -3)}Usd`, x / rate] : [k, convert(x)],
      ),
    );
  };
  return convert(file) as Prices;
}

const GB = 1024 ** 3;
const TB = 1024 ** 4;

// ---- DynamoDB item sizes and capacity units ---------------------------------------------------

/** A DynamoDB attribute value in the wire shape (`{S: 'x'}`, `{N: '1'}`, `{M: {...}}`, ...). */
export interface AttributeValue {
  S?: string;
  N?: string;
  B?: Uint8Array;
  BOOL?: boolean;
  NULL?: boolean;
  L?: AttributeValue[];
  M?: Record<string, AttributeValue>;
  SS?: string[];
  NS?: string[];
  BS?: Uint8Array[];
}
export type Item = Record<string, AttributeValue>;

const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');

/** DynamoDB's size of a number: one byte per two significant digits, plus one. */
function numberSize(n: string): number {
  const digits = n
    .replace(/^[-+]/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

/** Size of one value as DynamoDB counts it for capacity (Developer Guide, "Item sizes"). */
export function valueSize(v: AttributeValue): number {
  if (v.S !== undefined) return utf8(v.S);
  if (v.N !== undefined) return numberSize(v.N);
  if (v.B !== undefined) return v.B.byteLength;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.SS !== undefined) return v.SS.reduce((a, s) => a + utf8(s), 0);
  if (v.NS !== undefined) return v.NS.reduce((a, s) => a + numberSize(s), 0);
  if (v.BS !== undefined) return v.BS.reduce((a, b) => a + b.byteLength, 0);
  if (v.L !== undefined) return 3 + v.L.reduce((a, e) => a + 1 + valueSize(e), 0);
  if (v.M !== undefined) {
    return 3 + Object.entries(v.M).reduce((a, [k, e]) => a + 1 + utf8(k) + valueSize(e), 0);
  }
  return 0;
}

/** Item size: attribute names plus values. */
export const itemSize = (item: Item | undefined): number =>
  item === undefined ? 0 : Object.entries(item).reduce((a, [k, v]) => a + utf8(k) + valueSize(v), 0);

/** DynamoDB stores 100 bytes of overhead per item, in the table and in each index entry. */
const ITEM_OVERHEAD_BYTES = 100;

/** The keys and indexes of a table, as functions/adapters/tables.ts defines them. */
export interface TableLayout {
  partitionKey: { name: string };
  sortKey: { name: string };
  indexes: readonly {
    partitionKey: { name: string };
    sortKey: { name: string };
    projection: Projection;
    nonKeyAttributes?: readonly string[];
  }[];
}

/** What an index entry holds: the whole item, the keys, or the keys and some attributes. */
export type Projection = 'ALL' | 'KEYS_ONLY' | 'INCLUDE';

/**
 * An index entry of `item`: the item itself in an ALL index, else the attributes `names` (the
 * index and table keys, and an INCLUDE index's non-key attributes) that the item has.
 */
function projectedEntry(item: Item, projection: Projection | undefined, names: readonly string[]): Item {
  if (projection === undefined || projection === 'ALL') return item;
  return Object.fromEntries(names.flatMap((n) => (item[n] ? [[n, item[n]]] : [])));
}

/**
 * The bytes DynamoDB stores for one item (its storage and PITR are billed on them): the item, and
 * an entry in each index whose keys it has, the whole item in an ALL index, the index and table
 * keys in a KEYS_ONLY one (and the named attributes in an INCLUDE one); 100 bytes of overhead each.
 */
export function storedBytes(def: TableLayout, item: Item): { table: number; indexes: number } {
  const tableKeys = [def.partitionKey.name, def.sortKey.name];
  let indexes = 0;
  for (const ix of def.indexes) {
    if (!item[ix.partitionKey.name] || !item[ix.sortKey.name]) continue;
    const names = [ix.partitionKey.name, ix.sortKey.name, ...tableKeys, ...(ix.nonKeyAttributes ?? [])];
    indexes += itemSize(projectedEntry(item, ix.projection, names)) + ITEM_OVERHEAD_BYTES;
  }
  return { table: itemSize(item) + ITEM_OVERHEAD_BYTES, indexes };
}

/** Write units of a standard write: one per KB, at least one. */
export const writeUnits = (bytes: number): number => Math.max(1, Math.ceil(bytes / 1024));

export type TransactAction = 'Put' | 'Update' | 'Delete' | 'ConditionCheck';

/** One action of a TransactWriteItems call, with its item as it was before and after the call. */
export interface TransactObservation {
  action: TransactAction;
  before?: Item;
  after?: Item;
  /** The table's global secondary indexes: key attributes and projection (ALL when not given). */
  indexes: readonly TransactIndex[];
}

export interface TransactIndex {
  partitionKey: string;
  sortKey: string;
  projection?: Projection;
  /** The attributes an INCLUDE entry holds besides the keys. */
  nonKeyAttributes?: readonly string[];
  /** The table's own key attributes, which a KEYS_ONLY entry holds besides the index keys. */
  tableKeys?: readonly string[];
}

export interface Units {
  table: number;
  indexes: number;
}

/**
 * Write units of one TransactWriteItems action on AWS: two per KB of the larger of the item's
 * before and after images on the table (a ConditionCheck included), and a standard index write
 * for each global secondary index the item enters, stays in or leaves (a key change is a delete
 * plus a put). Index maintenance is asynchronous and outside the transaction, so it is billed at
 * the standard rate. A KEYS_ONLY index holds the index and table keys only: its entry is sized
 * from those, and a change that leaves the index keys as they were writes nothing to it (as
 * DynamoDB Local reports for standard writes, whose units the probe takes as answered).
 */
export function transactWriteUnits(o: TransactObservation): Units {
  const table = 2 * writeUnits(Math.max(itemSize(o.before), itemSize(o.after)));
  const indexes = indexWrites(o).reduce((a, w) => a + w.units, 0);
  return { table, indexes };
}

/** Write units one write put on one index partition (named by its partition key's value). */
export interface IndexWrite {
  /** Position of the index in `o.indexes`. */
  index: number;
  partition: string;
  units: number;
}

/** An index key's partition value as text (S or N). */
const keyText = (v: AttributeValue | undefined): string | undefined => v?.S ?? v?.N;

/**
 * The index writes of one write, partition by partition: an entry put where the item enters an
 * index, rewritten where it stays (nothing on a KEYS_ONLY index whose keys stayed), deleted where
 * it leaves; a key change deletes from the old partition and puts into the new one. (On a
 * KEYS_ONLY or INCLUDE index an entry whose attributes all stayed is not rewritten.) Standard and
 * transactional writes maintain indexes alike (transactWriteUnits).
 */
export function indexWrites(o: TransactObservation): IndexWrite[] {
  if (o.action === 'ConditionCheck') return [];
  const out: IndexWrite[] = [];
  o.indexes.forEach((ix, index) => {
    const keyOf = (item: Item | undefined) => {
      const pk = item?.[ix.partitionKey];
      const sk = item?.[ix.sortKey];
      return pk && sk ? JSON.stringify([pk, sk]) : undefined;
    };
    const was = keyOf(o.before);
    const is = o.action === 'Delete' ? undefined : keyOf(o.after);
    if (was === undefined && is === undefined) return;
    const names = [ix.partitionKey, ix.sortKey, ...(ix.tableKeys ?? []), ...(ix.nonKeyAttributes ?? [])];
    const entry = (item: Item | undefined): Item | undefined =>
      item && projectedEntry(item, ix.projection, names);
    // An entry of projected attributes that all stayed as they were is not written again.
    const partial = ix.projection === 'KEYS_ONLY' || ix.projection === 'INCLUDE';
    const unchanged = partial && JSON.stringify(entry(o.before)) === JSON.stringify(entry(o.after));
    const add = (item: Item | undefined, units: number) => {
      if (units > 0) out.push({ index, partition: keyText(item?.[ix.partitionKey]) ?? '', units });
    };
    const wasUnits = writeUnits(itemSize(entry(o.before)));
    const isUnits = writeUnits(itemSize(entry(o.after)));
    if (was === undefined) add(o.after, isUnits);
    else if (is === undefined) add(o.before, wasUnits);
    else if (was === is) add(o.after, unchanged ? 0 : Math.max(wasUnits, isUnits));
    else {
      add(o.before, wasUnits);
      add(o.after, isUnits);
    }
  });
  return out;
}

/**
 * The shares of read and write units that went to tables of the Standard-IA class, from the units
 * each partition key took (`<table> …` or `<table>.<index> …`: an index bills at its table's class).
 */
export function infrequentAccessShares(
  partitions: readonly { partition: string; read: number; write: number }[],
  tableClass: (table: string) => TableClass,
): { read: number; write: number } {
  let read = 0;
  let write = 0;
  let iaRead = 0;
  let iaWrite = 0;
  for (const p of partitions) {
    const table = p.partition.split(/[ .]/)[0] ?? '';
    read += p.read;
    write += p.write;
    if (tableClass(table) === 'STANDARD_INFREQUENT_ACCESS') {
      iaRead += p.read;
      iaWrite += p.write;
    }
  }
  return { read: read > 0 ? iaRead / read : 0, write: write > 0 ? iaWrite / write : 0 };
}

/** Capacity units from a ConsumedCapacity answer (asked with ReturnConsumedCapacity INDEXES). */
export function consumedUnits(consumed: unknown, op: string): { read: number; write: number } | undefined {
  const list = Array.isArray(consumed) ? consumed : consumed === undefined ? [] : [consumed];
  if (list.length === 0) return undefined;
  let total = 0;
  for (const c of list as { CapacityUnits?: number }[]) total += c.CapacityUnits ?? 0;
  return READ_OPS.has(op) ? { read: total, write: 0 } : { read: 0, write: total };
}

export const READ_OPS = new Set([
  'GetItem',
  'BatchGetItem',
  'Query',
  'Scan',
  'TransactGetItems',
  'ExecuteStatement',
]);
export const WRITE_OPS = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);

// ---- S3 request classes -----------------------------------------------------------------------

export type S3Class = 'tier1' | 'tier2' | 'free';

/**
 * The S3 operation and its price class for a path-style request: PUT, COPY, POST and LIST are
 * tier 1, GET, HEAD and everything else tier 2, DELETE is free (S3 pricing, "Requests").
 */
export function s3Operation(method: string, url: string, copySource: boolean): { op: string; cls: S3Class } {
  const u = new URL(url, 'http://s3.local');
  const [, bucket = '', ...rest] = u.pathname.split('/');
  const hasKey = rest.join('/') !== '';
  const q = u.searchParams;
  const sub = [
    'tagging',
    'retention',
    'legal-hold',
    'acl',
    'attributes',
    'uploads',
    'uploadId',
    'delete',
  ].find((k) => q.has(k));
  const m = method.toUpperCase();
  if (m === 'DELETE') return { op: hasKey ? 'DeleteObject' : 'DeleteBucket', cls: 'free' };
  if (!bucket) return { op: 'ListBuckets', cls: 'tier1' };
  if (!hasKey) {
    if (
      m === 'GET' &&
      (q.has('list-type') || q.has('versions') || q.has('uploads') || [...q.keys()].length === 0)
    )
      return { op: q.has('versions') ? 'ListObjectVersions' : 'ListObjects', cls: 'tier1' };
    if (m === 'POST' && q.has('delete')) return { op: 'DeleteObjects', cls: 'free' };
    if (m === 'PUT') return { op: 'PutBucketConfiguration', cls: 'tier1' };
    return { op: `${m === 'HEAD' ? 'HeadBucket' : 'GetBucketConfiguration'}`, cls: 'tier2' };
  }
  if (m === 'PUT') {
    if (sub === 'tagging') return { op: 'PutObjectTagging', cls: 'tier1' };
    if (sub === 'retention') return { op: 'PutObjectRetention', cls: 'tier1' };
    if (sub === 'legal-hold') return { op: 'PutObjectLegalHold', cls: 'tier1' };
    if (q.has('partNumber')) return { op: 'UploadPart', cls: 'tier1' };
    return { op: copySource ? 'CopyObject' : 'PutObject', cls: 'tier1' };
  }
  if (m === 'POST')
    return { op: sub === 'uploads' ? 'CreateMultipartUpload' : 'CompleteMultipartUpload', cls: 'tier1' };
  if (m === 'HEAD') return { op: 'HeadObject', cls: 'tier2' };
  if (m === 'GET') {
    if (sub === 'tagging') return { op: 'GetObjectTagging', cls: 'tier2' };
    if (sub === 'uploadId') return { op: 'ListParts', cls: 'tier1' };
    if (sub) return { op: `GetObject(${sub})`, cls: 'tier2' };
    return { op: 'GetObject', cls: 'tier2' };
  }
  return { op: `${m}Object`, cls: 'tier2' };
}

// ---- Step Functions ---------------------------------------------------------------------------

/**
 * State transitions of one Standard execution from its history: every state entered, plus every
 * retry of a task (a second or later TaskScheduled / LambdaFunctionScheduled in the same entry).
 */
export function stateTransitions(events: readonly { type?: string }[]): { entered: number; retries: number } {
  let entered = 0;
  let retries = 0;
  let scheduled = 0;
  for (const e of events) {
    const type = e.type ?? '';
    if (type.endsWith('StateEntered')) {
      entered++;
      scheduled = 0;
    } else if (type === 'TaskScheduled' || type === 'LambdaFunctionScheduled') {
      scheduled++;
      if (scheduled > 1) retries++;
    }
  }
  return { entered, retries };
}

// ---- Lambda ---------------------------------------------------------------------------------

/** GB-seconds of one invocation, billed per started millisecond. */
export const gbSeconds = (ms: number, memoryMB: number): number =>
  (Math.max(1, Math.ceil(ms)) / 1000) * (memoryMB / 1024);

// ---- Pricing usage ----------------------------------------------------------------------------

/** What one measured workload used, in AWS billing units. */
export interface Usage {
  stateTransitions: number;
  lambdaRequests: number;
  lambdaGbSeconds: number;
  /** INIT of the execution environments the invocations started (billed like duration). */
  lambdaInitGbSeconds: number;
  /** Request units on Standard-class tables. */
  dynamoReadUnits: number;
  dynamoWriteUnits: number;
  /** Request units on Standard-Infrequent Access tables. */
  dynamoIaReadUnits: number;
  dynamoIaWriteUnits: number;
  /** Stream batches the tables' Lambda triggers read (one GetRecords each at least). */
  streamReads: number;
  s3Tier1: number;
  s3Tier2: number;
  /** Originals that the archive bucket's lifecycle will move to its colder class. */
  lifecycleTransitions: number;
  /** Bytes sent from S3 to people's browsers (the reviewer's preview, a borrower's read). */
  dataTransferOutBytes: number;
  /** S3 requests written to the server access log (one record each). */
  accessLogRecords: number;
  apiRequests: number;
  /** Events AWS services put on the default EventBridge bus (S3 Object Created). */
  serviceEvents: number;
  /** Bytes the functions logged, plus the platform lines of each invocation. */
  logBytes: number;
  /** Objects (and their bytes) the malware scanner evaluated. */
  scannedObjects: number;
  scannedBytes: number;
  /** Traces X-Ray is expected to record: the sampled share of the workflow executions. */
  traces: number;
}

export const ZERO_USAGE: Usage = {
  stateTransitions: 0,
  lambdaRequests: 0,
  lambdaGbSeconds: 0,
  lambdaInitGbSeconds: 0,
  dynamoReadUnits: 0,
  dynamoWriteUnits: 0,
  dynamoIaReadUnits: 0,
  dynamoIaWriteUnits: 0,
  streamReads: 0,
  s3Tier1: 0,
  s3Tier2: 0,
  lifecycleTransitions: 0,
  dataTransferOutBytes: 0,
  accessLogRecords: 0,
  apiRequests: 0,
  serviceEvents: 0,
  logBytes: 0,
  scannedObjects: 0,
  scannedBytes: 0,
  traces: 0,
};

export interface CostLine {
  service: string;
  item: string;
  quantity: number;
  usd: number;
}

/** The default of the stack's `malwareScanner` context value. */
export const DEFAULT_MALWARE_SCANNER = 'guardduty';

/**
 * Every line a workload's usage is billed on, the malware scanner's by `scanner`'s entry in the
 * price file. Lines AWS does not charge for (service events, stream reads by Lambda) are listed
 * with their quantity, so the bill shows they were counted.
 */
export function priceUsage(u: Usage, p: Prices, scanner = DEFAULT_MALWARE_SCANNER): CostLine[] {
  const scan = p.malwareScanners[scanner];
  if (!scan) throw new Error(`bench prices for ${p.region} have no malwareScanners.${scanner}`);
  const gir = p.s3.glacierInstantRetrieval;
  const logs = p.s3.serverAccessLogs;
  const accessLogGb = (u.accessLogRecords * logs.recordBytes) / GB;
  const line = (service: string, item: string, quantity: number, unitUsd: number): CostLine => ({
    service,
    item,
    quantity,
    usd: quantity * unitUsd,
  });
  return [
    line('Step Functions', 'state transitions', u.stateTransitions, p.stepFunctions.standardTransitionUsd),
    line('Lambda', 'requests', u.lambdaRequests, p.lambda.requestUsd),
    line('Lambda', 'GB-seconds (arm64)', u.lambdaGbSeconds, p.lambda.arm64GbSecondUsd),
    line('Lambda', 'INIT GB-seconds (cold starts)', u.lambdaInitGbSeconds, p.lambda.arm64GbSecondUsd),
    line('DynamoDB', 'read request units', u.dynamoReadUnits, p.dynamodb.onDemandReadUnitUsd),
    line('DynamoDB', 'write request units', u.dynamoWriteUnits, p.dynamodb.onDemandWriteUnitUsd),
    line(
      'DynamoDB',
      'read request units (Standard-IA)',
      u.dynamoIaReadUnits,
      p.dynamodb.standardIaReadUnitUsd,
    ),
    line(
      'DynamoDB',
      'write request units (Standard-IA)',
      u.dynamoIaWriteUnits,
      p.dynamodb.standardIaWriteUnitUsd,
    ),
    line('DynamoDB', 'stream reads by Lambda triggers', u.streamReads, p.dynamodb.streamReadByLambdaUsd),
    line('S3', 'PUT/COPY/POST/LIST requests', u.s3Tier1, p.s3.standard.tier1RequestUsd),
    line('S3', 'GET/HEAD/other requests', u.s3Tier2, p.s3.standard.tier2RequestUsd),
    line('S3', 'lifecycle transitions to Glacier IR', u.lifecycleTransitions, gir.lifecycleTransitionUsd),
    line('S3', 'data transfer out (GB)', u.dataTransferOutBytes / GB, p.s3.standard.dataTransferOutGbUsd),
    line(
      'S3',
      `access-log GB-months (kept ${logs.keptDays} days)`,
      accessLogGb * (logs.keptDays / 30),
      p.s3.standard.storageGbMonthUsd,
    ),
    line('API Gateway', 'HTTP API requests', u.apiRequests, p.apiGateway.httpApiRequestUsd),
    line('EventBridge', 'AWS service events', u.serviceEvents, p.eventBridge.awsServiceEventUsd),
    line('CloudWatch Logs', 'GB ingested', u.logBytes / GB, p.cloudWatchLogs.ingestGbUsd),
    line('X-Ray', 'traces recorded', u.traces, p.xRay.traceRecordedUsd),
    line(`Malware scan (${scanner})`, 'objects evaluated', u.scannedObjects, scan.objectUsd),
    line(`Malware scan (${scanner})`, 'GB scanned', u.scannedBytes / GB, scan.gbUsd),
  ];
}

/** Scales every line to a rate: `per` units of work out of `count` measured. */
export const scaleLines = (lines: CostLine[], count: number, per: number): CostLine[] =>
  lines.map((l) => ({ ...l, quantity: (l.quantity / count) * per, usd: (l.usd / count) * per }));

export const sumUsd = (lines: readonly CostLine[], filter: (l: CostLine) => boolean = () => true): number =>
  lines.filter(filter).reduce((a, l) => a + l.usd, 0);

/** The lines of one service (e.g. a malware scanner's, or GuardDuty's share of the bill). */
export const isService =
  (prefix: string) =>
  (l: CostLine): boolean =>
    l.service.startsWith(prefix);

// ---- The floor --------------------------------------------------------------------------------

/**
 * The least any design with this flow pays per 1,000 documents archived, service by service: the
 * scanner reads each upload once; S3 takes the upload, one copy into the locked bucket, the
 * reviewer's one read of the scan (and its bytes out) and one lifecycle transition; DynamoDB
 * writes the document once with its audit event in one transaction (two items, two units each);
 * Lambda handles each upload's event; API Gateway answers the reviewer's preview link per
 * document and one create per submission; Step Functions enters one state per submission.
 */
export function intakeFloor(
  p: Prices,
  scanner: string,
  documentsPerSubmission: number,
  scanBytes: number,
  originalsTransition: boolean,
): CostLine[] {
  const perSubmission = 1 / documentsPerSubmission;
  const usage: Usage = {
    ...ZERO_USAGE,
    stateTransitions: perSubmission,
    lambdaRequests: 1,
    dynamoWriteUnits: 4,
    s3Tier1: 2,
    s3Tier2: 1,
    lifecycleTransitions: originalsTransition ? 1 : 0,
    dataTransferOutBytes: scanBytes,
    apiRequests: 1 + perSubmission,
    scannedObjects: 1,
    scannedBytes: scanBytes,
  };
  return scaleLines(priceUsage(usage, p, scanner), 1, 1000).filter((l) => l.usd > 0);
}

/**
 * What Dangan's own record-keeping rules add to the flow's floor, per document and per submission,
 * whatever the design: each change of a record is one transaction with its audit event (two write
 * units an item under 1 KB), each audit event is entered in the actor and day indexes (one unit
 * each), each event gets its locked S3 copy from the audit stream (at low traffic one event a
 * batch: one invocation and one PUT each).
 *
 * A document changes three times (registered, its upload recorded, archived under a unique code,
 * whose guard item is written in the archiving transaction) and the reviewer's read of its scan is
 * audited (an event outside any transaction). A submission is created and decided, each with its
 * event; the document's archiving transaction is the submission's third change.
 */
export const RULES_RECORDS = {
  perDocument: { recordWrites: 3 * 2 + 2, auditEvents: 4, auditEventsInTransactions: 3 },
  perSubmission: { recordWrites: 2 * 2, auditEvents: 2, auditEventsInTransactions: 2 },
} as const;

/**
 * Usage of the rules' records for one document at `documentsPerSubmission`, the records' writes
 * priced at the class the deployment gives its records table (the audit table is Standard-IA).
 */
function rulesUsage(documentsPerSubmission: number, recordsClass: TableClass): Usage {
  const share = 1 / documentsPerSubmission;
  const d = RULES_RECORDS.perDocument;
  const s = RULES_RECORDS.perSubmission;
  const events = d.auditEvents + s.auditEvents * share;
  const inTransactions = d.auditEventsInTransactions + s.auditEventsInTransactions * share;
  const recordWrites = d.recordWrites + s.recordWrites * share;
  const infrequent = recordsClass === 'STANDARD_INFREQUENT_ACCESS';
  return {
    ...ZERO_USAGE,
    dynamoWriteUnits: infrequent ? 0 : recordWrites,
    // An event: two units in a transaction, one outside; then one unit in each of two indexes.
    dynamoIaWriteUnits:
      (infrequent ? recordWrites : 0) + inTransactions * 2 + (events - inTransactions) + events * 2,
    lambdaRequests: events,
    streamReads: events,
    s3Tier1: events,
  };
}

/**
 * The least any design pays per 1,000 documents under Dangan's rules: the flow's floor
 * (`intakeFloor`) with the document's single write replaced by the records the rules ask for
 * (`RULES_RECORDS`). The nearest honest figure for the intake cost targets where the flow's floor
 * plus the rules is above them. Like the scanner, the records table's class is the deployment's
 * (`recordsClass`): a deployment that keeps its records in Standard-IA for their years of storage
 * pays that class's write price in any design.
 */
export function intakeRulesFloor(
  p: Prices,
  scanner: string,
  documentsPerSubmission: number,
  scanBytes: number,
  originalsTransition: boolean,
  recordsClass: TableClass = 'STANDARD',
): CostLine[] {
  const flow = intakeFloor(p, scanner, documentsPerSubmission, scanBytes, originalsTransition);
  const rules = scaleLines(priceUsage(rulesUsage(documentsPerSubmission, recordsClass), p, scanner), 1, 1000);
  const flowWrites = flow.find((l) => l.service === 'DynamoDB' && l.item === 'write request units');
  const withoutFlowWrites = flow.filter((l) => l !== flowWrites);
  return mergeLines([...withoutFlowWrites, ...rules]).filter((l) => l.usd > 0 || l.quantity > 0);
}

/** Lines of the same service and item added together, in first-seen order. */
function mergeLines(lines: readonly CostLine[]): CostLine[] {
  const merged = new Map<string, CostLine>();
  for (const l of lines) {
    const key = `${l.service}\u0000${l.item}`;
    const seen = merged.get(key);
    merged.set(key, seen ? { ...seen, quantity: seen.quantity + l.quantity, usd: seen.usd + l.usd } : l);
  }
  return [...merged.values()];
}

// ---- Storage ----------------------------------------------------------------------------------

/** The DynamoDB bytes one archived document keeps in one table, measured from the items written. */
export interface TableBytes {
  table: string;
  tableClass: TableClass;
  /** Continuous backups (PITR), billed on the items' bytes. */
  pitr: boolean;
  /** Items, 100 bytes of overhead each included. */
  tableBytes: number;
  /** Index entries (an ALL index holds the item, KEYS_ONLY its keys, INCLUDE keys and named attributes), overhead included. */
  indexBytes: number;
  /** Items and their index entries by kind (`<pk prefix>/<sk prefix>`), most first. */
  byKind?: Record<string, number>;
  /**
   * Days an item stays in the table after it is written (its TTL), for a table that does not keep
   * its items as long as the documents they describe; absent when it keeps them.
   */
  keptDays?: number;
}

export interface StorageModelInput {
  /** Mean size of a scan. */
  meanObjectBytes: number;
  /** Days after which the archive bucket moves originals to Glacier Instant Retrieval (the stack's rule). */
  transitionDays: number;
  /** Days the intake copy of an upload is kept before the intake bucket's lifecycle expires it. */
  intakeExpiryDays: number;
  /** DynamoDB bytes kept per archived document, table by table. */
  metadata: readonly TableBytes[];
  /**
   * The least time, in days, an original is held (the scheme's shortest retention period): a
   * table that lets its items go after `keptDays` holds at most `keptDays / documentHeldDays` of
   * what its documents wrote into it, whatever the archive's age past that.
   */
  documentHeldDays: number;
  /** Audit events kept as objects (the locked copies), bytes per archived document, in S3 Standard. */
  auditObjectBytesPerDocument: number;
  /** Document versions kept as objects under `history/`, bytes per archived document, in S3 Standard. */
  historyObjectBytesPerDocument: number;
}

export interface StorageModel {
  objectsPerTb: number;
  /** $ per TB-month of originals younger than the transition (S3 Standard). */
  standardPerTbMonth: number;
  /** $ per TB-month of originals past the transition (Glacier Instant Retrieval, 128 KB minimum). */
  archivedPerTbMonth: number;
  /** One-time $ per TB for the lifecycle transition requests. */
  transitionPerTb: number;
  /** One-time $ per TB ingested for the intake copy kept until the intake bucket expires it. */
  intakeCopyPerTb: number;
  /** $ per TB-month of originals for their metadata in DynamoDB (storage by table class, and PITR). */
  metadataPerTbMonth: number;
  /** The same, table by table. */
  metadataByTable: Record<string, number>;
  /** $ per TB-month of originals for their audit events kept as S3 objects. */
  auditObjectsPerTbMonth: number;
  /** $ per TB-month of originals for their documents' versions kept as S3 objects. */
  historyObjectsPerTbMonth: number;
  /** Originals past the transition and everything that describes them, per TB-month. */
  allInPerTbMonth: number;
  /** First year of one TB ingested: Standard, then Glacier IR, transition, intake copy, metadata. */
  firstYearPerTb: number;
}

/**
 * DynamoDB's storage price of a table's class, per GB-month; continuous backups (PITR), where the
 * table has them, are billed on the table's own data, not its global secondary indexes.
 */
export function metadataGbMonthUsd(t: TableBytes, p: Prices): number {
  const storage =
    t.tableClass === 'STANDARD_INFREQUENT_ACCESS'
      ? p.dynamodb.standardIaStorageGbMonthUsd
      : p.dynamodb.storageGbMonthUsd;
  const backups = t.pitr ? (t.tableBytes / GB) * p.dynamodb.pitrGbMonthUsd : 0;
  return ((t.tableBytes + t.indexBytes) / GB) * storage + backups;
}

/**
 * The share of what documents wrote into a table that the table still holds at steady state: all
 * of it for a table that keeps its items; for one that lets them go after `keptDays` (the audit
 * table keeps a year), the share of a document's least holding time that its items stay.
 */
export const keptShare = (t: Pick<TableBytes, 'keptDays'>, documentHeldDays: number): number =>
  t.keptDays === undefined ? 1 : Math.min(1, t.keptDays / documentHeldDays);

export function storageModel(m: StorageModelInput, p: Prices): StorageModel {
  const gir = p.s3.glacierInstantRetrieval;
  const objectsPerTb = TB / m.meanObjectBytes;
  const tbGb = TB / GB;
  const standardPerTbMonth = tbGb * p.s3.standard.storageGbMonthUsd;
  const billedBytes = Math.max(m.meanObjectBytes, gir.minimumBillableObjectBytes) * objectsPerTb;
  const archivedPerTbMonth = (billedBytes / GB) * gir.storageGbMonthUsd;
  const transitionPerTb = objectsPerTb * gir.lifecycleTransitionUsd;
  const intakeCopyPerTb = standardPerTbMonth * (m.intakeExpiryDays / 30);
  const metadataByTable = Object.fromEntries(
    m.metadata.map((t) => [
      t.table,
      objectsPerTb * metadataGbMonthUsd(t, p) * keptShare(t, m.documentHeldDays),
    ]),
  );
  const metadataPerTbMonth = Object.values(metadataByTable).reduce((a, v) => a + v, 0);
  // Objects under 128 KB stay in S3 Standard: the lifecycle rule's default minimum size.
  const smallObjectsPerTbMonth = (bytesPerDocument: number) =>
    ((objectsPerTb * bytesPerDocument) / GB) * p.s3.standard.storageGbMonthUsd;
  const auditObjectsPerTbMonth = smallObjectsPerTbMonth(m.auditObjectBytesPerDocument);
  const historyObjectsPerTbMonth = smallObjectsPerTbMonth(m.historyObjectBytesPerDocument);
  const standardMonths = m.transitionDays / 30;
  const firstYearPerTb =
    standardPerTbMonth * standardMonths +
    archivedPerTbMonth * (12 - standardMonths) +
    transitionPerTb +
    intakeCopyPerTb +
    (metadataPerTbMonth + auditObjectsPerTbMonth + historyObjectsPerTbMonth) * 12;
  return {
    objectsPerTb,
    standardPerTbMonth,
    archivedPerTbMonth,
    transitionPerTb,
    intakeCopyPerTb,
    metadataPerTbMonth,
    metadataByTable,
    auditObjectsPerTbMonth,
    historyObjectsPerTbMonth,
    allInPerTbMonth:
      archivedPerTbMonth + metadataPerTbMonth + auditObjectsPerTbMonth + historyObjectsPerTbMonth,
    firstYearPerTb,
  };
}

// ---- Malware scanner choice -------------------------------------------------------------------

/** What a deployment scans uploads with (`-c malwareScanner=...`, infra/constructs/security.ts). */
export type MalwareScannerChoice = 'guardduty' | 'clamav';

export interface ScannerWorkload {
  /** Mean size of an uploaded scan. */
  meanObjectBytes: number;
  /** Documents uploaded together, scanned in one invocation by the ClamAV scanner. */
  documentsPerSubmission: number;
  /** Documents a month, over which the fixed monthly costs are spread. */
  documentsPerMonth: number;
}

export interface ScannerCost {
  choice: MalwareScannerChoice;
  /** What each 1,000 documents add, fixed costs excluded. */
  perThousandUsd: number;
  /** What the scanner costs a month with no uploads at all. */
  fixedMonthlyUsd: number;
  /** Per 1,000 documents with the fixed costs spread over `documentsPerMonth`. */
  perThousandAllInUsd: number;
  /** Per 1,000 documents (`per-1000`) and per month (`monthly`). */
  lines: (CostLine & { basis: 'per-1000' | 'monthly' })[];
}

/**
 * The malware scanner's cost for a workload: GuardDuty's fees per object and GB, or the ClamAV
 * scanner's Lambda time (a scan rate per MB, a share of each batch's own work, one batch per
 * submission), queue requests and the tagging requests, plus its fixed monthly costs (cold
 * starts loading the signatures, the queue's idle polling, the updater, the databases' bucket
 * and the alarms).
 */
export function priceMalwareScanner(
  choice: MalwareScannerChoice,
  w: ScannerWorkload,
  p: Prices,
): ScannerCost {
  const perThousand = 1000;
  const mb = w.meanObjectBytes / 1024 ** 2;
  const line = (
    service: string,
    item: string,
    quantity: number,
    usd: number,
    basis: 'per-1000' | 'monthly',
  ) => ({
    service,
    item,
    quantity,
    usd,
    inTarget: false,
    basis,
  });
  const lines: ScannerCost['lines'] = [];
  if (choice === 'guardduty') {
    const g = p.malwareScanners.guardduty;
    if (!g) throw new Error(`bench prices for ${p.region} have no malwareScanners.guardduty`);
    lines.push(
      line('GuardDuty', 'malware scan: objects', perThousand, perThousand * g.objectUsd, 'per-1000'),
      line(
        'GuardDuty',
        'malware scan: GB',
        (perThousand * w.meanObjectBytes) / GB,
        ((perThousand * w.meanObjectBytes) / GB) * g.gbUsd,
        'per-1000',
      ),
    );
  } else {
    const { clamavScanner: c, sqs, cloudWatchAlarms } = p;
    if (!c || !sqs || !cloudWatchAlarms)
      throw new Error(
        `bench prices for ${p.region} have no ClamAV model (clamavScanner, sqs, cloudWatchAlarms)`,
      );
    const gbPerSecond = c.memoryMB / 1024;
    const batches = perThousand / Math.max(1, w.documentsPerSubmission);
    const scanSeconds =
      perThousand * (mb / c.scanMBPerSecond + c.perObjectMs / 1000) + (batches * c.perBatchMs) / 1000;
    const gbs = scanSeconds * gbPerSecond;
    lines.push(
      line('Lambda', 'ClamAV scan GB-seconds', gbs, gbs * p.lambda.arm64GbSecondUsd, 'per-1000'),
      line('Lambda', 'ClamAV scan requests', batches, batches * p.lambda.requestUsd, 'per-1000'),
      // One message sent per upload; one receive and one batch delete per invocation.
      line(
        'SQS',
        'scan queue requests',
        perThousand + 2 * batches,
        (perThousand + 2 * batches) * sqs.requestUsd,
        'per-1000',
      ),
      // The object and its tags read (GET class), the tag written (PUT class).
      line(
        'S3',
        'scan GET requests',
        2 * perThousand,
        2 * perThousand * p.s3.standard.tier2RequestUsd,
        'per-1000',
      ),
      line(
        'S3',
        'scan tag PUT requests',
        perThousand,
        perThousand * p.s3.standard.tier1RequestUsd,
        'per-1000',
      ),
    );
    const coldGbs = c.coldStartsPerMonth * c.coldStartSeconds * gbPerSecond;
    const updaterGbs = c.updaterRunsPerMonth * c.updaterSeconds * (c.updaterMemoryMB / 1024);
    lines.push(
      line(
        'Lambda',
        'ClamAV cold starts (signatures loaded)',
        coldGbs,
        coldGbs * p.lambda.arm64GbSecondUsd,
        'monthly',
      ),
      line(
        'SQS',
        'idle queue polling',
        c.idleQueueReceivesPerMonth,
        c.idleQueueReceivesPerMonth * sqs.requestUsd,
        'monthly',
      ),
      line(
        'Lambda',
        'definitions updater GB-seconds',
        updaterGbs,
        updaterGbs * p.lambda.arm64GbSecondUsd,
        'monthly',
      ),
      line(
        'S3',
        'definitions bucket GB-month',
        c.definitionsStoredGb,
        c.definitionsStoredGb * p.s3.standard.storageGbMonthUsd,
        'monthly',
      ),
      line(
        'CloudWatch',
        'scanner alarms',
        c.alarms,
        c.alarms * cloudWatchAlarms.standardAlarmMonthUsd,
        'monthly',
      ),
    );
  }
  const perThousandUsd = sumUsd(lines.filter((l) => l.basis === 'per-1000'));
  const fixedMonthlyUsd = sumUsd(lines.filter((l) => l.basis === 'monthly'));
  return {
    choice,
    perThousandUsd,
    fixedMonthlyUsd,
    perThousandAllInUsd: perThousandUsd + (fixedMonthlyUsd / Math.max(1, w.documentsPerMonth)) * perThousand,
    lines,
  };
}
