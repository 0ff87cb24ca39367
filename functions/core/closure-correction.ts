import * as z from 'zod/mini';
import { type Customer, type CustomerChange, type CustomerVersion, earliestClosure } from './customers.ts';
import { assertNotBefore, assertNotFuture } from './dated-facts.ts';
import { type DisposableDocument, dueOnFor, retentionYearsOf } from './disposal.ts';
import { Conflict } from './errors.ts';
import { lazySchema } from './lazy-schema.ts';
import type { Actor } from './roles.ts';

/**
 * An archivist's correction of an account's closure date, with a reason: the rules. The new day
 * is checked like any closure (not after today; not before the registration of an account
 * registered open), and each document whose clock the closure started is re-dated from it: those
 * kept from the account's closure, and those kept from the end of a contract that ended with the
 * account (a clock of that kind that started on the former closure day).
 *
 * A re-dated clock never needs its Object Lock shortened: the due day is never before the lock
 * has passed (`dueOnFor`), so a correction to an earlier day brings the due day back at most to
 * the lock, and a correction to a later day pushes it later, with the lock staying the lower bound
 * it was at archiving (as for any clock started by a closure). Documents claimed by a disposal
 * batch, being destroyed or disposed of are left alone: their clocks are the batch's to decide.
 *
 * The route is `PUT /customers/{customerId}/closure` (services/closure-correction.ts). Sending the
 * same correction again changes the customer no further and finishes re-dating any clock a failed
 * earlier request left, so the request is safe to repeat.
 */

/** `PUT /customers/{customerId}/closure`. */
export const closureCorrectionSchema = lazySchema(() =>
  z.strictObject({
    closedAt: z.iso.date('must be a date YYYY-MM-DD'),
    reason: z
      .string()
      .check(z.trim(), z.minLength(1, 'is required'), z.maxLength(500, 'must be at most 500 characters')),
  }),
);
export type ClosureCorrection = z.infer<typeof closureCorrectionSchema>;

/**
 * A correction of `customer`'s closure to `closedAt`: 409 when the account is not closed, 400
 * when the day is in the future or, for an account registered open (`registeredClosed` false: its
 * first version was not CLOSED), before its registration. `unchanged` when the account is closed
 * on that day already (a repeated correction).
 */
export function checkClosureCorrection(
  customer: Pick<Customer, 'customerNo' | 'createdAt' | 'accountStatus' | 'closedAt'>,
  closedAt: string,
  registeredClosed: boolean,
  now: Date,
): 'correct' | 'unchanged' {
  if (customer.accountStatus !== 'CLOSED' || customer.closedAt === undefined) {
    throw new Conflict(
      `customer ${customer.customerNo} is ${customer.accountStatus}; only a closed account's closure date can be corrected`,
    );
  }
  assertNotFuture('closedAt', closedAt, now);
  if (!registeredClosed) assertNotBefore('closedAt', closedAt, earliestClosure(customer));
  return customer.closedAt === closedAt ? 'unchanged' : 'correct';
}

/** Whether the account was registered closed: its first version says so. */
export const registeredClosed = (versions: readonly CustomerVersion[]): boolean =>
  versions[0]?.values.accountStatus === 'CLOSED';

/**
 * The closure day before the latest one in the customer's versions (oldest first): the day a
 * repeated correction still re-dates clocks from. Undefined when the closure was never re-dated.
 */
export function formerClosure(versions: readonly CustomerVersion[]): string | undefined {
  const days = versions.flatMap((v) => {
    const day = v.changed.includes('closedAt') ? v.values.closedAt : undefined;
    return typeof day === 'string' ? [day] : [];
  });
  return days.at(-2);
}

/** The customer's new version: the closure on `closedAt`, by `actor`, for `reason`. */
export function closureChange(
  current: Customer,
  closedAt: string,
  reason: string,
  ctx: { actor: Actor; now: Date },
): CustomerChange {
  const at = ctx.now.toISOString();
  const next: Customer = {
    ...current,
    closedAt,
    version: current.version + 1,
    updatedAt: at,
    updatedBy: ctx.actor.username,
  };
  return {
    before: current,
    next,
    changed: ['closedAt'],
    removed: [],
    version: {
      customerId: current.customerId,
      version: next.version,
      changedAt: at,
      changedBy: ctx.actor.username,
      changedBySub: ctx.actor.sub,
      changed: ['closedAt'],
      values: { closedAt },
      reason,
    },
  };
}

export type ClockRedate =
  | { kind: 'redate'; clockStart: string; dueOn: string; before: { clockStart: string; dueOn?: string } }
  | { kind: 'unchanged' }
  /** The closure did not start this clock: nothing to correct. */
  | { kind: 'not-closure' }
  /** The closure started it, but it is not this request's to change (claimed, destroyed...). */
  | { kind: 'skip'; reason: string };

/**
 * What a corrected closure on `closedOn` does to one document of the customer. A CONTRACT_END
 * clock is the closure's only when it started on the former closure day `formerClosedOn` (the
 * contract ended with the account); one started on another day came from its own contract end.
 */
export function redateClosureClock(
  doc: DisposableDocument,
  closedOn: string,
  formerClosedOn?: string,
): ClockRedate {
  const startedWithClosure =
    doc.retentionTrigger === 'CONTRACT_END' &&
    formerClosedOn !== undefined &&
    doc.clockStart?.slice(0, 10) === formerClosedOn;
  if (doc.retentionTrigger !== 'ACCOUNT_CLOSED' && !startedWithClosure) return { kind: 'not-closure' };
  if (doc.status !== 'ARCHIVED') return { kind: 'skip', reason: `document is ${doc.status}` };
  if (doc.disposalBatchId || doc.destroying) {
    return { kind: 'skip', reason: `document is in disposal batch ${doc.disposalBatchId ?? doc.destroying}` };
  }
  const years = retentionYearsOf(doc);
  if (years === undefined) return { kind: 'not-closure' }; // permanent: no clock to re-date
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
