import { extendRetention, listKeysAfter } from '../adapters/archive-lifecycle.ts';
import { type AuditInput, SYSTEM_ACTOR } from '../adapters/audit.ts';
import { everyBatch } from '../adapters/disposal-batches-repo.ts';
import { getDocuments } from '../adapters/documents-repo.ts';
import type { IndexKey } from '../adapters/due-index-repo.ts';
import { logger } from '../adapters/logger.ts';
import { type LockEntry, locksDue, recordPermanentLock } from '../adapters/permanent-locks-repo.ts';
import { getSweepState, savePermanenceWalk } from '../adapters/sweep-state-repo.ts';
import type { DisposableDocument, DisposalBatch } from '../core/disposal.ts';
import { archivedOriginal, archiveObjectKey } from '../core/documents.ts';
import { errorMessage } from '../core/errors.ts';
import { permanentLock } from '../core/permanence.ts';

/**
 * Permanent means permanent (core/permanence.ts): the daily run keeps every permanent record under
 * COMPLIANCE retention far ahead.
 *
 * 1. Extension: the permanent locks due for extension by today (`locksDue`, a Query of the
 *    register, never a Scan) are extended to today + the horizon in S3, then recorded with their
 *    next renewal day and an audit event. S3 first: a run that dies in between has extended the
 *    lock, and the next run extends it again, a little later, which S3 accepts.
 * 2. Records archived before permanent records were locked so, under a legal hold alone (one call
 *    to lift it, then one to delete the version): a one-off walk, spread over as many daily runs
 *    as the archive needs, puts each under the same COMPLIANCE retention and files it in the
 *    register. Their legal hold is left on: lifting it would take `s3:PutObjectLegalHold`, which
 *    only the holds functions keep, and gains nothing (core/holds.ts, `legalHoldIsLock`). The
 *    walk covers the originals (listed in key order from the archive bucket, as fixity does, and
 *    read by id) and the destruction lists (every batch, read once). Once through, it is marked
 *    done and costs one read a day.
 */

/** Originals looked at per run by the walk over records archived under a legal hold. */
export const LEGACY_KEYS_PER_RUN = 5000;
const LIST_PAGE = 1000;

export interface PermanenceSummary {
  extended: number;
  /** Records archived under a legal hold now also under COMPLIANCE retention. */
  locked: number;
  failed: string[];
  legacyDone: boolean;
}

const ORIGINALS = archiveObjectKey('');

export async function keepPermanent(at: Date): Promise<PermanenceSummary> {
  const summary: PermanenceSummary = { extended: 0, locked: 0, failed: [], legacyDone: false };
  for (const entry of await locksDue(at.toISOString().slice(0, 10))) {
    if (await extendEntry(entry, at, summary)) summary.extended++;
  }
  await walkLegacy(at, summary);
  logger.info('permanent locks kept', { ...summary });
  return summary;
}

/** Extends one record's lock as `permanentLock` decides; true when it was extended and recorded. */
async function extendEntry(entry: LockEntry, at: Date, summary: PermanenceSummary): Promise<boolean> {
  if (entry.kind === 'original') return lockOriginal(entry.doc, entry.index, at, summary);
  return lockLists(entry.batch, entry.index, at, summary);
}

async function lockOriginal(
  doc: DisposableDocument,
  index: IndexKey | undefined,
  at: Date,
  summary: PermanenceSummary,
): Promise<boolean> {
  const lock = permanentLock(doc.retainUntil, at);
  const original = archivedOriginal(doc);
  if (!original) {
    logger.error('permanent document has no archive object', { documentId: doc.documentId });
    summary.failed.push(doc.documentId);
    return false;
  }
  const { key, versionId } = original;
  return guarded(doc.documentId, summary, async () => {
    if (lock.kind === 'extend') await extendRetention(key, versionId, new Date(lock.retainUntil));
    return recordPermanentLock({ kind: 'original', id: doc.documentId }, index, lock, stampOf(at), {
      ...lockEvent(
        at,
        lock.kind === 'extend' ? 'document.permanent-lock-extended' : 'document.permanent-lock-refiled',
      ),
      targetType: 'document',
      targetId: doc.documentId,
      before: doc.retainUntil ? { retainUntil: doc.retainUntil } : { legalHold: true },
      after: { retainUntil: lock.retainUntil, mode: 'COMPLIANCE' },
      details: {
        archiveCode: doc.archiveCode,
        archiveKey: key,
        archiveVersionId: versionId,
        renewOn: lock.renewOn,
      },
    });
  });
}

