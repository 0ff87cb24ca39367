import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ddb, dynamodb } from '../../functions/adapters/clients.ts';
import { handler } from '../../functions/api/customers-create.ts';
import { besidesRefusalAudit, USERS } from '../support/api-event.ts';
import {
  AUDIT_TABLE,
  call,
  cancelled,
  errorOf,
  ID_NUMBER,
  ID_NUMBER_X,
  setEnv,
  TABLE,
  type TransactItems,
} from './customers-fixtures.ts';

const ddbMock = mockClient(ddb);
const lowMock = mockClient(dynamodb);

const ROUTE = 'POST /customers';
const VALID = {
  customerNo: '1000000001',
  name: '张三',
  type: 'RES',
  idNumber: ID_NUMBER,
  phone: '13812345678',
  address: '浙江省杭州市西湖区文三路90号',
  region: 'HZ01',
  bankAccount: '6222021234567890123',
};

function transactItems(): TransactItems {
  const calls = ddbMock.commandCalls(TransactWriteCommand);
  expect(calls).toHaveLength(1);
  return calls[0]!.args[0].input.TransactItems ?? [];
}

function expectNoWrite() {
  expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
  expect(besidesRefusalAudit(ddbMock.commandCalls(PutCommand))).toHaveLength(0);
}

beforeEach(() => {
  setEnv();
  ddbMock.onAnyCommand().rejects(new Error('unexpected call'));
  lowMock.onAnyCommand().rejects(new Error('unexpected call'));
  // The customer's region, recorded before the transaction for name searches across regions.
  ddbMock.on(PutCommand, { Item: { pk: 'REGIONS' } }).resolves({});
});

/** The regions recorded with plain puts, in order. */
const regionsRecorded = () =>
  ddbMock
    .commandCalls(PutCommand)
    .map((c) => c.args[0].input.Item)
    .filter((i) => i?.pk === 'REGIONS')
    .map((i) => i?.sk);

afterEach(() => {
  ddbMock.reset();
  lowMock.reset();
});

