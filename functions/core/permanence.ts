import { addYearsUtc, PERMANENT_HORIZON_YEARS } from './retention.ts';

export { PERMANENT_HORIZON_YEARS };

/**
 * Permanent means permanent: how S3 keeps a record forever (retention `Y` originals and the
 * destruction lists). S3 has no "forever" lock that nobody can lift: a legal hold comes off with
 * one call by anyone granted `s3:PutObjectLegalHold`, after which `DeleteObjectVersion` removes the
 * record. So a permanent record is locked under COMPLIANCE retention, which no one (root
 * included) can shorten or remove, until a far-future date, and the daily sweep extends that date
 * long before it comes near.
 *
 * The horizon is 100 years: the longest period S3 offers for Object Lock retention (a bucket's
 * default retention goes up to 100 years), so no lock asks for a date S3 might refuse, and longer
 * than any system that writes it will run unchanged. The sweep extends a lock once fewer than 90
 * years remain, i.e. about once a decade per record (one PutObjectRetention each, a negligible
 * cost), so even a sweep that stopped running for decades leaves every record locked for more
 * than 90 years after its last run, time enough to notice and restart it.
 */

/** A permanent lock is extended once fewer than this many years remain. */
export const PERMANENT_RENEW_BELOW_YEARS = 90;

/** The retain-until date of a permanent record locked or extended at `at`. */
export function permanentRetainUntil(at: Date): string {
  return addYearsUtc(at, PERMANENT_HORIZON_YEARS).toISOString();
}

/**
 * The day (`YYYY-MM-DD`, UTC) from which a lock until `retainUntil` is due for extension: the day
 * fewer than PERMANENT_RENEW_BELOW_YEARS remain (29 February moves earlier, never later).
 */
export function renewalDay(retainUntil: string): string {
  const until = new Date(retainUntil);
  if (Number.isNaN(until.getTime())) throw new Error(`retain-until ${retainUntil} is not a time`);
  return addYearsUtc(until, -PERMANENT_RENEW_BELOW_YEARS).toISOString().slice(0, 10);
}

export type PermanentLock =
  /** The lock holds long enough; it is next looked at on `renewOn`. */
  | { kind: 'keep'; retainUntil: string; renewOn: string }
  /** Extend the lock to `retainUntil` (never earlier than it is); next looked at on `renewOn`. */
  | { kind: 'extend'; retainUntil: string; renewOn: string };

/**
 * What the sweep does with a permanent record locked until `retainUntil` (undefined: no retention
 * yet, a record archived when a legal hold was the permanent lock) at `at`. Extending is safe to
 * repeat: the new date is `at` + the horizon, later than any date an earlier run set, and S3
 * accepts a COMPLIANCE date again or later but never earlier.
 */
export function permanentLock(retainUntil: string | undefined, at: Date): PermanentLock {
  if (retainUntil !== undefined) {
    const renewOn = renewalDay(retainUntil);
    if (renewOn > at.toISOString().slice(0, 10)) return { kind: 'keep', retainUntil, renewOn };
  }
  const extended = permanentRetainUntil(at);
  const until = retainUntil !== undefined && retainUntil > extended ? retainUntil : extended;
  return { kind: 'extend', retainUntil: until, renewOn: renewalDay(until) };
}
