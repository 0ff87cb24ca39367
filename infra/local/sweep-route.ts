/**
 * `POST /local/sweep`: runs the retention sweep now, as the daily schedule would, and answers
 * with what it did (`{sweep, fixity}`). With `POST /local/clock` it lets a test make documents
 * due and have them proposed without waiting for 18:00 UTC. Local only; the stack has nothing
 * like it.
 */
export type LocalRoute = (
  method: string,
  path: string,
  body: Buffer,
) => { status: number; body: unknown } | undefined | Promise<{ status: number; body: unknown } | undefined>;

export function sweepRoute(runSweep: () => Promise<unknown>): LocalRoute {
  return async (method, path) => {
    if (path !== '/local/sweep') return undefined;
    if (method !== 'POST') {
      return { status: 405, body: { error: { code: 'MethodNotAllowed', message: 'use POST' } } };
    }
    return { status: 200, body: await runSweep() };
  };
}

/** The first route that answers. */
export function firstOf(...routes: LocalRoute[]): LocalRoute {
  return async (method, path, body) => {
    for (const route of routes) {
      const answer = await route(method, path, body);
      if (answer !== undefined) return answer;
    }
    return undefined;
  };
}
