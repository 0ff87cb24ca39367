import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { guardAuditTrail } from './audit-guard.ts';

/**
 * The DynamoDB clients, which every function uses. One client per service per process, created
 * at module load so a warm Lambda reuses its connections (and every API request needs this one
 * for the caller's account anyway). Endpoints come from the SDK's standard settings
 * (AWS_ENDPOINT_URL_DYNAMODB), which is how the local realisation is reached. The S3 and Step
 * Functions clients have modules of their own (s3-client.ts, sfn-client.ts), so a bundle holds
 * only the clients its function imports.
 */

export const dynamodb = new DynamoDBClient({});
// No command through this client can change or delete an audit item (audit-guard.ts).
guardAuditTrail(dynamodb);

export const ddb = DynamoDBDocumentClient.from(dynamodb, {
  marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
});
