import {
  CognitoIdentityProviderClient,
  ListUsersCommand,
  ListUsersInGroupCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { accountItem } from '../../functions/adapters/accounts-repo.ts';
import { handler } from '../../functions/api/people-list.ts';
import { ENV } from '../../functions/catalog.ts';
import type { Account } from '../../functions/core/accounts.ts';
import { useAccountSource } from '../../functions/http/account-state.ts';
import { apiEvent, bodyOf, lambdaContext, USERS } from '../support/api-event.ts';

/**
 * `GET /people`: colleagues by id, username and display name, for pages that name who acted. A
 * kept account's own name wins; one without takes the identity provider's `name` attribute;
 * someone the provider knows but Dangan keeps no account for is listed too; nothing of state,
 * roles or regions leaves.
 */

const ddb = mockClient(DynamoDBDocumentClient);
const cognito = mockClient(CognitoIdentityProviderClient);

const kept = (over: Partial<Account>): Account => ({
  sub: 'sub-x',
  username: 'x',
  status: 'ACTIVE',
  roles: ['clerk'],
  regions: ['HZ'],
  version: 3,
  updatedAt: '2026-01-01T00:00:00.000Z',
  updatedBy: 'secadmin1',
  ...over,
});

const cognitoUser = (sub: string, username: string, name?: string) => ({
  Username: username,
  Enabled: true,
  Attributes: [{ Name: 'sub', Value: sub }, ...(name ? [{ Name: 'name', Value: name }] : [])],
});

describe('GET /people', () => {
  beforeEach(() => {
    process.env[ENV.userPool] = 'us-east-1_pool';
    process.env[ENV.accountsTable] = 'accounts';
    ddb.reset().onAnyCommand().rejects(new Error('unexpected call'));
    cognito.reset().onAnyCommand().rejects(new Error('unexpected call'));
    useAccountSource(async () => undefined);
  });
  afterEach(() => {
    delete process.env[ENV.userPool];
    delete process.env[ENV.accountsTable];
  });
  afterAll(() => {
    ddb.restore();
    cognito.restore();
  });

  it('names each person by display name, kept or from the directory, and shows nothing else', async () => {
    ddb.on(QueryCommand).resolves({
      Items: [
        accountItem(kept({ sub: 'sub-1', username: 'clerk1', displayName: '王芳' })),
        accountItem(kept({ sub: 'sub-2', username: 'reviewer1', status: 'DISABLED', reason: '离职' })),
      ],
    });
    cognito.on(ListUsersCommand).resolves({
      Users: [
        cognitoUser('sub-1', 'clerk1', 'Wang Fang (directory)'),
        cognitoUser('sub-2', 'reviewer1', '刘洋'),
        cognitoUser('sub-3', 'staff1'),
      ],
    });
    cognito.on(ListUsersInGroupCommand).resolves({ Users: [] });

    const res = bodyOf(
      await handler(apiEvent({ routeKey: 'GET /people', user: USERS.staff }), lambdaContext),
    );

    expect(res.statusCode).toBe(200);
    expect(res.body).toEqual({
      items: [
        { userId: 'sub-1', username: 'clerk1', displayName: '王芳' },
        { userId: 'sub-2', username: 'reviewer1', displayName: '刘洋' },
        { userId: 'sub-3', username: 'staff1', displayName: 'staff1' },
      ],
    });
  });
});
