import * as z from 'zod/mini';
import type { ActiveLoanGrant, DocumentRecord, ShelfLocation } from './documents.ts';
import { Conflict, DomainError, Forbidden } from './errors.ts';
import { lazySchema } from './lazy-schema.ts';
import { type Actor, hasAnyRole, type Role } from './roles.ts';
import { documentType, type Scheme } from './scheme.ts';

/**
 * Loans (借阅): the time-limited right of one person to see named archived documents, for a
 * stated purpose, after approval. Lifecycle:
 *   PENDING_APPROVAL → ACTIVE (granted; until `dueAt`) → RETURNED (given back early) or EXPIRED
 *   (ran out); or PENDING_APPROVAL → REJECTED (an approver said no, nobody answered in time, or
 *   a document stopped being borrowable while the request waited).
 *
 * Approval is one task for an approver, and a second one for an archivist when any document
 * is of a type the scheme marks sensitive. The borrower never decides their own request, and
 * the second level is never decided by whoever decided the first.
 *
 * Paper originals (document types with `paper: true`) are lent too: the loan names where each
 * is shelved, and only the archivist records that they came back. Digital access always ends
 * at `dueAt`; a paper original not yet back stays out (the loan is then overdue) until the
 * archivist records its return.
 *
 * Overdue, as `GET /loans?status=overdue` lists it: a loan that is not returned and whose due
 * time has passed while something is still out, i.e. ACTIVE past due (the workflow has not
 * expired it yet, which should only last moments), or EXPIRED with paper originals not yet back.
 * A digital-only loan that expired is finished, not overdue: there is nothing to bring back.
 */

export const LOAN_STATUSES = ['PENDING_APPROVAL', 'ACTIVE', 'RETURNED', 'EXPIRED', 'REJECTED'] as const;
export type LoanStatus = (typeof LOAN_STATUSES)[number];

/** A document as the loan keeps it: enough to show, route and return it without reading it again. */
export interface LoanDocument {
  documentId: string;
  docType: string;
  archiveCode?: string;
  sensitive: boolean;
  paper: boolean;
  /** Paper originals: where to fetch it, and where it goes back. */
  location?: ShelfLocation;
}

export interface LoanRejection {
  reason: string;
  decidedBy: string;
  at: string;
}

export interface Loan {
  loanId: string;
  schemeId: string;
  borrowerSub: string;
  borrowerName: string;
  purpose: string;
  days: number;
  documentIds: string[];
  documents: LoanDocument[];
  /** Some document is sensitive: two approval levels. */
  sensitive: boolean;
  /** Some document is a paper original: the archivist records the return. */
  paper: boolean;
  status: LoanStatus;
  createdAt: string;
  updatedAt: string;
  /** The borrow-approval execution of this loan (its name is the loan id). */
  executionArn: string;
  /**
   * The regions of the documents' customers when the loan was asked for: who is limited to
   * regions reads, approves and records the return of the loan only when they serve every one.
   */
  regions?: string[];
  approvedBy?: string[];
  grantedAt?: string;
  dueAt?: string;
  returnedAt?: string;
  returnedBy?: string;
  expiredAt?: string;
  rejection?: LoanRejection;
}

/** One item per document of an active loan; what `GET /documents/{id}/content` looks up. */
export interface LoanGrant {
  loanId: string;
  documentId: string;
  borrowerSub: string;
  purpose: string;
  dueAt: string;
  /** ACTIVE while the loan is; EXPIRED stays only for a paper original not yet back. */
  status: 'ACTIVE' | 'EXPIRED';
  paper: boolean;
}

export const MAX_DOCUMENTS_PER_LOAN = 50;

/**
 * The longest a borrower's content URL lives. A presigned URL cannot be revoked, so this bounds
 * how long a returned (or revoked) loan's URLs keep working; the console asks for a new one each
 * time a document is opened, so a short life costs the borrower nothing.
 */
export const BORROWED_URL_SECONDS = 60;

/**
 * Seconds a content URL may live: the scheme's lifetime for staff who read without a loan; for a
 * borrower also no longer than the loan has left, and never more than BORROWED_URL_SECONDS.
 */