describe('POST /customers', () => {
  it('registers a customer in one transaction and answers 201 masked for a clerk', async () => {
    ddbMock.on(TransactWriteCommand).resolves({});

    const res = await call(handler, { routeKey: ROUTE, body: VALID, user: USERS.clerk });

    expect(res.statusCode).toBe(201);
    const id = res.body.customerId as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body).toMatchObject({
      customerNo: '1000000001',
      name: '张三',
      type: 'RES',
      region: 'HZ01',
      accountStatus: 'ACTIVE',
      version: 1,
      createdBy: 'clerk1',
      idNumber: '110***********1233',
      phone: '138****5678',
      address: '浙江省杭州市****',
      bankAccount: '6222***********0123',
    });
    expect(res.body).not.toHaveProperty('pk');
    expect(res.body).not.toHaveProperty('gsi1pk');
    expect(res.headers.etag).toBe('1');
    expect(regionsRecorded()).toEqual(['REGION#HZ01']);
    expect(res.headers.location).toBe(`/customers/${id}`);

    const [customer, number, version, audit] = transactItems();
    expect(customer?.Put).toMatchObject({
      TableName: TABLE,
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: {
        pk: `CUSTOMER#${id}`,
        sk: 'CUSTOMER',
        gsi1pk: 'CUSTOMERS#HZ01',
        gsi1sk: `张三#${id}`,
        idNumber: ID_NUMBER,
        version: 1,
      },
    });
    expect(number?.Put).toMatchObject({
      TableName: TABLE,
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: { pk: 'CUSTOMERNO#1000000001', sk: 'CUSTOMERNO', customerId: id },
    });
    expect(version?.Put).toMatchObject({
      TableName: TABLE,
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: {
        pk: `CUSTOMER#${id}`,
        sk: 'V#000001',
        version: 1,
        changedBy: 'clerk1',
        changedBySub: 'sub-clerk1',
        values: { customerNo: '1000000001', idNumber: ID_NUMBER, phone: '13812345678' },
      },
    });
    expect(version?.Put?.Item?.changed).toEqual([
      'customerNo',
      'name',
      'type',
      'idNumber',
      'phone',
      'address',
      'region',
      'bankAccount',
      'accountStatus',
    ]);
    expect(audit?.Put).toMatchObject({
      TableName: AUDIT_TABLE,
      Item: {
        pk: `TARGET#${id}`,
        action: 'customer.created',
        actorSub: 'sub-clerk1',
        targetType: 'customer',
        targetId: id,
        // The audit keeps the record as registered, in clear.
        after: { customerId: id, customerNo: '1000000001', idNumber: ID_NUMBER, version: 1 },
      },
    });
  });

  it('answers an archivist with the values in clear', async () => {
    ddbMock.on(TransactWriteCommand).resolves({});
    const res = await call(handler, { routeKey: ROUTE, body: VALID, user: USERS.archivist });
    expect(res.statusCode).toBe(201);
    expect(res.body).toMatchObject({ idNumber: ID_NUMBER, phone: '13812345678', createdBy: 'archivist1' });
  });

  it('puts a customer without region in the DEFAULT region and normalises the inputs', async () => {
    ddbMock.on(TransactWriteCommand).resolves({});
    const res = await call(handler, {
      routeKey: ROUTE,
      body: {
        customerNo: ' ab-20260001 ',
        name: '  Li  Lei ',
        type: 'LV',
        idNumber: ID_NUMBER_X.toLowerCase(),
        phone: '+86 138 1234 5678',
      },
      user: USERS.archivist,
    });
    expect(res.statusCode).toBe(201);
    expect(res.body).toMatchObject({
      customerNo: 'AB-20260001',
      name: 'Li  Lei',
      region: 'DEFAULT',
      idNumber: ID_NUMBER_X,
      phone: '13812345678',
    });
    const [customer, number] = transactItems();
    expect(customer?.Put?.Item).toMatchObject({
      gsi1pk: 'CUSTOMERS#DEFAULT',
      gsi1sk: `li lei#${res.body.customerId}`,
    });
    expect(number?.Put?.Item?.pk).toBe('CUSTOMERNO#AB-20260001');
  });

  it('accepts a passport number and a customer registered as already closed', async () => {
    ddbMock.on(TransactWriteCommand).resolves({});
    const res = await call(handler, {
      routeKey: ROUTE,
      body: {
        customerNo: '1000000002',
        name: 'John Smith',
        type: 'HV',
        idNumber: 'E12345678',
        accountStatus: 'CLOSED',
        closedAt: '2020-06-30',
      },
      user: USERS.archivist,
    });
    expect(res.statusCode).toBe(201);
    expect(res.body).toMatchObject({
      accountStatus: 'CLOSED',
      closedAt: '2020-06-30',
      idNumber: 'E12345678',
    });
  });

  it('answers 409 naming the customer number when it is taken, from the cancellation reasons', async () => {
    ddbMock
      .on(TransactWriteCommand)
      .rejects(
        cancelled([
          { Code: 'None' },
          { Code: 'ConditionalCheckFailed', Item: { customerId: { S: 'existing-id' } } },
          { Code: 'None' },
          { Code: 'None' },
        ]),
      );
    const res = await call(handler, { routeKey: ROUTE, body: VALID });
    expect(res.statusCode).toBe(409);
    expect(errorOf(res.body).message).toBe('customerNo 1000000001 is already registered');
    expect(errorOf(res.body).details).toEqual({
      field: 'customerNo',
      customerNo: '1000000001',
      customerId: 'existing-id',
    });
  });

  it('answers 409 asking to retry when a concurrent transaction collides', async () => {
    ddbMock
      .on(TransactWriteCommand)
      .rejects(
        cancelled([{ Code: 'None' }, { Code: 'TransactionConflict' }, { Code: 'None' }, { Code: 'None' }]),
      );
    const res = await call(handler, { routeKey: ROUTE, body: VALID });
    expect(res.statusCode).toBe(409);
    expect(errorOf(res.body).message).toMatch(/customerNo 1000000001 is being registered.*retry/);
  });

  it('hides an unexpected DynamoDB failure behind a fixed 500', async () => {
    ddbMock.on(TransactWriteCommand).rejects(new Error('ProvisionedThroughputExceeded at arn:secret'));
    const res = await call(handler, { routeKey: ROUTE, body: VALID });
    expect(res.statusCode).toBe(500);
    expect(res.body).toEqual({ error: { code: 'InternalError', message: 'internal error' } });
  });

  describe('refuses without writing', () => {
    const cases: [string, { body?: unknown; rawBody?: string }, RegExp][] = [
      ['malformed JSON', { rawBody: '{"customerNo": "1000000001",' }, /request body is not valid JSON/],
      ['no body', {}, /request body is required/],
      ['a missing name', { body: { ...VALID, name: undefined } }, /name: is required/],
      ['a missing customerNo', { body: { ...VALID, customerNo: undefined } }, /customerNo: is required/],
      ['an unknown field', { body: { ...VALID, nickname: 'x' } }, /nickname: is not accepted here/],
      ['a name of the wrong type', { body: { ...VALID, name: 42 } }, /name: must be a string/],
      ['a type not in the scheme', { body: { ...VALID, type: 'VIP' } }, /type: must be one of RES, LV, HV/],
      [
        'an ID number with a wrong check character',
        { body: { ...VALID, idNumber: '110101199003071234' } },
        /idNumber: is not a valid resident ID number: the check character is wrong/,
      ],
      [
        'an ID number with an impossible birth date',
        { body: { ...VALID, idNumber: '110101199002301234' } },
        /idNumber: is not a valid resident ID number: bad birth date/,
      ],
      [
        'an ID number of neither kind',
        { body: { ...VALID, idNumber: '12345' } },
        /idNumber: must be an 18-character resident ID number or a passport/,
      ],
      ['a malformed phone', { body: { ...VALID, phone: '12345' } }, /phone: must be a mobile number/],
      ['a malformed customer number', { body: { ...VALID, customerNo: 'x' } }, /customerNo: must be 4-32/],
      [
        'a malformed bank account',
        { body: { ...VALID, bankAccount: 'IBAN-1' } },
        /bankAccount: must be 8-32 digits/,
      ],
      [
        'an unknown account status',
        { body: { ...VALID, accountStatus: 'GONE' } },
        /accountStatus: must be one of ACTIVE, SUSPENDED, CLOSED/,
      ],
      [
        'CLOSED without closedAt',
        { body: { ...VALID, accountStatus: 'CLOSED' } },
        /closedAt is required when accountStatus is CLOSED/,
      ],
      [
        'closedAt on an active account',
        { body: { ...VALID, closedAt: '2024-01-01' } },
        /closedAt is only allowed when accountStatus is CLOSED/,
      ],
      [
        'closedAt in the future',
        { body: { ...VALID, accountStatus: 'CLOSED', closedAt: '2999-01-01' } },
        /closedAt 2999-01-01 is in the future/,
      ],
      [
        'an impossible closedAt',
        { body: { ...VALID, accountStatus: 'CLOSED', closedAt: '2024-02-30' } },
        /closedAt: must be a date YYYY-MM-DD/,
      ],
      ['a body that is not an object', { body: ['1000000001'] }, /\(body\): Invalid input: expected object/],
    ];
    it.each(cases)('400 for %s', async (_label, input, message) => {
      const res = await call(handler, { routeKey: ROUTE, ...input });
      expect(res.statusCode).toBe(400);
      expect(errorOf(res.body).code).toBe('BadRequest');
      expect(errorOf(res.body).message).toMatch(message);
      expectNoWrite();
    });

    it('names every bad field in details', async () => {
      const res = await call(handler, {
        routeKey: ROUTE,
        body: { ...VALID, type: 'VIP', phone: '1', extra: true },
      });
      expect(res.statusCode).toBe(400);
      const paths = (errorOf(res.body).details as { path: string }[]).map((d) => d.path).sort();
      expect(paths).toEqual(['extra', 'phone', 'type']);
      expectNoWrite();
    });

    it('403 for a reviewer, from the route table', async () => {
      const res = await call(handler, { routeKey: ROUTE, body: VALID, user: USERS.reviewer });
      expect(res.statusCode).toBe(403);
      expect(errorOf(res.body).message).toBe('role reviewer may not call POST /customers');
      expectNoWrite();
      expect(ddbMock.commandCalls(GetCommand)).toHaveLength(0);
      expect(ddbMock.commandCalls(QueryCommand)).toHaveLength(0);
    });

    it('401 without a token', async () => {
      const res = await call(handler, { routeKey: ROUTE, body: VALID, user: null });
      expect(res.statusCode).toBe(401);
      expectNoWrite();
    });
  });
});
