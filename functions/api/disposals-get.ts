import { appendAudit } from '../adapters/audit.ts';
import { getBatchItems } from '../adapters/disposal-batches-repo.ts';
import { presignContent } from '../adapters/presign.ts';
import { now } from '../core/clock.ts';
import { batchView, itemView } from '../core/destruction-list.ts';
import { getScheme } from '../core/scheme.ts';
import { apiHandler } from '../http/api.ts';

/**
 * `GET /disposals/{batchId}` (archivist, approver, auditor): a batch with its items — after
 * destruction, the tombstones (archive code, title, type, dates, outcome) — and, once closed,
 * short-lived links to its destruction list (JSON and printable HTML). Titles of sensitive types
 * are masked for roles the scheme does not show them to; issuing the links is audited. The
 * `batch-region` rule reads the batch (a batch outside the caller's regions answers as absent).
 */
export const handler = apiHandler(
  'disposals-get',
  'GET /disposals/{batchId}',
  async function handleDisposalsGet({ actor, records, requestId }) {
    const { batch } = records;
    const id = batch.batchId;
    const scheme = getScheme(batch.schemeId);
    const unmasked = actor.roles.some((r) => (scheme.unmaskedRoles as readonly string[]).includes(r));
    const items = (await getBatchItems(id)).sort((a, b) => a.archiveCode.localeCompare(b.archiveCode));
    let links: Record<string, { url: string; expiresAt: string }> | undefined;
    if (batch.list) {
      const time = now();
      const expiresIn = scheme.limits.contentUrlSeconds;
      links = {
        json: await presignContent({
          key: batch.list.jsonKey,
          versionId: batch.list.jsonVersionId,
          expiresIn,
          now: time,
        }),
        html: await presignContent({
          key: batch.list.htmlKey,
          versionId: batch.list.htmlVersionId,
          expiresIn,
          now: time,
        }),
      };
      await appendAudit({
        action: 'disposal.list-url',
        actor,
        targetType: 'disposal',
        targetId: id,
        at: time.toISOString(),
        details: {
          requestId,
          keys: [batch.list.jsonKey, batch.list.htmlKey],
          expiresAt: links.json?.expiresAt,
        },
      });
    }
    return {
      status: 200,
      body: {
        ...batchView(batch),
        items: items.map((i) => itemView(i, scheme, unmasked)),
        ...(links ? { links } : {}),
      },
    };
  },
);
