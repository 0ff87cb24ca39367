import { GetCommand, QueryCommand, type QueryCommandInput, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { nextDay } from '../core/disposal.ts';
import type { CounterDeltas } from '../core/stats.ts';
import { ddb } from './clients.ts';
import { isConditionalCheckFailed } from './dynamo/transactions.ts';
import { tableName } from './env.ts';

/**
 * The dashboard's counters and reads in the records table:
 *
 * | item     | pk    | sk                          | attributes                                        |
 * |----------|-------|-----------------------------|---------------------------------------------------|
 * | counters | STATS | DOCS#<year>, INTAKE#<year>  | one number per counter (core/stats.ts); `b0`-`b7` |
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
const SLOTS = 8;

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
  for (const [sk, attrs] of deltas) {
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
          Key: { pk: STATS_PK, sk },
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

/** Every counter item: a handful per year kept. */
export async function readCounters(): Promise<{ sk: string; attrs: Record<string, unknown> }[]> {
  const out: { sk: string; attrs: Record<string, unknown> }[] = [];
  await queryPages(
    {
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': STATS_PK },
    },
    (item) => {
      const { pk: _pk, sk, entity: _entity, ...attrs } = item;
      for (let i = 0; i < SLOTS; i++) delete attrs[`b${i}`];
      out.push({ sk: String(sk), attrs });
    },
  );
  return out;
}

async function queryPages(
  input: QueryCommandInput,
  each: (item: Record<string, unknown>) => void,
): Promise<number> {
  let start: Record<string, unknown> | undefined;
  let count = 0;
  do {
    const res = await ddb.send(
      new QueryCommand({ ...input, ...(start ? { ExclusiveStartKey: start } : {}) }),
    );
    for (const item of res.Items ?? []) each(item);
    count += res.Count ?? 0;
    start = res.LastEvaluatedKey;
  } while (start);
  return count;
}

/**
 * Creation times of the tasks waiting for a role, from the open-task index's sort key
 * (`<createdAt>#<taskId>`): keys only, whatever the index projects.
 */
export async function openTaskCreationTimes(role: string): Promise<string[]> {
  const out: string[] = [];
  await queryPages(
    {
      TableName: tableName(),
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': `OPENTASKS#${role}` },
      ProjectionExpression: 'gsi1sk',
    },
    (item) => {
      const at = String(item.gsi1sk ?? '').split('#')[0];
      if (at) out.push(at);
    },
  );
  return out;
}

/** Due times of loans with something still out that were due before `now` (`<dueAt>#<loanId>`). */
export async function overdueLoanDueTimes(now: string): Promise<string[]> {
  const out: string[] = [];
  await queryPages(
    {
      TableName: tableName(),
      IndexName: 'gsi3',
      KeyConditionExpression: 'gsi3pk = :pk AND gsi3sk < :now',
      ExpressionAttributeValues: { ':pk': 'LOANS#OUT', ':now': now },
      ProjectionExpression: 'gsi3sk',
    },
    (item) => {
      const at = String(item.gsi3sk ?? '').split('#')[0];
      if (at) out.push(at);
    },
  );
  return out;
}

/** Documents filed in the due-date index of `month` with a due day from `from` through `through`. */
export async function countDueInMonth(month: string, from: string, through: string): Promise<number> {
  return queryPages(
    {
      TableName: tableName(),
      IndexName: 'gsi3',
      KeyConditionExpression: 'gsi3pk = :pk AND gsi3sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': `DUE#${month}`, ':from': from, ':to': nextDay(through) },
      Select: 'COUNT',
    },
    () => undefined,
  );
}

/** The last day the retention sweep went through, if it ever ran. */
export async function sweptThrough(): Promise<string | undefined> {
  const res = await ddb.send(
    new GetCommand({
      TableName: tableName(),
      Key: { pk: 'SWEEP#retention', sk: 'SWEEP' },
      ProjectionExpression: 'sweptThrough',
    }),
  );
  const day = res.Item?.sweptThrough;
  return typeof day === 'string' ? day : undefined;
}
