import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { csvField } from './csv-field.ts';
import { BadRequest } from './errors.ts';
import { lazySchema } from './lazy-schema.ts';
import { maskRecord, mayReadUnmasked, type SensitiveField } from './masking.ts';
import type { Actor } from './roles.ts';
import type { Scheme } from './scheme.ts';

/**
 * Reading the audit trail: the query auditors ask, the masking of the records events carry, the
 * CSV export, and the locked copies in the archive bucket.
 */

/** The target the auditor's own queries are recorded under. */
export const AUDIT_TRAIL_TARGET = 'AUDIT-TRAIL';

/** Key prefix of the audit trail's copies in the archive bucket (JSON lines under Object Lock). */
export const AUDIT_COPY_PREFIX = 'audit/';
/** How long each copy of the audit trail is locked (COMPLIANCE mode): 30 years. */
export const AUDIT_COPY_RETENTION_DAYS = 30 * 366;

/**
 * How far back the audit table answers searches: a year. Older events stay in the locked copies
 * (AUDIT_COPY_RETENTION_DAYS) and are read from them a day at a time (`GET /audit/copies`), as a
 * cloud trail keeps its recent events searchable and the rest in its bucket: the table then holds
 * one year's events instead of every event of the archive's decades (bench/RESULTS.md, storage).
 */
export const AUDIT_SEARCHABLE_DAYS = 365;
/**
 * How long an event's item stays in the table (its `expiresAt`, the table's TTL): a week past the
 * searchable year, so no search ever reaches an item DynamoDB may be deleting.
 */
export const AUDIT_ITEM_KEPT_DAYS = AUDIT_SEARCHABLE_DAYS + 7;

/** The earliest time the audit table is searched from at `now`. */
export const auditSearchableFrom = (now: Date): string =>
  new Date(now.getTime() - AUDIT_SEARCHABLE_DAYS * 86_400_000).toISOString();

/** An audit event as stored (storage keys left out). */
export interface AuditEvent {
  eventId: string;
  at: string;
  action: string;
  actorSub: string;
  actorName: string;
  actorRoles: string[];
  targetType: string;
  targetId: string;
  requestId?: string;
  before?: unknown;
  after?: unknown;
  details?: Record<string, unknown>;
}

const ISO = lazySchema(() =>
  z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time, e.g. 2026-03-01T00:00:00Z' }),
);
const DAY = lazySchema(() => z.iso.date({ error: 'must be a date YYYY-MM-DD' }));
const when = lazySchema(() =>
  z.union([ISO, DAY], { error: 'must be an ISO 8601 time or a date YYYY-MM-DD' }),
);

/** `GET /audit` and `GET /audit/export` query. */
export const auditQuerySchema = lazySchema(() =>
  z.strictObject({
    targetId: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
    actor: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
    action: z.optional(z.string().check(z.minLength(1), z.maxLength(100))),
    from: z.optional(when),
    to: z.optional(when),
    limit: z.optional(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(1000))),
    cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(4000))),
    format: z.optional(z.enum(['json', 'csv'])),
  }),
);
export type AuditQuery = z.infer<typeof auditQuerySchema>;

/** `GET /audit/copies` query: one day of the locked copies, optionally filtered. */
export const auditCopiesQuerySchema = lazySchema(() =>
  z.strictObject({
    day: DAY,
    targetId: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
    actor: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
    action: z.optional(z.string().check(z.minLength(1), z.maxLength(100))),
    cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(4000))),
  }),
);
export type AuditCopiesQuery = z.infer<typeof auditCopiesQuerySchema>;

/**
 * A line of a locked copy (functions/events/audit-archive.ts): the stream's change, its sequence
 * and the item as stored; a change or removal (tampering, never a function's doing) also holds
 * the image before it.
 */
export interface AuditCopyLine {
  change: 'INSERT' | 'MODIFY' | 'REMOVE';
  sequence: string;
  event: Record<string, unknown> | null;
  before?: Record<string, unknown>;
}

/** The lines of a copy's body; `key` names the copy in the error for a line that is not JSON. */
export function auditCopyLines(text: string, key: string): AuditCopyLine[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      try {
        return JSON.parse(l) as AuditCopyLine;
      } catch {
        throw new Error(`${key} line ${i + 1} is not JSON`);
      }
    });
}

/** Longest time span a query without target or actor may cover (it is read a day at a time). */
export const MAX_DAYS = 366;

export interface TimeRange {
  /** Inclusive lower bound of the sort key (`<iso time>#...`). */
  from: string;
  /** Exclusive upper bound of the sort key. */
  to: string;
}

/** `from` and `to` as sort-key bounds; a date `to` includes that whole day. */
export function timeRange(q: Pick<AuditQuery, 'from' | 'to'>, now: Date): TimeRange {
  const start = (v: string) => (v.length === 10 ? `${v}T00:00:00.000Z` : new Date(v).toISOString());
  const end = (v: string) =>
    v.length === 10
      ? new Date(Date.parse(`${v}T00:00:00.000Z`) + 86_400_000).toISOString()
      : new Date(v).toISOString();
  const from = q.from === undefined ? '0000' : start(q.from);
  const to = q.to === undefined ? new Date(now.getTime() + 60_000).toISOString() : end(q.to);
  if (from >= to) {
    throw new BadRequest(`from ${q.from} is not before to ${q.to}`, [
      { path: 'from', message: 'must be before to' },
    ]);
  }
  return { from, to };
}

