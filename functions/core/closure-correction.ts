import * as z from 'zod';
import { type Customer, earliestClosure } from './customers.ts';
import { assertNotBefore, assertNotFuture } from './dated-facts.ts';
import { type DisposableDocument, dueOnFor, retentionYearsOf } from './disposal.ts';
import { Conflict } from './errors.ts';
import { lazySchema } from './lazy-schema.ts';

/**
 * An archivist's correction of an account's closure date (issue 18, point 7): the rules only. The
 * new day is checked like any closure (not after today; not before the registration of an account
 * registered open), and each document whose clock the closure started is re-dated from it.
 *
 * A re-dated clock never needs its Object Lock shortened: the due day is never before the lock
 * has passed (`dueOnFor`), so a correction to an earlier day brings the due day back at most to
 * the lock, and a correction to a later day pushes it later, with the lock staying the lower bound
 * it was at archiving (as for any clock started by a closure). Documents claimed by a disposal
 * batch, being destroyed or disposed of are left alone: their clocks are the batch's to decide.
 *
 * Not wired yet: the route, its service (the customer's version, the document updates and their
 * audit events with before/after and the reason) and the due-date index refiling.
 */

/** `PUT /customers/{customerId}/closure`. */
export const closureCorrectionSchema = lazySchema(() =>
  z
    .object({
      closedAt: z.iso.date('must be a date YYYY-MM-DD'),
      reason: z.string().trim().min(1, 'is required').max(500, 'must be at most 500 characters'),
    })
    .strict(),
);
export type ClosureCorrection = z.infer<typeof closureCorrectionSchema>;

/**
 * A correction of `customer`'s closure to `closedAt`: 409 when the account is not closed or is
 * closed on that day already, 400 when the day is in the future or, for an account registered
 * open (`registeredClosed` false: its first version was not CLOSED), before its registration.
 */
export function checkClosureCorrection(
  customer: Pick<Customer, 'customerNo' | 'createdAt' | 'accountStatus' | 'closedAt'>,
  closedAt: string,
  registeredClosed: boolean,
  now: Date,
): void {
  if (customer.accountStatus !== 'CLOSED' || customer.closedAt === undefined) {
    throw new Conflict(
      `customer ${customer.customerNo} is ${customer.accountStatus}; only a closed account's closure date can be corrected`,
    );
  }
  if (customer.closedAt === closedAt) {
    throw new Conflict(`customer ${customer.customerNo} was closed on ${closedAt} already`);
  }
  assertNotFuture('closedAt', closedAt, now);
  if (!registeredClosed) assertNotBefore('closedAt', closedAt, earliestClosure(customer));
}

export type ClockRedate =
  | { kind: 'redate'; clockStart: string; dueOn: string; before: { clockStart: string; dueOn?: string } }
  | { kind: 'unchanged' }
  | { kind: 'skip'; reason: string };

/** What a corrected closure on `closedOn` does to one document of the customer. */
export function redateClosureClock(doc: DisposableDocument, closedOn: string): ClockRedate {
  if (doc.retentionTrigger !== 'ACCOUNT_CLOSED')
    return { kind: 'skip', reason: `trigger is ${doc.retentionTrigger}` };
  if (doc.status !== 'ARCHIVED') return { kind: 'skip', reason: `document is ${doc.status}` };
  if (doc.disposalBatchId || doc.destroying) {
    return { kind: 'skip', reason: `document is in disposal batch ${doc.disposalBatchId ?? doc.destroying}` };
  }
  const years = retentionYearsOf(doc);
  if (years === undefined) return { kind: 'skip', reason: 'permanent records are never due' };
  if (doc.clockStart === undefined) return { kind: 'skip', reason: 'its clock has not started' };
  const clockStart = `${closedOn}T00:00:00.000Z`;
  const dueOn = dueOnFor(clockStart, years, doc.retainUntil);
  if (clockStart === doc.clockStart && dueOn === doc.dueOn) return { kind: 'unchanged' };
  return {
    kind: 'redate',
    clockStart,
    dueOn,
    before: { clockStart: doc.clockStart, ...(doc.dueOn ? { dueOn: doc.dueOn } : {}) },
  };
}
