/** Cognito groups. `staff` is any employee without an archive duty; every role may borrow. */
export const ROLES = [
  'clerk',
  'reviewer',
  'archivist',
  'approver',
  'auditor',
  'sysadmin',
  'secadmin',
  'staff',
] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

/**
 * The three administrators of 三员分立 (系统、安全、审计): each keeps to their own duty, and none
 * reads the content of a customer file.
 */
export const ADMINISTRATORS: readonly Role[] = ['sysadmin', 'secadmin', 'auditor'];

/** Every role but the ones given, in the order of ROLES. */
export const rolesExcept = (...excluded: readonly Role[]): Role[] =>
  ROLES.filter((r) => !excluded.includes(r));

/** The caller as the API sees it, taken from verified JWT claims. */
export interface Actor {
  sub: string;
  username: string;
  roles: Role[];
  /** Customer regions the person serves (from their account); absent means every region. */
  regions?: readonly string[];
}

export const hasAnyRole = (actor: Actor, roles: readonly Role[]): boolean =>
  actor.roles.some((r) => roles.includes(r));
