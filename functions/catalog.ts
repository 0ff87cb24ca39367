import type { Role } from './core/roles.ts';
import { TASK_KINDS } from './core/tasks.ts';

/**
 * The one list of Dangan's functions and HTTP routes. The CDK stack builds a Lambda function
 * per entry with exactly the access declared here, and the API Gateway routes from `routes`;
 * the local realisation mounts the same routes on the same handler modules. A fact written
 * here is written nowhere else.
 */

export type DataAccess = 'read' | 'write' | 'readwrite';

export interface FunctionAccess {
  /** The records table. */
  table?: DataAccess;
  /**
   * The audit table: functions only ever append to it. `read-append` is for the auditor's
   * queries, which read the trail and append a record of each query.
   */
  audit?: 'append' | 'read-append';
  /**
   * The intake bucket (scans as uploaded). `presign` signs PUT URLs for clients; `preview` reads
   * scan tags and signs GET URLs that work only while the object's malware tag says it is clean.
   */
  intake?: 'presign' | 'read' | 'preview' | 'readwrite';
  /**
   * The archive bucket (originals under Object Lock). `presign` signs GET URLs of originals;
   * `audit-copy` only appends locked copies of the audit trail under `audit/` and reads nothing.
   */
  archive?: 'presign' | 'write' | 'readwrite' | 'audit-copy';
  /**
   * The accounts table (staff accounts and their grants). Every function behind an
   * authenticated route reads it to check the caller's account (see `functionAccess`).
   */
  accounts?: 'read' | 'readwrite';
  /** The Cognito user pool: `read` lists users and groups, `admin` also changes them. */
  directory?: 'read' | 'admin';
  /** Step Functions: start executions of these workflows, or answer their task tokens. */
  startWorkflows?: WorkflowName[];
  answerTasks?: boolean;
  /** Step Functions: read the status of any execution of Dangan's workflows (the stuck check). */
  describeExecutions?: boolean;
  /**
   * The end of originals' lives in the archive bucket, beyond `archive` (retention sweeps and
   * disposal): `hold` sets and clears legal holds on originals; `extend` extends their COMPLIANCE
   * retention; `verify` lists originals and reads any version of them to re-hash it; `destroy`
   * reads the locks of, lists and deletes every version of an original, and the scan left of it
   * in the intake bucket; `write-lists` writes destruction lists under `destruction-lists/` under a
   * legal hold; `read-lists` reads them (presigned GETs).
   */
  disposal?: readonly ('hold' | 'extend' | 'verify' | 'destroy' | 'write-lists' | 'read-lists')[];
}

export type WorkflowName = 'intake-review-archive' | 'borrow-approval' | 'disposal';

export interface FunctionDef {
  /** Handler module under functions/, exporting `handler`. */
  entry: string;
  description: string;
  access: FunctionAccess;
  /** Seconds; the API's functions keep the default. */
  timeoutSeconds?: number;
  memoryMB?: number;
}

/**
 * Memory of functions no user waits on that only wait on DynamoDB and S3 (stream consumers, the
 * upload check, the intake steps): nothing CPU-heavy runs in them (no scan is hashed, no large
 * JSON is built), so the CPU share of 512 MB would be paid for waiting. API functions keep the
 * default for their cold starts.
 */
const IO_BOUND_MB = 256;

