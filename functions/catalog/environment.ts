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
  /** Tag GuardDuty (or the local scanner) puts on scanned intake objects (core/intake-bucket.ts). */
  malwareTag: 'MALWARE_SCAN_TAG',
  /** The secret key page tokens are signed with (adapters/dynamo/page-token.ts). */
  pageTokenKey: 'PAGE_TOKEN_KEY',
} as const;
