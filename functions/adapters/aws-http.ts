import type { Agent as HttpAgent, IncomingHttpHeaders, IncomingMessage, RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Sha256 } from '@smithy/core/checksum';
import { buildQueryString, HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * Signed AWS requests without a service client: the SDK's SigV4 signer and credential chain,
 * Node's http module, and the SDK's standard retry rule. A service client carries the schemas
 * and endpoint rules of every operation of its service (esbuild cannot shake out the unused ones,
 * evanw/esbuild#4373); Dangan's functions call a handful of S3 operations (s3-http.ts) and one of
 * SES (ses-mail.ts), so they carry just those.
 */

/** Access key pair a client signs with instead of the role's (the local realisation's own clients). */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

// The role's credentials, resolved once and again only near their expiry, as the clients do.
const roleCredentials = defaultProvider();

// One signer per service and region for each set of credentials (the role's, or a local client's
// own), made on first use and kept while the function is warm.
const roleSigners = new Map<string, SignatureV4>();
const ownSigners = new WeakMap<AwsCredentials, Map<string, SignatureV4>>();

/** The SigV4 signer for `service` in `region`: the role's credentials unless others are given. */
export function signerFor(service: string, region: string, credentials?: AwsCredentials): SignatureV4 {
  let signers = roleSigners;
  if (credentials) {
    signers = ownSigners.get(credentials) ?? new Map();
    ownSigners.set(credentials, signers);
  }
  const id = `${service} ${region}`;
  let signer = signers.get(id);
  if (!signer) {
    signer = makeSigner(service, region, credentials ?? roleCredentials);
    signers.set(id, signer);
  }
  return signer;
}

function makeSigner(service: string, region: string, credentials: AwsCredentials | typeof roleCredentials) {
  return new SignatureV4({
    service,
    region,
    credentials,
    sha256: Sha256,
    // S3 signs the path as sent (its keys are encoded once); SES paths need no encoding.
    uriEscapePath: service !== 's3',
    // Requests carry their own x-amz-content-sha256 where the service wants it (S3).
    applyChecksum: false,
  });
}

export function regionOf(env: NodeJS.ProcessEnv = process.env): string {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new Error('no AWS region: AWS_REGION is not set');
  return region;
}

/**
 * A service's address: the SDK's endpoint settings when set (`AWS_ENDPOINT_URL_<ID>`, which is how
 * the local realisation is reached), else the region's (`.amazonaws.com.cn` in China).
 */
export function serviceEndpoint(id: string, host: string, env: NodeJS.ProcessEnv = process.env): URL {
  const configured = env[`AWS_ENDPOINT_URL_${id}`] ?? env.AWS_ENDPOINT_URL;
  if (configured) return new URL(configured);
  const region = regionOf(env);
  return new URL(`https://${host}.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`);
}

/** A body sent once from a stream: its length and SHA-256 are known before it is read. */
export interface StreamBody {
  stream: Readable;
  length: number;
  sha256Hex: string;
}

export interface SignedRequest {
  service: string;
  region: string;
  credentials?: AwsCredentials | undefined;
  endpoint: URL;
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  path: string;
  query?: Record<string, string> | undefined;
  headers: Record<string, string>;
  body?: Uint8Array | StreamBody | undefined;
  signingDate: Date;
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The answer's body, unread: the caller reads it whole or hands it on as a stream. */
  body: IncomingMessage;
}

// Connections kept open between invocations of a warm function, as the SDK's handler does.
const httpsAgent = new HttpsAgent({ keepAlive: true });

/**
 * Plain http is for local endpoints only (the local realisation): `node:http`, whose server half
 * costs every cold start a few milliseconds of CPU, is loaded the first time one is addressed, as
 * the SDK's own handler does.
 */
let plainHttp: Promise<{ agent: HttpAgent; request: typeof httpsRequest }> | undefined;
function httpTransport() {
  plainHttp ??= import('node:http').then((http) => ({
    agent: new http.Agent({ keepAlive: true }),
    request: http.request as typeof httpsRequest,
  }));
  return plainHttp;
}

/** Signs one request and sends it; whatever the status, the answer is returned. */
export async function sendSigned(request: SignedRequest): Promise<HttpAnswer> {
  const { endpoint, body } = request;
  const port = endpoint.port === '' ? undefined : Number(endpoint.port);
  const headers: Record<string, string> = {
    ...request.headers,
    host: `${endpoint.hostname}${port === undefined ? '' : `:${port}`}`,
  };
  if (body !== undefined || request.method === 'PUT' || request.method === 'POST')
    headers['content-length'] = String(body?.length ?? 0);
  const signed = await signerFor(request.service, request.region, request.credentials).sign(
    new HttpRequest({
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      ...(port === undefined ? {} : { port }),
      method: request.method,
      path: request.path,
      query: request.query ?? {},
      headers,
    }),
    { signingDate: request.signingDate },
  );
  const query = buildQueryString(signed.query ?? {});
  const transport =
    endpoint.protocol === 'https:' ? { agent: httpsAgent, request: httpsRequest } : await httpTransport();
  const options: RequestOptions = {
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    ...(port === undefined ? {} : { port }),
    method: signed.method,
    path: `${signed.path}${query ? `?${query}` : ''}`,
    headers: signed.headers,
    agent: transport.agent,
  };
  return new Promise((resolve, reject) => {
    const req = transport.request(options, (res) =>
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res }),
    );
    req.on('error', reject);
    if (body === undefined) req.end();
    else if ('stream' in body) {
      body.stream.on('error', (err) => req.destroy(err));
      body.stream.pipe(req);
    } else req.end(body);
  });
}

