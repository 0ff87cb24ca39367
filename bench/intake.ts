/**
 * The intake workload: N submissions of M documents each, driven over HTTP exactly as a clerk
 * and a reviewer would (create the draft, PUT each scan to its presigned URL, submit, list the
 * open tasks, open the submission and preview each scan, approve, read the archived submission),
 * while the meters record. Waiting between
 * steps reads the meters, not the API, so no polling request is billed to the workload.
 */
import { randomBytes } from 'node:crypto';
import { TABLE_STREAMS } from '../functions/catalog.ts';
import {
  type Api,
  createCustomer,
  createDraft,
  type Draft,
  type PlannedDoc,
  put,
  type Submission,
  scanFile,
  type Task,
} from '../test/e2e/client.ts';
import type { ProbeState } from './meters.ts';
import type { Probe } from './system.ts';

/** Functions fed by the tables' streams (functions/catalog.ts TABLE_STREAMS). */
const STREAM_CONSUMERS = TABLE_STREAMS.map((s) => s.function);

/** The five documents of a new connection (业扩报装), as a clerk brings them in one submission. */
export const NEWCONN_DOCS: IntakeWorkload['docs'] = [
  { docType: 'APPFORM', contentType: 'application/pdf', title: '用电申请表' },
  { docType: 'IDCOPY', contentType: 'image/jpeg', title: '身份证复印件' },
  { docType: 'LANDCERT', contentType: 'application/pdf', title: '产权证明' },
  { docType: 'CONTRACT', contentType: 'application/pdf', title: '供用电合同' },
  { docType: 'BANKAUTH', contentType: 'application/pdf', title: '银行代扣协议' },
];

export interface IntakeWorkload {
  label: string;
  businessEvent: string;
  docs: { docType: string; contentType: string; title: string }[];
  submissions: number;
  /** Clients working at once. */
  concurrency: number;
  /** Size of each scan. */
  scanBytes: number;
  /**
   * How the stream consumers get their changes: `one-change` prices them as at low traffic (each
   * change its own invocation), as the cost workloads must; `as-gathered` as the poller batches
   * them, as under load (the hot-key runs, the burst).
   */
  streamBatches: 'one-change' | 'as-gathered';
}

export interface IntakeRun {
  workload: IntakeWorkload;
  documents: number;
  archived: number;
  uploadedBytes: number;
  /** Bytes the reviewer's browser read to preview the scans (S3 data transfer out). */
  previewBytes: number;
  since: Date;
  wallMs: number;
  state: ProbeState;
  submissionIds: string[];
  /** Every document of the run, for workloads that need archived documents. */
  documentIds: { submissionId: string; docType: string; documentId: string }[];
}

/** A scan of about `bytes`: the type's magic bytes, a unique line, then filler. */
export function scan(contentType: string, label: string, bytes: number): Buffer {
  const head = scanFile(contentType, label);
  const filler = Math.max(0, bytes - head.length - 16);
  if (contentType === 'application/pdf') {
    const pad = randomBytes(Math.ceil(filler / 2))
      .toString('hex')
      .slice(0, filler);
    return Buffer.concat([head.subarray(0, head.length - 6), Buffer.from(`% ${pad}\n%%EOF\n`, 'latin1')]);
  }
  if (contentType === 'image/jpeg') {
    return Buffer.concat([head.subarray(0, head.length - 2), randomBytes(filler), Buffer.from([0xff, 0xd9])]);
  }
  return Buffer.concat([head, randomBytes(filler)]);
}

/** Runs `work` over `items` with at most `concurrency` at a time. */
export async function pool<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

export function plannedDocs(w: IntakeWorkload, label: string): PlannedDoc[] {
  return w.docs.map((d, i) => ({
    docType: d.docType,
    title: `${d.title} ${label}`,
    fileName: `${d.docType.toLowerCase()}-${i}.${d.contentType === 'application/pdf' ? 'pdf' : 'jpg'}`,
    contentType: d.contentType,
    bytes: scan(d.contentType, `${w.label} ${label} ${d.docType}`, w.scanBytes),
  }));
}

