import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ddb, dynamodb } from '../../functions/adapters/clients.ts';
import { handler } from '../../functions/api/customers-history.ts';
import { USERS } from '../support/api-event.ts';
import { AUDIT_TABLE, CUSTOMER_ID, call, errorOf, ID_NUMBER, setEnv, TABLE } from './customers-fixtures.ts';

const ddbMock = mockClient(ddb);
const lowMock = mockClient(dynamodb);
const ROUTE = 'GET /customers/{customerId}/history';
const PK = `CUSTOMER#${CUSTOMER_ID}`;

const V1 = {
  pk: PK,
  sk: 'V#000001',
  entity: 'customer-version',
  customerId: CUSTOMER_ID,
  version: 1,
  changedAt: '2026-01-05T08:00:00.000Z',
  changedBy: 'clerk1',
  changedBySub: 'sub-clerk1',
  changed: ['customerNo', 'name', 'type', 'idNumber', 'phone', 'region', 'accountStatus'],
  values: {
    customerNo: '1000000001',
    name: '张三',
    type: 'RES',
    idNumber: ID_NUMBER,
    phone: '13812345678',
    region: 'HZ01',
    accountStatus: 'ACTIVE',
  },
};
const V2 = {
  ...V1,
  sk: 'V#000002',
  version: 2,
  changedAt: '2026-02-01T09:30:00.000Z',
  changedBy: 'archivist1',
  changedBySub: 'sub-archivist1',
  changed: ['phone'],
  values: { phone: '13900001111' },
};
const V3 = {
  ...V1,
  sk: 'V#000003',
  version: 3,
  changedAt: '2026-03-01T10:00:00.000Z',
  changed: ['idNumber'],
  values: { idNumber: null },
};

beforeEach(() => {
  setEnv();
  ddbMock.onAnyCommand().rejects(new Error('unexpected call'));
  lowMock.onAnyCommand().rejects(new Error('unexpected call'));
});

afterEach(() => {
  ddbMock.reset();
  lowMock.reset();
});

const history = (user: (typeof USERS)[keyof typeof USERS], customerId = CUSTOMER_ID) =>
  call(handler, { routeKey: ROUTE, pathParameters: { customerId }, user });

/** Two pages, as DynamoDB returns them when the first page is full. */
function versionsInTwoPages() {
  ddbMock
    .on(QueryCommand)
    .resolvesOnce({ Items: [V1, V2], LastEvaluatedKey: { pk: PK, sk: 'V#000002' } })
    .resolvesOnce({ Items: [V3] });
}

describe('GET /customers/{customerId}/history', () => {
  it('lists every version oldest first, masked for an auditor, without an audit event', async () => {
    versionsInTwoPages();

    const res = await history(USERS.auditor);

    expect(res.statusCode).toBe(200);
    expect(res.body.customerId).toBe(CUSTOMER_ID);
    expect(res.body.items).toEqual([
      {
        version: 1,
        changedAt: V1.changedAt,
        changedBy: 'clerk1',
        changed: V1.changed,
        values: { ...V1.values, idNumber: '110***********1233', phone: '138****5678' },
      },
      {
        version: 2,
        changedAt: V2.changedAt,
        changedBy: 'archivist1',
        changed: ['phone'],
        values: { phone: '139****1111' },
      },
      {
        version: 3,
        changedAt: V3.changedAt,
        changedBy: 'clerk1',
        changed: ['idNumber'],
        values: { idNumber: null },
      },
    ]);
    const queries = ddbMock.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(queries).toHaveLength(2);
    expect(queries[0]).toMatchObject({
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': PK, ':prefix': 'V#' },
    });
    expect(queries[0]?.ExclusiveStartKey).toBeUndefined();
    expect(queries[1]?.ExclusiveStartKey).toEqual({ pk: PK, sk: 'V#000002' });
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('shows an archivist the values in clear and audits it', async () => {
    versionsInTwoPages();
    ddbMock.on(PutCommand).resolves({});

    const res = await history(USERS.archivist);

    expect(res.statusCode).toBe(200);
    const items = res.body.items as { values: Record<string, unknown> }[];
    expect(items[0]?.values.idNumber).toBe(ID_NUMBER);
    expect(items[1]?.values.phone).toBe('13900001111');
    const puts = ddbMock.commandCalls(PutCommand);
    expect(puts).toHaveLength(1);
    expect(puts[0]?.args[0].input).toMatchObject({
      TableName: AUDIT_TABLE,
      Item: {
        action: 'customer.history-read-unmasked',
        targetId: CUSTOMER_ID,
        actorSub: 'sub-archivist1',
        details: { fields: ['idNumber', 'phone'], versions: 3 },
      },
    });
  });

  it('404 naming the customer when it has no versions', async () => {
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    const res = await history(USERS.auditor);
    expect(res.statusCode).toBe(404);
    expect(errorOf(res.body).message).toBe(`customer ${CUSTOMER_ID} does not exist`);
  });

  it('400 naming customerId when it is not an id, without querying', async () => {
    const res = await history(USERS.auditor, 'nope');
    expect(res.statusCode).toBe(400);
    expect(errorOf(res.body).message).toMatch(/customerId "nope" is not a valid customer id/);
    expect(ddbMock.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it.each([
    ['clerk', USERS.clerk],
    ['reviewer', USERS.reviewer],
  ])('403 for a %s', async (role, user) => {
    const res = await history(user);
    expect(res.statusCode).toBe(403);
    expect(errorOf(res.body).message).toBe(`role ${role} may not call GET /customers/{customerId}/history`);
    expect(ddbMock.commandCalls(QueryCommand)).toHaveLength(0);
  });
});
