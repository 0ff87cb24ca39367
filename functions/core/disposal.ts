import * as z from 'zod/mini';
import type { DocumentRecord } from './documents.ts';
import { BadRequest, type FieldError } from './errors.ts';
import { lazySchema } from './lazy-schema.ts';
import { addYearsUtc, RETENTION_YEARS, startOfNextYearUtc } from './retention.ts';
import type { RetentionTrigger, Scheme } from './scheme.ts';

/**
 * Retention sweeps and disposal (鉴定销毁). A document's retention clock starts at its trigger;
 * once the period has run (and its Object Lock with it) the document is due. The daily sweep
 * finds due documents through the due-date index, leaves out those on hold or on loan, and
 * groups the rest into disposal batches, one per category and due month. A batch is appraised by
 * an archivist (destroy, or extend with a new period and a reason), approved by an approver,
 * destroyed item by item, and closed with a destruction list (销毁清册) that is kept forever.
 *
 * Plain functions over plain data; the DynamoDB and S3 sides are in the adapters
 * (disposal-batches-repo.ts, disposal-items-repo.ts, due-index-repo.ts, holds-repo.ts,
 * archive-lifecycle.ts).
 */

/** CloudWatch namespace of Dangan's own metrics, and the fixity metric the stack alarms on. */
export const METRICS_NAMESPACE = 'Dangan';
export const FIXITY_MISMATCH_METRIC = 'FixityMismatches';

// ---- Dates -----------------------------------------------------------------------------------

/** `YYYY-MM-DD` of an instant, in UTC. */
export const isoDate = (d: Date): string => d.toISOString().slice(0, 10);

/** The next calendar day of a `YYYY-MM-DD`. */
export function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00.000Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return isoDate(d);
}

/** The first whole day on which `iso` has passed: the same day at exactly midnight, else the next. */
export function firstDayAfter(iso: string): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) throw new Error(`${iso} is not a time`);
  const day = isoDate(t);
  return t.getTime() === Date.parse(`${day}T00:00:00.000Z`) ? day : nextDay(day);
}

/** `YYYY-MM` months from `from` through `to`, both included. */
export function monthsBetween(from: string, to: string): string[] {
  const out: string[] = [];
  let y = Number(from.slice(0, 4));
  let m = Number(from.slice(5, 7));
  const endY = Number(to.slice(0, 4));
  const endM = Number(to.slice(5, 7));
  while (y < endY || (y === endY && m <= endM)) {
    out.push(`${y}-${String(m).padStart(2, '0')}`);
    m++;
    if (m > 12) {
      m = 1;
      y++;
    }
  }
  return out;
}

/** Whole years from `start` to `day` (an anniversary counts on its day). */
export function wholeYearsBetween(start: string, day: string): number {
  const s = new Date(start);
  let years = Number(day.slice(0, 4)) - s.getUTCFullYear();
  while (years > 0 && isoDate(addYearsUtc(s, years)) > day) years--;
  return Math.max(0, years);
}

// ---- Retention clock --------------------------------------------------------------------------

/** What disposal adds to a document record. */
export interface DisposalFields {
  /** ISO time the retention clock started (archiving, year end, contract end, account closed). */
  clockStart?: string;
  /** Retention period in years when an appraisal extended it beyond the scheme's code. */
  retentionYears?: number;
  /** `YYYY-MM-DD` from which the document may be destroyed. */
  dueOn?: string;
  /** Number of active holds (冻结); a held document is never proposed or destroyed. */
  activeHolds?: number;
  /** The disposal batch the document is proposed in. */
  disposalBatchId?: string;
  /** Set while its batch deletes the content; no hold can be placed then. */
  destroying?: string;
  extensions?: Extension[];
  // Tombstone (DISPOSED).
  disposedAt?: string;
  disposalAppraisedBy?: string;
  disposalApprovedBy?: string;
}

export type DisposableDocument = DocumentRecord & DisposalFields;

export interface Extension {
  batchId: string;
  /** New retention period in years, counted from the clock start. */
  years: number;
  previousDueOn: string;
  dueOn: string;
  reason: string;
  by: string;
  at: string;
}

