/**
 * The local identity's endpoints: `POST /local/token {"username"}` hands out a token for a
 * seeded user (404 for an unknown one, 403 for a disabled account), `GET /local/users` lists the
 * seeded users and `GET /local/jwks.json` the keys tokens are verified with. Cognito's hosted
 * sign-in stands in their place on AWS.
 */
import { type Identity, UnknownUser, UserDisabled } from './identity.ts';
import { type LocalRoute, localError } from './local-route.ts';

export function tokenRoute(identity: Identity): LocalRoute {
  return async (method, path, body) => {
    if (path === '/local/jwks.json' && method === 'GET') return { status: 200, body: identity.jwks };
    if (path === '/local/users' && method === 'GET') {
      return {
        status: 200,
        body: {
          items: identity.users.map((u) => ({
            username: u.username,
            sub: u.sub,
            groups: u.groups,
            name: u.name,
          })),
        },
      };
    }
    if (path !== '/local/token') return undefined;
    if (method !== 'POST') return localError(405, 'MethodNotAllowed', 'use POST');
    let input: unknown;
    try {
      input = JSON.parse(body.toString('utf8') || 'null');
    } catch {
      return localError(400, 'BadRequest', 'request body is not valid JSON');
    }
    const username = (input as { username?: unknown } | null)?.username;
    if (typeof username !== 'string' || username === '') {
      return localError(400, 'BadRequest', 'username is required', [
        { path: 'username', message: 'Required' },
      ]);
    }
    try {
      return { status: 200, body: await identity.issueToken(username) };
    } catch (err) {
      if (err instanceof UnknownUser) return localError(404, 'NotFound', err.message);
      if (err instanceof UserDisabled) return localError(403, 'UserDisabled', err.message);
      throw err;
    }
  };
}
