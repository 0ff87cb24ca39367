import { createHash } from 'node:crypto';
import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { buildQueryString, HttpRequest } from '@smithy/core/protocols';
import type { HttpRequest as SignedRequest } from '@smithy/types';
import { regionOf, type S3Credentials, s3Endpoint, s3Path, s3Signer } from './s3-presign.ts';
import { childText, parseXml } from './xml.ts';

/**
 * The functions' S3 client: the REST calls of the operations Dangan sends (s3-commands.ts), signed
 * with the SDK's own SigV4 signer and sent with Node's http module. The SDK's S3 client carries
 * the schemas, endpoint rules and XML code of every S3 operation (about 150 KB of each bundle that
 * sends S3 requests, and ~20 ms of CPU at every cold start, esbuild#4373); this is the part of it
 * Dangan uses, with the same shape (`send(new GetObjectCommand({...}))`, the SDK's input and output
 * names, errors named by S3's code with `$metadata.httpStatusCode`), so the call sites read as
 * before and the unit tests' mocks (aws-sdk-client-mock stubs `send`) still apply.
 *
 * What the SDK does that matters here, done the same way: path-style addressing on the regional
 * endpoint or AWS_ENDPOINT_URL_S3, the role's credentials from the SDK's provider chain, up to
 * three attempts with jittered backoff for throttling, 5xx answers and dropped connections (a
 * streamed body is sent once), the clock offset learnt from S3's Date header when it refuses a
 * request as skewed, and an error inside a 200 answer (CopyObject, CompleteMultipartUpload)
 * thrown as an error. Every body is signed (x-amz-content-sha256) and carries its checksum.
 */

/** A body sent once from a stream: its length and SHA-256 are known before it is read. */
export interface StreamBody {
  stream: Readable;
  length: number;
  sha256Hex: string;
}

export interface S3Request {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  bucket: string;
  key?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Uint8Array | StreamBody;
}

export interface S3Response {
  status: number;
  headers: IncomingHttpHeaders;
  /** The answer's body, unread: a command reads it whole or hands it on as a stream. */
  body: IncomingMessage;
}

/** One operation: how its input becomes a request and the answer its output. */
export abstract class S3Command<Input, Output> {
  constructor(readonly input: Input) {}
  abstract request(): S3Request;
  abstract output(response: S3Response): Promise<Output>;
}

/** S3's refusal, named by its error code as the SDK names it (`NoSuchKey`, `AccessDenied`, …). */
export class S3ServiceError extends Error {
  readonly $metadata: { httpStatusCode: number; requestId?: string };
  readonly Code: string;
  constructor(code: string, message: string, status: number, requestId?: string) {
    super(message || code);
    this.name = code;
    this.Code = code;
    this.$metadata = { httpStatusCode: status, ...(requestId ? { requestId } : {}) };
  }
}

const MAX_ATTEMPTS = 3;
const RETRY_BASE_MS = 100;
const RETRYABLE_CODES = new Set([
  'SlowDown',
  'InternalError',
  'ServiceUnavailable',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'Throttling',
  'ThrottlingException',
  'RequestThrottled',
]);
const RETRYABLE_STATUS = new Set([500, 502, 503, 504]);
const RETRYABLE_NETWORK = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED']);
/** S3 refuses a signature more than 15 minutes off its clock; the offset is corrected past 5. */
const SKEW_CORRECTION_MS = 5 * 60_000;

// Connections kept open between invocations of a warm function, as the SDK's handler does.
const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

export interface S3ClientOptions {
  /** Signs with these keys rather than the role's. */
  credentials?: S3Credentials;
  /** S3's address; by default AWS_ENDPOINT_URL_S3 or the region's endpoint. */
  endpoint?: string;
  region?: string;
}

export class S3Client {
  private clockOffsetMs = 0;
  constructor(private readonly options: S3ClientOptions = {}) {}

