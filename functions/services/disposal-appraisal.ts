import { extendRetention } from '../adapters/archive-lifecycle.ts';
import { SYSTEM_ACTOR } from '../adapters/audit.ts';
import { getBatch, getBatchItems, moveBatch } from '../adapters/disposal-batches-repo.ts';
import { extendItem } from '../adapters/disposal-items-repo.ts';
import { getDocument } from '../adapters/documents-repo.ts';
import { logger } from '../adapters/logger.ts';
import { now } from '../core/clock.ts';
import { type Extension, isoDate } from '../core/disposal.ts';
import { countItems, extendedDueOn, lockExtension } from '../core/disposal-rules.ts';
import { archivedOriginal } from '../core/documents.ts';
import { TransientError, WorkflowStateError } from '../core/workflow-errors.ts';

/**
 * Workflow step Appraised: applies the archivist's appraisal. `approve` destroys the batch, except
 * the documents an extension names (all of them when `documentIds` is absent); `reject` keeps them
 * all and must carry an extension. An extended document gets its new period (counted from its
 * clock start) and due day, leaves the batch, goes back into the due-date index under the new
 * day, and its original's Object Lock is extended to that day. Returns how many documents remain
 * to be approved for destruction. Safe to run twice: extended items are no longer proposed.
 */

export interface AppraisalDecision {
  decision: 'approve' | 'reject';
  comment?: string;
  decidedBy: string;
  decidedBySub?: string;
  extendYears?: number;
  reason?: string;
  documentIds?: string[];
}

export interface AppraisedInput {
  batchId: string;
  round: number;
  decision: AppraisalDecision;
}

export async function applyAppraisal(
  input: AppraisedInput,
): Promise<{ remaining: number; extended: number }> {
  const batch = await getBatch(input.batchId);
  if (!batch) throw new WorkflowStateError(`disposal batch ${input.batchId} does not exist`);
  const d = input.decision;
  if (batch.status !== 'APPRAISAL') {
    const items = await getBatchItems(batch.batchId);
    logger.info('appraisal already applied', { batchId: batch.batchId, status: batch.status });
    return { remaining: countItems(items, 'PROPOSED'), extended: countItems(items, 'EXTENDED') };
  }
  if (d.decision === 'reject' && d.extendYears === undefined) {
    throw new WorkflowStateError(`appraisal of ${batch.batchId} keeps the documents but names no new period`);
  }
  const at = now();
  const stamp = at.toISOString();
  const today = isoDate(at);
  const items = await getBatchItems(batch.batchId);
  let extended = 0;
  if (d.extendYears !== undefined) {
    const years = d.extendYears;
    const named = d.documentIds ? new Set(d.documentIds) : undefined;
    for (const item of items) {
      if (item.status !== 'PROPOSED' || (named && !named.has(item.documentId))) continue;
      const doc = await getDocument(item.documentId);
      if (!doc)
        throw new WorkflowStateError(`document ${item.documentId} of ${batch.batchId} does not exist`);
      const dueOn = extendedDueOn(item.clockStart, years, doc.retainUntil, today);
      const retainUntil = lockExtension(doc, dueOn);
      const original = archivedOriginal(doc);
      if (retainUntil && original)
        await extendRetention(original.key, original.versionId, new Date(retainUntil));
      const extension: Extension = {
        batchId: batch.batchId,
        years,
        previousDueOn: item.dueOn,
        dueOn,
        reason: d.reason ?? '',
        by: d.decidedBy,
        at: stamp,
      };
      const done = await extendItem(batch.batchId, doc, extension, retainUntil, stamp, {
        action: 'document.retention-extended',
        actor: SYSTEM_ACTOR,
        targetType: 'document',
        targetId: doc.documentId,
        at: stamp,
        eventId: `extended-${batch.batchId}-${doc.documentId}`,
        before: { retentionYears: item.retentionYears, dueOn: item.dueOn },
        after: { retentionYears: years, dueOn, retainUntil: retainUntil ?? doc.retainUntil },
        details: {
          batchId: batch.batchId,
          archiveCode: doc.archiveCode,
          reason: extension.reason,
          by: d.decidedBy,
        },
      });
      if (!done)
        throw new TransientError(`item ${doc.documentId} of ${batch.batchId} changed while it was extended`);
      extended++;
    }
  }
  await moveBatch(
    batch.batchId,
    ['APPRAISAL'],
    'APPRAISAL',
    {
      appraisedBy: d.decidedBy,
      ...(d.decidedBySub ? { appraisedBySub: d.decidedBySub } : {}),
      appraisedAt: stamp,
      appraisalComment: d.comment ?? '',
    },
    stamp,
    {
      action: 'disposal.appraised',
      actor: SYSTEM_ACTOR,
      targetType: 'disposal',
      targetId: batch.batchId,
      at: stamp,
      details: {
        round: input.round,
        decision: d.decision,
        appraisedBy: d.decidedBy,
        extended,
        ...(d.extendYears === undefined ? {} : { extendYears: d.extendYears, reason: d.reason }),
      },
    },
  );
  const after = await getBatchItems(batch.batchId);
  return { remaining: countItems(after, 'PROPOSED'), extended };
}
