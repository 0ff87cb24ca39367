import type { WorkflowName } from './workflows.ts';

/**
 * Dangan's functions: each with its handler module, its description and exactly the access it is
 * deployed with (functions/catalog.ts adds reading the accounts table behind authenticated
 * routes). The CDK stack builds one Lambda function per entry; the local runtime loads the same
 * handler modules.
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
   * `audit-copy` only appends locked copies of the audit trail under `audit/` and reads nothing;
   * `audit-read` lists and reads those copies, and nothing else of the bucket;
   * `read` reads originals (the locked versions) to copy them into a handover package.
   */
  archive?: 'presign' | 'read' | 'write' | 'readwrite' | 'audit-copy' | 'audit-read';
  /**
   * Handover packages under `handovers/` in the archive bucket: `write` uploads them (multipart),
   * `presign` signs their download links.
   */
  handovers?: 'write' | 'presign';
  /**
   * Document versions under `history/` in the archive bucket (core/document-history.ts): `write`
   * adds a version that is not there yet, and nothing else; `read` lists and reads them.
   */
  history?: 'write' | 'read';
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
   * Step Functions: list the executions of each of Dangan's workflows by status (names, statuses
   * and times; never their input or history), for the system administrator's health page.
   */
  listExecutions?: boolean;
  /** CloudWatch: the states of the stack's own alarms (by their name prefix), for the health page. */
  readAlarms?: boolean;
  /**
   * The end of originals' lives in the archive bucket, beyond `archive` (retention sweeps and
   * disposal): `hold` sets and clears legal holds on originals, and nothing else may (a legal hold
   * is a hold's, never a permanent record's lock: core/permanence.ts); `extend` extends their
   * COMPLIANCE retention; `verify` lists originals and reads any version of them to re-hash it;
   * `destroy` reads the locks of, lists and deletes every version of an original, and the scan
   * left of it in the intake bucket; `write-lists` writes destruction lists under
   * `destruction-lists/` under COMPLIANCE retention; `extend-lists` extends that retention;
   * `read-lists` reads them (presigned GETs).
   */
  disposal?: readonly (
    | 'hold'
    | 'extend'
    | 'verify'
    | 'destroy'
    | 'write-lists'
    | 'extend-lists'
    | 'read-lists'
  )[];
  /**
   * Lists that continue across requests: the function signs and checks page tokens with the
   * stack's page-token key (adapters/dynamo/page-token.ts).
   */
  pageTokens?: boolean;
  /**
   * Notifications: `send` mails through the configured transport (SES: `ses:SendEmail` on the
   * stack's identity with its configuration set) and signs unsubscribe links; `settings` reads
   * the tokens of those links. Both sign or check with the stack's page-token key.
   */
  notifications?: 'send' | 'settings';
}

export interface FunctionDef {
  /** Handler module under functions/, exporting `handler`. */
  entry: string;
  description: string;
  access: FunctionAccess;
  /** Seconds; the API's functions keep the default. */
  timeoutSeconds?: number;
  memoryMB?: number;
}

/** Timeout of functions whose entry names none: inside API Gateway's 30 s integration limit. */
export const DEFAULT_TIMEOUT_SECONDS = 10;
/** Memory of functions whose entry names none (the API's, for their cold starts). */
export const DEFAULT_MEMORY_MB = 512;

/**
 * Memory of functions no user waits on that only wait on DynamoDB and S3 (stream consumers, the
 * upload check, the intake steps): nothing CPU-heavy runs in them (no scan is hashed, no large
 * JSON is built), so the CPU share of 512 MB would be paid for waiting. API functions keep the
 * default for their cold starts.
 */
const IO_BOUND_MB = 256;

// ---------------------------------------------------------------------------------------------
// The shapes entries are written in

type Runtime = Pick<FunctionDef, 'timeoutSeconds' | 'memoryMB'>;
/** An entry as written below; its handler module is `<home>/<name>.ts`. */
interface Declared extends Omit<FunctionDef, 'entry'> {
  home: 'api' | 'steps' | 'events';
}

/** Behind an HTTP route (functions/api/). */
const api = (description: string, access: FunctionAccess = {}): Declared => ({
  home: 'api',
  description,
  access,
});
/** A state of a workflow (functions/steps/). */
const step = (description: string, access: FunctionAccess, runtime: Runtime = {}): Declared => ({
  home: 'steps',
  description,
  access,
  ...runtime,
});
/** Fed by storage, a table stream, a log or a schedule (functions/events/). */
const consumer = (description: string, access: FunctionAccess, runtime: Runtime): Declared => ({
  home: 'events',
  description,
  access,
  ...runtime,
});