/** Retention period in years; undefined for permanent records (Y), which never become due. */
export function retentionYearsOf(doc: Pick<DisposableDocument, 'retentionCode' | 'retentionYears'>) {
  if (doc.retentionCode === undefined || doc.retentionCode === 'Y') return undefined;
  return doc.retentionYears ?? RETENTION_YEARS[doc.retentionCode];
}

/** When the clock started: recorded for event triggers, derived from the archive date otherwise. */
export function clockStartOf(
  doc: Pick<DisposableDocument, 'clockStart' | 'retentionTrigger' | 'archivedAt'>,
): string | undefined {
  if (doc.clockStart) return doc.clockStart;
  if (!doc.archivedAt) return undefined;
  if (doc.retentionTrigger === 'ARCHIVED') return doc.archivedAt;
  if (doc.retentionTrigger === 'YEAR_END') return startOfNextYearUtc(new Date(doc.archivedAt)).toISOString();
  return undefined;
}

/**
 * The day a document becomes due: the clock start plus the period, but never before its Object
 * Lock has passed (S3 refuses to delete a locked version, and a lock cannot be shortened).
 */
export function dueOnFor(clockStart: string, years: number, lockedUntil?: string): string {
  const byRule = isoDate(addYearsUtc(new Date(clockStart), years));
  if (!lockedUntil) return byRule;
  const lock = firstDayAfter(lockedUntil);
  // Dates as YYYY-MM-DD compare as strings.
  if (lock > byRule) return lock;
  return byRule;
}

/** The due day a document has, or undefined while its clock has not started (or it is permanent). */
export function dueOnOf(doc: DisposableDocument): string | undefined {
  if (doc.dueOn) return doc.dueOn;
  const years = retentionYearsOf(doc);
  const start = clockStartOf(doc);
  if (years === undefined || start === undefined) return undefined;
  return dueOnFor(start, years, doc.retainUntil);
}

/**
 * The due-date index (records table gsi3) is partitioned by month: `DUE#<YYYY-MM>` /
 * `<YYYY-MM-DD>#<documentId>`. A document is filed under its due day, or under `today` when that
 * day has passed already (the sweep never looks behind the day it last swept).
 */
export function dueIndexDay(dueOn: string, today: string): string {
  return dueOn > today ? dueOn : today;
}

export type ClockStart =
  | { kind: 'start'; clockStart: string; dueOn: string }
  | { kind: 'unchanged' }
  | { kind: 'skip'; reason: string }
  | { kind: 'conflict'; reason: string };

/**
 * A business fact (account closed, contract ended) starts the clock of the documents whose type
 * waits for it. Safe to repeat: the same fact again changes nothing; a different date for a clock
 * that already started is a conflict, never a silent re-dating.
 */
export function startClock(
  doc: DisposableDocument,
  trigger: Extract<RetentionTrigger, 'ACCOUNT_CLOSED' | 'CONTRACT_END'>,
  occurredOn: string,
): ClockStart {
  if (doc.retentionTrigger !== trigger) return { kind: 'skip', reason: `trigger is ${doc.retentionTrigger}` };
  if (doc.status !== 'ARCHIVED') return { kind: 'skip', reason: `document is ${doc.status}` };
  const years = retentionYearsOf(doc);
  if (years === undefined) return { kind: 'skip', reason: 'permanent records are never due' };
  const clockStart = `${occurredOn}T00:00:00.000Z`;
  if (doc.clockStart !== undefined) {
    return doc.clockStart === clockStart
      ? { kind: 'unchanged' }
      : {
          kind: 'conflict',
          reason: `the retention clock of ${doc.archiveCode ?? doc.documentId} started on ${doc.clockStart.slice(0, 10)}, not ${occurredOn}`,
        };
  }
  return { kind: 'start', clockStart, dueOn: dueOnFor(clockStart, years, doc.retainUntil) };
}

/** `PUT /documents/{documentId}/contract-end`. */
export const contractEndSchema = lazySchema(() =>
  z.strictObject({
    endedOn: z.iso.date('must be a date YYYY-MM-DD'),
  }),
);

// ---- Batches ----------------------------------------------------------------------------------

export const BATCH_STATUSES = [
  'PROPOSED',
  'APPRAISAL',
  'APPROVAL',
  'DESTROYING',
  'DONE',
  'EXTENDED',
  'ABANDONED',
] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

