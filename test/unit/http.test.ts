import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ddb, dynamodb } from '../../functions/adapters/clients.ts';
import { handler as health } from '../../functions/api/health.ts';
import { handler as schemeGet } from '../../functions/api/scheme-get.ts';
import { ENV } from '../../functions/catalog.ts';
import { BadRequest, Conflict, DomainError, NotFound } from '../../functions/core/errors.ts';
import {
  API_SECURITY_HEADERS,
  type ApiRequest,
  type ApiResponse,
  actorFromEvent,
  apiHandler,
  errorResult,
  json,
  parseGroups,
  parseInput,
  routeFor,
} from '../../functions/http/api.ts';
import { apiEvent, bodyOf, type EventInput, lambdaContext, USERS } from '../support/api-event.ts';

const ddbMock = mockClient(ddb);
const lowMock = mockClient(dynamodb);

beforeEach(() => {
  ddbMock.onAnyCommand().rejects(new Error('unexpected call'));
  lowMock.onAnyCommand().rejects(new Error('unexpected call'));
});

afterEach(() => {
  expect(ddbMock.calls()).toHaveLength(0);
  ddbMock.reset();
  lowMock.reset();
});

/** A handler for the customers-create route whose work is `impl`, recording each request. */
function probe(impl: (req: ApiRequest) => Promise<ApiResponse> = async () => ({ status: 204 })) {
  const seen: ApiRequest[] = [];
  const h = apiHandler('customers-create', async (req) => {
    seen.push(req);
    return impl(req);
  });
  const invoke = async (input: Partial<EventInput> = {}) => {
    const result = (await h(apiEvent({ routeKey: 'POST /customers', ...input }), lambdaContext)) as {
      statusCode: number;
      headers: Record<string, string>;
      body: string;
    };
    return { result, ...bodyOf(result) };
  };
  return { seen, invoke };
}

describe('parseGroups', () => {
  it.each([
    [
      ['clerk', 'archivist'],
      ['clerk', 'archivist'],
    ],
    ['[clerk reviewer]', ['clerk', 'reviewer']],
    ['["clerk","auditor"]', ['clerk', 'auditor']],
    ['clerk,reviewer', ['clerk', 'reviewer']],
    ['clerk', ['clerk']],
    ['[]', []],
    ['', []],
    [undefined, []],
    [42, []],
  ])('%j → %j', (value, groups) => {
    expect(parseGroups(value)).toEqual(groups);
  });
});

describe('actorFromEvent', () => {
  it('takes subject, username and the known roles from the claims', () => {
    const event = apiEvent({
      routeKey: 'GET /tasks',
      user: { sub: 's1', username: 'u1', groups: ['clerk', 'admins', 'auditor'] },
    });
    expect(actorFromEvent(event)).toEqual({ sub: 's1', username: 'u1', roles: ['clerk', 'auditor'] });
  });

  it('falls back to cognito:username, then to the subject', () => {
    const event = apiEvent({ routeKey: 'GET /tasks' });
    const claims = event.requestContext.authorizer.jwt.claims;
    delete claims.username;
    claims['cognito:username'] = 'cog-user';
    expect(actorFromEvent(event).username).toBe('cog-user');
    delete claims['cognito:username'];
    expect(actorFromEvent(event).username).toBe(USERS.clerk.sub);
  });

  it('refuses a token without a subject', () => {
    const event = apiEvent({ routeKey: 'GET /tasks', user: { sub: '', username: 'x', groups: [] } });
    expect(() => actorFromEvent(event)).toThrow('token has no subject');
  });
});

