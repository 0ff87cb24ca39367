/**
 * The bill of a workload: its usage priced line by line in every region the benchmark prices
 * (bench/prices.json, us-east-1; bench/prices-cn-north-1.json), with the malware scanner it is
 * told to price, INIT of cold starts and the stack's table classes and lifecycle; what the
 * archive keeps per document; and the intake and storage targets, judged on the dearer region.
 */
import { readFileSync } from 'node:fs';
import { paginateScan } from '@aws-sdk/client-dynamodb';
import { paginateListObjectsV2 } from '@aws-sdk/client-s3';
import { AUDIT_TABLE, TABLES } from '../functions/adapters/tables.ts';
import { DEFAULT_MEMORY_MB, FUNCTIONS, TABLE_STREAMS } from '../functions/catalog.ts';
import { AUDIT_COPY_PREFIX, AUDIT_ITEM_KEPT_DAYS } from '../functions/core/audit-trail.ts';
import { HISTORY_PREFIX } from '../functions/core/document-history.ts';
import { RETENTION_YEARS } from '../functions/core/retention.ts';
import { s3ClientFor } from '../test/e2e/client.ts';
import type { ColdStartResult } from './coldstart.ts';
import {
  type AttributeValue,
  type CostLine,
  DEFAULT_MALWARE_SCANNER,
  gbSeconds,
  type Item,
  intakeFloor,
  intakeRulesFloor,
  isService,
  keptShare,
  loadPrices,
  type Prices,
  priceMalwareScanner,
  priceUsage,
  scaleLines,
  storageModel,
  storedBytes,
  sumUsd,
  type TableBytes,
  type TableClass,
  type Usage,
} from './cost.ts';
import type { IntakeRun } from './intake.ts';
import type { LoanRun } from './loans.ts';
import {
  type FloorBill,
  judge,
  type LoanCost,
  type RegionCost,
  type Results,
  type TargetResult,
  type WorkloadCost,
} from './results.ts';
import type { StackFacts } from './stack.ts';
import { round } from './stats.ts';
import type { BenchSystem } from './system.ts';
import { usageOf } from './usage.ts';

const HERE = new URL('.', import.meta.url);

/** A few-page A4 scan at 200 dpi; the size the storage model assumes per original. */
export const MEAN_SCAN_BYTES = 500 * 1024;

export const readPrices = (file: string): Prices =>
  loadPrices(JSON.parse(readFileSync(new URL(file, HERE), 'utf8')));
/** us-east-1 (bench/prices.json) first: the region the loans, sweep and storage lines are priced in. */
export const REGIONS: Prices[] = [readPrices('prices.json'), readPrices('prices-cn-north-1.json')];
export const prices = REGIONS[0] as Prices;
/**
 * The malware scanner priced (`BENCH_MALWARE_SCANNER`, as the stack's `malwareScanner` context
 * value; GuardDuty by default). Every other scanner with prices is reported beside it.
 */
export const MALWARE_SCANNER = process.env.BENCH_MALWARE_SCANNER ?? DEFAULT_MALWARE_SCANNER;
/**
 * Share of invocations that start a new execution environment, whose INIT (the bundle's import)
 * is billed: "in production workloads, cold starts typically occur in under 1% of invocations"
 * (AWS Lambda Developer Guide, the execution environment lifecycle). RESULTS.md gives the bound
 * of every invocation starting cold, as at very low traffic.
 */
export const COLD_START_SHARE = 0.01;
/** Functions fed by the tables' streams (one batch read per invocation). */
export const STREAM_CONSUMERS = TABLE_STREAMS.map((t) => t.function);

/** What the run learnt about the stack that prices usage: memory, INIT, the lifecycle rule. */
export interface StackPricing {
  memoryMB: (fn: string) => number;
  tableClass: (table: string) => TableClass;
  /** Whether the table has continuous backups (PITR). */
  pitr: (table: string) => boolean;
  initMs: (fn: string) => number;
  originalsTransition: boolean;
  platformLinesLogged: (fn: string) => boolean;
}

