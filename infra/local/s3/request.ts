/**
 * What every operation of the local S3 shares: the parsed request, the endpoint's state, and the
 * helpers that read small request bodies and write responses the way S3 does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseXml, renderXml, type XmlElement, type XmlNode } from '../../../functions/adapters/xml.ts';
import { declaredChecksum, receiveBody, verifyBody } from './body.ts';
import { checksumHeader } from './checksums.ts';
import { errors, S3Error } from './errors.ts';
import type { AuthResult } from './sigv4.ts';
import type { BucketMeta, ObjectVersion, Store, StoredChecksum } from './store.ts';

/** One request, addressed path-style as `/<bucket>/<key>`, its signature already verified. */
export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  bucket: string;
  key: string;
  query: Map<string, string>;
  /** Lower-cased request headers, plus x-amz-* values hoisted into a presigned URL's query. */
  headers: Record<string, string>;
  auth: AuthResult;
  requestId: string;
}

/** The endpoint's state as operations see it. */
export interface LocalS3 {
  readonly store: Store;
  /** Now, as Object Lock judges it (epoch ms). */
  lockNow(): number;
  /**
   * Reports a created object once the current response has been written; not awaited, a failing
   * callback is logged only.
   */
  notify(eventName: string, bucket: BucketMeta, key: string, version: ObjectVersion): void;
  /**
   * Throws AccessDenied unless the signer may take these actions on what the request names
   * (access.ts); absent, every verified signer may do everything.
   */
  authorize?(ctx: Ctx, actions: string[]): Promise<void>;
}

/** One S3 operation: answers the request or throws an S3Error. */
export type Operation = (s3: LocalS3, ctx: Ctx) => Promise<void> | void;

export const OWNER: XmlNode = [
  'Owner',
  [
    ['ID', '75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a'],
    ['DisplayName', 'dangan-local'],
  ],
];

export function httpDate(iso: string): string {
  return new Date(iso).toUTCString();
}

export function isoNow(): string {
  return new Date().toISOString();
}

export function stripQuotes(etag: string): string {
  return etag.replace(/^W\//, '').replace(/"/g, '').trim();
}

export function etagMatches(condition: string, etag: string): boolean {
  const wanted = stripQuotes(etag);
  return condition.split(',').some((c) => c.trim() === '*' || stripQuotes(c) === wanted);
}

export function requireBucket(s3: LocalS3, name: string): BucketMeta {
  const b = s3.store.getBucket(name);
  if (!b) throw errors.noSuchBucket(name);
  return b;
}

export function versionHeaders(meta: BucketMeta, version: ObjectVersion): Record<string, string> {
  return meta.versioning !== undefined ? { 'x-amz-version-id': version.versionId } : {};
}

export function checksumResponseHeaders(checksum: StoredChecksum | undefined): Record<string, string> {
  if (!checksum) return {};
  return { [checksumHeader(checksum.algorithm)]: checksum.value, 'x-amz-checksum-type': checksum.type };
}

/** A `max-keys`-like query parameter: 1000 when absent, at most 1000. */
export function maxKeys(ctx: Ctx, name = 'max-keys'): number {
  const raw = ctx.query.get(name);
  if (raw === undefined) return 1000;
  if (!/^\d+$/.test(raw))
    throw errors.invalidArgument('Provided max-keys not an integer or within integer range', name, raw);
  return Math.min(Number(raw), 1000);
}

/** Reads a small (XML) request body, verifying its signature and checksums. */
export async function readSmallBody(ctx: Ctx, requireIntegrity = false): Promise<Buffer> {
  const declared = declaredChecksum(ctx.headers);
  if (requireIntegrity && !declared.algorithm && ctx.headers['content-md5'] === undefined) {
    throw errors.invalidRequest('Missing required header for this request: Content-MD5');
  }
  const body = await receiveBody(ctx.req, {
    auth: ctx.auth,
    headers: ctx.headers,
    algorithms: declared.algorithm ? [declared.algorithm] : [],
    maxMemory: 2 * 1024 * 1024,
  });
  verifyBody(body, ctx.headers, ctx.auth, declared);
  return body.data ?? Buffer.alloc(0);
}

export function parseXmlBody(data: Buffer | undefined): XmlElement {
  try {
    return parseXml((data ?? Buffer.alloc(0)).toString('utf8'));
  } catch {
    throw errors.malformedXml();
  }
}

/** Writes a response: an XML document when `body` is given, else an empty one. */
export function send(ctx: Ctx, status: number, headers: Record<string, string> = {}, body?: string): void {
  if (body !== undefined) {
    ctx.res.writeHead(status, {
      'content-type': 'application/xml',
      'content-length': String(Buffer.byteLength(body)),
      ...headers,
    });
    ctx.res.end(body);
  } else {
    ctx.res.writeHead(status, { 'content-length': '0', ...headers });
    ctx.res.end();
  }
}

/** Answers a failed request with S3's `<Error>` document (no body for HEAD). */
export function sendError(
  res: ServerResponse,
  method: string,
  resource: string,
  requestId: string,
  e: unknown,
): void {
  let err: S3Error;
  if (e instanceof S3Error) err = e;
  else {
    console.error('local s3: internal error', e);
    err = new S3Error('InternalError', 500, 'We encountered an internal error. Please try again.');
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const extra: XmlNode[] = Object.entries(err.extra).map(([k, v]) => [k, v]);
  const xml = renderXml(
    'Error',
    [
      ['Code', err.code],
      ['Message', err.message],
      ...extra,
      ['Resource', resource],
      ['RequestId', requestId],
      ['HostId', String(res.getHeader('x-amz-id-2') ?? '')],
    ],
    false,
  );
  for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v);
  if (method === 'HEAD') {
    res.writeHead(err.status);
    res.end();
    return;
  }
  res.writeHead(err.status, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(xml),
  });
  res.end(xml);
}
