import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEvent, TimeRange } from '../core/audit-trail.ts';
import { ddb } from './clients.ts';
import { auditTableName } from './env.ts';

/**
 * Queries of the audit trail (layout in tables.ts): by target on the table, by actor on gsi1,
 * by day on gsi2, newest first, within a time range, optionally one action. Reads only.
 */

export type AuditPartition =
  | { kind: 'target'; targetId: string }
  | { kind: 'actor'; sub: string }
  | { kind: 'day'; day: string };

const KEY_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk'];

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
  lastKey?: Record<string, unknown>;
}

/** Up to `limit` events of one partition, newest first, from `startKey` on. */
export async function queryAudit(
  partition: AuditPartition,
  range: TimeRange,
  filters: { actorSub?: string; action?: string },
  limit: number,
  startKey?: Record<string, unknown>,
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
  const items: AuditEvent[] = [];
  let key = startKey;
  // A filter can empty a page; keep reading until the page is full or the partition ends.
  for (let round = 0; round < 50; round++) {
    const res = await ddb.send(
      new QueryCommand({
        TableName: auditTableName(),
        ...(k.index ? { IndexName: k.index } : {}),
        // `to` is exclusive: the sort key `<to>#...` sorts after every event before `to`.
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
        ...(filter.length > 0 ? { FilterExpression: filter.join(' AND ') } : {}),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
        Limit: limit - items.length,
        ...(key ? { ExclusiveStartKey: key } : {}),
      }),
    );
    for (const item of res.Items ?? []) {
      const out: Record<string, unknown> = {};
      for (const [name, v] of Object.entries(item)) if (!KEY_ATTRIBUTES.includes(name)) out[name] = v;
      if (String(out.at) < range.to) items.push(out as unknown as AuditEvent);
    }
    key = res.LastEvaluatedKey;
    if (!key || items.length >= limit) break;
  }
  return key ? { items, lastKey: key } : { items };
}
