/**
 * Facts the CDK stack and the local realisation (infra/local) share. This module must not
 * import aws-cdk-lib: the local realisation loads it on a machine that never synthesizes.
 */
import { fileURLToPath } from 'node:url';
import {
  ENV,
  FUNCTIONS,
  type FunctionAccess,
  type FunctionName,
  functionAccess,
  WORKFLOWS,
  type WorkflowName,
} from '../functions/catalog.ts';
import { MALWARE_SCAN_TAG } from '../functions/core/intake-bucket.ts';

/** The repository root (this file lives in `<root>/infra`). */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Absolute path of a function's handler module. */
export const functionEntryPath = (name: FunctionName): string =>
  fileURLToPath(new URL(`../functions/${FUNCTIONS[name].entry}`, import.meta.url));

/** Absolute path of a workflow's ASL file; the same file runs on AWS and locally. */
export const workflowDefinitionPath = (workflow: WorkflowName): string =>
  fileURLToPath(new URL(`../statemachines/${WORKFLOWS[workflow].file}`, import.meta.url));

/**
 * The ASL substitution map of a workflow: every `${Name}` in its definition becomes the ARN of
 * the function the catalog names for it. `resolveArn` gives a function's ARN (a CloudFormation
 * reference on AWS, a local ARN on this machine).
 */
export function workflowSubstitutions(
  workflow: WorkflowName,
  resolveArn: (fn: FunctionName) => string,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(WORKFLOWS[workflow].substitutions).map(([key, fn]) => [key, resolveArn(fn)]),
  );
}

/** The environment variable through which a function learns a workflow's ARN. */
export const WORKFLOW_ENV: Record<WorkflowName, string> = {
  'intake-review-archive': ENV.intakeWorkflow,
  'borrow-approval': ENV.borrowWorkflow,
  disposal: ENV.disposalWorkflow,
  'import-batch': ENV.importWorkflow,
  handover: ENV.handoverWorkflow,
};

/** The `service` field of every structured log line. */
export const SERVICE_NAME = 'dangan';

/** Classification scheme used when the `scheme` context value is not given. */
export const DEFAULT_SCHEME = 'power-supply';

/**
 * Uploads nobody archived are deleted from the intake bucket after this many days. It must
 * outlast a review plus its escalation (2 × the scheme's `reviewTimeoutHours`, six days for
 * power-supply), or the archive step would find its source gone.
 */
export const INTAKE_EXPIRY_DAYS = 30;

/** Archived originals move to S3 Glacier Instant Retrieval after this many days. */
export const ARCHIVE_TRANSITION_DAYS = 90;

/**
 * The daily retention sweep: 18:00 UTC is 02:00 in China Standard Time, the quietest hour of a
 * service hall. EventBridge Scheduler evaluates it in UTC (the schedule's time zone), as does the
 * local scheduler.
 */
export const SWEEP_SCHEDULE = 'cron(0 18 * * ? *)';
/** The schedule's name; the sweep function receives it with the time it was scheduled for. */
export const SWEEP_SCHEDULE_NAME = 'dangan-retention-sweep';

/** What EventBridge Scheduler hands the sweep function (and the local scheduler likewise). */
export interface SweepScheduleInput {
  schedule: typeof SWEEP_SCHEDULE_NAME;
  /** ISO 8601, the time the invocation was scheduled for (not when it ran). */
  scheduledTime: string;
}
/** The catalog name the sweep function will have; the schedule is wired once it exists. */
export const SWEEP_FUNCTION = 'retention-sweep';

/** The stuck check (functions/core/workflow-health.ts): hourly, as the watch's grace is 15 minutes. */
export const WATCH_SCHEDULE = 'rate(1 hour)';
export const WATCH_SCHEDULE_NAME = 'dangan-workflow-watch';
export const WATCH_FUNCTION = 'workflow-watch';

/**
 * Origins besides the stack's own CloudFront console that the API, the buckets and sign-in trust,
 * when the `consoleOrigins` context value is not given: none. A deployment trusts a developer's
 * machine only when the deployer names it (`-c consoleOrigins=http://localhost:5173`).
 */
export const DEFAULT_CONSOLE_ORIGINS: readonly string[] = [];

/** The sender of notifications when the `mailFrom` context value is not given (a placeholder). */
export const DEFAULT_MAIL_FROM = 'noreply@dangan.example.com';

/** Origins the local system trusts by default: the console's development server. */
export const LOCAL_CONSOLE_ORIGINS: readonly string[] = ['http://localhost:5173'];