describe('apiHandler', () => {
  it('hands the work the actor, path, query, lower-cased headers and parsed body', async () => {
    const { seen, invoke } = probe(async () => ({ status: 201, body: { ok: true }, headers: { etag: '1' } }));
    const { result, statusCode, body } = await invoke({
      pathParameters: { customerId: 'c1' },
      query: { q: 'x' },
      headers: { 'X-Trace': 't1' },
      body: { a: 1 },
      user: USERS.archivist,
    });
    expect(statusCode).toBe(201);
    expect(body).toEqual({ ok: true });
    expect(result.headers).toEqual({
      'content-type': 'application/json; charset=utf-8',
      etag: '1',
      ...API_SECURITY_HEADERS,
    });
    expect(seen).toHaveLength(1);
    const req = seen[0]!;
    expect(req.actor).toEqual({ sub: 'sub-archivist1', username: 'archivist1', roles: ['archivist'] });
    expect(req.path).toEqual({ customerId: 'c1' });
    expect(req.query).toEqual({ q: 'x' });
    expect(req.headers['x-trace']).toBe('t1');
    expect(req.body).toEqual({ a: 1 });
    expect(req.requestId).toMatch(/^req-/);
    expect(req.routeRoles).toEqual(['clerk', 'archivist']);
  });

  it('passes no body as undefined', async () => {
    const { seen, invoke } = probe();
    await invoke();
    expect(seen[0]?.body).toBeUndefined();
  });

  it('decodes a base64 body', async () => {
    const seen: unknown[] = [];
    const h = apiHandler('customers-create', async (req) => {
      seen.push(req.body);
      return { status: 204 };
    });
    const event = apiEvent({
      routeKey: 'POST /customers',
      rawBody: Buffer.from('{"n":"张三"}').toString('base64'),
    });
    event.isBase64Encoded = true;
    await h(event, lambdaContext);
    expect(seen).toEqual([{ n: '张三' }]);
  });

  it('401 without claims, before any work', async () => {
    const { seen, invoke } = probe();
    const { statusCode, body } = await invoke({ user: null });
    expect(statusCode).toBe(401);
    expect(body).toEqual({ error: { code: 'Unauthorized', message: 'token has no subject' } });
    expect(seen).toHaveLength(0);
  });

  it('403 naming the role and route when the route table does not allow it', async () => {
    const { seen, invoke } = probe();
    const { statusCode, body } = await invoke({ user: USERS.auditor });
    expect(statusCode).toBe(403);
    expect(body).toEqual({
      error: { code: 'Forbidden', message: 'role auditor may not call POST /customers' },
    });
    expect(seen).toHaveLength(0);
  });

  it('403 for a token whose groups are no Dangan role', async () => {
    const { invoke } = probe();
    const { statusCode, body } = await invoke({ user: { sub: 's', username: 'u', groups: ['admins'] } });
    expect(statusCode).toBe(403);
    expect((body.error as { message: string }).message).toBe('role (none) may not call POST /customers');
  });

  it('refuses an event naming a route the function does not serve, before any work (500)', async () => {
    const { seen, invoke } = probe();
    for (const routeKey of ['GET /health', 'POST /customers/{customerId}', '']) {
      const { statusCode, body } = await invoke({ routeKey, user: USERS.archivist });
      expect(statusCode, routeKey).toBe(500);
      expect(body).toEqual({ error: { code: 'InternalError', message: 'internal error' } });
    }
    expect(seen).toHaveLength(0);
  });

  it('refuses a handler declared for one route and called for another of its function', async () => {
    const h = apiHandler('customers-create', 'GET /stats', async () => ({ status: 204 }));
    const res = bodyOf(
      await h(apiEvent({ routeKey: 'POST /customers', user: USERS.archivist }), lambdaContext),
    );
    expect(res.statusCode).toBe(500);
  });

  it.each([
    ['malformed JSON', { rawBody: '{"a":' }, 400, /^request body is not valid JSON: /],
    [
      'a non-JSON content type',
      { rawBody: 'a=1', headers: { 'content-type': 'text/plain' } },
      400,
      /content-type must be application\/json, not text\/plain/,
    ],
    [
      'a body over 256 KiB',
      { rawBody: JSON.stringify({ a: 'x'.repeat(262_144) }) },
      413,
      /request body exceeds 262144 bytes/,
    ],
  ] as const)('refuses %s before any work', async (_label, input, status, message) => {
    const { seen, invoke } = probe();
    const { statusCode, body } = await invoke(input as Partial<EventInput>);
    expect(statusCode).toBe(status);
    expect((body.error as { message: string }).message).toMatch(message);
    expect(seen).toHaveLength(0);
  });

  it('turns a schema failure into a 400 naming each field with a code and the limit it broke', async () => {
    const schema = z
      .object({ name: z.string(), age: z.number().int(), days: z.number().max(30), kind: z.enum(['A', 'B']) })
      .strict();
    const { invoke } = probe(async (req) => {
      parseInput(schema, req.body);
      return { status: 204 };
    });
    const { statusCode, body } = await invoke({
      body: { age: 1.5, days: 999, kind: 'C', extra: '13812345678' },
    });
    expect(statusCode).toBe(400);
    const error = body.error as {
      code: string;
      message: string;
      details: { path: string; code: string; params?: Record<string, unknown> }[];
    };
    expect(error.code).toBe('BadRequest');
    expect(error.details.map(({ path, code, params }) => ({ path, code, params }))).toEqual([
      { path: 'name', code: 'required', params: undefined },
      { path: 'age', code: 'invalid_type', params: { expected: 'int' } },
      { path: 'days', code: 'too_big', params: { maximum: 30, origin: 'number', inclusive: true } },
      { path: 'kind', code: 'invalid_value', params: { values: ['A', 'B'] } },
      { path: 'extra', code: 'unknown_field', params: undefined },
    ]);
    expect(error.message).toMatch(
      /^invalid request: name: .*; age: .*; days: .*; kind: .*; extra: is not accepted here$/,
    );
    // The value given is never repeated back.
    expect(JSON.stringify(body)).not.toContain('13812345678');
  });

  it('names a refused query parameter by its name, never as (body)', async () => {
    const schema = z.object({ limit: z.coerce.number().int().max(500).optional() }).strict();
    const { invoke } = probe(async (req) => {
      parseInput(schema, req.query, 'query');
      return { status: 204 };
    });
    const { statusCode, body } = await invoke({ query: { limt: '5', limit: '900' } });
    expect(statusCode).toBe(400);
    const error = body.error as { message: string; details: { path: string; code: string }[] };
    expect(error.details.map((d) => [d.path, d.code])).toEqual([
      ['limit', 'too_big'],
      ['limt', 'unknown_field'],
    ]);
    expect(error.message).toMatch(/^invalid query parameters: limit: .*; limt: is not accepted here$/);
    expect(error.message).not.toContain('(body)');
  });

  it('maps domain errors to their status, with details only when given', async () => {
    const conflict = await probe(async () => {
      throw new Conflict('taken', { currentVersion: 2 });
    }).invoke();
    expect(conflict.statusCode).toBe(409);
    expect(conflict.body).toEqual({
      error: { code: 'Conflict', message: 'taken', details: { currentVersion: 2 } },
    });
    const missing = await probe(async () => {
      throw new NotFound('customer', 'c9');
    }).invoke();
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toEqual({
      error: {
        code: 'NotFound',
        message: 'customer c9 does not exist',
        params: { what: 'customer', id: 'c9' },
      },
    });
    const refused = await probe(async () => {
      throw new BadRequest('bad', [{ path: 'kind', message: 'is not a kind' }]);
    }).invoke();
    expect(refused.body).toEqual({
      error: {
        code: 'BadRequest',
        message: 'bad',
        details: [{ path: 'kind', message: 'is not a kind', code: 'invalid' }],
      },
    });
  });

  it.each([
    ['an unknown error', new Error('connect ECONNREFUSED 10.0.0.1 with key AKIA...')],
    ['a domain error of status 500', new DomainError(500, 'Broken', 'internal detail')],
  ])('answers %s with a fixed 500 and logs the cause', async (_label, error) => {
    const { logger } = await import('../../functions/adapters/logger.ts');
    const spy = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const { result, statusCode, body } = await probe(async () => {
      throw error;
    }).invoke();
    expect(statusCode).toBe(500);
    expect(body).toEqual({ error: { code: 'InternalError', message: 'internal error' } });
    expect(result.body).not.toContain(error.message);
    expect(spy).toHaveBeenCalledWith('unhandled error', error);
    spy.mockRestore();
  });
});

