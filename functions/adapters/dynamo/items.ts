import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ddb } from '../clients.ts';
import { tableName } from '../env.ts';
import { type ItemKey, KEY_ATTRIBUTES } from './keys.ts';
import { queryAll } from './query.ts';

/**
 * The item codec of the records table: what is stored beside a record (its keys, index entries
 * and entity tag) is the table's business, and is taken off before the record reaches the domain.
 */

const INDEX_ATTRIBUTES: ReadonlySet<string> = new Set(KEY_ATTRIBUTES);

/** The table's TTL attribute's value (`expiresAt`, epoch seconds) for an item kept `days` from `at`. */
export const expiresAtAfter = (at: Date, days: number): number =>
  Math.floor(at.getTime() / 1000) + days * 86_400;

/** An item without its key and index attributes: the record as the domain sees it. */
export function strip<T>(item: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!INDEX_ATTRIBUTES.has(k)) out[k] = v;
  return out as T;
}

/** One record of the records table, read strongly consistent. */
export async function getRecord<T>(key: ItemKey): Promise<T | undefined> {
  const res = await ddb.send(new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: true }));
  return res.Item ? strip<T>(res.Item) : undefined;
}

/**
 * The records of one partition whose sort key starts with `skPrefix` (a document's holds, a
 * batch's items, versions), in sort-key order, read strongly consistent to the end. `read` turns
 * an item into its record (keys taken off unless a record is read from them, as a version is).
 */
export async function recordsUnder<T>(
  pk: string,
  skPrefix: string,
  read: (item: Record<string, unknown>) => T = strip<T>,
): Promise<T[]> {
  const items = await queryAll({
    TableName: tableName(),
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
    ConsistentRead: true,
  });
  return items.map(read);
}