/** Where a function's resources are, on AWS or on this machine. */
export interface ResourceNames {
  table: string;
  auditTable: string;
  accountsTable: string;
  /** The Cognito user pool; absent on this machine, where nothing is kept in step with it. */
  userPoolId?: string;
  intakeBucket: string;
  archiveBucket: string;
  schemeId: string;
  /** Omitted workflows are left out of the environment (the stack adds them later). */
  workflowArns?: Partial<Record<WorkflowName, string>>;
  /** The secret page tokens are signed with (a reference to it on AWS, resolved at deploy). */
  pageTokenKey: string;
  /** How notifications leave and where their links point (functions/adapters/mailer.ts). */
  mail: MailSettings;
  /** The prefix of the stack's alarm names; absent on this machine, which has no CloudWatch. */
  alarmNamePrefix?: string;
}

/** The notifier's settings: SES on AWS, the local MailDev's SMTP on this machine. */
export interface MailSettings {
  /** `ses`, or an SMTP URL (`smtp://127.0.0.1:1025`). */
  transport: string;
  from: string;
  /** The SES configuration set whose events report bounces and complaints. */
  configurationSet?: string;
  /** The console's address, for the links in messages. */
  consoleUrl: string;
}

/**
 * The environment of one function: only the names its catalog `access` lets it use, plus the
 * settings every function reads.
 */
export function functionEnvironment(name: FunctionName, r: ResourceNames): Record<string, string> {
  const access: FunctionAccess = functionAccess(name);
  const env: Record<string, string> = {
    [ENV.scheme]: r.schemeId,
    POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
  };
  if (access.table) env[ENV.table] = r.table;
  if (access.audit) env[ENV.auditTable] = r.auditTable;
  if (access.accounts) env[ENV.accountsTable] = r.accountsTable;
  if (access.directory && r.userPoolId !== undefined) env[ENV.userPool] = r.userPoolId;
  if (access.intake) {
    env[ENV.intakeBucket] = r.intakeBucket;
    // Readers check the scan result before trusting an upload.
    if (access.intake !== 'presign') env[ENV.malwareTag] = MALWARE_SCAN_TAG;
  }
  if (access.archive || access.disposal || access.handovers || access.history)
    env[ENV.archiveBucket] = r.archiveBucket;
  if (access.pageTokens) env[ENV.pageTokenKey] = r.pageTokenKey;
  if (access.readAlarms && r.alarmNamePrefix !== undefined) env[ENV.alarmNamePrefix] = r.alarmNamePrefix;
  // Unsubscribe links are signed with the same key, under a label of their own.
  if (access.notifications) env[ENV.pageTokenKey] = r.pageTokenKey;
  if (access.notifications === 'send') {
    env[ENV.mailTransport] = r.mail.transport;
    env[ENV.mailFrom] = r.mail.from;
    env[ENV.consoleUrl] = r.mail.consoleUrl;
    if (r.mail.configurationSet !== undefined) env[ENV.mailConfigurationSet] = r.mail.configurationSet;
  }
  // A function that lists executions learns every workflow; one that starts some, those only.
  const named = access.listExecutions
    ? (Object.keys(WORKFLOW_ENV) as WorkflowName[])
    : (access.startWorkflows ?? []);
  for (const workflow of named) {
    const arn = r.workflowArns?.[workflow];
    if (arn !== undefined) env[WORKFLOW_ENV[workflow]] = arn;
  }
  return env;
}

/**
 * What X-Ray traces. Lambda takes no sampling rule (an actively traced function samples one
 * request a second and 5% beyond, which at an archive's traffic is nearly every request, at
 * $5 per million traces), so functions pass through their caller's decision and start no
 * trace of their own. The workflows start traces under a sampling rule at this fixed share of
 * executions, with no reservoir: the steps of a sampled execution are traced end to end, and the
 * cost is a fixed fraction of the executions whatever the traffic (`npm run bench`, X-Ray).
 */
export const WORKFLOW_TRACE_RATE = 0.05;

/**
 * Lambda's platform lines (START, END, REPORT: about 260 bytes an invocation, more than most
 * functions log themselves) are kept from this level up; the functions' own JSON lines from INFO.
 * At WARN those of an invocation that succeeds are not kept (`npm run bench`, CloudWatch Logs).
 */
export const FUNCTION_SYSTEM_LOG_LEVEL = 'WARN';

/** The stack's name unless the deployer gives one (`-c stackName=`); the local system's too. */
export const DEFAULT_STACK_NAME = 'Dangan';

/** A workflow's state machine name in a deployment: `<stack name>-<workflow>`. */
export const stateMachineName = (stackName: string, workflow: WorkflowName): string =>
  `${stackName}-${workflow}`;

/** The prefix of every alarm's name in a deployment: `<stack name>-` (the health page lists them by it). */
export const alarmNamePrefix = (stackName: string): string => `${stackName}-`;
