import type { Context } from 'aws-lambda';
import { useAccountSource } from '../../functions/http/account-state.ts';
import type { ApiEvent } from '../../functions/http/api.ts';

// Handlers under test act for people Dangan keeps no account for: their token's groups stand.
// Tests of accounts themselves install their own source.
useAccountSource(async () => undefined);

/**
 * Builds an API Gateway HTTP API (payload v2) event as the JWT authorizer delivers it: claims
 * are strings, and `cognito:groups` is the bracketed, space-separated form API Gateway uses.
 */
export interface EventInput {
  routeKey: string;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  user?: { sub: string; username: string; groups: readonly string[] } | null;
}

export const USERS = {
  clerk: { sub: 'sub-clerk1', username: 'clerk1', groups: ['clerk'] },
  clerk2: { sub: 'sub-clerk2', username: 'clerk2', groups: ['clerk'] },
  reviewer: { sub: 'sub-reviewer1', username: 'reviewer1', groups: ['reviewer'] },
  archivist: { sub: 'sub-archivist1', username: 'archivist1', groups: ['archivist'] },
  approver: { sub: 'sub-approver1', username: 'approver1', groups: ['approver'] },
  auditor: { sub: 'sub-auditor1', username: 'auditor1', groups: ['auditor'] },
  sysadmin: { sub: 'sub-sysadmin1', username: 'sysadmin1', groups: ['sysadmin'] },
  secadmin: { sub: 'sub-secadmin1', username: 'secadmin1', groups: ['secadmin'] },
  staff: { sub: 'sub-staff1', username: 'staff1', groups: ['staff'] },
} as const;

export function apiEvent(input: EventInput): ApiEvent {
  const [method, path] = input.routeKey.split(' ') as [string, string];
  let rawPath = path;
  for (const [k, v] of Object.entries(input.pathParameters ?? {})) {
    rawPath = rawPath.replace(`{${k}}`, encodeURIComponent(v));
  }
  const user = input.user === undefined ? USERS.clerk : input.user;
  const body = input.rawBody ?? (input.body === undefined ? undefined : JSON.stringify(input.body));
  return {
    version: '2.0',
    routeKey: input.routeKey,
    rawPath,
    rawQueryString: new URLSearchParams(input.query ?? {}).toString(),
    headers: { 'content-type': 'application/json', ...(input.headers ?? {}) },
    ...(input.query ? { queryStringParameters: input.query } : {}),
    ...(input.pathParameters ? { pathParameters: input.pathParameters } : {}),
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: `req-${Math.random().toString(36).slice(2)}`,
      routeKey: input.routeKey,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
      authorizer: {
        principalId: '',
        integrationLatency: 0,
        jwt: {
          claims: user
            ? { sub: user.sub, username: user.username, 'cognito:groups': `[${user.groups.join(' ')}]` }
            : {},
          scopes: [],
        },
      },
    },
  } as ApiEvent;
}

export const lambdaContext = {
  awsRequestId: 'test-request',
  functionName: 'test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:test',
  memoryLimitInMB: '256',
  logGroupName: '/aws/lambda/test',
  logStreamName: 'test',
  callbackWaitsForEmptyEventLoop: false,
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} as unknown as Context;

/** Parses a handler result's JSON body. */
export function bodyOf(result: unknown): { statusCode: number; body: Record<string, unknown> } {
  const r = result as { statusCode: number; body?: string };
  return { statusCode: r.statusCode, body: r.body ? (JSON.parse(r.body) as Record<string, unknown>) : {} };
}

/**
 * Every refused request leaves its audit event (`access.denied`, `access.out-of-region`:
 * functions/http/refusals.ts). Tests that a refusal changed nothing count the calls besides it.
 */
export function besidesRefusalAudit<C extends { args: readonly unknown[] }>(calls: readonly C[]): C[] {
  return calls.filter((c) => {
    const input = (c.args[0] as { input?: { Item?: { action?: unknown } } } | undefined)?.input;
    const action = input?.Item?.action;
    return !(typeof action === 'string' && action.startsWith('access.'));
  });
}
