/**
 * API Gateway's throttling, per route: a token bucket holding `burstLimit` requests, refilled at
 * `rateLimit` a second. A request that finds the bucket empty is refused with 429 before the
 * token is checked or the function called. Measured on the machine's monotonic clock: throttling
 * is about real load, not the test clock's days.
 */
import type { RouteDef, Throttle } from '../../functions/catalog.ts';

export type ThrottleOf = (route: RouteDef) => Throttle;

export interface RouteBuckets {
  /** Takes one request from the route's bucket; false when it is empty. */
  take(route: RouteDef): boolean;
}

export function routeBuckets(
  throttleOf: ThrottleOf,
  nowMs: () => number = () => performance.now(),
): RouteBuckets {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(route) {
      const { rateLimit, burstLimit } = throttleOf(route);
      const key = `${route.method} ${route.path}`;
      const now = nowMs();
      const bucket = buckets.get(key) ?? { tokens: burstLimit, at: now };
      bucket.tokens = Math.min(burstLimit, bucket.tokens + ((now - bucket.at) / 1000) * rateLimit);
      bucket.at = now;
      buckets.set(key, bucket);
      if (bucket.tokens < 1) return false;
      bucket.tokens -= 1;
      return true;
    },
  };
}
