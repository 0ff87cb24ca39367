import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader, importJWK, type JWK, SignJWT } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROLES } from '../../functions/core/roles.ts';
import {
  InvalidToken,
  LOCAL_CLIENT_ID,
  LOCAL_ISSUER,
  loadIdentity,
  SEED_USERS,
  stableSub,
  UnknownUser,
} from '../../infra/local/identity.ts';

let dataDir: string;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'dangan-identity-'));
});

afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe('local identity', () => {
  it('seeds a user for every role, with stable UUID subjects', async () => {
    const identity = await loadIdentity(dataDir);
    const groups = new Set(identity.users.flatMap((u) => u.groups));
    for (const role of ROLES) expect(groups).toContain(role);
    for (const name of [
      'clerk1',
      'clerk2',
      'reviewer1',
      'reviewer2',
      'archivist1',
      'approver1',
      'approver2',
    ]) {
      expect(identity.users.map((u) => u.username)).toContain(name);
    }
    const clerk = identity.users.find((u) => u.username === 'clerk1');
    expect(clerk?.sub).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(clerk?.sub).toBe(stableSub('clerk1'));
    expect(new Set(identity.users.map((u) => u.sub)).size).toBe(identity.users.length);
    // Stored in the data directory.
    const stored = JSON.parse(readFileSync(join(dataDir, 'identity', 'users.json'), 'utf8')) as unknown[];
    expect(stored).toEqual(SEED_USERS);
  });

  it('issues Cognito-shaped access tokens that it verifies', async () => {
    const identity = await loadIdentity(dataDir);
    const issued = await identity.issueToken('reviewer1');
    const claims = decodeJwt(issued.token);
    expect(claims).toMatchObject({
      sub: stableSub('reviewer1'),
      username: 'reviewer1',
      'cognito:groups': ['reviewer'],
      iss: LOCAL_ISSUER,
      token_use: 'access',
      client_id: LOCAL_CLIENT_ID,
    });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(3600);
    expect(issued.expiresAt).toBe(new Date((claims.exp ?? 0) * 1000).toISOString());
    expect(decodeProtectedHeader(issued.token)).toMatchObject({
      alg: 'RS256',
      kid: identity.jwks.keys[0]?.kid,
    });
    await expect(identity.verify(issued.token)).resolves.toMatchObject({ username: 'reviewer1' });
  });

  it('keeps its signing key: a token survives a restart', async () => {
    const first = await loadIdentity(dataDir);
    const { token } = await first.issueToken('clerk1');
    const second = await loadIdentity(dataDir);
    expect(second.jwks).toEqual(first.jwks);
    await expect(second.verify(token)).resolves.toMatchObject({ sub: stableSub('clerk1') });
    expect(statSync(join(dataDir, 'identity', 'signing-key.json')).mode & 0o077).toBe(0);
    // The JWKS holds the public key only.
    expect(first.jwks.keys[0]).not.toHaveProperty('d');
  });

  it('refuses tokens of another data directory, expired, tampered, or for another audience', async () => {
    const identity = await loadIdentity(dataDir);
    const otherDir = mkdtempSync(join(tmpdir(), 'dangan-identity-other-'));
    try {
      const other = await loadIdentity(otherDir);
      const foreign = await other.issueToken('clerk1');
      await expect(identity.verify(foreign.token)).rejects.toThrow(InvalidToken);
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }

    const old = await identity.issueToken('clerk1', { now: new Date(Date.now() - 2 * 3600_000) });
    await expect(identity.verify(old.token)).rejects.toThrow(/exp/);

    const { token } = await identity.issueToken('clerk1');
    const [h, p, s] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    claims['cognito:groups'] = ['archivist'];
    const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    await expect(identity.verify(forged)).rejects.toThrow(InvalidToken);

    // Signed with the local key itself but for another app client: the audience check refuses it.
    const stored = JSON.parse(readFileSync(join(dataDir, 'identity', 'signing-key.json'), 'utf8')) as {
      kid: string;
      privateJwk: JWK;
    };
    const otherAudience = await new SignJWT({ client_id: 'someone-else', username: 'clerk1' })
      .setProtectedHeader({ alg: 'RS256', kid: stored.kid })
      .setIssuer(LOCAL_ISSUER)
      .setSubject(stableSub('clerk1'))
      .setExpirationTime('1h')
      .sign(await importJWK(stored.privateJwk, 'RS256'));
    await expect(identity.verify(otherAudience)).rejects.toThrow(/not issued for this API/);

    // Another issuer, same key.
    const otherIssuer = await new SignJWT({ client_id: LOCAL_CLIENT_ID })
      .setProtectedHeader({ alg: 'RS256', kid: stored.kid })
      .setIssuer('https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other')
      .setSubject(stableSub('clerk1'))
      .setExpirationTime('1h')
      .sign(await importJWK(stored.privateJwk, 'RS256'));
    await expect(identity.verify(otherIssuer)).rejects.toThrow(/iss/);

    await expect(identity.verify('not-a-jwt')).rejects.toThrow(InvalidToken);
  });

  it('knows only its users, and reads users edited in the data directory', async () => {
    const identity = await loadIdentity(dataDir);
    await expect(identity.issueToken('mallory')).rejects.toThrow(UnknownUser);

    writeFileSync(
      join(dataDir, 'identity', 'users.json'),
      JSON.stringify([{ username: 'lead1', groups: ['reviewer', 'archivist'] }]),
    );
    const edited = await loadIdentity(dataDir);
    const { token, user } = await edited.issueToken('lead1');
    expect(user).toEqual({
      username: 'lead1',
      sub: stableSub('lead1'),
      groups: ['reviewer', 'archivist'],
      name: 'lead1',
    });
    expect(decodeJwt(token)['cognito:groups']).toEqual(['reviewer', 'archivist']);

    writeFileSync(
      join(dataDir, 'identity', 'users.json'),
      JSON.stringify([{ username: 'x', groups: ['root'] }]),
    );
    await expect(loadIdentity(dataDir)).rejects.toThrow(/unknown groups root/);
  });
});
