import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FunctionName, ROUTES, type RouteDef } from '../../functions/catalog.ts';
import { actorFromEvent } from '../../functions/http/api.ts';
import { type RunningGateway, startGateway } from '../../infra/local/gateway.ts';
import {
  bearerToken,
  buildEvent,
  flattenClaims,
  queryParameters,
  requestTime,
  resultToHttp,
} from '../../infra/local/gateway-integration.ts';
import { compileRoutes, matchRoute } from '../../infra/local/gateway-routes.ts';
import { type Identity, loadIdentity, stableSub } from '../../infra/local/identity.ts';

const route = (method: RouteDef['method'], path: string): RouteDef => {
  const r = ROUTES.find((x) => x.method === method && x.path === path);
  if (!r) throw new Error(`no route ${method} ${path}`);
  return r;
};

describe('route matching', () => {
  const table = compileRoutes(ROUTES);

  it('matches templates and decodes path parameters', () => {
    expect(matchRoute(table, 'GET', '/customers/c%2F1%20%E5%AE%A2')).toEqual({
      kind: 'route',
      route: route('GET', '/customers/{customerId}'),
      pathParameters: { customerId: 'c/1 客' },
    });
    expect(matchRoute(table, 'GET', '/customers/abc/history')).toMatchObject({
      kind: 'route',
      route: { path: '/customers/{customerId}/history' },
      pathParameters: { customerId: 'abc' },
    });
    expect(matchRoute(table, 'POST', '/customers')).toMatchObject({
      kind: 'route',
      route: { function: 'customers-create' },
    });
    expect(matchRoute(table, 'GET', '/customers')).toMatchObject({
      kind: 'route',
      route: { function: 'customers-search' },
    });
  });

  it('mounts every route of the catalog', () => {
    for (const r of ROUTES) {
      const path = r.path.replace(/\{[^}]+\}/g, 'x');
      expect(matchRoute(table, r.method, path)).toMatchObject({ kind: 'route', route: r });
    }
  });

  it('tells an unknown path from a known path with another method', () => {
    expect(matchRoute(table, 'GET', '/nothing')).toEqual({ kind: 'not-found' });
    expect(matchRoute(table, 'GET', '/customers/')).toEqual({ kind: 'not-found' });
    expect(matchRoute(table, 'GET', '/customers/a/b')).toEqual({ kind: 'not-found' });
    const m = matchRoute(table, 'DELETE', '/customers/abc');
    expect(m.kind).toBe('method-not-allowed');
    expect(m.kind === 'method-not-allowed' && [...m.allowed].sort()).toEqual(['GET', 'PATCH']);
  });

  it('prefers literal segments over parameters', () => {
    const t = compileRoutes([
      { method: 'GET', path: '/documents/{documentId}', function: 'documents-get', roles: 'public' },
      { method: 'GET', path: '/documents/special', function: 'health', roles: 'public' },
    ]);
    expect(matchRoute(t, 'GET', '/documents/special')).toMatchObject({ route: { function: 'health' } });
    expect(matchRoute(t, 'GET', '/documents/other')).toMatchObject({ route: { function: 'documents-get' } });
  });
});

describe('claims and tokens', () => {
  it('flattens claims to strings the way API Gateway does', () => {
    expect(
      flattenClaims({
        sub: 's',
        'cognito:groups': ['clerk', 'reviewer'],
        exp: 1700000000,
        email_verified: true,
        nested: { b: 1, a: ['x'] },
      }),
    ).toEqual({
      sub: 's',
      'cognito:groups': '[clerk reviewer]',
      exp: '1700000000',
      email_verified: 'true',
      nested: 'map[a:[x] b:1]',
    });
  });

  it('reads only Bearer authorization', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('Basic dXNlcjpwYXNz')).toBeUndefined();
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});

