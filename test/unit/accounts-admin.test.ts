import {
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminUserGlobalSignOutCommand,
  CognitoIdentityProviderClient,
  ListUsersCommand,
  ListUsersInGroupCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as accountsChange } from '../../functions/api/accounts-change.ts';
import { handler as accountsList } from '../../functions/api/accounts-list.ts';
import { handler as tasksList } from '../../functions/api/tasks-list.ts';
import type { Account } from '../../functions/core/accounts.ts';
import { useAccountSource } from '../../functions/http/account-state.ts';
import { apiEvent, bodyOf, lambdaContext, USERS } from '../support/api-event.ts';

/**
 * The security administrator's account changes as they reach the identity provider: on AWS a
 * disabled account is disabled in the Cognito user pool and signed out everywhere (its refresh
 * tokens revoked, its next sign-in refused), after Dangan's account, which the handler chain
 * checks on every request, has been written with its audit event.
 */

const ddb = mockClient(DynamoDBDocumentClient);
const cognito = mockClient(CognitoIdentityProviderClient);
const POOL = 'us-east-1_TestPool';

const clerk2: Account = {
  sub: USERS.clerk2.sub,
  username: 'clerk2',
  status: 'ACTIVE',
  roles: ['clerk'],
  version: 3,
  updatedAt: '2026-05-01T00:00:00.000Z',
  updatedBy: 'local-identity',
};
const secadmin: Account = { ...clerk2, sub: USERS.secadmin.sub, username: 'secadmin1', roles: ['secadmin'] };
const accounts = new Map<string, Account>([
  [secadmin.sub, secadmin],
  [clerk2.sub, clerk2],
]);

beforeEach(() => {
  process.env.ACCOUNTS_TABLE_NAME = 'accounts';
  process.env.AUDIT_TABLE_NAME = 'audit';
  process.env.TABLE_NAME = 'records';
  process.env.USER_POOL_ID = POOL;
  ddb.reset().onAnyCommand().rejects(new Error('unexpected call'));
  cognito.reset().onAnyCommand().rejects(new Error('unexpected call'));
  useAccountSource(async (sub) => accounts.get(sub));
});
afterAll(() => {
  delete process.env.USER_POOL_ID;
  useAccountSource(async () => undefined);
  ddb.restore();
  cognito.restore();
});

const change = (routeKey: string, body?: unknown) =>
  accountsChange(
    apiEvent({ routeKey, pathParameters: { userId: clerk2.sub }, body, user: USERS.secadmin }),
    lambdaContext,
  ).then(bodyOf);

