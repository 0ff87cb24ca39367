import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DocumentVersion } from '../core/document-history.ts';
import { ddb } from './clients.ts';
import { strip } from './dynamo/items.ts';
import { keys } from './dynamo/keys.ts';
import { queryAll } from './dynamo/query.ts';
import { writtenUnlessConditionFails } from './dynamo/transactions.ts';
import { tableName } from './env.ts';

/**
 * Document versions in the records table: `DOCUMENT#<id>` / `V#<changedAt>#<sequence>`, beside
 * the document item. Written once per stream record (a redelivery finds its version there).
 */

const versionSk = (v: Pick<DocumentVersion, 'changedAt' | 'sequence'>) =>
  `V#${v.changedAt}#${v.sequence.padStart(40, '0')}`;

export async function putDocumentVersion(v: DocumentVersion): Promise<boolean> {
  return writtenUnlessConditionFails(() =>
    ddb.send(
      new PutCommand({
        TableName: tableName(),
        Item: { ...keys.documentVersion(v.documentId, versionSk(v)), entity: 'document-version', ...v },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ),
  );
}

/** Every version of a document, oldest first. */
export async function listDocumentVersions(documentId: string): Promise<DocumentVersion[]> {
  const items = await queryAll({
    TableName: tableName(),
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :v)',
    ExpressionAttributeValues: { ':pk': keys.document(documentId).pk, ':v': 'V#' },
    ConsistentRead: true,
  });
  return items.map((item) => strip<DocumentVersion>(item));
}
