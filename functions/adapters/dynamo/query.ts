import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { ddb } from '../clients.ts';

/**
 * The one paginator: a Query read page by page, each page with the key to continue from. Readers
 * that stop early (a full page, a limit) simply stop iterating; nothing more is read.
 */

export type StartKey = Record<string, unknown>;

/** A start key read back from a page token: an object of string and number attributes. */
export function startKeyFrom(position: unknown): StartKey {
  const ok =
    typeof position === 'object' &&
    position !== null &&
    !Array.isArray(position) &&
    Object.values(position).every((v) => typeof v === 'string' || typeof v === 'number');
  if (!ok) throw new Error('a signed page token held no start key');
  return position as StartKey;
}

export interface QueryPage {
  items: Record<string, unknown>[];
  /** Items the page matched (with `Select: 'COUNT'`, the only answer). */
  count: number;
  /** Where the next page starts; absent on the last page. */
  lastKey?: StartKey;
}

export async function* queryPages(input: QueryCommandInput, startKey?: StartKey): AsyncGenerator<QueryPage> {
  let key = startKey;
  do {
    const res = await ddb.send(new QueryCommand({ ...input, ...(key ? { ExclusiveStartKey: key } : {}) }));
    key = res.LastEvaluatedKey;
    const items = (res.Items ?? []) as Record<string, unknown>[];
    yield { items, count: res.Count ?? items.length, ...(key ? { lastKey: key } : {}) };
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
  return { items: [], count: 0 };
}

/**
 * One page of at most `limit` records when some index entries are left out (a filter, or an
 * item changed since its entry was read): pages are read on, each asking for what is still
 * missing, until the page is full, the query ends or `maxRounds` pages were read. `take` turns a
 * page's items into the records that count.
 */
export async function fillPage<T>(
  input: QueryCommandInput,
  limit: number,
  take: (items: Record<string, unknown>[]) => T[] | Promise<T[]>,
  startKey?: StartKey,
  maxRounds = 20,
): Promise<{ items: T[]; lastKey?: StartKey }> {
  const items: T[] = [];
  let key = startKey;
  for (let round = 0; round < maxRounds; round++) {
    const page = await queryPage({ ...input, Limit: limit - items.length }, key);
    items.push(...(await take(page.items)));
    key = page.lastKey;
    if (!key || items.length >= limit) break;
  }
  return { items, ...(key ? { lastKey: key } : {}) };
}
