/** Environment variable names shared by the stack, the local realisation and the functions. */
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
  importWorkflow: 'IMPORT_WORKFLOW_ARN',
  handoverWorkflow: 'HANDOVER_WORKFLOW_ARN',
  /** Tag GuardDuty (or the local scanner) puts on scanned intake objects (core/intake-bucket.ts). */
  malwareTag: 'MALWARE_SCAN_TAG',
  /** The secret key page tokens are signed with (adapters/dynamo/page-token.ts). */
  pageTokenKey: 'PAGE_TOKEN_KEY',
  /** The prefix of the stack's alarm names, for the health page; unset locally (no CloudWatch). */
  alarmNamePrefix: 'ALARM_NAME_PREFIX',
  /**
   * How notifications leave (adapters/mailer.ts): `ses` (SES v2 API) or an SMTP URL
   * (`smtp://host:port`, the local MailDev); configuration, never a branch in function code.
   */
  mailTransport: 'MAIL_TRANSPORT',
  /** The sender of notifications (an address of the SES identity on AWS). */
  mailFrom: 'MAIL_FROM',
  /** The SES configuration set whose events report bounces and complaints; unset for SMTP. */
  mailConfigurationSet: 'MAIL_CONFIGURATION_SET',
  /** The console's address; messages link to its pages. */
  consoleUrl: 'CONSOLE_URL',
  /** ClamAV scanner (`-c malwareScanner=clamav`): the bucket its signature databases are kept in. */
  clamavDefinitionsBucket: 'CLAMAV_DEFINITIONS_BUCKET',
  /** ClamAV scanner: the folder the databases are read from (clamd.conf DatabaseDirectory). */
  clamavDefinitionsDir: 'CLAMAV_DEFINITIONS_DIR',
  /** ClamAV scanner: the command that scans files and prints ClamAV's per-file lines. */
  clamavScanCommand: 'CLAMAV_SCAN_COMMAND',
  /** ClamAV scanner: a command that makes the scan command ready (starts clamd); optional. */
  clamavStartCommand: 'CLAMAV_START_COMMAND',
  /** ClamAV updater: the command that brings the databases up to date (freshclam). */
  clamavUpdateCommand: 'CLAMAV_UPDATE_COMMAND',
} as const;
