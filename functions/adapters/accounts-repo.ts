import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Account } from '../core/accounts.ts';
import { Conflict, errorName } from '../core/errors.ts';
import { type AuditInput, auditPut } from './audit.ts';
import { ddb } from './clients.ts';
import { queryAll } from './dynamo/query.ts';
import { accountsTableName } from './env.ts';

/**
 * Staff accounts in the accounts table (layout in tables.ts): `USER#<sub>` / `ACCOUNT`, listed
 * through gsi1 `ACCOUNTS` / `<username>`. The only code that builds commands for them. A change
 * is conditional on the version its author read and is written with its audit event.
 */

export const accountKey = (sub: string) => ({ pk: `USER#${sub}`, sk: 'ACCOUNT' });
const LIST_PK = 'ACCOUNTS';

export function accountItem(a: Account) {
  return { ...accountKey(a.sub), gsi1pk: LIST_PK, gsi1sk: a.username, entity: 'account', ...a };
}

function fromItem(item: Record<string, unknown>): Account {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, entity: _e, ...rest } = item;
  return rest as unknown as Account;
}

export async function getAccount(sub: string): Promise<Account | undefined> {
  const res = await ddb.send(
    new GetCommand({ TableName: accountsTableName(), Key: accountKey(sub), ConsistentRead: true }),
  );
  return res.Item ? fromItem(res.Item) : undefined;
}

/** The id of the account named `actor` (a username); anything else is taken as an id. */
export async function subOfActor(actor: string): Promise<string> {
  const account = (await listAccounts()).find((a) => a.username === actor);
  return account?.sub ?? actor;
}

/** Every account, by username. */
export async function listAccounts(): Promise<Account[]> {
  const items = await queryAll({
    TableName: accountsTableName(),
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :pk',
    ExpressionAttributeValues: { ':pk': LIST_PK },
  });
  return items.map(fromItem);
}

/**
 * Writes `next` if the stored account is still at `expectedVersion` (0: none stored yet), with
 * its audit event, in one transaction. A lost race is a 409.
 */
export async function saveAccount(next: Account, expectedVersion: number, audit: AuditInput): Promise<void> {
  const condition =
    expectedVersion === 0
      ? { ConditionExpression: 'attribute_not_exists(pk)' }
      : {
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':expected': expectedVersion },
        };
  try {
    await ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: accountsTableName(), Item: accountItem(next), ...condition } },
          auditPut(audit),
        ],
      }),
    );
  } catch (err) {
    if (errorName(err) === 'TransactionCanceledException') {
      throw new Conflict(`account ${next.username} was changed meanwhile; read it again`);
    }
    throw err;
  }
}
