/**
 * The cost arithmetic of the benchmark: what AWS would bill for what the local system did. Pure
 * functions over counts, so they are unit-tested (test/unit/bench-cost.test.ts) apart from any
 * run. Prices come from bench/prices.json.
 */

// ---- Prices ---------------------------------------------------------------------------------

export interface Prices {
  region: string;
  asOf: string;
  source: string;
  stepFunctions: { standardTransitionUsd: number };
  lambda: { requestUsd: number; arm64GbSecondUsd: number };
  dynamodb: {
    onDemandWriteUnitUsd: number;
    onDemandReadUnitUsd: number;
    storageGbMonthUsd: number;
    pitrGbMonthUsd: number;
  };
  s3: {
    standard: { storageGbMonthUsd: number; tier1RequestUsd: number; tier2RequestUsd: number };
    glacierInstantRetrieval: {
      storageGbMonthUsd: number;
      tier1RequestUsd: number;
      tier2RequestUsd: number;
      retrievalGbUsd: number;
      lifecycleTransitionUsd: number;
      minimumBillableObjectBytes: number;
      minimumStorageDays: number;
    };
  };
  apiGateway: { httpApiRequestUsd: number };
  cloudWatchLogs: { ingestGbUsd: number; lambdaPlatformBytesPerInvocation: number };
  guardDutyMalwareS3: { gbScannedUsd: number; objectEvaluatedUsd: number };
  xRay: { traceRecordedUsd: number };
  sqs: { requestUsd: number };
  cloudWatchAlarms: { standardAlarmMonthUsd: number };
  /** The ClamAV scanner's model (its `note` in prices.json says where each figure comes from). */
  clamavScanner: {
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
  projection?: 'ALL' | 'KEYS_ONLY';
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
 * it leaves; a key change deletes from the old partition and puts into the new one. Standard and
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
    const keysOnly = ix.projection === 'KEYS_ONLY';
    const entry = (item: Item | undefined): Item | undefined => {
      if (!item || !keysOnly) return item;
      const names = [ix.partitionKey, ix.sortKey, ...(ix.tableKeys ?? [])];
      return Object.fromEntries(names.flatMap((n) => (item[n] ? [[n, item[n]]] : [])));
    };
    const add = (item: Item | undefined, units: number) => {
      if (units > 0) out.push({ index, partition: keyText(item?.[ix.partitionKey]) ?? '', units });
    };
    const wasUnits = writeUnits(itemSize(entry(o.before)));
    const isUnits = writeUnits(itemSize(entry(o.after)));
    if (was === undefined) add(o.after, isUnits);
    else if (is === undefined) add(o.before, wasUnits);
    else if (was === is) add(o.after, keysOnly ? 0 : Math.max(wasUnits, isUnits));
    else {
      add(o.before, wasUnits);
      add(o.after, isUnits);
    }
  });
  return out;
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
  dynamoReadUnits: number;
  dynamoWriteUnits: number;
  s3Tier1: number;
  s3Tier2: number;
  apiRequests: number;
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
  dynamoReadUnits: 0,
  dynamoWriteUnits: 0,
  s3Tier1: 0,
  s3Tier2: 0,
  apiRequests: 0,
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
  /** Part of the per-document target (the flow's own requests and compute, storage excluded). */
  inTarget: boolean;
}

export function priceUsage(u: Usage, p: Prices): CostLine[] {
  return [
    {
      service: 'Step Functions',
      item: 'state transitions',
      quantity: u.stateTransitions,
      usd: u.stateTransitions * p.stepFunctions.standardTransitionUsd,
      inTarget: true,
    },
    {
      service: 'Lambda',
      item: 'requests',
      quantity: u.lambdaRequests,
      usd: u.lambdaRequests * p.lambda.requestUsd,
      inTarget: true,
    },
    {
      service: 'Lambda',
      item: 'GB-seconds (arm64)',
      quantity: u.lambdaGbSeconds,
      usd: u.lambdaGbSeconds * p.lambda.arm64GbSecondUsd,
      inTarget: true,
    },
    {
      service: 'DynamoDB',
      item: 'read request units',
      quantity: u.dynamoReadUnits,
      usd: u.dynamoReadUnits * p.dynamodb.onDemandReadUnitUsd,
      inTarget: true,
    },
    {
      service: 'DynamoDB',
      item: 'write request units',
      quantity: u.dynamoWriteUnits,
      usd: u.dynamoWriteUnits * p.dynamodb.onDemandWriteUnitUsd,
      inTarget: true,
    },
    {
      service: 'S3',
      item: 'PUT/COPY/POST/LIST requests',
      quantity: u.s3Tier1,
      usd: u.s3Tier1 * p.s3.standard.tier1RequestUsd,
      inTarget: true,
    },
    {
      service: 'S3',
      item: 'GET/HEAD/other requests',
      quantity: u.s3Tier2,
      usd: u.s3Tier2 * p.s3.standard.tier2RequestUsd,
      inTarget: true,
    },
    {
      service: 'API Gateway',
      item: 'HTTP API requests',
      quantity: u.apiRequests,
      usd: u.apiRequests * p.apiGateway.httpApiRequestUsd,
      inTarget: true,
    },
    {
      service: 'CloudWatch Logs',
      item: 'GB ingested',
      quantity: u.logBytes / GB,
      usd: (u.logBytes / GB) * p.cloudWatchLogs.ingestGbUsd,
      inTarget: false,
    },
    {
      service: 'X-Ray',
      item: 'traces recorded',
      quantity: u.traces,
      usd: u.traces * p.xRay.traceRecordedUsd,
      inTarget: false,
    },
    {
      service: 'GuardDuty',
      item: 'malware scan: objects',
      quantity: u.scannedObjects,
      usd: u.scannedObjects * p.guardDutyMalwareS3.objectEvaluatedUsd,
      inTarget: false,
    },
    {
      service: 'GuardDuty',
      item: 'malware scan: GB',
      quantity: u.scannedBytes / GB,
      usd: (u.scannedBytes / GB) * p.guardDutyMalwareS3.gbScannedUsd,
      inTarget: false,
    },
  ];
}

