import { NEVER_CONTENT, type RuleName } from '../access.ts';
import { getCustomer } from '../adapters/customers-repo.ts';
import { getArchiveCodeOwner, getDocument } from '../adapters/documents-repo.ts';
import { getSubmission } from '../adapters/submissions-repo.ts';
import { getTask } from '../adapters/tasks-repo.ts';
import { mayAccessRegion, visibleRegions } from '../core/customers.ts';
import { BadRequest, Forbidden, NotFound } from '../core/errors.ts';
import type { Actor } from '../core/roles.ts';
import { scanReaderBasis } from '../core/submission-scans.ts';
import { canViewSubmission } from '../core/submissions.ts';
import { assertMayDecide } from '../core/tasks.ts';

/**
 * The record rules of functions/access.ts, as checks the handler chain runs before a handler.
 * Each reads the record the request names (one GetItem) and refuses with 403, or with 404 where
 * telling that the record exists would already say too much. A rule that has nothing to check
 * (a caller who serves every region) reads nothing.
 */

export interface RuleRequest {
  actor: Actor;
  path: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
}

type Check = (req: RuleRequest) => Promise<void>;

const NO_CUSTOMER = '';

/** The customer a request is about: in the path, the query or the body, or the document's. */
async function customerIdOf(req: RuleRequest): Promise<string | undefined> {
  if (req.path.customerId) return req.path.customerId;
  if (req.path.documentId) {
    const doc = await getDocument(req.path.documentId);
    if (!doc) throw new NotFound('document', req.path.documentId);
    return doc.customerId;
  }
  if (req.query.customerId) return req.query.customerId;
  if (req.query.archiveCode) {
    const documentId = await getArchiveCodeOwner(req.query.archiveCode);
    const doc = documentId === undefined ? undefined : await getDocument(documentId);
    return doc?.customerId ?? NO_CUSTOMER;
  }
  const body = req.body as { customerId?: unknown } | undefined;
  if (typeof body?.customerId === 'string') return body.customerId;
  return undefined;
}

const customerRegion: Check = async (req) => {
  if (visibleRegions(req.actor) === 'ALL') return;
  const customerId = await customerIdOf(req);
  if (customerId === NO_CUSTOMER) return; // an unknown archive code: the search finds nothing
  if (customerId === undefined) {
    throw new BadRequest('name the customer: customerId is required for a caller limited to regions');
  }
  const customer = await getCustomer(customerId);
  // Out-of-region customers answer as absent, so the answer does not tell they exist.
  if (!customer || !mayAccessRegion(req.actor, customer.region)) {
    throw new NotFound(req.path.documentId ? 'document' : 'customer', req.path.documentId ?? customerId);
  }
};

const ownSubmission: Check = async (req) => {
  const id = req.path.submissionId ?? '';
  const submission = await getSubmission(id);
  if (!submission) throw new NotFound('submission', id);
  if (!canViewSubmission(req.actor, submission)) {
    throw new Forbidden(`submission ${id} belongs to another clerk`);
  }
};

const contentReader: Check = async (req) => {
  const never = req.actor.roles.filter((r) => NEVER_CONTENT.includes(r));
  if (never.length > 0 || req.actor.roles.length === 0) {
    throw new Forbidden(`role ${never.join(',') || '(none)'} reads no content (三员分立)`);
  }
  // Whether the caller is an archivist or holds an active loan naming the document is decided
  // with the loan itself, by `canReadContent` in the content handler.
};

const taskDecider: Check = async (req) => {
  const id = req.path.taskId ?? '';
  const task = await getTask(id);
  if (!task) throw new NotFound('task', id);
  assertMayDecide(req.actor, task);
};

const scanReader: Check = async (req) => {
  const id = req.path.submissionId ?? '';
  const submission = await getSubmission(id);
  if (!submission) throw new NotFound('submission', id);
  const task = submission.reviewTaskId ? await getTask(submission.reviewTaskId) : undefined;
  scanReaderBasis(req.actor, submission, task);
};

const everyRegion: Check = async (req) => {
  if (visibleRegions(req.actor) !== 'ALL') {
    throw new Forbidden('the figures cover every region; an account limited to regions may not see them');
  }
};

const otherAccount: Check = async (req) => {
  if (req.path.userId === req.actor.sub) {
    throw new Forbidden('a security administrator may not change their own account');
  }
};

export const RULE_CHECKS: Record<RuleName, Check> = {
  'own-submission': ownSubmission,
  'customer-region': customerRegion,
  'content-reader': contentReader,
  'task-decider': taskDecider,
  'other-account': otherAccount,
  'every-region': everyRegion,
  'scan-reader': scanReader,
};

export async function enforceRules(rules: readonly RuleName[], req: RuleRequest): Promise<void> {
  for (const rule of rules) await RULE_CHECKS[rule](req);
}
