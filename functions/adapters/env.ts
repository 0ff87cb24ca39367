import { ENV } from '../catalog/environment.ts';
import { MALWARE_SCAN_TAG } from '../core/intake-bucket.ts';

/** Reads a required environment variable once; a missing one fails loudly at first use. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`environment variable ${name} is not set`);
  }
  return value;
}

export const tableName = (): string => requireEnv(ENV.table);
export const auditTableName = (): string => requireEnv(ENV.auditTable);
export const accountsTableName = (): string => requireEnv(ENV.accountsTable);
/** The Cognito user pool to keep in step; undefined where there is none (on this machine). */
export const userPoolId = (): string | undefined => process.env[ENV.userPool] || undefined;
export const intakeBucket = (): string => requireEnv(ENV.intakeBucket);
export const archiveBucket = (): string => requireEnv(ENV.archiveBucket);
export const schemeId = (): string => requireEnv(ENV.scheme);
export const intakeWorkflowArn = (): string => requireEnv(ENV.intakeWorkflow);
export const borrowWorkflowArn = (): string => requireEnv(ENV.borrowWorkflow);
export const importWorkflowArn = (): string => requireEnv(ENV.importWorkflow);
export const handoverWorkflowArn = (): string => requireEnv(ENV.handoverWorkflow);
export const malwareScanTag = (): string => process.env[ENV.malwareTag] ?? MALWARE_SCAN_TAG;
/** The key page tokens are signed with (dynamo/page-token.ts); one per stack, secret. */
export const pageTokenKey = (): string => requireEnv(ENV.pageTokenKey);
export const mailTransport = (): string => requireEnv(ENV.mailTransport);
export const mailFrom = (): string => requireEnv(ENV.mailFrom);
export const mailConfigurationSet = (): string | undefined =>
  process.env[ENV.mailConfigurationSet] || undefined;
export const consoleUrl = (): string => requireEnv(ENV.consoleUrl);
