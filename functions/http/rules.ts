import { NEVER_CONTENT, type ROUTE_RULES, type RuledRoute, type RuleName } from '../access.ts';
import { regionsOfCustomers } from '../adapters/customer-regions.ts';
import { getCustomer } from '../adapters/customers-repo.ts';
import { getBatch } from '../adapters/disposal-batches-repo.ts';
import { getArchiveCodeOwner, getDocument, getDocuments } from '../adapters/documents-repo.ts';
import { schemeId } from '../adapters/env.ts';
import { getHandover } from '../adapters/handovers-repo.ts';
import { getImportBatch } from '../adapters/import-batches-repo.ts';
import { getLoan, queryGrants } from '../adapters/loans-repo.ts';
import { getSubmission } from '../adapters/submissions-repo.ts';
import { getTask } from '../adapters/tasks-repo.ts';
import { now } from '../core/clock.ts';
import type { Customer } from '../core/customers.ts';
import type { DisposalBatch } from '../core/disposal.ts';
import { canReadContent, type DocumentRecord } from '../core/documents.ts';
import { BadRequest, Forbidden, NotFound, OutOfRegion } from '../core/errors.ts';
import type { Handover } from '../core/handovers.ts';
import type { ImportBatch } from '../core/imports.ts';
import {
  activeGrant,
  type CreateLoanInput,
  canViewLoan,
  createLoanSchema,
  type Loan,
} from '../core/loans.ts';
import { mayAccessRegion, mayAccessRegions, visibleRegions } from '../core/regions.ts';
import { checkPathIds, keyText, requestId } from '../core/request-ids.ts';
import { type Actor, hasAnyRole } from '../core/roles.ts';
import { getScheme } from '../core/scheme.ts';
import { documentOfSubmission, type ScanReaderBasis, scanReaderBasis } from '../core/submission-scans.ts';
import { canViewSubmission, type Submission } from '../core/submissions.ts';
import { assertMayDecide, type TaskRecord } from '../core/tasks.ts';

/**
 * The record rules of functions/access.ts, as checks the handler chain runs before a handler.
 * Each reads the record the request names and refuses with 403, or with 404 where telling that
 * the record exists would already say too much. A rule that has nothing to check (a caller who
 * serves every region) reads nothing.
 *
 * A rule hands the records it read to the handler (`records`, typed per route by
 * `RouteRecords`), so the handler neither reads them again nor checks again what the rule
 * decided: one authorisation pass, and every record read once per request. Every read here is
 * strongly consistent (the repositories' GetItem and BatchGetItem), so a handler acting on a
 * rule's record sees what a read of its own would have seen; writes that must not act on a
 * record changed since stay conditional on its state (a task is decided only while OPEN).
 */

export interface RuleRequest {
  actor: Actor;
  path: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
}

/** The document a document route names, read once per request and shared by its rules and handler. */
export type RouteDocument = () => Promise<DocumentRecord>;

/** The loan a borrower may read content under, with the time the rule decided at. */
export type ContentGrant = ReturnType<typeof activeGrant>;

type NoRecords = Record<never, never>;
type DocumentPath = `${string}{documentId}${string}`;

/** What each rule hands the handler of route `Route`. */
export interface RuleRecords<Route extends string = string> {
  'own-submission': { submission: Submission };
  /**
   * On a document route, the document (read by the rule when the caller is limited to regions,
   * otherwise on the handler's first call); elsewhere nothing the handler needs.
   */
  'customer-region': Route extends DocumentPath ? { document: RouteDocument } : NoRecords;
  /** The document, and the active loan of the caller naming it (none for archivists). */
  'content-reader': { document: RouteDocument; grant: ContentGrant; decidedAt: Date };
  'task-decider': { task: TaskRecord };
  'other-account': NoRecords;
  'every-region': NoRecords;
  /** The submission, its review task if any, why the caller may see its scans, and the scan. */
  'scan-reader': {
    submission: Submission;
    reviewTask: TaskRecord | undefined;
    scanBasis: ScanReaderBasis;
    document: RouteDocument;
  };
  'own-loan': { loan: Loan };
  /**
   * The parsed request, the named documents the caller may borrow (in the order read), and the
   * region of each of their customers.
   */
  'loan-region': {
    loanRequest: CreateLoanInput;
    documents: DocumentRecord[];
    customerRegions: ReadonlyMap<string, string>;
  };
  'batch-region': { batch: DisposalBatch };
  'import-region': { importBatch: ImportBatch };
  'own-handover': { handover: Handover };
}

