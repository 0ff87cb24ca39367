import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ddb, dynamodb } from '../../functions/adapters/clients.ts';
import { handler } from '../../functions/api/customers-update.ts';
import type { Customer } from '../../functions/core/customers.ts';
import { USERS } from '../support/api-event.ts';
import {
  AUDIT_TABLE,
  CUSTOMER_ID,
  call,
  cancelled,
  errorOf,
  ID_NUMBER,
  itemOf,
  STORED,
  setEnv,
  TABLE,
  type TransactItems,
} from './customers-fixtures.ts';

const ddbMock = mockClient(ddb);
const lowMock = mockClient(dynamodb);
const ROUTE = 'PATCH /customers/{customerId}';

beforeEach(() => {
  setEnv();
  ddbMock.onAnyCommand().rejects(new Error('unexpected call'));
  lowMock.onAnyCommand().rejects(new Error('unexpected call'));
});

afterEach(() => {
  ddbMock.reset();
  lowMock.reset();
});

function stored(c: Customer = STORED) {
  ddbMock
    .on(GetCommand, { TableName: TABLE, Key: { pk: `CUSTOMER#${CUSTOMER_ID}`, sk: 'CUSTOMER' } })
    .resolves({ Item: itemOf(c) });
}

const patch = (
  body: unknown,
  ifMatch: string | undefined = '1',
  user: (typeof USERS)[keyof typeof USERS] = USERS.clerk,
) =>
  call(handler, {
    routeKey: ROUTE,
    pathParameters: { customerId: CUSTOMER_ID },
    body,
    headers: ifMatch === undefined ? {} : { 'If-Match': ifMatch },
    user,
  });

function transactItems(): TransactItems {
  const calls = ddbMock.commandCalls(TransactWriteCommand);
  expect(calls).toHaveLength(1);
  return calls[0]!.args[0].input.TransactItems ?? [];
}

const expectNoWrite = () => expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(0);