/** A workload's usage priced per 1,000 units of work in every region, with every priced scanner. */
export function regionCosts(usage: Usage, count: number): RegionCost[] {
  return REGIONS.map((p) => {
    const perThousand = (scanner: string): CostLine[] =>
      scaleLines(priceUsage(usage, p, scanner), count, 1000);
    const lines = perThousand(MALWARE_SCANNER);
    return {
      region: p.region,
      lines,
      totalUsd: sumUsd(lines),
      byScanner: Object.fromEntries(
        Object.keys(p.malwareScanners).map((scanner) => [scanner, sumUsd(perThousand(scanner))]),
      ),
    };
  });
}

/** The dearer region's figures: the targets are judged on it. */
export const dearer = (regions: readonly RegionCost[]): RegionCost =>
  regions.reduce((x, y) => (y.totalUsd > x.totalUsd ? y : x));

/** The usage of one run of a workload, with what differs between workloads (scans, bytes out). */
function usageOfRun(
  state: IntakeRun['state'],
  b: BenchSystem,
  stack: StackPricing,
  executions: { entered: number; retries: number; executions: number },
  traffic: Pick<Parameters<typeof usageOf>[0], 'scanned' | 'downloadedBytes'>,
) {
  return usageOf({
    state,
    ports: b.ports,
    intakeBucket: b.system.ready.intakeBucket,
    memoryMB: stack.memoryMB,
    prices,
    transitions: executions.entered + executions.retries,
    executions: executions.executions,
    streamConsumers: STREAM_CONSUMERS,
    originalsTransition: stack.originalsTransition,
    coldStarts: { initMs: stack.initMs, share: COLD_START_SHARE },
    tableClass: stack.tableClass,
    platformLinesLogged: stack.platformLinesLogged,
    ...traffic,
  });
}

export function costOf(
  run: IntakeRun,
  b: BenchSystem,
  stack: StackPricing,
  executions: WorkloadCost['executions'],
) {
  const { usage, breakdown } = usageOfRun(run.state, b, stack, executions, {
    scanned: { objects: run.documents, bytes: run.uploadedBytes },
    downloadedBytes: run.previewBytes,
  });
  const raced = run.state.invocations.filter(
    (i) => i.fn === 'intake-open-review' && i.error === 'TransientError',
  );
  const raceUsd =
    raced.length * (prices.stepFunctions.standardTransitionUsd + prices.lambda.requestUsd) +
    raced.reduce((a, i) => a + gbSeconds(i.ms, stack.memoryMB(i.fn)) * prices.lambda.arm64GbSecondUsd, 0);
  const w = run.workload;
  const cost: WorkloadCost = {
    label: w.label,
    businessEvent: w.businessEvent,
    submissions: w.submissions,
    documentsPerSubmission: w.docs.length,
    documentsArchived: run.archived,
    scanBytes: w.scanBytes,
    previewBytes: run.previewBytes,
    wallMs: run.wallMs,
    executions,
    usage,
    malwareScanner: MALWARE_SCANNER,
    regions: regionCosts(usage, run.archived),
    localRace: { retries: raced.length, usdPerThousand: (raceUsd / run.archived) * 1000 },
    breakdown,
  };
  return cost;
}

export function loanCostOf(
  run: LoanRun,
  b: BenchSystem,
  stack: StackPricing,
  executions: LoanCost['executions'],
): LoanCost {
  const { usage, breakdown } = usageOfRun(run.state, b, stack, executions, {
    scanned: { objects: 0, bytes: 0 },
    downloadedBytes: run.bytesRead,
  });
  const n = run.loanIds.length;
  const lines = scaleLines(priceUsage(usage, prices, MALWARE_SCANNER), n, 1000);
  const gir = prices.s3.glacierInstantRetrieval;
  // Originals past the transition are read from Glacier Instant Retrieval: a dearer GET and a per-GB fee.
  const glacierReadUsd =
    ((run.documentsRead * (gir.tier2RequestUsd - prices.s3.standard.tier2RequestUsd) +
      (run.bytesRead / 1024 ** 3) * gir.retrievalGbUsd) /
      n) *
    1000;
  return {
    label: run.workload.label,
    loans: n,
    documentsPerLoan: (run.workload.loans[0] ?? []).length,
    approvals: run.workload.approvers.length,
    documentsRead: run.documentsRead,
    wallMs: run.wallMs,
    executions,
    usage,
    perThousand: { lines, totalUsd: sumUsd(lines) },
    glacierReadUsdPerThousand: glacierReadUsd,
    breakdown,
  };
}