describe('event building', () => {
  const base = {
    method: 'GET',
    sourceIp: '10.1.2.3',
    requestId: 'req-1',
    accountId: '000000000000',
    now: new Date('2026-03-12T19:03:58.123Z'),
  };

  it('builds the payload v2 event with flattened claims and scopes', () => {
    const event = buildEvent({
      ...base,
      url: '/customers/c%201/history?tag=a&tag=b&q=%E5%BC%A0+三',
      rawHeaders: [
        'Host',
        'api.local:4000',
        'X-Trace',
        'one',
        'x-trace',
        'two',
        'Cookie',
        'a=1; b=2',
        'User-Agent',
        'ua',
      ],
      body: undefined,
      route: route('GET', '/customers/{customerId}/history'),
      pathParameters: { customerId: 'c 1' },
      jwt: {
        sub: 'u-1',
        username: 'clerk1',
        'cognito:groups': ['clerk', 'reviewer'],
        scope: 'dangan/api openid',
        exp: 1,
      },
    });
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /customers/{customerId}/history',
      rawPath: '/customers/c%201/history',
      rawQueryString: 'tag=a&tag=b&q=%E5%BC%A0+三',
      queryStringParameters: { tag: 'a,b', q: '张 三' },
      pathParameters: { customerId: 'c 1' },
      headers: { host: 'api.local:4000', 'x-trace': 'one,two', 'user-agent': 'ua' },
      cookies: ['a=1', 'b=2'],
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        domainName: 'api.local',
        domainPrefix: 'api',
        http: {
          method: 'GET',
          path: '/customers/c%201/history',
          protocol: 'HTTP/1.1',
          sourceIp: '10.1.2.3',
          userAgent: 'ua',
        },
        requestId: 'req-1',
        routeKey: 'GET /customers/{customerId}/history',
        stage: '$default',
        time: '12/Mar/2026:19:03:58 +0000',
        timeEpoch: base.now.getTime(),
        authorizer: {
          jwt: {
            claims: { sub: 'u-1', username: 'clerk1', 'cognito:groups': '[clerk reviewer]', exp: '1' },
            scopes: ['dangan/api', 'openid'],
          },
        },
      },
    });
    expect(event.headers).not.toHaveProperty('cookie');
    expect(event).not.toHaveProperty('body');
    // The handler chain reads the same claims back.
    expect(actorFromEvent(event)).toEqual({ sub: 'u-1', username: 'clerk1', roles: ['clerk', 'reviewer'] });
  });

  it('keeps JSON bodies as text and binary bodies as base64', () => {
    const json = buildEvent({
      ...base,
      method: 'POST',
      url: '/customers',
      rawHeaders: ['Content-Type', 'application/json; charset=utf-8'],
      body: Buffer.from('{"name":"张三"}'),
      route: route('POST', '/customers'),
      pathParameters: {},
    });
    expect(json).toMatchObject({ body: '{"name":"张三"}', isBase64Encoded: false });
    expect(json).not.toHaveProperty('queryStringParameters');
    expect(json).not.toHaveProperty('pathParameters');
    expect(json.requestContext).not.toHaveProperty('authorizer');

    const bytes = Buffer.from([0x25, 0x50, 0x44, 0x46, 0xff, 0x00]);
    const binary = buildEvent({
      ...base,
      method: 'POST',
      url: '/customers',
      rawHeaders: ['Content-Type', 'application/pdf'],
      body: bytes,
      route: route('POST', '/customers'),
      pathParameters: {},
    });
    expect(binary).toMatchObject({ body: bytes.toString('base64'), isBase64Encoded: true });
  });

  it('formats the request time and query parameters like API Gateway', () => {
    expect(requestTime(new Date('2026-01-05T03:04:05Z'))).toBe('05/Jan/2026:03:04:05 +0000');
    expect(queryParameters('')).toBeUndefined();
    expect(queryParameters('a=1&a=2&b=&c=x%20y')).toEqual({ a: '1,2', b: '', c: 'x y' });
  });
});

describe('results', () => {
  it('writes structured results, cookies and base64 bodies', () => {
    expect(
      resultToHttp({
        statusCode: 201,
        headers: { 'Content-Type': 'application/json', ETag: '"3"' },
        cookies: ['a=1; Path=/', 'b=2'],
        body: '{"ok":true}',
      }),
    ).toEqual({
      status: 201,
      headers: { 'content-type': 'application/json', etag: '"3"' },
      cookies: ['a=1; Path=/', 'b=2'],
      body: Buffer.from('{"ok":true}'),
    });
    expect(
      resultToHttp({
        statusCode: 200,
        body: Buffer.from([1, 2, 3]).toString('base64'),
        isBase64Encoded: true,
      }).body,
    ).toEqual(Buffer.from([1, 2, 3]));
  });

  it('infers a 200 JSON response from any other result', () => {
    expect(resultToHttp({ hello: 'world' })).toMatchObject({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from('{"hello":"world"}'),
    });
  });

  it('refuses an invalid status code', () => {
    expect(() => resultToHttp({ statusCode: 'abc' })).toThrow(/statusCode/);
  });
});

