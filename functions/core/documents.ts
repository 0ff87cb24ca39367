import * as z from 'zod/mini';
import { type ArchiveCodeParts, formatArchiveCode, sequenceKey } from './archive-code.ts';
import { now } from './clock.ts';
import { Conflict } from './errors.ts';
import type { Problem, ProblemCode, ProblemParams } from './intake-checks.ts';
import { lazySchema } from './lazy-schema.ts';
import { type Actor, hasAnyRole } from './roles.ts';
import type { RetentionCode, RetentionTrigger, Scheme } from './scheme.ts';
import { businessEvent, documentType } from './scheme.ts';

/**
 * Documents (件): one scanned original and its metadata, the unit that is numbered, kept and
 * disposed of. Lifecycle: PENDING_UPLOAD → UPLOADED → ARCHIVED → DISPOSED.
 */

export const DOCUMENT_STATUSES = ['PENDING_UPLOAD', 'UPLOADED', 'ARCHIVED', 'DISPOSED'] as const;
export type DocumentStatus = (typeof DOCUMENT_STATUSES)[number];

/** The four checks of DA/T 70 as they apply at intake. */
export const CHECK_NAMES = ['authenticity', 'integrity', 'usability', 'safety'] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

export interface CheckResult {
  passed: boolean;
  /** Why it failed, in English; empty when it passed. */
  messages: string[];
  /** Why it failed as stable codes with their values, for a reader's own language. */
  findings: { code: ProblemCode; params?: ProblemParams }[];
}

export type DocumentChecks = Record<CheckName, CheckResult>;

/**
 * A document's four checks as its submission's validation found them: every failed check is a
 * problem naming the document and the check, so the problems are the whole result.
 */
export function documentChecks(problems: readonly Problem[], documentId: string): DocumentChecks {
  const of = (name: CheckName): CheckResult => {
    const found = problems.filter((p) => p.documentId === documentId && p.check === name);
    return {
      passed: found.length === 0,
      messages: found.map((p) => p.message),
      // Problems stored before codes existed have none; their English message stays the account.
      findings: found.flatMap((p) =>
        p.code === undefined ? [] : [{ code: p.code, ...(p.params ? { params: p.params } : {}) }],
      ),
    };
  };
  return {
    authenticity: of('authenticity'),
    integrity: of('integrity'),
    usability: of('usability'),
    safety: of('safety'),
  };
}

/**
 * Where a paper original (a document type with `paper: true` in the scheme) is shelved: room
 * (库房), cabinet (柜) and box (盒). A loan of the document names it, and the archivist puts the
 * original back there when it is returned.
 */
export const shelfLocationSchema = lazySchema(() =>
  z.strictObject({
    room: z.string().check(z.trim(), z.minLength(1), z.maxLength(40)),
    cabinet: z.string().check(z.trim(), z.minLength(1), z.maxLength(40)),
    box: z.string().check(z.trim(), z.minLength(1), z.maxLength(40)),
  }),
);

export type ShelfLocation = z.infer<typeof shelfLocationSchema>;

