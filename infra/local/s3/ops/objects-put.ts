/** PutObject: a body received in full, its signature and checksums verified, then committed. */
import { rm } from 'node:fs/promises';
import { declaredChecksum, receiveBody, verifyBody } from '../body.ts';
import type { ChecksumAlgorithm } from '../checksums.ts';
import { errors } from '../errors.ts';
import {
  type Ctx,
  checksumResponseHeaders,
  type LocalS3,
  requireBucket,
  send,
  versionHeaders,
} from '../request.ts';
import {
  attributesFromHeaders,
  checkWriteConditions,
  commitVersion,
  lockFromHeaders,
  newVersion,
  parseTagSet,
  validateTags,
} from '../versions.ts';

export async function putObject(s3: LocalS3, ctx: Ctx): Promise<void> {
  const meta = requireBucket(s3, ctx.bucket);
  const h = ctx.headers;
  const attrs = attributesFromHeaders(h);
  const lock = lockFromHeaders(s3, meta, h);
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
  checkWriteConditions(s3, ctx);
  // Objects uploaded without a checksum get a CRC64NVME one, as S3 does.
  const algorithm: ChecksumAlgorithm = declared.algorithm ?? 'CRC64NVME';
  const tmp = s3.store.tmpPath();
  const body = await receiveBody(ctx.req, {
    auth: ctx.auth,
    headers: h,
    algorithms: [algorithm],
    file: tmp,
  });
  try {
    verifyBody(body, h, ctx.auth, declared);
    checkWriteConditions(s3, ctx);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  const version = newVersion(ctx, body, algorithm, {
    ...attrs,
    ...lock,
    tags,
    storageClass: h['x-amz-storage-class'] ?? 'STANDARD',
  });
  version.blob = s3.store.adoptBlob(meta.name, tmp);
  commitVersion(s3, meta, ctx.key, version);
  s3.notify('ObjectCreated:Put', meta, ctx.key, version);
  send(ctx, 200, {
    ETag: version.etag,
    'x-amz-server-side-encryption': version.serverSideEncryption ?? 'AES256',
    ...versionHeaders(meta, version),
    ...checksumResponseHeaders(version.checksum),
  });
}
