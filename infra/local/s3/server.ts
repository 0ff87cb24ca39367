/**
 * Dangan's local S3: an S3-compatible HTTP endpoint (path-style addressing) that persists buckets,
 * object versions, metadata, tags, retention and legal holds under a data directory.
 *
 * It verifies SigV4 (header-signed and presigned), checksums (Content-MD5, x-amz-content-sha256,
 * x-amz-checksum-* incl. aws-chunked trailers), enforces Object Lock, answers CORS preflights for
 * buckets that enable it, and reports ObjectCreated events to a callback. This module starts the
 * server and turns each HTTP request into a verified request for dispatch.ts, which names the
 * operations (one module each under ops/).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type S3Authorizer, s3Authorization } from './access.ts';
import { addCorsHeaders, preflight } from './cors.ts';
import { dispatch } from './dispatch.ts';
import { S3Error } from './errors.ts';
import type { S3ObjectCreatedRecord } from './events.ts';
import { type Ctx, isoNow, type LocalS3, sendError, stripQuotes } from './request.ts';
import { parseRawQuery, safeDecode, verifySignature } from './sigv4.ts';
import { type BucketMeta, type ObjectVersion, Store } from './store.ts';

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
   * are switched on when requested (they are never switched off, as in S3). There are no requests
   * that create buckets or change these settings.
   */
  buckets?: {
    name: string;
    objectLock?: boolean;
    versioning?: boolean;
    cors?: boolean;
    kmsKeyArn?: string;
  }[];
  /**
   * Decides whether the signer may do what a request asks (access.ts says what that is, the
   * bucket's `kmsKeyArn` included); a refusal is answered 403 AccessDenied and nothing is done.
   * Absent, every verified signer may do everything.
   */
  authorize?: S3Authorizer;
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

function isValidBucketName(name: string): boolean {
  return (
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) &&
    !name.includes('..') &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name)
  );
}

function ensureBucket(store: Store, b: NonNullable<LocalS3Options['buckets']>[number]): void {
  if (!isValidBucketName(b.name)) throw new Error(`invalid bucket name: ${b.name}`);
  const existing = store.getBucket(b.name);
  if (!existing) {
    const meta: BucketMeta = {
      name: b.name,
      createdAt: isoNow(),
      objectLock: b.objectLock === true,
      cors: b.cors === true,
    };
    if (b.objectLock || b.versioning) meta.versioning = 'Enabled';
    store.createBucket(meta);
    return;
  }
  existing.cors = b.cors === true;
  if (b.objectLock) existing.objectLock = true;
  if (b.objectLock || b.versioning) existing.versioning = 'Enabled';
  store.saveBucket(existing);
}

/** Event sequencers: hex, larger means later for the same key, as in S3 events. */
function sequencer(): () => string {
  let last = 0n;
  return () => {
    const now = BigInt(Date.now()) * 1_000_000n;
    last = now > last ? now : last + 1n;
    return last.toString(16).toUpperCase().padStart(18, '0');
  };
}

function localS3(opts: LocalS3Options): LocalS3 {
  const store = new Store(opts.dataDir);
  for (const b of opts.buckets ?? []) ensureBucket(store, b);
  const nextSequencer = sequencer();
  const kmsKeys = new Map((opts.buckets ?? []).map((b) => [b.name, b.kmsKeyArn]));
  const self: LocalS3 = {
    store,
    lockNow: () => opts.lockClock?.() ?? Date.now(),
    // The callback runs after the current request's response has been written (setImmediate;
    // operations send it right after this), as S3 answers before its events go out.
    notify(eventName: string, bucket: BucketMeta, key: string, version: ObjectVersion): void {
      const onObjectCreated = opts.onObjectCreated;
      if (!onObjectCreated) return;
      const record: S3ObjectCreatedRecord = {
        eventName,
        bucket: bucket.name,
        key,
        size: version.size,
        eTag: stripQuotes(version.etag),
        sequencer: nextSequencer(),
        eventTime: version.lastModified,
      };
      if (bucket.versioning !== undefined && version.versionId !== 'null')
        record.versionId = version.versionId;
      setImmediate(() => {
        Promise.resolve()
          .then(() => onObjectCreated(record))
          .catch((e: unknown) => {
            console.error(`local s3: onObjectCreated failed for s3://${bucket.name}/${key}:`, e);
          });
      });
    },
  };
  if (opts.authorize) {
    self.authorize = s3Authorization(opts.authorize, (bucket) => kmsKeys.get(bucket), opts.region)(self);
  }
  return self;
}

/** Parses, authenticates and dispatches one request; every failure becomes an S3 error response. */
async function handle(
  s3: LocalS3,
  opts: LocalS3Options,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
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
      preflight(s3.store, req, res, bucket);
      return;
    }
    if (origin && bucket) addCorsHeaders(s3.store, res, bucket, origin);

    const auth = verifySignature(
      { method, url: rawUrl, rawHeaders: req.rawHeaders },
      { region: opts.region, credentials: opts.credentials, now: Date.now() },
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
    await dispatch(s3, ctx);
  } catch (e) {
    sendError(res, method, resource, requestId, e);
  }
}

export async function startS3Server(opts: LocalS3Options): Promise<LocalS3Server> {
  const s3 = localS3(opts);
  const server = createServer((req, res) => {
    handle(s3, opts, req, res).catch((e: unknown) => {
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