describe('disabling an account', () => {
  it('writes the account with its audit event (reason, before, after), then disables the user in Cognito and signs it out everywhere', async () => {
    ddb.on(GetCommand).resolves({ Item: { ...clerk2 } });
    ddb.on(TransactWriteCommand).resolves({});
    cognito.on(AdminDisableUserCommand).resolves({});
    cognito.on(AdminUserGlobalSignOutCommand).resolves({});

    const res = await change('POST /users/{userId}/disable', { reason: '离职 / left the company' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatchObject({ status: 'DISABLED', reason: '离职 / left the company', version: 4 });

    const [write] = ddb.commandCalls(TransactWriteCommand);
    const items = write?.args[0].input.TransactItems ?? [];
    expect(items[0]?.Put?.Item).toMatchObject({ status: 'DISABLED', version: 4, updatedBy: 'secadmin1' });
    expect(items[0]?.Put?.ConditionExpression).toBe('#version = :expected');
    expect(items[1]?.Put?.Item).toMatchObject({
      action: 'account.disabled',
      actorName: 'secadmin1',
      targetId: clerk2.sub,
      before: { status: 'ACTIVE' },
      after: { status: 'DISABLED' },
      details: { username: 'clerk2', reason: '离职 / left the company' },
    });
    // In Cognito: its next sign-in is refused and its refresh tokens are revoked.
    expect(cognito.calls().map((c) => c.args[0].constructor.name)).toEqual([
      'AdminDisableUserCommand',
      'AdminUserGlobalSignOutCommand',
    ]);
    for (const call of cognito.calls()) {
      expect(call.args[0].input).toEqual({ UserPoolId: POOL, Username: 'clerk2' });
    }
  });

  it('answers 200 with the account disabled when Cognito fails, and tells Cognito again when the disable is repeated', async () => {
    ddb.on(GetCommand).resolves({ Item: { ...clerk2 } });
    ddb.on(TransactWriteCommand).resolves({});
    cognito.on(AdminDisableUserCommand).rejectsOnce(new Error('throttled')).resolves({});
    cognito.on(AdminUserGlobalSignOutCommand).resolves({});
    const first = await change('POST /users/{userId}/disable', { reason: '离职' });
    expect(first.statusCode).toBe(200);
    expect(first.body).toMatchObject({ status: 'DISABLED' });
    expect(cognito.commandCalls(AdminUserGlobalSignOutCommand)).toHaveLength(0);

    // Asked again: the account needs nothing (no write, no second audit event), the pool is told.
    ddb.on(GetCommand).resolves({ Item: { ...clerk2, status: 'DISABLED', reason: '离职', version: 4 } });
    const again = await change('POST /users/{userId}/disable', { reason: '离职' });
    expect(again.statusCode).toBe(200);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
    expect(cognito.commandCalls(AdminDisableUserCommand)).toHaveLength(2);
    expect(cognito.commandCalls(AdminUserGlobalSignOutCommand)).toHaveLength(1);
  });

  it('refuses a token of the disabled account on its next request (401), whatever its groups say', async () => {
    useAccountSource(async (sub) =>
      sub === clerk2.sub ? { ...clerk2, status: 'DISABLED' } : accounts.get(sub),
    );
    const res = bodyOf(
      await tasksList(apiEvent({ routeKey: 'GET /tasks', user: USERS.clerk2 }), lambdaContext),
    );
    expect(res.statusCode).toBe(401);
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it('refuses a disable without a reason with a 400 naming it, writing nothing and leaving Cognito alone', async () => {
    ddb.on(GetCommand).resolves({ Item: { ...clerk2 } });
    for (const body of [{}, { reason: '   ' }]) {
      const res = await change('POST /users/{userId}/disable', body);
      expect(res.statusCode).toBe(400);
      expect(JSON.stringify(res.body)).toContain('reason');
    }
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(cognito.calls()).toHaveLength(0);
  });

  it('enables it again in Dangan and in Cognito', async () => {
    ddb.on(GetCommand).resolves({ Item: { ...clerk2, status: 'DISABLED', reason: 'x', version: 4 } });
    ddb.on(TransactWriteCommand).resolves({});
    cognito.on(AdminEnableUserCommand).resolves({});
    const res = await change('POST /users/{userId}/enable');
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatchObject({ status: 'ACTIVE', version: 5 });
    expect(res.body).not.toHaveProperty('reason');
    expect(cognito.commandCalls(AdminEnableUserCommand)).toHaveLength(1);
  });
});

describe('GET /groups', () => {
  it('marks the three administrators as exclusive (三员分立), so the console can explain a refusal before it is asked for', async () => {
    ddb.on(QueryCommand).resolves({ Items: [{ ...clerk2, pk: 'USER#x', sk: 'ACCOUNT' }] });
    ddb.on(PutCommand).resolves({});
    cognito.on(ListUsersCommand).resolves({ Users: [] });
    cognito.on(ListUsersInGroupCommand).resolves({ Users: [] });
    const res = bodyOf(
      await accountsList(apiEvent({ routeKey: 'GET /groups', user: USERS.secadmin }), lambdaContext),
    );
    expect(res.statusCode).toBe(200);
    const groups = res.body.items as { group: string; exclusive: boolean }[];
    expect(groups.filter((g) => g.exclusive).map((g) => g.group)).toEqual([
      'auditor',
      'sysadmin',
      'secadmin',
    ]);
    expect(groups).toHaveLength(8);
    // The read is on record before it is answered.
    const audits = ddb.commandCalls(PutCommand).map((c) => c.args[0].input);
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      TableName: 'audit',
      Item: { action: 'groups.listed', actorName: 'secadmin1', details: { accounts: 1 } },
    });
  });

  it('audits the list of accounts and the read of one account', async () => {
    ddb.on(QueryCommand).resolves({ Items: [{ ...clerk2 }] });
    ddb.on(GetCommand).resolves({ Item: { ...clerk2 } });
    ddb.on(PutCommand).resolves({});
    cognito.on(ListUsersCommand).resolves({ Users: [] });
    cognito.on(ListUsersInGroupCommand).resolves({ Users: [] });
    const list = bodyOf(
      await accountsList(apiEvent({ routeKey: 'GET /users', user: USERS.secadmin }), lambdaContext),
    );
    const one = bodyOf(
      await accountsList(
        apiEvent({
          routeKey: 'GET /users/{userId}',
          pathParameters: { userId: clerk2.sub },
          user: USERS.secadmin,
        }),
        lambdaContext,
      ),
    );
    expect([list.statusCode, one.statusCode]).toEqual([200, 200]);
    expect(ddb.commandCalls(PutCommand).map((c) => c.args[0].input.Item)).toEqual([
      expect.objectContaining({ action: 'accounts.listed', targetId: 'accounts', details: { accounts: 1 } }),
      expect.objectContaining({
        action: 'account.read',
        targetId: clerk2.sub,
        details: { username: 'clerk2' },
      }),
    ]);
  });
});
