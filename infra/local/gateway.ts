/**
 * The local API gateway: an HTTP server that behaves like the API Gateway HTTP API the stack
 * deploys. It mounts exactly the catalog's route table, verifies bearer tokens with the local
 * JWKS for every non-public route (a bad token never reaches a handler), turns each request into
 * a payload-v2 event with the JWT claims flattened the way API Gateway flattens them, calls the
 * route's function and writes its result back. `POST /local/token` hands out tokens for the
 * seeded users; it exists only here, never in the stack.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import type { JWTPayload } from 'jose';
import type { FunctionName, HttpMethod, RouteDef } from '../../functions/catalog.ts';
import { DEFAULT_CONSOLE_ORIGINS } from '../shared.ts';
import type { ConsoleSite } from './console.ts';
import { type Identity, UnknownUser, UserDisabled } from './identity.ts';

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
  allowOrigins: DEFAULT_CONSOLE_ORIGINS,
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
  /** Serves `/local/token`, `/local/users` and `/local/jwks.json`. */
  localIdentityRoutes?: boolean;
  /** Further `/local/...` endpoints of the local realisation (the test clock); undefined passes. */
  localRoutes?: (
    method: string,
    path: string,
    body: Buffer,
  ) => { status: number; body: unknown } | undefined | Promise<{ status: number; body: unknown } | undefined>;
  /** The console, asked for GET/HEAD requests that match no route. */
  console?: ConsoleSite;
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

// ---------------------------------------------------------------------------------------------
// Route matching

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

// ---------------------------------------------------------------------------------------------
// Claims and tokens

/** Formats a claim value the way API Gateway's JWT authorizer hands it to the integration. */
function flattenValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map(flattenValue).join(' ')}]`;
  if (value !== null && typeof value === 'object') {
    return `map[${Object.entries(value)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k}:${flattenValue(v)}`)
      .join(' ')}]`;
  }
  return String(value);
}

/** Every claim becomes a string; arrays become `[a b]` (so `cognito:groups` is `[clerk reviewer]`). */
export function flattenClaims(payload: JWTPayload): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(payload)) if (v !== undefined) out[k] = flattenValue(v);
  return out;
}

export function scopesOf(payload: JWTPayload): string[] | null {
  const scope = payload.scope ?? payload.scp;
  if (typeof scope === 'string') return scope.split(' ').filter(Boolean);
  if (Array.isArray(scope)) return scope.map(String);
  return null;
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = /^Bearer +([^ ]+) *$/i.exec(header.trim());
  return m?.[1];
}

// ---------------------------------------------------------------------------------------------
// Events

const TEXT_TYPES =
  /^(text\/|application\/(json|javascript|xml|x-www-form-urlencoded|graphql)\b|application\/[\w.+-]+\+(json|xml)\b)/i;

export function isTextBody(contentType: string | undefined, contentEncoding: string | undefined): boolean {
  if (contentEncoding !== undefined && contentEncoding !== '' && contentEncoding !== 'identity') return false;
  if (contentType === undefined || contentType === '') return true;
  return TEXT_TYPES.test(contentType.trim());
}

