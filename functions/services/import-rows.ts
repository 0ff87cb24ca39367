import { randomUUID } from 'node:crypto';
import { getCustomerSnapshot } from '../adapters/customers-repo.ts';
import { getDocument } from '../adapters/documents-repo.ts';
import { getImportRow, registerImportRow } from '../adapters/import-batches-repo.ts';
import { now } from '../core/clock.ts';
import { latestToday } from '../core/dated-facts.ts';
import { BadRequest, Conflict, DomainError, NotFound } from '../core/errors.ts';
import {
  assertRowsAcceptable,
  type ImportBatch,
  type ImportRow,
  type RegisterRowsInput,
  type RowInput,
  rowDocumentId,
  rowSubmissionId,
} from '../core/imports.ts';
import { DEFAULT_REGION, mayAccessRegion } from '../core/regions.ts';
import type { Actor } from '../core/roles.ts';
import type { Scheme } from '../core/scheme.ts';
import { checkAgainstScheme, createSubmissionSchema, draftSubmission } from '../core/submissions.ts';

/**
 * Registering rows of an import batch (`POST /imports/{importId}/rows`): each row a submission of
 * one document waiting for its scan, checked as `POST /submissions` checks a document, plus its
 * date and legacy code.
 */

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
}

/**
 * Registers rows (idempotent per batch and row): a row registered before is answered again, or a
 * 409 when it now names another customer or scan. Upload URLs come from `uploadsFor`.
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
    title: r.title,
    file: r.file ?? r.fileName,
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
  };
}

async function answerExisting(
  _scheme: Scheme,
  _batch: ImportBatch,
  row: ImportRow,
  r: RowInput,
  _time: Date,
): Promise<RegisteredRow> {
  const doc = await getDocument(row.documentId);
  if (!doc) throw new Error(`import row ${row.row} has no document ${row.documentId}`);
  if (doc.sha256 !== r.sha256.toLowerCase() || row.customerId !== r.customerId) {
    throw new Conflict(
      `row ${r.row} was registered with another customer or scan / 第 ${r.row} 行已按另一客户或扫描件登记`,
    );
  }
  return {
    row: row.row,
    submissionId: row.submissionId,
    documentId: row.documentId,
    status: row.status,
    uploaded: doc.status !== 'PENDING_UPLOAD',
  };
}
