import * as z from 'zod/mini';
import { BadRequest, Conflict, Forbidden } from './errors.ts';
import { lazySchema } from './lazy-schema.ts';
import { type Actor, ADMINISTRATORS, isRole, ROLES, type Role } from './roles.ts';

/**
 * Staff accounts as Dangan keeps them: whether the person may work at all, which roles the
 * security administrator granted, and which customer regions they serve. The identity provider
 * (Cognito on AWS, the local identity here) signs the tokens; this record decides what a token
 * is worth:
 *
 * - a DISABLED account is refused on its next request, whatever its token says;
 * - the roles a request acts with are the token's groups that are also granted here, so a role
 *   removed here stops working at once, and a group forged into a token never works;
 * - a person Dangan keeps no account for (never managed) is what the identity provider says (its
 *   groups, all regions) until the security administrator first acts on them;
 * - whatever the account, 三员分立 holds for every token: a token whose groups combine one of the
 *   three administrators with any other role is refused outright (403), and so is an account
 *   whose granted roles combine them, until the security administrator corrects it.
 */

export const ACCOUNT_STATUSES = ['ACTIVE', 'DISABLED'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

export interface Account {
  /** The identity provider's subject (Cognito `sub`). */
  sub: string;
  username: string;
  /** The name people know them by (Cognito's `name` attribute), shown instead of the username. */
  displayName?: string;
  status: AccountStatus;
  /** Roles granted by the security administrator. */
  roles: Role[];
  /** Customer regions the person serves; absent or empty means every region. */
  regions?: string[];
  version: number;
  updatedAt: string;
  updatedBy: string;
  /** Why the account was last disabled. */
  reason?: string;
  /** Where notifications go (services/notify.ts); Cognito's `email` attribute on AWS. */
  email?: string;
}

/**
 * The three administrators of 三员分立 keep to their own duty: an account holding one of these
 * holds no other role, so the system administrator reads no content, the security administrator
 * approves nothing, and the auditor changes nothing.
 */
export const EXCLUSIVE_ROLES: readonly Role[] = ADMINISTRATORS;

/** What the API answers about an account; nothing else is kept. */
export type AccountView = Omit<Account, never>;

/**
 * The administrators among `roles` when `roles` combines one of them with any other role (the
 * combination 三员分立 forbids); empty when the roles may be held together.
 */
export function forbiddenCombination(roles: readonly Role[]): Role[] {
  const held = ROLES.filter((r) => roles.includes(r));
  const exclusive = held.filter((r) => EXCLUSIVE_ROLES.includes(r));
  return exclusive.length > 0 && held.length > 1 ? exclusive : [];
}

/**
 * The roles a request acts with: the token's groups that the account grants; for a person
 * Dangan keeps no account for, the token's groups (what the identity provider says).
 */
export function effectiveRoles(tokenRoles: readonly Role[], account: Account | undefined): Role[] {
  if (!account) return [...tokenRoles];
  return tokenRoles.filter((r) => account.roles.includes(r));
}

/**
 * The actor a request acts as, once its account is known. Throws `AccountDisabled` for a
 * disabled account, and `RoleConflict` (403) when the token's groups, or the roles the account
 * grants, combine an administrator with another role, managed account or not.
 */
export function actorWithAccount(actor: Actor, account: Account | undefined): Actor {
  if (account?.status === 'DISABLED') throw new AccountDisabled(actor.username);
  const inToken = forbiddenCombination(actor.roles);
  if (inToken.length > 0) throw new RoleConflict(actor.username, 'token', actor.roles, inToken);
  if (account) {
    const granted = forbiddenCombination(account.roles);
    if (granted.length > 0) throw new RoleConflict(actor.username, 'account', account.roles, granted);
  }
  const roles = effectiveRoles(actor.roles, account);
  const regions = account?.regions;
  return {
    ...actor,
    roles,
    ...(regions !== undefined && regions.length > 0 ? { regions: [...regions] } : {}),
  };
}

/**
 * A token (or an account) holding roles 三员分立 forbids together: refused (403) before any
 * route is considered, whichever of the roles the route would take. The message names the
 * conflict and what to do; it is what the refusal is recorded with.
 */
export class RoleConflict extends Forbidden {
  readonly reason = 'role-conflict';
  constructor(
    readonly username: string,
    readonly source: 'token' | 'account',
    readonly roles: readonly Role[],
    readonly exclusive: readonly Role[],
  ) {
    const held = ROLES.filter((r) => roles.includes(r));
    super(
      `${source === 'token' ? `the token of ${username} carries the groups` : `the account of ${username} grants`} ${held.join(', ')}: ${exclusive.join(', ')} may not be combined with another role (三员分立), so no request is served with them; ask the security administrator to leave ${username} one administrator role or none`,
    );
  }
}

/** A disabled account: refused like an invalid token. */
export class AccountDisabled extends Error {
  constructor(readonly username: string) {
    super(`account ${username} is disabled`);
    this.name = 'AccountDisabled';
  }
}

// ---------------------------------------------------------------------------------------------
// Changes made by the security administrator

const REGION = /^[A-Z0-9][A-Z0-9_-]{0,31}$/;

export const roleBodySchema = lazySchema(() =>
  z.strictObject({ role: z.string().check(z.refine(isRole, `must be one of ${ROLES.join(', ')}`)) }),
);

export const disableBodySchema = lazySchema(() =>
  z.strictObject({
    reason: z.string().check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(500)),
  }),
);

