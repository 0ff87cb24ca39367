import {
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { nextDay } from '../core/disposal.ts';
import type { CounterDeltas } from '../core/stats.ts';
import { ddb } from './clients.ts';
import { tableName } from './env.ts';
import { cancellationReasons, lostCondition } from './records-repo.ts';

/**
 * The dashboard's counters and reads in the records table:
 *
 * | item            | pk                    | sk                          | attributes                     |
 * |-----------------|-----------------------|-----------------------------|--------------------------------|
 * | counters        | STATS                 | DOCS#<year>, INTAKE#<year>  | one number per counter (core/stats.ts) |
 * | counted batch   | STATSBATCH#<batch id> | STATSBATCH                  | expiresAt (TTL, two days)      |
 *
 * A stream batch adds to each counter item it touches once, in one transaction with the marker
 * of the batch, so a batch delivered again adds nothing. The other figures come from the indexes
 * the workflows keep anyway (open tasks, loans out, due dates), read by key only.
 */

const STATS_PK = 'STATS';
const BATCH_MARKER_TTL_SECONDS = 2 * 24 * 3600;
/** Items per transaction (DynamoDB allows 100): the marker and up to this many counter items. */
const COUNTER_ITEMS_PER_TRANSACTION = 50;

export interface CounterWrite {
  /** False when this batch had been counted already. */
  applied: boolean;
  /** Write capacity units DynamoDB reported for the transactions. */
  writeUnits: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Adds one stream batch's deltas to the counters, once per batch identity. */
export async function applyCounterDeltas(
  batchId: string,
  deltas: CounterDeltas,
  batchAt: Date,
): Promise<CounterWrite> {
  const table = tableName();
  const items = [...deltas.entries()];
  let writeUnits = 0;
  let applied = false;
  for (let part = 0; part * COUNTER_ITEMS_PER_TRANSACTION < items.length; part++) {
    const chunk = items.slice(
      part * COUNTER_ITEMS_PER_TRANSACTION,
      (part + 1) * COUNTER_ITEMS_PER_TRANSACTION,
    );
    const id = part === 0 ? batchId : `${batchId}-${part}`;
    const transactItems = [
      {
        Put: {
          TableName: table,
          Item: {
            pk: `STATSBATCH#${id}`,
            sk: 'STATSBATCH',
            entity: 'stats-batch',
            // The stream's own time (real time, whatever the test clock says), as TTL expects.
            expiresAt: Math.floor(batchAt.getTime() / 1000) + BATCH_MARKER_TTL_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      ...chunk.map(([sk, attrs]) => {
        const names: Record<string, string> = {};
        const values: Record<string, unknown> = { ':entity': 'stats' };
        const adds = [...attrs.entries()].map(([attr, n], i) => {
          names[`#a${i}`] = attr;
          values[`:a${i}`] = n;
          return `#a${i} :a${i}`;
        });
        return {
          Update: {
            TableName: table,
            Key: { pk: STATS_PK, sk },
            UpdateExpression: `SET entity = :entity ADD ${adds.join(', ')}`,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          },
        };
      }),
    ];
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await ddb.send(
          new TransactWriteCommand({
            TransactItems: transactItems,
            ReturnConsumedCapacity: 'TOTAL',
          }),
        );
        for (const c of res.ConsumedCapacity ?? []) writeUnits += c.CapacityUnits ?? 0;
        applied = true;
        break;
      } catch (err) {
        if (lostCondition(err)) break; // counted before
        const reasons = cancellationReasons(err);
        const conflictOnly =
          reasons?.includes('TransactionConflict') && !reasons.includes('ConditionalCheckFailed');
        if (!conflictOnly || attempt >= 5) throw err;
        await sleep(25 * 2 ** attempt + Math.random() * 25);
      }
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
