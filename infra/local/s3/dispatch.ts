/**
 * Request → operation: the one table of what the local S3 answers. A route applies to object
 * requests (`/<bucket>/<key>`) or bucket requests (`/<bucket>`), one method, and either the
 * sub-resource in its `sub` query parameter or, without `sub`, no sub-resource at all. Anything
 * else is refused (501 NotImplemented for S3 operations Dangan does not use, 405 for methods S3
 * does not have) rather than misread as a plain GET or PUT. Each route also names the IAM actions
 * that authorise it, which the local IAM checks first when the endpoint has one (access.ts).
 */
import { errors } from './errors.ts';
import { getBucketVersioning, getObjectLockConfiguration } from './ops/bucket-config.ts';
import {
  getObjectLegalHold,
  getObjectRetention,
  putObjectLegalHold,
  putObjectRetention,
} from './ops/lock.ts';
import { abortMultipartUpload, createMultipartUpload, listParts, uploadPart } from './ops/multipart.ts';
import { completeMultipartUpload } from './ops/multipart-complete.ts';
import { copyObject } from './ops/objects-copy.ts';
import { deleteObject } from './ops/objects-delete.ts';
import { getObject, headObject } from './ops/objects-get.ts';
import { listObjectsV2 } from './ops/objects-list.ts';
import { putObject } from './ops/objects-put.ts';
import { deleteObjectTagging, getObjectTagging, putObjectTagging } from './ops/tagging.ts';
import { listObjectVersions } from './ops/versions-list.ts';
import type { Ctx, LocalS3, Operation } from './request.ts';

interface Route {
  scope: 'object' | 'bucket';
  method: string;
  /** The sub-resource query parameter that selects the operation (with `value`, only that value). */
  sub?: string;
  value?: string;
  /** A header whose presence selects the operation (CopyObject's `x-amz-copy-source`). */
  header?: string;
  op: Operation;
  /** The IAM actions the operation is authorised by, on the object or bucket it names (access.ts adds the rest). */
  actions: (ctx: Ctx) => string[];
}

/** The plain action, or its `…Version…` form when the request names a version. */
const byVersion =
  (plain: string, version: string) =>
  (ctx: Ctx): string[] => [ctx.query.has('versionId') ? version : plain];
const only = (action: string) => (): string[] => [action];

/** First match wins. */
const ROUTES: Route[] = [
  { scope: 'object', method: 'PUT', sub: 'uploadId', op: uploadPart, actions: only('s3:PutObject') },
  {
    scope: 'object',
    method: 'PUT',
    sub: 'tagging',
    op: putObjectTagging,
    actions: byVersion('s3:PutObjectTagging', 's3:PutObjectVersionTagging'),
  },
  {
    scope: 'object',
    method: 'PUT',
    sub: 'retention',
    op: putObjectRetention,
    actions: only('s3:PutObjectRetention'),
  },
  {
    scope: 'object',
    method: 'PUT',
    sub: 'legal-hold',
    op: putObjectLegalHold,
    actions: only('s3:PutObjectLegalHold'),
  },
  {
    scope: 'object',
    method: 'PUT',
    header: 'x-amz-copy-source',
    op: copyObject,
    actions: only('s3:PutObject'),
  },
  { scope: 'object', method: 'PUT', op: putObject, actions: only('s3:PutObject') },
  {
    scope: 'object',
    method: 'GET',
    sub: 'tagging',
    op: getObjectTagging,
    actions: byVersion('s3:GetObjectTagging', 's3:GetObjectVersionTagging'),
  },
  {
    scope: 'object',
    method: 'GET',
    sub: 'retention',
    op: getObjectRetention,
    actions: only('s3:GetObjectRetention'),
  },
  {
    scope: 'object',
    method: 'GET',
    sub: 'legal-hold',
    op: getObjectLegalHold,
    actions: only('s3:GetObjectLegalHold'),
  },
  {
    scope: 'object',
    method: 'GET',
    sub: 'uploadId',
    op: listParts,
    actions: only('s3:ListMultipartUploadParts'),
  },
  {
    scope: 'object',
    method: 'GET',
    op: getObject,
    actions: byVersion('s3:GetObject', 's3:GetObjectVersion'),
  },
  {
    scope: 'object',
    method: 'HEAD',
    op: headObject,
    actions: byVersion('s3:GetObject', 's3:GetObjectVersion'),
  },
  {
    scope: 'object',
    method: 'DELETE',
    sub: 'tagging',
    op: deleteObjectTagging,
    actions: byVersion('s3:DeleteObjectTagging', 's3:DeleteObjectVersionTagging'),
  },
  {
    scope: 'object',
    method: 'DELETE',
    sub: 'uploadId',
    op: abortMultipartUpload,
    actions: only('s3:AbortMultipartUpload'),
  },
  {
    scope: 'object',
    method: 'DELETE',
    op: deleteObject,
    actions: byVersion('s3:DeleteObject', 's3:DeleteObjectVersion'),
  },
  {
    scope: 'object',
    method: 'POST',
    sub: 'uploads',
    op: createMultipartUpload,
    actions: only('s3:PutObject'),
  },
  {
    scope: 'object',
    method: 'POST',
    sub: 'uploadId',
    op: completeMultipartUpload,
    actions: only('s3:PutObject'),
  },
  {
    scope: 'bucket',
    method: 'GET',
    sub: 'versioning',
    op: getBucketVersioning,
    actions: only('s3:GetBucketVersioning'),
  },
  {
    scope: 'bucket',
    method: 'GET',
    sub: 'object-lock',
    op: getObjectLockConfiguration,
    actions: only('s3:GetBucketObjectLockConfiguration'),
  },
  {
    scope: 'bucket',
    method: 'GET',
    sub: 'versions',
    op: listObjectVersions,
    actions: only('s3:ListBucketVersions'),
  },
  {
    scope: 'bucket',
    method: 'GET',
    sub: 'list-type',
    value: '2',
    op: listObjectsV2,
    actions: only('s3:ListBucket'),
  },
];

