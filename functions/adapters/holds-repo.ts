import type { Hold } from '../core/disposal.ts';
import { type AuditInput, auditPut } from './audit.ts';
import { getRecord, recordsUnder } from './dynamo/items.ts';
import { entries, keys, partitions } from './dynamo/keys.ts';
import { transactUnlessLost } from './dynamo/transactions.ts';
import { tableName } from './env.ts';

/** Holds on documents (records table, layout in tables.ts): a held document is never due. */

export function holdItem(h: Hold) {
  return { ...keys.hold(h.documentId, h.holdId), entity: 'hold', ...h };
}

export async function getHold(documentId: string, holdId: string): Promise<Hold | undefined> {
  return getRecord<Hold>(keys.hold(documentId, holdId));
}

export async function listHolds(documentId: string): Promise<Hold[]> {
  const of = partitions.holdsOf(documentId);
  return recordsUnder<Hold>(of.pk, of.skPrefix);
}

/**
 * Records a hold: the hold item, one more active hold on the document, and the document out of
 * the due-date index, with the audit event. A permanent document keeps its entry: it is never
 * due, and its entry is its lock's renewal day (permanent-locks-repo.ts), which a hold must not
 * stop. Only an ARCHIVED document that is not being destroyed can be held; false otherwise
 * (nothing written).
 */
export async function placeHold(hold: Hold, permanent: boolean, audit: AuditInput): Promise<boolean> {
  return transactUnlessLost([
    {
      Put: {
        TableName: tableName(),
        Item: holdItem(hold),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    {
      Update: {
        TableName: tableName(),
        Key: keys.document(hold.documentId),
        ConditionExpression: '#status = :archived AND attribute_not_exists(destroying)',
        UpdateExpression: `SET updatedAt = :at ADD activeHolds :one${permanent ? '' : ' REMOVE gsi3pk, gsi3sk'}`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':archived': 'ARCHIVED', ':at': hold.placedAt, ':one': 1 },
      },
    },
    auditPut(audit),
  ]);
}

/**
 * ACTIVE → RELEASED, one active hold fewer on the document (which held `activeHolds` when read),
 * and, when `refileDay` is given (the last hold went and the document is due-dated and in no
 * batch), the document back in the due-date index, with the audit event. False when the hold or
 * the count changed meanwhile (nothing written; read again and retry).
 */
export async function releaseHold(
  hold: Hold,
  activeHolds: number,
  refileDay: string | undefined,
  by: { sub: string; username: string },
  at: string,
  audit: AuditInput,
): Promise<boolean> {
  const index = refileDay ? entries.due(refileDay, hold.documentId) : undefined;
  return transactUnlessLost([
    {
      Update: {
        TableName: tableName(),
        Key: keys.hold(hold.documentId, hold.holdId),
        ConditionExpression: '#status = :active',
        UpdateExpression: 'SET #status = :released, releasedAt = :at, releasedBy = :by, releasedBySub = :sub',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':active': 'ACTIVE',
          ':released': 'RELEASED',
          ':at': at,
          ':by': by.username,
          ':sub': by.sub,
        },
      },
    },
    {
      Update: {
        TableName: tableName(),
        Key: keys.document(hold.documentId),
        ConditionExpression: 'activeHolds = :seen',
        UpdateExpression: `SET activeHolds = :next, updatedAt = :at${index ? ', gsi3pk = :gpk, gsi3sk = :gsk' : ''}`,
        ExpressionAttributeValues: {
          ':seen': activeHolds,
          ':next': activeHolds - 1,
          ':at': at,
          ...(index ? { ':gpk': index.gsi3pk, ':gsk': index.gsi3sk } : {}),
        },
      },
    },
    auditPut(audit),
  ]);
}
