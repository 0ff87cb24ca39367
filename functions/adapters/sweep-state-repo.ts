import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { ddb } from './clients.ts';
import { getRecord } from './dynamo/items.ts';
import { keys } from './dynamo/keys.ts';
import { updateUnlessLost } from './dynamo/transactions.ts';
import { tableName } from './env.ts';

/**
 * The retention sweep's watermark, the fixity check's cursor and the permanence walk's cursor
 * (records table, layout in tables.ts).
 */

export interface SweepState {
  /** The last day (`YYYY-MM-DD`) the sweep went through. */
  sweptThrough?: string;
  /**
   * Fixity: the last original checked, in key order; the next run starts after it. Permanence:
   * the last original the walk over records archived under a legal hold has looked at.
   */
  cursor?: string;
  /** Permanence: every record archived under a legal hold has been put under COMPLIANCE retention. */
  legacyDone?: boolean;
  /** Permanence: records the current pass of that walk could not lock (it then starts over). */
  failures?: number;
  lastRunAt?: string;
  [key: string]: unknown;
}

export async function getSweepState(
  name: 'retention' | 'fixity' | 'permanence',
): Promise<SweepState | undefined> {
  return getRecord<SweepState>(keys.sweep(name));
}

/** Moves the watermark forward to `day`; never backwards (a late, slower run changes nothing). */
export async function advanceWatermark(day: string, at: string, summary: Record<string, unknown>) {
  await updateUnlessLost({
    TableName: tableName(),
    Key: keys.sweep('retention'),
    ConditionExpression: 'attribute_not_exists(sweptThrough) OR sweptThrough <= :day',
    UpdateExpression: 'SET sweptThrough = :day, lastRunAt = :at, lastRun = :summary, entity = :entity',
    ExpressionAttributeValues: { ':day': day, ':at': at, ':summary': summary, ':entity': 'sweep-state' },
  });
}

export const saveFixityCursor = (cursor: string | undefined, at: string, summary: Record<string, unknown>) =>
  putSweepState('fixity', cursor ? { cursor } : {}, at, summary);

/** Where the walk over records archived under a legal hold has got to, or that it is done. */
export const savePermanenceWalk = (
  walk: { cursor?: string; done?: boolean; failures: number },
  at: string,
  summary: Record<string, unknown>,
) =>
  putSweepState(
    'permanence',
    {
      ...(walk.cursor ? { cursor: walk.cursor } : {}),
      legacyDone: walk.done === true,
      failures: walk.failures,
    },
    at,
    summary,
  );

/** One scheduled job's state item, replaced whole with where it got to and its last run. */
async function putSweepState(
  kind: Parameters<typeof keys.sweep>[0],
  state: Record<string, unknown>,
  at: string,
  summary: Record<string, unknown>,
) {
  await ddb.send(
    new PutCommand({
      TableName: tableName(),
      Item: { ...keys.sweep(kind), entity: 'sweep-state', ...state, lastRunAt: at, lastRun: summary },
    }),
  );
}