export function contentUrlSeconds(lifetime: number, loan: { dueAt: string } | undefined, now: Date): number {
  if (!loan) return lifetime;
  const untilDue = Math.floor((Date.parse(loan.dueAt) - now.getTime()) / 1000);
  return Math.max(1, Math.min(lifetime, untilDue, BORROWED_URL_SECONDS));
}

// ---- Requesting --------------------------------------------------------------------------------

/** `POST /loans` body; the longest loan comes from the scheme. */
export function createLoanSchema(scheme: Scheme) {
  const max = scheme.limits.maxLoanDays;
  return z.strictObject({
    documentIds: z
      .array(z.string().check(z.trim(), z.minLength(1, 'a document id is empty'), z.maxLength(100)), {
        error: 'documentIds is required: the ids of the documents to borrow',
      })
      .check(
        z.minLength(1, 'documentIds is empty: name at least one document'),
        z.maxLength(MAX_DOCUMENTS_PER_LOAN, `at most ${MAX_DOCUMENTS_PER_LOAN} documents per loan`),
        z.superRefine((ids, ctx) => {
          const seen = new Set<string>();
          ids.forEach((id, i) => {
            if (seen.has(id)) ctx.addIssue({ code: 'custom', path: [i], message: `${id} is named twice` });
            seen.add(id);
          });
        }),
      ),
    purpose: z
      .string({ error: 'purpose is required: say why you need the documents' })
      .check(
        z.trim(),
        z.minLength(1, 'purpose is required: say why you need the documents'),
        z.maxLength(500),
      ),
    days: z
      .number({ error: 'days is required: a whole number of days' })
      .check(
        z.int('days must be a whole number'),
        z.minimum(1, 'days must be at least 1'),
        z.maximum(max, `days must be at most ${max} (the scheme's maxLoanDays)`),
      ),
  });
}

export type CreateLoanInput = z.infer<ReturnType<typeof createLoanSchema>>;

/**
 * Checks the requested documents: each must exist (404 naming the missing ones) and be ARCHIVED
 * (409 naming each that is not, e.g. DISPOSED or still in intake). Returns them in request order.
 */
export function assertBorrowable(ids: readonly string[], found: readonly DocumentRecord[]): DocumentRecord[] {
  const byId = new Map(found.map((d) => [d.documentId, d]));
  const missing = ids.filter((id) => !byId.has(id));
  if (missing.length > 0) {
    throw new DomainError(
      404,
      'NotFound',
      `document${missing.length === 1 ? '' : 's'} ${missing.join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist`,
      { missing },
    );
  }
  const docs = ids.map((id) => byId.get(id) as DocumentRecord);
  const unavailable = docs.filter((d) => d.status !== 'ARCHIVED');
  if (unavailable.length > 0) {
    throw new Conflict(
      `only archived documents can be borrowed: ${unavailable.map((d) => `${d.documentId} is ${d.status}`).join(', ')}`,
      { unavailable: unavailable.map((d) => ({ documentId: d.documentId, status: d.status })) },
    );
  }
  return docs;
}

export function loanDocument(scheme: Scheme, doc: DocumentRecord): LoanDocument {
  const type = documentType(scheme, doc.docType);
  const paper = type?.paper ?? false;
  return {
    documentId: doc.documentId,
    docType: doc.docType,
    ...(doc.archiveCode === undefined ? {} : { archiveCode: doc.archiveCode }),
    // A type the scheme does not know is treated as sensitive.
    sensitive: type?.sensitive ?? true,
    paper,
    ...(paper && doc.location ? { location: doc.location } : {}),
  };
}

export function newLoan(args: {
  scheme: Scheme;
  input: CreateLoanInput;
  actor: Actor;
  documents: readonly DocumentRecord[];
  loanId: string;
  executionArn: string;
  /** The region of each document's customer, by customer id. */
  customerRegions: ReadonlyMap<string, string>;
  now: Date;
}): Loan {
  const at = args.now.toISOString();
  const documents = args.documents.map((d) => loanDocument(args.scheme, d));
  return {
    loanId: args.loanId,
    schemeId: args.scheme.id,
    borrowerSub: args.actor.sub,
    borrowerName: args.actor.username,
    purpose: args.input.purpose,
    days: args.input.days,
    documentIds: documents.map((d) => d.documentId),
    documents,
    sensitive: documents.some((d) => d.sensitive),
    paper: documents.some((d) => d.paper),
    status: 'PENDING_APPROVAL',
    createdAt: at,
    updatedAt: at,
    executionArn: args.executionArn,
    regions: [...new Set(args.documents.flatMap((d) => args.customerRegions.get(d.customerId) ?? []))].sort(),
  };
}