export const FUNCTIONS = {
  health: { entry: 'api/health.ts', description: 'Liveness for load balancers and the console', access: {} },
  'scheme-get': { entry: 'api/scheme-get.ts', description: 'The classification scheme in force', access: {} },
  'customers-create': {
    entry: 'api/customers-create.ts',
    description: 'Registers a customer (unique customer number)',
    access: { table: 'readwrite', audit: 'append' },
  },
  'customers-get': {
    entry: 'api/customers-get.ts',
    description: 'Reads one customer, masked per role',
    access: { table: 'read', audit: 'append' },
  },
  'customers-search': {
    entry: 'api/customers-search.ts',
    description: 'Finds customers by number or name prefix',
    access: { table: 'read' },
  },
  'customers-update': {
    entry: 'api/customers-update.ts',
    description: 'Changes a customer with optimistic locking; keeps every version',
    access: { table: 'readwrite', audit: 'append' },
  },
  'customers-history': {
    entry: 'api/customers-history.ts',
    description: 'All versions of a customer',
    // Appends an audit event when values are shown in clear to a role that may read them.
    access: { table: 'read', audit: 'append' },
  },
  'submissions-create': {
    entry: 'api/submissions-create.ts',
    description: 'Creates a draft submission and one presigned upload per document',
    access: { table: 'readwrite', audit: 'append', intake: 'presign' },
  },
  'submissions-get': {
    entry: 'api/submissions-get.ts',
    description: 'A submission with its documents',
    access: { table: 'read' },
  },
  'submissions-upload-url': {
    entry: 'api/submissions-upload-url.ts',
    description: 'Replaces the file of a draft or rejected document with a new presigned upload',
    access: { table: 'readwrite', audit: 'append', intake: 'presign' },
  },
  'submissions-list': {
    entry: 'api/submissions-list.ts',
    description: "The calling clerk's own submissions, newest first",
    access: { table: 'read' },
  },
  'submissions-scan-content': {
    entry: 'api/submissions-scan-content.ts',
    description: 'A short-lived presigned GET of an uploaded, malware-scanned intake scan; audited',
    // Reads the intake bucket only: the object's scan tag, then its checksum, and signs the GET.
    access: { table: 'read', audit: 'append', intake: 'preview' },
  },
  'submissions-submit': {
    entry: 'api/submissions-submit.ts',
    description: 'Starts intake-review-archive for a fully uploaded submission',
    access: { table: 'readwrite', audit: 'append', startWorkflows: ['intake-review-archive'] },
  },
  'tasks-list': {
    entry: 'api/tasks-list.ts',
    description: 'Open workflow tasks the caller may decide',
    access: { table: 'read' },
  },
  'tasks-decide': {
    entry: 'api/tasks-decide.ts',
    description: 'Records a decision and answers the waiting workflow',
    access: { table: 'readwrite', audit: 'append', answerTasks: true },
  },
  'documents-search': {
    entry: 'api/documents-search.ts',
    description: 'Finds documents by customer, archive code, type or status',
    access: { table: 'read' },
  },
  'documents-get': {
    entry: 'api/documents-get.ts',
    description: 'Metadata of one document',
    access: { table: 'read' },
  },
  'documents-content': {
    entry: 'api/documents-content.ts',
    description: 'A short-lived presigned GET of an archived original; audited',
    access: { table: 'read', audit: 'append', archive: 'presign' },
  },
  'loans-create': {
    entry: 'api/loans-create.ts',
    description: 'Records a loan request and starts borrow-approval',
    access: { table: 'readwrite', audit: 'append', startWorkflows: ['borrow-approval'] },
  },
  'loans-get': {
    entry: 'api/loans-get.ts',
    description: 'One loan, to its borrower and to those who decide or audit loans',
    access: { table: 'read' },
  },
  'loans-list': {
    entry: 'api/loans-list.ts',
    description: "The caller's loans, or the overdue loans for the archivist",
    access: { table: 'read' },
  },
  'loans-return': {
    entry: 'api/loans-return.ts',
    description: 'Ends a loan early, or records that paper originals are back; access ends at once',
    // No Step Functions right: the waiting execution finds the loan returned at its due time.
    access: { table: 'readwrite', audit: 'append' },
  },
  'upload-received': {
    entry: 'events/upload-received.ts',
    description: 'Records size, checksum and sniffed type of an uploaded scan; audited',
    access: { table: 'readwrite', audit: 'append', intake: 'read' },
    timeoutSeconds: 30,
    memoryMB: IO_BOUND_MB,
  },
  'intake-open-review': {
    entry: 'steps/intake-open-review.ts',
    description:
      'Validates a submission (four checks, DA/T 70, and required documents), then opens the review task and keeps its token server-side',
    // intake read: the malware tag of each upload. Failed checks fail the state by throwing
    // before the token is used, so no Step Functions right is needed.
    access: { table: 'readwrite', audit: 'append', intake: 'read' },
    timeoutSeconds: 60,
    memoryMB: IO_BOUND_MB,
  },
  'intake-archive': {
    entry: 'steps/intake-archive.ts',
    description: 'Allocates archive codes and locks the originals in the archive bucket',
    // archive readwrite: a retried run reads back a copy it already made instead of copying again.
    access: { table: 'readwrite', audit: 'append', intake: 'read', archive: 'readwrite' },
    timeoutSeconds: 300,
    // It waits on server-side copies and DynamoDB, and hashes nothing itself.
    memoryMB: IO_BOUND_MB,
  },
  'intake-reject': {
    entry: 'steps/intake-reject.ts',
    description: 'Marks a submission rejected with its reasons',
    access: { table: 'readwrite', audit: 'append' },
    memoryMB: IO_BOUND_MB,
  },
  'loan-validate': {
    entry: 'steps/loan-validate.ts',
    description: 'Checks a loan request is still borrowable and whether it needs a second approval',
    access: { table: 'read' },
  },
  'loan-open-approval': {
    entry: 'steps/loan-open-approval.ts',
    description: 'Opens a loan approval task (or its reminder) and keeps its token server-side',
    access: { table: 'readwrite', audit: 'append' },
  },
  'loan-grant': {
    entry: 'steps/loan-grant.ts',
    description: 'Makes an approved loan ACTIVE until its due time and grants its documents',
    access: { table: 'readwrite', audit: 'append' },
  },
  'loan-reject': {
    entry: 'steps/loan-reject.ts',
    description: 'Marks a loan rejected with the reason',
    access: { table: 'readwrite', audit: 'append' },
  },
  'loan-expire': {
    entry: 'steps/loan-expire.ts',
    description: 'Ends a loan at its due time, unless it was returned already',
    access: { table: 'readwrite', audit: 'append' },
  },
  'documents-history': {
    entry: 'api/documents-history.ts',
    description: 'All versions of a document: status and metadata changes, who and when',
    access: { table: 'read' },
  },
  'audit-search': {
    entry: 'api/audit-search.ts',
    description:
      'The audit trail by target, actor and time, a page at a time or as CSV; masked per role; each query audited',
    access: { audit: 'read-append' },
  },
  'accounts-list': {
    entry: 'api/accounts-list.ts',
    description: 'Staff accounts and groups, with their state and grants',
    access: { accounts: 'read', directory: 'read' },
  },
  'accounts-change': {
    entry: 'api/accounts-change.ts',
    description: 'Disables, enables, grants and revokes roles and sets regions of staff accounts; audited',
    access: { accounts: 'readwrite', audit: 'append', directory: 'admin' },
  },
  'audit-archive': {
    entry: 'events/audit-archive.ts',
    description: 'Copies the audit trail from its table stream to the archive bucket under Object Lock',
    access: { archive: 'audit-copy' },
    timeoutSeconds: 60,
    memoryMB: IO_BOUND_MB,
  },
  'document-history': {
    entry: 'events/document-history.ts',
    description: 'Keeps a version of a document for every change, from the records table stream',
    access: { table: 'readwrite' },
    timeoutSeconds: 60,
    memoryMB: IO_BOUND_MB,
  },
  'access-denied': {
    entry: 'events/access-denied.ts',
    description: 'Audits requests the API refused (401, 403) from its access log',
    access: { audit: 'append' },
    timeoutSeconds: 30,
  },
  'retention-sweep': {
    entry: 'events/retention-sweep.ts',
    description: 'Daily: proposes due documents for disposal in batches; re-hashes a sample of originals',
    access: { table: 'readwrite', audit: 'append', startWorkflows: ['disposal'], disposal: ['verify'] },
    timeoutSeconds: 900,
    memoryMB: 1024,
  },
  'stuck-repair': {
    entry: 'api/stuck-repair.ts',
    description: 'Ends the wait of a record the stuck check reported, as its workflow would have; audited',
    // What the steps it reuses need: the records, the audit trail, the execution's status.
    access: { table: 'readwrite', audit: 'append', describeExecutions: true },
  },
  'workflow-watch': {
    entry: 'events/workflow-watch.ts',
    description: 'Hourly: finds records waiting on a workflow execution that ended or never started',
    access: { table: 'readwrite', audit: 'append', describeExecutions: true },
    timeoutSeconds: 300,
    memoryMB: IO_BOUND_MB,
  },
  'disposal-open-task': {
    entry: 'steps/disposal-open-task.ts',
    description: 'Opens the appraisal or approval task of a disposal batch and keeps its token',
    access: { table: 'readwrite', audit: 'append' },
  },
  'disposal-appraised': {
    entry: 'steps/disposal-appraised.ts',
    description: 'Applies an appraisal: extended documents leave the batch with a new period and lock',
    access: { table: 'readwrite', audit: 'append', disposal: ['extend'] },
    timeoutSeconds: 300,
  },
  'disposal-approved': {
    entry: 'steps/disposal-approved.ts',
    description: 'Records the approval of a disposal batch and lists the documents to destroy',
    access: { table: 'readwrite', audit: 'append' },
  },
  'disposal-destroy': {
    entry: 'steps/disposal-destroy.ts',
    description: 'Deletes every version of one approved original and leaves its tombstone',
    access: { table: 'readwrite', audit: 'append', intake: 'read', disposal: ['destroy'] },
    timeoutSeconds: 120,
  },
  'disposal-finish': {
    entry: 'steps/disposal-finish.ts',
    description: 'Writes the destruction list (JSON and HTML, under a legal hold) and closes the batch',
    access: { table: 'readwrite', audit: 'append', disposal: ['write-lists'] },
    timeoutSeconds: 120,
  },
  'disposal-abandon': {
    entry: 'steps/disposal-abandon.ts',
    description: 'Gives an unanswered batch back to the next sweep and closes it',
    access: { table: 'readwrite', audit: 'append' },
    timeoutSeconds: 120,
  },
  'holds-create': {
    entry: 'api/holds-create.ts',
    description: 'Places a hold on an archived document: no disposal, S3 legal hold on',
    access: { table: 'readwrite', audit: 'append', disposal: ['hold'] },
  },
  'holds-release': {
    entry: 'api/holds-release.ts',
    description: 'Releases a hold; the last one back puts the document in the due-date index again',
    access: { table: 'readwrite', audit: 'append', disposal: ['hold'] },
  },
  'documents-contract-end': {
    entry: 'api/documents-contract-end.ts',
    description: 'Records the end of the contract a document belongs to; starts its retention clock',
    access: { table: 'readwrite', audit: 'append' },
  },
  'disposals-list': {
    entry: 'api/disposals-list.ts',
    description: 'Disposal batches, newest first',
    access: { table: 'read' },
  },
  'disposals-get': {
    entry: 'api/disposals-get.ts',
    description: 'A disposal batch with its items or tombstones and links to its destruction list',
    access: { table: 'read', audit: 'append', disposal: ['read-lists'] },
  },
  'stats-get': {
    entry: 'api/stats-get.ts',
    description: "The dashboard's figures: counters, open tasks, overdue loans, documents coming due",
    access: { table: 'read' },
  },
  'stats-counter': {
    entry: 'events/stats-counter.ts',
    description: "Keeps the dashboard's counters from the records table stream, once per batch",
    access: { table: 'readwrite' },
    timeoutSeconds: 60,
    memoryMB: IO_BOUND_MB,
  },
} as const satisfies Record<string, FunctionDef>;

