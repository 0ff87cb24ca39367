/**
 * CompleteMultipartUpload: the listed parts checked (order, ETags, checksums, 5 MiB minimum but
 * for the last), concatenated into one version with a multipart ETag and a full-object or
 * composite checksum, then committed and reported like a PUT.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { children, childText, renderXml } from '../../../../functions/adapters/xml.ts';
import { type ChecksumAlgorithm, checksumHeader, createChecksum } from '../checksums.ts';
import { errors, S3Error } from '../errors.ts';
import {
  type Ctx,
  isoNow,
  type LocalS3,
  parseXmlBody,
  readSmallBody,
  requireBucket,
  send,
  stripQuotes,
  versionHeaders,
} from '../request.ts';
import { uriEncode } from '../sigv4.ts';
import type { MultipartUpload, ObjectVersion, StoredChecksum, UploadPart } from '../store.ts';
import { checkWriteConditions, commitVersion } from '../versions.ts';
import { requireUpload } from './multipart.ts';

const MIN_PART_SIZE = 5 * 1024 * 1024;

/** The parts the request lists, each checked against what was uploaded. */
async function requestedParts(ctx: Ctx, upload: MultipartUpload): Promise<UploadPart[]> {
  const root = parseXmlBody(await readSmallBody(ctx));
  if (root.name !== 'CompleteMultipartUpload') throw errors.malformedXml();
  const requested = children(root, 'Part').map((p) => ({
    partNumber: Number(childText(p, 'PartNumber')),
    etag: childText(p, 'ETag') ?? '',
    checksum: upload.checksumAlgorithm ? childText(p, `Checksum${upload.checksumAlgorithm}`) : undefined,
  }));
  if (requested.length === 0) throw errors.malformedXml();
  let previous = 0;
  return requested.map((r, i) => {
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
        { PartNumber: String(r.partNumber), ETag: r.etag },
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
}

export async function completeMultipartUpload(s3: LocalS3, ctx: Ctx): Promise<void> {
  const meta = requireBucket(s3, ctx.bucket);
  const upload = requireUpload(s3, ctx);
  const parts = await requestedParts(ctx, upload);
  checkWriteConditions(s3, ctx);

  // Concatenate the parts, computing the full-object checksum on the way.
  const fullAlg: ChecksumAlgorithm | undefined =
    upload.checksumType === 'COMPOSITE' ? undefined : (upload.checksumAlgorithm ?? 'CRC64NVME');
  const full = fullAlg ? createChecksum(fullAlg) : undefined;
  const tmp = s3.store.tmpPath();
  const out = createWriteStream(tmp);
  let size = 0;
  try {
    for (const p of parts) {
      for await (const chunk of createReadStream(
        s3.store.partPath(meta.name, upload.uploadId, p.partNumber),
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
  version.blob = s3.store.adoptBlob(meta.name, tmp);
  commitVersion(s3, meta, ctx.key, version);
  s3.store.removeUpload(meta.name, upload.uploadId);
  s3.notify('ObjectCreated:CompleteMultipartUpload', meta, ctx.key, version);
  const c = version.checksum;
  const location = `http://${ctx.req.headers.host ?? 'localhost'}/${meta.name}/${ctx.key.split('/').map(uriEncode).join('/')}`;
  const xml = renderXml('CompleteMultipartUploadResult', [
    ['Location', location],
    ['Bucket', meta.name],
    ['Key', ctx.key],
    ['ETag', etag],
    c && [`Checksum${c.algorithm}`, c.value],
    c && ['ChecksumType', c.type],
  ]);
  send(
    ctx,
    200,
    {
      'x-amz-server-side-encryption': version.serverSideEncryption ?? 'AES256',
      ...versionHeaders(meta, version),
    },
    xml,
  );
}
