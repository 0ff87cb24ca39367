/**
 * Dangan's local S3: an S3-compatible HTTP endpoint (path-style addressing) that persists buckets,
 * object versions, metadata, tags, retention and legal holds under a data directory.
 *
 * It verifies SigV4 (header-signed and presigned), checksums (Content-MD5, x-amz-content-sha256,
 * x-amz-checksum-* incl. aws-chunked trailers), enforces Object Lock, answers CORS preflights for
 * buckets that enable it, and reports ObjectCreated events to a callback.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { declaredChecksum, type ReceivedBody, receiveBody, verifyBody } from './body.ts';
import {
  type ChecksumAlgorithm,
  checksumHeader,
  createChecksum,
  parseChecksumAlgorithm,
} from './checksums.ts';
import { errors, S3Error } from './errors.ts';
import type { S3ObjectCreatedRecord } from './events.ts';
import { type AuthResult, parseRawQuery, safeDecode, uriEncode, verifySignature } from './sigv4.ts';
import {
  type BucketMeta,
  compareKeys,
  isWellFormedVersionId,
  type LockMode,
  type MultipartUpload,
  newVersionId,
  type ObjectEntry,
  type ObjectVersion,
  Store,
  type StoredChecksum,
} from './store.ts';
import { child, children, childText, parseXml, renderXml, type XmlElement, type XmlNode } from './xml.ts';

export { encodeEventKey, type S3ObjectCreatedRecord, toS3Event } from './events.ts';

export interface LocalS3Options {
  /** Interface to listen on; default '127.0.0.1'. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Objects and metadata are persisted here and survive a restart. */
  dataDir: string;
  region: string;
  /** accessKeyId -> secretAccessKey pairs that are accepted. */
  credentials: Record<string, string>;
  /**
   * Created at start when absent. For an existing bucket, `cors` is updated and object lock / versioning
   * are switched on when requested (they are never switched off, as in S3).
   */
  buckets?: { name: string; objectLock?: boolean; versioning?: boolean; cors?: boolean }[];
  /**
   * Called after each successful PutObject, CopyObject and CompleteMultipartUpload, once the
   * response has been written; not awaited, errors are logged only.
   */
  onObjectCreated?: (record: S3ObjectCreatedRecord) => Promise<void> | void;
  /**
   * The time Object Lock retention is judged by, in epoch milliseconds (default: the system
   * clock). Signatures and presigned URLs always use the system clock, as clients sign with it.
   * The local realisation passes the functions' clock, so moving its test clock past a
   * retain-until date lets a delete through, as the passing of time would on AWS.
   */
  lockClock?: () => number;
}

export interface LocalS3Server {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const OWNER_ID = '75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a';
const OWNER_NAME = 'dangan-local';
const MIN_PART_SIZE = 5 * 1024 * 1024;
const MAX_METADATA_BYTES = 2048;
const CORS_METHODS = ['GET', 'PUT', 'HEAD'];
const CORS_EXPOSE = [
  'ETag',
  'x-amz-version-id',
  'x-amz-request-id',
  'x-amz-checksum-sha256',
  'x-amz-delete-marker',
];

interface Ctx {
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

function isLocalOrigin(origin: string): boolean {
  try {
    const host = new URL(origin).hostname;
    return host === 'localhost' || host.endsWith('.localhost') || host === '127.0.0.1' || host === '[::1]';
  } catch {
    return false;
  }
}

function httpDate(iso: string): string {
  return new Date(iso).toUTCString();
}

function isoNow(): string {
  return new Date().toISOString();
}

function stripQuotes(etag: string): string {
  return etag.replace(/^W\//, '').replace(/"/g, '').trim();
}

function etagMatches(condition: string, etag: string): boolean {
  const wanted = stripQuotes(etag);
  return condition.split(',').some((c) => c.trim() === '*' || stripQuotes(c) === wanted);
}

function isValidBucketName(name: string): boolean {
  return (
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) &&
    !name.includes('..') &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name)
  );
}

function parseTagSet(value: string): [string, string][] {
  const tags: [string, string][] = [];
  for (const [k, v] of new URLSearchParams(value)) tags.push([k, v]);
  return tags;
}

function validateTags(tags: [string, string][]): void {
  if (tags.length > 10) throw new S3Error('BadRequest', 400, 'Object tags cannot be greater than 10');
  const seen = new Set<string>();
  for (const [k, v] of tags) {
    if (k.length === 0 || k.length > 128)
      throw new S3Error('InvalidTag', 400, 'The TagKey you have provided is invalid');
    if (v.length > 256) throw new S3Error('InvalidTag', 400, 'The TagValue you have provided is too long');
    if (seen.has(k)) throw new S3Error('InvalidTag', 400, 'Cannot provide multiple Tags with the same key');
    seen.add(k);
  }
}

function parseLockMode(value: string | undefined): LockMode | undefined {
  if (value === undefined) return undefined;
  if (value === 'GOVERNANCE' || value === 'COMPLIANCE') return value;
  throw errors.invalidArgument('Unknown wormMode directive.', 'x-amz-object-lock-mode', value);
}

function parseXmlBody(data: Buffer | undefined): XmlElement {
  try {
    return parseXml((data ?? Buffer.alloc(0)).toString('utf8'));
  } catch {
    throw errors.malformedXml();
  }
}

class Sequencer {
  private last = 0n;
  next(): string {
    const now = BigInt(Date.now()) * 1_000_000n;
    this.last = now > this.last ? now : this.last + 1n;
    return this.last.toString(16).toUpperCase().padStart(18, '0');
  }
}

class LocalS3 {
  readonly store: Store;
  private readonly sequencer = new Sequencer();

  constructor(private readonly opts: LocalS3Options) {
    this.store = new Store(opts.dataDir);
    for (const b of opts.buckets ?? []) this.ensureBucket(b);
  }

  /** Now, as Object Lock judges it. */
  private lockNow(): number {
    return this.opts.lockClock?.() ?? Date.now();
  }

  private ensureBucket(b: NonNullable<LocalS3Options['buckets']>[number]): void {
    if (!isValidBucketName(b.name)) throw new Error(`invalid bucket name: ${b.name}`);
    const existing = this.store.getBucket(b.name);
    if (!existing) {
      const meta: BucketMeta = {
        name: b.name,
        createdAt: isoNow(),
        objectLock: b.objectLock === true,
        cors: b.cors === true,
      };
      if (b.objectLock || b.versioning) meta.versioning = 'Enabled';
      this.store.createBucket(meta);
      return;
    }
    existing.cors = b.cors === true;
    if (b.objectLock) existing.objectLock = true;
    if (b.objectLock || b.versioning) existing.versioning = 'Enabled';
    this.store.saveBucket(existing);
  }

  // ------------------------------------------------------------------ dispatch

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomBytes(8).toString('hex').toUpperCase();
    res.setHeader('x-amz-request-id', requestId);
    res.setHeader('x-amz-id-2', randomBytes(24).toString('base64'));
    res.setHeader('Server', 'AmazonS3');
    const method = (req.method ?? 'GET').toUpperCase();
    const rawUrl = req.url ?? '/';
    const qi = rawUrl.indexOf('?');
    const rawPath = qi < 0 ? rawUrl : rawUrl.slice(0, qi);
    const trimmed = rawPath.replace(/^\//, '');
    const slash = trimmed.indexOf('/');
    const bucket = safeDecode(slash < 0 ? trimmed : trimmed.slice(0, slash));
    const key = slash < 0 ? '' : safeDecode(trimmed.slice(slash + 1));
    const resource = `/${bucket}${key ? `/${key}` : ''}`;
    try {
      const origin = req.headers.origin;
      if (method === 'OPTIONS') {
        this.preflight(req, res, bucket);
        return;
      }
      if (origin && bucket) this.addCorsHeaders(res, bucket, origin);

      const auth = verifySignature(
        { method, url: rawUrl, rawHeaders: req.rawHeaders },
        { region: this.opts.region, credentials: this.opts.credentials, now: Date.now() },
      );
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
      }
      for (const [name, value] of Object.entries(auth.hoistedHeaders)) {
        if (headers[name] === undefined) headers[name] = value;
      }
      const query = new Map<string, string>();
      for (const [name, value] of parseRawQuery(qi < 0 ? '' : rawUrl.slice(qi + 1))) {
        if (!query.has(name)) query.set(name, value);
      }
      if (Buffer.byteLength(key, 'utf8') > 1024) {
        throw new S3Error('KeyTooLongError', 400, 'Your key is too long');
      }
      const ctx: Ctx = { req, res, method, bucket, key, query, headers, auth, requestId };
      await this.route(ctx);
    } catch (e) {
      this.sendError(res, method, resource, requestId, e);
    }
  }

