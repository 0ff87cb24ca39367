import middy from '@middy/core';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { safeParse } from 'zod/mini';
import { $ZodError, type $ZodType, type output } from 'zod/v4/core';
import { type RuledRoute, routeKey, rulesOf } from '../access.ts';
import { logger } from '../adapters/logger.ts';
import type { FunctionName } from '../catalog/functions.ts';
import { ROUTES, type RouteDef } from '../catalog/routes.ts';
import { AccountDisabled, actorWithAccount } from '../core/accounts.ts';
import {
  BadRequest,
  DomainError,
  errorMessage,
  Forbidden,
  PayloadTooLarge,
  Unauthorized,
} from '../core/errors.ts';
import { withRequestContext } from '../core/request-context.ts';
import { type Actor, hasAnyRole, isRole, type Role } from '../core/roles.ts';
import { accountOf } from './account-state.ts';
import { type InputSource, invalidInput, withCodes } from './input-errors.ts';
import { auditRefusal } from './refusals.ts';
import { enforceRules, type RouteRecords } from './rules.ts';

/**
 * The HTTP handler chain every API function shares: logging context → authentication (claims
 * verified by the API Gateway JWT authorizer, or the local gateway) → the caller's account (a
 * disabled account is refused, revoked roles are dropped) → route authorisation from the route
 * table → JSON body parsing → the route's record rules (functions/access.ts) → the function's
 * own work, inside a request context the audit writer reads the request id from → error mapping.
 */

export type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type ApiResult = APIGatewayProxyStructuredResultV2;

export interface ApiRequest {
  actor: Actor;
  /** Parsed JSON body; undefined when the request had none. */
  body: unknown;
  path: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
  requestId: string;
  /** `METHOD /path` of the route called, for functions serving several routes. */
  routeKey: string;
  /** The route's own roles, for handlers that narrow further. */
  routeRoles: readonly Role[] | 'public';
}

/**
 * A request to a route with record rules: `records` holds what the route's rules read (typed per
 * route, see functions/http/rules.ts), so the handler reads none of it again.
 */
export type RuledRequest<Route extends RuledRoute> = ApiRequest & { records: RouteRecords<Route> };

export interface ApiResponse {
  status: number;
  body?: unknown;
  /** A body sent as it is (CSV, say), with the content type in `headers`; `body` is then ignored. */
  text?: string;
  headers?: Record<string, string>;
}

const MAX_BODY_BYTES = 256 * 1024;

/**
 * Headers every API response carries, success or error, whatever the route. Answers are data
 * (much of it personal), never pages: no cache may keep them, no browser may guess their type,
 * and a response opened as a document may load nothing and be framed by nobody.
 */
export const API_SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
} as const;

/**
 * The result with the security headers: a handler's own headers (content type, etag, location)
 * are kept, and so is a `cache-control` it sets deliberately (the scheme, which holds no
 * personal data, is `private`); `nosniff` and the policy are never the handler's to change.
 */
export function withSecurityHeaders(result: ApiResult): ApiResult {
  const own = result.headers ?? {};
  const cacheControl = Object.entries(own).find(([k]) => k.toLowerCase() === 'cache-control')?.[1];
  const kept = Object.fromEntries(
    Object.entries(own).filter(([k]) => !(k.toLowerCase() in API_SECURITY_HEADERS)),
  );
  return {
    ...result,
    headers: {
      ...kept,
      ...API_SECURITY_HEADERS,
      ...(cacheControl === undefined ? {} : { 'cache-control': String(cacheControl) }),
    },
  };
}

/** API Gateway passes array claims as strings such as `[clerk reviewer]`; locally the same. */
export function parseGroups(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value !== 'string' || value.trim() === '') return [];
  const trimmed = value.trim();
  if (trimmed.startsWith('[') && trimmed.endsWith(']')) {
    const inner = trimmed.slice(1, -1).trim();
    if (inner.startsWith('"')) {
      try {
        return (JSON.parse(trimmed) as unknown[]).map(String);
      } catch {
        // fall through to the space/comma separated form
      }
    }
    return inner.split(/[\s,]+/).filter(Boolean);
  }
  return trimmed.split(/[\s,]+/).filter(Boolean);
}

