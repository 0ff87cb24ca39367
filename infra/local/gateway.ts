/**
 * The local API gateway: an HTTP server that behaves like the API Gateway HTTP API the stack
 * deploys. It mounts exactly the catalog's route table, verifies bearer tokens with the local
 * JWKS for every non-public route (a bad token never reaches a handler), turns each request into
 * a payload-v2 event with the JWT claims flattened the way API Gateway flattens them, calls the
 * route's function and writes its result back. `/local/...` endpoints (tokens for the seeded
 * users, and whatever `localRoutes` serves) are answered before the route table; they exist only
 * here, never in the stack.
 *
 * Its rooms: route matching in gateway-routes.ts, the payload-v2 event and result in
 * gateway-integration.ts, the token endpoints in token-route.ts; this module is the server, CORS
 * and authorization.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { JWTPayload } from 'jose';
import { API_SCOPE, type FunctionName, type RouteDef, routeThrottle } from '../../functions/catalog.ts';
import { errorMessage } from '../../functions/core/errors.ts';
import { LOCAL_CONSOLE_ORIGINS } from '../shared.ts';
import type { ConsoleSite } from './console.ts';
import {
  bearerToken,
  buildEvent,
  requestTime,
  resultToHttp,
  scopesOf,
  splitUrl,
} from './gateway-integration.ts';
import { BadPath, compileRoutes, matchRoute, type RouteMatch } from './gateway-routes.ts';
import type { Identity } from './identity.ts';
import { firstOf, type LocalRoute } from './local-route.ts';
import { routeBuckets, type ThrottleOf } from './throttle.ts';
import { tokenRoute } from './token-route.ts';

/** API Gateway's payload limit for HTTP APIs. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** API Gateway's maximum integration timeout for HTTP APIs. */
export const INTEGRATION_TIMEOUT_MS = 30_000;

export interface CorsConfig {
  allowOrigins: readonly string[];
  allowHeaders: readonly string[];
  allowMethods: readonly string[];
  exposeHeaders: readonly string[];
  maxAgeSeconds: number;
}

/** The stack's CORS settings for the HTTP API (infra/constructs/api.ts). */
export const DEFAULT_CORS: CorsConfig = {
  allowOrigins: LOCAL_CONSOLE_ORIGINS,
  allowHeaders: ['authorization', 'content-type', 'if-match'],
  allowMethods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
  exposeHeaders: ['etag', 'location'],
  maxAgeSeconds: 3600,
};

export type Invoke = (fn: FunctionName, event: APIGatewayProxyEventV2) => Promise<unknown>;

export interface GatewayOptions {
  routes: readonly RouteDef[];
  identity: Identity;
  invoke: Invoke;
  accountId: string;
  host?: string;
  port?: number;
  cors?: CorsConfig;
  maxBodyBytes?: number;
  integrationTimeoutMs?: number;
  /**
   * Serves `/local/token`, `/local/users` and `/local/jwks.json` (token-route.ts), then
   * `localRoutes`; `false` serves no `/local/...` endpoint at all.
   */
  localIdentityRoutes?: boolean;
  /** Further `/local/...` endpoints of the local realisation (the test clock); undefined passes. */
  localRoutes?: LocalRoute;
  /** The console, asked for GET/HEAD requests that match no route. */
  console?: ConsoleSite;
  /** Each route's request limit; the stack's own (functions/catalog/throttles.ts) by default. */
  throttleOf?: ThrottleOf;
  /** Called for every request that reached a function, and for invocation failures. */
  log?: (entry: { requestId: string; routeKey: string; status: number; error?: unknown }) => void;
  /**
   * One line per routed request with the fields of the stack's API access log format
   * (infra/constructs/api.ts), refused tokens included.
   */
  accessLog?: (line: AccessLogLine) => void;
}

/** The fields of the stack's API access log line (`authorizerError` only for refused tokens). */
export interface AccessLogLine {
  requestId: string;
  requestTime: string;
  requestTimeEpoch: string;
  ip: string;
  userAgent: string;
  routeKey: string;
  status: string;
  authorizerError: string;
  sub: string;
  username: string;
}

export interface RunningGateway {
  url: string;
  port: number;
  server: Server;
  stop(): Promise<void>;
}

