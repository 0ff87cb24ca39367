import { getAccount, saveAccount } from '../adapters/accounts-repo.ts';
import { listDirectoryUsers, setUserEnabled, setUserGroup } from '../adapters/directory.ts';
import { logger } from '../adapters/logger.ts';
import {
  type Account,
  type AccountChange,
  accountFromDirectory,
  accountView,
  applyAccountChange,
  changeAction,
  disableBodySchema,
  parseUserId,
  regionsBodySchema,
  roleBodySchema,
} from '../core/accounts.ts';
import { now } from '../core/clock.ts';
import { BadRequest, errorMessage, NotFound } from '../core/errors.ts';
import { isRole } from '../core/roles.ts';
import { apiHandler, parseInput } from '../http/api.ts';

/**
 * The security administrator's changes to an account (secadmin only, never their own):
 * `POST /users/{userId}/disable {reason}`, `POST /users/{userId}/enable`,
 * `POST /users/{userId}/roles {role}`, `DELETE /users/{userId}/roles/{role}`,
 * `PUT /users/{userId}/regions {regions}`. Each is written with its audit event (before and
 * after) in one transaction, and takes effect on every function within seconds (the chain's
 * account cache, at most 5 s); the Cognito user pool is then kept in step.
 */

function changeOf(routeKey: string, path: Record<string, string>, body: unknown): AccountChange {
  switch (routeKey) {
    case 'POST /users/{userId}/disable':
      return { kind: 'disable', reason: parseInput(disableBodySchema, body ?? {}).reason };
    case 'POST /users/{userId}/enable':
      return { kind: 'enable' };
    case 'POST /users/{userId}/roles': {
      const { role } = parseInput(roleBodySchema, body ?? {});
      if (!isRole(role)) throw new BadRequest(`unknown role ${role}`);
      return { kind: 'grant', role };
    }
    case 'DELETE /users/{userId}/roles/{role}': {
      const role = path.role ?? '';
      if (!isRole(role)) {
        throw new BadRequest(`unknown role ${role}`, [{ path: 'role', message: 'is not a role' }]);
      }
      return { kind: 'revoke', role };
    }
    case 'PUT /users/{userId}/regions':
      return { kind: 'regions', regions: parseInput(regionsBodySchema, body ?? {}).regions };
    default:
      throw new Error(`accounts-change does not serve ${routeKey}`);
  }
}

export const handler = apiHandler('accounts-change', async function handleAccountsChange(req) {
  const sub = parseUserId(req.path);
  const change = changeOf(req.routeKey, req.path, req.body);
  const current =
    (await getAccount(sub)) ??
    (await listDirectoryUsers()).map(accountFromDirectory).find((a) => a.sub === sub);
  if (!current) throw new NotFound('user', sub);
  const next = applyAccountChange(current, change, { actor: req.actor, now: now() });
  if (next === undefined) {
    // Dangan's account holds this already; the user pool is told again, in case it fell behind.
    await keepDirectoryInStep(current, change);
    return { status: 200, body: accountView(current), headers: { etag: String(current.version) } };
  }
  await saveAccount(next, current.version, {
    action: changeAction(change),
    actor: req.actor,
    targetType: 'account',
    targetId: sub,
    at: next.updatedAt,
    before: accountView(current),
    after: accountView(next),
    details: { username: next.username, ...(change.kind === 'disable' ? { reason: change.reason } : {}) },
  });
  await keepDirectoryInStep(next, change);
  return { status: 200, body: accountView(next), headers: { etag: String(next.version) } };
});

/**
 * Makes the change in the identity provider too (on AWS the Cognito user pool: a disabled user
 * cannot sign in and is signed out everywhere). Dangan's account already holds the change and the
 * chain enforces it, so a failure here is logged, not answered: the pool is behind until the
 * same change is asked for again, which repeats this step even when the account needs nothing.
 */
async function keepDirectoryInStep(account: Account, change: AccountChange): Promise<void> {
  try {
    if (change.kind === 'disable' || change.kind === 'enable') {
      await setUserEnabled(account.username, change.kind === 'enable');
    } else if (change.kind === 'grant' || change.kind === 'revoke') {
      await setUserGroup(account.username, change.role, change.kind === 'grant');
    }
  } catch (err) {
    logger.error('the user pool could not be kept in step with an account change', {
      sub: account.sub,
      change: change.kind,
      error: errorMessage(err),
    });
  }
}