/**
 * S3 sub-resources: a request naming one that no route takes is not a plain object or bucket
 * request. (`versionId`, `partNumber` and the `response-*` overrides are parameters, not these.)
 */
const SUBRESOURCES = [
  'acl',
  'analytics',
  'accelerate',
  'attributes',
  'cors',
  'delete',
  'encryption',
  'intelligent-tiering',
  'inventory',
  'legal-hold',
  'lifecycle',
  'list-type',
  'location',
  'logging',
  'metrics',
  'notification',
  'object-lock',
  'ownershipControls',
  'policy',
  'publicAccessBlock',
  'replication',
  'requestPayment',
  'restore',
  'retention',
  'select',
  'tagging',
  'torrent',
  'uploadId',
  'uploads',
  'versioning',
  'versions',
  'website',
];

const S3_METHODS = new Set(['GET', 'PUT', 'HEAD', 'DELETE', 'POST']);

function matches(route: Route, ctx: Ctx, scope: Route['scope']): boolean {
  if (route.scope !== scope || route.method !== ctx.method) return false;
  if (route.header !== undefined && ctx.headers[route.header] === undefined) return false;
  if (route.sub === undefined) return !SUBRESOURCES.some((name) => ctx.query.has(name));
  if (!ctx.query.has(route.sub)) return false;
  return route.value === undefined || ctx.query.get(route.sub) === route.value;
}

/** What an unanswered request asks for, for the NotImplemented message. */
function describe(ctx: Ctx): string {
  const sub = SUBRESOURCES.find((name) => ctx.query.has(name));
  const target = !ctx.bucket ? 'the service' : ctx.key ? 'an object' : 'a bucket';
  return `${ctx.method} on ${target}${sub === undefined ? '' : ` with ?${sub}`}`;
}

export async function dispatch(s3: LocalS3, ctx: Ctx): Promise<void> {
  const scope = !ctx.bucket ? undefined : ctx.key ? 'object' : 'bucket';
  const route = scope === undefined ? undefined : ROUTES.find((r) => matches(r, ctx, scope));
  if (route) {
    // Authorised before anything is read or written: a refused request changes nothing.
    await s3.authorize?.(ctx, route.actions(ctx));
    return route.op(s3, ctx);
  }
  if (!S3_METHODS.has(ctx.method)) {
    throw errors.methodNotAllowed(ctx.method, scope === undefined ? 'SERVICE' : scope.toUpperCase());
  }
  throw errors.notImplemented(describe(ctx));
}