describe('routeFor', () => {
  it('finds the route of the function the event names', () => {
    expect(routeFor('customers-create', { routeKey: 'POST /customers' })).toMatchObject({
      method: 'POST',
      path: '/customers',
      function: 'customers-create',
    });
    expect(routeFor('documents-get', { routeKey: 'GET /documents/{documentId}' }).path).toBe(
      '/documents/{documentId}',
    );
  });

  it.each([
    ['a route of another function', 'GET /health'],
    ['an unknown route', 'GET /nowhere'],
    ['a method the path is not served with', 'DELETE /customers'],
    ['no route at all', undefined],
  ])('throws for %s, never falling back to another route', (_, routeKey) => {
    expect(() => routeFor('customers-create', { routeKey: routeKey as string })).toThrow(
      /function customers-create serves no route/,
    );
  });
});

describe('errorResult and json', () => {
  it('labels a whole-body schema failure as (body)', () => {
    const err = z.object({}).safeParse('text').error;
    const res = errorResult(err);
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body as string).error.message).toMatch(/^invalid request: \(body\): /);
  });

  it('serialises an absent body as empty', () => {
    expect(json(204, undefined)).toEqual({
      statusCode: 204,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: '',
    });
  });
});

describe('GET /health', () => {
  it('answers without a token', async () => {
    const res = bodyOf(await health(apiEvent({ routeKey: 'GET /health', user: null }), lambdaContext));
    expect(res).toEqual({ statusCode: 200, body: { status: 'ok' } });
  });

  it('answers with a token as well', async () => {
    const res = bodyOf(
      await health(apiEvent({ routeKey: 'GET /health', user: USERS.sysadmin }), lambdaContext),
    );
    expect(res).toEqual({ statusCode: 200, body: { status: 'ok' } });
  });
});