/**
 * What the archive keeps per archived document, from every item and object the run wrote: the
 * bytes of each table and its index entries (an ALL index holds the whole item, a KEYS_ONLY index
 * the index and table keys, an INCLUDE index those and the attributes it names), the audit
 * trail's locked copies under `audit/` and the documents' versions under `history/` in the archive
 * bucket. Customers, tasks and the rest count
 * too: they describe the documents; transient items (`isTransient`) do not.
 */
export async function keptBytesPerDocument(
  b: BenchSystem,
  stack: Pick<StackPricing, 'tableClass' | 'pitr'>,
): Promise<{ tables: TableBytes[]; auditObjectBytes: number; historyObjectBytes: number }> {
  const names = b.system.ready.tables as Record<string, string>;
  const measured: {
    table: string;
    tableBytes: number;
    indexBytes: number;
    byKind: Record<string, number>;
  }[] = [];
  let archived = 0;
  for (const def of TABLES) {
    const name = names[def.id.toLowerCase()];
    if (!name) continue;
    let tableBytes = 0;
    let indexBytes = 0;
    const byKind: Record<string, number> = {};
    for await (const page of paginateScan({ client: b.dynamodb }, { TableName: name })) {
      for (const raw of page.Items ?? []) {
        const item = raw as Item;
        // An audit event's expiry is the table's year (`keptDays` below), not an end of its work.
        if (def !== AUDIT_TABLE && isTransient(item)) continue;
        const stored = storedBytes(def, item);
        tableBytes += stored.table;
        indexBytes += stored.indexes;
        const kind = itemKind(item);
        byKind[kind] = (byKind[kind] ?? 0) + stored.table + stored.indexes;
        if (item.pk?.S?.startsWith('DOCUMENT#') && item.sk?.S === 'DOCUMENT' && item.status?.S === 'ARCHIVED')
          archived++;
      }
    }
    measured.push({ table: def.id, tableBytes, indexBytes, byKind });
  }
  const s3 = s3ClientFor(b.system);
  const bytesUnder = async (prefix: string) => {
    let bytes = 0;
    for await (const page of paginateListObjectsV2(
      { client: s3 },
      { Bucket: b.system.ready.archiveBucket, Prefix: prefix },
    )) {
      for (const o of page.Contents ?? []) bytes += o.Size ?? 0;
    }
    return bytes;
  };
  const auditObjectBytes = await bytesUnder(AUDIT_COPY_PREFIX);
  const historyObjectBytes = await bytesUnder(HISTORY_PREFIX);
  s3.destroy();
  const per = (v: number) => (archived === 0 ? Number.NaN : v / archived);
  return {
    tables: measured.map((m) => ({
      table: m.table,
      tableClass: stack.tableClass(m.table),
      pitr: stack.pitr(m.table),
      tableBytes: per(m.tableBytes),
      indexBytes: per(m.indexBytes),
      byKind: Object.fromEntries(
        Object.entries(m.byKind)
          .sort(([, x], [, y]) => y - x)
          .map(([kind, bytes]) => [kind, per(bytes)]),
      ),
      ...(m.table === AUDIT_TABLE.id ? { keptDays: AUDIT_ITEM_KEPT_DAYS } : {}),
    })),
    auditObjectBytes: per(auditObjectBytes),
    historyObjectBytes: per(historyObjectBytes),
  };
}

/**
 * Items the system removes once their work is done, so none of them describes an original past
 * the 90-day transition: watch entries (`WATCH#<n>`), which the hourly stuck check deletes when
 * their record has finished (functions/services/workflow-watch.ts; this run's finished less than
 * an hour ago), and anything with a TTL (`expiresAt`).
 */
