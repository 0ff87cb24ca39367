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
  return runNowRoute('/local/sweep', runSweep);
}

/**
 * `POST /local/watch`: runs the hourly stuck check now (functions/events/workflow-watch.ts) and
 * answers with what it found (`{watched, finished, moving, stuck}`).
 */
export function watchRoute(runWatch: () => Promise<unknown>): LocalRoute {
  return runNowRoute('/local/watch', runWatch);
}

/** `POST <path>` runs a scheduled job at once and answers with its result. */
function runNowRoute(routePath: string, run: () => Promise<unknown>): LocalRoute {
  return async (method, path) => {
    if (path !== routePath) return undefined;
    if (method !== 'POST') {
      return { status: 405, body: { error: { code: 'MethodNotAllowed', message: 'use POST' } } };
    }
    return { status: 200, body: await run() };
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
