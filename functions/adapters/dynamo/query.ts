import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { ddb } from '../clients.ts';

/**
 * The one paginator: a Query read page by page, each page with the key to continue from. Readers
 * that stop early (a full page, a limit) simply stop iterating; nothing more is read.
 */

export type StartKey = Record<string, unknown>;

export interface QueryPage {
  items: Record<string, unknown>[];
  /** Where the next page starts; absent on the last page. */
  lastKey?: StartKey;
}

export async function* queryPages(input: QueryCommandInput, startKey?: StartKey): AsyncGenerator<QueryPage> {
  let key = startKey;
  do {
    const res = await ddb.send(new QueryCommand({ ...input, ...(key ? { ExclusiveStartKey: key } : {}) }));
    key = res.LastEvaluatedKey;
    yield { items: (res.Items ?? []) as Record<string, unknown>[], ...(key ? { lastKey: key } : {}) };
  } while (key);
}

/** Every item the query matches, read to the end. */
export async function queryAll(input: QueryCommandInput): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for await (const page of queryPages(input)) out.push(...page.items);
  return out;
}

/** One page: at most `input.Limit` items read from `startKey`. */
export async function queryPage(input: QueryCommandInput, startKey?: StartKey): Promise<QueryPage> {
  for await (const page of queryPages(input, startKey)) return page;
  return { items: [] };
}
