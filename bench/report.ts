/** bench/RESULTS.md from bench/results.json: the figures of one run, each with how it was measured. */

import { type FunctionName, functionAccess } from '../functions/catalog.ts';
import type { CostLine } from './cost.ts';
import { type LoanCost, REFERENCE, type Results, type TargetResult, type WorkloadCost } from './results.ts';
import { round } from './stats.ts';

const usd = (v: number, digits = 3): string => (v === 0 ? '$0' : `$${round(v, digits)}`);
const pct = (v: number): string => `${(v * 100).toFixed(0)}%`;
const kb = (bytes: number): string => `${(bytes / 1024).toFixed(0)}`;
const num = (v: number, digits = 3): string => String(round(v, digits));

function status(t: TargetResult): string {
  if (t.met === null || t.margin === null) return 'not measured';
  return t.met ? `met (${pct(-t.margin)} headroom)` : `**missed by ${pct(t.margin)}**`;
}

function table(head: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

function costTable(w: WorkloadCost): string {
  const rows = w.perThousand.lines.map((l: CostLine) => [
    l.service,
    l.item,
    num(l.quantity, 4),
    usd(l.usd, 3),
    l.inTarget ? pct(l.usd / w.perThousand.targetUsd) : 'outside',
  ]);
  rows.push(['**in target scope**', '', '', `**${usd(w.perThousand.targetUsd)}**`, '100%']);
  rows.push(['**everything above**', '', '', `**${usd(w.perThousand.allUsd)}**`, '']);
  return table(
    ['service', 'billed as', 'quantity per 1,000 documents', 'USD', 'share of target scope'],
    rows,
  );
}

/** The price of one unit of a line (write units, PUT-class requests) in a workload's model. */
function unitPrice(w: WorkloadCost, service: string, itemStart: string): number {
  const line = w.perThousand.lines.find((l) => l.service === service && l.item.startsWith(itemStart));
  return line && line.quantity > 0 ? line.usd / line.quantity : 0;
}

/**
 * What the exact record path costs (versioned intake, each original locked only once its copy is
 * verified, every submission put on watch), from the run's own meters. The figures before it were
 * measured at 77bd448: $0.0557 per 1,000 documents at five per submission, 8 write units per
 * document in upload-received, 1.2 in submissions-submit, 9.2 in intake-archive, 3.61 PUT-class
 * requests per document.
 */
function recordPathNote(a: WorkloadCost): string {
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
function refusedUsd(w: WorkloadCost): number {
  const writes = w.perThousand.lines.find((l) => l.service === 'DynamoDB' && l.item.startsWith('write'));
  const unitUsd = writes && writes.quantity > 0 ? writes.usd / writes.quantity : 0;
  return (w.breakdown.errors.refusedUnits / w.documentsArchived) * 1000 * unitUsd;
}

const lambdaGb = (w: WorkloadCost): number =>
  w.perThousand.lines.find((l) => l.service === 'Lambda' && l.item.startsWith('GB-seconds'))?.usd ?? 0;

function perStep(w: WorkloadCost): string {
  const subs = w.submissions;
  const docs = w.documentsArchived;
  const rows = Object.entries(w.breakdown.functions).map(([fn, f]) => [
    fn,
    num(f.invocations / subs, 3),
    num(f.meanMs, 3),
    num(f.read / docs, 3),
    num(f.write / docs, 3),
  ]);
  return table(
    [
      'function',
      'invocations per submission',
      'mean billed ms',
      'read units per document',
      'write units per document',
    ],
    rows,
  );
}

function loanSection(l: LoanCost): string[] {
  const t = l.executions.entered + l.executions.retries;
  const rows = l.perThousand.lines.map((x: CostLine) => [
    x.service,
    x.item,
    num(x.quantity, 4),
    usd(x.usd, 3),
  ]);
  rows.push(['**same services as the intake target**', '', '', `**${usd(l.perThousand.totalUsd)}**`]);
  rows.push(['**everything above**', '', '', `**${usd(l.perThousand.allUsd)}**`]);
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

export function renderMarkdown(r: Results): string {
  const [a, b] = r.intake.workloads as [WorkloadCost, WorkloadCost];
  const out: string[] = [];
  const push = (...lines: string[]) => out.push(...lines, '');
  const dynamoShare =
    a.perThousand.lines.filter((l) => l.service === 'DynamoDB').reduce((x, l) => x + l.usd, 0) /
    a.perThousand.targetUsd;
  const sfnShare =
    (a.perThousand.lines.find((l) => l.service === 'Step Functions')?.usd ?? 0) / a.perThousand.targetUsd;
  const writePerDoc = a.usage.dynamoWriteUnits / a.documentsArchived;
  const transitionsPerSubmission = (a.executions.entered + a.executions.retries) / a.submissions;

  push(
    '# Dangan benchmarks',
    `Figures of one \`npm run bench\` run: ${r.meta.startedAt}, commit ${r.meta.commit}, Node.js ${r.meta.node}, ` +
      `${r.meta.cpus} CPUs (load average ${r.meta.loadAverage.start.join(' / ')} at the start, ` +
      `${r.meta.loadAverage.end.join(' / ')} at the end), ${(r.meta.durationMs / 60000).toFixed(1)} minutes. ` +
      'The machine is shared and busy: times are reported as ratios to a floor measured in the same run, and ' +
      'costs are counted in billing units (transitions, invocations, request units, requests), which do not ' +
      'depend on the machine. Lambda GB-seconds are the exception: they are local durations, a proxy.',
    `Prices: ${r.meta.prices.region}, as of ${r.meta.prices.asOf} (\`bench/prices.json\`: ${r.meta.prices.source})`,
    'Raw figures: [`results.json`](results.json).',
  );

  push('## Targets');
  push(
    table(
      ['id', 'target', 'limit', 'measured', 'result', 'note'],
      r.targets.map((t) => [`\`${t.id}\``, t.name, t.target, t.measured, status(t), t.note]),
    ),
  );

  push(
    '## Cost per 1,000 documents archived',
    `Each workload drives N submissions through intake-review-archive over HTTP, as the clerk and the reviewer ` +
      'would: create the draft, PUT every scan to its presigned URL, submit, list the open tasks, approve, read ' +
      'the archived submission once. Customers are registered beforehand and a warm-up submission loads every ' +
      'function first; neither is counted. Waits between steps read the meters, not the API, so no polling is ' +
      'billed.',
  );
  for (const w of [a, b]) {
    push(
      `### ${w.submissions} submissions × ${w.documentsPerSubmission} document(s) (${w.businessEvent}, ${kb(w.scanBytes)} KB scans)`,
      `${w.documentsArchived} documents archived; ${w.executions.executions} executions ` +
        `(${Object.entries(w.executions.statuses)
          .map(([s, n]) => `${n} ${s}`)
          .join(', ')}), ${w.executions.entered} states entered and ${w.executions.retries} retries: ` +
        `${num((w.executions.entered + w.executions.retries) / w.submissions)} transitions per submission, ` +
        `${num((w.executions.entered + w.executions.retries) / w.documentsArchived)} per document.`,
      costTable(w),
      perStep(w),
      `S3 requests: ${Object.entries(w.breakdown.s3)
        .map(([op, n]) => `${op} ${num(n / w.documentsArchived)}`)
        .join(', ')} (per document). API requests: ${Object.entries(w.breakdown.api)
        .map(([route, n]) => `${route} ${num(n / w.submissions)}`)
        .join(', ')} (per submission).`,
      `Failed invocations ${w.breakdown.errors.invocations} (of which ${w.localRace.retries} are Review's validation ` +
        `finding its submission not yet marked); refused DynamoDB ` +
        `calls ${w.breakdown.errors.capacity}, ${num(w.breakdown.errors.refusedUnits / w.documentsArchived)} ` +
        'units per document, counted as billed (a failed condition or a cancelled transaction still consumes ' +
        `capacity); HTTP 5xx ${w.breakdown.errors.http5xx}.`,
    );
  }
  const model = r.intake.model;
  push(
    '### By documents per submission',
    `The two workloads fix a line: ${usd(model.fixedUsdPerSubmission * 1000, 3)} per 1,000 submissions plus ` +
      `${usd(model.usdPerDocument * 1000, 3)} per 1,000 documents (target scope). Per 1,000 documents:`,
    table(
      ['documents per submission', ...Object.keys(model.perThousandAt)],
      [['USD per 1,000 documents', ...Object.values(model.perThousandAt).map((v) => usd(v))]],
    ),
  );
  push(
    '### Why the cost target is missed',
    `- **DynamoDB writes** are ${pct(dynamoShare)} of the target scope at ${a.documentsPerSubmission} documents ` +
      `per submission: ${num(writePerDoc)} write units per document. Every change is a TransactWriteItems with ` +
      'its audit event (two units per KB per item on AWS). The records gsi1 and gsi2 (submissions, documents, ' +
      'tasks) project keys only: a change that leaves those index keys as they were writes nothing to them, ' +
      'and an entry costs one unit whatever the item weighs (their readers read the items with BatchGetItem). A document ' +
      'is written three times (created, upload recorded, archived with its code), plus its archive-code item ' +
      'and a version per change (document-history); the validation results live on the submission (its ' +
      'problems name document and check), and each archive-code sequence takes two small UpdateItems per ' +
      'submission that cannot lose a race (one adds to whatever the last number is, the other clears that take ' +
      "once the submission's own reservation item holds the numbers; releasing deletes that item and leaves the " +
      'sequence alone), so there is no cancelled allocation to pay for ' +
      `(${num(a.breakdown.errors.refusedUnits / a.documentsArchived)} refused units per document, ` +
      `${usd(refusedUsd(a))} per 1,000 documents). The ` +
      'per-function table shows where the rest goes. Levers left: fewer writes per document (the upload ' +
      "record, a version item per change in document-history) and the audit table's two ALL-projected indexes. " +
      'The upload record carries its own audit event (document.uploaded, in the same transaction, about two ' +
      'units per document). No document version repeats the audit trail in full: submission.created holds ' +
      "each document's id, type, checksum and size but not its title, file name or content type, and " +
      'submission.archived holds code, retention date, hold and object version but not the retention rule. ' +
      'The first version could be derived from the document and the later versions, but not safely while the ' +
      'stream lags behind a change (some updates of a document leave updatedAt as it was, so the lag cannot ' +
      'be told).',
    `- **Step Functions** is ${pct(sfnShare)}: ${num(transitionsPerSubmission)} transitions per submission ` +
      `(${num(a.executions.entered / a.submissions)} states entered, the rest retries), so ` +
      `${num(transitionsPerSubmission / a.documentsPerSubmission)} per document at ${a.documentsPerSubmission} ` +
      'documents. The happy path enters Review and Archive only: Review validates before it opens the review ' +
      'task, in the same Lambda invocation (a Validate state of its own was one transition more per ' +
      'submission); failed checks (ChecksFailed, thrown before the token is used or a task exists), an upload ' +
      "not yet scanned (ScanPending, retried by the state) and a reviewer's rejection (the task failed with " +
      'ReviewRejected) are caught by name instead of branching in Choice states. One execution per submission ' +
      'keeps it independent of the document count; below two documents per submission it is still more than ' +
      'one transition per document.',
    `- **No start race**: the submit function records the execution on the submission (its ARN follows from ` +
      'the deterministic name) before starting it, so Review never finds the submission unmarked ' +
      `(${a.localRace.retries} such retries here).`,
    `- **S3 requests**: ${num(a.usage.s3Tier1 / a.documentsArchived)} PUT-class and ` +
      `${num(a.usage.s3Tier2 / a.documentsArchived)} GET-class requests per document (listed above): the upload, ` +
      "the malware scanner's read and tag (GuardDuty's requests are billed to the bucket owner), the upload " +
      "check's HEAD and range GET, the validation's tag read, the archive COPY with its HEAD, and the audit " +
      "trail's locked copies. An upload and a copy into a locked bucket are the floor of a design with an " +
      'intake bucket.',
    recordPathNote(a),
    `- **Lambda GB-seconds** (${usd(lambdaGb(a))} of the ${usd(a.perThousand.targetUsd)}) are local durations at ` +
      "the template's memory: 512 MB for the API functions, kept for their cold starts, and 256 MB for the " +
      'functions no user waits on that only wait on DynamoDB and S3 (the stream consumers document-history, ' +
      'audit-archive and stats-counter, upload-received, and the intake steps; intake-archive had 1,024 MB, then ' +
      '512): none hashes a scan or builds large JSON, so their AWS durations should grow little at a smaller CPU ' +
      'share. Local durations cannot show that CPU share shrinking (the handlers run at whatever CPU the machine ' +
      'gives them), so the cut shows here in full and on AWS somewhat less. On a busy machine against emulators ' +
      'they overstate ' +
      'AWS, where the same calls take a few milliseconds each. Without them the target scope comes to ' +
      `${usd(a.perThousand.targetUsd - lambdaGb(a))}, still ${num((a.perThousand.targetUsd - lambdaGb(a)) / 0.05)}× ` +
      'the target; every other line is a count that does not depend on the machine.',
  );

  if ('notMeasured' in r.loans) push('## Cost per 1,000 loans', `Not measured: ${r.loans.notMeasured}.`);
  else {
    push(
      '## Cost per 1,000 loans',
      'Each loan as a borrower and approvers work it over HTTP: the borrower asks (POST /loans), the approver ' +
        'lists the open tasks and approves (an archivist approves a second time for sensitive documents), the ' +
        "borrower asks for each document's content and reads the original from its presigned URL, then returns " +
        'the loan early; the test clock then moves past the due time so every execution ends as it would: ' +
        'WaitUntilDue, ExpireUnlessReturned, Ended. Documents come from the intake workload above.',
    );
    for (const l of r.loans.workloads) push(...loanSection(l));
  }
  if ('notMeasured' in r.sweep) push('## Retention sweep scaling', `Not measured: ${r.sweep.notMeasured}.`);
  else {
    const sw = r.sweep;
    push(
      '## Retention sweep scaling',
      "bench/sweep-cost.ts seeds DynamoDB Local directly (BatchWriteItem, the records table's real layout: " +
        'document items and their due-date index entries) with archives of each size in which the same ' +
        'documents are due, runs one sweep in-process and meters every DynamoDB request it makes ' +
        '(`ReturnConsumedCapacity`). Step Functions is stubbed there: the disposal batches it would start are ' +
        `counted, not run. Read units at the largest archive are ${num(sw.readRatio)}× those at the smallest.`,
      table(
        [
          'archived documents',
          'due',
          'proposed',
          'batches',
          'read requests',
          'read units',
          'scans',
          'write units',
          'USD per sweep (DynamoDB)',
        ],
        sw.runs.map((x) => [
          x.size,
          x.due,
          x.proposed,
          x.batches,
          x.readRequests,
          x.readUnits,
          x.scans,
          x.writeUnits,
          usd(sw.usdPerSweep[String(x.size)] ?? Number.NaN, 3),
        ]),
      ),
    );
  }

  const s = r.storage;
  push(
    '## Storage per TB-month',
    `With the lifecycle the synthesized stack sets (archive bucket: ${s.archiveClass} after ` +
      `${r.stack.lifecycle.archiveTransitionDays ?? '∞'} days; intake bucket: uploads expire after ` +
      `${r.stack.lifecycle.intakeExpiryDays ?? '?'} days), ${kb(s.meanScanBytes)} KB mean scans ` +
      `(${num(s.objectsPerTb, 4)} originals per TB) and ${num(s.metadataBytesPerDocument, 3)} bytes of DynamoDB ` +
      'data per archived document (records and audit, index copies and per-item overhead included, measured ' +
      'after the intake workloads):',
    table(
      ['what', 'USD'],
      [
        ['originals younger than the transition (S3 Standard), per TB-month', usd(s.standardPerTbMonth)],
        [`originals after the transition (${s.archiveClass}), per TB-month`, usd(s.archivedPerTbMonth)],
        ['metadata in DynamoDB (storage and PITR), per TB of originals per month', usd(s.metadataPerTbMonth)],
        ['lifecycle transition requests, once per TB', usd(s.transitionPerTb)],
        ['intake copy kept until it expires, once per TB ingested', usd(s.intakeCopyPerTb)],
        ['first year of one TB ingested, all of the above', usd(s.firstYearPerTb)],
      ],
    ),
    s.metadataPerTbMonth > s.archivedPerTbMonth
      ? `Past the transition the records cost more than the originals: ${num(s.metadataBytesPerDocument / 1024)} KB ` +
          'of DynamoDB items per document (the document, its submission, customer and task shares, and its audit ' +
          "events, each stored again in every index that projects ALL attributes) at DynamoDB's storage and PITR " +
          `price, against ${kb(s.meanScanBytes)} KB of scan in ${s.archiveClass}. Lighter index projections and moving old audit ` +
          'events to S3 would shrink it.'
      : '',
  );

  const c = r.coldStart;
  push(
    '## Cold-start proxy',
    "Every function bundled with the stack's `BUNDLING` options (infra/constructs/functions.ts: esbuild, ESM, " +
      "minified, linked source maps, everything inlined), mapped to esbuild options as CDK's NodejsFunction " +
      `maps them (bench/bundles.ts); the ${r.stack.bundling.function} bundle built through CDK itself is ` +
      `${r.stack.bundling.identical ? 'byte for byte the same' : '**not** the same (see bench/bundles.ts)'}. Each ` +
      "bundle is imported by a fresh `node` process with the function's own environment from the synthesized " +
      'template (including ' +
      '`NODE_OPTIONS=--enable-source-maps`, as on AWS). Wall time from spawn to exit, median of ' +
      `${c.runs} rounds, over the median of bare \`node -e 0\` (${num(c.baselineMedianMs)} ms) in the same ` +
      'rounds; rounds interleave the baseline and every bundle. The CPU ratio (user + system time of the ' +
      `process, bare: ${num(c.baselineCpuMedianMs)} ms) is less disturbed by other work on the machine.`,
    table(
      ['function', 'bundle KB', 'source map KB', 'import ms', '× bare node', 'CPU ×'],
      Object.entries(c.functions).map(([n, f]) => [
        n === REFERENCE ? `*${n}*` : n,
        f.bundleBytes > 500 * 1024 ? `**${kb(f.bundleBytes)}**` : kb(f.bundleBytes),
        kb(f.sourceMapBytes),
        num(f.medianMs),
        f.ratio > 2 ? `**${f.ratio.toFixed(2)}**` : f.ratio.toFixed(2),
        f.cpuRatio.toFixed(2),
      ]),
    ),
  );
  const fns = Object.entries(c.functions).filter(([n]) => n !== REFERENCE);
  const ref = c.functions[REFERENCE];
  const over = fns.filter(([, f]) => f.bundleBytes > 500 * 1024);
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? Number.NaN;
  const medianRatio = median(fns.map(([, f]) => f.ratio));
  const slowest = fns.reduce<[string, (typeof fns)[number][1]] | undefined>(
    (x, y) => (x === undefined || y[1].ratio > x[1].ratio ? y : x),
    undefined,
  );
  // Functions granted S3 access carry the S3 client.
  const overS3 = over.filter(([n]) => {
    const access = functionAccess(n as FunctionName);
    return Boolean(access.intake || access.archive || access.disposal?.length);
  });
  const withoutMaps = Object.entries(c.functions)
    .filter(([, f]) => f.withoutSourceMaps)
    .map(
      ([n, f]) =>
        `${n === REFERENCE ? 'the DynamoDB client alone' : n} ${num(f.ratio)}× with them, ` +
        `${num(f.withoutSourceMaps?.ratio ?? Number.NaN)}× without`,
    );
  push(
    '### Why the bundle and import targets are missed',
    `- **Import time**: the median function imports in ${num(medianRatio)}× bare node here` +
      `${slowest ? `, the slowest (${slowest[0]}) in ${num(slowest[1].ratio)}×` : ''}. The floor is the SDK: the ` +
      `DynamoDB client alone, bundled the same way (last row), takes ${ref ? num(ref.ratio) : '?'}× ` +
      `(${ref ? kb(ref.bundleBytes) : '?'} KB). On top of it every function compiles zod (about 90 KB of each ` +
      'bundle), the Powertools logger, middy and its own code, and the functions with S3 the S3 client (about ' +
      '150 KB with its checksum and XML code). The Node.js built-ins the SDK imports at the top of its modules (https ' +
      'with tls and net, zlib, streams) load before any code runs, about 40 ms together on a quiet run here; the ' +
      'first request needs them anyway. Source maps (`NODE_OPTIONS=--enable-source-maps`, which the stack sets for ' +
      'readable stack traces) make Node read and parse the map and scan the bundle at load, in the same rounds: ' +
      `${withoutMaps.length > 0 ? withoutMaps.join('; ') : 'not measured'}.`,
    `- **Bundle size**: ${over.length} of ${fns.length} bundles are over 500 KB${over.length > 0 ? ` (${over.map(([n]) => n).join(', ')})` : ''}: ` +
      `${overS3.length === over.length ? 'all of them carry' : `${overS3.length} of them carry`} the S3 client, ` +
      'about 150 KB, 65 KB of it the schemas of every S3 operation. esbuild ' +
      'keeps objects with computed keys (`{ [_h]: … }`), so the schemas of operations Dangan never calls are not ' +
      'shaken out (evanw/esbuild#4373, aws/aws-sdk-js-v3#7607). test/infra/bundling.test.ts holds functions ' +
      'with S3 access to 550 KB and every other function to 500 KB.',
    '- **Cut with these measurements**: the bundles carry a credential provider of their own instead of the ' +
      "SDK's default chain (`functions/adapters/lambda-credentials.ts`, swapped in by an esbuild alias in " +
      "`BUNDLING`): the role's credentials from the environment as Lambda sets them, or a container endpoint " +
      'when one is set; profiles, SSO, credential_process, web identity files and EC2 metadata, which cannot ' +
      'answer on Lambda, are gone, with their STS, SSO and sign-in clients and the child_process import: about ' +
      '130 KB per function, and the DynamoDB client alone from about 2.8× to 2.0× bare node (both measured in ' +
      'the same rounds when the change was made). Each AWS client has its ' +
      'own module (`functions/adapters/{clients,s3-client,sfn-client}.ts`). Zod schemas are built on first use ' +
      "(`lazySchema`), not when a module loads: building them was most of Dangan's own start-up work (about 30 " +
      'of the 50 ms health spent evaluating its modules on a quiet run). Earlier: zod imported as a namespace (its locales stayed out, about ' +
      '350 KB).',
    "- **Weighed and left**: the runtime's SDK instead of a bundled one gives up the tested versions and is " +
      'not faster: @aws-sdk/client-dynamodb loaded from node_modules, as the runtime loads its copy, took 2.7× ' +
      'bare node against 2.0× bundled when measured here. zod/mini would take about 67 KB out of every bundle ' +
      '(every function under 500 KB) and make each schema cheaper to build, but means rewriting every schema in ' +
      'functions/core and checking its messages. Turning source maps off wins the difference shown above at the ' +
      'price of minified stack traces in the logs. Presigning without the S3 client (five functions only ' +
      "presign) would mean re-implementing S3's endpoint rules.",
  );

  const t = r.throughput;
  const routeRows = [...new Set([...Object.keys(t.routes), ...Object.keys(t.idleRoutes)])].map((route) => {
    const sm = t.routes[route];
    const idle = t.idleRoutes[route];
    return [
      route,
      sm ? sm.n : '',
      sm ? num(sm.p50) : '',
      sm ? num(sm.p99) : '',
      sm ? num(r.throughput.floorRatio.loadP50[route] ?? Number.NaN) : '',
      idle ? num(idle.p50) : '',
      idle ? num(r.throughput.floorRatio.idleP50[route] ?? Number.NaN) : '',
    ];
  });
  push(
    '## Throughput and latency',
    `${t.clients} clients, each working ${t.submissions / t.clients} submissions of 3 documents end to end ` +
      '(draft, uploads, submit, review decision, polling every 200 ms as the console does until ARCHIVED): ' +
      `**${num(t.documentsPerSecond)} documents archived per second** (${t.documentsArchived} in ` +
      `${num(t.wallMs / 1000)} s). Latency is what the clients saw. The floor is a raw DynamoDB Local GetItem ` +
      `from the same process in the same run: p50 ${num(t.getItem.idle.p50)} ms / p99 ${num(t.getItem.idle.p99)} ms ` +
      `alone, p50 ${num(t.getItem.concurrent.p50)} ms / p99 ${num(t.getItem.concurrent.p99)} ms with ` +
      `${t.clients} clients. Idle figures are the routes called one at a time after the load.`,
    table(
      [
        'route',
        'calls',
        'p50 ms',
        'p99 ms',
        'p50 × GetItem (same load)',
        'idle p50 ms',
        'idle p50 × GetItem',
      ],
      routeRows,
    ),
  );

  const th = r.throttles;
  push(
    '## API throttles',
    `Each route's limit (\`functions/catalog/throttles.ts\`, by class of traffic; the local gateway enforces the ` +
      `same) against the traffic the intake workloads measured: the most requests per archived document any ` +
      `workload made on the route, at the design rate of ${th.designDocumentsPerSecond} documents/s. ` +
      `Smallest headroom **${num(th.minHeadroom, 2)}×**. Routes the workloads do not call are not listed; the ` +
      "console's polling, which the workloads leave out, is bounded by its own schedule (README, The console).",
    table(
      ['route', 'class', 'limit /s', 'burst', 'requests per document', 'at design rate /s', 'headroom'],
      th.rows.map((x) => [
        x.route,
        x.trafficClass,
        x.rateLimit,
        x.burstLimit,
        num(x.perDocument),
        num(x.atDesignRate, 1),
        `${num(x.headroom, 2)}×`,
      ]),
    ),
  );

  if ('notMeasured' in r.hotKeys) push('## Hot keys', `Not measured: ${r.hotKeys.notMeasured}.`);
  else {
    const h = r.hotKeys;
    push(
      '## Hot keys',
      `An intake run of ${h.documents} documents (${(h.wallMs / 1000).toFixed(0)} s, five per submission) with ` +
        'every write attributed to the table partition it wrote and each index partition its item entered, ' +
        'stayed in or left, and every read to the partitions it asked for (`bench/probe.ts`): ' +
        `${num(h.writeUnits, 0)} write units over ${h.partitions} partition keys. DynamoDB serves one partition ` +
        'key from one partition, at most 1,000 write and 3,000 read units a second: the intake rate the design ' +
        `allows is **${num(h.ceiling.docsPerSecond, 0)} documents/s**, set by ${h.ceiling.limitedBy}.`,
      table(
        ['partition key (write units)', 'units', 'share', 'per document'],
        h.topWrites.map((p) => [
          `\`${p.partition}\``,
          num(p.units, 0),
          `${num(p.share * 100, 2)}%`,
          num(p.perDocument, 3),
        ]),
      ),
      table(
        ['partition key (read units)', 'units', 'share', 'per document'],
        h.topReads.map((p) => [
          `\`${p.partition}\``,
          num(p.units, 1),
          `${num(p.share * 100, 2)}%`,
          num(p.perDocument, 3),
        ]),
      ),
    );
  }

  push(
    '## How it is measured',
    '- The local system runs as `npm start` does (test/e2e/system.ts), with `bench/probe.ts` loaded into its ' +
      'process by `node --import`. The probe wraps the local Lambda runtime (invocations, durations, errors), ' +
      "adds a middleware to the functions' shared DynamoDB client that asks every command for " +
      '`ReturnConsumedCapacity: INDEXES`, keeps an access log of every HTTP request the process serves (API ' +
      'gateway, local S3, Step Functions), and counts the bytes each function writes to stdout. Nothing in ' +
      '`functions/` or `infra/` knows about it.',
    "- DynamoDB units are DynamoDB Local's answers, except for TransactWriteItems: DynamoDB Local reports four " +
      'units per table whatever the items, so the probe reads each item before and after the transaction and ' +
      "applies AWS's rules (two units per KB of the larger image per item, condition checks included; a " +
      'standard write per global secondary index the item enters, stays in or leaves). Reading them is taken ' +
      "off the invocation's duration.",
    '- State transitions come from GetExecutionHistory (paged): states entered plus task retries.',
    '- Lambda duration is the local handler time rounded up to the millisecond, at the memory the template ' +
      'sets; INIT time is not included (the warm-up absorbs it).',
    '- S3 requests are classed by method and sub-resource: PUT, COPY, POST and LIST as tier 1, the rest as tier ' +
      '2, DELETE free. API requests exclude the local token endpoint.',
    "- Logs: bytes the functions wrote at Powertools' default level (INFO) plus Lambda's platform lines.",
  );
  push(
    '## Not measured',
    '- X-Ray traces (the functions trace actively; billed per trace recorded, sampled), KMS requests (bucket ' +
      "keys and DynamoDB's key caching keep them per-hour rather than per-document), CloudWatch alarms and " +
      'Cognito (per month and per user, not per document), EventBridge (S3 events on the default bus are free).',
    '- Lambda INIT billing on cold starts: it depends on how traffic arrives; the import times above bound it.',
    "- The retention sweep's own Lambda duration and the disposal workflows it starts (appraisal, approval, " +
      'destruction per batch): the sweep figure is its DynamoDB requests only.',
    "- DynamoDB Streams: reading them is free for Lambda triggers. The audit trail's stream consumers " +
      '(audit-archive, document-history) are counted as the local realisation invokes them; on AWS their batch ' +
      'sizes and windows decide how many invocations a document costs.',
    "- GuardDuty's per-object fee is the least certain price in prices.json; it is outside the target scope.",
  );
  return `${out.join('\n').trimEnd()}\n`;
}