  private sendError(
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

  private async route(ctx: Ctx): Promise<void> {
    const { method, bucket, key, query } = ctx;
    if (!bucket) {
      if (method === 'GET') return this.listBuckets(ctx);
      throw errors.methodNotAllowed(method, 'SERVICE');
    }
    if (!key) {
      switch (method) {
        case 'PUT':
          if (query.has('versioning')) return this.putBucketVersioning(ctx);
          if (query.has('object-lock')) return this.putObjectLockConfiguration(ctx);
          this.rejectUnknownSubresource(ctx);
          return this.createBucket(ctx);
        case 'GET':
          if (query.has('versioning')) return this.getBucketVersioning(ctx);
          if (query.has('object-lock')) return this.getObjectLockConfiguration(ctx);
          if (query.has('location')) return this.getBucketLocation(ctx);
          if (query.has('versions')) return this.listObjectVersions(ctx);
          if (query.has('uploads')) return this.listMultipartUploads(ctx);
          this.rejectUnknownSubresource(ctx);
          return this.listObjects(ctx, query.get('list-type') === '2');
        case 'HEAD':
          return this.headBucket(ctx);
        case 'DELETE':
          this.rejectUnknownSubresource(ctx);
          return this.deleteBucket(ctx);
        case 'POST':
          if (query.has('delete')) return this.deleteObjects(ctx);
          throw errors.methodNotAllowed(method, 'BUCKET');
        default:
          throw errors.methodNotAllowed(method, 'BUCKET');
      }
    }
    switch (method) {
      case 'PUT':
        if (query.has('uploadId')) {
          if (ctx.headers['x-amz-copy-source']) throw errors.notImplemented('UploadPartCopy');
          return this.uploadPart(ctx);
        }
        if (query.has('tagging')) return this.putObjectTagging(ctx);
        if (query.has('retention')) return this.putObjectRetention(ctx);
        if (query.has('legal-hold')) return this.putObjectLegalHold(ctx);
        this.rejectUnknownSubresource(ctx);
        if (ctx.headers['x-amz-copy-source'] !== undefined) return this.copyObject(ctx);
        return this.putObject(ctx);
      case 'GET':
        if (query.has('tagging')) return this.getObjectTagging(ctx);
        if (query.has('retention')) return this.getObjectRetention(ctx);
        if (query.has('legal-hold')) return this.getObjectLegalHold(ctx);
        if (query.has('attributes')) return this.getObjectAttributes(ctx);
        if (query.has('uploadId')) return this.listParts(ctx);
        this.rejectUnknownSubresource(ctx);
        return this.getObject(ctx, false);
      case 'HEAD':
        return this.getObject(ctx, true);
      case 'DELETE':
        if (query.has('tagging')) return this.deleteObjectTagging(ctx);
        if (query.has('uploadId')) return this.abortMultipartUpload(ctx);
        this.rejectUnknownSubresource(ctx);
        return this.deleteObject(ctx);
      case 'POST':
        if (query.has('uploads')) return this.createMultipartUpload(ctx);
        if (query.has('uploadId')) return this.completeMultipartUpload(ctx);
        throw errors.methodNotAllowed(method, 'OBJECT');
      default:
        throw errors.methodNotAllowed(method, 'OBJECT');
    }
  }

  /** Sub-resources this endpoint does not implement are refused rather than silently misread. */
  private rejectUnknownSubresource(ctx: Ctx): void {
    for (const name of [
      'acl',
      'policy',
      'cors',
      'lifecycle',
      'encryption',
      'notification',
      'replication',
      'website',
      'logging',
      'tagging',
      'torrent',
      'restore',
      'select',
      'accelerate',
      'requestPayment',
      'ownershipControls',
      'publicAccessBlock',
      'inventory',
      'analytics',
      'metrics',
      'intelligent-tiering',
    ]) {
      if (ctx.query.has(name)) throw errors.notImplemented(`?${name}`);
    }
  }

  // ------------------------------------------------------------------ responses

  private send(ctx: Ctx, status: number, headers: Record<string, string> = {}, body?: string): void {
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

  private requireBucket(name: string): BucketMeta {
    const b = this.store.getBucket(name);
    if (!b) throw errors.noSuchBucket(name);
    return b;
  }

  private async readSmallBody(ctx: Ctx, requireIntegrity = false): Promise<Buffer> {
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

  private corsAllowed(bucket: string, origin: string): boolean {
    const meta = this.store.getBucket(bucket);
    return meta?.cors === true && isLocalOrigin(origin);
  }

  private addCorsHeaders(res: ServerResponse, bucket: string, origin: string): void {
    if (!this.corsAllowed(bucket, origin)) return;
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Methods', CORS_METHODS.join(', '));
    res.setHeader('Access-Control-Expose-Headers', CORS_EXPOSE.join(', '));
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Vary', 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method');
  }

  private preflight(req: IncomingMessage, res: ServerResponse, bucket: string): void {
    const origin = req.headers.origin;
    const requestMethod = req.headers['access-control-request-method'];
    const fail = (status: number, code: string, message: string) => {
      throw new S3Error(code, status, message);
    };
    if (!origin || !requestMethod) {
      fail(400, 'BadRequest', 'Insufficient information. Origin request header needed.');
      return;
    }
    if (!bucket || !this.store.getBucket(bucket))
      fail(403, 'AccessForbidden', 'CORSResponse: Bucket not found');
    if (!this.corsAllowed(bucket, origin)) {
      fail(
        403,
        'AccessForbidden',
        "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
      );
    }
    if (!CORS_METHODS.includes(requestMethod.toUpperCase())) {
      fail(
        403,
        'AccessForbidden',
        'CORSResponse: This CORS request is not allowed. The requested method is not allowed.',
      );
    }
    const headers: Record<string, string> = {
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Allow-Methods': CORS_METHODS.join(', '),
      'Access-Control-Expose-Headers': CORS_EXPOSE.join(', '),
      'Access-Control-Allow-Credentials': 'true',
      'Access-Control-Max-Age': '3000',
      Vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
      'Content-Length': '0',
    };
    const requested = req.headers['access-control-request-headers'];
    if (requested) headers['Access-Control-Allow-Headers'] = requested;
    res.writeHead(200, headers);
    res.end();
  }

  // ------------------------------------------------------------------ buckets

  private listBuckets(ctx: Ctx): void {
    const xml = renderXml('ListAllMyBucketsResult', [
      [
        'Owner',
        [
          ['ID', OWNER_ID],
          ['DisplayName', OWNER_NAME],
        ],
      ],
      [
        'Buckets',
        this.store.listBuckets().map(
          (b): XmlNode => [
            'Bucket',
            [
              ['Name', b.name],
              ['CreationDate', b.createdAt],
              ['BucketRegion', this.opts.region],
            ],
          ],
        ),
      ],
    ]);
    this.send(ctx, 200, {}, xml);
  }

  private async createBucket(ctx: Ctx): Promise<void> {
    const { bucket } = ctx;
    if (!isValidBucketName(bucket)) {
      throw new S3Error('InvalidBucketName', 400, 'The specified bucket is not valid.', {
        BucketName: bucket,
      });
    }
    const body = await this.readSmallBody(ctx);
    if (body.length > 0) {
      const root = parseXmlBody(body);
      const constraint = childText(root, 'LocationConstraint');
      if (constraint && constraint !== this.opts.region) {
        throw new S3Error(
          'IllegalLocationConstraintException',
          400,
          `The ${constraint} location constraint is incompatible for the region specific endpoint this request was sent to.`,
        );
      }
    }
    if (this.store.getBucket(bucket)) {
      throw new S3Error(
        'BucketAlreadyOwnedByYou',
        409,
        'Your previous request to create the named bucket succeeded and you already own it.',
        { BucketName: bucket },
      );
    }
    const objectLock = ctx.headers['x-amz-bucket-object-lock-enabled']?.toLowerCase() === 'true';
    const meta: BucketMeta = { name: bucket, createdAt: isoNow(), objectLock, cors: false };
    if (objectLock) meta.versioning = 'Enabled';
    this.store.createBucket(meta);
    this.send(ctx, 200, { Location: `/${bucket}` });
  }

  private headBucket(ctx: Ctx): void {
    this.requireBucket(ctx.bucket);
    this.send(ctx, 200, { 'x-amz-bucket-region': this.opts.region, 'x-amz-access-point-alias': 'false' });
  }

  private deleteBucket(ctx: Ctx): void {
    this.requireBucket(ctx.bucket);
    if (!this.store.bucketIsEmpty(ctx.bucket)) {
      throw new S3Error('BucketNotEmpty', 409, 'The bucket you tried to delete is not empty', {
        BucketName: ctx.bucket,
      });
    }
    this.store.deleteBucket(ctx.bucket);
    this.send(ctx, 204);
  }

  private getBucketLocation(ctx: Ctx): void {
    this.requireBucket(ctx.bucket);
    const region = this.opts.region === 'us-east-1' ? '' : this.opts.region;
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${region}</LocationConstraint>`;
    this.send(ctx, 200, {}, xml);
  }

  private async putBucketVersioning(ctx: Ctx): Promise<void> {
    const meta = this.requireBucket(ctx.bucket);
    const root = parseXmlBody(await this.readSmallBody(ctx));
    const status = childText(root, 'Status');
    if (status !== 'Enabled' && status !== 'Suspended') throw errors.malformedXml();
    if (meta.objectLock && status !== 'Enabled') {
      throw new S3Error(
        'InvalidBucketState',
        409,
        'An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.',
      );
    }
    meta.versioning = status;
    this.store.saveBucket(meta);
    this.send(ctx, 200);
  }

  private getBucketVersioning(ctx: Ctx): void {
    const meta = this.requireBucket(ctx.bucket);
    this.send(
      ctx,
      200,
      {},
      renderXml('VersioningConfiguration', [meta.versioning && ['Status', meta.versioning]]),
    );
  }

  private async putObjectLockConfiguration(ctx: Ctx): Promise<void> {
    const meta = this.requireBucket(ctx.bucket);
    const root = parseXmlBody(await this.readSmallBody(ctx, true));
    if (childText(root, 'ObjectLockEnabled') !== 'Enabled') throw errors.malformedXml();
    if (!meta.objectLock && meta.versioning !== 'Enabled') {
      throw new S3Error(
        'InvalidBucketState',
        409,
        "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration",
      );
    }
    const rule = child(root, 'Rule');
    const retention = rule ? child(rule, 'DefaultRetention') : undefined;
    if (retention) {
      const mode = childText(retention, 'Mode');
      const days = childText(retention, 'Days');
      const years = childText(retention, 'Years');
      if (mode !== 'GOVERNANCE' && mode !== 'COMPLIANCE') throw errors.malformedXml();
      if ((days === undefined) === (years === undefined)) throw errors.malformedXml();
      const n = Number(days ?? years);
      if (!Number.isInteger(n) || n <= 0) {
        throw errors.invalidArgument('Default retention period must be a positive integer value');
      }
      meta.defaultRetention = days !== undefined ? { mode, days: n } : { mode, years: n };
    } else {
      delete meta.defaultRetention;
    }
    meta.objectLock = true;
    meta.versioning = 'Enabled';
    this.store.saveBucket(meta);
    this.send(ctx, 200);
  }

  private getObjectLockConfiguration(ctx: Ctx): void {
    const meta = this.requireBucket(ctx.bucket);
    if (!meta.objectLock) {
      throw new S3Error(
        'ObjectLockConfigurationNotFoundError',
        404,
        'Object Lock configuration does not exist for this bucket',
        { BucketName: ctx.bucket },
      );
    }
    const r = meta.defaultRetention;
    const xml = renderXml('ObjectLockConfiguration', [
      ['ObjectLockEnabled', 'Enabled'],
      r && [
        'Rule',
        [
          [
            'DefaultRetention',
            [
              ['Mode', r.mode],
              r.days !== undefined && ['Days', r.days],
              r.years !== undefined && ['Years', r.years],
            ],
          ],
        ],
      ],
    ]);
    this.send(ctx, 200, {}, xml);
  }

  // ------------------------------------------------------------------ object helpers

  private latest(bucket: string, key: string): ObjectVersion | undefined {
    return this.store.getEntry(bucket, key)?.versions[0];
  }

  /** Resolves the version a GET/HEAD/tagging/retention request addresses; throws like S3. */
  private resolveVersion(
    ctx: Ctx,
    opts: { allowDeleteMarker?: boolean } = {},
  ): { version: ObjectVersion; entry: ObjectEntry } {
    const meta = this.requireBucket(ctx.bucket);
    const versionId = ctx.query.get('versionId');
    const entry = this.store.getEntry(ctx.bucket, ctx.key);
    if (versionId !== undefined) {
      if (!isWellFormedVersionId(versionId))
        throw errors.invalidArgument('Invalid version id specified', 'versionId', versionId);
      const version = entry?.versions.find((v) => v.versionId === versionId);
      if (!entry || !version) {
        if (!entry && meta.versioning === undefined) throw errors.noSuchKey(ctx.key);
        throw errors.noSuchVersion(ctx.key, versionId);
      }
      if (version.isDeleteMarker && !opts.allowDeleteMarker) {
        throw errors.methodNotAllowed(ctx.method, 'DeleteMarker', {
          'x-amz-delete-marker': 'true',
          'x-amz-version-id': version.versionId,
          'last-modified': httpDate(version.lastModified),
        });
      }
      return { version, entry };
    }
    const version = entry?.versions[0];
    if (!entry || !version) throw errors.noSuchKey(ctx.key);
    if (version.isDeleteMarker && !opts.allowDeleteMarker) {
      throw errors.noSuchKey(ctx.key, {
        'x-amz-delete-marker': 'true',
        'x-amz-version-id': version.versionId,
      });
    }
    return { version, entry };
  }

  private versionHeaders(meta: BucketMeta, version: ObjectVersion): Record<string, string> {
    return meta.versioning !== undefined ? { 'x-amz-version-id': version.versionId } : {};
  }

  /** Attributes set from request headers on PutObject / CreateMultipartUpload / CopyObject REPLACE. */
  private attributesFromHeaders(
    h: Record<string, string>,
  ): Pick<
    ObjectVersion,
    | 'contentType'
    | 'contentEncoding'
    | 'contentDisposition'
    | 'contentLanguage'
    | 'cacheControl'
    | 'expires'
    | 'metadata'
  > {
    const metadata: Record<string, string> = {};
    let bytes = 0;
    for (const [name, value] of Object.entries(h)) {
      if (!name.startsWith('x-amz-meta-')) continue;
      const metaKey = name.slice('x-amz-meta-'.length);
      metadata[metaKey] = value;
      bytes += Buffer.byteLength(metaKey) + Buffer.byteLength(value);
    }
    if (bytes > MAX_METADATA_BYTES) {
      throw new S3Error(
        'MetadataTooLarge',
        400,
        'Your metadata headers exceed the maximum allowed metadata size.',
        {
          Size: String(bytes),
          MaxSizeAllowed: String(MAX_METADATA_BYTES),
        },
      );
    }
    const encodings = (h['content-encoding'] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '' && s !== 'aws-chunked');
    const attrs: ReturnType<LocalS3['attributesFromHeaders']> = { metadata };
    if (h['content-type'] !== undefined) attrs.contentType = h['content-type'];
    if (encodings.length > 0) attrs.contentEncoding = encodings.join(',');
    if (h['content-disposition'] !== undefined) attrs.contentDisposition = h['content-disposition'];
    if (h['content-language'] !== undefined) attrs.contentLanguage = h['content-language'];
    if (h['cache-control'] !== undefined) attrs.cacheControl = h['cache-control'];
    if (h.expires !== undefined) attrs.expires = h.expires;
    return attrs;
  }

  /** Object Lock headers of a write request, validated against the bucket. */
  private lockFromHeaders(
    meta: BucketMeta,
    h: Record<string, string>,
  ): Pick<ObjectVersion, 'retention' | 'legalHold'> {
    const mode = parseLockMode(h['x-amz-object-lock-mode']);
    const until = h['x-amz-object-lock-retain-until-date'];
    const hold = h['x-amz-object-lock-legal-hold'];
    const out: Pick<ObjectVersion, 'retention' | 'legalHold'> = {};
    if (mode === undefined && until === undefined && hold === undefined) {
      if (meta.objectLock && meta.defaultRetention) {
        const r = meta.defaultRetention;
        const d = new Date(this.lockNow());
        if (r.days !== undefined) d.setUTCDate(d.getUTCDate() + r.days);
        if (r.years !== undefined) d.setUTCFullYear(d.getUTCFullYear() + r.years);
        out.retention = { mode: r.mode, retainUntil: d.toISOString() };
      }
      return out;
    }
    if (!meta.objectLock) throw errors.invalidRequest('Bucket is missing Object Lock Configuration');
    if ((mode === undefined) !== (until === undefined)) {
      throw errors.invalidArgument(
        'x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied',
      );
    }
    if (mode !== undefined && until !== undefined) {
      const t = Date.parse(until);
      if (Number.isNaN(t)) {
        throw errors.invalidArgument(
          'The retain until date must be provided in ISO 8601 format',
          'x-amz-object-lock-retain-until-date',
          until,
        );
      }
      if (t <= this.lockNow()) throw errors.invalidArgument('The retain until date must be in the future!');
      out.retention = { mode, retainUntil: new Date(t).toISOString() };
    } else if (meta.defaultRetention) {
      const only = this.lockFromHeaders(meta, {});
      if (only.retention) out.retention = only.retention;
    }
    if (hold !== undefined) {
      if (hold !== 'ON' && hold !== 'OFF') {
        throw errors.invalidArgument(
          "Legal Hold must be either of 'ON' or 'OFF'",
          'x-amz-object-lock-legal-hold',
          hold,
        );
      }
      out.legalHold = hold;
    }
    return out;
  }

  /** Inserts a new version according to the bucket's versioning state; returns the replaced blobs' cleanup. */
  private commitVersion(meta: BucketMeta, key: string, version: ObjectVersion): void {
    const entry = this.store.getEntry(meta.name, key) ?? { key, versions: [] };
    const removed: ObjectVersion[] = [];
    if (meta.versioning === 'Enabled') {
      version.versionId = newVersionId();
    } else {
      version.versionId = 'null';
      const idx = entry.versions.findIndex((v) => v.versionId === 'null');
      if (idx >= 0) removed.push(...entry.versions.splice(idx, 1));
    }
    entry.versions.unshift(version);
    this.store.saveEntry(meta.name, entry);
    for (const r of removed) this.store.removeBlob(meta.name, r.blob);
  }

  /**
   * Reports a created object. The callback runs after the current request's response has been
   * written (setImmediate; callers send it right after this), as S3 answers before its events
   * go out; it is not awaited, and a failure is logged only.
   */
  private notify(eventName: string, bucket: BucketMeta, key: string, version: ObjectVersion): void {
    const onObjectCreated = this.opts.onObjectCreated;
    if (!onObjectCreated) return;
    const record: S3ObjectCreatedRecord = {
      eventName,
      bucket: bucket.name,
      key,
      size: version.size,
      eTag: stripQuotes(version.etag),
      sequencer: this.sequencer.next(),
      eventTime: version.lastModified,
    };
    if (bucket.versioning !== undefined && version.versionId !== 'null') record.versionId = version.versionId;
    setImmediate(() => {
      Promise.resolve()
        .then(() => onObjectCreated(record))
        .catch((e: unknown) => {
          console.error(`local s3: onObjectCreated failed for s3://${bucket.name}/${key}:`, e);
        });
    });
  }

  private checkWriteConditions(ctx: Ctx): void {
    const current = this.latest(ctx.bucket, ctx.key);
    const exists = current !== undefined && !current.isDeleteMarker;
    const ifNoneMatch = ctx.headers['if-none-match'];
    if (ifNoneMatch !== undefined) {
      if (ifNoneMatch.trim() !== '*') throw errors.notImplemented('If-None-Match other than *');
      if (exists) throw errors.preconditionFailed('If-None-Match');
    }
    const ifMatch = ctx.headers['if-match'];
    if (ifMatch !== undefined) {
      if (!exists) throw errors.noSuchKey(ctx.key);
      if (!etagMatches(ifMatch, current.etag)) throw errors.preconditionFailed('If-Match');
    }
  }

  private checksumResponseHeaders(checksum: StoredChecksum | undefined): Record<string, string> {
    if (!checksum) return {};
    return { [checksumHeader(checksum.algorithm)]: checksum.value, 'x-amz-checksum-type': checksum.type };
  }

  // ------------------------------------------------------------------ PutObject

  private async putObject(ctx: Ctx): Promise<void> {
    const meta = this.requireBucket(ctx.bucket);
    const h = ctx.headers;
    const attrs = this.attributesFromHeaders(h);
    const lock = this.lockFromHeaders(meta, h);
    const tags = h['x-amz-tagging'] !== undefined ? parseTagSet(h['x-amz-tagging']) : [];
    validateTags(tags);
    const declared = declaredChecksum(h);
    if (
      (h['x-amz-object-lock-mode'] !== undefined || h['x-amz-object-lock-retain-until-date'] !== undefined) &&
      !declared.algorithm &&
      h['content-md5'] === undefined
    ) {
      throw errors.invalidRequest(
        'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters',
      );
    }
    this.checkWriteConditions(ctx);
    const algorithm: ChecksumAlgorithm = declared.algorithm ?? 'CRC64NVME';
    const tmp = this.store.tmpPath();
    const body = await receiveBody(ctx.req, {
      auth: ctx.auth,
      headers: h,
      algorithms: [algorithm],
      file: tmp,
    });
    try {
      verifyBody(body, h, ctx.auth, declared);
      this.checkWriteConditions(ctx);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    const version = this.newVersion(ctx, body, algorithm, {
      ...attrs,
      ...lock,
      tags,
      storageClass: h['x-amz-storage-class'] ?? 'STANDARD',
    });
    version.blob = this.store.adoptBlob(meta.name, tmp);
    this.commitVersion(meta, ctx.key, version);
    this.notify('ObjectCreated:Put', meta, ctx.key, version);
    this.send(ctx, 200, {
      ETag: version.etag,
      'x-amz-server-side-encryption': version.serverSideEncryption ?? 'AES256',
      ...this.versionHeaders(meta, version),
      ...this.checksumResponseHeaders(version.checksum),
    });
  }

  private newVersion(
    ctx: Ctx,
    body: ReceivedBody,
    algorithm: ChecksumAlgorithm,
    rest: Omit<ObjectVersion, 'versionId' | 'isDeleteMarker' | 'lastModified' | 'size' | 'etag'>,
  ): ObjectVersion {
    const sse = ctx.headers['x-amz-server-side-encryption'];
    const version: ObjectVersion = {
      ...rest,
      versionId: 'null',
      isDeleteMarker: false,
      lastModified: isoNow(),
      size: body.size,
      etag: `"${body.md5.toString('hex')}"`,
    };
    const value = body.checksums[algorithm];
    if (value !== undefined) version.checksum = { algorithm, value, type: 'FULL_OBJECT' };
    if (sse !== undefined) version.serverSideEncryption = sse;
    return version;
  }

  // ------------------------------------------------------------------ GetObject / HeadObject

  private async getObject(ctx: Ctx, head: boolean): Promise<void> {
    const meta = this.requireBucket(ctx.bucket);
    const { version } = this.resolveVersion(ctx);
    const h = ctx.headers;
    const lastModified = httpDate(version.lastModified);
    const modifiedMs = Math.floor(Date.parse(version.lastModified) / 1000) * 1000;
    const headers: Record<string, string> = {
      'Last-Modified': lastModified,
      ETag: version.etag,
      'Accept-Ranges': 'bytes',
      'Content-Type': version.contentType ?? 'binary/octet-stream',
      'x-amz-server-side-encryption': version.serverSideEncryption ?? 'AES256',
      ...this.versionHeaders(meta, version),
    };
    if (version.contentEncoding) headers['Content-Encoding'] = version.contentEncoding;
    if (version.contentDisposition) headers['Content-Disposition'] = version.contentDisposition;
    if (version.contentLanguage) headers['Content-Language'] = version.contentLanguage;
    if (version.cacheControl) headers['Cache-Control'] = version.cacheControl;
    if (version.expires) headers.Expires = version.expires;
    if (version.storageClass !== 'STANDARD') headers['x-amz-storage-class'] = version.storageClass;
    for (const [k, v] of Object.entries(version.metadata)) headers[`x-amz-meta-${k}`] = v;
    if (version.retention) {
      headers['x-amz-object-lock-mode'] = version.retention.mode;
      headers['x-amz-object-lock-retain-until-date'] = version.retention.retainUntil;
    }
    if (version.legalHold) headers['x-amz-object-lock-legal-hold'] = version.legalHold;
    if (!head && version.tags.length > 0) headers['x-amz-tagging-count'] = String(version.tags.length);
    if (version.parts && ctx.query.has('partNumber'))
      headers['x-amz-mp-parts-count'] = String(version.parts.length);

    // Conditional requests (RFC 7232 as S3 applies it).
    const ifMatch = h['if-match'];
    const ifNoneMatch = h['if-none-match'];
    const ifModifiedSince = h['if-modified-since'];
    const ifUnmodifiedSince = h['if-unmodified-since'];
    if (ifMatch !== undefined && !etagMatches(ifMatch, version.etag))
      throw errors.preconditionFailed('If-Match');
    if (ifMatch === undefined && ifUnmodifiedSince !== undefined) {
      const t = Date.parse(ifUnmodifiedSince);
      if (!Number.isNaN(t) && modifiedMs > t) throw errors.preconditionFailed('If-Unmodified-Since');
    }
    const notModified =
      ifNoneMatch !== undefined
        ? etagMatches(ifNoneMatch, version.etag)
        : ifModifiedSince !== undefined &&
          !Number.isNaN(Date.parse(ifModifiedSince)) &&
          modifiedMs <= Date.parse(ifModifiedSince);
    if (notModified) {
      const { 'Content-Type': _ct, ...rest } = headers;
      ctx.res.writeHead(304, rest);
      ctx.res.end();
      return;
    }

    // Response header overrides (presigned downloads use these).
    const overrides: [string, string][] = [
      ['response-content-type', 'Content-Type'],
      ['response-content-language', 'Content-Language'],
      ['response-expires', 'Expires'],
      ['response-cache-control', 'Cache-Control'],
      ['response-content-disposition', 'Content-Disposition'],
      ['response-content-encoding', 'Content-Encoding'],
    ];
    for (const [param, header] of overrides) {
      const v = ctx.query.get(param);
      if (v !== undefined) headers[header] = v;
    }

    const range = h.range === undefined ? undefined : parseRange(h.range, version.size);
    const status = range ? 206 : 200;
    const start = range?.start ?? 0;
    const end = range?.end ?? version.size - 1;
    if (status === 206) {
      headers['Content-Range'] = `bytes ${start}-${end}/${version.size}`;
    } else if (h['x-amz-checksum-mode']?.toUpperCase() === 'ENABLED') {
      Object.assign(headers, this.checksumResponseHeaders(version.checksum));
    }
    const length = version.size === 0 ? 0 : end - start + 1;
    headers['Content-Length'] = String(length);
    ctx.res.writeHead(status, headers);
    if (head || length === 0 || !version.blob) {
      ctx.res.end();
      return;
    }
    const stream = createReadStream(this.store.blobPath(meta.name, version.blob), { start, end });
    try {
      await pipeline(stream, ctx.res);
    } catch (e) {
      if (!ctx.res.destroyed) console.error('local s3: GetObject stream failed', e);
      ctx.res.destroy();
    }
  }

  // ------------------------------------------------------------------ DeleteObject(s)

  private assertDeletable(version: ObjectVersion, bypassGovernance: boolean): void {
    if (version.isDeleteMarker) return;
    if (version.legalHold === 'ON')
      throw errors.accessDenied('Access Denied because object protected by object lock.');
    const r = version.retention;
    if (r && Date.parse(r.retainUntil) > this.lockNow()) {
      if (r.mode === 'COMPLIANCE' || !bypassGovernance) {
        throw errors.accessDenied('Access Denied because object protected by object lock.');
      }
    }
  }

  /** Deletes one key or version with S3 semantics; returns what the response reports. */
  private deleteOne(
    meta: BucketMeta,
    key: string,
    versionId: string | undefined,
    bypassGovernance: boolean,
  ): { deleteMarker: boolean; versionId?: string } {
    const entry = this.store.getEntry(meta.name, key) ?? { key, versions: [] };
    if (versionId !== undefined) {
      if (!isWellFormedVersionId(versionId))
        throw errors.invalidArgument('Invalid version id specified', 'versionId', versionId);
      const idx = entry.versions.findIndex((v) => v.versionId === versionId);
      const version = entry.versions[idx];
      if (!version) return { deleteMarker: false, versionId };
      this.assertDeletable(version, bypassGovernance);
      entry.versions.splice(idx, 1);
      this.store.saveEntry(meta.name, entry);
      this.store.removeBlob(meta.name, version.blob);
      return { deleteMarker: version.isDeleteMarker, versionId };
    }
    if (meta.versioning === undefined) {
      if (entry.versions.length === 0) return { deleteMarker: false };
      const removed = entry.versions.splice(0);
      this.store.saveEntry(meta.name, entry);
      for (const r of removed) this.store.removeBlob(meta.name, r.blob);
      return { deleteMarker: false };
    }
    const marker: ObjectVersion = {
      versionId: 'null',
      isDeleteMarker: true,
      lastModified: isoNow(),
      size: 0,
      etag: '',
      metadata: {},
      tags: [],
      storageClass: 'STANDARD',
    };
    this.commitVersion(meta, key, marker);
    return { deleteMarker: true, versionId: marker.versionId };
  }

  private deleteObject(ctx: Ctx): void {
    const meta = this.requireBucket(ctx.bucket);
    const bypass = ctx.headers['x-amz-bypass-governance-retention']?.toLowerCase() === 'true';
    const result = this.deleteOne(meta, ctx.key, ctx.query.get('versionId'), bypass);
    const headers: Record<string, string> = {};
    if (result.deleteMarker) headers['x-amz-delete-marker'] = 'true';
    if (result.versionId !== undefined && meta.versioning !== undefined)
      headers['x-amz-version-id'] = result.versionId;
    this.send(ctx, 204, headers);
  }

  private async deleteObjects(ctx: Ctx): Promise<void> {
    const meta = this.requireBucket(ctx.bucket);
    const root = parseXmlBody(await this.readSmallBody(ctx, true));
    if (root.name !== 'Delete') throw errors.malformedXml();
    const quiet = childText(root, 'Quiet') === 'true';
    const objects = children(root, 'Object');
    if (objects.length === 0 || objects.length > 1000) throw errors.malformedXml();
    const bypass = ctx.headers['x-amz-bypass-governance-retention']?.toLowerCase() === 'true';
    const nodes: XmlNode[] = [];
    for (const o of objects) {
      const key = child(o, 'Key')?.text;
      if (key === undefined) throw errors.malformedXml();
      const versionId = childText(o, 'VersionId');
      try {
        const r = this.deleteOne(meta, key, versionId, bypass);
        if (quiet) continue;
        nodes.push([
          'Deleted',
          [
            ['Key', key],
            versionId !== undefined && ['VersionId', versionId],
            r.deleteMarker && ['DeleteMarker', 'true'],
            r.deleteMarker &&
              versionId === undefined &&
              r.versionId !== undefined && ['DeleteMarkerVersionId', r.versionId],
          ],
        ]);
      } catch (e) {
        if (!(e instanceof S3Error)) throw e;
        nodes.push([
          'Error',
          [
            ['Key', key],
            versionId !== undefined && ['VersionId', versionId],
            ['Code', e.code],
            ['Message', e.message],
          ],
        ]);
      }
    }
    this.send(ctx, 200, {}, renderXml('DeleteResult', nodes));
  }

  // ------------------------------------------------------------------ CopyObject

  private parseCopySource(value: string): { bucket: string; key: string; versionId?: string } {
    const qi = value.indexOf('?');
    const path = safeDecode(qi < 0 ? value : value.slice(0, qi)).replace(/^\//, '');
    const slash = path.indexOf('/');
    if (slash <= 0 || slash === path.length - 1) {
      throw errors.invalidArgument(
        'Copy Source must mention the source bucket and key: sourcebucket/sourcekey',
        'x-amz-copy-source',
        value,
      );
    }
    const out: { bucket: string; key: string; versionId?: string } = {
      bucket: path.slice(0, slash),
      key: path.slice(slash + 1),
    };
    if (qi >= 0) {
      for (const [name, v] of parseRawQuery(value.slice(qi + 1))) {
        if (name === 'versionId') out.versionId = v;
      }
    }
    return out;
  }

  private async copyObject(ctx: Ctx): Promise<void> {
    const meta = this.requireBucket(ctx.bucket);
    const h = ctx.headers;
    const src = this.parseCopySource(h['x-amz-copy-source'] ?? '');
    const srcMeta = this.requireBucket(src.bucket);
    const srcEntry = this.store.getEntry(src.bucket, src.key);
    let source: ObjectVersion | undefined;
    if (src.versionId !== undefined) {
      source = srcEntry?.versions.find((v) => v.versionId === src.versionId);
      if (!source) {
        if (!isWellFormedVersionId(src.versionId))
          throw errors.invalidArgument('Invalid version id specified', 'x-amz-copy-source', src.versionId);
        throw errors.noSuchVersion(src.key, src.versionId);
      }
      if (source.isDeleteMarker) {
        throw errors.invalidRequest(
          'The source of a copy request may not specifically refer to a delete marker by version id.',
        );
      }
    } else {
      source = srcEntry?.versions[0];
      if (!source || source.isDeleteMarker) throw errors.noSuchKey(src.key);
    }

    // x-amz-copy-source-if-* conditions.
    const srcModified = Math.floor(Date.parse(source.lastModified) / 1000) * 1000;
    const cIfMatch = h['x-amz-copy-source-if-match'];
    const cIfNoneMatch = h['x-amz-copy-source-if-none-match'];
    const cIfUnmodified = h['x-amz-copy-source-if-unmodified-since'];
    const cIfModified = h['x-amz-copy-source-if-modified-since'];
    if (cIfMatch !== undefined && !etagMatches(cIfMatch, source.etag))
      throw errors.preconditionFailed('x-amz-copy-source-If-Match');
    if (cIfNoneMatch !== undefined && etagMatches(cIfNoneMatch, source.etag))
      throw errors.preconditionFailed('x-amz-copy-source-If-None-Match');
    if (cIfMatch === undefined && cIfUnmodified !== undefined && srcModified > Date.parse(cIfUnmodified)) {
      throw errors.preconditionFailed('x-amz-copy-source-If-Unmodified-Since');
    }
    if (cIfNoneMatch === undefined && cIfModified !== undefined && srcModified <= Date.parse(cIfModified)) {
      throw errors.preconditionFailed('x-amz-copy-source-If-Modified-Since');
    }

    const metadataDirective = (h['x-amz-metadata-directive'] ?? 'COPY').toUpperCase();
    const taggingDirective = (h['x-amz-tagging-directive'] ?? 'COPY').toUpperCase();
    if (metadataDirective !== 'COPY' && metadataDirective !== 'REPLACE') {
      throw errors.invalidArgument(
        'Unknown metadata directive.',
        'x-amz-metadata-directive',
        metadataDirective,
      );
    }
    if (taggingDirective !== 'COPY' && taggingDirective !== 'REPLACE') {
      throw errors.invalidArgument('Unknown tagging directive.', 'x-amz-tagging-directive', taggingDirective);
    }
    const lock = this.lockFromHeaders(meta, h);
    const explicitLock =
      h['x-amz-object-lock-mode'] !== undefined || h['x-amz-object-lock-legal-hold'] !== undefined;
    const checksumAlg = parseChecksumAlgorithm(h['x-amz-checksum-algorithm']);
    if (h['x-amz-checksum-algorithm'] !== undefined && !checksumAlg) {
      throw errors.invalidRequest('Checksum algorithm provided is unsupported.');
    }
    if (
      src.bucket === ctx.bucket &&
      src.key === ctx.key &&
      (src.versionId === undefined || src.versionId === srcEntry?.versions[0]?.versionId) &&
      metadataDirective === 'COPY' &&
      taggingDirective === 'COPY' &&
      !explicitLock &&
      !checksumAlg &&
      h['x-amz-storage-class'] === undefined &&
      h['x-amz-server-side-encryption'] === undefined
    ) {
      throw errors.invalidRequest(
        "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
      );
    }
    this.checkWriteConditions(ctx);
    let tags: [string, string][] = source.tags.map(([k, v]) => [k, v]);
    if (taggingDirective === 'REPLACE') tags = parseTagSet(h['x-amz-tagging'] ?? '');
    validateTags(tags);

    const attrs =
      metadataDirective === 'REPLACE'
        ? this.attributesFromHeaders(h)
        : {
            metadata: { ...source.metadata },
            ...(source.contentType !== undefined && { contentType: source.contentType }),
            ...(source.contentEncoding !== undefined && { contentEncoding: source.contentEncoding }),
            ...(source.contentDisposition !== undefined && { contentDisposition: source.contentDisposition }),
            ...(source.contentLanguage !== undefined && { contentLanguage: source.contentLanguage }),
            ...(source.cacheControl !== undefined && { cacheControl: source.cacheControl }),
            ...(source.expires !== undefined && { expires: source.expires }),
          };

    // Copy and re-hash the body: the new object is a single-part object with an MD5 ETag.
    const tmp = this.store.tmpPath();
    const algorithm: ChecksumAlgorithm =
      checksumAlg ?? (source.checksum?.type === 'FULL_OBJECT' ? source.checksum.algorithm : 'CRC64NVME');
    if (source.blob) await copyFile(this.store.blobPath(src.bucket, source.blob), tmp);
    else await writeFile(tmp, Buffer.alloc(0));
    const body = await hashFile(tmp, algorithm);
    const version = this.newVersion(ctx, body, algorithm, {
      ...attrs,
      ...lock,
      tags,
      storageClass: h['x-amz-storage-class'] ?? source.storageClass,
    });
    if (h['x-amz-server-side-encryption'] === undefined && source.serverSideEncryption !== undefined) {
      version.serverSideEncryption = source.serverSideEncryption;
    }
    version.blob = this.store.adoptBlob(meta.name, tmp);
    this.commitVersion(meta, ctx.key, version);
    this.notify('ObjectCreated:Copy', meta, ctx.key, version);
    const headers: Record<string, string> = {
      'x-amz-server-side-encryption': version.serverSideEncryption ?? 'AES256',
      ...this.versionHeaders(meta, version),
    };
    if (srcMeta.versioning !== undefined) headers['x-amz-copy-source-version-id'] = source.versionId;
    const c = version.checksum;
    const xml = renderXml('CopyObjectResult', [
      ['LastModified', version.lastModified],
      ['ETag', version.etag],
      c && ['ChecksumType', c.type],
      c && [`Checksum${c.algorithm}`, c.value],
    ]);
    this.send(ctx, 200, headers, xml);
  }

  // ------------------------------------------------------------------ tagging / retention / legal hold

  private getObjectTagging(ctx: Ctx): void {
    const meta = this.requireBucket(ctx.bucket);
    const { version } = this.resolveVersion(ctx);
    const xml = renderXml('Tagging', [
      [
        'TagSet',
        version.tags.map(
          ([k, v]): XmlNode => [
            'Tag',
            [
              ['Key', k],
              ['Value', v],
            ],
          ],
        ),
      ],
    ]);
    this.send(ctx, 200, this.versionHeaders(meta, version), xml);
  }

  private async putObjectTagging(ctx: Ctx): Promise<void> {
    const meta = this.requireBucket(ctx.bucket);
    const root = parseXmlBody(await this.readSmallBody(ctx));
    const tagSet = child(root, 'TagSet');
    if (root.name !== 'Tagging' || !tagSet) throw errors.malformedXml();
    const tags: [string, string][] = children(tagSet, 'Tag').map((t) => {
      const k = child(t, 'Key')?.text;
      const v = child(t, 'Value')?.text;
      if (k === undefined || v === undefined) throw errors.malformedXml();
      return [k, v];
    });
    validateTags(tags);
    const { version, entry } = this.resolveVersion(ctx);
    version.tags = tags;
    this.store.saveEntry(meta.name, entry);
    this.send(ctx, 200, this.versionHeaders(meta, version));
  }

  private deleteObjectTagging(ctx: Ctx): void {
    const meta = this.requireBucket(ctx.bucket);
    const { version, entry } = this.resolveVersion(ctx);
    version.tags = [];
    this.store.saveEntry(meta.name, entry);
    this.send(ctx, 204, this.versionHeaders(meta, version));
  }

  private requireLockBucket(ctx: Ctx): BucketMeta {
    const meta = this.requireBucket(ctx.bucket);
    if (!meta.objectLock) throw errors.invalidRequest('Bucket is missing Object Lock Configuration');
    return meta;
  }

  private getObjectRetention(ctx: Ctx): void {
    this.requireLockBucket(ctx);
    const { version } = this.resolveVersion(ctx);
    if (!version.retention) throw errors.noSuchLockConfig();
    const xml = renderXml('Retention', [
      ['Mode', version.retention.mode],
      ['RetainUntilDate', version.retention.retainUntil],
    ]);
    this.send(ctx, 200, {}, xml);
  }

  private async putObjectRetention(ctx: Ctx): Promise<void> {
    const meta = this.requireLockBucket(ctx);
    const root = parseXmlBody(await this.readSmallBody(ctx, true));
    if (root.name !== 'Retention') throw errors.malformedXml();
    const modeText = childText(root, 'Mode');
    const untilText = childText(root, 'RetainUntilDate');
    if ((modeText === undefined) !== (untilText === undefined)) throw errors.malformedXml();
    let next: { mode: LockMode; retainUntil: string } | undefined;
    if (modeText !== undefined && untilText !== undefined) {
      if (modeText !== 'GOVERNANCE' && modeText !== 'COMPLIANCE') throw errors.malformedXml();
      const t = Date.parse(untilText);
      if (Number.isNaN(t)) throw errors.malformedXml();
      if (t <= this.lockNow()) throw errors.invalidArgument('The retain until date must be in the future!');
      next = { mode: modeText, retainUntil: new Date(t).toISOString() };
    }
    const { version, entry } = this.resolveVersion(ctx);
    const current = version.retention;
    const bypass = ctx.headers['x-amz-bypass-governance-retention']?.toLowerCase() === 'true';
    if (current && Date.parse(current.retainUntil) > this.lockNow()) {
      const weakens =
        !next ||
        Date.parse(next.retainUntil) < Date.parse(current.retainUntil) ||
        (current.mode === 'COMPLIANCE' && next.mode !== 'COMPLIANCE');
      if (current.mode === 'COMPLIANCE' && weakens) {
        throw errors.accessDenied('Access Denied because object protected by object lock.');
      }
      if (current.mode === 'GOVERNANCE' && (weakens || next?.mode !== 'GOVERNANCE') && !bypass) {
        throw errors.accessDenied('Access Denied because object protected by object lock.');
      }
    }
    if (next) version.retention = next;
    else delete version.retention;
    this.store.saveEntry(meta.name, entry);
    this.send(ctx, 200);
  }

  private getObjectLegalHold(ctx: Ctx): void {
    this.requireLockBucket(ctx);
    const { version } = this.resolveVersion(ctx);
    if (!version.legalHold) throw errors.noSuchLockConfig();
    this.send(ctx, 200, {}, renderXml('LegalHold', [['Status', version.legalHold]]));
  }

  private async putObjectLegalHold(ctx: Ctx): Promise<void> {
    const meta = this.requireLockBucket(ctx);
    const root = parseXmlBody(await this.readSmallBody(ctx, true));
    const status = childText(root, 'Status');
    if (root.name !== 'LegalHold' || (status !== 'ON' && status !== 'OFF')) throw errors.malformedXml();
    const { version, entry } = this.resolveVersion(ctx);
    version.legalHold = status;
    this.store.saveEntry(meta.name, entry);
    this.send(ctx, 200);
  }

  private getObjectAttributes(ctx: Ctx): void {
    const meta = this.requireBucket(ctx.bucket);
    const { version } = this.resolveVersion(ctx);
    const wanted = new Set(
      (ctx.headers['x-amz-object-attributes'] ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
    if (wanted.size === 0) {
      throw errors.invalidArgument('Invalid attribute name specified.', 'x-amz-object-attributes', '');
    }
    const c = version.checksum;
    const nodes: XmlNode[] = [
      wanted.has('ETag') && ['ETag', stripQuotes(version.etag)],
      wanted.has('Checksum') &&
        c && [
          'Checksum',
          [
            [`Checksum${c.algorithm}`, c.value],
            ['ChecksumType', c.type],
          ],
        ],
      wanted.has('ObjectParts') &&
        version.parts && [
          'ObjectParts',
          [
            ['TotalPartsCount', version.parts.length],
            ['PartsCount', version.parts.length],
          ],
        ],
      wanted.has('StorageClass') && ['StorageClass', version.storageClass],
      wanted.has('ObjectSize') && ['ObjectSize', version.size],
    ];
    this.send(
      ctx,
      200,
      { 'Last-Modified': httpDate(version.lastModified), ...this.versionHeaders(meta, version) },
      renderXml('GetObjectAttributesResponse', nodes),
    );
  }

  // ------------------------------------------------------------------ listing

  private maxKeys(ctx: Ctx, name = 'max-keys'): number {
    const raw = ctx.query.get(name);
    if (raw === undefined) return 1000;
    if (!/^\d+$/.test(raw))
      throw errors.invalidArgument('Provided max-keys not an integer or within integer range', name, raw);
    return Math.min(Number(raw), 1000);
  }

  private listObjects(ctx: Ctx, v2: boolean): void {
    this.requireBucket(ctx.bucket);
    const q = ctx.query;
    const prefix = q.get('prefix') ?? '';
    const delimiter = q.get('delimiter') ?? '';
    const maxKeys = this.maxKeys(ctx);
    const urlEncode = q.get('encoding-type') === 'url';
    if (q.has('encoding-type') && !urlEncode) {
      throw errors.invalidArgument(
        'Invalid Encoding Method specified in Request',
        'encoding-type',
        q.get('encoding-type'),
      );
    }
    const enc = (s: string) => (urlEncode ? s.split('/').map(uriEncode).join('/') : s);
    let marker = '';
    const token = q.get('continuation-token');
    if (v2) {
      if (token !== undefined) {
        try {
          marker = Buffer.from(token, 'base64url').toString('utf8');
          if (!marker.startsWith('k:')) throw new Error('bad token');
          marker = marker.slice(2);
        } catch {
          throw errors.invalidArgument(
            'The continuation token provided is incorrect',
            'continuation-token',
            token,
          );
        }
      } else marker = q.get('start-after') ?? '';
    } else marker = q.get('marker') ?? '';

    const contents: ObjectEntry[] = [];
    const prefixes: string[] = [];
    let truncated = false;
    let last = '';
    for (const entry of this.store.sortedEntries(ctx.bucket, prefix)) {
      const latest = entry.versions[0];
      if (!latest || latest.isDeleteMarker) continue;
      if (marker && compareKeys(entry.key, marker) <= 0) continue;
      let commonPrefix: string | undefined;
      if (delimiter) {
        const idx = entry.key.indexOf(delimiter, prefix.length);
        if (idx >= 0) commonPrefix = entry.key.slice(0, idx + delimiter.length);
      }
      // A continuation marker that is itself a common prefix skips the whole group.
      if (commonPrefix !== undefined && marker.startsWith(commonPrefix) && marker.endsWith(delimiter))
        continue;
      if (commonPrefix !== undefined && prefixes[prefixes.length - 1] === commonPrefix) continue;
      if (contents.length + prefixes.length >= maxKeys) {
        truncated = true;
        break;
      }
      if (commonPrefix !== undefined) {
        prefixes.push(commonPrefix);
        last = commonPrefix;
      } else {
        contents.push(entry);
        last = entry.key;
      }
    }
    const fetchOwner = !v2 || q.get('fetch-owner') === 'true';
    const owner: XmlNode = [
      'Owner',
      [
        ['ID', OWNER_ID],
        ['DisplayName', OWNER_NAME],
      ],
    ];
    const contentNodes = contents.map((e): XmlNode => {
      const v = e.versions[0] as ObjectVersion;
      return [
        'Contents',
        [
          ['Key', enc(e.key)],
          ['LastModified', v.lastModified],
          ['ETag', v.etag],
          v.checksum && ['ChecksumAlgorithm', v.checksum.algorithm],
          v.checksum && ['ChecksumType', v.checksum.type],
          ['Size', v.size],
          fetchOwner && owner,
          ['StorageClass', v.storageClass],
        ],
      ];
    });
    const prefixNodes = prefixes.map((p): XmlNode => ['CommonPrefixes', [['Prefix', enc(p)]]]);
    const nodes: XmlNode[] = v2
      ? [
          ['Name', ctx.bucket],
          ['Prefix', enc(prefix)],
          delimiter !== '' && ['Delimiter', enc(delimiter)],
          ['MaxKeys', maxKeys],
          ['KeyCount', contents.length + prefixes.length],
          ['IsTruncated', truncated],
          token !== undefined && ['ContinuationToken', token],
          truncated && ['NextContinuationToken', Buffer.from(`k:${last}`, 'utf8').toString('base64url')],
          q.has('start-after') && ['StartAfter', enc(q.get('start-after') ?? '')],
          urlEncode && ['EncodingType', 'url'],
          ...contentNodes,
          ...prefixNodes,
        ]
      : [
          ['Name', ctx.bucket],
          ['Prefix', enc(prefix)],
          ['Marker', enc(marker)],
          truncated && delimiter !== '' && ['NextMarker', enc(last)],
          delimiter !== '' && ['Delimiter', enc(delimiter)],
          ['MaxKeys', maxKeys],
          ['IsTruncated', truncated],
          urlEncode && ['EncodingType', 'url'],
          ...contentNodes,
          ...prefixNodes,
        ];
    this.send(ctx, 200, {}, renderXml('ListBucketResult', nodes));
  }

  private listObjectVersions(ctx: Ctx): void {
    this.requireBucket(ctx.bucket);
    const q = ctx.query;
    const prefix = q.get('prefix') ?? '';
    const delimiter = q.get('delimiter') ?? '';
    const maxKeys = this.maxKeys(ctx);
    const keyMarker = q.get('key-marker') ?? '';
    const versionIdMarker = q.get('version-id-marker');
    const urlEncode = q.get('encoding-type') === 'url';
    const enc = (s: string) => (urlEncode ? s.split('/').map(uriEncode).join('/') : s);
    const owner: XmlNode = [
      'Owner',
      [
        ['ID', OWNER_ID],
        ['DisplayName', OWNER_NAME],
      ],
    ];
    const nodes: XmlNode[] = [];
    const prefixes: string[] = [];
    let count = 0;
    let truncated = false;
    let nextKey = '';
    let nextVersion = '';
    outer: for (const entry of this.store.sortedEntries(ctx.bucket, prefix)) {
      const cmp = keyMarker ? compareKeys(entry.key, keyMarker) : 1;
      if (cmp < 0 || (cmp === 0 && versionIdMarker === undefined)) continue;
      if (delimiter) {
        const idx = entry.key.indexOf(delimiter, prefix.length);
        if (idx >= 0) {
          const cp = entry.key.slice(0, idx + delimiter.length);
          if (
            prefixes[prefixes.length - 1] === cp ||
            (keyMarker.startsWith(cp) && keyMarker.endsWith(delimiter))
          )
            continue;
          if (count >= maxKeys) {
            truncated = true;
            break;
          }
          prefixes.push(cp);
          count++;
          nextKey = cp;
          nextVersion = '';
          continue;
        }
      }
      let versions = entry.versions;
      if (cmp === 0 && versionIdMarker !== undefined) {
        const idx = versions.findIndex((v) => v.versionId === versionIdMarker);
        versions = idx >= 0 ? versions.slice(idx + 1) : [];
      }
      for (const v of versions) {
        if (count >= maxKeys) {
          truncated = true;
          break outer;
        }
        const isLatest = entry.versions[0] === v;
        nodes.push(
          v.isDeleteMarker
            ? [
                'DeleteMarker',
                [
                  ['Key', enc(entry.key)],
                  ['VersionId', v.versionId],
                  ['IsLatest', isLatest],
                  ['LastModified', v.lastModified],
                  owner,
                ],
              ]
            : [
                'Version',
                [
                  ['Key', enc(entry.key)],
                  ['VersionId', v.versionId],
                  ['IsLatest', isLatest],
                  ['LastModified', v.lastModified],
                  ['ETag', v.etag],
                  v.checksum && ['ChecksumAlgorithm', v.checksum.algorithm],
                  v.checksum && ['ChecksumType', v.checksum.type],
                  ['Size', v.size],
                  ['StorageClass', v.storageClass],
                  owner,
                ],
              ],
        );
        count++;
        nextKey = entry.key;
        nextVersion = v.versionId;
      }
    }
    const xml = renderXml('ListVersionsResult', [
      ['Name', ctx.bucket],
      ['Prefix', enc(prefix)],
      ['KeyMarker', enc(keyMarker)],
      ['VersionIdMarker', versionIdMarker ?? ''],
      truncated && ['NextKeyMarker', enc(nextKey)],
      truncated && nextVersion !== '' && ['NextVersionIdMarker', nextVersion],
      delimiter !== '' && ['Delimiter', enc(delimiter)],
      ['MaxKeys', maxKeys],
      ['IsTruncated', truncated],
      urlEncode && ['EncodingType', 'url'],
      ...nodes,
      ...prefixes.map((p): XmlNode => ['CommonPrefixes', [['Prefix', enc(p)]]]),
    ]);
    this.send(ctx, 200, {}, xml);
  }

  // ------------------------------------------------------------------ multipart uploads

  private requireUpload(ctx: Ctx): MultipartUpload {
    const uploadId = ctx.query.get('uploadId') ?? '';
    const upload = this.store.getUpload(ctx.bucket, uploadId);
    if (!upload || upload.key !== ctx.key) throw errors.noSuchUpload(uploadId);
    return upload;
  }

  private createMultipartUpload(ctx: Ctx): void {
    const meta = this.requireBucket(ctx.bucket);
    const h = ctx.headers;
    const attrs = this.attributesFromHeaders(h);
    const lock = this.lockFromHeaders(meta, h);
    const tags = h['x-amz-tagging'] !== undefined ? parseTagSet(h['x-amz-tagging']) : [];
    validateTags(tags);
    const algorithm = parseChecksumAlgorithm(h['x-amz-checksum-algorithm']);
    if (h['x-amz-checksum-algorithm'] !== undefined && !algorithm) {
      throw errors.invalidRequest('Checksum algorithm provided is unsupported.');
    }
    const typeHeader = h['x-amz-checksum-type']?.toUpperCase();
    if (typeHeader !== undefined && typeHeader !== 'FULL_OBJECT' && typeHeader !== 'COMPOSITE') {
      throw errors.invalidRequest('Value for x-amz-checksum-type header is invalid.');
    }
    const checksumType =
      typeHeader ??
      (algorithm === undefined ? undefined : algorithm === 'CRC64NVME' ? 'FULL_OBJECT' : 'COMPOSITE');
    if (checksumType === 'FULL_OBJECT' && (algorithm === 'SHA1' || algorithm === 'SHA256')) {
      throw errors.invalidRequest(
        `The FULL_OBJECT checksum type cannot be used with the ${algorithm.toLowerCase()} checksum algorithm.`,
      );
    }
    if (checksumType === 'COMPOSITE' && algorithm === 'CRC64NVME') {
      throw errors.invalidRequest(
        'The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.',
      );
    }
    const template: MultipartUpload['template'] = {
      ...attrs,
      ...lock,
      tags,
      storageClass: h['x-amz-storage-class'] ?? 'STANDARD',
    };
    if (h['x-amz-server-side-encryption'] !== undefined)
      template.serverSideEncryption = h['x-amz-server-side-encryption'];
    const upload: MultipartUpload = {
      uploadId: randomBytes(24).toString('base64url'),
      key: ctx.key,
      initiated: isoNow(),
      template,
      parts: {},
    };
    if (algorithm) upload.checksumAlgorithm = algorithm;
    if (checksumType) upload.checksumType = checksumType;
    this.store.saveUpload(meta.name, upload);
    const headers: Record<string, string> = {
      'x-amz-server-side-encryption': template.serverSideEncryption ?? 'AES256',
    };
    if (algorithm) headers['x-amz-checksum-algorithm'] = algorithm;
    if (checksumType) headers['x-amz-checksum-type'] = checksumType;
    this.send(
      ctx,
      200,
      headers,
      renderXml('InitiateMultipartUploadResult', [
        ['Bucket', meta.name],
        ['Key', ctx.key],
        ['UploadId', upload.uploadId],
      ]),
    );
  }

  private async uploadPart(ctx: Ctx): Promise<void> {
    const meta = this.requireBucket(ctx.bucket);
    const upload = this.requireUpload(ctx);
    const raw = ctx.query.get('partNumber') ?? '';
    const partNumber = Number(raw);
    if (!/^\d+$/.test(raw) || partNumber < 1 || partNumber > 10000) {
      throw errors.invalidArgument(
        'Part number must be an integer between 1 and 10000, inclusive',
        'partNumber',
        raw,
      );
    }
    const declared = declaredChecksum(ctx.headers);
    if (upload.checksumAlgorithm && declared.algorithm && declared.algorithm !== upload.checksumAlgorithm) {
      throw errors.invalidRequest(
        `Checksum Type mismatch occurred, expected checksum Type: ${upload.checksumAlgorithm.toLowerCase()}, actual checksum Type: ${declared.algorithm.toLowerCase()}`,
      );
    }
    const algorithms = [declared.algorithm, upload.checksumAlgorithm].filter(
      (a): a is ChecksumAlgorithm => a !== undefined,
    );
    const tmp = this.store.tmpPath();
    const body = await receiveBody(ctx.req, { auth: ctx.auth, headers: ctx.headers, algorithms, file: tmp });
    try {
      verifyBody(body, ctx.headers, ctx.auth, declared);
      if (!this.store.getUpload(meta.name, upload.uploadId)) throw errors.noSuchUpload(upload.uploadId);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    await rename(tmp, this.store.partPath(meta.name, upload.uploadId, partNumber));
    const etag = `"${body.md5.toString('hex')}"`;
    const part: MultipartUpload['parts'][string] = {
      partNumber,
      size: body.size,
      etag,
      lastModified: isoNow(),
    };
    const sum = upload.checksumAlgorithm ? body.checksums[upload.checksumAlgorithm] : undefined;
    if (sum !== undefined) part.checksum = sum;
    upload.parts[String(partNumber)] = part;
    this.store.saveUpload(meta.name, upload);
    const headers: Record<string, string> = {
      ETag: etag,
      'x-amz-server-side-encryption': upload.template.serverSideEncryption ?? 'AES256',
    };
    if (upload.checksumAlgorithm && sum !== undefined)
      headers[checksumHeader(upload.checksumAlgorithm)] = sum;
    this.send(ctx, 200, headers);
  }

  private async completeMultipartUpload(ctx: Ctx): Promise<void> {
    const meta = this.requireBucket(ctx.bucket);
    const upload = this.requireUpload(ctx);
    const root = parseXmlBody(await this.readSmallBody(ctx));
    if (root.name !== 'CompleteMultipartUpload') throw errors.malformedXml();
    const requested = children(root, 'Part').map((p) => ({
      partNumber: Number(childText(p, 'PartNumber')),
      etag: childText(p, 'ETag') ?? '',
      checksum: upload.checksumAlgorithm ? childText(p, `Checksum${upload.checksumAlgorithm}`) : undefined,
    }));
    if (requested.length === 0) throw errors.malformedXml();
    let previous = 0;
    const parts = requested.map((r, i) => {
      if (!Number.isInteger(r.partNumber) || r.partNumber <= previous) {
        throw new S3Error(
          'InvalidPartOrder',
          400,
          'The list of parts was not in ascending order. Parts must be ordered by part number.',
        );
      }
      previous = r.partNumber;
      const stored = upload.parts[String(r.partNumber)];
      if (!stored || stripQuotes(stored.etag) !== stripQuotes(r.etag)) {
        throw new S3Error(
          'InvalidPart',
          400,
          "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not have matched the part's entity tag.",
          {
            PartNumber: String(r.partNumber),
            ETag: r.etag,
          },
        );
      }
      if (r.checksum !== undefined && stored.checksum !== undefined && r.checksum !== stored.checksum) {
        throw errors.badDigest(
          `The ${upload.checksumAlgorithm} you specified for part ${r.partNumber} did not match what we received.`,
        );
      }
      if (i < requested.length - 1 && stored.size < MIN_PART_SIZE) {
        throw new S3Error(
          'EntityTooSmall',
          400,
          'Your proposed upload is smaller than the minimum allowed size',
          {
            ProposedSize: String(stored.size),
            MinSizeAllowed: String(MIN_PART_SIZE),
            PartNumber: String(r.partNumber),
          },
        );
      }
      return stored;
    });
    this.checkWriteConditions(ctx);

    // Concatenate the parts, computing the full-object checksum on the way.
    const fullAlg: ChecksumAlgorithm | undefined =
      upload.checksumType === 'COMPOSITE' ? undefined : (upload.checksumAlgorithm ?? 'CRC64NVME');
    const full = fullAlg ? createChecksum(fullAlg) : undefined;
    const tmp = this.store.tmpPath();
    const out = createWriteStream(tmp);
    let size = 0;
    try {
      for (const p of parts) {
        for await (const chunk of createReadStream(
          this.store.partPath(meta.name, upload.uploadId, p.partNumber),
        )) {
          const b = chunk as Buffer;
          full?.update(b);
          size += b.length;
          if (!out.write(b)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
        }
      }
      await new Promise<void>((resolve, reject) => {
        out.once('error', reject);
        out.end(() => resolve());
      });
    } catch (e) {
      out.destroy();
      await rm(tmp, { force: true });
      throw e;
    }
    const md5s = createHash('md5');
    for (const p of parts) md5s.update(Buffer.from(stripQuotes(p.etag), 'hex'));
    const etag = `"${md5s.digest('hex')}-${parts.length}"`;
    let checksum: StoredChecksum | undefined;
    if (full && fullAlg) {
      checksum = { algorithm: fullAlg, value: full.digest().toString('base64'), type: 'FULL_OBJECT' };
      const provided = ctx.headers[checksumHeader(fullAlg)];
      if (provided !== undefined && upload.checksumType === 'FULL_OBJECT' && provided !== checksum.value) {
        await rm(tmp, { force: true });
        throw errors.badDigest(`The ${fullAlg} you specified did not match the calculated checksum.`);
      }
    } else if (upload.checksumAlgorithm && parts.every((p) => p.checksum !== undefined)) {
      const composite = createChecksum(upload.checksumAlgorithm);
      for (const p of parts) composite.update(Buffer.from(p.checksum as string, 'base64'));
      checksum = {
        algorithm: upload.checksumAlgorithm,
        value: `${composite.digest().toString('base64')}-${parts.length}`,
        type: 'COMPOSITE',
      };
    }
    const version: ObjectVersion = {
      ...upload.template,
      versionId: 'null',
      isDeleteMarker: false,
      lastModified: isoNow(),
      size,
      etag,
      parts: parts.map((p) =>
        p.checksum !== undefined ? { size: p.size, checksum: p.checksum } : { size: p.size },
      ),
    };
    if (checksum) version.checksum = checksum;
    version.blob = this.store.adoptBlob(meta.name, tmp);
    this.commitVersion(meta, ctx.key, version);
    this.store.removeUpload(meta.name, upload.uploadId);
    this.notify('ObjectCreated:CompleteMultipartUpload', meta, ctx.key, version);
    const c = version.checksum;
    const xml = renderXml('CompleteMultipartUploadResult', [
      [
        'Location',
        `http://${ctx.req.headers.host ?? 'localhost'}/${meta.name}/${ctx.key.split('/').map(uriEncode).join('/')}`,
      ],
      ['Bucket', meta.name],
      ['Key', ctx.key],
      ['ETag', etag],
      c && [`Checksum${c.algorithm}`, c.value],
      c && ['ChecksumType', c.type],
    ]);
    this.send(
      ctx,
      200,
      {
        'x-amz-server-side-encryption': version.serverSideEncryption ?? 'AES256',
        ...this.versionHeaders(meta, version),
      },
      xml,
    );
  }

  private abortMultipartUpload(ctx: Ctx): void {
    const meta = this.requireBucket(ctx.bucket);
    const upload = this.requireUpload(ctx);
    this.store.removeUpload(meta.name, upload.uploadId);
    this.send(ctx, 204);
  }

  private listParts(ctx: Ctx): void {
    const meta = this.requireBucket(ctx.bucket);
    const upload = this.requireUpload(ctx);
    const maxParts = this.maxKeys(ctx, 'max-parts');
    const marker = Number(ctx.query.get('part-number-marker') ?? '0');
    const all = Object.values(upload.parts)
      .filter((p) => p.partNumber > marker)
      .sort((a, b) => a.partNumber - b.partNumber);
    const page = all.slice(0, maxParts);
    const truncated = all.length > page.length;
    const alg = upload.checksumAlgorithm;
    const xml = renderXml('ListPartsResult', [
      ['Bucket', meta.name],
      ['Key', upload.key],
      ['UploadId', upload.uploadId],
      ['PartNumberMarker', marker],
      truncated && ['NextPartNumberMarker', page[page.length - 1]?.partNumber ?? 0],
      ['MaxParts', maxParts],
      ['IsTruncated', truncated],
      alg && ['ChecksumAlgorithm', alg],
      upload.checksumType && ['ChecksumType', upload.checksumType],
      ['StorageClass', upload.template.storageClass],
      ...page.map(
        (p): XmlNode => [
          'Part',
          [
            ['PartNumber', p.partNumber],
            ['LastModified', p.lastModified],
            ['ETag', p.etag],
            ['Size', p.size],
            alg && p.checksum !== undefined && [`Checksum${alg}`, p.checksum],
          ],
        ],
      ),
    ]);
    this.send(ctx, 200, {}, xml);
  }

  private listMultipartUploads(ctx: Ctx): void {
    const meta = this.requireBucket(ctx.bucket);
    const prefix = ctx.query.get('prefix') ?? '';
    const uploads = this.store.listUploads(meta.name).filter((u) => u.key.startsWith(prefix));
    const xml = renderXml('ListMultipartUploadsResult', [
      ['Bucket', meta.name],
      ['KeyMarker', ''],
      ['UploadIdMarker', ''],
      ['Prefix', prefix],
      ['MaxUploads', 1000],
      ['IsTruncated', false],
      ...uploads.map(
        (u): XmlNode => [
          'Upload',
          [
            ['Key', u.key],
            ['UploadId', u.uploadId],
            ['Initiated', u.initiated],
            ['StorageClass', u.template.storageClass],
            u.checksumAlgorithm && ['ChecksumAlgorithm', u.checksumAlgorithm],
          ],
        ],
      ),
    ]);
    this.send(ctx, 200, {}, xml);
  }
}

/**
 * Parses a single `bytes=` range as S3 does: an unsatisfiable range is InvalidRange (416), a malformed
 * or multi-range header is ignored (the whole object is returned).
 */
function parseRange(header: string, size: number): { start: number; end: number } | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return undefined;
  const [, first = '', last = ''] = m;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) throw errors.invalidRange(size, header);
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return undefined;
  if (start >= size) throw errors.invalidRange(size, header);
  return { start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) };
}

/** Hashes a stored file (MD5 + one checksum algorithm) without touching it. */
async function hashFile(path: string, algorithm: ChecksumAlgorithm): Promise<ReceivedBody> {
  const md5 = createHash('md5');
  const sum = createChecksum(algorithm);
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    const b = chunk as Buffer;
    md5.update(b);
    sum.update(b);
    size += b.length;
  }
  return {
    size,
    md5: md5.digest(),
    checksums: { [algorithm]: sum.digest().toString('base64') },
    trailers: {},
    file: path,
  };
}

export async function startS3Server(opts: LocalS3Options): Promise<LocalS3Server> {
  const s3 = new LocalS3(opts);
  const server = createServer((req, res) => {
    s3.handle(req, res).catch((e: unknown) => {
      console.error('local s3: unhandled error', e);
      if (!res.headersSent) {
        res.writeHead(500);
        res.end();
      } else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  // Large scans may take longer than Node's default 5-minute request timeout on slow local disks.
  server.requestTimeout = 0;
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
