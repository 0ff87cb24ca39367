/**
 * Local identity: the stand-in for the Cognito user pool. Signing keys (RS256) are generated into
 * the data directory on first start and kept, so tokens stay valid across restarts; the seeded
 * users of every role live there too and may be edited. Tokens look like Cognito's: an access token
 * (`sub`, `username`, `cognito:groups`, `token_use: access`, `client_id`, `scope` with
 * `API_SCOPE`) and, as Cognito's token endpoint also returns one, an ID token (`token_use: id`,
 * `aud`, no scope). The local gateway verifies them exactly as API Gateway's JWT authorizer would:
 * signature against the JWKS, issuer, audience (`client_id` or `aud`), expiry, then the route's
 * scope, which only the access token carries.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';
import { API_SCOPE } from '../../functions/catalog.ts';
import { errorMessage } from '../../functions/core/errors.ts';
import { isRole, type Role } from '../../functions/core/roles.ts';

/** Issuer of local tokens: stable, so a token survives a restart on other ports. */
export const LOCAL_ISSUER = 'https://identity.dangan.local';
/** The app client the console and the API share (API Gateway's JWT authorizer audience). */
export const LOCAL_CLIENT_ID = 'dangan-local-console';
export const TOKEN_TTL_SECONDS = 3600;
const ALG = 'RS256';

export interface LocalUser {
  username: string;
  /** Stable per username: the same on every machine and after every restart. */
  sub: string;
  groups: Role[];
  name: string;
}

/** A stable UUID-shaped subject for a username (Cognito subjects are UUIDs). */
export function stableSub(username: string): string {
  const h = createHash('sha256').update(`dangan-local-user:${username}`).digest('hex');
  const variant = ((Number.parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const seed = (username: string, group: Role, name: string): LocalUser => ({
  username,
  sub: stableSub(username),
  groups: [group],
  name,
});

/** One or two people per role, enough for separation of duties and two-level approvals. */
export const SEED_USERS: readonly LocalUser[] = [
  seed('clerk1', 'clerk', '王芳'),
  seed('clerk2', 'clerk', '李娜'),
  seed('reviewer1', 'reviewer', '刘洋'),
  seed('reviewer2', 'reviewer', '陈静'),
  seed('archivist1', 'archivist', '赵磊'),
  seed('approver1', 'approver', '孙伟'),
  seed('approver2', 'approver', '周敏'),
  seed('auditor1', 'auditor', '吴强'),
  seed('sysadmin1', 'sysadmin', '郑涛'),
  seed('secadmin1', 'secadmin', '冯丽'),
  seed('staff1', 'staff', '何平'),
];

export interface IssuedToken {
  /** The access token: what the console and scripts send to the API. */
  token: string;
  /** The ID token Cognito returns beside it, for the client's own use; the API refuses it. */
  idToken: string;
  /** ISO time. */
  expiresAt: string;
  user: LocalUser;
}

export class UnknownUser extends Error {
  constructor(username: string) {
    super(`no local user named ${username}`);
    this.name = 'UnknownUser';
  }
}

export class InvalidToken extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidToken';
  }
}

/** A user is refused a token by a disabled account, like Cognito refuses a disabled user. */
export class UserDisabled extends Error {
  constructor(username: string) {
    super(`user ${username} is disabled`);
    this.name = 'UserDisabled';
  }
}

/** Dangan's account of a user (infra/local/accounts.ts), when it keeps one. */
export type AccountLookup = (sub: string) => Promise<{ status: string; roles: Role[] } | undefined>;

export interface Identity {
  issuer: string;
  clientId: string;
  jwks: JSONWebKeySet;
  users: readonly LocalUser[];
  /**
   * From now on tokens follow Dangan's accounts: a disabled account gets none, and the groups
   * are the roles the account grants (as the account functions keep Cognito's groups on AWS).
   */
  useAccounts(lookup: AccountLookup): void;
  issueToken(username: string, options?: { now?: Date; ttlSeconds?: number }): Promise<IssuedToken>;
  /** Verifies a bearer token as API Gateway's JWT authorizer does; throws InvalidToken. */
  verify(token: string, now?: Date): Promise<JWTPayload>;
}

interface StoredKey {
  kid: string;
  createdAt: string;
  privateJwk: JWK;
}

function writeAtomic(file: string, content: string, mode = 0o600): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, file);
}

