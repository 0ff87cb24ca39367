import { randomUUID } from 'node:crypto';
import { setLegalHold } from '../adapters/archive-lifecycle.ts';
import { getDocument } from '../adapters/documents-repo.ts';
import { placeHold } from '../adapters/holds-repo.ts';
import { logger } from '../adapters/logger.ts';
import { now } from '../core/clock.ts';
import { type DisposableDocument, type Hold, holdInputSchema } from '../core/disposal.ts';
import { BadRequest, Conflict, NotFound } from '../core/errors.ts';
import { apiHandler, parseInput } from '../http/api.ts';

/**
 * `POST /documents/{documentId}/holds {reason}` (archivist): a hold (冻结 / legal hold) stops the
 * document's disposal whatever its retention says. S3's legal hold goes on the archived original
 * first, then the hold is recorded with the document out of the due-date index, in one
 * transaction with its audit event. A document already proposed for disposal stays in its batch
 * until its destruction would begin, when the hold pulls it out. Only archived documents that are
 * not being destroyed can be held.
 */

function assertHoldable(doc: DisposableDocument): void {
  if (doc.status !== 'ARCHIVED') {
    throw new Conflict(`document ${doc.documentId} is ${doc.status}; only archived documents can be held`);
  }
  if (doc.destroying) {
    throw new Conflict(
      `document ${doc.documentId} is being destroyed by disposal batch ${doc.destroying}; it can no longer be held`,
    );
  }
}

export const handler = apiHandler('holds-create', async ({ actor, body, path, requestId }) => {
  const id = path.documentId ?? '';
  if (body === undefined)
    throw new BadRequest('request body is required: {"reason": "..."}', [
      { path: 'reason', message: 'is required' },
    ]);
  const input = parseInput(holdInputSchema, body);
  const doc = (await getDocument(id)) as DisposableDocument | undefined;
  if (!doc) throw new NotFound('document', id);
  assertHoldable(doc);
  if (!doc.archiveKey || !doc.archiveVersionId)
    throw new Error(`archived document ${id} has no archive object`);

  await setLegalHold(doc.archiveKey, doc.archiveVersionId, true);
  const at = now().toISOString();
  const hold: Hold = {
    holdId: randomUUID(),
    documentId: id,
    reason: input.reason,
    status: 'ACTIVE',
    placedBy: actor.username,
    placedBySub: actor.sub,
    placedAt: at,
  };
  const placed = await placeHold(hold, {
    action: 'document.hold-placed',
    actor,
    targetType: 'document',
    targetId: id,
    at,
    after: { holdId: hold.holdId, reason: hold.reason },
    details: { archiveCode: doc.archiveCode, requestId, disposalBatchId: doc.disposalBatchId },
  });
  if (!placed) {
    const again = (await getDocument(id)) as DisposableDocument | undefined;
    // S3's hold went on for nothing: take it off again unless something else keeps it.
    if (again && (again.activeHolds ?? 0) === 0 && again.legalHold !== true && again.status === 'ARCHIVED') {
      await setLegalHold(doc.archiveKey, doc.archiveVersionId, false).catch((err: unknown) =>
        logger.error('could not clear an unused legal hold', {
          documentId: id,
          error: (err as Error).message,
        }),
      );
    }
    if (again) assertHoldable(again);
    throw new Conflict(`document ${id} changed while the hold was placed; try again`);
  }
  return { status: 201, body: hold };
});
