/**
 * Object versions as the write and read operations share them: which version a request
 * addresses, how a new one is built from request headers (attributes, Object Lock, tags) and
 * committed according to the bucket's versioning, and the conditions a write must meet.
 */
import type { ReceivedBody } from './body.ts';
import type { ChecksumAlgorithm } from './checksums.ts';
import { errors, S3Error } from './errors.ts';
import { type Ctx, etagMatches, httpDate, isoNow, type LocalS3, requireBucket } from './request.ts';
import {
  type BucketMeta,
  isWellFormedVersionId,
  type LockMode,
  newVersionId,
  type ObjectEntry,
  type ObjectVersion,
} from './store.ts';

const MAX_METADATA_BYTES = 2048;

/** Resolves the version a GET/HEAD/tagging/retention request addresses; throws like S3. */
export function resolveVersion(
  s3: LocalS3,
  ctx: Ctx,
  opts: { allowDeleteMarker?: boolean } = {},
): { version: ObjectVersion; entry: ObjectEntry } {
  const meta = requireBucket(s3, ctx.bucket);
  const versionId = ctx.query.get('versionId');
  const entry = s3.store.getEntry(ctx.bucket, ctx.key);
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

export type HeaderAttributes = Pick<
  ObjectVersion,
  | 'contentType'
  | 'contentEncoding'
  | 'contentDisposition'
  | 'contentLanguage'
  | 'cacheControl'
  | 'expires'
  | 'metadata'
>;

/** Attributes set from request headers on PutObject / CreateMultipartUpload / CopyObject REPLACE. */
export function attributesFromHeaders(h: Record<string, string>): HeaderAttributes {
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
  const attrs: HeaderAttributes = { metadata };
  if (h['content-type'] !== undefined) attrs.contentType = h['content-type'];
  if (encodings.length > 0) attrs.contentEncoding = encodings.join(',');
  if (h['content-disposition'] !== undefined) attrs.contentDisposition = h['content-disposition'];
  if (h['content-language'] !== undefined) attrs.contentLanguage = h['content-language'];
  if (h['cache-control'] !== undefined) attrs.cacheControl = h['cache-control'];
  if (h.expires !== undefined) attrs.expires = h.expires;
  return attrs;
}

function parseLockMode(value: string | undefined): LockMode | undefined {
  if (value === undefined) return undefined;
  if (value === 'GOVERNANCE' || value === 'COMPLIANCE') return value;
  throw errors.invalidArgument('Unknown wormMode directive.', 'x-amz-object-lock-mode', value);
}

/** Object Lock headers of a write request, validated against the bucket. */
export function lockFromHeaders(
  s3: LocalS3,
  meta: BucketMeta,
  h: Record<string, string>,
): Pick<ObjectVersion, 'retention' | 'legalHold'> {
  const mode = parseLockMode(h['x-amz-object-lock-mode']);
  const until = h['x-amz-object-lock-retain-until-date'];
  const hold = h['x-amz-object-lock-legal-hold'];
  const out: Pick<ObjectVersion, 'retention' | 'legalHold'> = {};
  if (mode === undefined && until === undefined && hold === undefined) return out;
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
    if (t <= s3.lockNow()) throw errors.invalidArgument('The retain until date must be in the future!');
    out.retention = { mode, retainUntil: new Date(t).toISOString() };
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

/** The `x-amz-tagging` header (or a tagging directive's value): URL-encoded `k=v&k=v`. */
export function parseTagSet(value: string): [string, string][] {
  const tags: [string, string][] = [];
  for (const [k, v] of new URLSearchParams(value)) tags.push([k, v]);
  return tags;
}

export function validateTags(tags: [string, string][]): void {
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

/** A new single-part version of a received (or copied) body. */
export function newVersion(
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

/**
 * Inserts a new version according to the bucket's versioning: a new version id when versioning
 * is enabled, else the version replaces the key's "null" version (whose body is removed).
 */
export function commitVersion(s3: LocalS3, meta: BucketMeta, key: string, version: ObjectVersion): void {
  const entry = s3.store.getEntry(meta.name, key) ?? { key, versions: [] };
  const removed: ObjectVersion[] = [];
  if (meta.versioning === 'Enabled') {
    version.versionId = newVersionId();
  } else {
    version.versionId = 'null';
    const idx = entry.versions.findIndex((v) => v.versionId === 'null');
    if (idx >= 0) removed.push(...entry.versions.splice(idx, 1));
  }
  entry.versions.unshift(version);
  s3.store.saveEntry(meta.name, entry);
  for (const r of removed) s3.store.removeBlob(meta.name, r.blob);
}

/** `If-None-Match: *` and `If-Match` on writes (PutObject, CopyObject, CompleteMultipartUpload). */
export function checkWriteConditions(s3: LocalS3, ctx: Ctx): void {
  const current = s3.store.getEntry(ctx.bucket, ctx.key)?.versions[0];
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
