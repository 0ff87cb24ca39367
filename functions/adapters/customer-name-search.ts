import { type Customer, nameSortKey } from '../core/customers.ts';
import { type CustomerPage, nameQuery } from './customers-repo.ts';
import { batchGetItems, tableKeys } from './dynamo/batch-get.ts';
import { strip } from './dynamo/items.ts';
import { partitions } from './dynamo/keys.ts';
import { decodePageToken, encodePageToken } from './dynamo/page-token.ts';
import { queryAll, queryPage, type StartKey, startKeyFrom } from './dynamo/query.ts';
import { tableName } from './env.ts';

/**
 * Name search over several regions at once (a caller serving several, or every region): each
 * region's gsi1 partition is read from where the last page stopped, the entries merged by name
 * sort key (`<name>#<id>`, the order a single region's search gives), and a page of the first
 * `limit` taken. The cursor holds, per region, the key of the last entry taken there (or that the
 * region is read to its end), signed like every page token and bound to the prefix and the caller;
 * the caller's handler still shows only customers of regions the caller serves.
 */

/** The regions customers were registered in (customers-repo records each one), by name. */
export async function customerRegions(): Promise<string[]> {
  const { pk, skPrefix } = partitions.customerRegions;
  const items = await queryAll({
    TableName: tableName(),
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
  });
  return items.map((i) => String(i.region)).sort();
}

/** Where each region's reading stands: from the start (null), after a key, or read to its end. */
type Positions = Record<string, StartKey | null | 'end'>;

/** The positions a cursor holds, each checked to be one (the token's signature vouches for the rest). */
function positionsFrom(position: unknown): Positions {
  if (typeof position !== 'object' || position === null || Array.isArray(position)) {
    throw new Error('a signed page token held no positions');
  }
  const out: Positions = {};
  for (const [region, p] of Object.entries(position)) {
    out[region] = p === 'end' || p === null ? p : startKeyFrom(p);
  }
  return out;
}

const indexKey = (e: Record<string, unknown>): StartKey => ({
  pk: e.pk,
  sk: e.sk,
  gsi1pk: e.gsi1pk,
  gsi1sk: e.gsi1sk,
});

/** DynamoDB orders sort keys by their UTF-8 bytes; the merge must agree with each region's order. */
const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** A page of the search; `regions` are those of the first page (and of its cursor). */
export async function searchByNameAcross(input: {
  /** The regions to search, for a first page; a cursor carries its own. */
  regions: readonly string[];
  namePrefix: string;
  limit: number;
  cursor?: string;
}): Promise<CustomerPage & { regions: string[] }> {
  const prefix = nameSortKey(input.namePrefix);
  // A later page searches the regions the first one did (a region registered meanwhile waits for
  // the next search), so the regions travel in the cursor rather than in its scope.
  const scope = `customers/*/${prefix}`;
  const positions: Positions =
    input.cursor === undefined
      ? Object.fromEntries([...new Set(input.regions)].sort().map((r) => [r, null]))
      : positionsFrom(decodePageToken(scope, input.cursor, 'cursor'));
  const regions = Object.keys(positions);
  const pages = await Promise.all(
    regions.map(async (region) => {
      const at = positions[region];
      if (at === 'end') return { region, items: [], more: false };
      const page = await queryPage(nameQuery(region, prefix, input.limit), at ?? undefined);
      return { region, items: page.items, more: page.lastKey !== undefined };
    }),
  );
  const merged = pages
    .flatMap((p) => p.items.map((item) => ({ region: p.region, item })))
    .sort((a, b) => byteOrder(String(a.item.gsi1sk), String(b.item.gsi1sk)));
  const taken = merged.slice(0, input.limit);
  for (const p of pages) {
    const mine = taken.filter((t) => t.region === p.region);
    const last = mine[mine.length - 1];
    // A region all of whose page was taken, with nothing after it, is read to its end.
    if (mine.length === p.items.length && !p.more) positions[p.region] = 'end';
    else if (last) positions[p.region] = indexKey(last.item);
  }
  // As in one region's search: the items are read from the table, and one renamed since its
  // index entry was read is left out.
  const nameEntries = new Map(taken.map((t) => [t.item.pk, t.item.gsi1sk]));
  const items = (await batchGetItems(tableKeys(taken.map((t) => t.item))))
    .filter((i) => nameEntries.get(i.pk) === i.gsi1sk)
    .map((i) => strip<Customer>(i));
  const more = regions.some((r) => positions[r] !== 'end');
  return more ? { items, regions, nextCursor: encodePageToken(scope, positions) } : { items, regions };
}
