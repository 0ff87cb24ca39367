import type { RouteDef } from './routes.ts';

/**
 * Request limits per route, as API Gateway applies them (a token bucket per route: `rateLimit`
 * requests a second on average, `burstLimit` at once), sized from what the benchmark measures
 * each document to cost in requests (`npm run bench`, "API throttles"), at the rate the system is
 * designed for, with headroom. The local gateway enforces the same limits.
 *
 * Routes are classed by what their traffic follows: uploads (one presigned URL per scan, plus
 * retries), writes (a few per submission or decision) and reads (pages and their polling, many
 * per person). A limit protects the tables and the bill from one runaway client; it is not a
 * quota per person (HTTP APIs have no usage plans).
 */

/** The intake rate the limits are sized for: a migration's steady import while staff work. */
export const DESIGN_DOCUMENTS_PER_SECOND = 100;

/** Each route's limit must be at least this multiple of its measured traffic at the design rate. */
export const THROTTLE_HEADROOM = 2;

export type TrafficClass = 'public' | 'read' | 'write' | 'upload';

export interface Throttle {
  rateLimit: number;
  burstLimit: number;
}

export const THROTTLES: Record<TrafficClass, Throttle> = {
  // The liveness probe answers without a token: a small bucket keeps it from costing much.
  public: { rateLimit: 10, burstLimit: 20 },
  read: { rateLimit: 500, burstLimit: 1000 },
  write: { rateLimit: 250, burstLimit: 500 },
  upload: { rateLimit: 300, burstLimit: 600 },
};

export function trafficClass(route: Pick<RouteDef, 'method' | 'path' | 'roles'>): TrafficClass {
  if (route.roles === 'public') return 'public';
  if (route.path.endsWith('/upload-url')) return 'upload';
  return route.method === 'GET' ? 'read' : 'write';
}

export const routeThrottle = (route: Pick<RouteDef, 'method' | 'path' | 'roles'>): Throttle =>
  THROTTLES[trafficClass(route)];