describe('the gateway over HTTP', () => {
  let dataDir: string;
  let otherDir: string;
  let identity: Identity;
  let other: Identity;
  let gw: RunningGateway;
  const calls: { fn: FunctionName; event: APIGatewayProxyEventV2WithJWTAuthorizer }[] = [];
  let reply: (fn: FunctionName, event: APIGatewayProxyEventV2) => Promise<unknown> = async () => ({
    statusCode: 200,
    body: '{}',
  });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'dangan-gw-'));
    otherDir = mkdtempSync(join(tmpdir(), 'dangan-gw-other-'));
    identity = await loadIdentity(dataDir);
    other = await loadIdentity(otherDir);
    gw = await startGateway({
      routes: ROUTES,
      identity,
      accountId: '000000000000',
      port: 0,
      maxBodyBytes: 1024,
      invoke: (fn, event) => {
        calls.push({ fn, event: event as APIGatewayProxyEventV2WithJWTAuthorizer });
        return reply(fn, event);
      },
    });
  });

  afterAll(async () => {
    await gw.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(otherDir, { recursive: true, force: true });
  });

  beforeEach(() => {
    calls.length = 0;
    reply = async () => ({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"ok":1}',
    });
  });

  const token = async (username: string, id: Identity = identity, now?: Date) =>
    (await id.issueToken(username, now ? { now } : {})).token;

  it('hands out tokens for seeded users only', async () => {
    const res = await fetch(`${gw.url}/local/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'archivist1' }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { token: string; expiresAt: string; user: { sub: string } };
    expect(body.user.sub).toBe(stableSub('archivist1'));
    await expect(identity.verify(body.token)).resolves.toMatchObject({ username: 'archivist1' });

    const unknown = await fetch(`${gw.url}/local/token`, { method: 'POST', body: '{"username":"eve"}' });
    expect(unknown.status).toBe(404);
    const bad = await fetch(`${gw.url}/local/token`, { method: 'POST', body: '{}' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('BadRequest');
  });

  it('refuses a missing, malformed, expired or foreign token with 401 without calling the function', async () => {
    const cases: [string, Record<string, string>][] = [
      ['missing', {}],
      ['not bearer', { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }],
      ['garbage', { authorization: 'Bearer abc.def.ghi' }],
      [
        'expired',
        { authorization: `Bearer ${await token('clerk1', identity, new Date(Date.now() - 7200_000))}` },
      ],
      ['other key', { authorization: `Bearer ${await token('clerk1', other)}` }],
    ];
    for (const [label, headers] of cases) {
      const res = await fetch(`${gw.url}/customers`, { headers });
      expect(res.status, label).toBe(401);
      expect(res.headers.get('www-authenticate'), label).toMatch(/^Bearer/);
      const body = (await res.json()) as { error: { code: string } };
      expect(body.error.code, label).toBe('Unauthorized');
    }
    expect(calls).toHaveLength(0);
  });

  it('calls the route function with the event and writes its result', async () => {
    reply = async () => ({
      statusCode: 201,
      headers: { 'content-type': 'application/json', location: '/customers/c1' },
      cookies: ['session=x; HttpOnly'],
      body: '{"customerId":"c1"}',
    });
    const t = await token('clerk1');
    const res = await fetch(`${gw.url}/customers?x=1&x=2`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
      body: '{"name":"张三"}',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe('/customers/c1');
    expect(res.headers.get('set-cookie')).toBe('session=x; HttpOnly');
    expect(res.headers.get('apigw-requestid')).toBeTruthy();
    expect(await res.json()).toEqual({ customerId: 'c1' });

    expect(calls).toHaveLength(1);
    const { fn, event } = calls[0] ?? ({} as never);
    expect(fn).toBe('customers-create');
    expect(event.routeKey).toBe('POST /customers');
    expect(event.body).toBe('{"name":"张三"}');
    expect(event.queryStringParameters).toEqual({ x: '1,2' });
    expect(event.headers.authorization).toBe(`Bearer ${t}`);
    expect(event.requestContext.requestId).toBe(res.headers.get('apigw-requestid'));
    expect(event.requestContext.http.sourceIp).toBe('127.0.0.1');
    expect(event.requestContext.authorizer.jwt.claims).toMatchObject({
      sub: stableSub('clerk1'),
      username: 'clerk1',
      'cognito:groups': '[clerk]',
      token_use: 'access',
    });
    expect(event.requestContext.authorizer.jwt.scopes).toEqual(['openid', 'email', 'profile', 'dangan/api']);
  });

  it("refuses the ID token, valid but without the route's scope, with 403 without calling the function", async () => {
    const issued = await identity.issueToken('clerk1');
    await expect(identity.verify(issued.idToken)).resolves.toMatchObject({ token_use: 'id' });
    const res = await fetch(`${gw.url}/customers`, {
      headers: { authorization: `Bearer ${issued.idToken}` },
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toContain('insufficient_scope');
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error).toMatchObject({ code: 'Forbidden' });
    expect(body.error.message).toContain('dangan/api');
    expect(calls).toHaveLength(0);
    // The access token issued with it passes.
    const ok = await fetch(`${gw.url}/customers`, { headers: { authorization: `Bearer ${issued.token}` } });
    expect(ok.status).toBe(200);
  });

  it("refuses a route's requests past its burst with 429, before the token or the function; other routes are not affected", async () => {
    // A bucket of two that refills too slowly for this test to see.
    const limited = await startGateway({
      routes: ROUTES,
      identity,
      accountId: '000000000000',
      port: 0,
      throttleOf: () => ({ rateLimit: 0.001, burstLimit: 2 }),
      invoke: (fn, event) => {
        calls.push({ fn, event: event as APIGatewayProxyEventV2WithJWTAuthorizer });
        return reply(fn, event);
      },
    });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await fetch(`${limited.url}/health`)).status);
      expect(statuses).toEqual([200, 200, 429]);
      const refused = await fetch(`${limited.url}/customers`, { headers: { authorization: 'Bearer x' } });
      expect(refused.status).toBe(401);
      const t = await token('clerk1');
      await fetch(`${limited.url}/customers`, { headers: { authorization: `Bearer ${t}` } });
      const third = await fetch(`${limited.url}/customers`, { headers: { authorization: `Bearer ${t}` } });
      expect(third.status).toBe(429);
      expect(((await third.json()) as { error: { code: string } }).error.code).toBe('TooManyRequests');
      expect(calls.map((c) => c.fn)).toEqual(['health', 'health', 'customers-search']);
    } finally {
      await limited.stop();
    }
  });

  it('calls public routes without a token and with no authorizer context', async () => {
    const res = await fetch(`${gw.url}/health`);
    expect(res.status).toBe(200);
    expect(calls[0]?.fn).toBe('health');
    expect(calls[0]?.event.requestContext).not.toHaveProperty('authorizer');
  });

  it('answers 404 for unknown routes and 405 for another method, as JSON errors', async () => {
    const notFound = await fetch(`${gw.url}/nowhere`);
    expect(notFound.status).toBe(404);
    expect(((await notFound.json()) as { error: { code: string } }).error.code).toBe('NotFound');
    const wrong = await fetch(`${gw.url}/health`, { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET');
    expect(calls).toHaveLength(0);
  });

  it('refuses bodies over the limit with 413', async () => {
    const res = await fetch(`${gw.url}/customers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await token('clerk1')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ blob: 'x'.repeat(2000) }),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('PayloadTooLarge');
    expect(calls).toHaveLength(0);
  });

  it('answers 500 with a fixed message when the function fails', async () => {
    reply = async () => {
      throw new Error('secret detail');
    };
    const res = await fetch(`${gw.url}/health`);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'InternalError', message: 'internal error' } });
    expect(text).not.toContain('secret');
  });

  it('answers CORS preflights for the console origins only, and marks responses for them', async () => {
    const preflight = (origin: string) =>
      fetch(`${gw.url}/customers`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
    const pre = await preflight('http://localhost:5173');
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(pre.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(pre.headers.get('access-control-allow-methods')).toContain('POST');
    const foreign = await preflight('https://elsewhere.example');
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();

    const res = await fetch(`${gw.url}/health`, { headers: { origin: 'http://localhost:5173' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(res.headers.get('access-control-expose-headers')).toContain('etag');
    expect(calls.map((c) => c.fn)).toEqual(['health']);
  });
});
