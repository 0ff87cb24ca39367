import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { guardAuditTrail } from './audit-guard.ts';

/**
 * One client per service per process, created at module load so a warm Lambda reuses its
 * connections. Endpoints come from the SDK's standard settings (AWS_ENDPOINT_URL_DYNAMODB,
 * AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_SFN), which is how the local realisation is reached.
 */

export const dynamodb = new DynamoDBClient({});
// No command through this client can change or delete an audit item (audit-guard.ts).
guardAuditTrail(dynamodb);

export const ddb = DynamoDBDocumentClient.from(dynamodb, {
  marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
});

// Pure: a function that never touches S3 (or Step Functions) leaves that client out of its bundle.
export const s3 = /* @__PURE__ */ new S3Client({
  // Path-style works for every bucket name on AWS and needs no wildcard DNS locally.
  forcePathStyle: true,
  // Checksums are sent when an operation requires them; uploads are bound to SHA-256 by the
  // presigned URL instead.
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});

export const sfn = /* @__PURE__ */ new SFNClient({});