/** Scales every line to a rate: `per` units of work out of `count` measured. */
export const scaleLines = (lines: CostLine[], count: number, per: number): CostLine[] =>
  lines.map((l) => ({ ...l, quantity: (l.quantity / count) * per, usd: (l.usd / count) * per }));

export const sumUsd = (lines: readonly CostLine[], filter: (l: CostLine) => boolean = () => true): number =>
  lines.filter(filter).reduce((a, l) => a + l.usd, 0);

// ---- Storage ----------------------------------------------------------------------------------

export interface StorageModelInput {
  /** Mean size of a scan. */
  meanObjectBytes: number;
  /** Days after which the archive bucket moves originals to Glacier Instant Retrieval (the stack's rule). */
  transitionDays: number;
  /** Days the intake copy of an upload is kept before the intake bucket's lifecycle expires it. */
  intakeExpiryDays: number;
  /** DynamoDB bytes (records and audit, indexes included) kept per archived document. */
  metadataBytesPerDocument: number;
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
  /** $ per TB-month of originals for their metadata in DynamoDB (storage and PITR). */
  metadataPerTbMonth: number;
  /** First year of one TB ingested: Standard, then Glacier IR, transition, intake copy, metadata. */
  firstYearPerTb: number;
}

export function storageModel(m: StorageModelInput, p: Prices): StorageModel {
  const gir = p.s3.glacierInstantRetrieval;
  const objectsPerTb = TB / m.meanObjectBytes;
  const tbGb = TB / GB;
  const standardPerTbMonth = tbGb * p.s3.standard.storageGbMonthUsd;
  const billedBytes = Math.max(m.meanObjectBytes, gir.minimumBillableObjectBytes) * objectsPerTb;
  const archivedPerTbMonth = (billedBytes / GB) * gir.storageGbMonthUsd;
  const transitionPerTb = objectsPerTb * gir.lifecycleTransitionUsd;
  const intakeCopyPerTb = standardPerTbMonth * (m.intakeExpiryDays / 30);
  const metadataGb = (objectsPerTb * m.metadataBytesPerDocument) / GB;
  const metadataPerTbMonth = metadataGb * (p.dynamodb.storageGbMonthUsd + p.dynamodb.pitrGbMonthUsd);
  const standardMonths = m.transitionDays / 30;
  const firstYearPerTb =
    standardPerTbMonth * standardMonths +
    archivedPerTbMonth * (12 - standardMonths) +
    transitionPerTb +
    intakeCopyPerTb +
    metadataPerTbMonth * 12;
  return {
    objectsPerTb,
    standardPerTbMonth,
    archivedPerTbMonth,
    transitionPerTb,
    intakeCopyPerTb,
    metadataPerTbMonth,
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
    const g = p.guardDutyMalwareS3;
    lines.push(
      line('GuardDuty', 'malware scan: objects', perThousand, perThousand * g.objectEvaluatedUsd, 'per-1000'),
      line(
        'GuardDuty',
        'malware scan: GB',
        (perThousand * w.meanObjectBytes) / GB,
        ((perThousand * w.meanObjectBytes) / GB) * g.gbScannedUsd,
        'per-1000',
      ),
    );
  } else {
    const c = p.clamavScanner;
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
        (perThousand + 2 * batches) * p.sqs.requestUsd,
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
        c.idleQueueReceivesPerMonth * p.sqs.requestUsd,
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
        c.alarms * p.cloudWatchAlarms.standardAlarmMonthUsd,
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
