import { Readable } from 'node:stream';
import { ApiError, CommandFailure, type Heading, UsageError, unreachable } from './errors.ts';

/**
 * Dangan's API as any client sees it: a base URL and a bearer token. On AWS the token is the
 * caller's Cognito access token (DANGAN_TOKEN); against a local system (`npm start`) a username
 * (DANGAN_USER) is exchanged for one at `/local/token`, as the console and the tests do. Shared by
 * the commands of scripts/ (export, import); each names its failures with its own heading.
 */

export interface ApiClient {
  readonly baseUrl: string;
  /** The caller as the token names them (for the command's records; the API decides what they may do). */
  readonly username: string;
  /** The token's groups, when it carries them. */
  readonly groups: readonly string[] | undefined;
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body: unknown): Promise<T>;
  /** The body of a presigned URL the API handed out, as a stream (sent without the token). */
  download(url: string): Promise<Readable>;
}

export type Fetch = typeof fetch;

/**
 * How a command's requests are repeated when the API is momentarily unable to answer: a route's
 * throttle (429), a function that failed or ran out of time (500, 502, 503, 504), or no answer at
 * all. Only for a command whose every request is safe to send twice (the import's are: rows, uploads
 * and batches are found again by their numbers); others fail on the first such answer.
 */
export interface Retries {
  /** Repeats after the first attempt. */
  times: number;
  /** The wait before the first repeat, doubled before each next one. */
  firstDelayMs: number;
}

const NO_RETRIES: Retries = { times: 0, firstDelayMs: 0 };
const TRANSIENT = new Set([429, 500, 502, 503, 504]);

export async function connect(
  env: NodeJS.ProcessEnv,
  heading: Heading,
  fetchImpl: Fetch = fetch,
  retries: Retries = NO_RETRIES,
): Promise<ApiClient> {
  const baseUrl = (env.DANGAN_API ?? '').trim().replace(/\/+$/, '');
  if (!/^https?:\/\/\S+$/.test(baseUrl)) {
    throw new UsageError(
      '须在 DANGAN_API 中给出接口地址（http:// 或 https://）',
      'set DANGAN_API to the API URL (http:// or https://)',
    );
  }
  const token = env.DANGAN_TOKEN?.trim() || (await localToken(baseUrl, env.DANGAN_USER, heading, fetchImpl));
  const claims = tokenClaims(token);
  return new HttpApiClient(baseUrl, token, claims, heading, fetchImpl, retries);
}

async function localToken(
  baseUrl: string,
  username: string | undefined,
  heading: Heading,
  fetchImpl: Fetch,
): Promise<string> {
  if (!username?.trim()) {
    throw new UsageError(
      '须给出 DANGAN_TOKEN（访问令牌），或对本机系统给出 DANGAN_USER（用户名）',
      'set DANGAN_TOKEN (a bearer token) or, against a local system, DANGAN_USER (a username)',
    );
  }
  const url = `${baseUrl}/local/token`;
  const res = await fetchImpl(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: username.trim() }),
  }).catch((err: unknown) => {
    throw unreachable(heading, url, err);
  });
  const body = (await res.json().catch(() => ({}))) as { token?: string; error?: { message?: string } };
  if (res.status !== 200 || typeof body.token !== 'string') {
    throw new ApiError(heading, res.status, 'POST /local/token', body.error?.message ?? 'no token');
  }
  return body.token;
}

/** The token's payload, read without checking it: the API checks it on every request. */
function tokenClaims(token: string): Record<string, unknown> {
  try {
    const payload = token.split('.')[1] ?? '';
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

class HttpApiClient implements ApiClient {
  readonly username: string;
  readonly groups: readonly string[] | undefined;

  constructor(
    readonly baseUrl: string,
    private readonly token: string,
    claims: Record<string, unknown>,
    private readonly heading: Heading,
    private readonly fetchImpl: Fetch,
    private readonly retries: Retries,
  ) {
    const name = claims.username ?? claims['cognito:username'] ?? claims.sub;
    this.username = typeof name === 'string' ? name : 'unknown';
    const groups = claims['cognito:groups'];
    this.groups = Array.isArray(groups) ? groups.map(String) : undefined;
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once<T>(method, path, body);
      } catch (err) {
        const transient =
          err instanceof CommandFailure && (!(err instanceof ApiError) || TRANSIENT.has(err.status));
        if (!transient || attempt >= this.retries.times) throw err;
        await new Promise((r) => setTimeout(r, this.retries.firstDelayMs * 2 ** attempt));
      }
    }
  }

  private async once<T>(method: string, path: string, body?: unknown): Promise<T> {
    const request = `${method} ${path.split('?')[0]}`;
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      throw unreachable(this.heading, `${this.baseUrl}${path.split('?')[0]}`, err);
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? {} : JSON.parse(text);
    } catch {
      parsed = { error: { message: text.slice(0, 200) } };
    }
    if (res.status < 200 || res.status > 299) {
      const message = (parsed as { error?: { message?: string } }).error?.message ?? res.statusText;
      throw new ApiError(this.heading, res.status, request, message);
    }
    return parsed as T;
  }

  async download(url: string): Promise<Readable> {
    const res = await this.fetchImpl(url).catch((err: unknown) => {
      throw unreachable(this.heading, url, err);
    });
    if (res.status !== 200 || !res.body) {
      throw new ApiError(this.heading, res.status, 'GET (content URL)', (await res.text()).slice(0, 200));
    }
    return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
  }
}
