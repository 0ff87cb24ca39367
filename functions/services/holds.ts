import { randomUUID } from 'node:crypto';
import { setLegalHold } from '../adapters/archive-lifecycle.ts';
import { getDocument } from '../adapters/documents-repo.ts';
import { getHold, placeHold, releaseHold } from '../adapters/holds-repo.ts';
import { logger } from '../adapters/logger.ts';
import { now } from '../core/clock.ts';
import { type Hold, isoDate } from '../core/disposal.ts';
import { archivedOriginal } from '../core/documents.ts';
import { Conflict, errorMessage, NotFound } from '../core/errors.ts';
import { assertHoldable, holdRelease, legalHoldUnused } from '../core/holds.ts';
import type { Actor } from '../core/roles.ts';

/**
 * Placing and releasing holds (冻结 / legal hold), which stop a document's disposal whatever its
 * retention says. Each keeps S3's legal hold on the archived original and the hold record (with
 * the due-date index and the audit event, in one transaction) in step; the rules are in
 * core/holds.ts.
 */

const RELEASE_ROUNDS = 5;

export interface HoldRequest {
  documentId: string;
  actor: Actor;
  requestId: string;
}

/**
 * S3's legal hold goes on the archived original first, then the hold is recorded with the
 * document out of the due-date index. A document already proposed for disposal stays in its
 * batch until its destruction would begin, when the hold pulls it out.
 */
export async function placeDocumentHold(request: HoldRequest & { reason: string }): Promise<Hold> {
  const { documentId: id, actor, requestId } = request;
  const doc = await getDocument(id);
  if (!doc) throw new NotFound('document', id);
  assertHoldable(doc);
  const original = archivedOriginal(doc);
  if (!original) throw new Error(`archived document ${id} has no archive object`);

  await setLegalHold(original.key, original.versionId, true);
  const at = now().toISOString();
  const hold: Hold = {
    holdId: randomUUID(),
    documentId: id,
    reason: request.reason,
    status: 'ACTIVE',
    placedBy: actor.username,
    placedBySub: actor.sub,
    placedAt: at,
  };
  const placed = await placeHold(hold, doc.retentionCode === 'Y', {
    action: 'document.hold-placed',
    actor,
    targetType: 'document',
    targetId: id,
    at,
    after: { holdId: hold.holdId, reason: hold.reason },
    details: { archiveCode: doc.archiveCode, requestId, disposalBatchId: doc.disposalBatchId },
  });
  if (!placed) {
    const again = await getDocument(id);
    // S3's hold went on for nothing: take it off again unless something else keeps it.
    if (legalHoldUnused(again)) {
      await setLegalHold(original.key, original.versionId, false).catch((err: unknown) =>
        logger.error('could not clear an unused legal hold', {
          documentId: id,
          error: errorMessage(err),
        }),
      );
    }
    if (again) assertHoldable(again);
    throw new Conflict(`document ${id} changed while the hold was placed; try again`);
  }
  return hold;
}

/**
 * Releases a hold. When it was the document's last one, a due-dated document goes back into the
 * due-date index (under today if its day has passed), and S3's legal hold comes off the original,
 * except where it is an older permanent record's lock (core/holds.ts, `legalHoldIsLock`); a
 * permanent record's COMPLIANCE retention is not touched. A document that changed meanwhile is
 * read again, a few times.
 */
export async function releaseDocumentHold(request: HoldRequest & { holdId: string }): Promise<Hold> {
  const { documentId, holdId, actor, requestId } = request;
  for (let round = 0; round < RELEASE_ROUNDS; round++) {
    const hold = await getHold(documentId, holdId);
    if (!hold) throw new NotFound(`hold of document ${documentId}`, holdId);
    if (hold.status !== 'ACTIVE') {
      throw new Conflict(
        `hold ${holdId} was released on ${hold.releasedAt ?? '?'} by ${hold.releasedBy ?? '?'}`,
      );
    }
    const doc = await getDocument(documentId);
    if (!doc) throw new NotFound('document', documentId);
    const active = doc.activeHolds ?? 0;
    if (active < 1) throw new Error(`document ${documentId} has an active hold but counts none`);
    const time = now();
    const at = time.toISOString();
    const release = holdRelease(doc, isoDate(time));
    const released = await releaseHold(hold, active, release.refileOn, actor, at, {
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
        ...(release.refileOn ? { refiledOn: release.refileOn } : {}),
      },
    });
    if (!released) continue;
    const original = archivedOriginal(doc);
    if (release.clearLegalHold && original) {
      try {
        await setLegalHold(original.key, original.versionId, false);
      } catch (err) {
        // The record is released; S3 keeps refusing to delete until the legal hold is cleared.
        logger.error('hold released but S3 legal hold still on', {
          documentId,
          error: errorMessage(err),
        });
      }
    }
    return {
      ...hold,
      status: 'RELEASED',
      releasedBy: actor.username,
      releasedBySub: actor.sub,
      releasedAt: at,
    };
  }
  throw new Conflict(`document ${documentId} kept changing while hold ${holdId} was released; try again`);
}
