/**
 * The one clock of the functions. Every handler, step and core rule that needs "now" asks
 * here, never `Date.now()` or `new Date()` on its own, so that the local realisation can move
 * time forward for tests (a loan running out, a retention period ending).
 *
 * `DANGAN_CLOCK_OFFSET_SECONDS`, read on every call, shifts the clock by that many seconds.
 * Only the local realisation sets it (its `POST /local/clock`); the stack never does, so on
 * AWS this is the system clock. A value that is not a finite number is an error, not zero.
 */
export const CLOCK_OFFSET_ENV = 'DANGAN_CLOCK_OFFSET_SECONDS';

export function now(): Date {
  const raw = process.env[CLOCK_OFFSET_ENV];
  if (raw === undefined || raw === '') return new Date();
  const seconds = Number(raw);
  if (!Number.isFinite(seconds))
    throw new Error(`${CLOCK_OFFSET_ENV} must be a number of seconds, not ${raw}`);
  return new Date(Date.now() + seconds * 1000);
}
