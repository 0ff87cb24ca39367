/**
 * The local identity's link to Dangan's accounts, standing in for what Cognito and the security
 * administrator's changes do together on AWS. At start every user of the local identity gets an
 * account (if it has none yet) granting their seeded groups; from then on the accounts table is
 * what counts: a disabled account gets no token (Cognito refuses a disabled user's sign-in), and
 * a token carries the roles the account grants (Cognito's groups, kept in step on AWS by the
 * account functions).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { accountItem, accountKey } from '../../functions/adapters/accounts-repo.ts';
import type { Account } from '../../functions/core/accounts.ts';
import { errorName } from '../../functions/core/errors.ts';
import type { AccountLookup, LocalUser } from './identity.ts';
import { LOCAL_MAIL_DOMAIN } from './mail.ts';

export interface LocalAccounts {
  seed(users: readonly LocalUser[], at: Date): Promise<number>;
  lookup: AccountLookup;
  close(): void;
}

export function localAccounts(options: {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  tableName: string;
}): LocalAccounts {
  const low = new DynamoDBClient({
    endpoint: options.endpoint,
    region: options.region,
    credentials: options.credentials,
  });
  const ddb = DynamoDBDocumentClient.from(low);
  return {
    async seed(users, at) {
      let created = 0;
      for (const u of users) {
        const account: Account = {
          sub: u.sub,
          username: u.username,
          displayName: u.name,
          status: 'ACTIVE',
          roles: [...u.groups],
          version: 1,
          updatedAt: at.toISOString(),
          // Seeded by the local system itself, which the console names as the system.
          updatedBy: 'system',
          // Notifications reach the local inbox (infra/local/mail.ts).
          email: `${u.username}@${LOCAL_MAIL_DOMAIN}`,
        };
        try {
          await ddb.send(
            new PutCommand({
              TableName: options.tableName,
              Item: accountItem(account),
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          );
          created++;
        } catch (err) {
          if (errorName(err) !== 'ConditionalCheckFailedException') throw err;
          // An account from before notifications: its address, once.
          await ddb.send(
            new UpdateCommand({
              TableName: options.tableName,
              Key: accountKey(u.sub),
              UpdateExpression: 'SET email = if_not_exists(email, :email)',
              ExpressionAttributeValues: { ':email': account.email },
            }),
          );
        }
      }
      return created;
    },
    async lookup(sub) {
      const res = await ddb.send(
        new GetCommand({ TableName: options.tableName, Key: accountKey(sub), ConsistentRead: true }),
      );
      if (!res.Item) return undefined;
      const a = res.Item as Account;
      return { status: a.status, roles: a.roles };
    },
    close: () => low.destroy(),
  };
}
