import { randomUUID } from 'node:crypto';
import type { AuditInput } from '../adapters/audit.ts';
import { getCustomerSnapshot } from '../adapters/customers-repo.ts';
import { getDocument } from '../adapters/documents-repo.ts';
import {
  createImportBatch,
  getImportBatch,
  getImportRow,
  listImportRows,
  registerImportRow,
  updateImportBatch,
} from '../adapters/import-batches-repo.ts';
import { presignUpload } from '../adapters/storage.ts';
import { executionStatus, importExecutionArn, startImportExecution } from '../adapters/workflows.ts';
import { now } from '../core/clock.ts';
import { latestToday } from '../core/dated-facts.ts';
import { BadRequest, Conflict, DomainError, NotFound, OutOfRegion } from '../core/errors.ts';
import {
  assertRowsAcceptable,
  type ImportBatch,
  type ImportRow,
  importExecutionName,
  importIdOf,
  importRowView,
  type RegisterRowsInput,
  type RowInput,
  rowDocumentId,
  rowSubmissionId,
} from '../core/imports.ts';
import { DEFAULT_REGION, mayAccessRegion, mayAccessRegions } from '../core/regions.ts';
import type { Actor } from '../core/roles.ts';
import type { Scheme } from '../core/scheme.ts';
import { checkAgainstScheme, createSubmissionSchema, draftSubmission } from '../core/submissions.ts';

/**
 * The import batch as the API serves it (`/imports`, archivists): opening a batch for a catalogue,
 * registering rows as one-document submissions with presigned uploads bound like any
 * submission's, reading a batch and its rows, and closing it, which starts (or, after it stopped,
 * starts again) the import-batch workflow (services/import-steps.ts).
 */

export async function openImport(actor: Actor, scheme: Scheme, catalogueSha256: string) {
  const importId = importIdOf(catalogueSha256);
  const existing = await getImportBatch(importId);
  if (existing) return { status: 200, batch: visibleBatch(actor, existing) };
  const at = now().toISOString();
  const batch: ImportBatch = {
    importId,
    schemeId: scheme.id,
    catalogueSha256,
    status: 'OPEN',
    createdBy: actor.sub,
    createdByName: actor.username,
    createdAt: at,
    updatedAt: at,
    rows: 0,
    attempt: 0,
    cursor: 0,
    archiveCursor: 0,
    passed: 0,
    failed: 0,
    sample: [],
    archived: 0,
    rejected: 0,
  };
  const audit: AuditInput = {
    action: 'import.opened',
    actor,
    targetType: 'import',
    targetId: importId,
    at,
    details: { catalogueSha256 },
  };
  if (await createImportBatch(batch, audit)) return { status: 201, batch };
  // Opened at the same moment by another run of the same catalogue.
  const raced = await getImportBatch(importId);
  if (!raced) throw new Error(`import batch ${importId} was neither created nor found`);
  return { status: 200, batch: visibleBatch(actor, raced) };
}

function visibleBatch(actor: Actor, batch: ImportBatch): ImportBatch {
  if (!mayAccessRegions(actor, batch.regions)) throw new OutOfRegion('import batch', batch.importId);
  return batch;
}

