/** bench/RESULTS.md from bench/results.json: the figures of one run, each with how it was measured. */

import { type FunctionName, functionAccess } from '../functions/catalog.ts';
import { keptShare } from './cost.ts';
import { kb, num, pct, table, usd } from './markdown.ts';
import {
  costTable,
  floorSection,
  home,
  lambdaGb,
  loanSection,
  perStep,
  recordPathNote,
  refusedUsd,
} from './report-cost.ts';
import { FLOORS, isReference, type Results, type TargetResult, type WorkloadCost } from './results.ts';
import type { SectionRun } from './run-info.ts';

function status(t: TargetResult): string {
  if (t.met === null || t.margin === null) return 'not measured';
  return t.met ? `met (${pct(-t.margin)} headroom)` : `**missed by ${pct(t.margin)}**`;
}

/** The migration import (bench/import.ts): its rate, phases, the CLI's memory and what it costs. */
function importSection(r: Results): string[] {
  const m = r.import;
  if (!m) return ['## Migration import', 'Not measured yet: `BENCH_ONLY=import npm run bench` measures it.'];
  if ('notMeasured' in m) return ['## Migration import', `Not measured: ${m.notMeasured}.`];
  const p = m.phases;
  const costRows = m.perThousand.lines.map((l) => [l.service, l.item, num(l.quantity, 4), usd(l.usd, 4)]);
  costRows.push(['**everything**', '', '', `**${usd(m.perThousand.allUsd, 4)}**`]);
  const perDoc = (counts: Record<string, number>) =>
    Object.entries(counts)
      .sort((x, y) => y[1] - x[1])
      .map(([k, v]) => `${k} ${num(v, 3)}`)
      .join(', ');
  return [
    '## Migration import',
    `\`npm run import\` of ${m.docs.toLocaleString('en')} documents of ${kb(m.scanBytes)} KB (a catalogue of ten ` +
      `documents per customer) against the local system, ${m.concurrency} uploads at once, a reviewer approving ` +
      `the batch as soon as its task is named: **${num(m.documentsPerSecond, 2)} documents/s**, ` +
      `${num(m.bytesPerSecond / 1024 ** 2, 2)} MB/s, ${num(m.seconds / 60, 1)} minutes from start to the last ` +
      `row archived; the CLI's peak memory ${m.peakMemoryMB} MB. CPU per document: ` +
      `${num(m.cpuSecondsPerDocument.system * 1000, 0)} ms in the local system's one Node.js process ` +
      `(API, functions, S3, Step Functions, malware-scan stand-in, meters), ` +
      `${num(m.cpuSecondsPerDocument.dynamodbLocal * 1000, 0)} ms in DynamoDB Local: alone on this machine ` +
      `the local system would import at most ${num(1 / m.cpuSecondsPerDocument.system, 1)} documents/s.`,
    table(
      ['phase', 'seconds', 'documents/s'],
      [
        ['catalogue and scans checked (CLI)', num(p.check, 1), num(m.docs / p.check, 1)],
        ['rows registered, scans uploaded', num(p.upload, 1), num(m.docs / p.upload, 1)],
        ["workflow's checks, review opened", num(p.workflowCheck, 1), num(m.docs / p.workflowCheck, 1)],
        ['review decided', num(p.review, 1), ''],
        ['archived', num(p.archive, 1), num(m.docs / p.archive, 1)],
      ],
    ),
    'Cost per 1,000 migrated documents on AWS, priced as the intake workloads are (`bench/cost.ts`):',
    table(['service', 'billed as', 'quantity per 1,000 documents', 'USD'], costRows),
    `Per document: API requests ${perDoc(m.perDocument.api)}; S3 requests ${perDoc(m.perDocument.s3)}; ` +
      `invocations ${perDoc(m.perDocument.invocations)}.`,
  ];
}

