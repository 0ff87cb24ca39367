import {
  AdminAddUserToGroupCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminRemoveUserFromGroupCommand,
  AdminUserGlobalSignOutCommand,
  CognitoIdentityProviderClient,
  ListUsersCommand,
  ListUsersInGroupCommand,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import { ROLES, type Role } from '../core/roles.ts';
import { userPoolId } from './env.ts';

/**
 * The identity provider's side of an account: the Cognito user pool, kept in step with the
 * accounts table, which is what Dangan decides on. Disabling a user also disables them in
 * Cognito (no new sign-in) and signs them out everywhere (no refresh); a granted role becomes a
 * group (in their next token); a revoked one is removed from the groups.
 *
 * Where no user pool is configured (`USER_POOL_ID` unset: the local realisation, whose identity
 * reads the accounts table itself), every call here does nothing and listing finds nobody.
 */

export const cognito = new CognitoIdentityProviderClient({});

export interface DirectoryUser {
  sub: string;
  username: string;
  /** The user's `name` attribute, when set. */
  displayName?: string;
  enabled: boolean;
  groups: Role[];
  /** Where notifications go; the pool's `email` attribute. */
  email?: string;
}

const attr = (u: UserType, name: string) => u.Attributes?.find((a) => a.Name === name)?.Value;

/** Every user of the pool with their role groups; empty where there is no pool. */
export async function listDirectoryUsers(): Promise<DirectoryUser[]> {
  const pool = userPoolId();
  if (pool === undefined) return [];
  const users = new Map<string, DirectoryUser>();
  let token: string | undefined;
  do {
    const res = await cognito.send(new ListUsersCommand({ UserPoolId: pool, PaginationToken: token }));
    for (const u of res.Users ?? []) {
      const sub = attr(u, 'sub');
      if (!sub || !u.Username) continue;
      const displayName = attr(u, 'name');
      const email = attr(u, 'email');
      users.set(u.Username, {
        sub,
        username: u.Username,
        ...(displayName ? { displayName } : {}),
        enabled: u.Enabled !== false,
        groups: [],
        ...(email ? { email } : {}),
      });
    }
    token = res.PaginationToken;
  } while (token);
  for (const role of ROLES) {
    let next: string | undefined;
    do {
      const res = await cognito.send(
        new ListUsersInGroupCommand({ UserPoolId: pool, GroupName: role, NextToken: next }),
      );
      for (const u of res.Users ?? []) users.get(u.Username ?? '')?.groups.push(role);
      next = res.NextToken;
    } while (next);
  }
  return [...users.values()];
}

/** Disables or enables the user; a disabled user is also signed out everywhere. */
export async function setUserEnabled(username: string, enabled: boolean): Promise<void> {
  const pool = userPoolId();
  if (pool === undefined) return;
  if (enabled) {
    await cognito.send(new AdminEnableUserCommand({ UserPoolId: pool, Username: username }));
    return;
  }
  await cognito.send(new AdminDisableUserCommand({ UserPoolId: pool, Username: username }));
  await cognito.send(new AdminUserGlobalSignOutCommand({ UserPoolId: pool, Username: username }));
}

export async function setUserGroup(username: string, role: Role, member: boolean): Promise<void> {
  const pool = userPoolId();
  if (pool === undefined) return;
  const input = { UserPoolId: pool, Username: username, GroupName: role };
  await cognito.send(
    member ? new AdminAddUserToGroupCommand(input) : new AdminRemoveUserFromGroupCommand(input),
  );
}
