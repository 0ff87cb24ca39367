import { type DisposableDocument, dueIndexDay, dueOnOf } from './disposal.ts';
import { Conflict } from './errors.ts';

/**
 * The rules of holds (冻结 / legal hold) on archived documents: which documents can be held, what
 * releasing a hold changes, and when S3's legal hold on the original may come off. Plain
 * decisions; services/holds.ts reads and writes around them.
 */

/** Only archived documents that are not being destroyed can be held; otherwise a Conflict. */
export function assertHoldable(doc: DisposableDocument): void {
  if (doc.status !== 'ARCHIVED') {
    throw new Conflict(`document ${doc.documentId} is ${doc.status}; only archived documents can be held`);
  }
  if (doc.destroying) {
    throw new Conflict(
      `document ${doc.documentId} is being destroyed by disposal batch ${doc.destroying}; it can no longer be held`,
    );
  }
}

/**
 * Whether S3's legal hold on the original is also its permanent lock, so releasing holds must
 * leave it on: permanent records archived before they were locked under COMPLIANCE retention
 * carry `legalHold: true` (or, older still, no retain-until date). Their sweep adds COMPLIANCE
 * retention (services/permanence.ts) but never lifts the legal hold: that would take
 * `s3:PutObjectLegalHold`, which only the holds functions have, and gains nothing. A permanent
 * record archived since then is kept by its retention, so its legal hold is only ever a hold's.
 */
export function legalHoldIsLock(doc: DisposableDocument): boolean {
  return doc.legalHold === true || (doc.retentionCode === 'Y' && doc.retainUntil === undefined);
}

/**
 * A hold that could not be recorded after S3's legal hold went on for it: whether that legal hold
 * may come off again, i.e. nothing else keeps it (no hold recorded meanwhile, no legal hold as an
 * older permanent record's lock) and the document is still archived.
 */
export function legalHoldUnused(doc: DisposableDocument | undefined): boolean {
  return (
    doc !== undefined && (doc.activeHolds ?? 0) === 0 && !legalHoldIsLock(doc) && doc.status === 'ARCHIVED'
  );
}

export interface HoldRelease {
  /** The document's last active hold goes. */
  last: boolean;
  /**
   * The day the document goes back into the due-date index under: when its last hold goes, it is
   * archived, in no disposal batch and has a due day (today if that day has passed).
   */
  refileOn?: string;
  /**
   * S3's legal hold on the original comes off: the last hold goes, the original is known, and the
   * legal hold is not an older permanent record's lock (`legalHoldIsLock`). A permanent record
   * locked under COMPLIANCE retention loses only the hold's legal hold; its retention stays.
   */
  clearLegalHold: boolean;
}

/** What releasing one of `doc`'s holds (it counts `doc.activeHolds` ≥ 1) changes, on `today`. */
export function holdRelease(doc: DisposableDocument, today: string): HoldRelease {
  const last = (doc.activeHolds ?? 0) === 1;
  const due = dueOnOf(doc);
  const refileOn =
    last && doc.status === 'ARCHIVED' && !doc.disposalBatchId && due ? dueIndexDay(due, today) : undefined;
  const clearLegalHold = last && !legalHoldIsLock(doc) && doc.archiveVersionId !== undefined;
  return { last, ...(refileOn ? { refileOn } : {}), clearLegalHold };
}