/** Customers for the submissions, made before the meters record (not part of the cost). */
export function customersFor(api: Api, count: number, concurrency: number): Promise<string[]> {
  return pool(
    Array.from({ length: count }, (_, i) => i),
    concurrency,
    () => createCustomer(api),
  );
}

export async function runIntake(
  api: Api,
  probe: Probe,
  w: IntakeWorkload,
  customers: string[],
): Promise<IntakeRun> {
  const indexes = Array.from({ length: w.submissions }, (_, i) => i);
  const base = {
    uploads: await probe.succeeded('upload-received'),
    reviews: await probe.succeeded('intake-open-review'),
    archives: await probe.succeeded('intake-archive'),
  };
  const since = new Date(Date.now() - 1000);
  const started = Date.now();
  await probe.record(w.streamBatches);

  const drafts: Draft[] = await pool(indexes, w.concurrency, (i) =>
    createDraft(api, customers[i] as string, w.businessEvent, plannedDocs(w, `${w.label}-${i}`)),
  );
  const documents = drafts.reduce((a, d) => a + d.docs.length, 0);
  let uploadedBytes = 0;
  await pool(
    drafts.flatMap((d) => d.docs),
    w.concurrency,
    async (doc) => {
      const r = await put(doc.upload, doc.bytes);
      if (r.status !== 200) throw new Error(`upload of ${doc.docType}: ${r.status} ${r.text}`);
      uploadedBytes += doc.bytes.length;
    },
  );
  await probe.waitSucceeded('upload-received', base.uploads + documents);

  await pool(drafts, w.concurrency, (d) =>
    api.expect(202, 'clerk1', 'POST', `/submissions/${d.submissionId}/submit`),
  );
  await probe.waitSucceeded('intake-open-review', base.reviews + drafts.length);

  // The reviewer refreshes the task list before each decision and opens the submission, whose
  // scans the console shows inline: a preview link per document, then the scan itself (web/src/
  // pages/inbox.ts and scans.ts).
  let previewBytes = 0;
  await pool(drafts, w.concurrency, async (d) => {
    const { items } = await api.expect<{ items: Task[] }>(200, 'reviewer1', 'GET', '/tasks');
    const task = items.find((t) => t.subjectId === d.submissionId);
    if (!task) throw new Error(`no open review task for ${d.submissionId}`);
    await api.expect(200, 'reviewer1', 'GET', `/submissions/${d.submissionId}`);
    for (const doc of d.docs) {
      const link = await api.expect<{ url: string }>(
        200,
        'reviewer1',
        'GET',
        `/submissions/${d.submissionId}/documents/${doc.documentId}/content`,
      );
      const scan = await fetch(link.url);
      if (scan.status !== 200) throw new Error(`preview of ${doc.documentId}: ${scan.status}`);
      previewBytes += (await scan.arrayBuffer()).byteLength;
    }
    await api.expect(200, 'reviewer1', 'POST', `/tasks/${task.taskId}/decision`, {
      decision: 'approve',
      comment: '资料齐全',
    });
  });
  await probe.waitSucceeded('intake-archive', base.archives + drafts.length);

  // The clerk reads each submission once to see its archive codes.
  const final = await pool(drafts, w.concurrency, (d) =>
    api.expect<Submission>(200, 'clerk1', 'GET', `/submissions/${d.submissionId}`),
  );
  const wallMs = Date.now() - started;
  // The table streams' consumers work behind the flow: their writes belong to the workload.
  await probe.waitIdle(STREAM_CONSUMERS);
  const state = await probe.stop();
  const archived = final.reduce(
    (a, s) => a + s.documents.filter((d) => d.status === 'ARCHIVED' && d.archiveCode).length,
    0,
  );
  return {
    workload: w,
    documents,
    archived,
    uploadedBytes,
    previewBytes,
    since,
    wallMs,
    state,
    submissionIds: drafts.map((d) => d.submissionId),
    documentIds: drafts.flatMap((d) =>
      d.docs.map((doc) => ({
        submissionId: d.submissionId,
        docType: doc.docType,
        documentId: doc.documentId,
      })),
    ),
  };
}