export function actorFromEvent(event: ApiEvent): Actor {
  const claims = event.requestContext?.authorizer?.jwt?.claims;
  if (!claims) throw new Unauthorized();
  const sub = claims.sub;
  if (typeof sub !== 'string' || sub === '') throw new Unauthorized('token has no subject');
  const username = claims.username ?? claims['cognito:username'];
  const roles = parseGroups(claims['cognito:groups']).filter(isRole);
  return { sub, username: typeof username === 'string' ? username : sub, roles };
}

/**
 * The route of `fn` the event arrived by. An event naming a route the function does not serve
 * is a wiring fault: it throws (500) rather than run under another route's roles and rules.
 */
export function routeFor(fn: FunctionName, event: Pick<ApiEvent, 'routeKey'>): RouteDef {
  const [method, path] = (event.routeKey ?? '').split(' ');
  const route = ROUTES.find((r) => r.function === fn && r.method === method && r.path === path);
  if (!route) throw new Error(`function ${fn} serves no route ${JSON.stringify(event.routeKey ?? '')}`);
  return route;
}

/** The request's JSON body, or nothing when it is not one (for the audit event of a refusal). */
function bodyIfReadable(event: ApiEvent): unknown {
  try {
    return parseBody(event);
  } catch {
    return undefined;
  }
}

