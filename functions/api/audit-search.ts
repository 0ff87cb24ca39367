import { createHash } from 'node:crypto';
import { subOfActor } from '../adapters/accounts-repo.ts';
import { appendAudit } from '../adapters/audit.ts';
import { readAuditCopies } from '../adapters/audit-copies.ts';
import { type AuditPartition, readAuditTrail } from '../adapters/audit-reader.ts';
import { schemeId } from '../adapters/env.ts';
import {
  AUDIT_TRAIL_TARGET,
  type AuditEvent,
  type AuditQuery,
  auditCopiesQuerySchema,
  auditQuerySchema,
  daysOf,
  maskEvent,
  searchableRange,
  timeRange,
  toCsv,
} from '../core/audit-trail.ts';
import { now } from '../core/clock.ts';
import { BadRequest } from '../core/errors.ts';
import type { Actor } from '../core/roles.ts';
import { getScheme } from '../core/scheme.ts';
import { apiHandler, parseInput } from '../http/api.ts';

/**
 * `GET /audit?targetId=&actor=&action=&from=&to=&limit=&cursor=`: the trail, newest first, a page
 * at a time. `GET /audit/export` (or `Accept: text/csv`, or `format=csv`) answers the same query
 * as CSV, up to EXPORT_MAX events per response with the cursor of the rest in `x-next-cursor`.
 * `actor` is a username or a user id. Sensitive values inside events are masked unless the
 * scheme lets the reader's role see them in clear. Every query is itself appended to the trail
 * (`audit-searched`, or `audit-exported` for CSV) with its filters and how many events it
 * returned, so the auditor's reading is on record for the security administrator as well.
 * The table answers the searchable year (`searchableFrom` in the answer, `x-searchable-from` with
 * CSV); a range that ends before it is refused with the way to the locked copies.
 *
 * `GET /audit/copies?day=&targetId=&actor=&action=&cursor=`: one day of the trail read from its
 * locked copies in the archive bucket, for the days the table no longer keeps (and to check any
 * day against it): events in the order they were copied (by stream sequence, about oldest first),
 * at most COPIES_PER_PAGE copies a page; a change or removal of an event the copies recorded carries
 * `change`. Masked and put on record (`audit-copies-read`) the same way.
 */

const PAGE = 100;
const EXPORT_MAX = 5000;
/**
 * `GET /audit/copies` reads copies COPIES_PER_READ at a time (one per stream batch, one event each
 * when traffic is low) until a page has EVENTS_PER_COPIES_PAGE events that pass the filters, or it
 * has read COPIES_PER_PAGE copies: a filter that matches little still moves a busy day along.
 */
const COPIES_PER_READ = 200;
const COPIES_PER_PAGE = 1000;
const EVENTS_PER_COPIES_PAGE = 100;

/** The query a cursor belongs to: its filters, hashed. */
const fingerprint = (q: AuditQuery) =>
  createHash('sha256')
    .update(JSON.stringify([q.targetId, q.actor, q.action, q.from, q.to]))
    .digest('base64url')
    .slice(0, 16);

