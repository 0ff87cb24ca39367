import { createHash } from 'node:crypto';
import { listAccounts } from '../adapters/accounts-repo.ts';
import { appendAudit } from '../adapters/audit.ts';
import { type AuditPartition, readAuditTrail } from '../adapters/audit-reader.ts';
import { schemeId } from '../adapters/env.ts';
import {
  type AuditQuery,
  auditQuerySchema,
  daysOf,
  maskEvent,
  timeRange,
  toCsv,
} from '../core/audit-trail.ts';
import { now } from '../core/clock.ts';
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
 */

const PAGE = 100;
/** The target the auditor's own queries are recorded under. */
export const AUDIT_TRAIL_TARGET = 'AUDIT-TRAIL';
const EXPORT_MAX = 5000;

/** The query a cursor belongs to: its filters, hashed. */
const fingerprint = (q: AuditQuery) =>
  createHash('sha256')
    .update(JSON.stringify([q.targetId, q.actor, q.action, q.from, q.to]))
    .digest('base64url')
    .slice(0, 16);

/** A username becomes the user's id; anything else is taken as an id. */
async function actorSub(actor: string): Promise<string> {
  const account = (await listAccounts()).find((a) => a.username === actor);
  return account?.sub ?? actor;
}

export const handler = apiHandler('audit-search', async function handleAuditSearch(req) {
  const q = parseInput(auditQuerySchema, req.query, 'query');
  const csv =
    q.format === 'csv' ||
    req.routeKey === 'GET /audit/export' ||
    (req.headers.accept ?? '').toLowerCase().includes('text/csv');
  const at = now();
  const range = timeRange(q, at);
  const sub = q.actor === undefined ? undefined : await actorSub(q.actor);
  let partitions: AuditPartition[];
  if (q.targetId !== undefined) partitions = [{ kind: 'target', targetId: q.targetId }];
  else if (sub !== undefined) partitions = [{ kind: 'actor', sub }];
  else partitions = daysOf(range, at).map((day) => ({ kind: 'day', day }));

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
        ...(next === undefined ? {} : { 'x-next-cursor': next }),
      },
    };
  }
  return { status: 200, body: { items, ...(next === undefined ? {} : { nextCursor: next }) } };
});