/** Reads an answer's body to its end, so its connection can carry the next request. */
export async function drain(answer: HttpAnswer): Promise<void> {
  for await (const _ of answer.body);
}

/** The whole of a body (an answer's, or a mocked one), as bytes. */
export async function readBytes(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The whole body of an answer, as text. */
export const readText = async (body: IncomingMessage): Promise<string> =>
  (await readBytes(body)).toString('utf8');

/** A service's refusal, named by its error code as the SDK names it, with the HTTP status. */
export class AwsServiceError extends Error {
  readonly $metadata: { httpStatusCode: number; requestId?: string };
  readonly Code: string;
  constructor(code: string, message: string, status: number, requestId?: string) {
    super(message || code);
    this.name = code;
    this.Code = code;
    this.$metadata = { httpStatusCode: status, ...(requestId ? { requestId } : {}) };
  }
}

/** The SDK's standard retry rule: three attempts, jittered exponential backoff. */
const MAX_ATTEMPTS = 3;
const RETRY_BASE_MS = 100;
const THROTTLING_CODES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestTimeTooSkewed',
  'RequestTimeout',
  'InternalError',
  'ServiceUnavailable',
]);
const TRANSIENT_STATUS = new Set([429, 500, 502, 503, 504]);
const TRANSIENT_NETWORK = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED']);

function isTransient(err: unknown): boolean {
  if (err instanceof AwsServiceError)
    return THROTTLING_CODES.has(err.name) || TRANSIENT_STATUS.has(err.$metadata.httpStatusCode);
  return TRANSIENT_NETWORK.has((err as NodeJS.ErrnoException | undefined)?.code ?? '');
}

/** Runs `attempt` until it succeeds, fails for good, or has been tried three times. */
export async function withRetries<T>(attempt: () => Promise<T>, replayable = true): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (!replayable || n >= MAX_ATTEMPTS || !isTransient(err)) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * RETRY_BASE_MS * 2 ** n));
    }
  }
}

/** A signature more than 15 minutes off the service's clock is refused; past 5 the offset is taken. */
const SKEW_CORRECTION_MS = 5 * 60_000;

/** The offset between this machine's clock and a service's, learnt from its Date header. */
export class ServiceClock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  /** Takes the service's time from an error answer when it differs more than signatures allow. */
  learn(answer: HttpAnswer, error: AwsServiceError): void {
    const serverTime = Date.parse(String(answer.headers.date ?? ''));
    if (Number.isNaN(serverTime)) return;
    const offset = serverTime - Date.now();
    if (error.name === 'RequestTimeTooSkewed' || Math.abs(offset - this.offsetMs) > SKEW_CORRECTION_MS)
      this.offsetMs = offset;
  }
}