/** Days (YYYY-MM-DD) a range covers, newest first; refused when more than MAX_DAYS. */
export function daysOf(range: TimeRange, now: Date): string[] {
  const first = range.from === '0000' ? undefined : range.from.slice(0, 10);
  const last = new Date(Math.min(Date.parse(range.to) - 1, now.getTime() + 60_000))
    .toISOString()
    .slice(0, 10);
  if (first === undefined) {
    throw new BadRequest('give targetId, actor or from: a query over the whole trail needs a start', [
      { path: 'from', message: 'is required without targetId or actor' },
    ]);
  }
  const days: string[] = [];
  for (let t = Date.parse(`${last}T00:00:00Z`); t >= Date.parse(`${first}T00:00:00Z`); t -= 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
    if (days.length > MAX_DAYS) {
      throw new BadRequest(`a query without targetId or actor covers at most ${MAX_DAYS} days`, [
        { path: 'from', message: `must be at most ${MAX_DAYS} days before to` },
      ]);
    }
  }
  return days;
}

/**
 * The part of a query's range the audit table answers: from the searchable year's start on.
 * A range that ends before it is refused with the way to the locked copies, rather than answered
 * with nothing as if nothing had happened.
 */
export function searchableRange(range: TimeRange, now: Date): TimeRange & { searchableFrom: string } {
  const searchableFrom = auditSearchableFrom(now);
  if (range.to <= searchableFrom) {
    const day = range.from === '0000' ? searchableFrom.slice(0, 10) : range.from.slice(0, 10);
    throw new BadRequest(
      `events before ${searchableFrom} are no longer searched; read them a day at a time from the ` +
        `locked copies: GET /audit/copies?day=${day} / ${searchableFrom} 之前的审计记录已不在检索范围内，` +
        `请按日从锁定副本读取：GET /audit/copies?day=${day}`,
      [{ path: 'to', message: `must be after ${searchableFrom}` }],
    );
  }
  // ISO times: the later one sorts last.
  const from = [range.from, searchableFrom].sort()[1] as string;
  return { from, to: range.to, searchableFrom };
}

/**
 * Masks the sensitive values an event carries (records before and after a change, values in
 * its details) for a reader the scheme does not let see them in clear. Any field the scheme
 * marks sensitive is masked wherever it appears in the event, however deep.
 */
export function maskEvent(scheme: Scheme, reader: Pick<Actor, 'roles'>, event: AuditEvent): AuditEvent {
  if (mayReadUnmasked(scheme, reader)) return event;
  const fields = scheme.sensitiveFields as readonly SensitiveField[];
  const deep = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(deep);
    if (v !== null && typeof v === 'object') {
      const masked = maskRecord(v as Record<string, unknown>, fields);
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(masked))
        out[k] = fields.includes(k as SensitiveField) ? x : deep(x);
      return out;
    }
    return v;
  };
  return {
    ...event,
    ...(event.before === undefined ? {} : { before: deep(event.before) }),
    ...(event.after === undefined ? {} : { after: deep(event.after) }),
    ...(event.details === undefined ? {} : { details: deep(event.details) as Record<string, unknown> }),
  };
}

export const CSV_COLUMNS = [
  'at',
  'eventId',
  'action',
  'actorName',
  'actorSub',
  'actorRoles',
  'targetType',
  'targetId',
  'requestId',
  'before',
  'after',
  'details',
] as const;

export function toCsv(events: readonly AuditEvent[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const e of events) lines.push(CSV_COLUMNS.map((c) => csvField(e[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** The folder of a day's copies of the trail, `audit/<yyyy>/<mm>/<dd>/`. */
export const auditCopyDayPrefix = (day: string): string =>
  `${AUDIT_COPY_PREFIX}${day.slice(0, 4)}/${day.slice(5, 7)}/${day.slice(8, 10)}/`;

/** Key of a batch of the trail copied from the stream: by day, then the batch's first sequence. */
export function auditCopyKey(day: string, firstSequence: string, lastSequence: string): string {
  return `${auditCopyDayPrefix(day)}${firstSequence}-${lastSequence}.jsonl`;
}

const AUDIT_COPY_KEY = new RegExp(`^${AUDIT_COPY_PREFIX}(\\d{4})/(\\d\\d)/(\\d\\d)/[^/]+\\.jsonl$`);

/** The day (`yyyy-mm-dd`) of a copy's key; undefined for anything else under `audit/`. */
export function dayOfAuditCopy(key: string): string | undefined {
  const m = AUDIT_COPY_KEY.exec(key);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
}

/**
 * The id of the audit event of a refused request: derived from the request id, so the handler
 * chain that refused it and the API's access log that reports it later write one event.
 */
export const refusalEventId = (requestId: string): string =>
  createHash('sha256').update(`access:${requestId}`).digest('hex').slice(0, 32);
