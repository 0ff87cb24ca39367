import { ROUTES, type RouteDef } from './catalog/routes.ts';
import { ROLES, type Role } from './core/roles.ts';

/**
 * Dangan's authorisation model, beside the route table it narrows. A request passes three gates,
 * all in the handler chain (functions/http/api.ts), never in a handler of its own:
 *
 * 1. the account: a disabled account is refused; the roles a request acts with are the token's
 *    groups that the account still grants (functions/core/accounts.ts);
 * 2. the route: one of those roles must be among the route's `roles` in ROUTES;
 * 3. the record: every rule ROUTE_RULES names for the route must hold for the record the request
 *    reaches (functions/http/rules.ts holds the checks). The rules hand the records they read to
 *    the handler, which neither reads them again nor checks again what the rules decided.
 *
 * Masking of sensitive fields (functions/core/masking.ts) then decides what of the record is
 * shown, and unmasked reads are audited.
 */

export const RULES = {
  'own-submission':
    'A clerk reaches only the submissions they created; reviewers, archivists and auditors reach any. A caller limited to regions reaches only those of customers now in their regions; the others answer as absent.',
  'customer-region':
    "The customer the request names lies in one of the caller's regions (an account without regions serves every region); otherwise it answers as absent.",
  'content-reader':
    'Content is for archivists and for a borrower under an active loan naming the document; the system administrator, the security administrator and the auditor never read content.',
  'task-decider':
    "The task's kind lets one of the caller's roles decide it, and it does not concern the caller's own request (four eyes). A caller limited to regions decides only tasks whose customers all lie in their regions; the others answer as absent (and `GET /tasks` leaves them out).",
  'other-account': 'A security administrator changes other accounts only, never their own.',
  'every-region':
    'Archive-wide figures and the audit trail are for accounts that serve every region; an account limited to regions is refused (403), as they cover customers outside its regions.',
  'scan-reader':
    'The scans of a submission not yet archived are for the clerk who made it, whoever may decide its open review task, and archivists; only uploaded scans that passed the malware scan are shown.',
  'own-loan':
    "A borrower reaches only their own loans; approvers, archivists and auditors reach any whose documents' customers all lie in their regions (the others answer as absent).",
  'loan-region':
    'A caller limited to regions borrows only documents of customers in their regions; the others answer as unknown documents.',
  'batch-region':
    'A disposal batch holds the documents of one region (the sweep splits batches by region); a caller limited to other regions finds it absent, and `GET /disposals` leaves it out.',
  'import-region':
    'An import batch carries the regions of the customers its rows were registered for; a caller limited to regions reaches it only when they serve every one (otherwise it answers as absent), and registers rows only for customers in their regions.',
  'own-handover': 'A handover package is for the archivist who asked for it; anyone else finds it absent.',
} as const;

export type RuleName = keyof typeof RULES;

/** Route key (`METHOD /path`) of a route. */
export const routeKey = (r: Pick<RouteDef, 'method' | 'path'>): string => `${r.method} ${r.path}`;

/**
 * The record rules of each route, checked in this order. Routes not named here have no
 * record-level rule beyond their roles; a route another module adds is checked against this list
 * by test/unit/access.test.ts. The rules hand what they read to the route's handler
 * (functions/http/rules.ts, `RouteRecords`).
 */
export const ROUTE_RULES = {
  'GET /customers/{customerId}': ['customer-region'],
  'PATCH /customers/{customerId}': ['customer-region'],
  'GET /customers/{customerId}/history': ['customer-region'],
  'PUT /customers/{customerId}/closure': ['customer-region'],
  'POST /submissions': ['customer-region'],
  'GET /submissions/{submissionId}': ['own-submission'],
  'POST /submissions/{submissionId}/submit': ['own-submission'],
  'POST /submissions/{submissionId}/documents/{documentId}/upload-url': ['own-submission'],
  'GET /submissions/{submissionId}/documents/{documentId}/content': ['customer-region', 'scan-reader'],
  'POST /loans': ['loan-region'],
  'GET /loans/{loanId}': ['own-loan'],
  'POST /loans/{loanId}/return': ['own-loan'],
  'POST /tasks/{taskId}/decision': ['task-decider'],
  'GET /documents': ['customer-region'],
  'GET /documents/{documentId}': ['customer-region'],
  // The region first: outside the caller's regions a document is absent (404) before content is refused.
  'GET /documents/{documentId}/content': ['customer-region', 'content-reader'],
  'GET /documents/{documentId}/history': ['customer-region'],
  'POST /exports': ['customer-region'],
  'POST /documents/{documentId}/holds': ['customer-region'],
  'DELETE /documents/{documentId}/holds/{holdId}': ['customer-region'],
  'PUT /documents/{documentId}/contract-end': ['customer-region'],
  'POST /users/{userId}/disable': ['other-account'],
  'POST /users/{userId}/enable': ['other-account'],
  'POST /users/{userId}/roles': ['other-account'],
  'DELETE /users/{userId}/roles/{role}': ['other-account'],
  'PUT /users/{userId}/regions': ['other-account'],
  'GET /disposals/{batchId}': ['batch-region'],
  'GET /imports/{importId}': ['import-region'],
  'GET /imports/{importId}/rows': ['import-region'],
  'POST /imports/{importId}/rows': ['import-region'],
  'POST /imports/{importId}/uploads': ['import-region'],
  'POST /imports/{importId}/close': ['import-region'],
  'GET /handovers/{handoverId}': ['own-handover'],
  'GET /audit': ['every-region'],
  'GET /audit/export': ['every-region'],
  'GET /audit/copies': ['every-region'],
  'GET /stats': ['every-region'],
} as const satisfies Readonly<Record<string, readonly RuleName[]>>;

/** A route with record rules, by its route key. */
export type RuledRoute = keyof typeof ROUTE_RULES;

export const rulesOf = (r: Pick<RouteDef, 'method' | 'path'>): readonly RuleName[] =>
  (ROUTE_RULES as Readonly<Record<string, readonly RuleName[]>>)[routeKey(r)] ?? [];

/** The roles that never read content (三员分立), whatever a loan says. */
export const NEVER_CONTENT: readonly Role[] = ['sysadmin', 'secadmin', 'auditor'];

/**
 * "Who may do what" as a Markdown table: one row per route, one column per role; `✓` where the
 * route admits the role, `✓ⁿ` where a record rule narrows it further (n numbers the rule in the
 * legend). README.md carries this table; test/unit/access.test.ts keeps the two equal.
 */
export function accessTableMarkdown(routes: readonly RouteDef[] = ROUTES): string {
  const ruleNames = Object.keys(RULES) as RuleName[];
  const sup = ['¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹', '¹⁰', '¹¹', '¹²'];
  const mark = (rules: readonly RuleName[]) => rules.map((r) => sup[ruleNames.indexOf(r)] ?? '').join('');
  const header = `| route | ${ROLES.join(' | ')} |`;
  const rule = `|---|${ROLES.map(() => ':-:').join('|')}|`;
  const rows = routes.map((r) => {
    const rules = rulesOf(r);
    const cells = ROLES.map((role) => {
      if (r.roles === 'public') return 'public';
      if (!r.roles.includes(role)) return '';
      if (rules.includes('content-reader') && NEVER_CONTENT.includes(role)) return '';
      return `✓${mark(rules)}`;
    });
    return `| \`${routeKey(r)}\` | ${cells.join(' | ')} |`;
  });
  const legend = ruleNames.map((n, i) => `${sup[i]} \`${n}\`: ${RULES[n]}`);
  return [header, rule, ...rows, '', ...legend.map((l) => `- ${l}`)].join('\n');
}