export interface DocumentRecord {
  documentId: string;
  submissionId: string;
  customerId: string;
  schemeId: string;
  businessEvent: string;
  docType: string;
  title: string;
  fileName: string;
  /** Declared by the clerk. */
  contentType: string;
  /** Declared size in bytes. */
  size: number;
  /** Declared SHA-256, lower-case hex. */
  sha256: string;
  status: DocumentStatus;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  /** Paper originals only: where the original is shelved. */
  location?: ShelfLocation;
  /**
   * Migrated documents (core/imports.ts): the day the document was made (形成日期), whose year its
   * new code carries and from which its retention counts, and the code it already carried.
   */
  documentDate?: string;
  legacyCode?: string;
  /**
   * The upload URL in force: each URL issued signs a new id into the object's metadata, and only
   * an upload carrying this one is recorded (a PUT through an older URL is inert).
   */
  uploadId?: string;
  // Set when storage reports the upload.
  /**
   * The intake object version that was recorded: the checks, the preview, the review and the
   * archive copy are all of this version, whatever the key holds later.
   */
  receivedVersionId?: string;
  /** S3's sequencer of the recorded upload (left-padded), so an older event never replaces a newer one. */
  uploadSequencer?: string;
  receivedSize?: number;
  /** SHA-256 storage computed, lower-case hex. */
  receivedSha256?: string;
  sniffedType?: string;
  uploadedAt?: string;
  /** Written by earlier versions; the checks are now kept on the submission (`documentChecks`). */
  checks?: DocumentChecks;
  checkedAt?: string;
  // Set by archiving.
  archiveCode?: string;
  /**
   * Written by earlier versions, which gave the code before archiving; now the code is given as
   * the document is archived, so `archivedAt` is that date (readers take this one when present).
   */
  codeAssignedAt?: string;
  /** When the document was archived and its code given: the date the code year and retention clock use. */
  archivedAt?: string;
  retentionCode?: RetentionCode;
  retentionTrigger?: RetentionTrigger;
  retainUntil?: string;
  legalHold?: boolean;
  /** The locked original's version; its key is always `archiveObjectKey(documentId)`. */
  archiveVersionId?: string;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

export const isSha256Hex = (value: string): boolean => SHA256_HEX.test(value);

/** S3 speaks base64 checksums (`x-amz-checksum-sha256`); Dangan records hex. */
export function sha256HexToBase64(hex: string): string {
  if (!isSha256Hex(hex.toLowerCase())) throw new Error('not a SHA-256 hex digest');
  return Buffer.from(hex, 'hex').toString('base64');
}

export function sha256Base64ToHex(b64: string): string | undefined {
  const bytes = Buffer.from(b64, 'base64');
  return bytes.length === 32 ? bytes.toString('hex') : undefined;
}

/** Key of an original in the archive bucket (versioned, Object Lock). */
export const archiveObjectKey = (documentId: string): string => `originals/${documentId}`;

/**
 * The locked original of an archived document: its version as recorded, its key from its id (not
 * stored: items written by earlier versions carry an `archiveKey` attribute, always this key).
 * Undefined before the document is archived.
 */
export function archivedOriginal(
  doc: Pick<DocumentRecord, 'documentId' | 'archiveVersionId'>,
): { key: string; versionId: string } | undefined {
  return doc.archiveVersionId === undefined
    ? undefined
    : { key: archiveObjectKey(doc.documentId), versionId: doc.archiveVersionId };
}

/** User metadata stored with the archived original; S3 metadata must be ASCII, so the code is URL-encoded. */
export function archiveObjectMetadata(doc: Pick<DocumentRecord, 'documentId' | 'sha256' | 'archiveCode'>) {
  if (!doc.archiveCode) throw new Error(`document ${doc.documentId} has no archive code`);
  return {
    'archive-code': encodeURIComponent(doc.archiveCode),
    sha256: doc.sha256,
    'document-id': doc.documentId,
  };
}

/** A loan as the content rule needs it; the loans module owns the full record. */
export interface ActiveLoanGrant {
  loanId: string;
  borrowerSub: string;
  documentIds: readonly string[];
  status: string;
  dueAt: string;
}

/**
 * Who may read a document's content. Archivists may; a borrower may while an approved loan
 * naming the document is active. The system administrator never reads content (三员分立),
 * whatever other group they are in.
 */
export function canReadContent(
  actor: Actor,
  doc: Pick<DocumentRecord, 'documentId'>,
  activeLoan?: ActiveLoanGrant,
  at: Date = now(),
): boolean {
  if (actor.roles.includes('sysadmin')) return false;
  if (hasAnyRole(actor, ['archivist'])) return true;
  if (!activeLoan) return false;
  return (
    activeLoan.status === 'ACTIVE' &&
    activeLoan.borrowerSub === actor.sub &&
    activeLoan.documentIds.includes(doc.documentId) &&
    Date.parse(activeLoan.dueAt) > at.getTime()
  );
}

/** Content exists to be read only once archived (and until disposed). */
export function assertContentAvailable(doc: Pick<DocumentRecord, 'documentId' | 'status'>): void {
  if (doc.status !== 'ARCHIVED') {
    throw new Conflict(`document ${doc.documentId} is ${doc.status}; only archived documents can be read`);
  }
}

function mask(text: string): string {
  const first = Array.from(text)[0] ?? '';
  return `${first}***`;
}

const ALL_PASSED: DocumentChecks = documentChecks([], '');

/**
 * The API's view of a document: no storage keys, no upload internals. Titles and file names of
 * sensitive document types (an ID copy often carries the holder's name) are masked unless the
 * caller may see sensitive data unmasked, created the document, or is shown its scan
 * (`showsScan`: the decider of its submission's open review task). `checks` are the document's
 * four checks from its submission's validation; an archived (or disposed) document passed all
 * four, or it would not have been archived.
 */
/** A document as stored, with its retention clock once one started (core/disposal.ts). */
type ViewedDocument = DocumentRecord & { clockStart?: string; dueOn?: string };

export function documentView(
  doc: ViewedDocument,
  scheme: Scheme,
  actor: Actor,
  checks?: DocumentChecks,
  options: { showsScan?: boolean } = {},
) {
  const shownChecks =
    checks ?? doc.checks ?? (doc.status === 'ARCHIVED' || doc.status === 'DISPOSED' ? ALL_PASSED : undefined);
  const type = documentType(scheme, doc.docType);
  const sensitive = type?.sensitive ?? true;
  const unmasked =
    !sensitive ||
    actor.sub === doc.createdBy ||
    // Whoever is shown the scan itself reads every name on it: masking its title hides nothing.
    options.showsScan === true ||
    actor.roles.some((r) => (scheme.unmaskedRoles as readonly string[]).includes(r));
  return {
    documentId: doc.documentId,
    submissionId: doc.submissionId,
    customerId: doc.customerId,
    businessEvent: doc.businessEvent,
    docType: doc.docType,
    docTypeName: type?.name,
    sensitive,
    title: unmasked ? doc.title : mask(doc.title),
    fileName: unmasked ? doc.fileName : mask(doc.fileName),
    masked: !unmasked,
    contentType: doc.contentType,
    size: doc.size,
    sha256: doc.sha256,
    status: doc.status,
    createdAt: doc.createdAt,
    ...(doc.location === undefined ? {} : { location: doc.location }),
    ...(doc.receivedSize === undefined ? {} : { receivedSize: doc.receivedSize }),
    ...(doc.sniffedType === undefined ? {} : { sniffedType: doc.sniffedType }),
    ...(doc.uploadedAt === undefined ? {} : { uploadedAt: doc.uploadedAt }),
    ...(shownChecks === undefined ? {} : { checks: shownChecks }),
    ...(doc.archiveCode === undefined ? {} : { archiveCode: doc.archiveCode }),
    ...(doc.archivedAt === undefined ? {} : { archivedAt: doc.archivedAt }),
    ...(doc.retentionCode === undefined ? {} : { retentionCode: doc.retentionCode }),
    ...(doc.retentionTrigger === undefined ? {} : { retentionTrigger: doc.retentionTrigger }),
    ...(doc.retainUntil === undefined ? {} : { retainUntil: doc.retainUntil }),
    // When the retention clock started and the day the record falls due for appraisal.
    ...(doc.clockStart === undefined ? {} : { clockStart: doc.clockStart }),
    ...(doc.dueOn === undefined ? {} : { dueOn: doc.dueOn }),
    ...(doc.legalHold === undefined ? {} : { legalHold: doc.legalHold }),
  };
}

export type DocumentView = ReturnType<typeof documentView>;

/** `GET /documents` query. */
export const documentQuerySchema = lazySchema(() =>
  z
    .strictObject({
      customerId: z.optional(z.string().check(z.minLength(1), z.maxLength(100))),
      archiveCode: z.optional(z.string().check(z.minLength(1), z.maxLength(100))),
      // The whole archive by archive year (and class), for callers serving every region.
      year: z.optional(z.coerce.number().check(z.int(), z.minimum(1900), z.maximum(2999))),
      classCode: z.optional(
        z
          .string()
          .check(z.regex(/^[A-Z0-9]{1,16}$/, 'must be a class code as it stands in archive codes, e.g. YK')),
      ),
      docType: z.optional(z.string().check(z.minLength(1), z.maxLength(12))),
      status: z.optional(z.enum(DOCUMENT_STATUSES)),
      limit: z.optional(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(500))),
      nextToken: z.optional(z.string().check(z.minLength(1), z.maxLength(2000))),
    })
    .check(
      z.refine((q) => q.customerId !== undefined || q.archiveCode !== undefined || q.year !== undefined, {
        message: 'give customerId, archiveCode or year',
        path: ['customerId'],
      }),
      z.refine((q) => q.classCode === undefined || q.year !== undefined, {
        message: 'classCode narrows a listing by year: give year too',
        path: ['classCode'],
      }),
    ),
);

