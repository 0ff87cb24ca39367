import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { shardKey, shardKeys } from '../core/shards.ts';
import type { CounterDeltas, CounterName, StoredCounter, StoredDueMonth } from '../core/stats.ts';
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
 * | due      | DUESTATS#<0..3>| <yyyy-mm>                   | `D#<dd>` documents filed under that day; `b0`-`b7` |
 * | due seed | DUESTATS       | <yyyy-mm>                   | `D#<dd>` written by the recount (recountDueMonth)  |
 *
 * The due counters have their own partitions so that reading the year counters never reads the
 * months of due days decades ahead, and the dashboard's window (about four months) is one range
 * of a few items per shard: one Query each, well under one 4 KB read unit, at any number due.
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
const DUE_STATS_PK = 'DUESTATS';
const COUNTER_SHARDS = 4;
const SLOTS = 8;

/**
 * The partition (before its shard) and sort key of a counter item: `documents:2026` is
 * `STATS`/`DOCS#2026`, `intake:2026` is `STATS`/`INTAKE#2026`, `due:2026-12` is `DUESTATS`/`2026-12`.
 */
const keyOfCounter = (counter: CounterName): { base: string; sk: string } => {
  const [kind, period] = counter.split(':');
  if (kind === 'due') return { base: DUE_STATS_PK, sk: String(period) };
  return { base: STATS_PK, sk: `${kind === 'documents' ? 'DOCS' : 'INTAKE'}#${period}` };
};

/** A counter item's attributes without its keys and batch slots. */
function countsOf(item: Record<string, unknown>): Record<string, unknown> {
  const { pk: _pk, sk: _sk, entity: _entity, ...attrs } = item;
  for (let i = 0; i < SLOTS; i++) delete attrs[`b${i}`];
  return attrs;
}

/** Adds numbers attribute by attribute into `sum` (other values: the last one read). */
function addInto(sum: Record<string, unknown>, attrs: Record<string, unknown>): Record<string, unknown> {
  for (const [name, value] of Object.entries(attrs)) {
    sum[name] = typeof value === 'number' ? (Number(sum[name]) || 0) + value : value;
  }
  return sum;
}

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
  let writeUnits = 0;
  let applied = 0;
  for (const [counter, attrs] of deltas) {
    const { base, sk } = keyOfCounter(counter);
    const pk = shardKey(base, batchId, COUNTER_SHARDS);
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
    const counter = counterOfSk(String(item.sk));
    if (counter) sums.set(counter, addInto(sums.get(counter) ?? {}, countsOf(item)));
  }
  return [...sums].map(([counter, attrs]) => ({ counter, attrs }));
}

/** The due counters of the months `first` through `last` (`YYYY-MM`) in one partition. */
const dueItemsIn = (pk: string, first: string, last: string) =>
  queryAll({
    TableName: tableName(),
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :first AND :last',
    ExpressionAttributeValues: { ':pk': pk, ':first': first, ':last': last },
  });

/**
 * The due counters of the months `first` through `last`, the shards and the recount's seed
 * summed: one Query per key, each reading the few month items of the range (eventually
 * consistent: the counters trail the stream by a moment anyway).
 */
export async function readDueCounters(first: string, last: string): Promise<StoredDueMonth[]> {
  const items = await Promise.all(
    shardKeys(DUE_STATS_PK, COUNTER_SHARDS).map((pk) => dueItemsIn(pk, first, last)),
  );
  const sums = new Map<string, Record<string, unknown>>();
  for (const item of items.flat()) {
    const month = String(item.sk);
    sums.set(month, addInto(sums.get(month) ?? {}, countsOf(item)));
  }
  return [...sums].map(([month, attrs]) => ({ month, attrs }));
}

/** Documents filed in the due-date index under each day of `month` (`YYYY-MM`), keys only. */
async function dueIndexDays(month: string): Promise<Map<string, number>> {
  const days = new Map<string, number>();
  const pages = queryPages({
    TableName: tableName(),
    IndexName: INDEX.gsi3.name,
    KeyConditionExpression: 'gsi3pk = :pk',
    ExpressionAttributeValues: { ':pk': dueMonth(month) },
    ProjectionExpression: 'gsi3sk',
  });
  for await (const page of pages) {
    for (const item of page.items) {
      const day = String(item.gsi3sk ?? '').slice(0, 10);
      days.set(day, (days.get(day) ?? 0) + 1);
    }
  }
  return days;
}

/**
 * Makes the due counters of `month` agree with the due-date index: the seed item becomes, per
 * day, the index's count less what the shards hold (documents filed before the counters existed,
 * or any drift). Writing the seed whole makes a second run write the same; exact when no
 * document of the month changes during the run. Returns the month's count in the index and the
 * seed written.
 */
export async function recountDueMonth(month: string): Promise<{ indexed: number; seeded: number }> {
  const [indexed, shards, seedItems] = await Promise.all([
    dueIndexDays(month),
    Promise.all(
      shardKeys(DUE_STATS_PK, COUNTER_SHARDS)
        .filter((pk) => pk !== DUE_STATS_PK)
        .map((pk) => dueItemsIn(pk, month, month)),
    ),
    dueItemsIn(DUE_STATS_PK, month, month),
  ]);
  const counted: Record<string, unknown> = {};
  for (const item of shards.flat()) addInto(counted, countsOf(item));
  const seed: Record<string, number> = {};
  for (const [day, n] of indexed) {
    const attr = `D#${day.slice(8, 10)}`;
    if (n !== Number(counted[attr] ?? 0)) seed[attr] = n - Number(counted[attr] ?? 0);
  }
  for (const [attr, n] of Object.entries(counted)) {
    if (typeof n === 'number' && n !== 0 && !indexed.has(`${month}-${attr.slice(2)}`)) seed[attr] = -n;
  }
  const key = { pk: DUE_STATS_PK, sk: month };
  const total = [...indexed.values()].reduce((a, b) => a + b, 0);
  if (Object.keys(seed).length > 0) {
    await ddb.send(new PutCommand({ TableName: tableName(), Item: { ...key, entity: 'stats', ...seed } }));
  } else if (seedItems.length > 0) {
    await ddb.send(new DeleteCommand({ TableName: tableName(), Key: key }));
  }
  return { indexed: total, seeded: Object.values(seed).reduce((a, b) => a + b, 0) };
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
