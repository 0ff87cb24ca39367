import { getAccount } from '../adapters/accounts-repo.ts';
import { appendAudit } from '../adapters/audit.ts';
import { listDirectoryUsers } from '../adapters/directory.ts';
import { accountFromDirectory, accountView, EXCLUSIVE_ROLES, parseUserId } from '../core/accounts.ts';
import { NotFound } from '../core/errors.ts';
import { ROLES } from '../core/roles.ts';
import { apiHandler } from '../http/api.ts';
import { allAccounts } from '../services/staff-accounts.ts';

/**
 * `GET /users`, `GET /users/{userId}`, `GET /groups` (secadmin): staff accounts with their
 * state, granted roles and regions, by username; and each role with its members and whether
 * 三员分立 keeps it from every other role (`exclusive`, so the console explains a refused
 * combination before it is asked for). People the identity provider knows but Dangan keeps no
 * account for yet are listed as they are there (`managed: false`). Each read is audited before it
 * is answered (`account.read`, `accounts.listed`, `groups.listed`): it shows who may do what and
 * why an account was disabled.
 */

export const handler = apiHandler('accounts-list', async function handleAccountsList(req) {
  const audited = (action: string, targetId: string, details: Record<string, unknown>) =>
    appendAudit({ action, actor: req.actor, targetType: 'account', targetId, details });
  if (req.routeKey === 'GET /users/{userId}') {
    const sub = parseUserId(req.path);
    const account =
      (await getAccount(sub)) ??
      (await listDirectoryUsers()).map(accountFromDirectory).find((a) => a.sub === sub);
    if (!account) throw new NotFound('user', sub);
    await audited('account.read', sub, { username: account.username });
    return { status: 200, body: accountView(account), headers: { etag: String(account.version) } };
  }
  const accounts = await allAccounts();
  if (req.routeKey === 'GET /groups') {
    await audited('groups.listed', 'groups', { accounts: accounts.length });
    return {
      status: 200,
      body: {
        items: ROLES.map((role) => ({
          group: role,
          exclusive: EXCLUSIVE_ROLES.includes(role),
          members: accounts
            .filter((a) => a.roles.includes(role))
            .map((a) => ({ userId: a.sub, username: a.username, status: a.status })),
        })),
      },
    };
  }
  await audited('accounts.listed', 'accounts', { accounts: accounts.length });
  return { status: 200, body: { items: accounts.map(accountView) } };
});
