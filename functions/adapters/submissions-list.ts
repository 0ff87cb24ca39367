import { BatchGetCommand, type BatchGetCommandOutput, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_REGION } from '../core/customers.ts';
import type { ListPosition } from '../core/submission-list.ts';
import type { Submission } from '../core/submissions.ts';
import { ddb } from './clients.ts';
import { tableName } from './env.ts';
import { keys, strip } from './records-repo.ts';

/**
 * A clerk's submissions, newest first, from the index entry every submission has in gsi2
 * (`CLERK#<createdBy>` / `<createdAt>`, see tables.ts). The query reads only the index's key
 * attributes (gsi2pk, gsi2sk and the table's pk, sk), which every projection keeps; the
 * submissions themselves are then read from the table with BatchGetItem.
 */

const clerkPk = (sub: string) => `CLERK#${sub}`;
const SUBMISSION_PK = 'SUBMISSION#';

export interface IndexPage {
  /** Positions in index order (newest first). */
  positions: ListPosition[];
  /** Whether the index has entries after the last position. */
  more: boolean;
}

/** Up to `limit` positions in the clerk's list after `after` (from the newest when absent). */
export async function queryClerkSubmissions(
  clerkSub: string,
  limit: number,
  after?: ListPosition,
): Promise<IndexPage> {
  const res = await ddb.send(
    new QueryCommand({
      TableName: tableName(),
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': clerkPk(clerkSub) },
      ProjectionExpression: 'pk, gsi2sk',
      ScanIndexForward: false,
      Limit: limit,
      ...(after
        ? {
            ExclusiveStartKey: {
              ...keys.submission(after.submissionId),
              gsi2pk: clerkPk(clerkSub),
              gsi2sk: after.createdAt,
            },
          }
        : {}),
    }),
  );
  const positions = (res.Items ?? []).flatMap((item) => {
    const pk = item.pk;
    const sk = item.gsi2sk;
    if (typeof pk !== 'string' || !pk.startsWith(SUBMISSION_PK) || typeof sk !== 'string') return [];
    return [{ createdAt: sk, submissionId: pk.slice(SUBMISSION_PK.length) }];
  });
  return { positions, more: res.LastEvaluatedKey !== undefined };
}

/** Items of `keyList` from the table, retrying unprocessed keys; at most 100 keys. */
async function batchGet(
  keyList: Record<string, unknown>[],
  projection?: { expression: string; names: Record<string, string> },
): Promise<Record<string, unknown>[]> {
  if (keyList.length > 100) throw new Error('at most 100 keys per read');
  const table = tableName();
  const out: Record<string, unknown>[] = [];
  let pending: Record<string, unknown>[] | undefined = keyList;
  for (let round = 0; pending && pending.length > 0; round++) {
    if (round >= 6) throw new Error('submissions could not be read: DynamoDB kept keys unprocessed');
    if (round > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** round));
    const res: BatchGetCommandOutput = await ddb.send(
      new BatchGetCommand({
        RequestItems: {
          [table]: {
            Keys: pending,
            ...(projection
              ? { ProjectionExpression: projection.expression, ExpressionAttributeNames: projection.names }
              : {}),
          },
        },
      }),
    );
    out.push(...(res.Responses?.[table] ?? []));
    pending = res.UnprocessedKeys?.[table]?.Keys;
  }
  return out;
}

/** The named submissions, in the order of `ids`; missing ones are left out. */
export async function getSubmissions(ids: readonly string[]): Promise<Submission[]> {
  if (ids.length === 0) return [];
  const found = new Map<string, Submission>();
  for (const item of await batchGet(ids.map((id) => keys.submission(id)))) {
    const s = strip<Submission>(item);
    found.set(s.submissionId, s);
  }
  return ids.flatMap((id) => {
    const s = found.get(id);
    return s ? [s] : [];
  });
}

/** Names and regions of the named customers (nothing else is read). */
export async function getCustomerNames(
  ids: readonly string[],
): Promise<Map<string, { name?: string; region: string }>> {
  const unique = [...new Set(ids)];
  const out = new Map<string, { name?: string; region: string }>();
  if (unique.length === 0) return out;
  const items = await batchGet(
    unique.map((id) => keys.customer(id)),
    { expression: 'customerId, #name, #region', names: { '#name': 'name', '#region': 'region' } },
  );
  for (const item of items) {
    if (typeof item.customerId !== 'string') continue;
    out.set(item.customerId, {
      ...(typeof item.name === 'string' ? { name: item.name } : {}),
      region: typeof item.region === 'string' ? item.region : DEFAULT_REGION,
    });
  }
  return out;
}
