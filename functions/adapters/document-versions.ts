import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DocumentVersion } from '../core/document-history.ts';
import { ddb } from './clients.ts';
import { recordsUnder } from './dynamo/items.ts';
import { keys, RECORD_KEYS } from './dynamo/keys.ts';
import { writtenUnlessConditionFails } from './dynamo/transactions.ts';
import { tableName } from './env.ts';

/**
 * Document versions in the records table: `DOCUMENT#<id>` / `V#<changedAt>#<sequence, 40 digits>`,
 * beside the document item. Written once per stream record (a redelivery finds its version there).
 *
 * A version is kept for as long as its document, in the Standard table with PITR, so the item
 * holds only what its keys do not already say: the document, the time and the sequence are in the
 * keys, the changed fields are the names in `before` and `after`, and a status that changed is in
 * them too. Versions written before kept all of these; they read the same.
 */

const versionSk = (v: Pick<DocumentVersion, 'changedAt' | 'sequence'>) =>
  `V#${v.changedAt}#${v.sequence.padStart(40, '0')}`;

export function versionItem(v: DocumentVersion): Record<string, unknown> {
  return {
    ...keys.documentVersion(v.documentId, versionSk(v)),
    changedBy: v.changedBy,
    kind: v.kind,
    // The status before and after is in `before`/`after` when it changed; else kept as it was.
    ...(v.statusBefore !== undefined && v.before.status !== v.statusBefore
      ? { statusBefore: v.statusBefore }
      : {}),
    ...(v.statusAfter !== undefined && v.after.status !== v.statusAfter
      ? { statusAfter: v.statusAfter }
      : {}),
    before: v.before,
    after: v.after,
  };
}

export function versionOf(item: Record<string, unknown>): DocumentVersion {
  const sk = String(item.sk);
  const [, changedAt = '', sequence = ''] = sk.split('#');
  const before = (item.before ?? {}) as Record<string, unknown>;
  const after = (item.after ?? {}) as Record<string, unknown>;
  const statusBefore = item.statusBefore ?? before.status;
  const statusAfter = item.statusAfter ?? after.status;
  return {
    documentId: String(item.documentId ?? String(item.pk).slice(RECORD_KEYS.document.pkPrefix.length)),
    changedAt: String(item.changedAt ?? changedAt),
    changedBy: String(item.changedBy),
    kind: item.kind as DocumentVersion['kind'],
    ...(typeof statusBefore === 'string' ? { statusBefore } : {}),
    ...(typeof statusAfter === 'string' ? { statusAfter } : {}),
    changed:
      (item.changed as string[] | undefined) ??
      [...new Set([...Object.keys(before), ...Object.keys(after)])].sort(),
    before,
    after,
    sequence: String(item.sequence ?? sequence),
  };
}

export async function putDocumentVersion(v: DocumentVersion): Promise<boolean> {
  return writtenUnlessConditionFails(() =>
    ddb.send(
      new PutCommand({
        TableName: tableName(),
        Item: versionItem(v),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ),
  );
}

/** Every version of a document, oldest first. */
export async function listDocumentVersions(documentId: string): Promise<DocumentVersion[]> {
  return recordsUnder(keys.document(documentId).pk, 'V#', versionOf);
}