/** Reads records. */
const reads = (more: FunctionAccess = {}): FunctionAccess => ({ table: 'read', ...more });
/** Reads records and audits what it shows (content, values in clear, or the query itself). */
const auditedReads = (more: FunctionAccess = {}): FunctionAccess => ({
  table: 'read',
  audit: 'append',
  ...more,
});
/** Changes records, each change with its audit event in one transaction (`auditPut`). */
const auditedWrites = (more: FunctionAccess = {}): FunctionAccess => ({
  table: 'readwrite',
  audit: 'append',
  ...more,
});
/** A function no user waits on that only waits on DynamoDB and S3 (see IO_BOUND_MB). */
const ioBound = (timeoutSeconds?: number): Runtime =>
  timeoutSeconds === undefined ? { memoryMB: IO_BOUND_MB } : { timeoutSeconds, memoryMB: IO_BOUND_MB };

// ---------------------------------------------------------------------------------------------
// The entries

const DECLARED = {
  health: api('Liveness for load balancers and the console'),
  'scheme-get': api('The classification scheme in force'),
  'customers-create': api('Registers a customer (unique customer number)', auditedWrites()),
  'customers-get': api('Reads one customer, masked per role', auditedReads()),
  'customers-search': api('Finds customers by number or name prefix', reads({ pageTokens: true })),
  'customers-update': api(
    "Changes a customer with optimistic locking; keeps every version; corrects a closed account's closure date",
    auditedWrites(),
  ),
  // Appends an audit event when values are shown in clear to a role that may read them.
  'customers-history': api('All versions of a customer', auditedReads()),
  'submissions-create': api(
    'Creates a draft submission and one presigned upload per document',
    auditedWrites({ intake: 'presign' }),
  ),
  // Audits the sensitive titles it shows in clear to the decider of the submission's review.
  'submissions-get': api('A submission with its documents', auditedReads()),
  'submissions-upload-url': api(
    'Replaces the file of a draft or rejected document with a new presigned upload',
    auditedWrites({ intake: 'presign' }),
  ),
  'submissions-list': api("The calling clerk's own submissions, newest first", reads({ pageTokens: true })),
  // Reads the intake bucket only: the object's scan tag, then its checksum, and signs the GET.
  'submissions-scan-content': api(
    'A short-lived presigned GET of an uploaded, malware-scanned intake scan; audited',
    auditedReads({ intake: 'preview' }),
  ),
  'submissions-submit': api(
    'Starts intake-review-archive for a fully uploaded submission',
    auditedWrites({ startWorkflows: ['intake-review-archive'] }),
  ),
  'tasks-list': api('Open workflow tasks the caller may decide', reads()),
  'tasks-decide': api(
    'Records a decision and answers the waiting workflow',
    auditedWrites({ answerTasks: true }),
  ),
  'documents-search': api(
    'Finds documents by customer, archive code, archive year, type or status',
    reads({ pageTokens: true }),
  ),
  'documents-get': api('Metadata of one document', reads()),
  'documents-content': api(
    'A short-lived presigned GET of an archived original; audited',
    auditedReads({ archive: 'presign' }),
  ),
  'loans-create': api(
    'Records a loan request and starts borrow-approval',
    auditedWrites({ startWorkflows: ['borrow-approval'] }),
  ),
  'loans-get': api('One loan, to its borrower and to those who decide or audit loans', reads()),
  'loans-list': api("The caller's loans, or the overdue loans for the archivist", reads()),
  // No Step Functions right: the waiting execution finds the loan returned at its due time.
  'loans-return': api(
    'Ends a loan early, or records that paper originals are back; access ends at once',
    auditedWrites(),
  ),
  'upload-received': consumer(
    'Records size, checksum and sniffed type of an uploaded scan; audited',
    auditedWrites({ intake: 'read' }),
    ioBound(30),
  ),
  // intake read: the malware tag of each upload. Failed checks fail the state by throwing
  // before the token is used, so no Step Functions right is needed.
  'intake-open-review': step(
    'Validates a submission (four checks, DA/T 70, and required documents), then opens the review task and keeps its token server-side',
    auditedWrites({ intake: 'read' }),
    ioBound(60),
  ),
  // archive readwrite: a retried run reads back a copy it already made instead of copying again.
  // It locks copies under COMPLIANCE retention only, permanent records too: no legal holds.
  // It waits on server-side copies and DynamoDB, and hashes nothing itself.
  'intake-archive': step(
    'Allocates archive codes and locks the originals in the archive bucket',
    auditedWrites({ intake: 'read', archive: 'readwrite' }),
    ioBound(300),
  ),
  'intake-reject': step('Marks a submission rejected with its reasons', auditedWrites(), ioBound()),
  // Migration (npm run import): two route functions (the one that signs uploads carries the S3
  // client, the one that starts the workflow the Step Functions client) and one step function.
  // describeExecutions: closing a batch whose workflow stopped starts it again.
  imports: api(
    'Import batches: lists them, opens one, registers its rows, reads it and them, closes it (starts its workflow, again when it stopped)',
    auditedWrites({ startWorkflows: ['import-batch'], describeExecutions: true, pageTokens: true }),
  ),
  'imports-uploads': api(
    "Presigned uploads of the registered rows of an import batch, bound like a submission's",
    reads({ intake: 'presign' }),
  ),
  // The import-batch workflow's Check, Review and Archive states: intake's checks (scan tags
  // read) and intake's archiving (copy, verify, lock), a page of rows per invocation.
  'import-step': step(
    'Checks, opens the batch review of, and archives an import batch, a page of rows at a time',
    auditedWrites({ intake: 'read', archive: 'readwrite' }),
    ioBound(300),
  ),
  'loan-validate': step(
    'Checks a loan request is still borrowable and whether it needs a second approval',
    reads(),
  ),
  'loan-open-approval': step(
    'Opens a loan approval task (or its reminder) and keeps its token server-side',
    auditedWrites(),
  ),
  'loan-grant': step(
    'Makes an approved loan ACTIVE until its due time and grants its documents',
    auditedWrites(),
  ),
  'loan-reject': step('Marks a loan rejected with the reason', auditedWrites()),
  'loan-expire': step('Ends a loan at its due time, unless it was returned already', auditedWrites()),
  // Also records what an export held (POST /exports): a read of documents and an audit event.
  'documents-history': api(
    'All versions of a document: status and metadata changes, who and when; records exports',
    reads({ history: 'read' }),
  ),
  // Also reads a day of the trail from its locked copies (`GET /audit/copies`), for the days the
  // table no longer keeps.
  'audit-search': api(
    'The audit trail by target, actor and time, a page at a time or as CSV, older days from its locked copies; masked per role; each query audited',
    { audit: 'read-append', archive: 'audit-read', pageTokens: true },
  ),
  'accounts-list': api('Staff accounts and groups, with their state and grants; each read audited', {
    accounts: 'read',
    audit: 'append',
    directory: 'read',
  }),
  'people-list': api('Display names of staff, for pages that show who acted', {
    accounts: 'read',
    directory: 'read',
  }),
  'accounts-change': api(
    'Disables, enables, grants and revokes roles and sets regions of staff accounts; audited',
    { accounts: 'readwrite', audit: 'append', directory: 'admin' },
  ),
  'audit-archive': consumer(
    'Copies the audit trail from its table stream to the archive bucket under Object Lock',
    { archive: 'audit-copy' },
    ioBound(60),
  ),
  'document-history': consumer(
    'Keeps a version of a document for every change, from the records table stream',
    { history: 'write' },
    ioBound(60),
  ),
  'access-denied': consumer(
    'Audits requests the API refused (401, 403) from its access log',
    { audit: 'append' },
    { timeoutSeconds: 30 },
  ),
  // extend, extend-lists: permanent records' COMPLIANCE retention, extended before it comes near.
  'retention-sweep': consumer(
    'Daily: proposes due documents for disposal in batches; re-hashes a sample of originals; extends permanent locks',
    auditedWrites({ startWorkflows: ['disposal'], disposal: ['verify', 'extend', 'extend-lists'] }),
    { timeoutSeconds: 900, memoryMB: 1024 },
  ),
  // What the steps it reuses need: the records, the audit trail, the execution's status.
  'stuck-repair': api(
    'Ends the wait of a record the stuck check reported, as its workflow would have; audited',
    // An import batch's repair starts its workflow again (it resumes where it stopped).
    auditedWrites({ describeExecutions: true, startWorkflows: ['import-batch'] }),
  ),
  'system-health': api(
    "The system administrator's health page: unsuccessful executions per workflow, stuck records, the scheduled jobs' last runs, the alarms' states; no record content",
    { table: 'read', audit: 'append', listExecutions: true, readAlarms: true },
  ),
  'workflow-watch': consumer(
    'Hourly: finds records waiting on a workflow execution that ended or never started',
    auditedWrites({ describeExecutions: true }),
    ioBound(300),
  ),
  'disposal-open-task': step(
    'Opens the appraisal or approval task of a disposal batch and keeps its token',
    auditedWrites(),
  ),
  'disposal-appraised': step(
    'Applies an appraisal: extended documents leave the batch with a new period and lock',
    auditedWrites({ disposal: ['extend'] }),
    { timeoutSeconds: 300 },
  ),
  'disposal-approved': step(
    'Records the approval of a disposal batch and lists the documents to destroy',
    auditedWrites(),
  ),
  'disposal-destroy': step(
    'Deletes every version of one approved original and leaves its tombstone',
    auditedWrites({ intake: 'read', disposal: ['destroy'] }),
    { timeoutSeconds: 120 },
  ),
  'disposal-finish': step(
    'Writes the destruction list (JSON and HTML, under COMPLIANCE retention) and closes the batch',
    auditedWrites({ disposal: ['write-lists'] }),
    { timeoutSeconds: 120 },
  ),
  'disposal-abandon': step(
    'Gives an unanswered batch back to the next sweep and closes it',
    auditedWrites(),
    {
      timeoutSeconds: 120,
    },
  ),
  'holds-create': api(
    'Places a hold on an archived document: no disposal, S3 legal hold on',
    auditedWrites({ disposal: ['hold'] }),
  ),
  'holds-release': api(
    'Releases a hold; the last one back puts the document in the due-date index again',
    auditedWrites({ disposal: ['hold'] }),
  ),
  'documents-contract-end': api(
    'Records the end of the contract a document belongs to; starts its retention clock',
    auditedWrites(),
  ),
  'disposals-list': api('Disposal batches, newest first', reads({ pageTokens: true })),
  'disposals-get': api(
    'A disposal batch with its items or tombstones and links to its destruction list',
    auditedReads({ disposal: ['read-lists'] }),
  ),
  'stats-get': api(
    "The dashboard's figures: counters, open tasks, overdue loans, documents coming due",
    reads(),
  ),
  'stats-counter': consumer(
    "Keeps the dashboard's counters from the records table stream, once per batch",
    { table: 'readwrite' },
    ioBound(60),
  ),
  // directory read: people's addresses (Cognito's email attribute); accounts read: who may decide.
  notify: consumer(
    'Tells people by e-mail of new tasks, loans coming due or overdue and disposal batches waiting (at once or in a daily digest); stops mail to addresses that bounce or complain',
    { table: 'readwrite', audit: 'append', accounts: 'read', directory: 'read', notifications: 'send' },
    ioBound(300),
  ),
  // Handover packages (移交包) from the console: two route functions, as for imports (the one that
  // starts builds carries the Step Functions client, the one that signs links the S3 client).
  // pageTokens: a whole year is counted through the archive-code listing.
  handovers: api(
    "Handover packages: asks for one (the selection counted and checked, its build started), lists the caller's",
    auditedWrites({ startWorkflows: ['handover'], pageTokens: true }),
  ),
  'handovers-get': api(
    'One handover package, with a short-lived download link once built; each link audited',
    auditedReads({ handovers: 'presign' }),
  ),
  // The one step of the handover workflow: reads the selection's records and originals as its
  // requester would, and streams the bag as a ZIP into handovers/. Memory for the CPU share that
  // hashes and checksums every byte; fifteen minutes, the most a Lambda function runs (the
  // limits in core/handovers.ts keep a package well inside it).
  'handover-build': step(
    'Builds a handover package: the BagIt bag of a selection as one ZIP in the archive bucket, each original checked against its SHA-256',
    auditedWrites({ archive: 'read', handovers: 'write', history: 'read' }),
    { timeoutSeconds: 900, memoryMB: 1024 },
  ),
  'notifications-settings': api(
    "The caller's notification choices per kind; unsubscribe links; audited",
    auditedWrites({ notifications: 'settings' }),
  ),
} satisfies Record<string, Declared>;

export type FunctionName = keyof typeof DECLARED;

export const FUNCTIONS: Readonly<Record<FunctionName, FunctionDef>> = Object.fromEntries(
  Object.entries(DECLARED).map(([name, { home, ...def }]) => [name, { entry: `${home}/${name}.ts`, ...def }]),
) as Record<FunctionName, FunctionDef>;