export type DocumentQuery = z.infer<typeof documentQuerySchema>;

export function matchesQuery(doc: DocumentRecord, q: DocumentQuery): boolean {
  return (
    (q.customerId === undefined || doc.customerId === q.customerId) &&
    (q.archiveCode === undefined || doc.archiveCode === q.archiveCode) &&
    (q.docType === undefined || doc.docType === q.docType) &&
    (q.status === undefined || doc.status === q.status)
  );
}

// ---- Archive codes ---------------------------------------------------------------------------

/**
 * The sequences an archive year's codes can come from: the scheme's fonds and category, the
 * year, each retention period its document types use and each class code of its business events
 * (or the one asked for), in a fixed order. Every code of the year is `<sequence><number>` for a
 * number from 1 to the sequence's last, which is how the whole archive is listed by year without
 * an index of its own (legacy codes raise their sequence's last too).
 */
export function sequencesOfYear(
  scheme: Scheme,
  year: number,
  classCode?: string,
): { key: string; parts: Omit<ArchiveCodeParts, 'seq'> }[] {
  const retentions = [...new Set(scheme.documentTypes.map((t) => t.retention))].sort();
  const classes =
    classCode === undefined
      ? [...new Set(scheme.businessEvents.map((e) => e.classCode))].sort()
      : [classCode];
  return retentions.flatMap((retention) =>
    classes.map((c) => {
      const parts = { fonds: scheme.fonds, category: scheme.category, year, retention, classCode: c };
      return { key: sequenceKey(scheme.codeTemplate, parts), parts };
    }),
  );
}