export type FunctionName = keyof typeof FUNCTIONS;

/**
 * The access a function is deployed with: its catalog entry, plus reading the accounts table
 * for every function behind an authenticated route, because the handler chain checks the
 * caller's account on every request (functions/http/api.ts).
 */
export function functionAccess(name: FunctionName): FunctionAccess {
  const declared: FunctionAccess = FUNCTIONS[name].access;
  const authenticated = ROUTES.some((r) => r.function === name && r.roles !== 'public');
  if (!authenticated || declared.accounts !== undefined) return declared;
  return { ...declared, accounts: 'read' };
}

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface RouteDef {
  method: HttpMethod;
  /** API Gateway path syntax: `/customers/{customerId}`. */
  path: string;
  function: FunctionName;
  /** Roles that may call the route; `public` routes need no token. */
  roles: readonly Role[] | 'public';
}

const STAFF: readonly Role[] = [
  'clerk',
  'reviewer',
  'archivist',
  'approver',
  'auditor',
  'sysadmin',
  'secadmin',
  'staff',
];
/** People who work with customer files (not the system or security administrators). */
const RECORDS_STAFF: readonly Role[] = ['clerk', 'reviewer', 'archivist', 'approver', 'auditor', 'staff'];
/**
 * Who may ask for an original's content: archivists, and borrowers under an active loan. The
 * three administrators (系统、安全、审计) read no content (三员分立).
 */
