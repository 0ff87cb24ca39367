/**
 * The local gateway's route table: the catalog's routes matched against a request path the way
 * API Gateway HTTP APIs match them (the most specific route wins; a path that matches only with
 * another method is a 405, not a 404).
 */
import type { HttpMethod, RouteDef } from '../../functions/catalog.ts';

interface CompiledRoute {
  route: RouteDef;
  segments: { literal?: string; param?: string }[];
  literals: number;
}

export type RouteMatch =
  | { kind: 'route'; route: RouteDef; pathParameters: Record<string, string> }
  | { kind: 'method-not-allowed'; allowed: HttpMethod[] }
  | { kind: 'not-found' };

export class BadPath extends Error {}

export function compileRoutes(routes: readonly RouteDef[]): CompiledRoute[] {
  const compiled = routes.map((route) => {
    const segments = route.path
      .split('/')
      .slice(1)
      .map((seg) => {
        const m = /^\{([A-Za-z0-9_]+)\}$/.exec(seg);
        return m ? { param: m[1] } : { literal: seg };
      });
    return { route, segments, literals: segments.filter((s) => s.literal !== undefined).length };
  });
  // Like API Gateway, the most specific route wins: more literal segments first.
  return compiled.sort((a, b) => b.literals - a.literals);
}

/** Matches a raw (still percent-encoded) path against the route table. */
export function matchRoute(table: readonly CompiledRoute[], method: string, rawPath: string): RouteMatch {
  const rawSegments = rawPath.split('/').slice(1);
  let decoded: string[];
  try {
    decoded = rawSegments.map((s) => decodeURIComponent(s));
  } catch {
    throw new BadPath(`malformed path ${rawPath}`);
  }
  const allowed = new Set<HttpMethod>();
  for (const c of table) {
    if (c.segments.length !== decoded.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (const [i, seg] of c.segments.entries()) {
      const value = decoded[i] ?? '';
      if (seg.literal !== undefined) {
        if (seg.literal !== value) ok = false;
      } else if (value === '') {
        ok = false;
      } else {
        params[seg.param ?? ''] = value;
      }
      if (!ok) break;
    }
    if (!ok) continue;
    if (c.route.method === method) return { kind: 'route', route: c.route, pathParameters: params };
    allowed.add(c.route.method);
  }
  return allowed.size > 0 ? { kind: 'method-not-allowed', allowed: [...allowed] } : { kind: 'not-found' };
}