/** API Gateway's `requestContext.time` format: `12/Mar/2020:19:03:58 +0000`. */
export function requestTime(date: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${p(
    date.getUTCHours(),
  )}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())} +0000`;
}

export interface EventInput {
  method: string;
  /** Path and query as received (`req.url`). */
  url: string;
  /** Header name/value pairs as received (`req.rawHeaders` paired). */
  rawHeaders: readonly string[];
  body: Buffer | undefined;
  sourceIp: string;
  route: RouteDef;
  pathParameters: Record<string, string>;
  /** Verified token payload; absent for public routes. */
  jwt?: JWTPayload;
  requestId: string;
  accountId: string;
  now: Date;
}

function splitUrl(url: string): { rawPath: string; rawQueryString: string } {
  const q = url.indexOf('?');
  return q < 0
    ? { rawPath: url, rawQueryString: '' }
    : { rawPath: url.slice(0, q), rawQueryString: url.slice(q + 1) };
}

/** Query parameters as API Gateway v2 gives them: decoded, repeated keys joined with commas. */
export function queryParameters(rawQueryString: string): Record<string, string> | undefined {
  if (rawQueryString === '') return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(rawQueryString)) {
    out[k] = out[k] === undefined ? v : `${out[k]},${v}`;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Builds the HTTP API payload v2 event API Gateway sends to a Lambda integration. */
export function buildEvent(input: EventInput): APIGatewayProxyEventV2WithJWTAuthorizer {
  const { rawPath, rawQueryString } = splitUrl(input.url);
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (let i = 0; i + 1 < input.rawHeaders.length; i += 2) {
    const name = (input.rawHeaders[i] ?? '').toLowerCase();
    const value = input.rawHeaders[i + 1] ?? '';
    if (name === 'cookie') {
      cookies = [
        ...(cookies ?? []),
        ...value
          .split(';')
          .map((c) => c.trim())
          .filter(Boolean),
      ];
      continue;
    }
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  const routeKey = `${input.route.method} ${input.route.path}`;
  const query = queryParameters(rawQueryString);
  let body: string | undefined;
  let isBase64Encoded = false;
  if (input.body !== undefined && input.body.length > 0) {
    const text = isTextBody(headers['content-type'], headers['content-encoding']);
    const utf8 = text ? input.body.toString('utf8') : undefined;
    if (utf8 !== undefined && Buffer.from(utf8, 'utf8').equals(input.body)) {
      body = utf8;
    } else {
      body = input.body.toString('base64');
      isBase64Encoded = true;
    }
  }
  const host = headers.host ?? 'localhost';
  const domainName = host.replace(/:\d+$/, '');
  const event: APIGatewayProxyEventV2WithJWTAuthorizer = {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString,
    ...(cookies ? { cookies } : {}),
    headers,
    ...(query ? { queryStringParameters: query } : {}),
    ...(Object.keys(input.pathParameters).length > 0 ? { pathParameters: input.pathParameters } : {}),
    requestContext: {
      accountId: input.accountId,
      apiId: 'local',
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method: input.method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: input.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: input.requestId,
      routeKey,
      stage: '$default',
      time: requestTime(input.now),
      timeEpoch: input.now.getTime(),
      ...(input.jwt
        ? {
            authorizer: {
              principalId: '',
              integrationLatency: 0,
              jwt: { claims: flattenClaims(input.jwt), scopes: scopesOf(input.jwt) as string[] },
            },
          }
        : {}),
    } as APIGatewayProxyEventV2WithJWTAuthorizer['requestContext'],
    ...(body === undefined ? {} : { body }),
    isBase64Encoded,
  };
  return event;
}

// ---------------------------------------------------------------------------------------------
// Results

export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

export class BadIntegrationResponse extends Error {}

/** Turns a Lambda result into the HTTP response API Gateway (payload v2) would send. */
export function resultToHttp(result: unknown): HttpResult {
  const structured =
    result !== null && typeof result === 'object' && !Array.isArray(result) && 'statusCode' in result;
  if (!structured) {
    // API Gateway's inference: any other JSON is the body of a 200 application/json response.
    const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
    return {
      status: 200,
      headers: { 'content-type': 'application/json' },
      cookies: [],
      body: Buffer.from(body, 'utf8'),
    };
  }
  const r = result as {
    statusCode: unknown;
    headers?: Record<string, unknown>;
    cookies?: unknown;
    body?: unknown;
    isBase64Encoded?: unknown;
  };
  const status = typeof r.statusCode === 'number' ? r.statusCode : Number(r.statusCode);
  if (!Number.isInteger(status) || status < 100 || status > 599) {
    throw new BadIntegrationResponse(`invalid statusCode ${String(r.statusCode)}`);
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers ?? {})) {
    if (v !== undefined && v !== null) headers[k.toLowerCase()] = String(v);
  }
  const cookies = Array.isArray(r.cookies) ? r.cookies.map(String) : [];
  let body = Buffer.alloc(0);
  if (r.body !== undefined && r.body !== null) {
    if (typeof r.body !== 'string') throw new BadIntegrationResponse('body must be a string');
    body = r.isBase64Encoded === true ? Buffer.from(r.body, 'base64') : Buffer.from(r.body, 'utf8');
  }
  return { status, headers, cookies, body };
}

// ---------------------------------------------------------------------------------------------
// Server

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

  const handleLocal = async (
    method: string,
    path: string,
    body: Buffer,
  ): Promise<{ status: number; body: unknown } | undefined> => {
    if (path === '/local/jwks.json' && method === 'GET') return { status: 200, body: identity.jwks };
    if (path === '/local/users' && method === 'GET') {
      return {
        status: 200,
        body: { items: identity.users.map((u) => ({ username: u.username, sub: u.sub, groups: u.groups })) },
      };
    }
    if (path === '/local/token') {
      if (method !== 'POST')
        return { status: 405, body: JSON.parse(errorBody('MethodNotAllowed', 'use POST')) };
      let input: unknown;
      try {
        input = JSON.parse(body.toString('utf8') || 'null');
      } catch {
        return { status: 400, body: JSON.parse(errorBody('BadRequest', 'request body is not valid JSON')) };
      }
      const username = (input as { username?: unknown } | null)?.username;
      if (typeof username !== 'string' || username === '') {
        return {
          status: 400,
          body: JSON.parse(
            errorBody('BadRequest', 'username is required', [{ path: 'username', message: 'Required' }]),
          ),
        };
      }
      try {
        return { status: 200, body: await identity.issueToken(username) };
      } catch (err) {
        if (err instanceof UnknownUser) {
          return { status: 404, body: JSON.parse(errorBody('NotFound', err.message)) };
        }
        if (err instanceof UserDisabled) {
          return { status: 403, body: JSON.parse(errorBody('UserDisabled', err.message)) };
        }
        throw err;
      }
    }
    return options.localRoutes?.(method, path, body);
  };

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
        ip: socketIp.replace(/^::ffff:/, ''),
        userAgent: req.headers['user-agent'] ?? '',
        routeKey: `${route.method} ${route.path}`,
        status: String(status),
        authorizerError,
        sub: typeof claims?.sub === 'string' ? claims.sub : '',
        username: typeof claims?.username === 'string' ? claims.username : '',
      });
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
        const message = (err as Error).message;
        accessLog(401, `invalid token: ${message}`);
        send(res, requestId, origin, 401, errorBody('Unauthorized', `invalid token: ${message}`), {
          'www-authenticate': `Bearer error="invalid_token", error_description="${message.replace(/"/g, "'")}"`,
        });
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