describe('security headers', () => {
  const SECURITY = {
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  };

  const throwing = (error: unknown) =>
    probe(async () => {
      throw error;
    });

  it.each([
    [
      'a success with headers of its own',
      probe(async () => ({ status: 201, body: {}, headers: { etag: '3' } })),
      {},
      201,
    ],
    ['no content', probe(), {}, 204],
    ['401 without claims', probe(), { user: null }, 401],
    ['403 for a role the route does not allow', probe(), { user: USERS.auditor }, 403],
    ['400 for malformed JSON', probe(), { rawBody: '{"a":' }, 400],
    ['404 the work throws', throwing(new NotFound('customer', 'c9')), {}, 404],
    ['409 the work throws', throwing(new Conflict('taken')), {}, 409],
    ['500 for a route the function does not serve', probe(), { routeKey: 'GET /health' }, 500],
  ] as const)('are on %s', async (_label, handler, input, status) => {
    const { logger } = await import('../../functions/adapters/logger.ts');
    const spy = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const { result, statusCode } = await handler.invoke(input as Partial<EventInput>);
    spy.mockRestore();
    expect(statusCode).toBe(status);
    expect(result.headers).toMatchObject(SECURITY);
  });

  it("keep the handler's own headers but never let it drop nosniff or the policy", async () => {
    const { result } = await probe(async () => ({
      status: 200,
      body: {},
      headers: {
        etag: '7',
        location: '/customers/c1',
        'X-Content-Type-Options': 'sniff-away',
        'content-security-policy': '*',
      },
    })).invoke({ user: USERS.archivist });
    expect(result.headers).toEqual({
      'content-type': 'application/json; charset=utf-8',
      etag: '7',
      location: '/customers/c1',
      ...SECURITY,
    });
  });

  it('are on a text answer such as the CSV export, beside its own content type', async () => {
    const csv = apiHandler('customers-create', async () => ({
      status: 200,
      text: 'a,b\n1,2\n',
      headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment' },
    }));
    const result = (await csv(
      apiEvent({ routeKey: 'POST /customers', user: USERS.archivist }),
      lambdaContext,
    )) as { body: string; headers: Record<string, string> };
    expect(result.body).toBe('a,b\n1,2\n');
    expect(result.headers).toEqual({
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': 'attachment',
      ...SECURITY,
    });
  });

  it('are on a public route', async () => {
    const result = (await health(apiEvent({ routeKey: 'GET /health', user: null }), lambdaContext)) as {
      headers: Record<string, string>;
    };
    expect(result.headers).toMatchObject(SECURITY);
  });

  it('leave the scheme its private caching: it changes with a deployment and holds no personal data', async () => {
    vi.stubEnv(ENV.scheme, 'power-supply');
    try {
      const result = (await schemeGet(
        apiEvent({ routeKey: 'GET /scheme', user: USERS.clerk }),
        lambdaContext,
      )) as {
        statusCode: number;
        headers: Record<string, string>;
      };
      expect(result.statusCode).toBe(200);
      expect(result.headers).toMatchObject({ ...SECURITY, 'cache-control': 'private, max-age=300' });
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
