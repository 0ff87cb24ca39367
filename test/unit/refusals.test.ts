import { gzipSync } from 'node:zlib';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ddb, dynamodb } from '../../functions/adapters/clients.ts';
import { handler as customersCreate } from '../../functions/api/customers-create.ts';
import { handler as customersGet } from '../../functions/api/customers-get.ts';
import { refusalEventId } from '../../functions/core/audit-trail.ts';
import { handler as accessDenied } from '../../functions/events/access-denied.ts';
import { useAccountSource } from '../../functions/http/account-state.ts';
import { apiEvent, lambdaContext, USERS } from '../support/api-event.ts';
import { AUDIT_TABLE, CUSTOMER_ID, call, itemOf, STORED, setEnv } from './customers-fixtures.ts';

/**
 * A refused request leaves an audit event naming what it aimed at and why (issue: a refusal used
 * to leave only its route, and an out-of-region probe nothing at all).
 */
const ddbMock = mockClient(ddb);
const lowMock = mockClient(dynamodb);

beforeEach(() => {
  setEnv();
  ddbMock.onAnyCommand().rejects(new Error('unexpected call'));
  lowMock.onAnyCommand().rejects(new Error('unexpected call'));
  ddbMock.on(PutCommand, { TableName: AUDIT_TABLE }).resolves({});
});

afterEach(() => {
  ddbMock.reset();
  lowMock.reset();
  useAccountSource(async () => undefined);
});

const auditEvents = () =>
  ddbMock
    .commandCalls(PutCommand)
    .map((c) => c.args[0].input)
    .filter((i) => i.TableName === AUDIT_TABLE)
    .map((i) => i.Item as Record<string, unknown>);

describe('refused requests in the audit trail', () => {
  it('records a 403 with the route, the caller, the reason, what it aimed at and where it came from', async () => {
    const res = await call(customersCreate, {
      routeKey: 'POST /customers',
      body: { customerId: 'c-aimed', customerNo: '1000000009', name: '王五', type: 'RES' },
      user: USERS.reviewer,
    });
    expect(res.statusCode).toBe(403);
    const [event, ...more] = auditEvents();
    expect(more).toEqual([]);
    expect(event).toMatchObject({
      action: 'access.denied',
      targetType: 'route',
      targetId: 'POST /customers',
      actorSub: USERS.reviewer.sub,
      details: { status: 403, aimedAt: { customerId: 'c-aimed' } },
    });
    const details = (event?.details ?? {}) as { reason?: string };
    expect(String(details.reason)).toMatch(/may not call POST \/customers/);
    // The same id as the access log's event for this request: one event per refused request.
    expect(event?.eventId).toBe(refusalEventId(String(event?.requestId)));
  });

  it('records a probe of a customer outside the caller’s regions, answered as if it did not exist', async () => {
    useAccountSource(async (sub) => ({
      sub,
      username: 'clerk1',
      status: 'ACTIVE',
      roles: ['clerk'],
      regions: ['NB01'],
      version: 1,
      updatedAt: '2026-01-01T00:00:00.000Z',
      updatedBy: 'secadmin1',
    }));
    ddbMock.on(GetCommand).resolves({ Item: itemOf(STORED) });
    const res = await call(customersGet, {
      routeKey: 'GET /customers/{customerId}',
      pathParameters: { customerId: CUSTOMER_ID },
      user: USERS.clerk,
    });
    expect(res.statusCode).toBe(404);
    expect(JSON.stringify(res.body)).toContain(`customer ${CUSTOMER_ID} does not exist`);
    expect(auditEvents()).toEqual([
      expect.objectContaining({
        action: 'access.out-of-region',
        targetId: 'GET /customers/{customerId}',
        details: expect.objectContaining({ status: 404, aimedAt: { customerId: CUSTOMER_ID } }),
      }),
    ]);
  });

  it('records nothing for a customer that does not exist', async () => {
    ddbMock.on(GetCommand).resolves({});
    const res = await call(customersGet, {
      routeKey: 'GET /customers/{customerId}',
      pathParameters: { customerId: CUSTOMER_ID },
      user: USERS.clerk,
    });
    expect(res.statusCode).toBe(404);
    expect(auditEvents()).toEqual([]);
  });

  it('still answers 403 when the audit trail cannot be written', async () => {
    ddbMock.on(PutCommand, { TableName: AUDIT_TABLE }).rejects(new Error('audit table unavailable'));
    const res = await call(customersCreate, { routeKey: 'POST /customers', body: {}, user: USERS.reviewer });
    expect(res.statusCode).toBe(403);
  });
});

describe('a refused request seen by both its function and the access log', () => {
  it('is one audit item: both write the same keys, at the time API Gateway received the request', async () => {
    const received = Date.parse('2026-03-04T05:06:07.890Z');
    const event = apiEvent({
      routeKey: 'POST /customers',
      body: { customerId: 'c-twice', customerNo: '1000000010', name: '赵六', type: 'RES' },
      user: USERS.reviewer,
    });
    event.requestContext.timeEpoch = received;
    const res = (await customersCreate(event, lambdaContext)) as { statusCode: number };
    expect(res.statusCode).toBe(403);
    const [fromFunction] = auditEvents();
    const requestId = String(fromFunction?.requestId);
    expect(fromFunction?.at).toBe('2026-03-04T05:06:07.890Z');
    // The line reaches the subscriber seconds later; its log event's own timestamp is later still.
    const line = {
      requestId,
      requestTimeEpoch: String(received),
      routeKey: 'POST /customers',
      status: '403',
      sub: USERS.reviewer.sub,
      username: USERS.reviewer.username,
    };
    const logs = {
      messageType: 'DATA_MESSAGE',
      owner: '000000000000',
      logGroup: 'api-access',
      logStream: 'stream',
      subscriptionFilters: ['refused'],
      logEvents: [{ id: 'e1', timestamp: received + 4_000, message: JSON.stringify(line) }],
    };
    await accessDenied({ awslogs: { data: gzipSync(JSON.stringify(logs)).toString('base64') } });
    const [first, second, ...more] = auditEvents();
    expect(more).toEqual([]);
    expect(second).toMatchObject({ pk: first?.pk, sk: first?.sk, eventId: first?.eventId });
    // Each put is conditional on the item not existing: the second writer finds the first's.
    for (const call of ddbMock.commandCalls(PutCommand)) {
      expect(call.args[0].input.ConditionExpression).toBe('attribute_not_exists(pk)');
    }
  });
});
