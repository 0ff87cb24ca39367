import {
  type BatchItem,
  type DisposableDocument,
  dueOnFor,
  firstDayAfter,
  type ItemStatus,
  nextDay,
} from './disposal.ts';

/**
 * The decisions the disposal workflow's steps take about one document: the day an extended or a
 * failed document is filed again under, how far its original's Object Lock must reach, in which
 * order an original's versions are deleted, and how many documents a batch still proposes. Plain
 * functions; the services in functions/services/disposal-*.ts read and write around them.
 */

/**
 * The new due day of a document an appraisal keeps for `years` more (counted from its clock
 * start, never before its current lock ends): tomorrow at the earliest, so the next sweep does
 * not propose it again at once.
 */
export function extendedDueOn(
  clockStart: string,
  years: number,
  retainUntil: string | undefined,
  today: string,
) {
  const dueOn = dueOnFor(clockStart, years, retainUntil);
  return dueOn <= today ? nextDay(today) : dueOn;
}

/**
 * The time the original's Object Lock must be extended to so that it lasts until the new due day,
 * or undefined when it already does (or there is no archived original to lock).
 */
export function lockExtension(
  doc: Pick<DisposableDocument, 'archiveVersionId' | 'retainUntil'>,
  dueOn: string,
): string | undefined {
  const lockUntil = `${dueOn}T00:00:00.000Z`;
  if (!doc.archiveVersionId) return undefined;
  return !doc.retainUntil || doc.retainUntil < lockUntil ? lockUntil : undefined;
}

/**
 * An original's versions in the order they are deleted: the version the record names goes last,
 * so that if S3 refuses anything, the original stays readable.
 */
export function destroyOrder<V extends { versionId: string }>(
  versions: readonly V[],
  recordVersionId?: string,
): V[] {
  return [
    ...versions.filter((v) => v.versionId !== recordVersionId),
    ...versions.filter((v) => v.versionId === recordVersionId),
  ];
}

/**
 * The day a document whose destruction S3 refused is filed again under: the first day after its
 * lock ends, or tomorrow when the lock is unknown, a legal hold, or ends by today.
 */
export function refileAfterRefusal(lock: { retainUntil?: string } | undefined, today: string): string {
  const after = lock?.retainUntil ? firstDayAfter(lock.retainUntil) : undefined;
  return after && after > today ? after : nextDay(today);
}

/** Why S3 refused to delete a version, with what keeps it. */
export function refusalReason(
  key: string,
  versionId: string,
  message: string,
  lock: { retainUntil?: string; legalHold: boolean } | undefined,
): string {
  const keeps = lock?.legalHold
    ? ' (legal hold on)'
    : lock?.retainUntil
      ? ` (locked until ${lock.retainUntil})`
      : '';
  return `S3 refused to delete version ${versionId} of ${key}: ${message}${keeps}`;
}

/** Items of a batch in a given status. */
export const countItems = (items: readonly Pick<BatchItem, 'status'>[], status: ItemStatus): number =>
  items.filter((i) => i.status === status).length;
