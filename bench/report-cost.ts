/**
 * The cost sections of bench/RESULTS.md: a workload's bill in every region priced, its functions
 * and requests, the floor beside it, a loan's bill, and the notes that quote the figures.
 */
import type { CostLine } from './cost.ts';
import { num, pct, table, usd } from './markdown.ts';
import type { LoanCost, RegionCost, Results, WorkloadCost } from './results.ts';

export function costTable(w: WorkloadCost): string {
  const [first] = w.regions;
  if (!first) return '';
  const worst = dearer(w.regions);
  const rows = first.lines.map((l: CostLine, i) => [
    l.service,
    l.item,
    num(l.quantity, 4),
    ...w.regions.map((r) => usd(r.lines[i]?.usd ?? Number.NaN, 4)),
    pct((worst.lines[i]?.usd ?? 0) / worst.totalUsd),
  ]);
  rows.push(['**all in**', '', '', ...w.regions.map((r) => `**${usd(r.totalUsd, 4)}**`), '100%']);
  for (const scanner of Object.keys(first.byScanner).filter((x) => x !== w.malwareScanner)) {
    rows.push([
      `all in with ${scanner} instead`,
      '',
      '',
      ...w.regions.map((r) => usd(r.byScanner[scanner] ?? Number.NaN, 4)),
      '',
    ]);
  }
  return table(
    [
      'service',
      'billed as',
      'quantity per 1,000 documents',
      ...w.regions.map((r) => `USD, ${r.region}`),
      `share (${worst.region})`,
    ],
    rows,
  );
}

/** The region a workload costs most in (the targets are judged on it). */
export const dearer = (regions: readonly RegionCost[]): RegionCost =>
  regions.reduce((x, y) => (y.totalUsd > x.totalUsd ? y : x));

/** us-east-1's figures (bench/prices.json), the region the notes below quote. */
export const home = (w: WorkloadCost): RegionCost => w.regions[0] as RegionCost;

/** The price of one unit of a line (write units, PUT-class requests) in a workload's model. */
export function unitPrice(w: WorkloadCost, service: string, itemStart: string): number {
  const line = home(w).lines.find((l) => l.service === service && l.item.startsWith(itemStart));
  return line && line.quantity > 0 ? line.usd / line.quantity : 0;
}

/**
 * What the exact record path costs (versioned intake, each original locked only once its copy is
 * verified, every submission put on watch), from the run's own meters. The figures before it were
 * measured at 77bd448: $0.0557 per 1,000 documents at five per submission, 8 write units per
 * document in upload-received, 1.2 in submissions-submit, 9.2 in intake-archive, 3.61 PUT-class
 * requests per document.
 */
export function recordPathNote(a: WorkloadCost): string {
  const perDoc = (fn: string) => (a.breakdown.functions[fn]?.write ?? 0) / a.documentsArchived;
  const retention = (a.breakdown.s3['PutObjectRetention archive'] ?? 0) / a.documentsArchived;
  const putUsd = unitPrice(a, 'S3', 'PUT') * 1000;
  const writeUsd = unitPrice(a, 'DynamoDB', 'write') * 1000;
  const watch = perDoc('submissions-submit') - 1.2;
  return (
    `- **The exact record path** costs, per 1,000 documents at ${a.documentsPerSubmission} per submission: ` +
    `${num(retention)} PutObjectRetention per document (the copy is locked only after its checksum is ` +
    `verified, since S3 cannot verify a copy before it applies the lock in one call): ${usd(retention * putUsd)}; ` +
    `the upload record now carries the object version, upload id and sequencer (upload-received ` +
    `${num(perDoc('upload-received'))} write units per document, was 8: ${usd((perDoc('upload-received') - 8) * writeUsd)}); ` +
    `the watch entry written with each submit (${num(watch)} units per document: ${usd(watch * writeUsd)}); ` +
    `intake-archive ${num(perDoc('intake-archive'))} units (was 9.2; the document items are larger). Reading ` +
    'a named version costs the same requests as reading the current one, and the versioned intake bucket ' +
    'keeps an older version only when a file is uploaded again (replaced, retried or a late PUT), for the ' +
    "30 days the bucket's lifecycle keeps uploads. The stuck check looks at each record in flight every hour " +
    'for its first day and once a day after (a GetItem and a DescribeExecution; Step Functions does not bill ' +
    'DescribeExecution) and removes finished ones, so its cost follows the work in flight, not the archive.'
  );
}

/** Refused DynamoDB units per 1,000 documents, priced as write units (nearly all of them are). */
export function refusedUsd(w: WorkloadCost): number {
  const writes = home(w).lines.find((l) => l.service === 'DynamoDB' && l.item.startsWith('write'));
  const unitUsd = writes && writes.quantity > 0 ? writes.usd / writes.quantity : 0;
  return (w.breakdown.errors.refusedUnits / w.documentsArchived) * 1000 * unitUsd;
}

export const lambdaGb = (w: WorkloadCost): number =>
  home(w).lines.find((l) => l.service === 'Lambda' && l.item.startsWith('GB-seconds'))?.usd ?? 0;

export function perStep(w: WorkloadCost): string {
  const subs = w.submissions;
  const docs = w.documentsArchived;
  const rows = Object.entries(w.breakdown.functions).map(([fn, f]) => [
    fn,
    num(f.invocations / subs, 3),
    num(f.meanMs, 3),
    num(f.read / docs, 3),
    num(f.write / docs, 3),
    num(f.logBytes / docs, 0),
  ]);
  return table(
    [
      'function',
      'invocations per submission',
      'mean billed ms',
      'read units per document',
      'write units per document',
      'log bytes per document',
    ],
    rows,
  );
}

