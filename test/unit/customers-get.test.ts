import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ddb, dynamodb } from '../../functions/adapters/clients.ts';
import { handler } from '../../functions/api/customers-get.ts';
import { USERS } from '../support/api-event.ts';
import {
  AUDIT_TABLE,
  CUSTOMER_ID,
  call,
  errorOf,
  ID_NUMBER,
  itemOf,
  STORED,
  setEnv,
  TABLE,
} from './customers-fixtures.ts';

const ddbMock = mockClient(ddb);
const lowMock = mockClient(dynamodb);
const ROUTE = 'GET /customers/{customerId}';

beforeEach(() => {
  setEnv();
  ddbMock.onAnyCommand().rejects(new Error('unexpected call'));
  lowMock.onAnyCommand().rejects(new Error('unexpected call'));
});

afterEach(() => {
  ddbMock.reset();
  lowMock.reset();
});

const get = (user: (typeof USERS)[keyof typeof USERS], customerId = CUSTOMER_ID) =>
  call(handler, { routeKey: ROUTE, pathParameters: { customerId }, user });

describe('GET /customers/{customerId}', () => {
  it('masks the sensitive fields for a clerk and appends no audit event', async () => {
    ddbMock
      .on(GetCommand, { TableName: TABLE, Key: { pk: `CUSTOMER#${CUSTOMER_ID}`, sk: 'CUSTOMER' } })
      .resolves({ Item: itemOf(STORED) });

    const res = await get(USERS.clerk);

    expect(res.statusCode).toBe(200);
    expect(res.body).toEqual({
      customerId: CUSTOMER_ID,
      customerNo: '1000000001',
      name: '张三',
      type: 'RES',
      idNumber: '110***********1233',
      phone: '138****5678',
      address: '浙江省杭州市****',
      region: 'HZ01',
      bankAccount: '6222***********0123',
      accountStatus: 'ACTIVE',
      version: 1,
      createdAt: STORED.createdAt,
      createdBy: 'clerk1',
      updatedAt: STORED.updatedAt,
      updatedBy: 'clerk1',
    });
    expect(res.headers.etag).toBe('1');
    expect(ddbMock.commandCalls(GetCommand)[0]?.args[0].input.ConsistentRead).toBe(true);
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(0);
  });

  it.each([
    ['reviewer', USERS.reviewer],
    ['auditor', USERS.auditor],
    ['staff', USERS.staff],
  ])('masks for a %s too', async (_role, user) => {
    ddbMock.on(GetCommand).resolves({ Item: itemOf(STORED) });
    const res = await get(user);
    expect(res.statusCode).toBe(200);
    expect(res.body.idNumber).toBe('110***********1233');
    expect(JSON.stringify(res.body)).not.toContain(ID_NUMBER);
  });

  it('shows an archivist the values in clear and audits the read', async () => {
    ddbMock.on(GetCommand).resolves({ Item: itemOf({ ...STORED, version: 3 }) });
    ddbMock.on(PutCommand).resolves({});

    const res = await get(USERS.archivist);

    expect(res.statusCode).toBe(200);
    expect(res.body).toMatchObject({ idNumber: ID_NUMBER, phone: '13812345678', version: 3 });
    expect(res.headers.etag).toBe('3');
    const puts = ddbMock.commandCalls(PutCommand);
    expect(puts).toHaveLength(1);
    expect(puts[0]?.args[0].input).toMatchObject({
      TableName: AUDIT_TABLE,
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: {
        pk: `TARGET#${CUSTOMER_ID}`,
        action: 'customer.read-unmasked',
        actorSub: 'sub-archivist1',
        targetType: 'customer',
        targetId: CUSTOMER_ID,
        details: { fields: ['idNumber', 'phone', 'address', 'bankAccount'], version: 3 },
      },
    });
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('audits only the sensitive fields the customer has', async () => {
    const { idNumber: _i, address: _a, bankAccount: _b, ...sparse } = STORED;
    ddbMock.on(GetCommand).resolves({ Item: itemOf(sparse) });
    ddbMock.on(PutCommand).resolves({});
    const res = await get(USERS.archivist);
    expect(res.statusCode).toBe(200);
    expect(ddbMock.commandCalls(PutCommand)[0]?.args[0].input.Item?.details).toMatchObject({
      fields: ['phone'],
    });
  });

  it('appends no audit event when the customer has no sensitive values', async () => {
    const { idNumber: _i, phone: _p, address: _a, bankAccount: _b, ...plain } = STORED;
    ddbMock.on(GetCommand).resolves({ Item: itemOf(plain) });
    const res = await get(USERS.archivist);
    expect(res.statusCode).toBe(200);
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('returns nothing in clear when the audit event cannot be written', async () => {
    ddbMock.on(GetCommand).resolves({ Item: itemOf(STORED) });
    ddbMock.on(PutCommand).rejects(new Error('audit table unavailable'));
    const res = await get(USERS.archivist);
    expect(res.statusCode).toBe(500);
    expect(JSON.stringify(res.body)).not.toContain(ID_NUMBER);
  });

  it('404 naming the customer when it does not exist', async () => {
    ddbMock.on(GetCommand).resolves({});
    const res = await get(USERS.clerk);
    expect(res.statusCode).toBe(404);
    expect(errorOf(res.body)).toEqual({
      code: 'NotFound',
      message: `customer ${CUSTOMER_ID} does not exist`,
      params: { what: 'customer', id: CUSTOMER_ID },
    });
  });

  it('400 naming customerId when it is not an id, without reading', async () => {
    const res = await get(USERS.clerk, 'CUSTOMER#x');
    expect(res.statusCode).toBe(400);
    expect(errorOf(res.body).message).toMatch(/customerId "CUSTOMER#x" is not a valid customer id/);
    expect(ddbMock.commandCalls(GetCommand)).toHaveLength(0);
  });

  it('403 for the system administrator, who reads no customer data', async () => {
    const res = await get(USERS.sysadmin);
    expect(res.statusCode).toBe(403);
    expect(errorOf(res.body).message).toMatch(/role sysadmin may not call GET \/customers\/\{customerId\}/);
    expect(ddbMock.commandCalls(GetCommand)).toHaveLength(0);
  });
});