const CONTENT_READERS: readonly Role[] = ['clerk', 'reviewer', 'archivist', 'approver', 'staff'];
/** Roles some task kind lets decide (functions/core/tasks.ts). */
const DECIDERS: readonly Role[] = [...new Set(Object.values(TASK_KINDS).flatMap((k) => k.roles))];

export const ROUTES: readonly RouteDef[] = [
  { method: 'GET', path: '/health', function: 'health', roles: 'public' },
  { method: 'GET', path: '/scheme', function: 'scheme-get', roles: STAFF },
  { method: 'POST', path: '/customers', function: 'customers-create', roles: ['clerk', 'archivist'] },
  { method: 'GET', path: '/customers', function: 'customers-search', roles: RECORDS_STAFF },
  { method: 'GET', path: '/customers/{customerId}', function: 'customers-get', roles: RECORDS_STAFF },
  {
    method: 'PATCH',
    path: '/customers/{customerId}',
    function: 'customers-update',
    roles: ['clerk', 'archivist'],
  },
  {
    method: 'GET',
    path: '/customers/{customerId}/history',
    function: 'customers-history',
    roles: ['archivist', 'auditor'],
  },
  { method: 'POST', path: '/submissions', function: 'submissions-create', roles: ['clerk'] },
  { method: 'GET', path: '/submissions', function: 'submissions-list', roles: ['clerk'] },
  {
    method: 'GET',
    path: '/submissions/{submissionId}',
    function: 'submissions-get',
    roles: ['clerk', 'reviewer', 'archivist', 'auditor'],
  },
  {
    method: 'POST',
    path: '/submissions/{submissionId}/submit',
    function: 'submissions-submit',
    roles: ['clerk'],
  },
  {
    method: 'POST',
    path: '/submissions/{submissionId}/documents/{documentId}/upload-url',
    function: 'submissions-upload-url',
    roles: ['clerk'],
  },
  {
    method: 'GET',
    path: '/submissions/{submissionId}/documents/{documentId}/content',
    function: 'submissions-scan-content',
    roles: ['clerk', 'reviewer', 'archivist'],
  },
  { method: 'GET', path: '/tasks', function: 'tasks-list', roles: STAFF },
  { method: 'POST', path: '/tasks/{taskId}/decision', function: 'tasks-decide', roles: DECIDERS },
  { method: 'GET', path: '/documents', function: 'documents-search', roles: RECORDS_STAFF },
  { method: 'GET', path: '/documents/{documentId}', function: 'documents-get', roles: RECORDS_STAFF },
  {
    method: 'GET',
    path: '/documents/{documentId}/content',
    function: 'documents-content',
    roles: CONTENT_READERS,
  },
  {
    method: 'GET',
    path: '/documents/{documentId}/history',
    function: 'documents-history',
    roles: ['archivist', 'auditor'],
  },
  { method: 'GET', path: '/audit', function: 'audit-search', roles: ['auditor'] },
  { method: 'GET', path: '/audit/export', function: 'audit-search', roles: ['auditor'] },
  { method: 'GET', path: '/users', function: 'accounts-list', roles: ['secadmin'] },
  { method: 'GET', path: '/users/{userId}', function: 'accounts-list', roles: ['secadmin'] },
  { method: 'GET', path: '/groups', function: 'accounts-list', roles: ['secadmin'] },
  { method: 'POST', path: '/users/{userId}/disable', function: 'accounts-change', roles: ['secadmin'] },
  { method: 'POST', path: '/users/{userId}/enable', function: 'accounts-change', roles: ['secadmin'] },
  { method: 'POST', path: '/users/{userId}/roles', function: 'accounts-change', roles: ['secadmin'] },
  {
    method: 'DELETE',
    path: '/users/{userId}/roles/{role}',
    function: 'accounts-change',
    roles: ['secadmin'],
  },
  { method: 'PUT', path: '/users/{userId}/regions', function: 'accounts-change', roles: ['secadmin'] },
  // Loans: whoever may read content under a loan may borrow; `GET /loans` serves `?mine` to
  // anyone and `?status=overdue` to archivists (checked by the function); auditors read loans.
  { method: 'POST', path: '/loans', function: 'loans-create', roles: CONTENT_READERS },
  { method: 'GET', path: '/loans', function: 'loans-list', roles: RECORDS_STAFF },
  { method: 'GET', path: '/loans/{loanId}', function: 'loans-get', roles: RECORDS_STAFF },
  { method: 'POST', path: '/loans/{loanId}/return', function: 'loans-return', roles: CONTENT_READERS },
  // Retention and disposal.
  { method: 'POST', path: '/documents/{documentId}/holds', function: 'holds-create', roles: ['archivist'] },
  {
    method: 'DELETE',
    path: '/documents/{documentId}/holds/{holdId}',
    function: 'holds-release',
    roles: ['archivist'],
  },
  {
    method: 'PUT',
    path: '/documents/{documentId}/contract-end',
    function: 'documents-contract-end',
    roles: ['clerk', 'archivist'],
  },
  {
    method: 'GET',
    path: '/disposals',
    function: 'disposals-list',
    roles: ['archivist', 'approver', 'auditor'],
  },
  {
    method: 'GET',
    path: '/disposals/{batchId}',
    function: 'disposals-get',
    roles: ['archivist', 'approver', 'auditor'],
  },
  // The dashboard: for those who answer for the archive as a whole (record rule every-region).
  { method: 'GET', path: '/stats', function: 'stats-get', roles: ['archivist', 'approver', 'auditor'] },
  { method: 'POST', path: '/stuck/{kind}/{recordId}/repair', function: 'stuck-repair', roles: ['archivist'] },
];

