import type { AuditEvent, TimeRange } from '../core/audit-trail.ts';
import { actorKeys, auditEventOf, dayKeys } from './audit.ts';
import { batchGetItems } from './dynamo/batch-get.ts';
import { decodePageToken, encodePageToken } from './dynamo/page-token.ts';
import { fillPage, type StartKey } from './dynamo/query.ts';
import { auditTableName } from './env.ts';
import { AUDIT_ACTOR_INDEX, AUDIT_DAY_INDEX } from './tables.ts';

/**
 * Queries of the audit trail (layout in tables.ts): by target on the table, by actor on actorKeys,
 * by day on dayKeys, newest first, within a time range, optionally one action. Reads only. An actor
 * or a day is written over several shard keys (audit.ts): its events are read from every shard
 * and merged by their sort key (`<time>#<eventId>`), so the trail reads as one ordered list. The
 * indexes hold keys and the filtered attributes only: a page's events are read from the table
 * once the merge has chosen them (events never change, so every entry finds its event).
 */

export type AuditPartition =
  | { kind: 'target'; targetId: string }
  | { kind: 'actor'; sub: string }
  | { kind: 'day'; day: string };

interface KeySpace {
  index?: string;
  pkName: string;
  skName: string;
  /** The partition key values the partition's events are under. */
  values: string[];
}

function keySpace(p: AuditPartition): KeySpace {
  switch (p.kind) {
    case 'target':
      return { pkName: 'pk', skName: 'sk', values: [`TARGET#${p.targetId}`] };
    case 'actor':
      return { index: AUDIT_ACTOR_INDEX, pkName: 'gsi1pk', skName: 'sk', values: actorKeys(p.sub) };
    case 'day':
      return { index: AUDIT_DAY_INDEX, pkName: 'gsi2pk', skName: 'sk', values: dayKeys(p.day) };
  }
}

type Filters = { actorSub?: string; action?: string };

/**
 * An event's entry with the start key that continues a query right after it: the whole event
 * when read from the table, its table key alone when read from an index.
 */
interface Entry {
  event?: AuditEvent;
  table: { pk: string; sk: string };
  sort: string;
  key: StartKey;
}

/** The time of an event from its sort key, `<iso time>#<eventId>`. */
const timeOf = (sort: string): string => sort.slice(0, sort.indexOf('#'));

/** Up to `limit` events under one partition key value, newest first, from `startKey` on. */
async function queryKey(
  space: KeySpace,
  value: string,
  partition: AuditPartition,
  range: TimeRange,
  filters: Filters,
  limit: number,
  startKey?: StartKey,
): Promise<{ items: Entry[]; lastKey?: StartKey }> {
  const names: Record<string, string> = { '#pk': space.pkName, '#sk': space.skName };
  const values: Record<string, unknown> = { ':pk': value, ':from': range.from, ':to': range.to };
  const filter: string[] = [];
  if (filters.actorSub !== undefined && partition.kind !== 'actor') {
    filter.push('actorSub = :actor');
    values[':actor'] = filters.actorSub;
  }
  if (filters.action !== undefined) {
    names['#action'] = 'action';
    filter.push('#action = :action');
    values[':action'] = filters.action;
  }
  const keyNames = [...new Set(['pk', 'sk', space.pkName, space.skName])];
  // A filter can empty a page; keep reading until the page is full or the partition ends.
  return fillPage(
    {
      TableName: auditTableName(),
      ...(space.index ? { IndexName: space.index } : {}),
      // `to` is exclusive: the sort key `<to>#...` sorts after every event before `to`.
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
      ...(filter.length > 0 ? { FilterExpression: filter.join(' AND ') } : {}),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
    },
    limit,
    (items) =>
      items
        .map(
          (item): Entry => ({
            ...(space.index ? {} : { event: auditEventOf(item) }),
            table: { pk: String(item.pk), sk: String(item.sk) },
            sort: String(item[space.skName]),
            key: Object.fromEntries(keyNames.map((n) => [n, item[n]])) as StartKey,
          }),
        )
        .filter((e) => timeOf(e.sort) < range.to),
    startKey,
    50,
  );
}

/** Where the read of one key stopped: after `k` (from its start when absent), or at its end. */
interface KeyPosition {
  k?: StartKey;
  done?: true;
}

/** One key's events, read a batch at a time as the merge takes them. */
class KeyStream {
  private buffer: Entry[] = [];
  private next: StartKey | undefined;
  private ended = false;
  /** The key of the last event taken from this stream; where the next page resumes. */
  private taken: StartKey | undefined;

  constructor(
    private readonly read: (limit: number, startKey?: StartKey) => ReturnType<typeof queryKey>,
    private readonly from: KeyPosition,
  ) {
    this.next = from.k;
    this.ended = from.done === true;
  }

  async head(batch: number): Promise<Entry | undefined> {
    while (this.buffer.length === 0 && !this.ended) {
      const page = await this.read(batch, this.next);
      this.buffer = page.items;
      this.next = page.lastKey;
      this.ended = page.lastKey === undefined;
    }
    return this.buffer[0];
  }

  take(): Entry {
    const entry = this.buffer.shift() as Entry;
    this.taken = entry.key;
    return entry;
  }

