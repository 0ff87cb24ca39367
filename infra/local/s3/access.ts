/**
 * What IAM authorises an S3 request by, as S3 asks it: the route's actions on the object or bucket
 * ARN (dispatch.ts), the actions its headers add (Object Lock and tags on a PUT, bypassing
 * governance retention, the source of a copy), the key's use when the bucket encrypts with KMS,
 * and the condition keys S3 supplies (the addressed version's tags as `s3:ExistingObjectTag/…`,
 * `s3:versionid`, `s3:prefix`, the lock mode). A refused request is answered 403 AccessDenied
 * with AWS's message, before anything is read or written.
 *
 * The decision is the caller's (`S3Authorizer`: the local IAM in the local realisation); this
 * module only says what is asked.
 */
import { errors } from './errors.ts';
import type { Ctx, LocalS3 } from './request.ts';
import { parseRawQuery, safeDecode } from './sigv4.ts';

export interface S3AccessRequest {
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
}

/** Decides for the signer of `accessKeyId`: undefined when allowed, else AWS's refusal message. */
export type S3Authorizer = (accessKeyId: string, requests: S3AccessRequest[]) => Promise<string | undefined>;

/** Object-level actions that change what is kept, which S3 encrypts with the bucket's key. */
const ENCRYPTING = new Set(['s3:PutObject']);
/** Reads of an object's content, which S3 decrypts with the bucket's key (HEAD reads no content). */
const DECRYPTING = ['s3:GetObject', 's3:GetObjectVersion'];

const objectArn = (bucket: string, key: string) => `arn:aws:s3:::${bucket}/${key}`;

/** The version a request addresses, when it exists. */
function addressed(s3: LocalS3, bucket: string, key: string, versionId?: string) {
  const entry = s3.store.getEntry(bucket, key);
  const version =
    versionId === undefined ? entry?.versions[0] : entry?.versions.find((v) => v.versionId === versionId);
  return version && !version.isDeleteMarker ? version : undefined;
}

/** The condition keys of the version a request addresses (none when it does not exist). */
function existingObjectContext(s3: LocalS3, bucket: string, key: string, versionId?: string) {
  const version = addressed(s3, bucket, key, versionId);
  return Object.fromEntries((version?.tags ?? []).map(([k, v]) => [`s3:ExistingObjectTag/${k}`, v]));
}

/** Every IAM request one S3 request makes. */
export function accessRequests(
  s3: LocalS3,
  ctx: Ctx,
  actions: string[],
  kmsKeyOf: (bucket: string) => string | undefined,
  region: string,
): S3AccessRequest[] {
  const versionId = ctx.query.get('versionId');
  const context: Record<string, string> = {};
  if (versionId !== undefined) context['s3:versionid'] = versionId;
  let resource = `arn:aws:s3:::${ctx.bucket}`;
  if (ctx.key) {
    resource = objectArn(ctx.bucket, ctx.key);
    Object.assign(context, existingObjectContext(s3, ctx.bucket, ctx.key, versionId));
  } else {
    context['s3:prefix'] = ctx.query.get('prefix') ?? '';
  }
  const all = new Set(actions);
  const h = ctx.headers;
  if (all.has('s3:PutObject')) {
    if (h['x-amz-object-lock-mode'] || h['x-amz-object-lock-retain-until-date'])
      all.add('s3:PutObjectRetention');
    if (h['x-amz-object-lock-legal-hold']) all.add('s3:PutObjectLegalHold');
    if (h['x-amz-tagging']) all.add('s3:PutObjectTagging');
    if (h['x-amz-object-lock-mode']) context['s3:object-lock-mode'] = h['x-amz-object-lock-mode'];
  }
  if (h['x-amz-bypass-governance-retention']?.toLowerCase() === 'true')
    all.add('s3:BypassGovernanceRetention');
  const requests: S3AccessRequest[] = [...all].map((action) => ({ action, resource, context }));
  // S3 says whether a key exists only to who may list the bucket: without s3:ListBucket, a read
  // of a missing object is refused (403) rather than answered 404 NoSuchKey.
  const reads = (ctx.method === 'GET' || ctx.method === 'HEAD') && DECRYPTING.some((a) => all.has(a));
  if (ctx.key && reads && !addressed(s3, ctx.bucket, ctx.key, versionId)) {
    requests.push({
      action: 's3:ListBucket',
      resource: `arn:aws:s3:::${ctx.bucket}`,
      context: { 's3:prefix': ctx.key },
    });
  }

  const source = ctx.method === 'PUT' ? h['x-amz-copy-source'] : undefined;
  if (source !== undefined) {
    const [path = '', query = ''] = source.replace(/^\//, '').split('?');
    const slash = path.indexOf('/');
    const bucket = safeDecode(path.slice(0, slash));
    const key = safeDecode(path.slice(slash + 1));
    const sourceVersion = parseRawQuery(query).find(([n]) => n === 'versionId')?.[1];
    requests.push({
      action: sourceVersion === undefined ? 's3:GetObject' : 's3:GetObjectVersion',
      resource: objectArn(bucket, key),
      context: existingObjectContext(s3, bucket, key, sourceVersion),
    });
    const sourceKey = kmsKeyOf(bucket);
    if (sourceKey) requests.push(keyUse('kms:Decrypt', sourceKey, bucket, region));
  }

  const key = kmsKeyOf(ctx.bucket);
  if (key && ctx.key) {
    if ([...all].some((a) => ENCRYPTING.has(a)))
      requests.push(keyUse('kms:GenerateDataKey', key, ctx.bucket, region));
    // Only content that exists is decrypted.
    if (ctx.method === 'GET' && reads && addressed(s3, ctx.bucket, ctx.key, versionId))
      requests.push(keyUse('kms:Decrypt', key, ctx.bucket, region));
  }
  return requests;
}

/** S3 using the bucket's KMS key for the caller (with an S3 Bucket Key, its context is the bucket). */
function keyUse(action: string, keyArn: string, bucket: string, region: string): S3AccessRequest {
  return {
    action,
    resource: keyArn,
    context: {
      'kms:ViaService': `s3.${region}.amazonaws.com`,
      'kms:EncryptionContext:aws:s3:arn': `arn:aws:s3:::${bucket}`,
      'kms:CallerAccount': keyArn.split(':')[4] ?? '',
    },
  };
}

/** LocalS3.authorize for an endpoint whose decisions `authorizer` makes. */
export function s3Authorization(
  authorizer: S3Authorizer,
  kmsKeyOf: (bucket: string) => string | undefined,
  region: string,
): (s3: LocalS3) => NonNullable<LocalS3['authorize']> {
  return (s3) => async (ctx, actions) => {
    const refused = await authorizer(
      ctx.auth.accessKeyId,
      accessRequests(s3, ctx, actions, kmsKeyOf, region),
    );
    if (refused !== undefined) throw errors.accessDenied(refused);
  };
}
