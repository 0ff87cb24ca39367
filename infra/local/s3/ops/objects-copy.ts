/**
 * CopyObject (archiving copies an intake scan into the archive bucket): the source version,
 * its `x-amz-copy-source-if-*` conditions, metadata and tagging directives, Object Lock headers
 * for the destination, and a re-hashed body under the requested checksum.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, writeFile } from 'node:fs/promises';
import { renderXml } from '../../../../functions/adapters/xml.ts';
import type { ReceivedBody } from '../body.ts';
import { type ChecksumAlgorithm, createChecksum, parseChecksumAlgorithm } from '../checksums.ts';
import { errors } from '../errors.ts';
import { type Ctx, etagMatches, type LocalS3, requireBucket, send, versionHeaders } from '../request.ts';
import { parseRawQuery, safeDecode } from '../sigv4.ts';
import { isWellFormedVersionId, type ObjectVersion } from '../store.ts';
import {
  attributesFromHeaders,
  checkWriteConditions,
  commitVersion,
  type HeaderAttributes,
  lockFromHeaders,
  newVersion,
  parseTagSet,
  validateTags,
} from '../versions.ts';

interface CopySource {
  bucket: string;
  key: string;
  versionId?: string;
}

function parseCopySource(value: string): CopySource {
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
  const out: CopySource = { bucket: path.slice(0, slash), key: path.slice(slash + 1) };
  if (qi >= 0) {
    for (const [name, v] of parseRawQuery(value.slice(qi + 1))) {
      if (name === 'versionId') out.versionId = v;
    }
  }
  return out;
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

function sourceVersion(s3: LocalS3, src: CopySource): ObjectVersion {
  const srcEntry = s3.store.getEntry(src.bucket, src.key);
  if (src.versionId === undefined) {
    const source = srcEntry?.versions[0];
    if (!source || source.isDeleteMarker) throw errors.noSuchKey(src.key);
    return source;
  }
  const source = srcEntry?.versions.find((v) => v.versionId === src.versionId);
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
  return source;
}

/** The `x-amz-copy-source-if-*` conditions on the source version. */
function checkSourceConditions(h: Record<string, string>, source: ObjectVersion): void {
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
}

function copiedAttributes(source: ObjectVersion): HeaderAttributes {
  return {
    metadata: { ...source.metadata },
    ...(source.contentType !== undefined && { contentType: source.contentType }),
    ...(source.contentEncoding !== undefined && { contentEncoding: source.contentEncoding }),
    ...(source.contentDisposition !== undefined && { contentDisposition: source.contentDisposition }),
    ...(source.contentLanguage !== undefined && { contentLanguage: source.contentLanguage }),
    ...(source.cacheControl !== undefined && { cacheControl: source.cacheControl }),
    ...(source.expires !== undefined && { expires: source.expires }),
  };
}

export async function copyObject(s3: LocalS3, ctx: Ctx): Promise<void> {
  const meta = requireBucket(s3, ctx.bucket);
  const h = ctx.headers;
  const src = parseCopySource(h['x-amz-copy-source'] ?? '');
  const srcMeta = requireBucket(s3, src.bucket);
  const source = sourceVersion(s3, src);
  checkSourceConditions(h, source);

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
  const lock = lockFromHeaders(s3, meta, h);
  const explicitLock =
    h['x-amz-object-lock-mode'] !== undefined || h['x-amz-object-lock-legal-hold'] !== undefined;
  const checksumAlg = parseChecksumAlgorithm(h['x-amz-checksum-algorithm']);
  if (h['x-amz-checksum-algorithm'] !== undefined && !checksumAlg) {
    throw errors.invalidRequest('Checksum algorithm provided is unsupported.');
  }
  const latestSourceId = s3.store.getEntry(src.bucket, src.key)?.versions[0]?.versionId;
  if (
    src.bucket === ctx.bucket &&
    src.key === ctx.key &&
    (src.versionId === undefined || src.versionId === latestSourceId) &&
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
  checkWriteConditions(s3, ctx);
  let tags: [string, string][] = source.tags.map(([k, v]) => [k, v]);
  if (taggingDirective === 'REPLACE') tags = parseTagSet(h['x-amz-tagging'] ?? '');
  validateTags(tags);
  const attrs = metadataDirective === 'REPLACE' ? attributesFromHeaders(h) : copiedAttributes(source);

  // Copy and re-hash the body: the new object is a single-part object with an MD5 ETag.
  const tmp = s3.store.tmpPath();
  const algorithm: ChecksumAlgorithm =
    checksumAlg ?? (source.checksum?.type === 'FULL_OBJECT' ? source.checksum.algorithm : 'CRC64NVME');
  if (source.blob) await copyFile(s3.store.blobPath(src.bucket, source.blob), tmp);
  else await writeFile(tmp, Buffer.alloc(0));
  const body = await hashFile(tmp, algorithm);
  const version = newVersion(ctx, body, algorithm, {
    ...attrs,
    ...lock,
    tags,
    storageClass: h['x-amz-storage-class'] ?? source.storageClass,
  });
  if (h['x-amz-server-side-encryption'] === undefined && source.serverSideEncryption !== undefined) {
    version.serverSideEncryption = source.serverSideEncryption;
  }
  version.blob = s3.store.adoptBlob(meta.name, tmp);
  commitVersion(s3, meta, ctx.key, version);
  s3.notify('ObjectCreated:Copy', meta, ctx.key, version);
  const headers: Record<string, string> = {
    'x-amz-server-side-encryption': version.serverSideEncryption ?? 'AES256',
    ...versionHeaders(meta, version),
  };
  if (srcMeta.versioning !== undefined) headers['x-amz-copy-source-version-id'] = source.versionId;
  const c = version.checksum;
  const xml = renderXml('CopyObjectResult', [
    ['LastModified', version.lastModified],
    ['ETag', version.etag],
    c && ['ChecksumType', c.type],
    c && [`Checksum${c.algorithm}`, c.value],
  ]);
  send(ctx, 200, headers, xml);
}
