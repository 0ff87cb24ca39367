import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ddb, dynamodb } from '../../functions/adapters/clients.ts';
import {
  customerItem,
  decodeCursor,
  encodeCursor,
  insertCustomer,
  versionSk,
} from '../../functions/adapters/customers-repo.ts';
import { firstVersion } from '../../functions/core/customers.ts';
import { DomainError } from '../../functions/core/errors.ts';
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
    expect(versionSk(1)).toBe('V#000001');
    expect(versionSk(123456)).toBe('V#123456');
  });
});

describe('cursors', () => {
  const key = {
    pk: `CUSTOMER#${CUSTOMER_ID}`,
    sk: 'CUSTOMER',
    gsi1pk: 'CUSTOMERS#HZ01',
    gsi1sk: `张三#${CUSTOMER_ID}`,
  };

  it('round-trips a key of the same search', () => {
    expect(decodeCursor(encodeCursor(key), { region: 'HZ01', prefix: '张' })).toEqual(key);
  });

  it.each([
    ['another region', encodeCursor(key), { region: 'SH02', prefix: '' }],
    ['another prefix', encodeCursor(key), { region: 'HZ01', prefix: '李' }],
    ['an extra attribute', encodeCursor({ ...key, secret: 'x' }), { region: 'HZ01', prefix: '' }],
    ['a non-string value', encodeCursor({ ...key, sk: 1 }), { region: 'HZ01', prefix: '' }],
    ['a key of another item kind', encodeCursor({ ...key, sk: 'V#000001' }), { region: 'HZ01', prefix: '' }],
    ['not JSON', 'bm90IGpzb24', { region: 'HZ01', prefix: '' }],
    ['a JSON array', encodeCursor([] as unknown as Record<string, unknown>), { region: 'HZ01', prefix: '' }],
  ])('refuses a cursor with %s', (_label, cursor, search) => {
    let err: unknown;
    try {
      decodeCursor(cursor, search);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).status).toBe(400);
    expect((err as DomainError).message).toBe('cursor is not valid for this search');
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