async function lockLists(
  batch: DisposalBatch,
  index: IndexKey | undefined,
  at: Date,
  summary: PermanenceSummary,
): Promise<boolean> {
  const list = batch.list;
  if (!list) return false;
  const lock = permanentLock(list.retainUntil, at);
  return guarded(batch.batchId, summary, async () => {
    if (lock.kind === 'extend') {
      await extendRetention(list.jsonKey, list.jsonVersionId, new Date(lock.retainUntil));
      await extendRetention(list.htmlKey, list.htmlVersionId, new Date(lock.retainUntil));
    }
    return recordPermanentLock({ kind: 'destruction-list', id: batch.batchId }, index, lock, stampOf(at), {
      ...lockEvent(at, lock.kind === 'extend' ? 'disposal.list-lock-extended' : 'disposal.list-lock-refiled'),
      targetType: 'disposal',
      targetId: batch.batchId,
      before: list.retainUntil ? { retainUntil: list.retainUntil } : { legalHold: true },
      after: { retainUntil: lock.retainUntil, mode: 'COMPLIANCE' },
      details: { jsonKey: list.jsonKey, htmlKey: list.htmlKey, renewOn: lock.renewOn },
    });
  });
}

const stampOf = (at: Date) => at.toISOString();
const lockEvent = (at: Date, action: string): Pick<AuditInput, 'action' | 'actor' | 'at'> => ({
  action,
  actor: SYSTEM_ACTOR,
  at: stampOf(at),
});

/** One record's failure is logged and counted; the others are still kept. */
async function guarded(id: string, summary: PermanenceSummary, run: () => Promise<boolean>) {
  try {
    return await run();
  } catch (err) {
    logger.error('could not keep a permanent lock', { id, error: errorMessage(err) });
    summary.failed.push(id);
    return false;
  }
}

/** The one-off walk over records archived under a legal hold (see above). */
async function walkLegacy(at: Date, summary: PermanenceSummary): Promise<void> {
  const state = await getSweepState('permanence');
  if (state?.legacyDone) {
    summary.legacyDone = true;
    return;
  }
  const failedBefore = summary.failed.length;
  if (!state?.cursor) {
    for (const batch of await everyBatch()) {
      if (batch.list && !batch.list.retainUntil && (await lockLists(batch, undefined, at, summary))) {
        summary.locked++;
      }
    }
  }
  let cursor = state?.cursor;
  let more = true;
  for (let seen = 0; more && seen < LEGACY_KEYS_PER_RUN; ) {
    const page = await listKeysAfter(ORIGINALS, cursor, LIST_PAGE);
    const docs = await getDocuments(page.keys.map((k) => k.slice(ORIGINALS.length)));
    for (const doc of docs) {
      const legacy = doc.retentionCode === 'Y' && doc.status === 'ARCHIVED' && doc.retainUntil === undefined;
      if (legacy && (await lockOriginal(doc, undefined, at, summary))) summary.locked++;
    }
    seen += page.keys.length;
    cursor = page.keys.at(-1) ?? cursor;
    more = page.more;
  }
  // A pass with a failure starts over (the records it locked are skipped then), so none is left.
  const failures = (state?.failures ?? 0) + summary.failed.length - failedBefore;
  summary.legacyDone = !more && failures === 0;
  await savePermanenceWalk(
    more ? { cursor, failures } : { done: summary.legacyDone, failures: 0 },
    stampOf(at),
    { ...summary },
  );
}
