/**
 * The API's per-route limits (functions/catalog/throttles.ts) against the traffic the intake
 * workloads measured: each route's requests per archived document, times the design rate, is
 * the load the limit must carry; the headroom is the limit over that load. The smallest headroom
 * over every route the workloads called is the target's figure.
 */
import {
  DESIGN_DOCUMENTS_PER_SECOND,
  ROUTES,
  type RouteDef,
  routeThrottle,
  type TrafficClass,
  trafficClass,
} from '../functions/catalog.ts';
import type { WorkloadCost } from './results.ts';

export interface ThrottleRow {
  route: string;
  trafficClass: TrafficClass;
  rateLimit: number;
  burstLimit: number;
  /** The most requests per archived document any workload made on the route. */
  perDocument: number;
  /** Requests a second at the design rate. */
  atDesignRate: number;
  headroom: number;
}

export interface ThrottleCheck {
  designDocumentsPerSecond: number;
  rows: ThrottleRow[];
  minHeadroom: number;
}

/** The bench's `GET /submissions/{id}` key of a catalog route (`{submissionId}` → `{id}`). */
const benchKey = (r: RouteDef) => `${r.method} ${r.path.replace(/\{[^}]+\}/g, '{id}')}`;

export function throttleCheck(workloads: readonly WorkloadCost[]): ThrottleCheck {
  const byKey = new Map(ROUTES.map((r) => [benchKey(r), r]));
  const perDocument = new Map<string, number>();
  for (const w of workloads) {
    for (const [key, n] of Object.entries(w.breakdown.api)) {
      const value = n / w.documentsArchived;
      perDocument.set(key, Math.max(perDocument.get(key) ?? 0, value));
    }
  }
  const rows = [...perDocument].map(([key, perDoc]): ThrottleRow => {
    const route = byKey.get(key);
    if (!route) throw new Error(`the workload called ${key}, which is not a route of the catalog`);
    const { rateLimit, burstLimit } = routeThrottle(route);
    const atDesignRate = perDoc * DESIGN_DOCUMENTS_PER_SECOND;
    return {
      route: `${route.method} ${route.path}`,
      trafficClass: trafficClass(route),
      rateLimit,
      burstLimit,
      perDocument: perDoc,
      atDesignRate,
      headroom: rateLimit / atDesignRate,
    };
  });
  return {
    designDocumentsPerSecond: DESIGN_DOCUMENTS_PER_SECOND,
    rows,
    minHeadroom: Math.min(...rows.map((r) => r.headroom)),
  };
}