export const regionsBodySchema = lazySchema(() =>
  z.strictObject({
    regions: z
      .array(
        z
          .string()
          .check(
            z.trim(),
            z.toUpperCase(),
            z.regex(REGION, 'must be 1-32 letters, digits, hyphens or underscores'),
          ),
      )
      .check(z.maxLength(50)),
  }),
);

export type AccountChange =
  | { kind: 'disable'; reason: string }
  | { kind: 'enable' }
  | { kind: 'grant'; role: Role }
  | { kind: 'revoke'; role: Role }
  | { kind: 'regions'; regions: string[] };

export const changeAction = (change: AccountChange): string =>
  ({
    disable: 'account.disabled',
    enable: 'account.enabled',
    grant: 'account.role-granted',
    revoke: 'account.role-revoked',
    regions: 'account.regions-set',
  })[change.kind];

/**
 * Applies a change to an account (or to the identity provider's view of a person Dangan keeps
 * no account for yet). Returns undefined when nothing would change. A security administrator may
 * not change their own account: nobody grants themselves a role or lifts their own suspension.
 */
export function applyAccountChange(
  current: Account,
  change: AccountChange,
  ctx: { actor: Actor; now: Date },
): Account | undefined {
  if (current.sub === ctx.actor.sub) {
    throw new Forbidden('a security administrator may not change their own account');
  }
  const next: Account = {
    ...current,
    roles: [...current.roles],
    ...(current.regions ? { regions: [...current.regions] } : {}),
  };
  switch (change.kind) {
    case 'disable':
      if (current.status === 'DISABLED') return undefined;
      next.status = 'DISABLED';
      next.reason = change.reason;
      break;
    case 'enable':
      if (current.status === 'ACTIVE') return undefined;
      next.status = 'ACTIVE';
      delete next.reason;
      break;
    case 'grant': {
      if (current.roles.includes(change.role)) return undefined;
      const roles = [...current.roles, change.role];
      const exclusive = forbiddenCombination(roles);
      if (exclusive.length > 0) {
        throw new Conflict(
          `${current.username} would hold ${roles.join(', ')}: ${exclusive.join(', ')} may not be combined with another role (三员分立)`,
          { roles: current.roles },
        );
      }
      next.roles = ROLES.filter((r) => roles.includes(r));
      break;
    }
    case 'revoke':
      if (!current.roles.includes(change.role)) return undefined;
      next.roles = current.roles.filter((r) => r !== change.role);
      break;
    case 'regions': {
      const regions = [...new Set(change.regions)].sort();
      const before = [...(current.regions ?? [])].sort();
      if (regions.join(',') === before.join(',')) return undefined;
      if (regions.length === 0) delete next.regions;
      else next.regions = regions;
      break;
    }
  }
  next.version = current.version + 1;
  next.updatedAt = ctx.now.toISOString();
  next.updatedBy = ctx.actor.username;
  return next;
}

/** An account for a person known only to the identity provider (version 0: never stored). */
export function accountFromDirectory(user: {
  sub: string;
  username: string;
  displayName?: string;
  enabled: boolean;
  groups: readonly string[];
  email?: string;
}): Account {
  return {
    sub: user.sub,
    username: user.username,
    ...(user.displayName ? { displayName: user.displayName } : {}),
    status: user.enabled ? 'ACTIVE' : 'DISABLED',
    roles: ROLES.filter((r) => user.groups.includes(r)),
    version: 0,
    updatedAt: '',
    updatedBy: '',
    ...(user.email ? { email: user.email } : {}),
  };
}

const SUB = /^[A-Za-z0-9-]{1,128}$/;

/** The path's userId (the identity provider's subject), or a 400 naming it. */
export function parseUserId(path: Record<string, string>): string {
  const id = path.userId;
  if (id === undefined || !SUB.test(id)) {
    throw new BadRequest(`userId ${JSON.stringify(id ?? '')} is not a user id`, [
      { path: 'userId', message: 'must be the user id (subject) as GET /users lists it' },
    ]);
  }
  return id;
}

/** The account as the API shows it. */
export function accountView(a: Account) {
  return {
    userId: a.sub,
    username: a.username,
    ...(a.displayName ? { displayName: a.displayName } : {}),
    status: a.status,
    roles: a.roles,
    ...(a.regions && a.regions.length > 0 ? { regions: a.regions } : {}),
    ...(a.reason === undefined ? {} : { reason: a.reason }),
    version: a.version,
    ...(a.updatedAt === '' ? {} : { updatedAt: a.updatedAt, updatedBy: a.updatedBy }),
    managed: a.version > 0,
  };
}

/**
 * A colleague as every signed-in person may see them (`GET /people`): who they are, by id,
 * username and the name to show; nothing of their state, roles or regions, which are the
 * security administrator's to see. A person without a display name is shown by username.
 */
export function personView(a: Pick<Account, 'sub' | 'username' | 'displayName'>) {
  return { userId: a.sub, username: a.username, displayName: a.displayName || a.username };
}