const isTransient = (item: Item): boolean =>
  (item.pk?.S ?? '').startsWith('WATCH#') || item.expiresAt !== undefined;

/** An item's kind for the storage breakdown: its keys' prefixes, `DOCUMENT/V` or `TARGET/<time>`. */
function itemKind(item: Item): string {
  const prefix = (v: AttributeValue | undefined) => {
    const first = (v?.S ?? '').split('#')[0] || '?';
    // Times and ids (an audit event's sort key, a person's sub) are not kinds.
    if (/^\d{4}-\d\d/.test(first)) return '<time>';
    return /^[0-9a-f]{8}-[0-9a-f]{4}-/.test(first) ? '<id>' : first;
  };
  return `${prefix(item.pk)}/${prefix(item.sk)}`;
}

export function stackPricing(stack: StackFacts, coldStart: ColdStartResult | undefined): StackPricing {
  return {
    memoryMB: (fn) =>
      stack.functions[fn]?.memoryMB ??
      (FUNCTIONS as Record<string, { memoryMB?: number }>)[fn]?.memoryMB ??
      DEFAULT_MEMORY_MB,
    tableClass: (table) => stack.tableClasses[table] ?? 'STANDARD',
    pitr: (table) => stack.continuousBackups[table] ?? true,
    platformLinesLogged: (fn) => stack.functions[fn]?.platformLinesLogged ?? true,
    // The bundle's import, spawn to exit, as the cold-start proxy measured it.
    initMs: (fn) => coldStart?.functions[fn]?.medianMs ?? 0,
    originalsTransition: stack.lifecycle.archiveTransitionClass !== undefined,
  };
}

/**
 * The least time an original is held: the scheme's shortest retention period (D10, ten years from
 * its trigger; permanent and thirty-year documents are held longer), in days.
 */
export const DOCUMENT_HELD_DAYS = Math.min(...Object.values(RETENTION_YEARS)) * 365.25;

/** The storage model's input from the stack's lifecycle rules and what the run kept. */
export function storageInput(stack: StackFacts, kept: Awaited<ReturnType<typeof keptBytesPerDocument>>) {
  return {
    meanObjectBytes: MEAN_SCAN_BYTES,
    transitionDays: stack.lifecycle.archiveTransitionDays ?? Number.POSITIVE_INFINITY,
    intakeExpiryDays: stack.lifecycle.intakeExpiryDays ?? 30,
    metadata: kept.tables,
    documentHeldDays: DOCUMENT_HELD_DAYS,
    auditObjectBytesPerDocument: kept.auditObjectBytes,
    historyObjectBytesPerDocument: kept.historyObjectBytes,
  };
}

/** The volume the ClamAV scanner's fixed monthly costs are spread over in the intake targets. */
export const CLAMAV_DOCUMENTS_PER_MONTH = 100_000;

/** The ClamAV scanner's modelled bill per 1,000 documents at `per` documents a submission. */
const clamavPerThousand = (per: number): number =>
  priceMalwareScanner(
    'clamav',
    {
      meanObjectBytes: MEAN_SCAN_BYTES,
      documentsPerSubmission: per,
      documentsPerMonth: CLAMAV_DOCUMENTS_PER_MONTH,
    },
    prices,
  ).perThousandAllInUsd;

/**
 * An intake cost target on the issue's limit, judged on the dearer region with the scanner the
 * run priced (GuardDuty unless `BENCH_MALWARE_SCANNER` says otherwise). The note gives the same
 * bill with the ClamAV scanner (`-c malwareScanner=clamav`), whose figures are a model (its
 * compute at an assumed scan rate, us-east-1 prices, fixed costs spread over
 * CLAMAV_DOCUMENTS_PER_MONTH) until a deployment measures them.
 */
