import { PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ddb, dynamodb } from '../../functions/adapters/clients.ts';
import { customerItem, insertCustomer } from '../../functions/adapters/customers-repo.ts';
import { keys } from '../../functions/adapters/dynamo/keys.ts';
import { firstVersion } from '../../functions/core/customers.ts';
import { CUSTOMER_ID, cancelled, STORED, setEnv } from './customers-fixtures.ts';

const ddbMock = mockClient(ddb);
const lowMock = mockClient(dynamodb);
const actor = { sub: 'sub-clerk1', username: 'clerk1', roles: ['clerk' as const] };

beforeEach(() => {
  setEnv();
  ddbMock.onAnyCommand().rejects(new Error('unexpected call'));
  lowMock.onAnyCommand().rejects(new Error('unexpected call'));
});

afterEach(() => {
  ddbMock.reset();
  lowMock.reset();
});

describe('customer items', () => {
  it('keys the current item, its name index and versions as tables.ts documents', () => {
    expect(customerItem({ ...STORED, name: 'Ｗang  WU' })).toMatchObject({
      pk: `CUSTOMER#${CUSTOMER_ID}`,
      sk: 'CUSTOMER',
      gsi1pk: 'CUSTOMERS#HZ01',
      gsi1sk: `wang wu#${CUSTOMER_ID}`,
      name: 'Ｗang  WU',
    });
    expect(keys.customerVersion(CUSTOMER_ID, 1).sk).toBe('V#000001');
    expect(keys.customerVersion(CUSTOMER_ID, 123456).sk).toBe('V#123456');
  });
});

describe('insertCustomer errors', () => {
  it('passes on a cancellation it cannot explain', async () => {
    const error = cancelled([
      { Code: 'ValidationError' },
      { Code: 'None' },
      { Code: 'None' },
      { Code: 'None' },
    ]);
    ddbMock.on(TransactWriteCommand).rejects(error);
    ddbMock.on(PutCommand, { Item: { pk: 'REGIONS' } }).resolves({});
    await expect(
      insertCustomer(STORED, firstVersion(STORED, actor), {
        action: 'customer.created',
        actor,
        targetType: 'customer',
        targetId: CUSTOMER_ID,
      }),
    ).rejects.toBe(error);
  });
});
