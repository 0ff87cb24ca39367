/**
 * `config.json`, served beside the console: where the API is and how to sign in. The stack
 * writes it at deployment (Cognito hosted sign-in); the local gateway serves one for the local
 * token endpoint. The console has no other way to tell the two apart.
 */

export interface LocalAuth {
  kind: 'local';
}

export interface CognitoAuth {
  kind: 'cognito';
  /** Base URL of the hosted sign-in, e.g. https://dangan-1234.auth.ap-east-1.amazoncognito.com */
  domain: string;
  clientId: string;
  /** Where Cognito sends the browser back; the console's own origin when omitted. */
  redirectUri?: string;
  /** The scopes asked for; the stack writes them with the API's own (`API_SCOPE` in the catalog). */
  scopes: string[];
  region?: string;
  userPoolId?: string;
}

export interface ConsoleConfig {
  /** Base URL of the API; empty when the API is on the console's own origin. */
  apiUrl: string;
  auth: LocalAuth | CognitoAuth;
}

export async function loadConfig(): Promise<ConsoleConfig> {
  const res = await fetch(new URL('config.json', document.baseURI), { cache: 'no-store' });
  if (!res.ok) throw new Error(`config.json: HTTP ${res.status}`);
  const raw = (await res.json()) as Partial<ConsoleConfig>;
  const auth = raw.auth;
  if (!auth || (auth.kind !== 'local' && auth.kind !== 'cognito')) {
    throw new Error('config.json: auth.kind must be "local" or "cognito"');
  }
  if (auth.kind === 'cognito' && (!auth.domain || !auth.clientId || !Array.isArray(auth.scopes))) {
    throw new Error('config.json: cognito sign-in needs domain, clientId and scopes');
  }
  return { apiUrl: (raw.apiUrl ?? '').replace(/\/$/, ''), auth };
}
