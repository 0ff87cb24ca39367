import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  type TransactWriteItem,
} from '@aws-sdk/lib-dynamodb';
import { type WatchEntry, type WatchedKind, watchShard } from '../core/workflow-health.ts';
import { ddb } from './clients.ts';
import { queryPages } from './dynamo/query.ts';
import { writtenUnlessConditionFails } from './dynamo/transactions.ts';
import { tableName } from './env.ts';

/**
 * Records on watch and records found stuck, in the records table (workflow-health.ts says why):
 *
 * | item         | pk             | sk                  |
 * |--------------|----------------|---------------------|
 * | watch entry  | WATCH#<0..3>   | <kind>#<recordId>   |
 * | stuck record | STUCK          | <kind>#<recordId>   |
 *
 * A watch entry is written when a record's execution is started (in the same transaction where
 * there is one) and removed by the check once the record no longer waits; its cost follows the
 * records in flight, not the archive. Stuck records are few: the dashboard reads their one
 * partition.
 */

const watchKey = (kind: WatchedKind, recordId: string) => ({
  pk: `WATCH#${watchShard(recordId)}`,
  sk: `${kind}#${recordId}`,
});
const stuckKey = (kind: WatchedKind, recordId: string) => ({ pk: 'STUCK', sk: `${kind}#${recordId}` });

const watchItem = (entry: WatchEntry) => ({
  ...watchKey(entry.kind, entry.recordId),
  entity: 'watch',
  ...entry,
});

/** A TransactWriteItems entry putting a record on watch (a new attempt replaces the old entry). */
export function watchPut(entry: WatchEntry): TransactWriteItem {
  return { Put: { TableName: tableName(), Item: watchItem(entry) } };
}

/** Puts a record on watch outside a transaction. */
export async function putWatch(entry: WatchEntry): Promise<void> {
  await ddb.send(new PutCommand({ TableName: tableName(), Item: watchItem(entry) }));
}

/** Every entry of one watch partition, page by page. */
export async function* watchEntries(shard: number): AsyncGenerator<WatchEntry> {
  const pages = queryPages({
    TableName: tableName(),
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': `WATCH#${shard}` },
  });
  for await (const page of pages) {
    for (const item of page.items) {
      yield {
        kind: item.kind as WatchedKind,
        recordId: String(item.recordId),
        executionArn: String(item.executionArn),
        since: String(item.since),
      };
    }
  }
}

/** Drops a finished record's entry, unless a newer attempt replaced it meanwhile. */
export async function unwatch(entry: WatchEntry): Promise<void> {
  // A newer attempt's entry stays.
  await writtenUnlessConditionFails(() =>
    ddb.send(
      new DeleteCommand({
        TableName: tableName(),
        Key: watchKey(entry.kind, entry.recordId),
        ConditionExpression: 'executionArn = :arn',
        ExpressionAttributeValues: { ':arn': entry.executionArn },
      }),
    ),
  );
}

export interface StuckRecord extends WatchEntry {
  reason: string;
  foundAt: string;
  repair: string;
}

export async function putStuck(stuck: StuckRecord): Promise<void> {
  await ddb.send(
    new PutCommand({
      TableName: tableName(),
      Item: { ...stuckKey(stuck.kind, stuck.recordId), entity: 'stuck', ...stuck },
    }),
  );
}

export async function getStuck(kind: WatchedKind, recordId: string): Promise<StuckRecord | undefined> {
  const res = await ddb.send(
    new GetCommand({ TableName: tableName(), Key: stuckKey(kind, recordId), ConsistentRead: true }),
  );
  return res.Item ? stuckOf(res.Item) : undefined;
}

export async function dropStuck(kind: WatchedKind, recordId: string): Promise<void> {
  await ddb.send(new DeleteCommand({ TableName: tableName(), Key: stuckKey(kind, recordId) }));
}

/** The records found stuck, at most `limit` (the partition holds only those not yet repaired). */
export async function listStuck(limit = 100): Promise<StuckRecord[]> {
  const res = await ddb.send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'STUCK' },
      Limit: limit,
    }),
  );
  return (res.Items ?? []).map(stuckOf);
}

const stuckOf = (i: Record<string, unknown>): StuckRecord => ({
  kind: i.kind as WatchedKind,
  recordId: String(i.recordId),
  executionArn: String(i.executionArn),
  since: String(i.since),
  reason: String(i.reason),
  foundAt: String(i.foundAt),
  repair: String(i.repair),
});
