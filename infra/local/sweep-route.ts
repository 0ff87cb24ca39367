/**
 * `POST /local/sweep`: runs the retention sweep now, as the daily schedule would, and answers
 * with what it did (`{sweep, fixity}`). With `POST /local/clock` it lets a test make documents
 * due and have them proposed without waiting for 18:00 UTC. Local only; the stack has nothing
 * like it.
 */
import { type LocalRoute, localError } from './local-route.ts';

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

/**
 * `POST /local/notify`: runs the daily notifications now (loan reminders, then digests;
 * functions/events/notify.ts) and answers with what was sent, queued and skipped.
 */
export function notifyRoute(runNotify: () => Promise<unknown>): LocalRoute {
  return runNowRoute('/local/notify', runNotify);
}

/** `POST <path>` runs a scheduled job at once and answers with its result. */
function runNowRoute(routePath: string, run: () => Promise<unknown>): LocalRoute {
  return async (method, path) => {
    if (path !== routePath) return undefined;
    if (method !== 'POST') {
      return localError(405, 'MethodNotAllowed', 'use POST');
    }
    return { status: 200, body: await run() };
  };
}