/** Functions invoked by workflows rather than by routes; their ARNs are ASL substitutions. */
export const WORKFLOWS: Record<WorkflowName, { file: string; substitutions: Record<string, FunctionName> }> =
  {
    'intake-review-archive': {
      file: 'intake-review-archive.asl.json',
      substitutions: {
        OpenReviewFunctionArn: 'intake-open-review',
        ArchiveFunctionArn: 'intake-archive',
        RejectFunctionArn: 'intake-reject',
      },
    },
    'borrow-approval': {
      file: 'borrow-approval.asl.json',
      substitutions: {
        ValidateFunctionArn: 'loan-validate',
        OpenApprovalFunctionArn: 'loan-open-approval',
        GrantFunctionArn: 'loan-grant',
        RejectFunctionArn: 'loan-reject',
        ExpireFunctionArn: 'loan-expire',
      },
    },
    disposal: {
      file: 'disposal.asl.json',
      substitutions: {
        OpenTaskFunctionArn: 'disposal-open-task',
        AppraisedFunctionArn: 'disposal-appraised',
        ApprovedFunctionArn: 'disposal-approved',
        DestroyFunctionArn: 'disposal-destroy',
        FinishFunctionArn: 'disposal-finish',
        AbandonFunctionArn: 'disposal-abandon',
      },
    },
  };

