/**
 * GetObject and HeadObject: headers of the addressed version, conditional requests, one byte
 * range, response header overrides (presigned downloads use them) and the stored checksum when
 * asked for with `x-amz-checksum-mode: ENABLED`.
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { errors } from '../errors.ts';
import {
  type Ctx,
  checksumResponseHeaders,
  etagMatches,
  httpDate,
  type LocalS3,
  requireBucket,
  versionHeaders,
} from '../request.ts';
import { resolveVersion } from '../versions.ts';

/** Response header overrides by query parameter. */
const OVERRIDES: [string, string][] = [
  ['response-content-type', 'Content-Type'],
  ['response-content-language', 'Content-Language'],
  ['response-expires', 'Expires'],
  ['response-cache-control', 'Cache-Control'],
  ['response-content-disposition', 'Content-Disposition'],
  ['response-content-encoding', 'Content-Encoding'],
];

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

export const getObject = (s3: LocalS3, ctx: Ctx): Promise<void> => readObject(s3, ctx, false);
export const headObject = (s3: LocalS3, ctx: Ctx): Promise<void> => readObject(s3, ctx, true);

async function readObject(s3: LocalS3, ctx: Ctx, head: boolean): Promise<void> {
  const meta = requireBucket(s3, ctx.bucket);
  const { version } = resolveVersion(s3, ctx);
  const h = ctx.headers;
  const modifiedMs = Math.floor(Date.parse(version.lastModified) / 1000) * 1000;
  const headers: Record<string, string> = {
    'Last-Modified': httpDate(version.lastModified),
    ETag: version.etag,
    'Accept-Ranges': 'bytes',
    'Content-Type': version.contentType ?? 'binary/octet-stream',
    'x-amz-server-side-encryption': version.serverSideEncryption ?? 'AES256',
    ...versionHeaders(meta, version),
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

  for (const [param, header] of OVERRIDES) {
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
    Object.assign(headers, checksumResponseHeaders(version.checksum));
  }
  const length = version.size === 0 ? 0 : end - start + 1;
  headers['Content-Length'] = String(length);
  ctx.res.writeHead(status, headers);
  if (head || length === 0 || !version.blob) {
    ctx.res.end();
    return;
  }
  const stream = createReadStream(s3.store.blobPath(meta.name, version.blob), { start, end });
  try {
    await pipeline(stream, ctx.res);
  } catch (e) {
    if (!ctx.res.destroyed) console.error('local s3: GetObject stream failed', e);
    ctx.res.destroy();
  }
}
