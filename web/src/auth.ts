import type { CognitoAuth, ConsoleConfig } from './config.ts';

/**
 * Signing in. On AWS: Cognito's hosted sign-in with the authorization code flow and PKCE (a
 * browser keeps no secret). On this machine: the local token endpoint for a seeded user. Both
 * end with an access token whose claims carry `sub`, `username` and `cognito:groups`.
 */

export interface Session {
  token: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  username: string;
  sub: string;
  groups: string[];
  refreshToken?: string;
}

const SESSION_KEY = 'dangan.session';
const PKCE_KEY = 'dangan.pkce';

function base64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomString(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** The claims of a JWT, unverified: the API verifies; the console only reads names and groups. */
export function claimsOf(token: string): Record<string, unknown> {
  const part = token.split('.')[1] ?? '';
  const json = atob(
    part
      .replace(/-/g, '+')
      .replace(/_/g, '/')
      .padEnd(Math.ceil(part.length / 4) * 4, '='),
  );
  const bytes = Uint8Array.from(json, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
}

function groupsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string')
    return value
      .replace(/^\[|\]$/g, '')
      .split(/[\s,]+/)
      .filter(Boolean);
  return [];
}

export function sessionFromToken(token: string, refreshToken?: string): Session {
  const c = claimsOf(token);
  const username = String(c.username ?? c['cognito:username'] ?? c.sub ?? '');
  return {
    token,
    expiresAt: typeof c.exp === 'number' ? c.exp * 1000 : Date.now() + 3600_000,
    username,
    sub: String(c.sub ?? ''),
    groups: groupsOf(c['cognito:groups']),
    ...(refreshToken ? { refreshToken } : {}),
  };
}

/** A minute of margin: a token about to expire is treated as gone. */
const EXPIRY_MARGIN_MS = 60_000;

/**
 * The session last signed in on this tab, expired or not: who it was (to renew it, or to say
 * whose session ran out).
 */
export function storedSession(): Session | undefined {
  const raw = sessionStorage.getItem(SESSION_KEY);
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as Session;
  } catch {
    sessionStorage.removeItem(SESSION_KEY);
    return undefined;
  }
}

/** The session, while its token is good for at least another minute. */
export function currentSession(): Session | undefined {
  const s = storedSession();
  return s && s.expiresAt - EXPIRY_MARGIN_MS >= Date.now() ? s : undefined;
}

export function saveSession(s: Session): void {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
}

export function clearSession(): void {
  sessionStorage.removeItem(SESSION_KEY);
}

// ---- Local ----------------------------------------------------------------------------------

export interface LocalUser {
  username: string;
  groups: string[];
  /** The name to show (the seeded users' display names). */
  name?: string;
}

export async function localUsers(config: ConsoleConfig): Promise<LocalUser[]> {
  const res = await fetch(`${config.apiUrl}/local/users`);
  if (!res.ok) throw new Error(`local users: HTTP ${res.status}`);
  return ((await res.json()) as { items: LocalUser[] }).items;
}

export async function localSignIn(config: ConsoleConfig, username: string): Promise<Session> {
  const res = await fetch(`${config.apiUrl}/local/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username }),
  });
  if (!res.ok) throw new Error(`sign-in as ${username}: HTTP ${res.status}`);
  const body = (await res.json()) as { token: string };
  const session = sessionFromToken(body.token);
  saveSession(session);
  return session;
}

// ---- Cognito hosted sign-in ------------------------------------------------------------------

const redirectUri = (auth: CognitoAuth) => auth.redirectUri ?? `${location.origin}/`;

export async function cognitoSignIn(auth: CognitoAuth): Promise<void> {
  const verifier = randomString(48);
  const state = randomString(16);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state, back: location.hash }));
  const url = new URL('/oauth2/authorize', auth.domain);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: auth.clientId,
    redirect_uri: redirectUri(auth),
    scope: auth.scopes.join(' '),
    state,
    code_challenge_method: 'S256',
    code_challenge: base64url(digest),
  }).toString();
  location.assign(url.toString());
}

/**
 * Finishes a hosted sign-in when the page was opened with `?code=&state=`: exchanges the code
 * for tokens with the PKCE verifier and removes the code from the address bar.
 */
export async function completeCognitoSignIn(auth: CognitoAuth): Promise<Session | undefined> {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  const error = params.get('error');
  if (!code && !error) return undefined;
  const saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) ?? 'null') as {
    verifier: string;
    state: string;
    back: string;
  } | null;
  sessionStorage.removeItem(PKCE_KEY);
  history.replaceState(null, '', `${location.pathname}${saved?.back ?? ''}`);
  if (error) throw new Error(`sign-in failed: ${params.get('error_description') ?? error}`);
  if (!saved || saved.state !== params.get('state')) throw new Error('sign-in failed: state does not match');
  const res = await fetch(new URL('/oauth2/token', auth.domain), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: auth.clientId,
      code: code ?? '',
      redirect_uri: redirectUri(auth),
      code_verifier: saved.verifier,
    }),
  });
  if (!res.ok) throw new Error(`sign-in failed: token endpoint answered ${res.status}`);
  const tokens = (await res.json()) as { access_token: string; refresh_token?: string };
  const session = sessionFromToken(tokens.access_token, tokens.refresh_token);
  saveSession(session);
  return session;
}

/**
 * A new token for the signed-in user without asking them: on AWS the refresh token (the hosted
 * sign-in's, valid for days) is exchanged at the token endpoint; locally the token endpoint issues
 * one for the same seeded user. Rejects when the session cannot be renewed.
 */
export async function renewSession(config: ConsoleConfig, s: Session): Promise<Session> {
  if (config.auth.kind === 'local') return localSignIn(config, s.username);
  if (!s.refreshToken) throw new Error('no refresh token');
  const res = await fetch(new URL('/oauth2/token', config.auth.domain), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: config.auth.clientId,
      refresh_token: s.refreshToken,
    }),
  });
  if (!res.ok) throw new Error(`token endpoint answered ${res.status}`);
  const tokens = (await res.json()) as { access_token: string };
  // Cognito answers a refresh without a new refresh token: the one held stays good.
  const renewed = sessionFromToken(tokens.access_token, s.refreshToken);
  saveSession(renewed);
  return renewed;
}

export function signOut(config: ConsoleConfig): void {
  clearSession();
  if (config.auth.kind === 'cognito') {
    const url = new URL('/logout', config.auth.domain);
    url.search = new URLSearchParams({
      client_id: config.auth.clientId,
      logout_uri: redirectUri(config.auth),
    }).toString();
    location.assign(url.toString());
    return;
  }
  location.hash = '#/login';
}