export function intakeTarget(w: WorkloadCost, id: string, issueLimit: number): TargetResult {
  const worst = dearer(w.regions);
  const scannerUsd = sumUsd(worst.lines, isService('Malware scan'));
  const withoutScanner = worst.totalUsd - scannerUsd;
  const per = w.documentsPerSubmission;
  const clamav = clamavPerThousand(per);
  return judge(
    {
      id,
      name: `Cost per 1,000 documents archived at ${per} per submission, all in (dearer region)`,
      target: `≤ $${issueLimit}`,
      limit: issueLimit,
    },
    worst.totalUsd,
    w.regions.map((r) => `$${round(r.totalUsd, 4)} (${r.region})`).join(', ') +
      ` with ${w.malwareScanner}; $${round(withoutScanner + clamav, 4)} (${worst.region}) with ClamAV (modelled)`,
    `every line a document causes (RESULTS.md lists them), malware scanning by ${w.malwareScanner} ` +
      `($${round(scannerUsd, 4)}); without any scanner $${round(withoutScanner, 4)} (${worst.region}); ` +
      `ClamAV $${round(clamav, 4)} with its fixed costs spread over ${CLAMAV_DOCUMENTS_PER_MONTH.toLocaleString('en')} documents a month`,
  );
}

/** How far over the least Dangan's rules allow an intake bill may be (the import's yardstick too). */
export const RULES_FLOOR_RATIO_LIMIT = 1.5;

/**
 * The intake cost over the rules' floor (cost.ts `intakeRulesFloor`) in the dearer region, with
 * the run's scanner: the nearest honest figure where the issue's dollar limit is below that
 * floor even without any scanner, which the note works out.
 */
export function rulesFloorTarget(
  w: WorkloadCost,
  rulesFloors: readonly FloorBill[],
  id: string,
  issueLimit: number,
): TargetResult {
  const worst = dearer(w.regions);
  const floor = rulesFloors.find(
    (f) => f.region === worst.region && f.documentsPerSubmission === w.documentsPerSubmission,
  );
  const floorUsd = floor?.totalUsd ?? Number.NaN;
  const withoutScanner = floorUsd - sumUsd(floor?.lines ?? [], isService('Malware scan'));
  const per = w.documentsPerSubmission;
  const clamav = clamavPerThousand(per);
  return judge(
    {
      id,
      name: `Cost per 1,000 documents at ${per} per submission over the least Dangan's rules allow (dearer region)`,
      target: `≤ ${RULES_FLOOR_RATIO_LIMIT}× the rules' floor`,
      limit: RULES_FLOOR_RATIO_LIMIT,
    },
    worst.totalUsd / floorUsd,
    `$${round(worst.totalUsd, 4)} against a floor of $${round(floorUsd, 4)} (${worst.region}, ${w.malwareScanner})`,
    `the floor: the flow's least (one scan, upload, locked copy, preview, transition) and the records the ` +
      `rules ask for (bench/cost.ts RULES_RECORDS); the issue's $${issueLimit} against it in ${worst.region}: ` +
      `$${round(withoutScanner + clamav, 4)} with ClamAV (modelled), $${round(withoutScanner, 4)} with no ` +
      `scanner at all`,
  );
}

/** The price files the run used, for results.json. */
export const pricesMeta = (): Pick<Results['meta'], 'prices' | 'malwareScanner'> => ({
  prices: REGIONS.map((p) => ({
    region: p.region,
    currency: p.currency,
    asOf: p.asOf,
    source: p.source,
    ...(p.exchangeRate ? { exchangeRate: p.exchangeRate } : {}),
  })),
  malwareScanner: MALWARE_SCANNER,
});

/**
 * The intake and storage figures of results.json and their targets, from the two intake
 * workloads (five documents a submission, then one) and what they kept.
 */
