import { BadRequest } from './errors.ts';

/**
 * Dated facts (an account's closure, a contract's end) reported as a calendar day `YYYY-MM-DD`.
 * A day is checked against the clock and against the record's own history: it may be neither
 * after today nor before the day the archive first held the record. Both bounds are taken in the
 * most lenient time zone, so a person anywhere may give their own local day: "today" is the date
 * in UTC+14, the earliest day of an instant its date in UTC−12.
 */

const HOUR = 3_600_000;

/** Today's date in the earliest time zone (UTC+14): no date after it is in the past anywhere. */
export function latestToday(now: Date): string {
  return new Date(now.getTime() + 14 * HOUR).toISOString().slice(0, 10);
}

/** The day an instant fell on in the latest time zone (UTC−12): the earliest date anyone gives it. */
export function earliestDayOf(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new Error(`${iso} is not a time`);
  return new Date(t - 12 * HOUR).toISOString().slice(0, 10);
}

/** A 400 naming `field` when `day` is after today anywhere. */
export function assertNotFuture(field: string, day: string, now: Date): void {
  if (day > latestToday(now)) {
    throw new BadRequest(`${field} ${day} is in the future`, [
      { path: field, message: 'must not be in the future' },
    ]);
  }
}

/**
 * A 400 naming `field`, the day given and the earliest day allowed when `day` is before
 * `earliest`. `since` says what happened on `earliest` ("customer 3300012345 was registered").
 */
export function assertNotBefore(
  field: string,
  day: string,
  floor: { earliest: string; since: string; what: string },
): void {
  if (day < floor.earliest) {
    throw new BadRequest(
      `${field} ${day} is before ${floor.since} on ${floor.earliest}: the earliest ${floor.what} allowed is ${floor.earliest}`,
      [{ path: field, message: `must not be before ${floor.earliest}, the day ${floor.since}` }],
    );
  }
}
