import { getAccount } from '../adapters/accounts-repo.ts';
import { listDirectoryUsers } from '../adapters/directory.ts';
import { accountFromDirectory, accountView, parseUserId } from '../core/accounts.ts';
import { NotFound } from '../core/errors.ts';
import { ROLES } from '../core/roles.ts';
import { apiHandler } from '../http/api.ts';
import { allAccounts } from '../services/staff-accounts.ts';

/**
 * `GET /users`, `GET /users/{userId}`, `GET /groups` (secadmin): staff accounts with their
 * state, granted roles and regions, by username; and each role with its members. People the
 * identity provider knows but Dangan keeps no account for yet are listed as they are there
 * (`managed: false`).
 */

export const handler = apiHandler('accounts-list', async function handleAccountsList(req) {
  if (req.routeKey === 'GET /users/{userId}') {
    const sub = parseUserId(req.path);
    const account =
      (await getAccount(sub)) ??
      (await listDirectoryUsers()).map(accountFromDirectory).find((a) => a.sub === sub);
    if (!account) throw new NotFound('user', sub);
    return { status: 200, body: accountView(account), headers: { etag: String(account.version) } };
  }
  const accounts = await allAccounts();
  if (req.routeKey === 'GET /groups') {
    return {
      status: 200,
      body: {
        items: ROLES.map((role) => ({
          group: role,
          members: accounts
            .filter((a) => a.roles.includes(role))
            .map((a) => ({ userId: a.sub, username: a.username, status: a.status })),
        })),
      },
    };
  }
  return { status: 200, body: { items: accounts.map(accountView) } };
});
