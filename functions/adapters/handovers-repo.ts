import type { Handover, HandoverFailure } from '../core/handovers.ts';
import { type AuditInput, auditPut } from './audit.ts';
import { batchGetItems, tableKeys } from './dynamo/batch-get.ts';
import { getRecord, strip } from './dynamo/items.ts';
import { entries, INDEX, keys, requestersHandovers } from './dynamo/keys.ts';
import { fillPage } from './dynamo/query.ts';
import { transactUnlessLost } from './dynamo/transactions.ts';
import { tableName } from './env.ts';

/**
 * Handover packages in the records table (layout in tables.ts): one item per package, found by
 * id or, newest first, among its requester's (gsi2, keys only). Every change is conditional on
 * the package still BUILDING and goes into one transaction with its audit event.
 */

const handoverItem = (h: Handover) => ({
  ...keys.handover(h.handoverId),
  entity: 'handover',
  ...entries.handoverOfRequester(h.requestedBy.sub, h.createdAt, h.handoverId),
  ...h,
});

export const getHandover = (handoverId: string) => getRecord<Handover>(keys.handover(handoverId));

/** Records a package asked for, with its audit event. */
export async function createHandover(h: Handover, audit: AuditInput): Promise<void> {
  const done = await transactUnlessLost([
    {
      Put: {
        TableName: tableName(),
        Item: handoverItem(h),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    auditPut(audit),
  ]);
  if (!done) throw new Error(`handover ${h.handoverId} exists already`);
}

/** A requester's packages, newest first. */
export async function listHandovers(sub: string, limit: number): Promise<Handover[]> {
  const page = await fillPage(
    {
      TableName: tableName(),
      IndexName: INDEX.gsi2.name,
      KeyConditionExpression: 'gsi2pk = :pk AND begins_with(gsi2sk, :h)',
      ExpressionAttributeValues: { ':pk': requestersHandovers(sub), ':h': 'HANDOVER#' },
      ScanIndexForward: false,
    },
    limit,
    async (found) => (await batchGetItems(tableKeys(found))).map((item) => strip<Handover>(item)),
  );
  return page.items;
}

/**
 * Ends a package that is still BUILDING: READY with what it holds, or FAILED with the reason.
 * False when it had ended already (a step run twice changes nothing).
 */
export async function finishHandover(
  handoverId: string,
  end:
    | { status: 'READY'; result: NonNullable<Handover['result']> }
    | { status: 'FAILED'; failure: HandoverFailure },
  at: string,
  audit: AuditInput,
): Promise<boolean> {
  const outcome = end.status === 'READY' ? end.result : end.failure;
  return transactUnlessLost([
    {
      Update: {
        TableName: tableName(),
        Key: keys.handover(handoverId),
        ConditionExpression: '#status = :building',
        UpdateExpression: 'SET #status = :status, #outcome = :outcome, updatedAt = :at',
        ExpressionAttributeNames: {
          '#status': 'status',
          '#outcome': end.status === 'READY' ? 'result' : 'failure',
        },
        ExpressionAttributeValues: {
          ':building': 'BUILDING',
          ':status': end.status,
          ':outcome': outcome,
          ':at': at,
        },
      },
    },
    auditPut(audit),
  ]);
}
