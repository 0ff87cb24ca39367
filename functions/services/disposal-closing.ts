import { headPermanent, putPermanent } from '../adapters/archive-lifecycle.ts';
import { SYSTEM_ACTOR } from '../adapters/audit.ts';
import { getBatch, getBatchItems, moveBatch } from '../adapters/disposal-batches-repo.ts';
import { closeBatch, failItem } from '../adapters/disposal-items-repo.ts';
import { logger } from '../adapters/logger.ts';
import { now } from '../core/clock.ts';
import { destructionList, destructionListHtml, destructionListKeys } from '../core/destruction-list.ts';
import { type DestructionListRef, type ItemStatus, isoDate, nextDay } from '../core/disposal.ts';
import { permanentRetainUntil } from '../core/permanence.ts';
import { getScheme } from '../core/scheme.ts';
import { closedBatch } from '../core/step-outcomes.ts';
import { TransientError, WorkflowStateError } from '../core/workflow-errors.ts';

/**
 * Workflow step Finish. `extended`: the appraisal kept every document; the batch is closed as
 * EXTENDED. `destroyed`: after the Map, items it left unsettled are marked FAILED (and filed again
 * for a later sweep), then the destruction list (销毁清册) is written into the archive bucket
 * under `destruction-lists/` as JSON and printable HTML, each under COMPLIANCE retention a
 * century ahead that the sweep keeps extending (core/permanence.ts), so it is kept for good, and
 * the batch closes as DONE with the list's keys, versions, SHA-256 and retain-until date, filed
 * among the permanent locks. Safe to run twice: a list already written is found and reused.
 */

export interface FinishInput {
  batchId: string;
  outcome: 'destroyed' | 'extended';
}

export async function finishBatch(
  input: FinishInput,
): Promise<{ status: string; list?: DestructionListRef }> {
  const batch = await getBatch(input.batchId);
  if (!batch) throw new WorkflowStateError(`disposal batch ${input.batchId} does not exist`);
  const at = now();
  const stamp = at.toISOString();

  if (input.outcome === 'extended') {
    if (batch.status === 'APPRAISAL') {
      await moveBatch(batch.batchId, ['APPRAISAL'], 'EXTENDED', { closedAt: stamp }, stamp, {
        action: 'disposal.closed',
        actor: SYSTEM_ACTOR,
        targetType: 'disposal',
        targetId: batch.batchId,
        at: stamp,
        details: { status: 'EXTENDED' },
      });
    }
    return { status: 'EXTENDED' };
  }
  if (batch.status === 'DONE' && batch.list) return { status: 'DONE', list: batch.list };
  if (batch.status !== 'DESTROYING') {
    throw new WorkflowStateError(`disposal batch ${batch.batchId} is ${batch.status}, not DESTROYING`);
  }

  for (const item of await getBatchItems(batch.batchId)) {
    if (item.status !== 'PROPOSED') continue;
    const reason = 'the destroy step did not finish; proposed again by a later sweep';
    const refile = nextDay(isoDate(at));
    await failItem(batch.batchId, item.documentId, reason, 0, refile, stamp, {
      action: 'disposal.item-failed',
      actor: SYSTEM_ACTOR,
      targetType: 'document',
      targetId: item.documentId,
      at: stamp,
      details: { batchId: batch.batchId, archiveCode: item.archiveCode, reason, refiledOn: refile },
    });
  }
  const items = await getBatchItems(batch.batchId);
  if (items.some((i) => i.status === 'PROPOSED')) {
    throw new TransientError(`items of ${batch.batchId} are still unsettled`);
  }

  const scheme = getScheme(batch.schemeId);
  const list = destructionList(batch, items, scheme, stamp);
  const keys = destructionListKeys(batch.batchId);
  const retainUntil = permanentRetainUntil(at);
  const write = async (key: string, body: string, type: string) => {
    const existing = await headPermanent(key);
    if (existing?.metadata['batch-id'] === batch.batchId) {
      return {
        versionId: existing.versionId,
        sha256: existing.metadata.sha256 ?? '',
        retainUntil: existing.retainUntil,
      };
    }
    return putPermanent(key, body, type, { 'batch-id': batch.batchId }, retainUntil);
  };
  const jsonBody = JSON.stringify(list, null, 2);
  const json = await write(keys.jsonKey, jsonBody, 'application/json; charset=utf-8');
  const html = await write(keys.htmlKey, destructionListHtml(list), 'text/html; charset=utf-8');
  const ref: DestructionListRef = {
    jsonKey: keys.jsonKey,
    htmlKey: keys.htmlKey,
    jsonVersionId: json.versionId,
    htmlVersionId: html.versionId,
    sha256: json.sha256,
    // The earlier of the two (a list reused from an earlier run keeps its own date).
    ...earliest(json.retainUntil, html.retainUntil),
  };
  const counts: Partial<Record<ItemStatus, number>> = {};
  for (const i of items) counts[i.status] = (counts[i.status] ?? 0) + 1;
  const closed = await closeBatch(batch.batchId, ref, counts, stamp, {
    action: 'disposal.closed',
    actor: SYSTEM_ACTOR,
    targetType: 'disposal',
    targetId: batch.batchId,
    at: stamp,
    details: {
      status: 'DONE',
      counts,
      list: ref,
      approvedBy: batch.approvedBy,
      appraisedBy: batch.appraisedBy,
    },
  });
  if (!closed) {
    const closed = closedBatch(await getBatch(batch.batchId));
    if (!closed) throw new TransientError(`disposal batch ${batch.batchId} changed while it closed`);
    return closed;
  }
  logger.info('disposal batch closed', { batchId: batch.batchId, counts });
  return { status: 'DONE', list: ref };
}

/** The earlier retain-until date of the two lists; none when either has none (a legal hold). */
function earliest(a: string | undefined, b: string | undefined): { retainUntil?: string } {
  if (a === undefined || b === undefined) return {};
  return { retainUntil: a < b ? a : b };
}