export const ITEM_STATUSES = ['PROPOSED', 'EXTENDED', 'PULLED', 'DESTROYED', 'FAILED'] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];

/** Most documents one batch takes; more due in one category and month go into further parts. */
export const MAX_BATCH_ITEMS = 400;

export interface DisposalBatch {
  batchId: string;
  schemeId: string;
  fonds: string;
  category: string;
  /** `YYYY-MM` the documents fell due in. */
  dueMonth: string;
  /** The sweep day that proposed the batch. */
  sweepDate: string;
  /**
   * The region of every document's customer when the batch was proposed: the sweep splits batches
   * by region, so a person limited to regions sees and decides whole batches. Absent on batches
   * proposed before that; only those who serve every region reach those.
   */
  region?: string;
  part: number;
  status: BatchStatus;
  itemCount: number;
  createdAt: string;
  updatedAt: string;
  /** Appraisal rounds: an approver's refusal sends the batch back to appraisal. */
  round?: number;
  executionArn?: string;
  appraisedBy?: string;
  appraisedBySub?: string;
  appraisedAt?: string;
  appraisalComment?: string;
  approvedBy?: string;
  approvedBySub?: string;
  approvedAt?: string;
  returns?: { round: number; by: string; at: string; comment: string }[];
  counts?: Partial<Record<ItemStatus, number>>;
  list?: DestructionListRef;
  closedAt?: string;
  abandonedReason?: string;
}

export interface DestructionListRef {
  jsonKey: string;
  htmlKey: string;
  jsonVersionId: string;
  htmlVersionId: string;
  /** SHA-256 (hex) of the JSON list. */
  sha256: string;
  /**
   * The COMPLIANCE retain-until date of both lists, which the sweep keeps extending; absent for
   * lists written under a legal hold, until the sweep locks them so too (services/permanence.ts).
   */
  retainUntil?: string;
}

/** One document of a batch; once the batch is closed, its row of the destruction list (a tombstone). */
export interface BatchItem {
  batchId: string;
  documentId: string;
  status: ItemStatus;
  archiveCode: string;
  title: string;
  docType: string;
  customerId: string;
  retentionCode: string;
  retentionYears: number;
  clockStart: string;
  dueOn: string;
  archivedAt: string;
  proposedAt: string;
  destroyedAt?: string;
  versionsDeleted?: number;
  /** Why the item was not destroyed (FAILED, PULLED). */
  reason?: string;
  extension?: Pick<Extension, 'years' | 'dueOn' | 'reason' | 'by' | 'at'>;
}

/**
 * `KH-2036-01-20361115-HZ-1`: category, due month, sweep day, region and part; the execution name
 * too (at most 12 + 8 + 9 + 33 + 5 characters, inside Step Functions' 80).
 */
export function batchId(
  category: string,
  dueMonth: string,
  sweepDate: string,
  region: string,
  part: number,
): string {
  return `${category}-${dueMonth}-${sweepDate.replaceAll('-', '')}-${region}-${part}`;
}

/** Batch ids with a region, and those proposed before batches were split by region. */
const BATCH_ID = /^[A-Z][A-Z0-9]{0,11}-\d{4}-\d{2}-\d{8}(?:-[A-Z0-9][A-Z0-9_-]{0,31})?-\d{1,4}$/;
export const isBatchId = (value: string): boolean => BATCH_ID.test(value);

/** `id` if it is a disposal batch id, else a 400 naming `batchId`. */
export function parseBatchId(id: string): string {
  if (!isBatchId(id)) {
    throw new BadRequest(`batchId ${JSON.stringify(id)} is not a disposal batch id`, [
      { path: 'batchId', message: 'must look like KH-2036-01-20361115-HZ-1' },
    ]);
  }
  return id;
}

export interface BatchGroup {
  category: string;
  dueMonth: string;
  region: string;
  documents: DisposableDocument[];
}

/**
 * Groups due documents by category, due month and their customer's region (`regionOf`), oldest
 * month first, then by region; documents in due order. One region per batch, so a person limited
 * to regions appraises or approves a batch whole, and four eyes hold per batch as before.
 */
