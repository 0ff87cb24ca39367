import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { AUDIT_ITEM_KEPT_DAYS, type AuditEvent } from '../core/audit-trail.ts';
import { now } from '../core/clock.ts';
import { currentRequest } from '../core/request-context.ts';
import type { Actor } from '../core/roles.ts';
import { shardKey, shardKeys } from '../core/shards.ts';
import { ddb } from './clients.ts';
import { expiresAtAfter, strip } from './dynamo/items.ts';
import { writtenUnlessConditionFails } from './dynamo/transactions.ts';
import { auditTableName } from './env.ts';

/**
 * The audit trail: append-only. An event that belongs to a change is written in the same
 * DynamoDB transaction as the change (`auditPut`), so a change without its audit event cannot
 * exist. Reads of content and unmasked data are appended on their own (`appendAudit`).
 */

export interface AuditInput {
  action: string;
  actor:
    | Pick<Actor, 'sub' | 'username' | 'roles'>
    | { sub: 'system'; username: 'system'; roles: readonly [] };
  targetType: string;
  targetId: string;
  before?: unknown;
  after?: unknown;
  details?: Record<string, unknown>;
  /** Stable id makes a retried step write the same event once. */
  eventId?: string;
  at?: string;
  /** The API request that caused it; taken from the request context when not given. */
  requestId?: string;
}

/**
 * Shards of the actor (`gsi1pk`, index actorKeys) and day (`gsi2pk`, index dayKeys) keys: every
 * business change writes an audit event, most of them by the `system` actor, so one key per day
 * or per actor would take every document's writes (measured: 2.6 and 1.8 index write units per
 * document, more since the reviewer's read of each scan is audited: eight shards took 0.57
 * each). Sixteen keep either near
 * 0.3 units per document, past the archive-code sequences' ceiling; a reader merges seventeen
 * queries (the shards and the key written before sharding), which only auditors' searches pay.
 */
export const AUDIT_INDEX_SHARDS = 16;

export const actorKey = (sub: string) => `ACTOR#${sub}`;
export const dayKey = (day: string) => `DAY#${day}`;
/** The keys an actor's or a day's events are under (audit-reader.ts merges them in time order). */
export const actorKeys = (sub: string) => shardKeys(actorKey(sub), AUDIT_INDEX_SHARDS);
export const dayKeys = (day: string) => shardKeys(dayKey(day), AUDIT_INDEX_SHARDS);

/**
 * An audit event with its storage keys (target, actor and day indexes) and the time the table lets
 * it go (TTL, epoch seconds): its locked copy keeps it for decades, the table for the searchable
 * year (core/audit-trail.ts AUDIT_ITEM_KEPT_DAYS).
 */
export interface AuditItem extends AuditEvent {
  pk: string;
  sk: string;
  gsi1pk: string;
  gsi2pk: string;
  expiresAt: number;
}

/** An event as readers see it, from its item: without its keys and the time the table lets it go. */
export function auditEventOf(item: Record<string, unknown>): AuditEvent {
  const { expiresAt: _expiry, ...event } = strip<AuditEvent & { expiresAt?: number }>(item);
  return event;
}

export const SYSTEM_ACTOR = { sub: 'system', username: 'system', roles: [] } as const;

export function auditItem(input: AuditInput): AuditItem {
  const at = input.at ?? now().toISOString();
  const eventId = input.eventId ?? randomUUID();
  const sk = `${at}#${eventId}`;
  const requestId = input.requestId ?? currentRequest()?.requestId;
  return {
    pk: `TARGET#${input.targetId}`,
    sk,
    // The shard follows the event id, so a retried step writes the same item to the same keys.
    gsi1pk: shardKey(actorKey(input.actor.sub), eventId, AUDIT_INDEX_SHARDS),
    gsi2pk: shardKey(dayKey(at.slice(0, 10)), eventId, AUDIT_INDEX_SHARDS),
    eventId,
    at,
    action: input.action,
    actorSub: input.actor.sub,
    actorName: input.actor.username,
    actorRoles: [...input.actor.roles],
    targetType: input.targetType,
    targetId: input.targetId,
    ...(requestId === undefined ? {} : { requestId }),
    ...(input.before === undefined ? {} : { before: input.before }),
    ...(input.after === undefined ? {} : { after: input.after }),
    ...(input.details === undefined ? {} : { details: input.details }),
    expiresAt: expiresAtAfter(new Date(at), AUDIT_ITEM_KEPT_DAYS),
  };
}

/** A TransactWriteItems entry that appends the event; fails the transaction if it exists. */
export function auditPut(input: AuditInput) {
  return {
    Put: {
      TableName: auditTableName(),
      Item: auditItem(input),
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/** Appends one event outside a transaction (reads, issued URLs). */
export async function appendAudit(input: AuditInput): Promise<void> {
  await ddb.send(
    new PutCommand({
      TableName: auditTableName(),
      Item: auditItem(input),
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
}

/**
 * Appends an event whose id makes it once-only (a redelivered storage event, a check run twice):
 * false when that event is in the trail already (nothing written).
 */
export async function appendAuditOnce(input: AuditInput & { eventId: string }): Promise<boolean> {
  return writtenUnlessConditionFails(() => appendAudit(input));
}

/**
 * Audits a read that showed sensitive fields in clear (`revealed`), before the values leave;
 * writes nothing when every field stayed masked.
 */
export async function auditClearRead(
  input: Omit<AuditInput, 'details'> & { revealed: readonly string[]; details: Record<string, unknown> },
): Promise<void> {
  const { revealed, details, ...event } = input;
  if (revealed.length === 0) return;
  await appendAudit({ ...event, details: { fields: revealed, ...details } });
}
