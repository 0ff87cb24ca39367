import { BatchGetCommand, type BatchGetCommandOutput } from '@aws-sdk/lib-dynamodb';
import { ddb } from '../clients.ts';
import { tableName } from '../env.ts';

/**
 * Items of the records table (or `options.table`) by key, in the order of `keyList`; keys without
 * an item are left out. The records table's gsi1 and gsi2 and the audit table's indexes do not
 * hold whole items (tables.ts), so their readers query an index for keys and read the items here: 100 keys per BatchGetItem, unprocessed keys retried
 * with backoff. An item read after its index entry may have changed since (or be gone): callers
 * that filter re-check the item itself.
 */
export async function batchGetItems(
  keyList: readonly { pk: string; sk: string }[],
  options: {
    consistent?: boolean;
    projection?: { expression: string; names?: Record<string, string> };
    table?: string;
    /** Another client than the functions' (a script's, with its own credentials). */
    client?: typeof ddb;
  } = {},
): Promise<Record<string, unknown>[]> {
  const table = options.table ?? tableName();
  const found = new Map<string, Record<string, unknown>>();
  const id = (k: Record<string, unknown>) => `${String(k.pk)}\u0000${String(k.sk)}`;
  // The keys are read even when the projection leaves them out, to put the items in order.
  const projection = options.projection
    ? {
        ProjectionExpression: [
          ...new Set([...options.projection.expression.split(',').map((a) => a.trim()), 'pk', 'sk']),
        ].join(', '),
        ...(options.projection.names ? { ExpressionAttributeNames: options.projection.names } : {}),
      }
    : {};
  const unique = [...new Map(keyList.map((k) => [id(k), { pk: k.pk, sk: k.sk }])).values()];
  for (let i = 0; i < unique.length; i += 100) {
    let pending: Record<string, unknown>[] | undefined = unique.slice(i, i + 100);
    for (let round = 0; pending && pending.length > 0; round++) {
      if (round >= 6) throw new Error('items could not be read: DynamoDB kept keys unprocessed');
      if (round > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** round));
      const res: BatchGetCommandOutput = await (options.client ?? ddb).send(
        new BatchGetCommand({
          RequestItems: {
            [table]: {
              Keys: pending,
              ...(options.consistent ? { ConsistentRead: true } : {}),
              ...projection,
            },
          },
        }),
      );
      for (const item of res.Responses?.[table] ?? []) found.set(id(item), item);
      pending = res.UnprocessedKeys?.[table]?.Keys;
    }
  }
  return keyList.flatMap((k) => {
    const item = found.get(id(k));
    return item ? [item] : [];
  });
}

/** The table keys of index entries (a KEYS_ONLY index returns them with its own keys). */
export const tableKeys = (
  items: readonly Record<string, unknown>[] | undefined,
): { pk: string; sk: string }[] =>
  (items ?? []).flatMap((i) =>
    typeof i.pk === 'string' && typeof i.sk === 'string' ? [{ pk: i.pk, sk: i.sk }] : [],
  );