type Merge<Rules extends readonly RuleName[], Route extends string> = Rules extends readonly [
  infer First extends RuleName,
  ...infer Rest extends readonly RuleName[],
]
  ? RuleRecords<Route>[First] & Merge<Rest, Route>
  : NoRecords;

type Flat<T> = { [K in keyof T]: T[K] };

/** The records the rules of `Route` hand its handler: what each of its rules read. */
export type RouteRecords<Route extends RuledRoute> = Flat<Merge<(typeof ROUTE_RULES)[Route], Route>>;

/**
 * The records a request's rules read, each at most once per request (rules of one route share
 * them: the document both the region and the content rule look at is read once).
 */
class RecordReads {
  private readonly reads = new Map<string, Promise<unknown>>();

  private once<T>(key: string, read: () => Promise<T>): Promise<T> {
    let p = this.reads.get(key) as Promise<T> | undefined;
    if (!p) {
      p = read();
      this.reads.set(key, p);
    }
    return p;
  }

  document = (id: string) => this.once(`document#${id}`, () => getDocument(id));
  customer = (id: string) => this.once(`customer#${id}`, () => getCustomer(id));
  submission = (id: string) => this.once(`submission#${id}`, () => getSubmission(id));
  task = (id: string) => this.once(`task#${id}`, () => getTask(id));
  loan = (id: string) => this.once(`loan#${id}`, () => getLoan(id));
  batch = (id: string) => this.once(`batch#${id}`, () => getBatch(id));

  /** The document of `path.documentId`; an unknown one is a 404. */
  routeDocument = (id: string): RouteDocument => {
    return async () => {
      const doc = await this.document(id);
      if (!doc) throw new NotFound('document', id);
      return doc;
    };
  };
}

type Check<R extends RuleName> = (
  req: RuleRequest,
  reads: RecordReads,
) => Promise<RuleRecords<DocumentPath>[R] | RuleRecords[R]>;

const NO_CUSTOMER = '';
/** The longest archive code `GET /documents?archiveCode=` takes (documentQuerySchema). */
const MAX_ARCHIVE_CODE_QUERY = 100;

/** The customer a request is about: in the path, the query or the body, or the document's. */
async function customerIdOf(req: RuleRequest, reads: RecordReads): Promise<string | undefined> {
  // Path parameters are ids already (enforceRules); what the query or body names is checked here,
  // before it is read by key.
  if (req.path.customerId) return req.path.customerId;
  if (req.path.documentId) return (await reads.routeDocument(req.path.documentId)()).customerId;
  if (req.query.customerId) return requestId('customerId', req.query.customerId);
  if (req.query.archiveCode) {
    const code = keyText('archiveCode', req.query.archiveCode, MAX_ARCHIVE_CODE_QUERY);
    const documentId = await getArchiveCodeOwner(code);
    const doc = documentId === undefined ? undefined : await reads.document(documentId);
    return doc?.customerId ?? NO_CUSTOMER;
  }
  const body = req.body as { customerId?: unknown } | undefined;
  if (typeof body?.customerId === 'string') return requestId('customerId', body.customerId);
  return undefined;
}