/** One line per section a later `BENCH_ONLY` run replaced: which run, at which commit, under what load. */
function sectionRuns(r: Results): string[] {
  const sections: [SectionRun | undefined, string, string, string?][] = [
    [
      r.meta.costRun,
      'The intake cost and storage figures (and their targets)',
      'BENCH_ONLY=intake BENCH_UPDATE=1',
      'The loans below were priced by the full run, before the preview, INIT, transition, access-log and scanner lines were counted.',
    ],
    [
      r.meta.bundlesRun,
      'The bundle sizes and import times (and their targets)',
      'BENCH_ONLY=bundles BENCH_UPDATE=1',
    ],
    [r.meta.hotKeyRun, 'The hot-key figures (and their two targets)', 'BENCH_ONLY=hotkeys BENCH_UPDATE=1'],
    [r.meta.importRun, 'The migration import figures (and their three targets)', 'BENCH_ONLY=import'],
  ];
  return sections.flatMap(([run, what, command, more]) =>
    run
      ? [
          `${what} are from a later \`${command}\` run: ${run.startedAt}, commit ${run.commit}, load average ` +
            `${run.loadAverage.join(' / ')} at its end.${more ? ` ${more}` : ''}`,
        ]
      : [],
  );
}

export function renderMarkdown(r: Results): string {
  const [a, b] = r.intake.workloads as [WorkloadCost, WorkloadCost];
  const out: string[] = [];
  const push = (...lines: string[]) => out.push(...lines, '');
  const aHome = home(a);
  const dynamoShare =
    aHome.lines.filter((l) => l.service === 'DynamoDB').reduce((x, l) => x + l.usd, 0) / aHome.totalUsd;
  const sfnShare = (aHome.lines.find((l) => l.service === 'Step Functions')?.usd ?? 0) / aHome.totalUsd;
  const writePerDoc = (a.usage.dynamoWriteUnits + a.usage.dynamoIaWriteUnits) / a.documentsArchived;
  const auditWritePerDoc = a.usage.dynamoIaWriteUnits / a.documentsArchived;
  const transitionsPerSubmission = (a.executions.entered + a.executions.retries) / a.submissions;

  push(
    '# Dangan benchmarks',
    `Figures of one \`npm run bench\` run: ${r.meta.startedAt}, commit ${r.meta.commit}, Node.js ${r.meta.node}, ` +
      `${r.meta.cpus} CPUs (load average ${r.meta.loadAverage.start.join(' / ')} at the start, ` +
      `${r.meta.loadAverage.end.join(' / ')} at the end), ${(r.meta.durationMs / 60000).toFixed(1)} minutes. ` +
      'The machine is shared and busy: times are reported as ratios to a floor measured in the same run, and ' +
      'costs are counted in billing units (transitions, invocations, request units, requests), which do not ' +
      'depend on the machine. Lambda GB-seconds are the exception: they are local durations, a proxy.',
    ...r.meta.prices.map(
      (p) =>
        `Prices, ${p.region} (in ${p.currency}${p.exchangeRate ? ` at ${p.exchangeRate.cnyPerUsd} CNY to the dollar` : ''}), ` +
        `as of ${p.asOf}: ${p.source}`,
    ),
    `Malware scanning is priced as ${r.meta.malwareScanner} (\`BENCH_MALWARE_SCANNER\`); every other scanner with ` +
      'prices is shown beside it. Each region is in US dollars; the cost targets are judged on the dearer.',
    ...sectionRuns(r),
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
    '## Cost per 1,000 documents archived, all in',
    `Each workload drives N submissions through intake-review-archive over HTTP, as the clerk and the reviewer ` +
      'would: create the draft, PUT every scan to its presigned URL, submit, list the open tasks, open the ' +
      "submission and preview each scan (its link, then the scan's bytes, as the console's inbox shows it " +
      'inline), approve, read the archived submission once. Customers are registered beforehand and a warm-up ' +
      'submission loads every function first; neither is counted. Waits between steps read the meters, not the ' +
      'API, so no polling is billed. Every line a document causes is priced: the stream consumers that work ' +
      'behind the flow, each change of a stream in an invocation of its own as at low traffic (their Lambda ' +
      'invocations and what each does; GetRecords by a Lambda trigger is free), the EventBridge events ' +
      'S3 and the scanner put on the default bus (free), the lifecycle transition each original will take, the ' +
      "reviewer's preview bytes (data transfer out), the access-log records the buckets keep for 400 days, " +
      `logs, sampled traces, and the INIT of the ${pct(r.intake.coldStartShare)} of invocations that start cold ` +
      "(each function's bundle import as the cold-start proxy below measured it). KMS requests are not per " +
      'document: every bucket uses an S3 Bucket Key and DynamoDB caches each table key for minutes.',
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
  const models = r.intake.models;
  push(
    '### By documents per submission',
    'The two workloads fix a line per region: ' +
      models
        .map(
          (m) =>
            `${m.region} ${usd(m.fixedUsdPerSubmission * 1000, 3)} per 1,000 submissions plus ` +
            `${usd(m.usdPerDocument * 1000, 3)} per 1,000 documents`,
        )
        .join('; ') +
      ' (all in). Per 1,000 documents:',
    table(
      ['documents per submission', ...Object.keys(models[0]?.perThousandAt ?? {})],
      models.map((m) => [`USD, ${m.region}`, ...Object.values(m.perThousandAt).map((v) => usd(v))]),
    ),
  );
  push(...floorSection(r));
  push(
    '### Where the rest goes',
    `- **DynamoDB** is ${pct(dynamoShare)} of the us-east-1 bill at ${a.documentsPerSubmission} documents ` +
      `per submission: ${num(writePerDoc)} write units per document, ${num(auditWritePerDoc)} of them on the ` +
      'tables of the Standard-IA class (the audit trail: each event written with its change, and again in ' +
      'its two indexes, which hold its keys, action and actor: one unit each whatever the event weighs). ' +
      'Every change is a TransactWriteItems with ' +
      'its audit event (two units per KB per item on AWS). The records gsi1 and gsi2 (submissions, documents, ' +
      'tasks) project keys only: a change that leaves those index keys as they were writes nothing to them, ' +
      'and an entry costs one unit whatever the item weighs (their readers read the items with BatchGetItem). A document ' +
      'is written three times (created, upload recorded, archived with its code), plus its archive-code item ' +
      '(its versions are S3 objects, one PUT per change by document-history: no write unit, and S3 ' +
      "Standard's storage instead of the table's with PITR); the validation results live on the submission (its " +
      'problems name document and check), and each archive-code sequence takes two small UpdateItems per ' +
      'submission that cannot lose a race (one adds to whatever the last number is, the other clears that take ' +
      "once the submission's own reservation item holds the numbers; releasing deletes that item and leaves the " +
      'sequence alone), so there is no cancelled allocation to pay for ' +
      `(${num(a.breakdown.errors.refusedUnits / a.documentsArchived)} refused units per document, ` +
      `${usd(refusedUsd(a))} per 1,000 documents). The ` +
      'per-function table shows where the rest goes. Levers left: fewer writes per document (the upload ' +
      'record). ' +
      'The upload record carries its own audit event (document.uploaded, in the same transaction, about two ' +
      'units per document). No document version repeats the audit trail in full: submission.created holds ' +
      "each document's id, type, checksum and size but not its title, file name or content type, and " +
      'submission.archived holds code, retention date, hold and object version but not the retention rule. ' +
      'The first version could be derived from the document and the later versions, but not safely while the ' +
      'stream lags behind a change (some updates of a document leave updatedAt as it was, so the lag cannot ' +
      'be told).',
    `- **Step Functions** is ${pct(sfnShare)} of it: ${num(transitionsPerSubmission)} transitions per submission ` +
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
    `- **Lambda GB-seconds** (${usd(lambdaGb(a))} of the ${usd(aHome.totalUsd)} in us-east-1) are local durations at ` +
      "the template's memory: 512 MB for the API functions, kept for their cold starts, and 256 MB for the " +
      'functions no user waits on that only wait on DynamoDB and S3 (the stream consumers document-history, ' +
      'audit-archive and stats-counter, upload-received, and the intake steps; intake-archive had 1,024 MB, then ' +
      '512): none hashes a scan or builds large JSON, so their AWS durations should grow little at a smaller CPU ' +
      'share. Local durations cannot show that CPU share shrinking (the handlers run at whatever CPU the machine ' +
      'gives them), so the cut shows here in full and on AWS somewhat less. On a busy machine against emulators ' +
      'they overstate ' +
      'AWS, where the same calls take a few milliseconds each. Without them the us-east-1 bill comes to ' +
      `${usd(aHome.totalUsd - lambdaGb(a))}; every other line is a count that does not depend on the machine.`,
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

  if (r.dashboard && !('notMeasured' in r.dashboard)) {
    push(
      '## Dashboard reads',
      'bench/dashboard-cost.ts writes the documents due straight into DynamoDB Local (their items and ' +
        'due-date index entries), seeds the due-day counters with the recount an existing archive runs once ' +
        '(scripts/recount-due.ts), then lets the stats-get function answer one `GET /stats` in-process and ' +
        'meters every DynamoDB read it makes, each at no less than 0.5 unit (DynamoDB Local reports nothing ' +
        'for a read that finds nothing). The last column is the COUNT query of the due-date index the ' +
        'dashboard made before the counters, over the same window.',
      table(
        [
          'documents due',
          'answered',
          'read requests',
          'read units',
          'recount read units',
          'COUNT query read units',
        ],
        r.dashboard.runs.map((x) => [
          x.due,
          x.answered,
          x.readRequests,
          x.readUnits,
          x.recount.readUnits,
          x.countQueryReadUnits,
        ]),
      ),
    );
  }

  const s = r.storage;
  const keptTotal = s.kept.tables.reduce((x, t) => x + t.tableBytes + t.indexBytes, 0);
  const first = s.regions[0];
  push(
    '## Storage per TB-month, all in',
    `With the lifecycle the synthesized stack sets (archive bucket: ${s.archiveClass} after ` +
      `${r.stack.lifecycle.archiveTransitionDays ?? '∞'} days; intake bucket: uploads expire after ` +
      `${r.stack.lifecycle.intakeExpiryDays ?? '?'} days), ${kb(s.meanScanBytes)} KB mean scans ` +
      `(${num(first?.objectsPerTb ?? Number.NaN, 4)} originals per TB), and what the run kept per archived ` +
      `document, measured from every item and object it wrote: ${num(keptTotal, 4)} bytes of DynamoDB items and ` +
      'index entries (100 bytes of overhead each; an ALL index holds the whole item, a KEYS_ONLY index its ' +
      'keys, an INCLUDE index its keys and the attributes it names) ' +
      `${num(s.kept.auditObjectBytes, 4)} bytes of audit copies under Object Lock and ` +
      `${num(s.kept.historyObjectBytes, 4)} bytes of document versions under \`history/\` (S3 Standard: objects under ` +
      "128 KB are not moved by the lifecycle rule). Continuous backups (PITR) are billed on a table's own data, " +
      'not its global secondary indexes; the audit table has none, its locked copies being its backup. A table ' +
      'that lets its items go (the audit table keeps a year; its copies keep every event 30 years) holds, per TB ' +
      `of originals, the share of an original's least holding time (${num(s.documentHeldDays / 365.25, 2)} years, ` +
      "the scheme's shortest period) that its items stay.",
    table(
      ['table', 'class', 'PITR', 'item bytes per document', 'index bytes per document', 'kept'],
      s.kept.tables.map((t) => [
        t.table,
        t.tableClass,
        t.pitr === false ? 'no' : 'yes',
        num(t.tableBytes, 4),
        num(t.indexBytes, 4),
        t.keptDays === undefined
          ? 'as long as its documents'
          : `${t.keptDays} days (${num(100 * keptShare(t, s.documentHeldDays), 3)}% of what was written)`,
      ]),
    ),
    ...s.kept.tables.flatMap((t) =>
      t.byKind
        ? [
            `${t.table} by kind of item (\`<pk prefix>/<sk prefix>\`; items and index entries, bytes per document): ` +
              Object.entries(t.byKind)
                .slice(0, 8)
                .map(([kind, bytes]) => `${kind} ${num(bytes, 3)}`)
                .join(', ') +
              '.',
          ]
        : [],
    ),
    table(
      ['what', ...s.regions.map((x) => `USD, ${x.region}`)],
      [
        [
          'originals younger than the transition (S3 Standard), per TB-month',
          ...s.regions.map((x) => usd(x.standardPerTbMonth)),
        ],
        [
          `originals after the transition (${s.archiveClass}), per TB-month`,
          ...s.regions.map((x) => usd(x.archivedPerTbMonth)),
        ],
        ...(first ? Object.keys(first.metadataByTable) : []).map((t) => [
          `DynamoDB ${t} table (storage by class, and PITR where on), per TB of originals per month`,
          ...s.regions.map((x) => usd(x.metadataByTable[t] ?? Number.NaN)),
        ]),
        [
          'audit copies in S3, per TB of originals per month',
          ...s.regions.map((x) => usd(x.auditObjectsPerTbMonth)),
        ],
        [
          'document versions in S3, per TB of originals per month',
          ...s.regions.map((x) => usd(x.historyObjectsPerTbMonth)),
        ],
        [
          '**all in, per TB-month past the transition**',
          ...s.regions.map((x) => `**${usd(x.allInPerTbMonth)}**`),
        ],
        ['lifecycle transition requests, once per TB', ...s.regions.map((x) => usd(x.transitionPerTb))],
        [
          'intake copy kept until it expires, once per TB ingested',
          ...s.regions.map((x) => usd(x.intakeCopyPerTb)),
        ],
        ['first year of one TB ingested, all of the above', ...s.regions.map((x) => usd(x.firstYearPerTb))],
      ],
    ),
  );

  const c = r.coldStart;
  const fns = Object.entries(c.functions).filter(([n]) => !isReference(n));
  const floor = c.functions[FLOORS.documentClient];
  const builtins = c.functions[FLOORS.builtins];
  push(
    '## Cold-start proxy',
    "Every function bundled with the stack's `BUNDLING` options (infra/constructs/functions.ts: esbuild, ESM, " +
      'minified, linked source maps read when a stack is first formatted, everything inlined but nodemailer), ' +
      "mapped to esbuild options as CDK's NodejsFunction " +
      `maps them (bench/bundles.ts); the ${r.stack.bundling.function} bundle built through CDK itself is ` +
      `${r.stack.bundling.identical ? 'byte for byte the same' : '**not** the same (see bench/bundles.ts)'}. Each ` +
      "bundle is imported by a fresh `node` process with the function's own environment from the synthesized " +
      'template. Wall time from spawn to exit, median of ' +
      `${c.runs} rounds, over the median of bare \`node -e 0\` (${num(c.baselineMedianMs)} ms) in the same ` +
      'rounds; rounds interleave the baseline and every bundle. The CPU ratio and the CPU milliseconds the import ' +
      `adds (user + system time of the process, bare: ${num(c.baselineCpuMedianMs)} ms) are less disturbed by ` +
      'other work on the machine, and the added milliseconds carry across machines. The last rows are the ' +
      'reference and the floors: what a function that uses DynamoDB cannot do without.',
    table(
      ['function', 'bundle KB', 'source map KB', 'import ms', '× bare node', 'CPU ×', '+CPU ms'],
      Object.entries(c.functions).map(([n, f]) => [
        isReference(n) ? `*${n}*` : n,
        f.bundleBytes > 400 * 1024 ? `**${kb(f.bundleBytes)}**` : kb(f.bundleBytes),
        kb(f.sourceMapBytes),
        num(f.medianMs),
        f.ratio > 2 ? `**${f.ratio.toFixed(2)}**` : f.ratio.toFixed(2),
        f.cpuRatio.toFixed(2),
        num(f.addedCpuMs),
      ]),
    ),
  );
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? Number.NaN;
  const medianRatio = median(fns.map(([, f]) => f.ratio));
  const withS3 = fns.filter(([n]) => {
    const access = functionAccess(n as FunctionName);
    return Boolean(access.intake || access.archive || access.disposal?.length);
  });
  const eager = Object.entries(c.functions)
    .filter(([, f]) => f.withEnableSourceMaps)
    .map(
      ([n, f]) =>
        `${isReference(n) ? 'the DynamoDB client alone' : n} +${num(f.addedCpuMs)} ms CPU now, ` +
        `+${num(f.withEnableSourceMaps?.addedCpuMs ?? Number.NaN)} ms with \`--enable-source-maps\``,
    );
  push(
    '### Where the import and bundle targets stand',
    `- **Import time: ≤ 2.0× bare node is out of reach for any function that uses DynamoDB.** The floor, the ` +
      `DynamoDB document client alone bundled the same way (${floor ? kb(floor.bundleBytes) : '?'} KB), imports in ` +
      `${floor ? num(floor.ratio) : '?'}× bare node's wall time here and ${floor ? num(floor.cpuRatio) : '?'}× its CPU ` +
      `(+${floor ? num(floor.addedCpuMs) : '?'} ms CPU). Of that, ` +
      `the Node.js built-ins the SDK imports at the top of its modules (https with tls and net, crypto, streams, ` +
      `zlib, fs/promises), which load before any SDK code runs, take ${builtins ? num(builtins.ratio) : '?'}× alone ` +
      `(+${builtins ? num(builtins.addedCpuMs) : '?'} ms CPU); the first request needs them anyway. Bare node ` +
      `spends ${num(c.baselineCpuMedianMs)} ms of CPU, so 2.0× leaves ${num(c.baselineCpuMedianMs)} ms for ` +
      'everything a function loads, less than the built-ins and the client take before Dangan adds a line. The ' +
      'nearest honest target is therefore relative to the floor (`slowest-import-over-floor`): the median function ' +
      `imports in ${num(medianRatio)}× bare node. Source maps are read when a stack is first formatted ` +
      '(functions/adapters/source-mapped-stacks.ts) instead of at every load: ' +
      `${eager.length > 0 ? eager.join('; ') : 'not measured'}.`,
    `- **Bundle size**: the ${withS3.length} functions that use S3 (sending requests or handing out presigned ` +
      'links) and the notifier send and sign their S3 and SES ' +
      "requests without the SDK's clients of those services (`functions/adapters/aws-http.ts`, `s3-http.ts`, " +
      "`s3-commands.ts`, `ses-mail.ts`: the SDK's SigV4 signer and credential chain, Node's http, the SDK's " +
      'retry rule): those clients carry the schemas of every operation of their service, which esbuild cannot ' +
      'shake out (evanw/esbuild#4373, aws/aws-sdk-js-v3#7607): about 150 KB for S3, 60 KB for SES. With them the ' +
      'functions that send S3 requests were 427–502 KB and the notifier 419 KB.',
    '- **Cut with these measurements**: schemas built with zod/mini (the same parser core and English ' +
      'messages, `functions/core/lazy-schema.ts`): about 60 KB less in every bundle; the notifier sends through ' +
      'the SES v2 API and loads nodemailer only for an SMTP URL (707 KB to about 410 KB); source maps read on ' +
      "demand instead of `NODE_OPTIONS=--enable-source-maps`. Earlier: a credential provider of the bundles' own " +
      "instead of the SDK's default chain (`functions/adapters/lambda-credentials.ts`, about 130 KB per " +
      'function), one module per AWS client, schemas built on first use (`lazySchema`).',
    '- **Left**: the Powertools logger (about 20 KB and a few ms of CPU in every bundle) could give way to a ' +
      "smaller JSON logger of Dangan's own; the runtime's SDK instead of a bundled one gives up the tested " +
      "versions and was not faster when measured; Cognito (the notifier's directory lookup, about 35 KB) and " +
      'Step Functions could go the way of S3 and SES.',
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

  for (const part of importSection(r)) push(part);

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
      '',
      table(
        ['partition key (write units)', 'units', 'share', 'per document'],
        h.topWrites.map((p) => [
          `\`${p.partition}\``,
          num(p.units, 0),
          `${num(p.share * 100, 2)}%`,
          num(p.perDocument, 3),
        ]),
      ),
      '',
      ...(h.writesByKind
        ? [
            'Where the write units go, by table or index and kind of key (every write of the run, per ' +
              'document archived; a write in a transaction costs two units per KB, an index entry one per KB):',
            '',
            table(
              ['table or index, key', 'write units', 'per document'],
              h.writesByKind.map((t) => [`\`${t.kind}\``, num(t.units, 0), num(t.perDocument, 2)]),
            ),
            '',
          ]
        : []),
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
    if (h.burst)
      push(
        '### A burst',
        `${h.burst.documents} documents (${h.burst.documents / 5} submissions) submitted, reviewed and archived all at ` +
          `once (${(h.burst.wallMs / 1000).toFixed(0)} s on this machine): ${num(h.burst.writeUnits, 0)} write units ` +
          `over ${h.burst.partitions} partition keys. Were they to arrive within ${h.burst.windowSeconds} s on AWS, ` +
          `the hottest key would take ${num(h.burst.hottestUnitsPerSecond, 1)} write units a second of its ` +
          "partition's 1,000.",
        '',
        table(
          ['partition key (write units)', 'units', 'share'],
          h.burst.topWrites
            .slice(0, 5)
            .map((p) => [`\`${p.partition}\``, num(p.units, 0), `${num(p.share * 100, 2)}%`]),
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
      "sets. INIT is priced apart: each function's bundle import (the cold-start proxy's median, spawn to exit) " +
      `for ${pct(r.intake.coldStartShare)} of invocations, the share the Lambda Developer Guide gives for cold ` +
      'starts in production; at very low traffic every invocation may start cold, which multiplies that line by ' +
      `${num(1 / r.intake.coldStartShare, 0)}.`,
    '- S3 requests are classed by method and sub-resource: PUT, COPY, POST and LIST as tier 1, the rest as tier ' +
      '2, DELETE free. API requests exclude the local token endpoint.',
    "- Logs: bytes the functions wrote at Powertools' default level (INFO), plus Lambda's platform lines where the function's system log level keeps them (the stack's WARN keeps those of failed invocations only).",
  );
  push(
    '## Not measured',
    "- KMS requests (bucket keys and DynamoDB's key caching keep them per-hour rather than per-document), " +
      'CloudWatch alarms and Cognito (per month and per user, not per document).',
    "- The retention sweep's own Lambda duration and the disposal workflows it starts (appraisal, approval, " +
      'destruction per batch): the sweep figure is its DynamoDB requests only.',
    "- Stream batching under load: the intake cost workloads deliver each change of a table's stream to its " +
      'consumer in an invocation of its own (as at low traffic: each invocation, its writes and the audit copy ' +
      'it puts are counted per change); on AWS larger batches under load make them fewer.',
    "- The malware scanner's prices are the least certain in the price files (GuardDuty's per-object fee, and " +
      'every China figure the files say was not found).',
  );
  return `${out.join('\n').trimEnd()}\n`;
}
