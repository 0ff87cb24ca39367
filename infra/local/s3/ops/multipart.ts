/**
 * Multipart uploads, for bodies too large for one PUT: CreateMultipartUpload (object attributes,
 * Object Lock and the checksum algorithm and type are fixed here), UploadPart (each part verified
 * like a PutObject body), AbortMultipartUpload and ListParts. Completion is in
 * multipart-complete.ts.
 */
import { randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import { renderXml, type XmlNode } from '../../../../functions/adapters/xml.ts';
import { declaredChecksum, receiveBody, verifyBody } from '../body.ts';
import { type ChecksumAlgorithm, checksumHeader, parseChecksumAlgorithm } from '../checksums.ts';
import { errors } from '../errors.ts';
import { type Ctx, isoNow, type LocalS3, maxKeys, requireBucket, send } from '../request.ts';
import type { MultipartUpload } from '../store.ts';
import { attributesFromHeaders, lockFromHeaders, parseTagSet, validateTags } from '../versions.ts';

export function requireUpload(s3: LocalS3, ctx: Ctx): MultipartUpload {
  const uploadId = ctx.query.get('uploadId') ?? '';
  const upload = s3.store.getUpload(ctx.bucket, uploadId);
  if (!upload || upload.key !== ctx.key) throw errors.noSuchUpload(uploadId);
  return upload;
}

/** The checksum algorithm and type of a new upload; the type defaults as S3 defaults it. */
function uploadChecksum(
  h: Record<string, string>,
): Pick<MultipartUpload, 'checksumAlgorithm' | 'checksumType'> {
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
  const out: Pick<MultipartUpload, 'checksumAlgorithm' | 'checksumType'> = {};
  if (algorithm) out.checksumAlgorithm = algorithm;
  if (checksumType) out.checksumType = checksumType;
  return out;
}

export function createMultipartUpload(s3: LocalS3, ctx: Ctx): void {
  const meta = requireBucket(s3, ctx.bucket);
  const h = ctx.headers;
  const attrs = attributesFromHeaders(h);
  const lock = lockFromHeaders(s3, meta, h);
  const tags = h['x-amz-tagging'] !== undefined ? parseTagSet(h['x-amz-tagging']) : [];
  validateTags(tags);
  const checksum = uploadChecksum(h);
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
    ...checksum,
  };
  s3.store.saveUpload(meta.name, upload);
  const headers: Record<string, string> = {
    'x-amz-server-side-encryption': template.serverSideEncryption ?? 'AES256',
  };
  if (checksum.checksumAlgorithm) headers['x-amz-checksum-algorithm'] = checksum.checksumAlgorithm;
  if (checksum.checksumType) headers['x-amz-checksum-type'] = checksum.checksumType;
  send(
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

export async function uploadPart(s3: LocalS3, ctx: Ctx): Promise<void> {
  if (ctx.headers['x-amz-copy-source']) throw errors.notImplemented('UploadPartCopy');
  const meta = requireBucket(s3, ctx.bucket);
  const upload = requireUpload(s3, ctx);
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
  const tmp = s3.store.tmpPath();
  const body = await receiveBody(ctx.req, { auth: ctx.auth, headers: ctx.headers, algorithms, file: tmp });
  try {
    verifyBody(body, ctx.headers, ctx.auth, declared);
    if (!s3.store.getUpload(meta.name, upload.uploadId)) throw errors.noSuchUpload(upload.uploadId);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await rename(tmp, s3.store.partPath(meta.name, upload.uploadId, partNumber));
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
  s3.store.saveUpload(meta.name, upload);
  const headers: Record<string, string> = {
    ETag: etag,
    'x-amz-server-side-encryption': upload.template.serverSideEncryption ?? 'AES256',
  };
  if (upload.checksumAlgorithm && sum !== undefined) headers[checksumHeader(upload.checksumAlgorithm)] = sum;
  send(ctx, 200, headers);
}

export function abortMultipartUpload(s3: LocalS3, ctx: Ctx): void {
  const meta = requireBucket(s3, ctx.bucket);
  const upload = requireUpload(s3, ctx);
  s3.store.removeUpload(meta.name, upload.uploadId);
  send(ctx, 204);
}

export function listParts(s3: LocalS3, ctx: Ctx): void {
  const meta = requireBucket(s3, ctx.bucket);
  const upload = requireUpload(s3, ctx);
  const maxParts = maxKeys(ctx, 'max-parts');
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
  send(ctx, 200, {}, xml);
}
