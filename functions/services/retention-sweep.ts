import { SYSTEM_ACTOR } from '../adapters/audit.ts';
import { regionsOfCustomers } from '../adapters/customer-regions.ts';
import { claimForBatch, proposedBatches } from '../adapters/disposal-batches-repo.ts';
import { startDisposal } from '../adapters/disposal-workflow.ts';
import { type DueEntry, dropFromDueIndex, queryDue, refileDue } from '../adapters/due-index-repo.ts';
import { schemeId } from '../adapters/env.ts';
import { loansOut } from '../adapters/loan-check.ts';
import { logger } from '../adapters/logger.ts';
import { advanceWatermark, getSweepState } from '../adapters/sweep-state-repo.ts';
import {
  batchId,
  batchItemOf,
  type DisposableDocument,
  type DisposalBatch,
  groupForDisposal,
  isoDate,
  monthsBetween,
  onLoanUntil,
  sweepVerdict,
} from '../core/disposal.ts';
import { DEFAULT_REGION } from '../core/regions.ts';
import { getScheme } from '../core/scheme.ts';

/**
 * The retention sweep: proposes the documents that are due for disposal, in batches, and starts
 * the disposal workflow of each.
 *
 * 1. Due documents: the due-date index is read month by month from the month of the last day
 *    swept (the watermark) through today, and within today's month only up to today, so the
 *    reads follow the number of due documents and the days since the last run, never the size
 *    of the archive (no Scan). A missed day is caught up by the next run.
 * 2. Each due document is proposed, or left out: a held one leaves the index (releasing its last
 *    hold files it again), one on loan is filed again under the day after the loan ends.
 * 3. Proposed documents are claimed into batches, one per category and due month and sweep day
 *    (`KH-2036-01-20361115-1`), in conditional transactions: a second run the same day finds
 *    them claimed and makes no new batch. Each batch starts the disposal workflow under its own
 *    id as execution name; batches a stopped run left unstarted are started by the next.
 */

/** The first month the due-date index can hold entries: no sweep has run before it. */
export const DUE_INDEX_EPOCH = '2026-01';
/** Documents claimed per transaction (two writes each, plus the batch and the audit event). */
const CLAIM_CHUNK = 25;

export interface SweepSummary {
  sweptFrom: string;
  sweptThrough: string;
  found: number;
  proposed: number;
  held: number;
  onLoan: number;
  dropped: number;
  batches: string[];
  restarted: string[];
}

export async function sweepDue(at: Date): Promise<SweepSummary> {
  const today = isoDate(at);
  const state = await getSweepState('retention');
  const from = state?.sweptThrough ?? `${DUE_INDEX_EPOCH}-01`;
  const scheme = getScheme(schemeId());

  // Batches proposed by a run that stopped before starting their workflow.
  const restarted: string[] = [];
  for (const b of await proposedBatches()) {
    await startDisposal(b.batchId);
    restarted.push(b.batchId);
  }

  const found: DueEntry[] = [];
  for (const month of monthsBetween(from.slice(0, 7), today.slice(0, 7))) {
    found.push(...(await queryDue(month, today)));
  }

  const loans = await loansOut(found.map((e) => e.doc.documentId));
  const summary: SweepSummary = {
    sweptFrom: from,
    sweptThrough: today,
    found: found.length,
    proposed: 0,
    held: 0,
    onLoan: 0,
    dropped: 0,
    batches: [],
    restarted,
  };
  const candidates: DueEntry[] = [];
  for (const entry of found) {
    const { doc, index } = entry;
    const verdict = sweepVerdict(doc, today, onLoanUntil(loans.get(doc.documentId) ?? [], today));
    switch (verdict.kind) {
      case 'propose':
        candidates.push(entry);
        break;
      case 'held':
        summary.held++;
        await dropFromDueIndex(doc.documentId, index);
        break;
      case 'on-loan':
        summary.onLoan++;
        await refileDue(doc.documentId, index, verdict.until);
        break;
      case 'not-due':
        if (verdict.dueOn) await refileDue(doc.documentId, index, verdict.dueOn);
        else await dropFromDueIndex(doc.documentId, index);
        break;
      case 'drop':
        summary.dropped++;
        logger.warn('document left the due-date index', {
          documentId: doc.documentId,
          reason: verdict.reason,
        });
        await dropFromDueIndex(doc.documentId, index);
        break;
    }
  }

  const byId = new Map(candidates.map((e) => [e.doc.documentId, e]));
  const stamp = at.toISOString();
  const touched = new Set<string>();
  // A customer that cannot be read files its documents under the default region, as a customer
  // registered without one would be: they are still proposed, and reach those who serve it.
  const regions = await regionsOfCustomers(candidates.map((e) => e.doc.customerId));
  const regionOf = (doc: DisposableDocument) => regions.get(doc.customerId) ?? DEFAULT_REGION;
  for (const group of groupForDisposal(
    scheme,
    candidates.map((e) => e.doc),
    regionOf,
  )) {
    let part = 1;
    for (let i = 0; i < group.documents.length; i += CLAIM_CHUNK) {
      let chunk = group.documents.slice(i, i + CLAIM_CHUNK).map((d) => byId.get(d.documentId) as DueEntry);
      while (chunk.length > 0) {
        const id = batchId(group.category, group.dueMonth, today, group.region, part);
        const batch: DisposalBatch = {
          batchId: id,
          schemeId: scheme.id,
          fonds: scheme.fonds,
          category: group.category,
          dueMonth: group.dueMonth,
          sweepDate: today,
          region: group.region,
          part,
          status: 'PROPOSED',
          itemCount: chunk.length,
          createdAt: stamp,
          updatedAt: stamp,
        };
        const items = chunk.map((e) => batchItemOf(e.doc, id, stamp));
        const result = await claimForBatch(batch, chunk, items, {
          action: 'disposal.proposed',
          actor: SYSTEM_ACTOR,
          targetType: 'disposal',
          targetId: id,
          at: stamp,
          details: {
            documents: items.map((it) => ({
              documentId: it.documentId,
              archiveCode: it.archiveCode,
              dueOn: it.dueOn,
            })),
          },
        });
        if (result.kind === 'claimed') {
          summary.proposed += chunk.length;
          touched.add(id);
          break;
        }
        if (result.kind === 'batch-closed') {
          part++;
          continue;
        }
        const moved = new Set(result.documentIds);
        logger.info('documents changed while they were proposed; left out', {
          batchId: id,
          documentIds: [...moved],
        });
        chunk = chunk.filter((e) => !moved.has(e.doc.documentId));
      }
    }
  }

  for (const id of touched) {
    await startDisposal(id);
    summary.batches.push(id);
  }
  await advanceWatermark(today, stamp, { ...summary });
  logger.info('retention sweep done', { ...summary });
  return summary;
}
