import { setLegalHold } from '../adapters/archive-lifecycle.ts';
import { getDocument } from '../adapters/documents-repo.ts';
import { getHold, releaseHold } from '../adapters/holds-repo.ts';
import { logger } from '../adapters/logger.ts';
import { now } from '../core/clock.ts';
import { type DisposableDocument, dueIndexDay, dueOnOf, isoDate } from '../core/disposal.ts';
import { Conflict, NotFound } from '../core/errors.ts';
import { apiHandler } from '../http/api.ts';

/**
 * `DELETE /documents/{documentId}/holds/{holdId}` (archivist): releases a hold. When it was the
 * document's last one, a due-dated document goes back into the due-date index (under today if its
 * day has passed), and S3's legal hold comes off the original, except for permanent records, whose
 * legal hold is how S3 keeps them forever.
 */
export const handler = apiHandler('holds-release', async ({ actor, path, requestId }) => {
  const documentId = path.documentId ?? '';
  const holdId = path.holdId ?? '';
  for (let round = 0; round < 5; round++) {
    const hold = await getHold(documentId, holdId);
    if (!hold) throw new NotFound(`hold of document ${documentId}`, holdId);
    if (hold.status !== 'ACTIVE') {
      throw new Conflict(
        `hold ${holdId} was released on ${hold.releasedAt ?? '?'} by ${hold.releasedBy ?? '?'}`,
      );
    }
    const doc = (await getDocument(documentId)) as DisposableDocument | undefined;
    if (!doc) throw new NotFound('document', documentId);
    const active = doc.activeHolds ?? 0;
    if (active < 1) throw new Error(`document ${documentId} has an active hold but counts none`);
    const time = now();
    const at = time.toISOString();
    const last = active === 1;
    const due = dueOnOf(doc);
    const refile =
      last && doc.status === 'ARCHIVED' && !doc.disposalBatchId && due
        ? dueIndexDay(due, isoDate(time))
        : undefined;
    const released = await releaseHold(hold, active, refile, actor, at, {
      action: 'document.hold-released',
      actor,
      targetType: 'document',
      targetId: documentId,
      at,
      before: { holdId, reason: hold.reason, placedBy: hold.placedBy, placedAt: hold.placedAt },
      details: {
        archiveCode: doc.archiveCode,
        requestId,
        activeHolds: active - 1,
        ...(refile ? { refiledOn: refile } : {}),
      },
    });
    if (!released) continue;
    if (
      last &&
      doc.legalHold !== true &&
      doc.retentionCode !== 'Y' &&
      doc.archiveKey &&
      doc.archiveVersionId
    ) {
      try {
        await setLegalHold(doc.archiveKey, doc.archiveVersionId, false);
      } catch (err) {
        // The record is released; S3 keeps refusing to delete until the legal hold is cleared.
        logger.error('hold released but S3 legal hold still on', {
          documentId,
          error: (err as Error).message,
        });
      }
    }
    return {
      status: 200,
      body: {
        ...hold,
        status: 'RELEASED',
        releasedBy: actor.username,
        releasedBySub: actor.sub,
        releasedAt: at,
      },
    };
  }
  throw new Conflict(`document ${documentId} kept changing while hold ${holdId} was released; try again`);
});