export const handler = apiHandler('audit-search', async function handleAuditSearch(req) {
  if (req.routeKey === 'GET /audit/copies') return readCopiesDay(req.query, req.actor);
  const q = parseInput(auditQuerySchema, req.query, 'query');
  const csv =
    q.format === 'csv' ||
    req.routeKey === 'GET /audit/export' ||
    (req.headers.accept ?? '').toLowerCase().includes('text/csv');
  const at = now();
  // The table answers the searchable year; older events are read from the locked copies.
  const asked = timeRange(q, at);
  const range = searchableRange(asked, at);
  const sub = q.actor === undefined ? undefined : await subOfActor(q.actor);
  let partitions: AuditPartition[];
  if (q.targetId !== undefined) partitions = [{ kind: 'target', targetId: q.targetId }];
  else if (sub !== undefined) partitions = [{ kind: 'actor', sub }];
  // A search by day names its start: the whole year day by day is not a search anyone meant.
  else partitions = daysOf(q.from === undefined ? asked : range, at).map((day) => ({ kind: 'day', day }));

  const limit = csv ? EXPORT_MAX : (q.limit ?? PAGE);
  const page = await readAuditTrail(
    partitions,
    range,
    {
      ...(sub !== undefined ? { actorSub: sub } : {}),
      ...(q.action !== undefined ? { action: q.action } : {}),
    },
    limit,
    fingerprint(q),
    q.cursor,
  );
  const events = page.items;
  const next = page.nextCursor;
  const scheme = getScheme(schemeId());
  const items = events.map((e) => maskEvent(scheme, req.actor, e));
  await appendAudit({
    action: csv ? 'audit-exported' : 'audit-searched',
    actor: req.actor,
    targetType: 'audit-trail',
    targetId: AUDIT_TRAIL_TARGET,
    details: {
      query: {
        ...(q.targetId === undefined ? {} : { targetId: q.targetId }),
        ...(q.actor === undefined ? {} : { actor: q.actor }),
        ...(q.action === undefined ? {} : { action: q.action }),
        ...(q.from === undefined ? {} : { from: q.from }),
        ...(q.to === undefined ? {} : { to: q.to }),
      },
      continued: q.cursor !== undefined,
      returned: items.length,
    },
  });
  if (csv) {
    return {
      status: 200,
      text: toCsv(items),
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="audit-${at.toISOString().slice(0, 10)}.csv"`,
        'x-searchable-from': range.searchableFrom,
        ...(next === undefined ? {} : { 'x-next-cursor': next }),
      },
    };
  }
  return {
    status: 200,
    body: {
      items,
      searchableFrom: range.searchableFrom,
      ...(next === undefined ? {} : { nextCursor: next }),
    },
  };
});

async function readCopiesDay(query: Record<string, string | undefined>, actor: Actor) {
  const q = parseInput(auditCopiesQuerySchema, query, 'query');
  const today = now().toISOString().slice(0, 10);
  if (q.day > today) {
    throw new BadRequest(`day ${q.day} is after today (${today}) / 日期 ${q.day} 晚于今天（${today}）`, [
      { path: 'day', message: `must be ${today} or earlier` },
    ]);
  }
  const sub = q.actor === undefined ? undefined : await subOfActor(q.actor);
  const wanted = (e: AuditEvent) =>
    (q.targetId === undefined || e.targetId === q.targetId) &&
    (sub === undefined || e.actorSub === sub) &&
    (q.action === undefined || e.action === q.action);
  const found: AuditEvent[] = [];
  let cursor = q.cursor;
  for (
    let read = 0;
    read < COPIES_PER_PAGE && found.length < EVENTS_PER_COPIES_PAGE;
    read += COPIES_PER_READ
  ) {
    const page = await readAuditCopies(
      q.day,
      COPIES_PER_READ,
      JSON.stringify([q.day, q.targetId, q.actor, q.action]),
      cursor,
    );
    found.push(...page.events.filter(wanted));
    cursor = page.nextCursor;
    if (cursor === undefined) break;
  }
  const scheme = getScheme(schemeId());
  const items = found.map((e) => maskEvent(scheme, actor, e));
  await appendAudit({
    action: 'audit-copies-read',
    actor,
    targetType: 'audit-trail',
    targetId: AUDIT_TRAIL_TARGET,
    details: {
      query: {
        day: q.day,
        ...(q.targetId === undefined ? {} : { targetId: q.targetId }),
        ...(q.actor === undefined ? {} : { actor: q.actor }),
        ...(q.action === undefined ? {} : { action: q.action }),
      },
      continued: q.cursor !== undefined,
      returned: items.length,
    },
  });
  return {
    status: 200,
    body: { day: q.day, items, ...(cursor === undefined ? {} : { nextCursor: cursor }) },
  };
}