const customerRegion: Check<'customer-region'> = async (req, reads) => {
  const records = req.path.documentId ? { document: reads.routeDocument(req.path.documentId) } : {};
  if (visibleRegions(req.actor) === 'ALL') return records;
  const customerId = await customerIdOf(req, reads);
  if (customerId === NO_CUSTOMER) return records; // an unknown archive code: the search finds nothing
  if (customerId === undefined) {
    throw new BadRequest('name the customer: customerId is required for a caller limited to regions');
  }
  const customer: Customer | undefined = await reads.customer(customerId);
  // Out-of-region customers answer as absent, so the answer does not tell they exist.
  if (!customer || !mayAccessRegion(req.actor, customer.region)) {
    const What = customer ? OutOfRegion : NotFound;
    throw new What(req.path.documentId ? 'document' : 'customer', req.path.documentId ?? customerId);
  }
  return records;
};

const ownSubmission: Check<'own-submission'> = async (req, reads) => {
  const id = req.path.submissionId ?? '';
  const submission = await reads.submission(id);
  if (!submission) throw new NotFound('submission', id);
  if (!canViewSubmission(req.actor, submission)) {
    throw new Forbidden(`submission ${id} belongs to another clerk`);
  }
  // Its customer as it is now: a submission follows its customer to another region.
  if (visibleRegions(req.actor) !== 'ALL') {
    const customer = await reads.customer(submission.customerId);
    if (!customer || !mayAccessRegion(req.actor, customer.region)) throw new OutOfRegion('submission', id);
  }
  return { submission };
};

/**
 * Runs after `customer-region` on its route, so a caller limited to regions learns nothing of a
 * document outside them (404) before being told it is not on a loan of theirs (403).
 */
const contentReader: Check<'content-reader'> = async (req, reads) => {
  const { actor } = req;
  const never = actor.roles.filter((r) => NEVER_CONTENT.includes(r));
  if (never.length > 0 || actor.roles.length === 0) {
    throw new Forbidden(`role ${never.join(',') || '(none)'} reads no content (三员分立)`);
  }
  const id = req.path.documentId ?? '';
  const document = reads.routeDocument(id);
  const doc = await document();
  const decidedAt = now();
  // The caller's grants for the document: one strongly consistent Query, so a loan returned or
  // expired a moment ago no longer opens the content.
  const grant =
    hasAnyRole(actor, ['archivist']) || actor.roles.includes('sysadmin')
      ? undefined
      : activeGrant(await queryGrants(id, actor.sub), actor, decidedAt);
  if (!canReadContent(actor, doc, grant, decidedAt)) {
    throw new Forbidden(
      `you may not read the content of document ${id}: it is not on an active loan of yours`,
    );
  }
  return { document, grant, decidedAt };
};

const taskDecider: Check<'task-decider'> = async (req, reads) => {
  const id = req.path.taskId ?? '';
  const task = await reads.task(id);
  if (!task) throw new NotFound('task', id);
  if (!mayAccessRegions(req.actor, task.regions)) throw new OutOfRegion('task', id);
  assertMayDecide(req.actor, task);
  return { task };
};

/** The scan must be a document of the submission whose scans the caller may see. */
const scanReader: Check<'scan-reader'> = async (req, reads) => {
  const submissionId = req.path.submissionId ?? '';
  const documentId = req.path.documentId ?? '';
  const submission = await reads.submission(submissionId);
  if (!submission) throw new NotFound('submission', submissionId);
  const reviewTask = submission.reviewTaskId ? await reads.task(submission.reviewTaskId) : undefined;
  const scanBasis = scanReaderBasis(req.actor, submission, reviewTask);
  documentOfSubmission(submissionId, documentId, await reads.document(documentId));
  return { submission, reviewTask, scanBasis, document: reads.routeDocument(documentId) };
};

const ownLoan: Check<'own-loan'> = async (req, reads) => {
  const id = req.path.loanId ?? '';
  const loan = await reads.loan(id);
  if (!loan) throw new NotFound('loan', id);
  if (!canViewLoan(req.actor, loan)) throw new Forbidden(`loan ${id} belongs to another borrower`);
  // The borrower keeps their own loan whatever their regions; others must serve all of its regions.
  if (loan.borrowerSub !== req.actor.sub && !mayAccessRegions(req.actor, loan.regions)) {
    throw new OutOfRegion('loan', id);
  }
  return { loan };
};

