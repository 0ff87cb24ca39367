import { ADMINISTRATORS, ROLES, type Role, rolesExcept } from '../core/roles.ts';
import { TASK_KINDS } from '../core/tasks.ts';
import type { FunctionName } from './functions.ts';

/**
 * The HTTP routes, each with its function and the roles that may call it. API Gateway is built
 * from this table, the local gateway mounts it, and the console is built with it.
 */

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/**
 * The OAuth scope every authenticated route requires: the user pool's resource server `dangan`
 * with its scope `api`, as Cognito writes it in an access token's `scope` claim. Requiring a
 * scope is what keeps ID tokens out: they carry no `scope` claim, and a JWT authorizer cannot
 * otherwise tell the two kinds of token apart.
 */
export const API_SCOPE = { resourceServer: 'dangan', name: 'api', claim: 'dangan/api' } as const;

export interface RouteDef {
  method: HttpMethod;
  /** API Gateway path syntax: `/customers/{customerId}`. */
  path: string;
  function: FunctionName;
  /** Roles that may call the route; `public` routes need no token. */
  roles: readonly Role[] | 'public';
}

/** Every role. */
const STAFF: readonly Role[] = ROLES;
/** People who work with customer files (not the system or security administrators). */
const RECORDS_STAFF: readonly Role[] = rolesExcept('sysadmin', 'secadmin');
/**
 * Who may ask for an original's content: archivists, and borrowers under an active loan. The
 * three administrators read no content (三员分立).
 */
const CONTENT_READERS: readonly Role[] = rolesExcept(...ADMINISTRATORS);
/** Roles some task kind lets decide (functions/core/tasks.ts). */
const DECIDERS: readonly Role[] = [...new Set(Object.values(TASK_KINDS).flatMap((k) => k.roles))];
/** Those who answer for the archive as a whole. */
const OVERSIGHT: readonly Role[] = ['archivist', 'approver', 'auditor'];
const CLERKS_AND_ARCHIVISTS: readonly Role[] = ['clerk', 'archivist'];
const ARCHIVISTS_AND_AUDITORS: readonly Role[] = ['archivist', 'auditor'];

const route =
  (method: HttpMethod) =>
  (path: string, fn: FunctionName, roles: RouteDef['roles']): RouteDef => ({
    method,
    path,
    function: fn,
    roles,
  });
const GET = route('GET');
const POST = route('POST');
const PATCH = route('PATCH');
const PUT = route('PUT');
const DELETE = route('DELETE');

const SUBMISSION = '/submissions/{submissionId}';
const USER = '/users/{userId}';
const IMPORT = '/imports/{importId}';

