import {
  deleteIntakeObject,
  deleteVersion,
  isLockRefusal,
  listVersions,
  lockOf,
} from '../adapters/archive-lifecycle.ts';
import { SYSTEM_ACTOR } from '../adapters/audit.ts';
import { getBatch, getBatchItem } from '../adapters/disposal-batches-repo.ts';
import { beginDestroy, failItem, pullItem, writeTombstone } from '../adapters/disposal-items-repo.ts';
import { getDocument } from '../adapters/documents-repo.ts';
import { loansOut } from '../adapters/loan-check.ts';
import { logger } from '../adapters/logger.ts';
import { now } from '../core/clock.ts';
import { type ItemStatus, isoDate, onLoanUntil } from '../core/disposal.ts';
import { destroyOrder, refileAfterRefusal, refusalReason } from '../core/disposal-rules.ts';
import { archiveObjectKey } from '../core/documents.ts';
import { errorMessage } from '../core/errors.ts';
import { intakeKeyOf } from '../core/submissions.ts';
import { TransientError, WorkflowStateError } from '../core/workflow-errors.ts';

/**
 * Workflow step DestroyItem (one per document, inside the Map): destroys the content of one
 * approved document and leaves its tombstone.
 *
 * - A document held or out on loan since it was proposed is pulled out of the batch (PULLED).
 * - Otherwise it is marked as being destroyed (no hold can be placed from then on), every version
 *   of its original is deleted, the version the record names last, and the scan left in the
 *   intake bucket with it; then the document becomes a DISPOSED tombstone and the item DESTROYED.
 * - S3 refusing a delete (Object Lock not yet passed, or a legal hold set on the object) makes the
 *   item FAILED with S3's reason; the document stays ARCHIVED with what is left of it, leaves the
 *   batch and is filed under the day its lock passes. The other items carry on.
 *
 * Safe to run again at any point: a run after a crash between the deletes and the tombstone finds
 * no versions left, deletes nothing, and writes the tombstone.
 */

export interface DestroyInput {
  batchId: string;
  documentId: string;
}

export interface DestroyOutput {
  documentId: string;
  status: ItemStatus;
  reason?: string;
}

export async function destroyItem(input: DestroyInput): Promise<DestroyOutput> {
  const { batchId, documentId } = input;
  const item = await getBatchItem(batchId, documentId);
  if (!item) throw new WorkflowStateError(`document ${documentId} is not an item of ${batchId}`);
  if (item.status !== 'PROPOSED') {
    return { documentId, status: item.status, ...(item.reason ? { reason: item.reason } : {}) };
  }
  const batch = await getBatch(batchId);
  if (batch?.status !== 'DESTROYING' || !batch.approvedBy) {
    throw new WorkflowStateError(
      `disposal batch ${batchId} is ${batch?.status ?? 'missing'}, not approved for destruction`,
    );
  }
  const doc = await getDocument(documentId);
  if (!doc) throw new WorkflowStateError(`document ${documentId} does not exist`);
  const at = now();
  const stamp = at.toISOString();
  const today = isoDate(at);
  const audit = (action: string, details: Record<string, unknown>) => ({
    action,
    actor: SYSTEM_ACTOR,
    targetType: 'document',
    targetId: documentId,
    at: stamp,
    details: { batchId, archiveCode: item.archiveCode, ...details },
  });

  if (doc.destroying !== batchId) {
    const pull = async (reason: string, refileDay: string | undefined): Promise<DestroyOutput> => {
      if (
        !(await pullItem(
          batchId,
          documentId,
          reason,
          refileDay,
          stamp,
          audit('disposal.item-pulled', { reason }),
        ))
      ) {
        throw new TransientError(`item ${documentId} of ${batchId} changed while it was pulled`);
      }
      logger.info('item pulled out of its batch before destruction', { batchId, documentId, reason });
      return { documentId, status: 'PULLED', reason };
    };
    if ((doc.activeHolds ?? 0) > 0) return pull('placed on hold after it was proposed', undefined);
    const loanUntil = onLoanUntil((await loansOut([documentId])).get(documentId) ?? [], today);
    if (loanUntil) return pull(`out on loan; looked at again from ${loanUntil}`, loanUntil);
    if (!(await beginDestroy(batchId, documentId, stamp))) {
      const again = await getDocument(documentId);
      if ((again?.activeHolds ?? 0) > 0) return pull('placed on hold after it was proposed', undefined);
      throw new TransientError(`document ${documentId} changed before its destruction began`);
    }
  }

  const key = archiveObjectKey(documentId);
  const versions = await listVersions(key);
  // The version the record names goes last: if S3 refuses anything, the original stays readable.
  const ordered = destroyOrder(versions, doc.archiveVersionId);
  let deleted = 0;
  for (const v of ordered) {
    try {
      await deleteVersion(key, v.versionId);
      if (!v.deleteMarker) deleted++;
    } catch (err) {
      if (!isLockRefusal(err)) throw err;
      const lock = await lockOf(key, v.versionId);
      const reason = refusalReason(key, v.versionId, errorMessage(err), lock);
      const refile = refileAfterRefusal(lock, today);
      const failed = await failItem(
        batchId,
        documentId,
        reason,
        deleted,
        refile,
        stamp,
        audit('disposal.item-failed', { reason, versionsDeleted: deleted, refiledOn: refile }),
      );
      if (!failed)
        throw new TransientError(`item ${documentId} of ${batchId} changed while it was marked failed`);
      logger.warn('S3 refused to destroy an original; item failed', { batchId, documentId, reason });
      return { documentId, status: 'FAILED', reason };
    }
  }
  if (await deleteIntakeObject(intakeKeyOf(doc))) logger.info('intake scan removed', { documentId });
  const left = (await listVersions(key)).filter((v) => !v.deleteMarker);
  if (left.length > 0) throw new TransientError(`${left.length} versions of ${key} are still there`);

  const written = await writeTombstone(
    batchId,
    documentId,
    {
      disposedAt: stamp,
      appraisedBy: batch.appraisedBy ?? '',
      approvedBy: batch.approvedBy,
      versionsDeleted: deleted,
    },
    audit('document.disposed', {
      approvedBy: batch.approvedBy,
      appraisedBy: batch.appraisedBy,
      archiveKey: key,
      versionsDeleted: deleted,
    }),
  );
  if (!written) {
    const again = await getBatchItem(batchId, documentId);
    if (again?.status === 'DESTROYED') return { documentId, status: 'DESTROYED' };
    throw new TransientError(`document ${documentId} changed while its tombstone was written`);
  }
  return { documentId, status: 'DESTROYED' };
}