/** Documents that draw their item numbers from one sequence. */
export interface CodeGroup {
  sequenceKey: string;
  parts: Omit<ArchiveCodeParts, 'seq'>;
  /** In submission order. */
  documentIds: string[];
}

/**
 * Groups documents by the sequence their codes come from: fonds, category, the archive year,
 * the retention of the document type and the class code of the business event.
 */
export function codeGroups(
  scheme: Scheme,
  eventCode: string,
  docs: readonly Pick<DocumentRecord, 'documentId' | 'docType' | 'documentDate'>[],
  archivedAt: Date,
): CodeGroup[] {
  const event = businessEvent(scheme, eventCode);
  if (!event) throw new Error(`business event ${eventCode} is not in scheme ${scheme.id}`);
  const groups = new Map<string, CodeGroup>();
  for (const doc of docs) {
    const type = documentType(scheme, doc.docType);
    if (!type) throw new Error(`document type ${doc.docType} is not in scheme ${scheme.id}`);
    const parts = {
      fonds: scheme.fonds,
      category: scheme.category,
      // A migrated document carries its own year (形成年度); others the year they are archived.
      year: doc.documentDate ? Number(doc.documentDate.slice(0, 4)) : archivedAt.getUTCFullYear(),
      retention: type.retention,
      classCode: event.classCode,
    };
    const key = sequenceKey(scheme.codeTemplate, parts);
    const group = groups.get(key) ?? { sequenceKey: key, parts, documentIds: [] };
    group.documentIds.push(doc.documentId);
    groups.set(key, group);
  }
  return [...groups.values()];
}

export interface CodeAssignment {
  documentId: string;
  archiveCode: string;
  sequenceKey: string;
  seq: number;
}

/** Numbers a group after the last number used, with no gaps. */
export function assignCodes(
  template: string,
  group: CodeGroup,
  lastUsed: number,
): { assignments: CodeAssignment[]; last: number } {
  const numbers = group.documentIds.map((_, i) => lastUsed + i + 1);
  return { assignments: numberCodes(template, group, numbers), last: lastUsed + numbers.length };
}

/**
 * Gives a group's documents the item numbers reserved for them, in order (numbers given back by
 * an archiving that failed come first, so the register has no gap). A number past the template's
 * width is written wider (core/archive-code.ts).
 */
export function numberCodes(
  template: string,
  group: CodeGroup,
  numbers: readonly number[],
): CodeAssignment[] {
  if (numbers.length !== group.documentIds.length) {
    throw new Error(
      `sequence ${group.sequenceKey}: ${numbers.length} numbers for ${group.documentIds.length} documents`,
    );
  }
  return group.documentIds.map((documentId, i) => {
    const seq = numbers[i] as number;
    return {
      documentId,
      seq,
      sequenceKey: group.sequenceKey,
      archiveCode: formatArchiveCode(template, { ...group.parts, seq }),
    };
  });
}

/**
 * Whether showing `view` to `actor` reveals a sensitive document's title and file name in clear
 * to someone other than the clerk who wrote them (an archivist, say): such a read is audited.
 */
export const revealsSensitiveNames = (
  doc: Pick<DocumentRecord, 'createdBy'>,
  view: { sensitive: boolean; masked: boolean },
  actor: Pick<Actor, 'sub'>,
): boolean => view.sensitive && !view.masked && actor.sub !== doc.createdBy;

/** The fields such a read shows in clear. */
export const SENSITIVE_NAME_FIELDS = ['title', 'fileName'] as const;