export function loanSection(l: LoanCost): string[] {
  const t = l.executions.entered + l.executions.retries;
  const rows = l.perThousand.lines.map((x: CostLine) => [
    x.service,
    x.item,
    num(x.quantity, 4),
    usd(x.usd, 3),
  ]);
  rows.push(['**all in**', '', '', `**${usd(l.perThousand.lines.reduce((x, y) => x + y.usd, 0))}**`]);
  const fnRows = Object.entries(l.breakdown.functions).map(([fn, f]) => [
    fn,
    num(f.invocations / l.loans, 3),
    num(f.meanMs, 3),
    num(f.read / l.loans, 3),
    num(f.write / l.loans, 3),
  ]);
  return [
    `### ${l.loans} ${l.label} loans of ${l.documentsPerLoan} document(s), ${l.approvals} approval(s) each`,
    `${l.executions.executions} executions (${Object.entries(l.executions.statuses)
      .map(([st, n]) => `${n} ${st}`)
      .join(', ')}), ${num(t / l.loans)} transitions per loan; ${l.documentsRead} originals read.`,
    table(['service', 'billed as', 'quantity per 1,000 loans', 'USD'], rows),
    table(
      ['function', 'invocations per loan', 'mean billed ms', 'read units per loan', 'write units per loan'],
      fnRows,
    ),
    `S3 requests per loan: ${Object.entries(l.breakdown.s3)
      .map(([op, n]) => `${op} ${num(n / l.loans)}`)
      .join(', ')}. API requests per loan: ${Object.entries(l.breakdown.api)
      .map(([route, n]) => `${route} ${num(n / l.loans)}`)
      .join(', ')}. Originals older than the lifecycle transition are read from Glacier Instant Retrieval: ` +
      `${usd(l.glacierReadUsdPerThousand)} more per 1,000 loans (its GET price and per-GB retrieval).`,
  ];
}

/**
 * The floor: what any design of this flow pays per 1,000 documents, service by service, beside
 * what the run measured, so a target below the floor shows as out of reach with its arithmetic.
 */
export function floorSection(r: Results): string[] {
  const out: string[] = [];
  for (const w of r.intake.workloads) {
    const floors = r.intake.floors.filter((f) => f.documentsPerSubmission === w.documentsPerSubmission);
    const worstFloor = floors.reduce(
      (x, y) => (y.totalUsd > x.totalUsd ? y : x),
      floors[0] as (typeof floors)[number],
    );
    if (!worstFloor) continue;
    const measured = w.regions.find((x) => x.region === worstFloor.region) ?? dearer(w.regions);
    const scanner = worstFloor.lines
      .filter((l) => l.service.startsWith('Malware scan'))
      .reduce((x, l) => x + l.usd, 0);
    out.push(
      `### The floor at ${w.documentsPerSubmission} document(s) per submission (${worstFloor.region})`,
      'The least any design of this flow pays per 1,000 documents (bench/cost.ts `intakeFloor`): the scanner ' +
        'reads each upload once; S3 takes the upload, one copy into the locked bucket, one lifecycle transition ' +
        "and the reviewer's one read (its bytes out too); DynamoDB writes the document once with its audit event " +
        'in one transaction (4 write units); one Lambda request handles the upload; API Gateway answers one preview ' +
        'link per document and one create per submission; Step Functions enters one state per submission.',
      floorTable(worstFloor.lines, measured),
      `Floor ${usd(worstFloor.totalUsd, 4)}, of which the scanner (${w.malwareScanner}) ${usd(scanner, 4)}; ` +
        `measured ${usd(measured.totalUsd, 4)}, ${num(measured.totalUsd / worstFloor.totalUsd, 2)}× the floor.`,
      ...rulesFloorLines(r, w.documentsPerSubmission, measured),
    );
  }
  return out;
}

/** A floor's lines beside what the run measured on the same lines. */
const floorTable = (lines: readonly CostLine[], measured: RegionCost): string =>
  table(
    ['service', 'billed as', 'floor quantity', 'floor USD', 'measured USD'],
    lines.map((l) => {
      const m = measured.lines.find((x) => x.service === l.service && x.item === l.item);
      return [l.service, l.item, num(l.quantity, 4), usd(l.usd, 4), usd(m?.usd ?? Number.NaN, 4)];
    }),
  );

/** The rules' floor beside the flow's: the same flow with the records Dangan's rules ask for. */
function rulesFloorLines(r: Results, documentsPerSubmission: number, measured: RegionCost): string[] {
  const floor = r.intake.rulesFloors?.find(
    (f) => f.documentsPerSubmission === documentsPerSubmission && f.region === measured.region,
  );
  if (!floor) return [];
  const scanner = floor.lines
    .filter((l) => l.service.startsWith('Malware scan'))
    .reduce((x, l) => x + l.usd, 0);
  return [
    "Under Dangan's rules (bench/cost.ts `intakeRulesFloor`, `RULES_RECORDS`) the same flow also writes what " +
      'any design that keeps these records must: the document changed three times (registered, upload recorded, ' +
      "archived with its code's guard item), each change in one transaction with its audit event, the reviewer's " +
      'read audited, the submission created and decided with their events, every event in the actor and day ' +
      'indexes and copied under Object Lock (one stream invocation and one PUT an event at low traffic). Like the ' +
      "scanner, the tables' classes are the deployment's: the records' writes at the records table's class, the " +
      "events' at the audit table's (Standard-IA):",
    floorTable(floor.lines, measured),
    `Rules' floor ${usd(floor.totalUsd, 4)} (${floor.region}), ${usd(floor.totalUsd - scanner, 4)} of it ` +
      `besides the scanner; measured ${num(measured.totalUsd / floor.totalUsd, 2)}× it.`,
  ];
}
