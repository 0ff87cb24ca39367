/**
 * Retry and Catch of Task and Map states: which retrier or catcher handles an error (by the
 * error-name rules in errors.ts) and how long a retry waits.
 */
import type { Catcher, Retrier } from '../asl.ts';
import { matchesError } from '../errors.ts';

/**
 * The delay before the next attempt when a retrier handles `error` and has attempts left, counting
 * the attempt in `retryCounts`; undefined when no retry applies (then Catch is tried).
 */
export function retryDelayMs(retriers: Retrier[], retryCounts: number[], error: string): number | undefined {
  const ri = retriers.findIndex((r) => matchesError(r.ErrorEquals, error));
  const retrier = retriers[ri];
  if (!retrier) return undefined;
  const attempts = retryCounts[ri] ?? 0;
  if (attempts >= (retrier.MaxAttempts ?? 3)) return undefined;
  let delay = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** attempts;
  if (retrier.MaxDelaySeconds !== undefined) delay = Math.min(delay, retrier.MaxDelaySeconds);
  if (retrier.JitterStrategy === 'FULL') delay *= Math.random();
  retryCounts[ri] = attempts + 1;
  return Math.round(delay * 1000);
}

/** The first catcher that handles `error`. */
export function findCatcher(catchers: Catcher[], error: string): Catcher | undefined {
  return catchers.find((c) => matchesError(c.ErrorEquals, error));
}
