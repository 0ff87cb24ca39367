import type { AuditEvent, TimeRange } from '../core/audit-trail.ts';
import { strip } from './dynamo/items.ts';
import { decodePageToken, encodePageToken } from './dynamo/page-token.ts';
import { fillPage, type StartKey, startKeyFrom } from './dynamo/query.ts';
import { auditTableName } from './env.ts';

/**
 * Queries of the audit trail (layout in tables.ts): by target on the table, by actor on gsi1,
 * by day on gsi2, newest first, within a time range, optionally one action. Reads only.
 */

export type AuditPartition =
  | { kind: 'target'; targetId: string }
  | { kind: 'actor'; sub: string }
  | { kind: 'day'; day: string };

function partitionKey(p: AuditPartition): { index?: string; pkName: string; skName: string; value: string } {
  switch (p.kind) {
    case 'target':
      return { pkName: 'pk', skName: 'sk', value: `TARGET#${p.targetId}` };
    case 'actor':
      return { index: 'gsi1', pkName: 'gsi1pk', skName: 'gsi1sk', value: `ACTOR#${p.sub}` };
    case 'day':
      return { index: 'gsi2', pkName: 'gsi2pk', skName: 'gsi2sk', value: `DAY#${p.day}` };
  }
}

export interface AuditPage {
  items: AuditEvent[];
  lastKey?: StartKey;
}

/** Up to `limit` events of one partition, newest first, from `startKey` on. */
export async function queryAudit(
  partition: AuditPartition,
  range: TimeRange,
  filters: { actorSub?: string; action?: string },
  limit: number,
  startKey?: StartKey,
): Promise<AuditPage> {
  const k = partitionKey(partition);
  const names: Record<string, string> = { '#pk': k.pkName, '#sk': k.skName };
  const values: Record<string, unknown> = { ':pk': k.value, ':from': range.from, ':to': range.to };
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
  // A filter can empty a page; keep reading until the page is full or the partition ends.
  return fillPage(
    {
      TableName: auditTableName(),
      ...(k.index ? { IndexName: k.index } : {}),
      // `to` is exclusive: the sort key `<to>#...` sorts after every event before `to`.
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
      ...(filter.length > 0 ? { FilterExpression: filter.join(' AND ') } : {}),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
    },
    limit,
    (items) => items.map((item) => strip<AuditEvent>(item)).filter((event) => String(event.at) < range.to),
    startKey,
    50,
  );
}

/** Where a read across partitions stopped: the partition being read and the key within it. */
interface Position {
  d: number;
  k?: StartKey;
}

/**
 * Up to `limit` events across `partitions` (read one after the other), from where `cursor` says
 * the previous page stopped; the cursor of the rest, bound to `query` (the filters' fingerprint).
 */
export async function readAuditTrail(
  partitions: readonly AuditPartition[],
  range: TimeRange,
  filters: { actorSub?: string; action?: string },
  limit: number,
  query: string,
  cursor?: string,
): Promise<{ items: AuditEvent[]; nextCursor?: string }> {
  const scope = `audit/${query}`;
  const from = cursor === undefined ? { d: 0 } : positionFrom(decodePageToken(scope, cursor, 'cursor'));
  const items: AuditEvent[] = [];
  let d = from.d;
  let key = from.k;
  while (d < partitions.length && items.length < limit) {
    const page = await queryAudit(partitions[d] as AuditPartition, range, filters, limit - items.length, key);
    items.push(...page.items);
    key = page.lastKey;
    if (!key) d++;
  }
  const next: Position | undefined = d < partitions.length ? { d, ...(key ? { k: key } : {}) } : undefined;
  return { items, ...(next ? { nextCursor: encodePageToken(scope, next) } : {}) };
}

function positionFrom(body: unknown): Position {
  const p = body as Partial<Position> | null;
  if (typeof p?.d !== 'number' || !Number.isInteger(p.d) || p.d < 0) {
    throw new Error('a signed audit cursor held no position');
  }
  return { d: p.d, ...(p.k === undefined ? {} : { k: startKeyFrom(p.k) }) };
}