export interface BorrowWorkflowInput {
  loanId: string;
  approvalTimeoutSeconds: number;
}

export const borrowWorkflowInput = (loanId: string, scheme: Scheme): BorrowWorkflowInput => ({
  loanId,
  approvalTimeoutSeconds: scheme.limits.loanApprovalTimeoutHours * 3600,
});

// ---- Granting, expiring, returning ----------------------------------------------------------

/** Whole seconds (rounded up), without a fraction: the form a Wait state's TimestampPath takes everywhere. */
export function loanDueAt(grantedAt: Date, days: number): string {
  const ms = Math.ceil((grantedAt.getTime() + days * 86_400_000) / 1000) * 1000;
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

export function loanGrants(loan: Loan, dueAt: string): LoanGrant[] {
  return loan.documents.map((d) => ({
    loanId: loan.loanId,
    documentId: d.documentId,
    borrowerSub: loan.borrowerSub,
    purpose: loan.purpose,
    dueAt,
    status: 'ACTIVE',
    paper: d.paper,
  }));
}

/** Paper originals handed out and not yet recorded as back. */
export const paperOut = (loan: Pick<Loan, 'paper' | 'status' | 'returnedAt'>): boolean =>
  loan.paper && (loan.status === 'ACTIVE' || loan.status === 'EXPIRED') && loan.returnedAt === undefined;

/** See the module comment for what overdue means. */
export function isOverdue(loan: Pick<Loan, 'paper' | 'status' | 'returnedAt' | 'dueAt'>, now: Date): boolean {
  if (loan.dueAt === undefined || loan.returnedAt !== undefined) return false;
  if (Date.parse(loan.dueAt) > now.getTime()) return false;
  return loan.status === 'ACTIVE' || (loan.status === 'EXPIRED' && loan.paper);
}

/**
 * Who may return a loan, and when. The borrower returns their own digital loan while it is
 * ACTIVE. A loan with paper originals is returned by the archivist, who takes the originals
 * back (also after the loan expired, which ends it being overdue). The archivist may also end
 * anyone's loan early. Everything else is a 403 or, for a loan with nothing to return, a 409.
 */
export function assertReturnable(actor: Actor, loan: Loan): void {
  const archivist = hasAnyRole(actor, ['archivist']);
  if (loan.borrowerSub !== actor.sub && !archivist) {
    throw new Forbidden(`loan ${loan.loanId} belongs to another borrower`);
  }
  if (loan.returnedAt !== undefined) {
    throw new Conflict(`loan ${loan.loanId} was already returned at ${loan.returnedAt}`);
  }
  if (loan.status === 'PENDING_APPROVAL' || loan.status === 'REJECTED') {
    throw new Conflict(`loan ${loan.loanId} is ${loan.status}; only an active loan can be returned`);
  }
  if (loan.status === 'EXPIRED' && !loan.paper) {
    throw new Conflict(
      `loan ${loan.loanId} expired at ${loan.expiredAt ?? loan.dueAt}; there is nothing to return`,
    );
  }
  if (loan.paper && !archivist) {
    throw new Forbidden(
      `loan ${loan.loanId} includes paper originals; the archivist records their return when they are handed back`,
    );
  }
}

// ---- Reading -----------------------------------------------------------------------------------

/** Roles that may see any loan: approvers and archivists decide them, auditors audit them. */
const READ_ANY_LOAN: readonly Role[] = ['approver', 'archivist', 'auditor'];

export function canViewLoan(actor: Actor, loan: Pick<Loan, 'borrowerSub'>): boolean {
  return loan.borrowerSub === actor.sub || hasAnyRole(actor, READ_ANY_LOAN);
}

export function loanView(loan: Loan, now: Date) {
  return {
    loanId: loan.loanId,
    status: loan.status,
    borrower: loan.borrowerName,
    purpose: loan.purpose,
    days: loan.days,
    documents: loan.documents,
    sensitive: loan.sensitive,
    paper: loan.paper,
    createdAt: loan.createdAt,
    ...(loan.approvedBy === undefined ? {} : { approvedBy: loan.approvedBy }),
    ...(loan.grantedAt === undefined ? {} : { grantedAt: loan.grantedAt }),
    ...(loan.dueAt === undefined ? {} : { dueAt: loan.dueAt }),
    ...(loan.returnedAt === undefined ? {} : { returnedAt: loan.returnedAt, returnedBy: loan.returnedBy }),
    ...(loan.expiredAt === undefined ? {} : { expiredAt: loan.expiredAt }),
    ...(loan.rejection === undefined ? {} : { rejection: loan.rejection }),
    paperOut: paperOut(loan),
    overdue: isOverdue(loan, now),
  };
}

/** `GET /loans` query: `mine` (any value, or none) or `status=overdue` (archivists). */
export const loanQuerySchema = lazySchema(() =>
  z
    .strictObject({
      mine: z.optional(z.string().check(z.maxLength(10))),
      status: z.optional(z.enum(['overdue', ...LOAN_STATUSES])),
      limit: z.optional(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(200))),
    })
    .check(
      z.refine((q) => q.mine !== undefined || q.status === 'overdue', {
        message: 'give mine (your loans, optionally with a status) or status=overdue',
        path: ['mine'],
      }),
    ),
);