  get finished(): boolean {
    return this.buffer.length === 0 && this.ended;
  }

  /** Events still buffered are read again by the next page, from the last one taken. */
  position(): KeyPosition {
    if (this.finished) return { done: true };
    if (this.buffer.length > 0) {
      const k = this.taken ?? this.from.k;
      return k ? { k } : {};
    }
    return this.next ? { k: this.next } : {};
  }
}

/**
 * A key's position as a cursor holds it, small enough for nine in a query string: null from the
 * start, 0 at its end, or the table key (pk, sk) of the last event taken; the index keys follow
 * from the key read and the sort key.
 */
type SavedPosition = null | 0 | [string, string];

function save(p: KeyPosition): SavedPosition {
  if (p.done) return 0;
  return p.k ? [String(p.k.pk), String(p.k.sk)] : null;
}

function restore(space: KeySpace, value: string, p: SavedPosition | undefined): KeyPosition {
  if (p === 0) return { done: true };
  if (!p) return {};
  const [pk, sk] = p;
  return { k: space.index ? { pk, sk, [space.pkName]: value, [space.skName]: sk } : { pk, sk } };
}

/**
 * Up to `limit` events of one partition, newest first, merged over its keys from `from` (one
 * position per key); the positions to continue from, or none when the partition is read to its end.
 */
async function readPartition(
  partition: AuditPartition,
  range: TimeRange,
  filters: Filters,
  limit: number,
  from: readonly SavedPosition[] | undefined,
): Promise<{ items: AuditEvent[]; positions?: SavedPosition[] }> {
  const space = keySpace(partition);
  const streams = space.values.map(
    (value, i) =>
      new KeyStream(
        (n, startKey) => queryKey(space, value, partition, range, filters, n, startKey),
        restore(space, value, from?.[i]),
      ),
  );
  const items: Entry[] = [];
  while (items.length < limit) {
    // Each key is read a share of what is missing at a time, so the merge reads little past the page.
    const batch = Math.max(5, Math.ceil((limit - items.length) / streams.length));
    // The keys are read side by side: a day costs the time of one query, not nine.
    const heads = await Promise.all(streams.map((stream) => stream.head(batch)));
    let newest: KeyStream | undefined;
    let newestSort = '';
    heads.forEach((head, i) => {
      if (head && (newest === undefined || head.sort > newestSort)) {
        newest = streams[i];
        newestSort = head.sort;
      }
    });
    if (!newest) break;
    items.push(newest.take());
  }
  const events = await eventsOf(items);
  if (streams.every((s) => s.finished)) return { items: events };
  return { items: events, positions: streams.map((s) => save(s.position())) };
}

/** The events of entries, in their order: those an index gave as keys read from the table. */
async function eventsOf(entries: readonly Entry[]): Promise<AuditEvent[]> {
  const missing = entries.filter((e) => e.event === undefined).map((e) => e.table);
  // In the keys' order, leaving out a key without an item; events never change, so none is left.
  const read = await batchGetItems(missing, { table: auditTableName() });
  if (read.length !== missing.length) {
    throw new Error(`${missing.length - read.length} audit events are in an index but not in the table`);
  }
  let next = 0;
  return entries.map((e) => e.event ?? auditEventOf(read[next++] as Record<string, unknown>));
}

/** Where a read across partitions stopped: the partition being read and the position in each of its keys. */
interface Position {
  d: number;
  s?: SavedPosition[];
}

/**
 * Up to `limit` events across `partitions` (read one after the other), from where `cursor` says
 * the previous page stopped; the cursor of the rest, bound to `query` (the filters' fingerprint).
 */
export async function readAuditTrail(
  partitions: readonly AuditPartition[],
  range: TimeRange,
  filters: Filters,
  limit: number,
  query: string,
  cursor?: string,
): Promise<{ items: AuditEvent[]; nextCursor?: string }> {
  const scope = `audit/${query}`;
  const from = cursor === undefined ? { d: 0 } : positionFrom(decodePageToken(scope, cursor, 'cursor'));
  const items: AuditEvent[] = [];
  let d = from.d;
  let positions = from.s;
  while (d < partitions.length && items.length < limit) {
    const part = partitions[d] as AuditPartition;
    const page = await readPartition(part, range, filters, limit - items.length, positions);
    items.push(...page.items);
    positions = page.positions;
    if (!positions) d++;
  }
  const next: Position | undefined =
    d < partitions.length ? { d, ...(positions ? { s: positions } : {}) } : undefined;
  return { items, ...(next ? { nextCursor: encodePageToken(scope, next) } : {}) };
}

function positionFrom(body: unknown): Position {
  const p = body as Partial<Position> | null;
  if (typeof p?.d !== 'number' || !Number.isInteger(p.d) || p.d < 0) {
    throw new Error('a signed audit cursor held no position');
  }
  const saved = (k: unknown): k is SavedPosition =>
    k === null || k === 0 || (Array.isArray(k) && k.length === 2 && k.every((x) => typeof x === 'string'));
  if (p.s !== undefined && !(Array.isArray(p.s) && p.s.every(saved))) {
    throw new Error('a signed audit cursor held no key positions');
  }
  return { d: p.d, ...(p.s ? { s: p.s } : {}) };
}