function parseBody(event: ApiEvent): unknown {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) {
    throw new PayloadTooLarge(`request body exceeds ${MAX_BODY_BYTES} bytes`);
  }
  const type = event.headers?.['content-type'] ?? event.headers?.['Content-Type'] ?? 'application/json';
  if (!type.toLowerCase().startsWith('application/json')) {
    throw new BadRequest(`content-type must be application/json, not ${type}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BadRequest(`request body is not valid JSON: ${errorMessage(err)}`);
  }
}

function lowerCaseHeaders(headers: ApiEvent['headers'] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (v !== undefined) out[k.toLowerCase()] = v;
  return out;
}

function definedValues(record: Record<string, string | undefined> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(record ?? {})) if (v !== undefined) out[k] = v;
  return out;
}

export function errorResult(err: unknown): ApiResult {
  if (err instanceof $ZodError) return errorResult(invalidInput(err, 'body'));
  if (err instanceof DomainError && err.status < 500) {
    return json(err.status, {
      error: {
        code: err.code,
        message: err.message,
        ...(err.params === undefined ? {} : { params: err.params }),
        ...(err.details === undefined ? {} : { details: withCodes(err.details) }),
      },
    });
  }
  logger.error('unhandled error', err as Error);
  return json(500, { error: { code: 'InternalError', message: 'internal error' } });
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): ApiResult {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: body === undefined ? '' : JSON.stringify(body),
  };
}

/**
 * Parses `value` with a zod schema; a failure becomes a 400 naming each bad field (each bad
 * query parameter, for `source` 'query') with the limit it broke (functions/http/input-errors.ts).
 */
export function parseInput<S extends $ZodType>(
  schema: S,
  value: unknown,
  source: InputSource = 'body',
): output<S> {
  const result = safeParse(schema, value, { reportInput: true });
  if (!result.success) throw invalidInput(result.error, source);
  return result.data;
}

/**
 * A request body that must be there: a missing one is a 400 showing what to send (`shape`) and,
 * when one field is what matters, naming it; a present one is parsed like any input.
 */
export function parseRequiredBody<S extends $ZodType>(
  schema: S,
  body: unknown,
  shape: string,
  field?: string,
): output<S> {
  if (body === undefined) {
    throw new BadRequest(
      `request body is required: ${shape}`,
      field === undefined ? undefined : [{ path: field, code: 'required', message: 'is required' }],
    );
  }
  return parseInput(schema, body);
}

type Impl<Req> = (req: Req) => Promise<ApiResponse>;

/**
 * Builds the Lambda handler for an API function named in the catalog. A handler of a route with
 * record rules names the route, and receives what the rules read as `records`.
 */
export function apiHandler(fn: FunctionName, impl: Impl<ApiRequest>): ReturnType<typeof chain>;
export function apiHandler<Route extends RuledRoute>(
  fn: FunctionName,
  route: Route,
  impl: Impl<RuledRequest<Route>>,
): ReturnType<typeof chain>;
export function apiHandler(
  fn: FunctionName,
  routeOrImpl: RuledRoute | Impl<ApiRequest>,
  ruledImpl?: Impl<RuledRequest<RuledRoute>>,
) {
  if (typeof routeOrImpl === 'function') return chain(fn, undefined, routeOrImpl);
  if (!ruledImpl) throw new Error(`apiHandler(${fn}, ${routeOrImpl}) needs the handler's work`);
  return chain(fn, routeOrImpl, ruledImpl as Impl<ApiRequest & { records: unknown }>);
}

function chain(
  fn: FunctionName,
  declared: RuledRoute | undefined,
  impl: Impl<ApiRequest & { records: unknown }>,
) {
  return middy<ApiEvent, ApiResult, Error, Context>().handler(async (event, context) =>
    withSecurityHeaders(await answer(event, context)),
  );

  async function answer(event: ApiEvent, context: Context): Promise<ApiResult> {
    logger.addContext(context);
    // Who asked, as far as known, for the audit event of a refusal.
    let who: Actor | undefined;
    // The body, once parsed (for the audit event of a refusal too).
    let body: unknown;
    try {
      const route = routeFor(fn, event);
      if (declared !== undefined && routeKey(route) !== declared) {
        throw new Error(`the handler of ${declared} was called for ${routeKey(route)}`);
      }
      const roles = route.roles;
      let actor: Actor = { sub: 'anonymous', username: 'anonymous', roles: [] };
      if (roles !== 'public') {
        const claimed = actorFromEvent(event);
        who = claimed;
        try {
          actor = actorWithAccount(claimed, await accountOf(claimed.sub));
          who = actor;
        } catch (err) {
          if (err instanceof AccountDisabled) throw new Unauthorized(err.message);
          throw err;
        }
        if (!hasAnyRole(actor, roles)) {
          const dropped = claimed.roles.filter((r) => !actor.roles.includes(r));
          throw new Forbidden(
            `role ${actor.roles.join(',') || '(none)'} may not call ${event.routeKey ?? fn}${
              dropped.length > 0 ? ` (not granted: ${dropped.join(',')})` : ''
            }`,
          );
        }
      }
      logger.appendKeys({ actor: actor.username, route: event.routeKey });
      body = parseBody(event);
      const req: ApiRequest = {
        actor,
        body,
        path: definedValues(event.pathParameters),
        query: definedValues(event.queryStringParameters),
        headers: lowerCaseHeaders(event.headers),
        requestId: event.requestContext?.requestId ?? context.awsRequestId,
        routeKey: routeKey(route),
        routeRoles: roles,
      };
      const shared = { requestId: req.requestId, ...(roles === 'public' ? {} : { caller: actor.sub }) };
      const res = await withRequestContext(shared, async () => {
        const records = roles === 'public' ? {} : await enforceRules(rulesOf(route), req);
        return impl({ ...req, records });
      });
      if (res.text !== undefined) {
        return { statusCode: res.status, headers: { ...res.headers }, body: res.text };
      }
      return json(res.status, res.body, res.headers);
    } catch (err) {
      const requestId = event.requestContext?.requestId ?? context.awsRequestId;
      // A refusal by role comes before the body is parsed: read it for the event, if it reads.
      await auditRefusal(err, event, who, requestId, body ?? bodyIfReadable(event));
      return errorResult(err);
    } finally {
      logger.removeKeys(['actor', 'route']);
    }
  }
}
