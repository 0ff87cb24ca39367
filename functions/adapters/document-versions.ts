import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DocumentVersion } from '../core/document-history.ts';
import { ddb } from './clients.ts';
import { tableName } from './env.ts';

/**
 * Document versions in the records table: `DOCUMENT#<id>` / `V#<changedAt>#<sequence>`, beside
 * the document item. Written once per stream record (a redelivery finds its version there).
 */

const versionSk = (v: Pick<DocumentVersion, 'changedAt' | 'sequence'>) =>
  `V#${v.changedAt}#${v.sequence.padStart(40, '0')}`;

export async function putDocumentVersion(v: DocumentVersion): Promise<boolean> {
  try {
    await ddb.send(
      new PutCommand({
        TableName: tableName(),
        Item: { pk: `DOCUMENT#${v.documentId}`, sk: versionSk(v), entity: 'document-version', ...v },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  } catch (err) {
    if ((err as Error).name === 'ConditionalCheckFailedException') return false;
    throw err;
  }
}

/** Every version of a document, oldest first. */
export async function listDocumentVersions(documentId: string): Promise<DocumentVersion[]> {
  const out: DocumentVersion[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const res = await ddb.send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :v)',
        ExpressionAttributeValues: { ':pk': `DOCUMENT#${documentId}`, ':v': 'V#' },
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of res.Items ?? []) {
      const { pk: _pk, sk: _sk, entity: _e, ...v } = item;
      out.push(v as DocumentVersion);
    }
    start = res.LastEvaluatedKey;
  } while (start);
  return out;
}
