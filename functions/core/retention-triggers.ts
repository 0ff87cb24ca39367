import type { Customer } from './customers.ts';
import { assertNotBefore, earliestDayOf } from './dated-facts.ts';
import type { DisposableDocument } from './disposal.ts';
import type { DocumentRecord } from './documents.ts';
import { BadRequest, Conflict } from './errors.ts';
import { documentType, type Scheme } from './scheme.ts';

/**
 * When the business facts that start retention clocks apply: a contract's end reported for one
 * document, and an account's closure reaching documents archived after it. Plain decisions;
 * services/retention-clock.ts starts the clocks.
 */

/**
 * A contract end reported on `today` (the latest date anywhere, `latestToday`) for `doc`: refused
 * when the day is in the future (400), when the document's clock does not start at a contract end
 * or when it is not archived (409), and when the day is before the document was archived (400,
 * `earliestContractEnd`).
 */
export function assertContractEndable(doc: DisposableDocument, endedOn: string, today: string): void {
  if (endedOn > today) {
    throw new BadRequest(`endedOn ${endedOn} is in the future`, [
      { path: 'endedOn', message: 'must not be in the future' },
    ]);
  }
  if (doc.retentionTrigger !== 'CONTRACT_END') {
    throw new Conflict(
      `document ${doc.documentId} (${doc.docType}) starts its retention at ${doc.retentionTrigger ?? 'archiving, once archived'}, not at a contract end`,
    );
  }
  if (doc.status !== 'ARCHIVED') {
    throw new Conflict(
      `document ${doc.documentId} is ${doc.status}; only archived documents have a retention clock`,
    );
  }
  const floor = earliestContractEnd(doc);
  if (floor) assertNotBefore('endedOn', endedOn, floor);
}

/**
 * The earliest contract end the archive takes for a document: the day it was archived (the day
 * its archive code was given, in the latest time zone), the first day of its own history with a
 * retention clock. A contract that ended before it was filed (a late or migrated filing) is
 * reported as ending on its archiving day; its due day is the same either way, because the
 * original is locked until its archiving day plus its period and is never due before that.
 */
export function earliestContractEnd(
  doc: Pick<DisposableDocument, 'documentId' | 'archiveCode' | 'codeAssignedAt' | 'archivedAt'>,
) {
  const archivedAt = doc.codeAssignedAt ?? doc.archivedAt;
  if (archivedAt === undefined) return undefined;
  return {
    earliest: earliestDayOf(archivedAt),
    since: `document ${doc.archiveCode ?? doc.documentId} was archived`,
    what: 'contract end',
  };
}

/**
 * Whether any of the documents just archived has a clock that waits for the account's closure
 * (ACCOUNT_CLOSED, or CONTRACT_END: a supply contract ends with the account).
 */
export function waitsForAccountClosure(
  scheme: Scheme,
  docs: readonly Pick<DocumentRecord, 'docType'>[],
): boolean {
  return docs.some((d) => {
    const trigger = documentType(scheme, d.docType)?.trigger;
    return trigger === 'ACCOUNT_CLOSED' || trigger === 'CONTRACT_END';
  });
}

/** The day the customer's account closed, if it is closed. */
export function accountClosedOn(
  customer: Pick<Customer, 'accountStatus' | 'closedAt'> | undefined,
): string | undefined {
  return customer?.accountStatus === 'CLOSED' && customer.closedAt ? customer.closedAt : undefined;
}