describe('PATCH /customers/{customerId}', () => {
  it('updates on the read version, keeps the new version and audits before/after in one transaction', async () => {
    stored();
    ddbMock.on(TransactWriteCommand).resolves({});

    const res = await patch({ phone: '13900001111', address: '浙江省杭州市拱墅区1号' });

    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBe('2');
    expect(res.body).toMatchObject({
      customerId: CUSTOMER_ID,
      version: 2,
      phone: '139****1111',
      // An 11-character address keeps its first 5: never more than half.
      address: '浙江省杭州****',
      idNumber: '110***********1233',
      updatedBy: 'clerk1',
    });

    const [update, version, audit] = transactItems();
    expect(update?.Update).toMatchObject({
      TableName: TABLE,
      Key: { pk: `CUSTOMER#${CUSTOMER_ID}`, sk: 'CUSTOMER' },
      ConditionExpression: 'attribute_exists(pk) AND #version = :expected',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    const u = update!.Update!;
    expect(u.ExpressionAttributeValues).toMatchObject({ ':expected': 1, ':version': 2 });
    expect(u.UpdateExpression).not.toContain('REMOVE');
    expect(u.UpdateExpression).not.toContain('gsi1');
    // Every changed field is set to its new value.
    const names = u.ExpressionAttributeNames ?? {};
    const setValue = (field: string) => {
      const alias = Object.keys(names).find((k) => names[k] === field);
      const m = new RegExp(`${alias} = (:\\w+)`).exec(u.UpdateExpression ?? '');
      return m ? u.ExpressionAttributeValues?.[m[1]!] : undefined;
    };
    expect(setValue('phone')).toBe('13900001111');
    expect(setValue('address')).toBe('浙江省杭州市拱墅区1号');
    expect(setValue('updatedBy')).toBe('clerk1');

    expect(version?.Put).toMatchObject({
      TableName: TABLE,
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: {
        pk: `CUSTOMER#${CUSTOMER_ID}`,
        sk: 'V#000002',
        version: 2,
        changedBy: 'clerk1',
        changedBySub: 'sub-clerk1',
        changed: ['phone', 'address'],
        values: { phone: '13900001111', address: '浙江省杭州市拱墅区1号' },
      },
    });
    expect(audit?.Put).toMatchObject({
      TableName: AUDIT_TABLE,
      Item: {
        action: 'customer.updated',
        targetId: CUSTOMER_ID,
        actorSub: 'sub-clerk1',
        before: { phone: '13812345678', version: 1 },
        after: { phone: '13900001111', version: 2 },
        details: { version: 2, changed: ['phone', 'address'] },
      },
    });
  });

  it('moves the name-index keys when the name or region changes', async () => {
    stored();
    ddbMock.on(TransactWriteCommand).resolves({});
    ddbMock.on(PutCommand, { Item: { pk: 'REGIONS' } }).resolves({});
    const res = await patch({ name: 'Wang Wu', region: 'sh02' });
    expect(res.statusCode).toBe(200);
    // The new region is recorded (for name searches across regions) before the change is written.
    const recorded = ddbMock.commandCalls(PutCommand).map((c) => c.args[0].input.Item);
    expect(recorded).toEqual([
      { pk: 'REGIONS', sk: 'REGION#SH02', entity: 'customer-region', region: 'SH02' },
    ]);
    const [put] = ddbMock.commandCalls(PutCommand);
    const [write] = ddbMock.commandCalls(TransactWriteCommand);
    expect(put && write && put.calledBefore(write)).toBe(true);
    const u = transactItems()[0]?.Update;
    expect(u?.UpdateExpression).toContain('gsi1pk = :gsi1pk');
    expect(u?.ExpressionAttributeValues).toMatchObject({
      ':gsi1pk': 'CUSTOMERS#SH02',
      ':gsi1sk': `wang wu#${CUSTOMER_ID}`,
    });
  });

  it('removes a value sent as null and keeps null in the version', async () => {
    stored();
    ddbMock.on(TransactWriteCommand).resolves({});
    const res = await patch({ bankAccount: null }, '"1"', USERS.archivist);
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toHaveProperty('bankAccount');
    expect(res.body.idNumber).toBe(ID_NUMBER);
    const [update, version] = transactItems();
    expect(update?.Update?.UpdateExpression).toMatch(/ REMOVE #f0$/);
    expect(update?.Update?.ExpressionAttributeNames?.['#f0']).toBe('bankAccount');
    expect(version?.Put?.Item).toMatchObject({ changed: ['bankAccount'], values: { bankAccount: null } });
  });

  it('closes an account with its closing date', async () => {
    stored();
    ddbMock.on(TransactWriteCommand).resolves({});
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    const res = await patch({ accountStatus: 'CLOSED', closedAt: '2026-01-31' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatchObject({ accountStatus: 'CLOSED', closedAt: '2026-01-31', version: 2 });
    expect(transactItems()[1]?.Put?.Item?.changed).toEqual(['accountStatus', 'closedAt']);
    // The closure starts the retention clocks of the customer's archived documents.
    expect(ddbMock.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({
      IndexName: 'gsi2',
      ExpressionAttributeValues: expect.objectContaining({ ':pk': `CUSTOMER#${CUSTOMER_ID}` }),
    });
  });

  it('writes nothing when every value already holds, and answers the current record', async () => {
    stored();
    const res = await patch({ phone: '138 1234 5678', type: 'RES' });
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBe('1');
    expect(res.body.version).toBe(1);
    expectNoWrite();
  });

  it('409 with the current version when If-Match is stale, without writing', async () => {
    stored({ ...STORED, version: 3 });
    const res = await patch({ phone: '13900001111' }, '2');
    expect(res.statusCode).toBe(409);
    expect(errorOf(res.body).message).toMatch(/is at version 3, not 2/);
    expect(errorOf(res.body).details).toEqual({ currentVersion: 3 });
    expectNoWrite();
  });

  it('409 with the version that won when another change lands first', async () => {
    stored();
    ddbMock.on(TransactWriteCommand).rejects(
      cancelled([
        {
          Code: 'ConditionalCheckFailed',
          Item: { pk: { S: `CUSTOMER#${CUSTOMER_ID}` }, version: { N: '2' } },
        },
        { Code: 'None' },
        { Code: 'None' },
      ]),
    );
    const res = await patch({ phone: '13900001111' });
    expect(res.statusCode).toBe(409);
    expect(errorOf(res.body).message).toMatch(/changed meanwhile: the current version is 2, not 1/);
    expect(errorOf(res.body).details).toEqual({ currentVersion: 2 });
  });

  it('404 when the customer disappears between read and write', async () => {
    stored();
    ddbMock
      .on(TransactWriteCommand)
      .rejects(cancelled([{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }, { Code: 'None' }]));
    const res = await patch({ phone: '13900001111' });
    expect(res.statusCode).toBe(404);
  });

  it('409 when a closed account would be reopened', async () => {
    stored({ ...STORED, accountStatus: 'CLOSED', closedAt: '2025-12-31' });
    const res = await patch({ accountStatus: 'ACTIVE' });
    expect(res.statusCode).toBe(409);
    expect(errorOf(res.body).message).toMatch(/closed on 2025-12-31; a closed account cannot be reopened/);
    expectNoWrite();
  });

  it('404 naming the customer when it does not exist', async () => {
    ddbMock.on(GetCommand).resolves({});
    const res = await patch({ phone: '13900001111' });
    expect(res.statusCode).toBe(404);
    expect(errorOf(res.body).message).toBe(`customer ${CUSTOMER_ID} does not exist`);
    expectNoWrite();
  });

  describe('refuses before reading or writing', () => {
    const cases: [string, { body?: unknown; rawBody?: string; ifMatch?: string | undefined }, RegExp][] = [
      [
        'a missing If-Match',
        { body: { phone: '13900001111' }, ifMatch: undefined },
        /^If-Match header with the current version is required$/,
      ],
      [
        'an If-Match that is no version',
        { body: { phone: '13900001111' }, ifMatch: '*' },
        /If-Match header with the current version is required: "\*" is not a version/,
      ],
      ['malformed JSON', { rawBody: '{"phone":' }, /request body is not valid JSON/],
      ['no body', {}, /request body is required/],
      ['an empty change', { body: {} }, /names no field to change/],
      ['a new customer number', { body: { customerNo: '2000000001' } }, /customerNo: cannot be changed/],
      ['an unknown field', { body: { phone: '13900001111', version: 5 } }, /version: is not accepted here/],
      ['a type not in the scheme', { body: { type: 'GUEST' } }, /type: must be one of RES, LV, HV/],
      [
        'a bad ID number',
        { body: { idNumber: '110101199003071234' } },
        /idNumber: is not a valid resident ID number/,
      ],
      ['removing the name', { body: { name: null } }, /name: must be a string/],
      ['a bad phone', { body: { phone: '555' } }, /phone: must be a mobile number/],
    ];
    it.each(cases)('400 for %s', async (_label, input, message) => {
      const res = await call(handler, {
        routeKey: ROUTE,
        pathParameters: { customerId: CUSTOMER_ID },
        ...(input.rawBody === undefined ? {} : { rawBody: input.rawBody }),
        ...(input.body === undefined ? {} : { body: input.body }),
        headers:
          input.ifMatch === undefined && 'ifMatch' in input ? {} : { 'if-match': input.ifMatch ?? '1' },
      });
      expect(res.statusCode).toBe(400);
      expect(errorOf(res.body).message).toMatch(message);
      expect(ddbMock.commandCalls(GetCommand)).toHaveLength(0);
      expectNoWrite();
    });

    it('403 for a reviewer', async () => {
      const res = await patch({ phone: '13900001111' }, '1', USERS.reviewer);
      expect(res.statusCode).toBe(403);
      expect(errorOf(res.body).message).toBe('role reviewer may not call PATCH /customers/{customerId}');
      expect(ddbMock.commandCalls(GetCommand)).toHaveLength(0);
      expectNoWrite();
    });
  });

  describe('refuses an inconsistent account state after reading, without writing', () => {
    it('400 for CLOSED without closedAt', async () => {
      stored();
      const res = await patch({ accountStatus: 'CLOSED' });
      expect(res.statusCode).toBe(400);
      expect(errorOf(res.body).message).toBe('closedAt is required when accountStatus is CLOSED');
      expectNoWrite();
    });

    it('400 for closedAt on an active account', async () => {
      stored();
      const res = await patch({ closedAt: '2026-01-31' });
      expect(res.statusCode).toBe(400);
      expect(errorOf(res.body).message).toMatch(/closedAt is only allowed when accountStatus is CLOSED/);
      expectNoWrite();
    });

    it('400 for a closure back-dated before the customer was registered, naming the earliest day', async () => {
      // Registered 2026-01-05T08:00Z: 2026-01-04 in UTC-12 is the earliest day anyone gives it.
      stored();
      const res = await patch({ accountStatus: 'CLOSED', closedAt: '1901-01-01' });
      expect(res.statusCode).toBe(400);
      expect(errorOf(res.body).message).toBe(
        'closedAt 1901-01-01 is before customer 1000000001 was registered on 2026-01-04: the earliest closure date allowed is 2026-01-04',
      );
      expect(errorOf(res.body).details).toEqual([
        {
          path: 'closedAt',
          code: 'invalid',
          message: 'must not be before 2026-01-04, the day customer 1000000001 was registered',
        },
      ]);
      expectNoWrite();
      expect(ddbMock.commandCalls(QueryCommand)).toHaveLength(0);
    });

    it('takes a closure on the day of registration', async () => {
      stored();
      ddbMock.on(TransactWriteCommand).resolves({});
      ddbMock.on(QueryCommand).resolves({ Items: [] });
      const res = await patch({ accountStatus: 'CLOSED', closedAt: '2026-01-05' });
      expect(res.statusCode).toBe(200);
      expect(res.body).toMatchObject({ accountStatus: 'CLOSED', closedAt: '2026-01-05' });
    });

    it('400 for a closure in the future', async () => {
      stored();
      const res = await patch({ accountStatus: 'CLOSED', closedAt: '2999-01-01' });
      expect(res.statusCode).toBe(400);
      expect(errorOf(res.body).message).toBe('closedAt 2999-01-01 is in the future');
      expectNoWrite();
    });
  });

  it('never puts an audit event outside the transaction', async () => {
    stored();
    ddbMock.on(TransactWriteCommand).resolves({});
    await patch({ phone: '13900001111' });
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(0);
  });
});
