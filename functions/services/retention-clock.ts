import type { AuditInput, SYSTEM_ACTOR } from '../adapters/audit.ts';
import { customerDocuments, getDocument } from '../adapters/documents-repo.ts';
import { startDocumentClock } from '../adapters/due-index-repo.ts';
import { logger } from '../adapters/logger.ts';
import { now } from '../core/clock.ts';
import { latestToday } from '../core/dated-facts.ts';
import { type DisposableDocument, dueIndexDay, isoDate, startClock } from '../core/disposal.ts';
import { Conflict, NotFound } from '../core/errors.ts';
import { assertContractEndable } from '../core/retention-triggers.ts';
import type { Actor } from '../core/roles.ts';

/**
 * Starting retention clocks when a business fact happens: an account closed (the customer's
 * ACCOUNT_CLOSED documents, and CONTRACT_END documents whose contract had not ended before: a
 * supply contract ends with the account), or one contract ended. Each document's clock start and
 * due day are written with an audit event; repeating the same fact changes nothing.
 */

type Trigger = 'ACCOUNT_CLOSED' | 'CONTRACT_END';

export interface ClockOutcome {
  started: { documentId: string; dueOn: string }[];
  unchanged: string[];
  conflicts: { documentId: string; reason: string }[];
}

const ROUNDS = 3;

/** Starts one document's clock; re-reads and retries when the document changed meanwhile. */
export async function startOneClock(
  first: DisposableDocument,
  trigger: Trigger,
  occurredOn: string,
  actor: AuditInput['actor'],
  at: Date,
  details: Record<string, unknown>,
  outcome: ClockOutcome,
): Promise<void> {
  let doc: DisposableDocument | undefined = first;
  for (let round = 0; doc && round < ROUNDS; round++) {
    const verdict = startClock(doc, trigger, occurredOn);
    if (verdict.kind === 'skip') return;
    if (verdict.kind === 'unchanged') {
      outcome.unchanged.push(doc.documentId);
      return;
    }
    if (verdict.kind === 'conflict') {
      outcome.conflicts.push({ documentId: doc.documentId, reason: verdict.reason });
      return;
    }
    const stamp = at.toISOString();
    const written = await startDocumentClock(doc, {
      clockStart: verdict.clockStart,
      dueOn: verdict.dueOn,
      indexDay: dueIndexDay(verdict.dueOn, isoDate(at)),
      at: stamp,
      audit: {
        action: 'document.retention-started',
        actor,
        targetType: 'document',
        targetId: doc.documentId,
        at: stamp,
        after: { clockStart: verdict.clockStart, dueOn: verdict.dueOn },
        details: { trigger, occurredOn, archiveCode: doc.archiveCode, ...details },
      },
    });
    if (written) {
      outcome.started.push({ documentId: doc.documentId, dueOn: verdict.dueOn });
      return;
    }
    doc = await getDocument(doc.documentId);
  }
  if (doc) throw new Error(`the retention clock of document ${doc.documentId} kept changing; try again`);
}

/** The customer's account closed on `closedOn`: starts the clocks that wait for it. */
export async function accountClosed(
  customerId: string,
  closedOn: string,
  actor: Actor | typeof SYSTEM_ACTOR,
  at: Date,
): Promise<ClockOutcome> {
  const outcome: ClockOutcome = { started: [], unchanged: [], conflicts: [] };
  for await (const page of customerDocuments(customerId, { status: 'ARCHIVED' })) {
    for (const doc of page) {
      for (const trigger of ['ACCOUNT_CLOSED', 'CONTRACT_END'] as const) {
        await startOneClock(
          doc,
          trigger,
          closedOn,
          actor,
          at,
          { customerId, accountClosedOn: closedOn },
          outcome,
        );
      }
    }
  }
  if (outcome.started.length > 0 || outcome.conflicts.length > 0) {
    logger.info('account closed: retention clocks started', {
      customerId,
      closedOn,
      started: outcome.started.length,
      unchanged: outcome.unchanged.length,
      earlierContractEnds: outcome.conflicts.length,
    });
  }
  return outcome;
}

export interface ContractEnd {
  documentId: string;
  archiveCode?: string;
  retentionTrigger?: string;
  clockStart?: string;
  dueOn?: string;
  /** False when the same end was reported before. */
  changed: boolean;
}

/**
 * The contract a document of a CONTRACT_END type belongs to ended on `endedOn`: its retention
 * clock starts that day and its due day is set. The same date again changes nothing; another
 * date for a clock already started is a conflict (contract ends are not re-dated).
 */
export async function contractEnded(request: {
  documentId: string;
  endedOn: string;
  actor: Actor;
  requestId: string;
}): Promise<ContractEnd> {
  const { documentId: id, endedOn, actor, requestId } = request;
  const doc = await getDocument(id);
  if (!doc) throw new NotFound('document', id);
  const time = now();
  assertContractEndable(doc, endedOn, latestToday(time));
  const outcome: ClockOutcome = { started: [], unchanged: [], conflicts: [] };
  await startOneClock(doc, 'CONTRACT_END', endedOn, actor, time, { requestId }, outcome);
  const conflict = outcome.conflicts[0];
  if (conflict) throw new Conflict(conflict.reason);
  // Documents are never deleted (a disposed one keeps its tombstone), so it is still there.
  const after = (await getDocument(id)) ?? doc;
  return {
    documentId: id,
    archiveCode: after.archiveCode,
    retentionTrigger: after.retentionTrigger,
    clockStart: after.clockStart,
    dueOn: after.dueOn,
    changed: outcome.started.length > 0,
  };
}
