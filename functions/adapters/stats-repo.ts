import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { nextDay } from '../core/disposal.ts';
import { shardKey, shardKeys } from '../core/shards.ts';
import type { CounterDeltas, CounterName, StoredCounter } from '../core/stats.ts';
import { ddb } from './clients.ts';
import { dueMonth, INDEX, keys, loansOutKeys, openTaskKeys } from './dynamo/keys.ts';
import { queryAll, queryPages } from './dynamo/query.ts';
import { isConditionalCheckFailed } from './dynamo/transactions.ts';
import { tableName } from './env.ts';

/**
 * The dashboard's counters and reads in the records table:
 *
 * | item     | pk             | sk                          | attributes                                        |
 * |----------|----------------|-----------------------------|---------------------------------------------------|
 * | counters | STATS#<0..3>   | DOCS#<year>, INTAKE#<year>  | one number per counter (core/stats.ts); `b0`-`b7` |
 *
 * Each counter is kept in four shard items, the batch's identity choosing the shard (a batch
 * delivered again lands on the item it added to), so the stream's consumers never all write one
 * key; a read sums the shards and the unsharded `STATS` items written before.
 *
 * A stream batch adds to each counter item it touches with one UpdateItem (one write unit while
 * the item stays under 1 KB), whatever the number of changes it sums. The update also writes the
 * batch's identity into one of eight slots of the item (chosen by the identity) on the condition
 * that the slot does not hold it already, so a batch delivered again (the function failed after
 * its write) adds nothing to an item it added to before. Stream batches are retried whole
 * (TABLE_STREAMS), straight after the failure; only a batch of another shard landing in the same
 * slot of the same item in between could hide a repeat. The other figures come from the indexes
 * the workflows keep anyway (open tasks, loans out, due dates), read by key only.
 */

const STATS_PK = 'STATS';
const COUNTER_SHARDS = 4;
const SLOTS = 8;

/** The sort key of a counter item: `documents:2026` is `DOCS#2026`, `intake:2026` is `INTAKE#2026`. */
const skOfCounter = (counter: CounterName): string => {
  const [kind, year] = counter.split(':');
  return `${kind === 'documents' ? 'DOCS' : 'INTAKE'}#${year}`;
};

const counterOfSk = (sk: string): CounterName | undefined => {
  const m = /^(DOCS|INTAKE)#(\d{4})$/.exec(sk);
  return m ? (`${m[1] === 'DOCS' ? 'documents' : 'intake'}:${Number(m[2])}` as CounterName) : undefined;
};

export interface CounterWrite {
  /** Counter items this batch added to; 0 when it had been counted already. */
  applied: number;
  /** Write capacity units DynamoDB reported for the updates. */
  writeUnits: number;
}

/** Adds one stream batch's deltas to the counters, once per counter item and batch identity. */
export async function applyCounterDeltas(batchId: string, deltas: CounterDeltas): Promise<CounterWrite> {
  const table = tableName();
  const slot = `b${Number.parseInt(batchId.slice(0, 2), 16) % SLOTS}`;
  const pk = shardKey(STATS_PK, batchId, COUNTER_SHARDS);
  let writeUnits = 0;
  let applied = 0;
  for (const [counter, attrs] of deltas) {
    const sk = skOfCounter(counter);
    const names: Record<string, string> = { '#slot': slot };
    const values: Record<string, unknown> = { ':entity': 'stats', ':batch': batchId };
    const adds = [...attrs.entries()].map(([attr, n], i) => {
      names[`#a${i}`] = attr;
      values[`:a${i}`] = n;
      return `#a${i} :a${i}`;
    });
    try {
      const res = await ddb.send(
        new UpdateCommand({
          TableName: table,
          Key: { pk, sk },
          ConditionExpression: 'attribute_not_exists(#slot) OR #slot <> :batch',
          UpdateExpression: `SET entity = :entity, #slot = :batch ADD ${adds.join(', ')}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      writeUnits += res.ConsumedCapacity?.CapacityUnits ?? 0;
      applied++;
    } catch (err) {
      // Counted before: this item already holds this batch.
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }
  return { applied, writeUnits };
}

/** Every counter, its shards summed: a handful of items per year kept. */
export async function readCounters(): Promise<StoredCounter[]> {
  const shards = await Promise.all(
    shardKeys(STATS_PK, COUNTER_SHARDS).map((pk) =>
      queryAll({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
      }),
    ),
  );
  const sums = new Map<CounterName, Record<string, unknown>>();
  for (const item of shards.flat()) {
    const { pk: _pk, sk, entity: _entity, ...attrs } = item;
    for (let i = 0; i < SLOTS; i++) delete attrs[`b${i}`];
    const counter = counterOfSk(String(sk));
    if (!counter) continue;
    const sum = sums.get(counter) ?? {};
    for (const [name, value] of Object.entries(attrs)) {
      sum[name] = typeof value === 'number' ? (Number(sum[name]) || 0) + value : value;
    }
    sums.set(counter, sum);
  }
  return [...sums].map(([counter, attrs]) => ({ counter, attrs }));
}

/**
 * Creation times of the tasks waiting for a role, from the open-task index's sort key
 * (`<createdAt>#<taskId>`) on each of the role's keys: keys only, whatever the index projects.
 */
export async function openTaskCreationTimes(role: string): Promise<string[]> {
  const perKey = await Promise.all(
    openTaskKeys(role).map((pk) =>
      queryAll({
        TableName: tableName(),
        IndexName: INDEX.gsi1.name,
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ProjectionExpression: 'gsi1sk',
      }),
    ),
  );
  return perKey.flat().flatMap((item) => String(item.gsi1sk ?? '').split('#')[0] || []);
}

/** Due times of loans with something still out that were due before `now` (`<dueAt>#<loanId>`). */
export async function overdueLoanDueTimes(now: string): Promise<string[]> {
  const perKey = await Promise.all(
    loansOutKeys().map((pk) =>
      queryAll({
        TableName: tableName(),
        IndexName: INDEX.gsi3.name,
        KeyConditionExpression: 'gsi3pk = :pk AND gsi3sk < :now',
        ExpressionAttributeValues: { ':pk': pk, ':now': now },
        ProjectionExpression: 'gsi3sk',
      }),
    ),
  );
  return perKey.flat().flatMap((item) => String(item.gsi3sk ?? '').split('#')[0] || []);
}

/** Documents filed in the due-date index of `month` with a due day from `from` through `through`. */
export async function countDueInMonth(month: string, from: string, through: string): Promise<number> {
  let count = 0;
  const pages = queryPages({
    TableName: tableName(),
    IndexName: INDEX.gsi3.name,
    KeyConditionExpression: 'gsi3pk = :pk AND gsi3sk BETWEEN :from AND :to',
    ExpressionAttributeValues: { ':pk': dueMonth(month), ':from': from, ':to': nextDay(through) },
    Select: 'COUNT',
  });
  for await (const page of pages) count += page.count;
  return count;
}

/** The last day the retention sweep went through, if it ever ran. */
export async function sweptThrough(): Promise<string | undefined> {
  const res = await ddb.send(
    new GetCommand({
      TableName: tableName(),
      Key: keys.sweep('retention'),
      ProjectionExpression: 'sweptThrough',
    }),
  );
  const day = res.Item?.sweptThrough;
  return typeof day === 'string' ? day : undefined;
}
