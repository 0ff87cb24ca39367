import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_REGION } from '../core/regions.ts';
import {
  foreignCursor,
  type ListPosition,
  listCursorBody,
  listPositionFrom,
} from '../core/submission-list.ts';
import type { Submission, SubmissionStatus } from '../core/submissions.ts';
import { ddb } from './clients.ts';
import { batchGetItems } from './dynamo/batch-get.ts';
import { strip } from './dynamo/items.ts';
import { clerksPartition, entries, keys } from './dynamo/keys.ts';
import { decodePageToken, encodePageToken } from './dynamo/page-token.ts';
import { tableName } from './env.ts';

/**
 * A clerk's submissions, newest first, from the index entry every submission has in gsi2
 * (`CLERK#<createdBy>` / `<createdAt>`, see tables.ts). The query reads only the index's key
 * attributes (gsi2pk, gsi2sk and the table's pk, sk), which every projection keeps; the
 * submissions themselves are then read from the table with BatchGetItem.
 */

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
      ExpressionAttributeValues: { ':pk': clerksPartition(clerkSub) },
      ProjectionExpression: 'pk, gsi2sk',
      ScanIndexForward: false,
      Limit: limit,
      ...(after
        ? {
            ExclusiveStartKey: {
              ...keys.submission(after.submissionId),
              ...entries.submissionOfClerk(clerkSub, after.createdAt),
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

/** The named submissions, in the order of `ids`; missing ones are left out. */
export async function getSubmissions(ids: readonly string[]): Promise<Submission[]> {
  if (ids.length === 0) return [];
  return (await batchGetItems(ids.map((id) => keys.submission(id)))).map((item) => strip<Submission>(item));
}

/** Names and regions of the named customers (nothing else is read). */
export async function getCustomerNames(
  ids: readonly string[],
): Promise<Map<string, { name?: string; region: string }>> {
  const unique = [...new Set(ids)];
  const out = new Map<string, { name?: string; region: string }>();
  if (unique.length === 0) return out;
  const items = await batchGetItems(
    unique.map((id) => keys.customer(id)),
    {
      projection: {
        expression: 'customerId, #name, #region',
        names: { '#name': 'name', '#region': 'region' },
      },
    },
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

/** The list's `cursor`: where the clerk's list stopped, signed and bound to the clerk. */
export function encodeListCursor(
  clerkSub: string,
  position: ListPosition,
  status?: SubmissionStatus,
): string {
  return encodePageToken(`submissions/${clerkSub}`, listCursorBody(position, status));
}

/** Reads a `cursor` back; it must be one this list returned to the clerk for the same filter. */
export function decodeListCursor(clerkSub: string, cursor: string, status?: SubmissionStatus): ListPosition {
  const body = decodePageToken(`submissions/${clerkSub}`, cursor, 'cursor', foreignCursor);
  return listPositionFrom(body, status);
}
