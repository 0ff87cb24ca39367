/**
 * The local gateway's Lambda integration, as API Gateway HTTP APIs have it (payload format 2.0):
 * a request becomes the event a function receives, verified JWT claims flattened into it the way
 * API Gateway's JWT authorizer flattens them, and the function's result becomes the HTTP
 * response.
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import type { JWTPayload } from 'jose';
import type { RouteDef } from '../../functions/catalog.ts';

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

export function splitUrl(url: string): { rawPath: string; rawQueryString: string } {
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
