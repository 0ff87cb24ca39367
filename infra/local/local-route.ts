/**
 * The `/local/...` endpoints of the local realisation (tokens, the test clock, the scheduled jobs,
 * deliveries, faults): each is a LocalRoute the gateway asks before its route table. They exist
 * only on this machine; the stack has nothing like them.
 */

/** What a local endpoint answers: a status and a JSON body. */
export interface LocalAnswer {
  status: number;
  body: unknown;
}

/** Answers a request it serves; undefined lets the next route (then the route table) have it. */
export type LocalRoute = (
  method: string,
  path: string,
  body: Buffer,
) => LocalAnswer | undefined | Promise<LocalAnswer | undefined>;

/** The API's error body, `{error: {code, message, details?}}`. */
export function localError(status: number, code: string, message: string, details?: unknown): LocalAnswer {
  return { status, body: { error: { code, message, ...(details === undefined ? {} : { details }) } } };
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