export function costResults(
  stack: StackFacts,
  pricing: StackPricing,
  workloads: WorkloadCost[],
  kept: Results['storage']['kept'],
): { intake: Results['intake']; storage: Results['storage']; targets: TargetResult[] } {
  const [a, m1] = workloads as [WorkloadCost, WorkloadCost];
  const models = REGIONS.map((p, i) => {
    const perSubmission = (w: WorkloadCost) =>
      ((w.regions[i]?.totalUsd ?? Number.NaN) / 1000) * w.documentsPerSubmission;
    const usdPerDocument =
      (perSubmission(a) - perSubmission(m1)) / (a.documentsPerSubmission - m1.documentsPerSubmission);
    const fixedUsdPerSubmission = perSubmission(m1) - usdPerDocument * m1.documentsPerSubmission;
    const perThousandAt = Object.fromEntries(
      [1, 3, 5, 8, 20].map((n) => [String(n), 1000 * (fixedUsdPerSubmission / n + usdPerDocument)]),
    );
    return { region: p.region, fixedUsdPerSubmission, usdPerDocument, perThousandAt };
  });
  const floorsBy = (floor: typeof intakeRulesFloor): FloorBill[] =>
    REGIONS.flatMap((p) =>
      [a, m1].map((w) => {
        const lines = floor(
          p,
          MALWARE_SCANNER,
          w.documentsPerSubmission,
          w.scanBytes,
          pricing.originalsTransition,
          pricing.tableClass('Records'),
        );
        return {
          region: p.region,
          documentsPerSubmission: w.documentsPerSubmission,
          lines,
          totalUsd: sumUsd(lines),
        };
      }),
    );
  const floors = floorsBy(intakeFloor);
  const rulesFloors = floorsBy(intakeRulesFloor);
  const storages = REGIONS.map((p) => ({ region: p.region, ...storageModel(storageInput(stack, kept), p) }));
  const dearerStorage = storages.reduce((x, y) => (y.allInPerTbMonth > x.allInPerTbMonth ? y : x));
  const keptTotal = kept.tables.reduce((x, t) => x + t.tableBytes + t.indexBytes, 0);
  const targets = [
    intakeTarget(a, 'intake-cost-all-in', 0.1),
    intakeTarget(m1, 'intake-cost-one-doc', 0.2),
    rulesFloorTarget(a, rulesFloors, 'intake-cost-over-rules-floor', 0.1),
    rulesFloorTarget(m1, rulesFloors, 'intake-cost-one-doc-over-rules-floor', 0.2),
    judge(
      {
        id: 'storage-per-tb-month',
        name: 'Originals older than 90 days and everything that describes them, all in (dearer region)',
        target: '≤ $6 per TB-month',
        limit: 6,
      },
      dearerStorage.allInPerTbMonth,
      storages
        .map(
          (x) =>
            `$${round(x.allInPerTbMonth, 2)} (${x.region}: originals $${round(x.archivedPerTbMonth, 2)}, ` +
            `DynamoDB $${round(x.metadataPerTbMonth, 2)}, audit copies $${round(x.auditObjectsPerTbMonth, 2)}, ` +
            `document versions $${round(x.historyObjectsPerTbMonth, 2)})`,
        )
        .join('; '),
      `${MEAN_SCAN_BYTES / 1024} KB mean scan; DynamoDB items, index entries and PITR (where a table has it) measured from what the ` +
        `run wrote (${round(keptTotal, 0)} bytes per archived document), audit copies ` +
        `${round(kept.auditObjectBytes, 0)} and document versions ${round(kept.historyObjectBytes, 0)} bytes per ` +
        `document in S3 Standard; the audit table keeps its events ${AUDIT_ITEM_KEPT_DAYS} days, ` +
        `${round(100 * keptShare({ keptDays: AUDIT_ITEM_KEPT_DAYS }, DOCUMENT_HELD_DAYS), 1)}% of the ten years an ` +
        'original is held at least (the copies keep them 30 years)',
    ),
  ];
  return {
    intake: { workloads, models, coldStartShare: COLD_START_SHARE, floors, rulesFloors },
    storage: {
      regions: storages,
      meanScanBytes: MEAN_SCAN_BYTES,
      documentHeldDays: DOCUMENT_HELD_DAYS,
      kept,
      archiveClass: stack.lifecycle.archiveTransitionClass ?? 'STANDARD',
    },
    targets,
  };
}