async function loadOrCreateKey(dir: string): Promise<{ key: StoredKey; jwks: JSONWebKeySet }> {
  const keyFile = join(dir, 'signing-key.json');
  const jwksFile = join(dir, 'jwks.json');
  let key: StoredKey;
  if (existsSync(keyFile)) {
    key = JSON.parse(readFileSync(keyFile, 'utf8')) as StoredKey;
  } else {
    const { privateKey } = await generateKeyPair(ALG, { modulusLength: 2048, extractable: true });
    const privateJwk = await exportJWK(privateKey);
    key = { kid: randomUUID(), createdAt: new Date().toISOString(), privateJwk };
    writeAtomic(keyFile, `${JSON.stringify(key, null, 2)}\n`);
  }
  // The JWKS keeps every public key ever used here, so a key replaced by hand still verifies
  // tokens it issued until they expire.
  const publicJwk: JWK = {
    kty: key.privateJwk.kty,
    n: key.privateJwk.n,
    e: key.privateJwk.e,
    kid: key.kid,
    alg: ALG,
    use: 'sig',
  };
  let jwks: JSONWebKeySet = { keys: [] };
  if (existsSync(jwksFile)) jwks = JSON.parse(readFileSync(jwksFile, 'utf8')) as JSONWebKeySet;
  if (!jwks.keys.some((k) => k.kid === key.kid)) {
    jwks = { keys: [publicJwk, ...jwks.keys] };
    writeAtomic(jwksFile, `${JSON.stringify(jwks, null, 2)}\n`, 0o644);
  }
  return { key, jwks };
}

function parseUsers(raw: unknown, file: string): LocalUser[] {
  if (!Array.isArray(raw)) throw new Error(`${file}: expected an array of users`);
  return raw.map((u, i) => {
    const user = u as Partial<LocalUser>;
    if (typeof user.username !== 'string' || user.username === '') {
      throw new Error(`${file}[${i}]: username is required`);
    }
    const groups = Array.isArray(user.groups) ? user.groups : [];
    const bad = groups.filter((g) => typeof g !== 'string' || !isRole(g));
    if (bad.length > 0) throw new Error(`${file}[${i}]: unknown groups ${bad.join(', ')}`);
    return {
      username: user.username,
      sub: typeof user.sub === 'string' && user.sub !== '' ? user.sub : stableSub(user.username),
      groups: groups as Role[],
      name: typeof user.name === 'string' ? user.name : user.username,
    };
  });
}

function loadOrSeedUsers(dir: string): LocalUser[] {
  const file = join(dir, 'users.json');
  if (!existsSync(file)) {
    writeAtomic(file, `${JSON.stringify(SEED_USERS, null, 2)}\n`, 0o644);
    return [...SEED_USERS];
  }
  return parseUsers(JSON.parse(readFileSync(file, 'utf8')), file);
}

/** Loads (or on first start creates) the local identity under `<dataDir>/identity`. */
export async function loadIdentity(dataDir: string): Promise<Identity> {
  const dir = join(dataDir, 'identity');
  mkdirSync(dir, { recursive: true });
  const { key, jwks } = await loadOrCreateKey(dir);
  const users = loadOrSeedUsers(dir);
  const privateKey = await importJWK(key.privateJwk, ALG);
  const keySet = createLocalJWKSet(jwks);
  let accounts: AccountLookup | undefined;

  return {
    issuer: LOCAL_ISSUER,
    clientId: LOCAL_CLIENT_ID,
    jwks,
    users,
    useAccounts(lookup) {
      accounts = lookup;
    },
    async issueToken(username, options = {}) {
      const found = users.find((u) => u.username === username);
      if (!found) throw new UnknownUser(username);
      const account = await accounts?.(found.sub);
      if (account?.status === 'DISABLED') throw new UserDisabled(username);
      const user = account ? { ...found, groups: account.roles } : found;
      const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
      const exp = now + (options.ttlSeconds ?? TOKEN_TTL_SECONDS);
      const sign = (claims: JWTPayload) =>
        new SignJWT({ 'cognito:groups': user.groups, auth_time: now, ...claims })
          .setProtectedHeader({ alg: ALG, kid: key.kid, typ: 'JWT' })
          .setIssuer(LOCAL_ISSUER)
          .setSubject(user.sub)
          .setJti(randomUUID())
          .setIssuedAt(now)
          .setExpirationTime(exp)
          .sign(privateKey);
      const token = await sign({
        username: user.username,
        token_use: 'access',
        scope: `openid email profile ${API_SCOPE.claim}`,
        client_id: LOCAL_CLIENT_ID,
      });
      const idToken = await sign({
        'cognito:username': user.username,
        name: user.name,
        token_use: 'id',
        aud: LOCAL_CLIENT_ID,
      });
      return { token, idToken, expiresAt: new Date(exp * 1000).toISOString(), user };
    },
    async verify(token, now) {
      try {
        const { payload } = await jwtVerify(token, keySet, {
          issuer: LOCAL_ISSUER,
          algorithms: [ALG],
          requiredClaims: ['exp', 'sub'],
          ...(now ? { currentDate: now } : {}),
        });
        // API Gateway accepts a token whose `aud` or `client_id` names a configured audience.
        const aud = payload.aud;
        const audiences = Array.isArray(aud) ? aud : aud === undefined ? [] : [aud];
        if (payload.client_id !== LOCAL_CLIENT_ID && !audiences.includes(LOCAL_CLIENT_ID)) {
          throw new InvalidToken('token was not issued for this API');
        }
        return payload;
      } catch (err) {
        if (err instanceof InvalidToken) throw err;
        throw new InvalidToken(errorMessage(err));
      }
    },
  };
}