/**
 * Table streams and the function each feeds (a Lambda event source mapping on AWS, the local
 * stream poller here). `keys` keeps only changes of items whose keys match one of its filters.
 * `bisectOnError: false` retries a failed batch whole, never split, so a consumer that marks the
 * batches it has done (stats-counter) recognises one delivered again.
 */
export const TABLE_STREAMS: readonly {
  table: 'Records' | 'Audit';
  function: FunctionName;
  keys?: readonly { pkPrefix: string; sk: string }[];
  bisectOnError?: false;
}[] = [
  { table: 'Audit', function: 'audit-archive' },
  { table: 'Records', function: 'document-history', keys: [{ pkPrefix: 'DOCUMENT#', sk: 'DOCUMENT' }] },
  {
    table: 'Records',
    function: 'stats-counter',
    keys: [
      { pkPrefix: 'DOCUMENT#', sk: 'DOCUMENT' },
      { pkPrefix: 'SUBMISSION#', sk: 'SUBMISSION' },
    ],
    bisectOnError: false,
  },
];

/** The function that reads the API's access log for refused requests. */
export const ACCESS_LOG_SUBSCRIBER: FunctionName = 'access-denied';

/** Environment variable names shared by the stack and the local realisation. */
export const ENV = {
  table: 'TABLE_NAME',
  auditTable: 'AUDIT_TABLE_NAME',
  accountsTable: 'ACCOUNTS_TABLE_NAME',
  /** The Cognito user pool whose users and groups are kept in step; unset locally. */
  userPool: 'USER_POOL_ID',
  intakeBucket: 'INTAKE_BUCKET',
  archiveBucket: 'ARCHIVE_BUCKET',
  scheme: 'SCHEME_ID',
  intakeWorkflow: 'INTAKE_WORKFLOW_ARN',
  borrowWorkflow: 'BORROW_WORKFLOW_ARN',
  disposalWorkflow: 'DISPOSAL_WORKFLOW_ARN',
  /** Tag GuardDuty (or the local scanner) puts on scanned intake objects. */
  malwareTag: 'MALWARE_SCAN_TAG',
} as const;
