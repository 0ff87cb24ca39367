import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DocumentVersion } from '../core/document-history.ts';
import { ddb } from './clients.ts';
import { recordsUnder } from './dynamo/items.ts';
import { keys } from './dynamo/keys.ts';
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
  return recordsUnder<DocumentVersion>(keys.document(documentId).pk, 'V#');
}