export function groupForDisposal(
  scheme: Scheme,
  docs: readonly DisposableDocument[],
  regionOf: (doc: DisposableDocument) => string,
): BatchGroup[] {
  const groups = new Map<string, BatchGroup>();
  for (const doc of docs) {
    const due = dueOnOf(doc);
    if (!due) continue;
    const region = regionOf(doc);
    const key = `${scheme.category}|${due.slice(0, 7)}|${region}`;
    const group = groups.get(key) ?? {
      category: scheme.category,
      dueMonth: due.slice(0, 7),
      region,
      documents: [],
    };
    group.documents.push(doc);
    groups.set(key, group);
  }
  const order = (d: DisposableDocument) => `${dueOnOf(d)}#${d.documentId}`;
  for (const g of groups.values()) g.documents.sort((a, b) => order(a).localeCompare(order(b)));
  return [...groups.values()].sort((a, b) =>
    a.dueMonth === b.dueMonth ? a.region.localeCompare(b.region) : a.dueMonth.localeCompare(b.dueMonth),
  );
}

export type SweepVerdict =
  | { kind: 'propose' }
  | { kind: 'held' }
  | { kind: 'on-loan'; until: string }
  | { kind: 'not-due'; dueOn?: string }
  | { kind: 'drop'; reason: string };

/** What the sweep does with one document found in the due index. */
export function sweepVerdict(
  doc: DisposableDocument,
  today: string,
  activeLoanUntil: string | undefined,
): SweepVerdict {
  if (doc.status !== 'ARCHIVED') return { kind: 'drop', reason: `document is ${doc.status}` };
  if (doc.retentionCode === 'Y') return { kind: 'drop', reason: 'permanent records are never due' };
  if (doc.disposalBatchId) return { kind: 'drop', reason: `already proposed in ${doc.disposalBatchId}` };
  const due = dueOnOf(doc);
  if (!due || due > today) return due ? { kind: 'not-due', dueOn: due } : { kind: 'not-due' };
  if ((doc.activeHolds ?? 0) > 0) return { kind: 'held' };
  if (activeLoanUntil !== undefined) return { kind: 'on-loan', until: activeLoanUntil };
  return { kind: 'propose' };
}

export function batchItemOf(doc: DisposableDocument, batch: string, at: string): BatchItem {
  const years = retentionYearsOf(doc);
  const clockStart = clockStartOf(doc);
  const dueOn = dueOnOf(doc);
  if (years === undefined || !clockStart || !dueOn || !doc.archiveCode || !doc.archivedAt) {
    throw new Error(`document ${doc.documentId} has no retention clock; it cannot be proposed`);
  }
  return {
    batchId: batch,
    documentId: doc.documentId,
    status: 'PROPOSED',
    archiveCode: doc.archiveCode,
    title: doc.title,
    docType: doc.docType,
    customerId: doc.customerId,
    retentionCode: doc.retentionCode ?? 'Y',
    retentionYears: years,
    clockStart,
    dueOn,
    archivedAt: doc.archivedAt,
    proposedAt: at,
  };
}

// ---- Appraisal --------------------------------------------------------------------------------

/** The extension part of an appraisal decision: a new period, from the clock start, and why. */
export interface ExtensionRequest {
  extendYears: number;
  reason: string;
  /** The items to extend; all items of the batch when absent. */
  documentIds?: string[];
}

export const MAX_RETENTION_YEARS = 100;

/**
 * Checks an extension against the items it names: each must be an item still proposed in the
 * batch, and the new period must end after today — a period no longer than what has already
 * elapsed since the clock started would make the document due again at once.
 */