export type LoanQuery = z.infer<typeof loanQuerySchema>;

// ---- Content ----------------------------------------------------------------------------------

/**
 * The grant that lets the caller read a document now: ACTIVE, theirs, and not yet due (the
 * workflow may expire the loan a moment after its due time; the time decides, not the status).
 */
export function activeGrant(
  grants: readonly LoanGrant[],
  actor: Pick<Actor, 'sub'>,
  now: Date,
): (ActiveLoanGrant & { purpose: string }) | undefined {
  const g = grants
    .filter(
      (x) => x.status === 'ACTIVE' && x.borrowerSub === actor.sub && Date.parse(x.dueAt) > now.getTime(),
    )
    .sort((a, b) => b.dueAt.localeCompare(a.dueAt))[0];
  if (!g) return undefined;
  return {
    loanId: g.loanId,
    borrowerSub: g.borrowerSub,
    documentIds: [g.documentId],
    status: g.status,
    dueAt: g.dueAt,
    purpose: g.purpose,
  };
}

// ---- Approval tasks ------------------------------------------------------------------------

export type LoanApprovalLevel = 'first' | 'second';

/** One task per loan, level and round (the reminder is a second round): a retried step finds it. */
export const loanTaskId = (loanId: string, level: LoanApprovalLevel, reminder: boolean): string =>
  `loan-${loanId}-${level}${reminder ? '-reminder' : ''}`;

/** Every task a loan can have. */
export const loanTaskIds = (loanId: string): string[] =>
  (['first', 'second'] as const).flatMap((level) => [
    loanTaskId(loanId, level, false),
    loanTaskId(loanId, level, true),
  ]);

/** Approvers answer the first level; archivists, who keep the files, the second (sensitive) one. */
export const loanApprovalRole = (level: LoanApprovalLevel): Role =>
  level === 'first' ? 'approver' : 'archivist';

export function loanApprovalSummary(loan: Loan, level: LoanApprovalLevel, reminder: boolean) {
  const n = loan.documents.length;
  const what = `${n} document${n === 1 ? '' : 's'} for ${loan.days} day${loan.days === 1 ? '' : 's'}`;
  const tags = [
    level === 'second' ? 'sensitive, second approval' : undefined,
    loan.paper ? 'paper originals' : undefined,
    reminder ? 'reminder' : undefined,
  ].filter(Boolean);
  return {
    text: `${loan.borrowerName} asks to borrow ${what}: ${loan.purpose}${tags.length ? ` (${tags.join(', ')})` : ''}`,
    borrower: loan.borrowerName,
    purpose: loan.purpose,
    days: loan.days,
    documents: loan.documents.map((d) => ({
      documentId: d.documentId,
      docType: d.docType,
      ...(d.archiveCode === undefined ? {} : { archiveCode: d.archiveCode }),
      sensitive: d.sensitive,
      paper: d.paper,
    })),
    level,
    reminder,
  };
}