  async send<Input, Output>(command: S3Command<Input, Output>): Promise<Output> {
    const request = command.request();
    const replayable = !(request.body && 'stream' in request.body);
    for (let attempt = 1; ; attempt++) {
      try {
        return await command.output(await this.exchange(request));
      } catch (err) {
        if (!replayable || attempt >= MAX_ATTEMPTS || !isTransient(err)) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * RETRY_BASE_MS * 2 ** attempt));
      }
    }
  }

  /** Signs and sends one request; an error answer is thrown as an S3ServiceError. */
  private async exchange(request: S3Request): Promise<S3Response> {
    const endpoint = this.options.endpoint ? new URL(this.options.endpoint) : s3Endpoint();
    const port = endpoint.port === '' ? undefined : Number(endpoint.port);
    const host = `${endpoint.hostname}${port === undefined ? '' : `:${port}`}`;
    const body = request.body;
    const headers: Record<string, string> = {
      ...request.headers,
      host,
      'x-amz-content-sha256': payloadHash(body),
    };
    if (body !== undefined || request.method === 'PUT' || request.method === 'POST')
      headers['content-length'] = String(
        body === undefined ? 0 : 'stream' in body ? body.length : body.length,
      );
    const signed = await s3Signer(this.options.region ?? regionOf(), this.options.credentials).sign(
      new HttpRequest({
        protocol: endpoint.protocol,
        hostname: endpoint.hostname,
        ...(port === undefined ? {} : { port }),
        method: request.method,
        path: s3Path(endpoint, request.bucket, request.key),
        query: request.query ?? {},
        headers,
      }),
      { signingDate: new Date(Date.now() + this.clockOffsetMs) },
    );
    const query = buildQueryString(signed.query ?? {});
    const response = await transmit(endpoint, `${signed.path}${query ? `?${query}` : ''}`, signed, body);
    if (response.status < 300) return response;
    const error = await errorOf(response);
    this.learnClock(response, error);
    throw error;
  }

  /** Takes S3's clock when it differs from ours by more than S3 lets a signature differ. */
  private learnClock(response: S3Response, error: S3ServiceError): void {
    const serverTime = Date.parse(String(response.headers.date ?? ''));
    if (Number.isNaN(serverTime)) return;
    const offset = serverTime - Date.now();
    if (error.name === 'RequestTimeTooSkewed' || Math.abs(offset - this.clockOffsetMs) > SKEW_CORRECTION_MS)
      this.clockOffsetMs = offset;
  }
}

function payloadHash(body: S3Request['body']): string {
  if (body === undefined) return createHash('sha256').digest('hex');
  if ('stream' in body) return body.sha256Hex;
  return createHash('sha256').update(body).digest('hex');
}

function transmit(
  endpoint: URL,
  pathAndQuery: string,
  signed: SignedRequest,
  body: S3Request['body'],
): Promise<S3Response> {
  const https = endpoint.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(
      {
        protocol: endpoint.protocol,
        hostname: endpoint.hostname,
        ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
        method: signed.method,
        path: pathAndQuery,
        headers: signed.headers,
        agent: https ? agents.https : agents.http,
      },
      (res) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res }),
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
export async function drain(response: S3Response): Promise<void> {
  for await (const _ of response.body);
}

/** The whole body of an answer, as text. */
export async function readText(body: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The error an answer carries: S3's code and message, or (a HEAD has no body) its status's name. */
async function errorOf(response: S3Response): Promise<S3ServiceError> {
  const text = await readText(response.body);
  const requestId = response.headers['x-amz-request-id'] as string | undefined;
  if (text.trim() !== '') {
    try {
      const root = parseXml(text);
      const code = childText(root, 'Code');
      if (root.name === 'Error' && code)
        return new S3ServiceError(code, childText(root, 'Message') ?? '', response.status, requestId);
    } catch {
      // Not S3's XML (a proxy's page): named by the status below.
    }
  }
  return new S3ServiceError(
    STATUS_NAMES[response.status] ?? `Http${response.status}`,
    text.slice(0, 200),
    response.status,
    requestId,
  );
}

/** How the SDK names an error answer without a body. */
const STATUS_NAMES: Record<number, string> = {
  301: 'PermanentRedirect',
  304: 'NotModified',
  400: 'BadRequest',
  403: 'Forbidden',
  404: 'NotFound',
  412: 'PreconditionFailed',
  503: 'ServiceUnavailable',
};

/**
 * The XML document of a 200 answer; S3 may answer 200 and then report an error in the body
 * (CopyObject, CompleteMultipartUpload), which is thrown as it would have been with its status.
 */
export async function readResult(response: S3Response) {
  const root = parseXml(await readText(response.body));
  if (root.name === 'Error') {
    const code = childText(root, 'Code') ?? 'InternalError';
    throw new S3ServiceError(code, childText(root, 'Message') ?? '', code === 'InternalError' ? 500 : 400);
  }
  return root;
}

function isTransient(err: unknown): boolean {
  if (err instanceof S3ServiceError)
    return RETRYABLE_CODES.has(err.name) || RETRYABLE_STATUS.has(err.$metadata.httpStatusCode);
  return RETRYABLE_NETWORK.has((err as NodeJS.ErrnoException | undefined)?.code ?? '');
}