/** A disposal batch lies in one region (the sweep splits them by region); outside it, it is absent. */
const batchRegion: Check<'batch-region'> = async (req, reads) => {
  const id = req.path.batchId ?? ''; // a batch id already (checkPathIds)
  const batch = await reads.batch(id);
  if (!batch) throw new NotFound('disposal batch', id);
  if (!mayAccessRegions(req.actor, batch.region === undefined ? undefined : [batch.region])) {
    throw new OutOfRegion('disposal batch', id);
  }
  return { batch };
};

const importRegion: Check<'import-region'> = async (req) => {
  const id = req.path.importId ?? ''; // an id already (checkPathIds)
  const importBatch = await getImportBatch(id);
  if (!importBatch) throw new NotFound('import batch', id);
  if (!mayAccessRegions(req.actor, importBatch.regions)) throw new OutOfRegion('import batch', id);
  return { importBatch };
};

/**
 * The documents of customers in the caller's regions; a caller limited to regions does not learn
 * that others exist (they are left out, and answer as unknown documents, as the content route
 * does). The request is parsed first, so a bad one is a 400 before anything is read. One
 * BatchGetItem of the documents and one of their customers' regions, which the loan keeps.
 */
const loanRegion: Check<'loan-region'> = async (req) => {
  const parsed = createLoanSchema(getScheme(schemeId())).safeParse(req.body);
  if (!parsed.success) throw parsed.error;
  const loanRequest = parsed.data;
  const found = await getDocuments(loanRequest.documentIds);
  const customerRegions = await regionsOfCustomers(found.map((d) => d.customerId));
  const visible = (d: DocumentRecord) => {
    const region = customerRegions.get(d.customerId);
    return region !== undefined && mayAccessRegion(req.actor, region);
  };
  return { loanRequest, documents: found.filter(visible), customerRegions };
};

const everyRegion: Check<'every-region'> = async (req) => {
  if (visibleRegions(req.actor) !== 'ALL') {
    throw new Forbidden(
      'this covers every region; an account limited to regions may not see it (ask for an account without region limits)',
      'every-region',
    );
  }
  return {};
};

const otherAccount: Check<'other-account'> = async (req) => {
  if (req.path.userId === req.actor.sub) {
    throw new Forbidden('a security administrator may not change their own account');
  }
  return {};
};

const ownHandover: Check<'own-handover'> = async (req) => {
  const id = req.path.handoverId ?? ''; // an id already (checkPathIds)
  const handover = await getHandover(id);
  if (!handover || handover.requestedBy.sub !== req.actor.sub) throw new NotFound('handover', id);
  return { handover };
};

export const RULE_CHECKS: { [R in RuleName]: Check<R> } = {
  'own-submission': ownSubmission,
  'customer-region': customerRegion,
  'content-reader': contentReader,
  'task-decider': taskDecider,
  'other-account': otherAccount,
  'every-region': everyRegion,
  'scan-reader': scanReader,
  'own-loan': ownLoan,
  'loan-region': loanRegion,
  'batch-region': batchRegion,
  'import-region': importRegion,
  'own-handover': ownHandover,
};

/**
 * Checks that every path parameter is an id (core/request-ids.ts: a 400 naming the parameter,
 * before anything is read), then runs `rules` in order and gathers what they read: the records
 * of the route, which the chain hands its handler as `RouteRecords` of the route. The chain calls
 * this for every route with roles, with or without rules, so no handler sees a path parameter
 * that could not be part of a key.
 */
export async function enforceRules(
  rules: readonly RuleName[],
  req: RuleRequest,
): Promise<Readonly<Record<string, unknown>>> {
  checkPathIds(req.path);
  const reads = new RecordReads();
  const records: Record<string, unknown> = {};
  for (const rule of rules) {
    const check = RULE_CHECKS[rule] as Check<RuleName>;
    Object.assign(records, await check(req, reads));
  }
  return records;
}