export const ROUTES: readonly RouteDef[] = [
  GET('/health', 'health', 'public'),
  GET('/scheme', 'scheme-get', STAFF),
  POST('/customers', 'customers-create', CLERKS_AND_ARCHIVISTS),
  GET('/customers', 'customers-search', RECORDS_STAFF),
  GET('/customers/{customerId}', 'customers-get', RECORDS_STAFF),
  PATCH('/customers/{customerId}', 'customers-update', CLERKS_AND_ARCHIVISTS),
  GET('/customers/{customerId}/history', 'customers-history', ARCHIVISTS_AND_AUDITORS),
  // A closed account's closure date, corrected with a reason (re-dates the clocks it started).
  PUT('/customers/{customerId}/closure', 'customers-update', ['archivist']),
  POST('/submissions', 'submissions-create', ['clerk']),
  GET('/submissions', 'submissions-list', ['clerk']),
  GET(SUBMISSION, 'submissions-get', ['clerk', 'reviewer', 'archivist', 'auditor']),
  POST(`${SUBMISSION}/submit`, 'submissions-submit', ['clerk']),
  POST(`${SUBMISSION}/documents/{documentId}/upload-url`, 'submissions-upload-url', ['clerk']),
  GET(`${SUBMISSION}/documents/{documentId}/content`, 'submissions-scan-content', [
    'clerk',
    'reviewer',
    'archivist',
  ]),
  GET('/tasks', 'tasks-list', STAFF),
  POST('/tasks/{taskId}/decision', 'tasks-decide', DECIDERS),
  GET('/documents', 'documents-search', RECORDS_STAFF),
  GET('/documents/{documentId}', 'documents-get', RECORDS_STAFF),
  GET('/documents/{documentId}/content', 'documents-content', CONTENT_READERS),
  GET('/documents/{documentId}/history', 'documents-history', ARCHIVISTS_AND_AUDITORS),
  // What an export for handover held (scripts/export.ts), on the function that reads histories.
  POST('/exports', 'documents-history', ['archivist']),
  GET('/audit', 'audit-search', ['auditor']),
  GET('/audit/export', 'audit-search', ['auditor']),
  GET('/audit/copies', 'audit-search', ['auditor']),
  GET('/users', 'accounts-list', ['secadmin']),
  GET(USER, 'accounts-list', ['secadmin']),
  GET('/groups', 'accounts-list', ['secadmin']),
  GET('/people', 'people-list', STAFF),
  POST(`${USER}/disable`, 'accounts-change', ['secadmin']),
  POST(`${USER}/enable`, 'accounts-change', ['secadmin']),
  POST(`${USER}/roles`, 'accounts-change', ['secadmin']),
  DELETE(`${USER}/roles/{role}`, 'accounts-change', ['secadmin']),
  PUT(`${USER}/regions`, 'accounts-change', ['secadmin']),
  // Loans: whoever may read content under a loan may borrow; `GET /loans` serves `?mine` to
  // anyone and `?status=overdue` to archivists (checked by the function); auditors read loans.
  POST('/loans', 'loans-create', CONTENT_READERS),
  GET('/loans', 'loans-list', RECORDS_STAFF),
  GET('/loans/{loanId}', 'loans-get', RECORDS_STAFF),
  POST('/loans/{loanId}/return', 'loans-return', CONTENT_READERS),
  // Retention and disposal.
  POST('/documents/{documentId}/holds', 'holds-create', ['archivist']),
  DELETE('/documents/{documentId}/holds/{holdId}', 'holds-release', ['archivist']),
  PUT('/documents/{documentId}/contract-end', 'documents-contract-end', CLERKS_AND_ARCHIVISTS),
  GET('/disposals', 'disposals-list', OVERSIGHT),
  GET('/disposals/{batchId}', 'disposals-get', OVERSIGHT),
  // The dashboard (record rule every-region).
  GET('/stats', 'stats-get', OVERSIGHT),
  POST('/stuck/{kind}/{recordId}/repair', 'stuck-repair', ['archivist']),
  // The system administrator's health page: how workflows end and jobs run, no record content.
  GET('/system/health', 'system-health', ['sysadmin']),
  // Notifications: the choices of those who are told anything (tasks, loans, batches; the three
  // administrators are told nothing); an unsubscribe link works without signing in (its signed
  // token names the person and the kind, and can only turn that kind off).
  GET('/me/notifications', 'notifications-settings', CONTENT_READERS),
  PUT('/me/notifications', 'notifications-settings', CONTENT_READERS),
  POST('/notifications/unsubscribe', 'notifications-settings', 'public'),
  // Migration (npm run import): archivists run it; the batch's reviewer decides it as a task.
  POST('/imports', 'imports', ['archivist']),
  GET('/imports', 'imports', ['archivist']),
  GET(`${IMPORT}`, 'imports', ['archivist']),
  GET(`${IMPORT}/rows`, 'imports', ['archivist']),
  POST(`${IMPORT}/rows`, 'imports', ['archivist']),
  POST(`${IMPORT}/uploads`, 'imports-uploads', ['archivist']),
  POST(`${IMPORT}/close`, 'imports', ['archivist']),
  // Handover packages built in the cloud (the console's counterpart of npm run export).
  POST('/handovers', 'handovers', ['archivist']),
  GET('/handovers', 'handovers', ['archivist']),
  GET('/handovers/{handoverId}', 'handovers-get', ['archivist']),
];