function errorBody(code: string, message: string, details?: unknown): string {
  return JSON.stringify({ error: { code, message, ...(details === undefined ? {} : { details }) } });
}

class RequestTooLarge extends Error {}

/** Reads a request body, refusing more than `limit` bytes (the rest is drained, not kept). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    });
    req.on('end', () => (tooLarge ? reject(new RequestTooLarge()) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

function newRequestId(): string {
  return randomBytes(10).toString('base64');
}

function originAllowed(cors: CorsConfig, origin: string | undefined): string | undefined {
  if (origin === undefined) return undefined;
  if (cors.allowOrigins.includes('*')) return '*';
  return cors.allowOrigins.includes(origin) ? origin : undefined;
}

export function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const table = compileRoutes(options.routes);
  const buckets = routeBuckets(options.throttleOf ?? routeThrottle);
  const cors = options.cors ?? DEFAULT_CORS;
  const maxBody = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const integrationTimeout = options.integrationTimeoutMs ?? INTEGRATION_TIMEOUT_MS;
  const identity = options.identity;

  const send = (
    res: ServerResponse,
    requestId: string,
    origin: string | undefined,
    status: number,
    body: string | Buffer,
    headers: Record<string, string> = {},
    cookies: string[] = [],
  ) => {
    const allowed = originAllowed(cors, origin);
    const out: Record<string, string | string[]> = {
      'content-type': 'application/json',
      ...headers,
      'apigw-requestid': requestId,
    };
    if (allowed !== undefined) {
      out['access-control-allow-origin'] = allowed;
      if (allowed !== '*') out.vary = 'Origin';
      if (cors.exposeHeaders.length > 0) out['access-control-expose-headers'] = cors.exposeHeaders.join(',');
    }
    if (cookies.length > 0) out['set-cookie'] = cookies;
    const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    out['content-length'] = String(buf.length);
    res.writeHead(status, out);
    res.end(buf);
  };

  const handleLocal = firstOf(tokenRoute(options.identity), options.localRoutes ?? (() => undefined));

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = newRequestId();
    const now = new Date();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = req.url ?? '/';
    const origin = req.headers.origin;
    const { rawPath } = splitUrl(url);

    // CORS preflight, answered by the gateway itself as API Gateway does when CORS is configured.
    if (method === 'OPTIONS' && origin !== undefined && req.headers['access-control-request-method']) {
      req.resume();
      const allowed = originAllowed(cors, origin);
      const headers: Record<string, string> = {};
      if (allowed !== undefined) {
        headers['access-control-allow-origin'] = allowed;
        headers['access-control-allow-methods'] = cors.allowMethods.join(',');
        headers['access-control-allow-headers'] = cors.allowHeaders.join(',');
        headers['access-control-max-age'] = String(cors.maxAgeSeconds);
        if (allowed !== '*') headers.vary = 'Origin';
      }
      res.writeHead(204, { ...headers, 'apigw-requestid': requestId });
      res.end();
      return;
    }

    const declared = Number(req.headers['content-length'] ?? '0');
    let body: Buffer;
    try {
      if (declared > maxBody) throw new RequestTooLarge();
      body = await readBody(req, maxBody);
    } catch (err) {
      if (err instanceof RequestTooLarge) {
        req.resume();
        send(
          res,
          requestId,
          origin,
          413,
          errorBody('PayloadTooLarge', `request body exceeds ${maxBody} bytes`),
          { connection: 'close' },
        );
        return;
      }
      throw err;
    }

    if (options.localIdentityRoutes !== false && rawPath.startsWith('/local/')) {
      const local = await handleLocal(method, rawPath, body);
      if (local) {
        send(res, requestId, origin, local.status, JSON.stringify(local.body));
        return;
      }
    }

    let match: RouteMatch;
    try {
      match = matchRoute(table, method, rawPath);
    } catch (err) {
      if (err instanceof BadPath) {
        send(res, requestId, origin, 400, errorBody('BadRequest', err.message));
        return;
      }
      throw err;
    }
    if (match.kind === 'not-found') {
      if (options.console?.serve(method, rawPath, req.headers.accept, res)) return;
      send(res, requestId, origin, 404, errorBody('NotFound', `no route for ${method} ${rawPath}`));
      return;
    }
    if (match.kind === 'method-not-allowed') {
      send(
        res,
        requestId,
        origin,
        405,
        errorBody('MethodNotAllowed', `${method} is not allowed on ${rawPath}`, { allowed: match.allowed }),
        { allow: match.allowed.join(', ') },
      );
      return;
    }

    const { route, pathParameters } = match;
    const socketIp = req.socket.remoteAddress ?? '127.0.0.1';
    const accessLog = (status: number, authorizerError: string, claims?: JWTPayload) =>
      options.accessLog?.({
        requestId,
        requestTime: requestTime(now),
        requestTimeEpoch: String(now.getTime()),
        ip: socketIp.replace(/^::ffff:/, ''),
        userAgent: req.headers['user-agent'] ?? '',
        routeKey: `${route.method} ${route.path}`,
        status: String(status),
        authorizerError,
        sub: typeof claims?.sub === 'string' ? claims.sub : '',
        username: typeof claims?.username === 'string' ? claims.username : '',
      });
    if (!buckets.take(route)) {
      accessLog(429, '');
      send(
        res,
        requestId,
        origin,
        429,
        errorBody(
          'TooManyRequests',
          `${route.method} ${route.path} is over its request limit: retry shortly`,
        ),
      );
      return;
    }
    let jwt: JWTPayload | undefined;
    if (route.roles !== 'public') {
      const token = bearerToken(req.headers.authorization);
      if (token === undefined) {
        accessLog(401, 'Unauthorized');
        send(res, requestId, origin, 401, errorBody('Unauthorized', 'a bearer token is required'), {
          'www-authenticate': 'Bearer',
        });
        return;
      }
      try {
        jwt = await identity.verify(token, now);
      } catch (err) {
        const message = errorMessage(err);
        accessLog(401, `invalid token: ${message}`);
        send(res, requestId, origin, 401, errorBody('Unauthorized', `invalid token: ${message}`), {
          'www-authenticate': `Bearer error="invalid_token", error_description="${message.replace(/"/g, "'")}"`,
        });
        return;
      }
      // The route's scope, as API Gateway checks `authorizationScopes`: a valid token without it
      // (an ID token, or an access token issued for other scopes) is forbidden, not unauthorised.
      if (!scopesOf(jwt)?.includes(API_SCOPE.claim)) {
        accessLog(403, 'insufficient scope');
        send(
          res,
          requestId,
          origin,
          403,
          errorBody(
            'Forbidden',
            `the token does not carry the scope ${API_SCOPE.claim}: send the access token`,
          ),
          { 'www-authenticate': `Bearer error="insufficient_scope", scope="${API_SCOPE.claim}"` },
        );
        return;
      }
    }

    const event = buildEvent({
      method,
      url,
      rawHeaders: req.rawHeaders,
      body,
      sourceIp: socketIp.replace(/^::ffff:/, ''),
      route,
      pathParameters,
      ...(jwt ? { jwt } : {}),
      requestId,
      accountId: options.accountId,
      now,
    });
    const routeKey = event.routeKey;
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        options.invoke(route.function, event),
        new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), integrationTimeout);
        }),
      ]);
      if (result === 'timeout') {
        options.log?.({ requestId, routeKey, status: 503, error: new Error('integration timed out') });
        send(res, requestId, origin, 503, errorBody('ServiceUnavailable', 'the integration timed out'));
        return;
      }
      const http = resultToHttp(result);
      options.log?.({ requestId, routeKey, status: http.status });
      accessLog(http.status, '', jwt);
      send(res, requestId, origin, http.status, http.body, http.headers, http.cookies);
    } catch (err) {
      options.log?.({ requestId, routeKey, status: 500, error: err });
      send(res, requestId, origin, 500, errorBody('InternalError', 'internal error'));
    } finally {
      clearTimeout(timer);
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      console.error('gateway: unexpected failure', err);
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(errorBody('InternalError', 'internal error'));
      } else {
        res.destroy();
      }
    });
  });
  server.keepAliveTimeout = 5000;

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      const port = (server.address() as AddressInfo).port;
      const host = options.host ?? '127.0.0.1';
      const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
      resolve({
        url: `http://${urlHost.includes(':') ? `[${urlHost}]` : urlHost}:${port}`,
        port,
        server,
        stop: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeIdleConnections();
            setTimeout(() => server.closeAllConnections(), 2000).unref();
          }),
      });
    });
  });
}
