/**
 * The bucket settings Dangan reads back (GetBucketVersioning, GetObjectLockConfiguration). They
 * are set when the endpoint starts (`buckets` in its options), as the stack sets them on AWS;
 * there are no requests that change them.
 */

import { renderXml } from '../../../../functions/adapters/xml.ts';
import { S3Error } from '../errors.ts';
import { type Ctx, type LocalS3, requireBucket, send } from '../request.ts';

export function getBucketVersioning(s3: LocalS3, ctx: Ctx): void {
  const meta = requireBucket(s3, ctx.bucket);
  send(ctx, 200, {}, renderXml('VersioningConfiguration', [meta.versioning && ['Status', meta.versioning]]));
}

export function getObjectLockConfiguration(s3: LocalS3, ctx: Ctx): void {
  const meta = requireBucket(s3, ctx.bucket);
  if (!meta.objectLock) {
    throw new S3Error(
      'ObjectLockConfigurationNotFoundError',
      404,
      'Object Lock configuration does not exist for this bucket',
      { BucketName: ctx.bucket },
    );
  }
  send(ctx, 200, {}, renderXml('ObjectLockConfiguration', [['ObjectLockEnabled', 'Enabled']]));
}
