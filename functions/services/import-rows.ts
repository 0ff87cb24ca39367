import { randomUUID } from 'node:crypto';
import { getCustomerSnapshot } from '../adapters/customers-repo.ts';
import { getDocument, getDocuments } from '../adapters/documents-repo.ts';
import {
  getImportRow,
  getImportRows,
  ROWS_PER_TRANSACTION,
  type RowRegistration,
  registerImportRows,
} from '../adapters/import-batches-repo.ts';
import { now } from '../core/clock.ts';
import { latestToday } from '../core/dated-facts.ts';
import type { DocumentRecord } from '../core/documents.ts';
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

type Checked = ReturnType<typeof checkRowAsSubmission>;
type RowCustomer = { customerId: string; customerNo?: string; region: string };

/** The rows' customers, each read once; one outside the caller's regions answers as absent. */
async function customersOf(actor: Actor, rows: readonly RowInput[]): Promise<Map<string, RowCustomer>> {
  const ids = [...new Set(rows.map((r) => r.customerId))];
  const found = await Promise.all(ids.map((id) => getCustomerSnapshot(id)));
  return new Map(
    ids.map((id, i) => {
      const c = found[i];
      // As on every customer route, a customer outside the caller's regions is not there.
      if (!c || !mayAccessRegion(actor, c.region ?? DEFAULT_REGION)) throw new NotFound('customer', id);
      return [id, { ...c, region: c.region ?? DEFAULT_REGION }];
    }),
  );
}

/**
 * Registers rows (idempotent per batch and row): a row registered before is answered again, or a
 * 409 when it now names another customer or scan. The new rows are written a transaction of
 * several at a time; a transaction that loses (a row registered meanwhile by another run of the
 * catalogue, or the batch closed) is done again row by row, which says which. Upload URLs come
 * from `uploadsFor`.
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
  const customers = await customersOf(actor, input.rows);
  const existing = await getImportRows(
    batch.importId,
    input.rows.map((r) => r.row),
  );
  const answers = new Map<number, RegisteredRow>();
  const byRow = new Map(input.rows.map((r) => [r.row, r]));
  const docs = new Map((await getDocuments(existing.map((e) => e.documentId))).map((d) => [d.documentId, d]));
  for (const row of existing) {
    answers.set(row.row, answerExisting(row, docs.get(row.documentId), byRow.get(row.row) as RowInput));
  }
  const fresh = input.rows.flatMap((r, i) =>
    answers.has(r.row)
      ? []
      : [
          registration(
            actor,
            scheme,
            batch,
            r,
            checked[i] as Checked,
            customers.get(r.customerId) as RowCustomer,
            time,
          ),
        ],
  );
  for (let i = 0; i < fresh.length; i += ROWS_PER_TRANSACTION) {
    const together = fresh.slice(i, i + ROWS_PER_TRANSACTION);
    const written = await registerImportRows(together);
    for (const reg of together) {
      const r = byRow.get(reg.row.row) as RowInput;
      answers.set(r.row, written ? registered(reg.row) : await registerAlone(batch, reg, r));
    }
  }
  return input.rows.map((r) => answers.get(r.row) as RegisteredRow);
}

/** What registering a row writes: a one-document submission waiting for its scan, and the row. */
function registration(
  actor: Actor,
  scheme: Scheme,
  batch: ImportBatch,
  r: RowInput,
  input: Checked,
  customer: RowCustomer,
  time: Date,
): RowRegistration {
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
  const audit = {
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
  };
  return { submission, document, row, audit };
}

const registered = (row: ImportRow): RegisteredRow => ({
  row: row.row,
  submissionId: row.submissionId,
  documentId: row.documentId,
  status: row.status,
  uploaded: false,
});

/** One row of a transaction that lost: written alone, found registered meanwhile, or refused (closed). */
async function registerAlone(batch: ImportBatch, reg: RowRegistration, r: RowInput): Promise<RegisteredRow> {
  if (await registerImportRows([reg])) return registered(reg.row);
  const raced = await getImportRow(batch.importId, r.row);
  if (raced) return answerExisting(raced, await getDocument(raced.documentId), r);
  throw new Conflict(
    `import batch ${batch.importId} is closed; no rows can be added / 导入批次已关闭，不能再登记行`,
  );
}

function answerExisting(row: ImportRow, doc: DocumentRecord | undefined, r: RowInput): RegisteredRow {
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
