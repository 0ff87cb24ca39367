import { getCustomer, listVersions, saveChange } from '../adapters/customers-repo.ts';
import { customerDocuments, getDocument } from '../adapters/documents-repo.ts';
import { redateDocumentClock } from '../adapters/due-index-repo.ts';
import { now } from '../core/clock.ts';
import {
  type ClosureCorrection,
  checkClosureCorrection,
  closureChange,
  formerClosure,
  redateClosureClock,
  registeredClosed,
} from '../core/closure-correction.ts';
import type { Customer } from '../core/customers.ts';
import { type DisposableDocument, dueIndexDay, isoDate } from '../core/disposal.ts';
import { Conflict, NotFound } from '../core/errors.ts';
import type { Actor } from '../core/roles.ts';

/**
 * `PUT /customers/{customerId}/closure`: an archivist corrects the day an account closed, with a
 * reason. The customer gets a new version (its reason kept on it) with the audit event
 * `customer.closure-corrected`; then every clock the closure started is re-dated from the new day
 * (core/closure-correction.ts), each with `document.retention-corrected` (before, after, reason)
 * and its due-date index entry moved. Sent again, it changes the customer no further and finishes
 * what a failed earlier request left.
 */

export interface ClosureCorrectionRequest {
  customerId: string;
  /** The version the caller read (`If-Match`). */
  expectedVersion: number;
  correction: ClosureCorrection;
  actor: Actor;
  requestId: string;
}

export interface ClosureCorrectionOutcome {
  customer: Customer;
  changed: boolean;
  redated: { documentId: string; archiveCode?: string; clockStart: string; dueOn: string }[];
  skipped: { documentId: string; archiveCode?: string; reason: string }[];
}

const ROUNDS = 3;

export async function correctClosure(request: ClosureCorrectionRequest): Promise<ClosureCorrectionOutcome> {
  const { customerId, correction, actor, requestId } = request;
  const current = await getCustomer(customerId);
  if (!current) throw new NotFound('customer', customerId);
  const time = now();
  const versions = await listVersions(customerId);
  const verdict = checkClosureCorrection(current, correction.closedAt, registeredClosed(versions), time);
  let customer = current;
  let former = formerClosure(versions);
  if (verdict === 'correct') {
    if (current.version !== request.expectedVersion) {
      throw new Conflict(
        `customer ${customerId} is at version ${current.version}, not ${request.expectedVersion}: read it again and correct it then`,
        { currentVersion: current.version },
      );
    }
    const change = closureChange(current, correction.closedAt, correction.reason, { actor, now: time });
    await saveChange(change, {
      action: 'customer.closure-corrected',
      actor,
      targetType: 'customer',
      targetId: customerId,
      before: { closedAt: current.closedAt },
      after: { closedAt: correction.closedAt },
      at: change.version.changedAt,
      details: { reason: correction.reason, version: change.next.version, requestId },
    });
    customer = change.next;
    former = current.closedAt;
  }

  const outcome: ClosureCorrectionOutcome = {
    customer,
    changed: verdict === 'correct',
    redated: [],
    skipped: [],
  };
  for await (const page of customerDocuments(customerId, { status: 'ARCHIVED' })) {
    for (const doc of page) await redateOne(doc, correction, former, { actor, time, requestId }, outcome);
  }
  return outcome;
}

/** Re-dates one document's clock; re-reads and retries when the document changed meanwhile. */
async function redateOne(
  first: DisposableDocument,
  correction: ClosureCorrection,
  former: string | undefined,
  ctx: { actor: Actor; time: Date; requestId: string },
  outcome: ClosureCorrectionOutcome,
): Promise<void> {
  let doc: DisposableDocument | undefined = first;
  for (let round = 0; doc && round < ROUNDS; round++) {
    const verdict = redateClosureClock(doc, correction.closedAt, former);
    if (verdict.kind === 'unchanged' || verdict.kind === 'not-closure') return;
    if (verdict.kind === 'skip') {
      outcome.skipped.push({
        documentId: doc.documentId,
        archiveCode: doc.archiveCode,
        reason: verdict.reason,
      });
      return;
    }
    const at = ctx.time.toISOString();
    const written = await redateDocumentClock(doc, {
      clockStart: verdict.clockStart,
      dueOn: verdict.dueOn,
      indexDay: dueIndexDay(verdict.dueOn, isoDate(ctx.time)),
      at,
      audit: {
        action: 'document.retention-corrected',
        actor: ctx.actor,
        targetType: 'document',
        targetId: doc.documentId,
        at,
        before: verdict.before,
        after: { clockStart: verdict.clockStart, dueOn: verdict.dueOn },
        details: {
          reason: correction.reason,
          customerId: doc.customerId,
          closedOn: correction.closedAt,
          ...(former ? { formerClosedOn: former } : {}),
          archiveCode: doc.archiveCode,
          requestId: ctx.requestId,
        },
      },
    });
    if (written) {
      outcome.redated.push({
        documentId: doc.documentId,
        archiveCode: doc.archiveCode,
        clockStart: verdict.clockStart,
        dueOn: verdict.dueOn,
      });
      return;
    }
    doc = await getDocument(doc.documentId);
  }
  if (doc) throw new Error(`the retention clock of document ${doc.documentId} kept changing; try again`);
}