export function checkExtension(
  items: readonly Pick<
    BatchItem,
    'documentId' | 'archiveCode' | 'clockStart' | 'status' | 'retentionYears'
  >[],
  request: ExtensionRequest,
  today: string,
): Pick<BatchItem, 'documentId' | 'clockStart' | 'archiveCode'>[] {
  const proposed = new Map(items.filter((i) => i.status === 'PROPOSED').map((i) => [i.documentId, i]));
  const ids = request.documentIds ?? [...proposed.keys()];
  const errors: FieldError[] = [];
  ids.forEach((id, n) => {
    if (!proposed.has(id)) {
      errors.push({ path: `documentIds.${n}`, message: `${id} is not a proposed item of this batch` });
    }
  });
  if (errors.length > 0) {
    throw new BadRequest(
      `documentIds name documents this batch does not propose: ${errors[0]?.message}`,
      errors,
    );
  }
  const chosen = ids.map((id) => proposed.get(id) as NonNullable<ReturnType<typeof proposed.get>>);
  for (const item of chosen) {
    const elapsed = wholeYearsBetween(item.clockStart, today);
    const newDue = isoDate(addYearsUtc(new Date(item.clockStart), request.extendYears));
    if (newDue <= today) {
      throw new BadRequest(
        `extendYears ${request.extendYears} is not longer than the ${elapsed} years already elapsed since the retention clock of ${item.archiveCode} started on ${item.clockStart.slice(0, 10)}`,
        [{ path: 'extendYears', message: `must be more than ${elapsed} (years already elapsed)` }],
      );
    }
    if (request.extendYears <= item.retentionYears) {
      throw new BadRequest(
        `extendYears ${request.extendYears} does not extend the ${item.retentionYears}-year period of ${item.archiveCode}`,
        [{ path: 'extendYears', message: `must be more than ${item.retentionYears}` }],
      );
    }
  }
  return chosen;
}

/** The extended due day of an item. */
export const extendedDueOn = (clockStart: string, years: number, lockedUntil?: string): string =>
  dueOnFor(clockStart, years, lockedUntil);

// ---- Tasks ------------------------------------------------------------------------------------

export type DisposalTaskKind = 'disposal-appraisal' | 'disposal-approval';

export const disposalTaskId = (kind: DisposalTaskKind, batch: string, round: number): string =>
  `${kind === 'disposal-appraisal' ? 'appraisal' : 'approval'}-${batch}-${round}`;

export function disposalTaskSummary(
  kind: DisposalTaskKind,
  batch: Pick<DisposalBatch, 'batchId' | 'category' | 'dueMonth' | 'itemCount'>,
  proposed: number,
  round: number,
): Record<string, unknown> {
  const what = kind === 'disposal-appraisal' ? '销毁鉴定 Disposal appraisal' : '销毁审批 Disposal approval';
  return {
    text: `${what}: ${batch.category} due ${batch.dueMonth}, ${proposed} document${proposed === 1 ? '' : 's'}${round > 1 ? ` (round ${round})` : ''}`,
    batchId: batch.batchId,
    category: batch.category,
    dueMonth: batch.dueMonth,
    documentCount: proposed,
    round,
  };
}

// ---- Holds ------------------------------------------------------------------------------------

export const holdInputSchema = lazySchema(() =>
  z.strictObject({
    reason: z.string().check(z.trim(), z.minLength(1, 'a hold needs a reason'), z.maxLength(1000)),
  }),
);

export interface Hold {
  holdId: string;
  documentId: string;
  reason: string;
  status: 'ACTIVE' | 'RELEASED';
  placedBy: string;
  placedBySub: string;
  placedAt: string;
  releasedBy?: string;
  releasedBySub?: string;
  releasedAt?: string;
}

// ---- Loans --------------------------------------------------------------------------------------

/** What disposal needs to know of a loan grant of a document (the loans module owns the rest). */
export interface LoanOut {
  loanId: string;
  /** ACTIVE while the loan runs; EXPIRED while a paper original has not come back. */
  status: string;
  dueAt: string;
}

/**
 * The day a document on loan may be looked at again by the sweep, or undefined when it is not
 * on loan. A running loan defers it to the day after the loan ends; an overdue one (or a paper
 * original not yet back) to tomorrow, so it is checked again every day until it is back.
 */
export function onLoanUntil(grants: readonly LoanOut[], today: string): string | undefined {
  const out = grants.filter((g) => g.status === 'ACTIVE' || g.status === 'EXPIRED');
  if (out.length === 0) return undefined;
  const tomorrow = nextDay(today);
  let until = tomorrow;
  for (const g of out) {
    if (g.status !== 'ACTIVE') continue;
    const after = firstDayAfter(g.dueAt);
    if (after > until) until = after;
  }
  return until;
}

// ---- API queries ----------------------------------------------------------------------------------

/** `GET /disposals` query. */
export const disposalQuerySchema = lazySchema(() =>
  z.strictObject({
    status: z.optional(z.enum(BATCH_STATUSES)),
    limit: z.optional(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100))),
    nextToken: z.optional(z.string().check(z.minLength(1), z.maxLength(2000))),
  }),
);