/** One row against the scheme as `POST /submissions` takes a document; errors name the row. */
function checkRowAsSubmission(scheme: Scheme, r: RowInput, i: number) {
  const input = {
    customerId: r.customerId,
    businessEvent: r.businessEvent,
    documents: [
      {
        docType: r.docType,
        title: r.title,
        fileName: r.fileName,
        contentType: r.contentType,
        size: r.size,
        sha256: r.sha256,
      },
    ],
  };
  const parsed = createSubmissionSchema(scheme).safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      path: `rows.${i}.${issue.path.slice(2).join('.') || issue.path.join('.')}`,
      message: issue.message,
    }));
    throw new BadRequest(
      `row ${r.row} is invalid / 第 ${r.row} 行有误: ${issues.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
      issues,
    );
  }
  try {
    checkAgainstScheme(scheme, parsed.data);
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    throw new DomainError(err.status, err.code, `row ${r.row} / 第 ${r.row} 行: ${err.message}`, err.details);
  }
  return parsed.data;
}

export interface RegisteredRow {
  row: number;
  submissionId: string;
  documentId: string;
  status: ImportRow['status'];
  /** The document's scan has arrived; nothing more to upload. */
  uploaded: boolean;
  upload?: Awaited<ReturnType<typeof presignUpload>>;
}

/**
 * Registers rows (idempotent per batch and row): a row registered before is answered again, with
 * an upload URL signed anew for its pending document (the same upload id, so either URL's upload
 * counts), or a 409 when it now names another scan.
 */
export async function registerRows(
  actor: Actor,
  scheme: Scheme,
  batch: ImportBatch,
  input: RegisterRowsInput,
): Promise<RegisteredRow[]> {
  const time = now();
  const checked = input.rows.map((r, i) => checkRowAsSubmission(scheme, r, i));
  assertRowsAcceptable(scheme, input.rows, latestToday(time));
  const customers = new Map<string, { customerId: string; customerNo?: string; region: string }>();
  for (const id of new Set(input.rows.map((r) => r.customerId))) {
    const c = await getCustomerSnapshot(id);
    // A customer outside the caller's regions answers as absent, as on every customer route.
    if (!c || !mayAccessRegion(actor, c.region ?? DEFAULT_REGION)) throw new NotFound('customer', id);
    customers.set(id, { ...c, region: c.region ?? DEFAULT_REGION });
  }
  const out: RegisteredRow[] = [];
  for (const [i, r] of input.rows.entries()) {
    const customer = customers.get(r.customerId) as { customerId: string; region: string };
    out.push(
      await registerRow(
        actor,
        scheme,
        batch,
        r,
        checked[i] as ReturnType<typeof checkRowAsSubmission>,
        customer,
        time,
      ),
    );
  }
  return out;
}

async function registerRow(
  actor: Actor,
  scheme: Scheme,
  batch: ImportBatch,
  r: RowInput,
  input: ReturnType<typeof checkRowAsSubmission>,
  customer: { customerId: string; customerNo?: string; region: string },
  time: Date,
): Promise<RegisteredRow> {
  const existing = await getImportRow(batch.importId, r.row);
  if (existing) return answerExisting(scheme, batch, existing, r, time);
  const draft = draftSubmission({
    scheme,
    input,
    actor,
    customer,
    submissionId: rowSubmissionId(batch.importId, r.row),
    documentIds: [rowDocumentId(batch.importId, r.row)],
    now: time,
  });
  const submission = { ...draft.submission, importId: batch.importId, importRow: r.row };
  const document = {
    ...(draft.documents[0] as (typeof draft.documents)[number]),
    uploadId: randomUUID(),
    documentDate: r.date,
    ...(r.legacyCode ? { legacyCode: r.legacyCode } : {}),
  };
  const row: ImportRow = {
    importId: batch.importId,
    row: r.row,
    submissionId: submission.submissionId,
    documentId: document.documentId,
    customerId: customer.customerId,
    region: customer.region,
    status: 'REGISTERED',
    documentDate: r.date,
    ...(r.legacyCode ? { legacyCode: r.legacyCode } : {}),
  };
  const written = await registerImportRow(submission, document, row, {
    action: 'import.row-registered',
    actor,
    targetType: 'import',
    targetId: batch.importId,
    at: time.toISOString(),
    details: {
      row: r.row,
      submissionId: submission.submissionId,
      documentId: document.documentId,
      customerId: customer.customerId,
      docType: document.docType,
      sha256: document.sha256,
      size: document.size,
      documentDate: r.date,
      ...(r.legacyCode ? { legacyCode: r.legacyCode } : {}),
    },
  });
  if (!written) {
    const raced = await getImportRow(batch.importId, r.row);
    if (raced) return answerExisting(scheme, batch, raced, r, time);
    throw new Conflict(
      `import batch ${batch.importId} is closed; no rows can be added / 导入批次已关闭，不能再登记行`,
    );
  }
  return {
    row: r.row,
    submissionId: row.submissionId,
    documentId: row.documentId,
    status: row.status,
    uploaded: false,
    upload: await presignFor(scheme, document, time),
  };
}

function presignFor(
  scheme: Scheme,
  d: { intakeKey: string; contentType: string; size: number; sha256: string; uploadId?: string },
  time: Date,
) {
  return presignUpload({
    key: d.intakeKey,
    contentType: d.contentType,
    size: d.size,
    sha256Hex: d.sha256,
    uploadId: d.uploadId ?? '',
    expiresIn: scheme.limits.uploadUrlSeconds,
    now: time,
  });
}

async function answerExisting(
  scheme: Scheme,
  batch: ImportBatch,
  row: ImportRow,
  r: RowInput,
  time: Date,
): Promise<RegisteredRow> {
  const doc = await getDocument(row.documentId);
  if (!doc) throw new Error(`import row ${row.row} has no document ${row.documentId}`);
  if (doc.sha256 !== r.sha256.toLowerCase() || row.customerId !== r.customerId) {
    throw new Conflict(
      `row ${r.row} was registered with another customer or scan / 第 ${r.row} 行已按另一客户或扫描件登记`,
    );
  }
  const pending = doc.status === 'PENDING_UPLOAD' && batch.status === 'OPEN';
  return {
    row: row.row,
    submissionId: row.submissionId,
    documentId: row.documentId,
    status: row.status,
    uploaded: doc.status !== 'PENDING_UPLOAD',
    ...(pending ? { upload: await presignFor(scheme, doc, time) } : {}),
  };
}

/** A page of the batch's rows with their outcomes (for the import's report). */
export async function rowsOf(batch: ImportBatch, after: number, limit: number) {
  const page = await listImportRows(batch.importId, after, limit);
  return { items: page.rows.map(importRowView), more: page.more };
}

const STOPPED = new Set(['FAILED', 'TIMED_OUT', 'ABORTED', 'MISSING']);

/**
 * Closes the batch: its workflow starts (execution `<importId>-<attempt>`). Closing again while it
 * runs changes nothing; closing a batch whose workflow stopped (a step failed for good, or it never
 * started) starts it again, and its steps resume where the batch's cursor says.
 */
export async function closeImport(actor: Actor, batch: ImportBatch): Promise<ImportBatch> {
  if (batch.status === 'DONE') return batch;
  if (batch.rows === 0) {
    throw new Conflict(`import batch ${batch.importId} has no rows / 导入批次没有任何行`);
  }
  if (batch.status !== 'OPEN' && batch.executionArn) {
    if (!STOPPED.has(await executionStatus(batch.executionArn))) return batch;
  }
  const attempt = batch.attempt + 1;
  const name = importExecutionName(batch.importId, attempt);
  const executionArn = importExecutionArn(name);
  const at = now().toISOString();
  const status = batch.status === 'OPEN' ? 'CHECKING' : batch.status;
  const recorded = await updateImportBatch(
    batch.importId,
    { status: [batch.status] },
    { status, attempt, executionArn, updatedAt: at, ...(batch.closedAt ? {} : { closedAt: at }) },
    {
      action: batch.status === 'OPEN' ? 'import.closed' : 'import.resumed',
      actor,
      targetType: 'import',
      targetId: batch.importId,
      at,
      details: { attempt, executionArn, rows: batch.rows },
    },
  );
  if (!recorded) throw new Conflict(`import batch ${batch.importId} changed meanwhile; close it again`);
  await startImportExecution(name, { importId: batch.importId });
  return { ...batch, status, attempt, executionArn, closedAt: batch.closedAt ?? at };
}
