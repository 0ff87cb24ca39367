import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { parseArchiveCode, sequenceKey } from './archive-code.ts';
import { BadRequest, type FieldError } from './errors.ts';
import { lazySchema } from './lazy-schema.ts';
import { type RetentionPlan, retentionPlan } from './retention.ts';
import { businessEvent, documentType, type Scheme } from './scheme.ts';

/**
 * Import batches (迁移导入批次): an existing archive migrated in by `npm run import`. An archivist
 * opens a batch for a catalogue (the same catalogue finds the same batch), registers its rows,
 * each becoming a one-document submission that takes its upload like any other, and closes it.
 * The import workflow then checks every row as intake does, opens one review task for the whole
 * batch with a random sample (抽检), and archives the rows the reviewer did not reject, with
 * legacy codes kept and new codes carrying each document's own year. Lifecycle:
 * OPEN → CHECKING → IN_REVIEW → ARCHIVING → DONE; a stopped workflow is started again by closing
 * the batch again, and every step resumes from the cursor the batch keeps.
 */

export const IMPORT_STATUSES = ['OPEN', 'CHECKING', 'IN_REVIEW', 'ARCHIVING', 'DONE'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

/** A row's life: registered (uploading), checked (waiting for review), or one of the three ends. */
export const IMPORT_ROW_STATUSES = ['REGISTERED', 'CHECKED', 'FAILED', 'ARCHIVED', 'REJECTED'] as const;
export type ImportRowStatus = (typeof IMPORT_ROW_STATUSES)[number];

export interface Words {
  zh: string;
  en: string;
}

export interface ImportDecision {
  decision: 'approve' | 'reject';
  comment: string;
  decidedBy: string;
  /** Rows the reviewer rejected; a rejection naming none rejects the whole batch. */
  rows: number[];
}

export interface ImportBatch {
  importId: string;
  schemeId: string;
  catalogueSha256: string;
  status: ImportStatus;
  createdBy: string;
  createdByName: string;
  createdAt: string;
  updatedAt: string;
  /** Rows registered. */
  rows: number;
  /** Regions of the batch's customers, as rows were registered. */
  regions?: string[];
  /** Times the workflow was started; execution `<importId>-<attempt>`. */
  attempt: number;
  executionArn?: string;
  closedAt?: string;
  /** The last row the current phase (checking, then archiving) has done. */
  cursor: number;
  /** The last row archiving has done. */
  archiveCursor: number;
  passed: number;
  failed: number;
  /** The reservoir of rows that passed the checks: the sample once checking is done. */
  sample: number[];
  reviewTaskId?: string;
  decision?: ImportDecision;
  archived: number;
  rejected: number;
  finishedAt?: string;
}

export interface ImportRow {
  importId: string;
  row: number;
  submissionId: string;
  documentId: string;
  customerId: string;
  region: string;
  status: ImportRowStatus;
  /** 形成日期, YYYY-MM-DD. */
  documentDate: string;
  legacyCode?: string;
  /** The title and the scan's path as the catalogue gave them, for the report (rows registered since these were kept). */
  title?: string;
  file?: string;
  reason?: Words;
  archiveCode?: string;
}

/** The same catalogue, whoever runs it, is the same batch. */
export const importIdOf = (catalogueSha256: string): string =>
  `imp-${createHash('sha256').update(`import:${catalogueSha256}`).digest('hex').slice(0, 32)}`;

/** Each row is a submission of one document, with ids fixed by the batch and row: registering twice finds them. */
export const rowSubmissionId = (importId: string, row: number): string => `${importId}-${row}`;
export const rowDocumentId = (importId: string, row: number): string => `${importId}-${row}-d`;

/** Execution names per start of the batch's workflow. */
export const importExecutionName = (importId: string, attempt: number): string => `${importId}-${attempt}`;

export const importTaskId = (importId: string): string => `review-${importId}`;

/**
 * Rows registered in one request, checked in one workflow step, archived in one step, and worked
 * on at once within a step. Each row's check is two requests and its archiving about ten (codes,
 * copy, lock, transaction), all waiting on DynamoDB and S3: a step keeps ROWS_AT_ONCE rows in
 * flight, and a page is large enough that the state transition around it is small beside its
 * work (50 rows archived ten at once: about 1.5 s on AWS, well inside the step's 300 s).
 */
export const ROWS_PER_REQUEST = 50;
export const ROWS_PER_CHECK_STEP = 100;
export const ROWS_PER_ARCHIVE_STEP = 50;
export const ROWS_AT_ONCE = 10;

/** How long after closing a row whose scan never arrived (or was never scanned) is waited for. */
export const SCAN_GRACE_SECONDS = 3600;

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

export const openImportSchema = lazySchema(() =>
  z.strictObject({
    catalogueSha256: z
      .string()
      .check(
        z.regex(
          /^[0-9a-f]{64}$/,
          'catalogueSha256 must be 64 lower-case hex characters / 须为 64 位小写十六进制',
        ),
      ),
  }),
);

export const registerRowsSchema = lazySchema(() =>
  z
    .strictObject({
      rows: z
        .array(
          z.strictObject({
            row: z.number().check(z.int(), z.minimum(1), z.maximum(100_000_000)),
            customerId: z.string().check(z.minLength(1), z.maxLength(100)),
            businessEvent: z.string().check(z.minLength(1), z.maxLength(12)),
            docType: z.string().check(z.minLength(1), z.maxLength(12)),
            title: z.string(),
            fileName: z.string(),
            contentType: z.string(),
            size: z.number(),
            sha256: z.string(),
            date: z.string().check(z.regex(DAY, 'date must be YYYY-MM-DD / 形成日期须为 YYYY-MM-DD')),
            legacyCode: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
            /** The scan's path under the scans folder, as the catalogue gives it (the report's file column). */
            file: z.optional(z.string().check(z.minLength(1), z.maxLength(1024))),
          }),
        )
        .check(z.minLength(1), z.maxLength(ROWS_PER_REQUEST)),
    })
    .check(
      z.superRefine((input, ctx) => {
        const seen = new Set<number>();
        input.rows.forEach((r, i) => {
          if (seen.has(r.row)) {
            ctx.addIssue({
              code: 'custom',
              path: ['rows', i, 'row'],
              message: `row ${r.row} twice / 行号重复`,
            });
          }
          seen.add(r.row);
        });
      }),
    ),
);

export const uploadsSchema = lazySchema(() =>
  z.strictObject({
    rows: z
      .array(z.number().check(z.int(), z.minimum(1)))
      .check(z.minLength(1), z.maxLength(ROWS_PER_REQUEST)),
  }),
);

export type RegisterRowsInput = z.infer<typeof registerRowsSchema>;
export type RowInput = RegisterRowsInput['rows'][number];

/** The day a row's date names, or why it is none: a real day, not before 1900 nor after `today`. */
export function dateProblem(date: string, today: string): string | undefined {
  const m = DAY.exec(date);
  const d = new Date(`${date}T00:00:00Z`);
  if (!m || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== date) {
    return `date ${date} is not a day / 形成日期 ${date} 不是有效日期`;
  }
  if (date < '1900-01-01') return `date ${date} is before 1900 / 形成日期 ${date} 早于 1900 年`;
  if (date > today) return `date ${date} is in the future / 形成日期 ${date} 晚于今天`;
  return undefined;
}

/**
 * A legacy code's problem, if any: it must fit the scheme's code template, carry the scheme's
 * fonds and category, the document type's retention, the event's class code, and a year neither
 * before the document's own nor after this one.
 */
export function legacyCodeProblem(
  scheme: Scheme,
  row: Pick<RowInput, 'businessEvent' | 'docType' | 'date' | 'legacyCode'>,
  today: string,
): string | undefined {
  if (row.legacyCode === undefined) return undefined;
  const parts = parseArchiveCode(scheme.codeTemplate, row.legacyCode);
  const code = row.legacyCode;
  if (!parts) {
    return `legacy code ${code} does not fit ${scheme.codeTemplate} / 原档号 ${code} 不符合档号格式 ${scheme.codeTemplate}`;
  }
  const event = businessEvent(scheme, row.businessEvent);
  const type = documentType(scheme, row.docType);
  const wrong: string[] = [];
  if (parts.fonds !== scheme.fonds) wrong.push(`fonds ${scheme.fonds}`);
  if (parts.category !== scheme.category) wrong.push(`category ${scheme.category}`);
  if (type && parts.retention !== type.retention) wrong.push(`retention ${type.retention}`);
  if (event && parts.classCode !== event.classCode) wrong.push(`class code ${event.classCode}`);
  const year = Number(row.date.slice(0, 4));
  if (parts.year < year || parts.year > Number(today.slice(0, 4))) {
    wrong.push(`a year from ${year} to ${today.slice(0, 4)}`);
  }
  if (wrong.length === 0) return undefined;
  return `legacy code ${code} should have ${wrong.join(', ')} / 原档号 ${code} 与方案、文件类型或日期不符`;
}

/** Problems of the rows against the scheme and the day, as a 400 naming each row's field. */
export function assertRowsAcceptable(scheme: Scheme, rows: readonly RowInput[], today: string): void {
  const errors: FieldError[] = [];
  rows.forEach((r, i) => {
    const date = dateProblem(r.date, today);
    if (date) errors.push({ path: `rows.${i}.date`, message: `row ${r.row}: ${date}` });
    const legacy = date ? undefined : legacyCodeProblem(scheme, r, today);
    if (legacy) errors.push({ path: `rows.${i}.legacyCode`, message: `row ${r.row}: ${legacy}` });
  });
  if (errors.length > 0) {
    throw new BadRequest(`invalid rows / 行有误: ${errors.map((e) => e.message).join('; ')}`, errors);
  }
}

/** The sequence a legacy code's number belongs to and that number: new codes continue after it. */
export function legacySequence(
  scheme: Scheme,
  code: string,
): { sequenceKey: string; seq: number } | undefined {
  const parts = parseArchiveCode(scheme.codeTemplate, code);
  if (!parts) return undefined;
  const { seq, ...rest } = parts;
  return { sequenceKey: sequenceKey(scheme.codeTemplate, rest), seq };
}

/**
 * Reservoir sampling (Algorithm R) of the rows that passed, `size` at most, fed page by page in
 * row order: `seen` rows came before this page. The random choice is drawn from the batch id and
 * the row's place, so a step run again after a crash picks the same sample.
 */
export function sampleRows(
  state: { seen: number; sample: readonly number[] },
  passedRows: readonly number[],
  size: number,
  seed: string,
): { seen: number; sample: number[] } {
  const sample = [...state.sample];
  let seen = state.seen;
  for (const row of passedRows) {
    if (sample.length < size) sample.push(row);
    else {
      const j = draw(seed, seen) % (seen + 1);
      if (j < size) sample[j] = row;
    }
    seen++;
  }
  return { seen, sample };
}

function draw(seed: string, index: number): number {
  return createHash('sha256').update(`${seed}:${index}`).digest().readUInt32BE(0);
}

/** A lock must end after it is set: S3 refuses a retention date in the past. */
const LOCK_MIN_MS = 24 * 3600 * 1000;

/**
 * The retention of a migrated document, counted from its own date (形成日期): a period that has
 * run out already is locked for one more day, so it comes up for appraisal (鉴定) at once rather
 * than never being locked; a permanent record is locked a century ahead of today, as at intake.
 */
export function retentionFromOwnDate(
  type: Parameters<typeof retentionPlan>[0],
  documentDate: string,
  today: Date,
): RetentionPlan {
  if (type.retention === 'Y') return retentionPlan(type, today);
  const plan = retentionPlan(type, `${documentDate}T00:00:00.000Z`);
  const earliest = new Date(today.getTime() + LOCK_MIN_MS).toISOString();
  return plan.retainUntil < earliest ? { ...plan, retainUntil: earliest } : plan;
}

/** Whether the reviewer's decision rejects this row. */
export const isRejected = (decision: ImportDecision, row: number): boolean =>
  decision.decision === 'reject' && (decision.rows.length === 0 || decision.rows.includes(row));

/**
 * Where a page of rows ends once the Archive step has done it: rows waiting for the decision are
 * archived or rejected as it says, rows that ended before keep their end. Counted from the page's
 * rows, so a page done again after a crash (some rows ended by the run that died) counts each once.
 */
export function archivePageCounts(
  rows: readonly Pick<ImportRow, 'row' | 'status'>[],
  decision: ImportDecision,
): { archived: number; rejected: number } {
  let archived = 0;
  let rejected = 0;
  for (const r of rows) {
    const end = r.status === 'CHECKED' ? (isRejected(decision, r.row) ? 'REJECTED' : 'ARCHIVED') : r.status;
    if (end === 'ARCHIVED') archived++;
    if (end === 'REJECTED') rejected++;
  }
  return { archived, rejected };
}

/** The report's words for a rejected row. */
export function rejectionWords(decision: ImportDecision): Words {
  const comment = decision.comment || '-';
  return {
    zh: `抽检审核人 ${decision.decidedBy} 退回：${comment}`,
    en: `rejected by the batch reviewer ${decision.decidedBy}: ${comment}`,
  };
}

/** A row's intake problems as the report's words. */
export function checkWords(problems: readonly { check: string; message: string }[]): Words {
  const en = problems.map((p) => `${p.check}: ${p.message}`).join('; ');
  return { zh: `未通过四性检测：${en}`, en: `failed the intake checks: ${en}` };
}

export const SCAN_NEVER_ARRIVED: Words = {
  zh: '关闭批次一小时后扫描件仍未上传或未完成病毒扫描',
  en: 'an hour after the batch closed, its scan was still not uploaded or not scanned for malware',
};

/** What `GET /imports/{importId}` shows of a batch. */
export function importView(batch: ImportBatch) {
  return {
    importId: batch.importId,
    status: batch.status,
    createdBy: batch.createdByName,
    createdAt: batch.createdAt,
    rows: batch.rows,
    passed: batch.passed,
    failed: batch.failed,
    archived: batch.archived,
    rejected: batch.rejected,
    ...(batch.regions ? { regions: batch.regions } : {}),
    ...(batch.status === 'IN_REVIEW' || batch.decision ? { sample: batch.sample } : {}),
    ...(batch.reviewTaskId ? { reviewTaskId: batch.reviewTaskId } : {}),
    ...(batch.decision ? { decision: batch.decision } : {}),
    ...(batch.finishedAt ? { finishedAt: batch.finishedAt } : {}),
  };
}

/** `GET /imports?limit=&nextToken=`: a page of batches, newest first. */
export const importListSchema = lazySchema(() =>
  z.strictObject({
    limit: z.optional(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100))),
    nextToken: z.optional(z.string().check(z.minLength(1), z.maxLength(2000))),
  }),
);

/** A row as `GET /imports/{importId}/rows` shows it; `uploaded`: its scan has arrived. */
export const importRowView = (r: ImportRow, uploaded: boolean) => ({
  row: r.row,
  status: r.status,
  uploaded,
  submissionId: r.submissionId,
  documentId: r.documentId,
  ...(r.title === undefined ? {} : { title: r.title }),
  ...(r.file === undefined ? {} : { file: r.file }),
  ...(r.archiveCode ? { archiveCode: r.archiveCode } : {}),
  ...(r.reason ? { reason: r.reason } : {}),
});
