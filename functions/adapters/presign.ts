import { now } from '../core/clock.ts';
import { sha256HexToBase64 } from '../core/documents.ts';
import { archiveBucket, intakeBucket } from './env.ts';
import { presignS3 } from './s3-presign.ts';

/**
 * The links to documents' bytes that the API hands out: uploads into the intake bucket and
 * downloads of scans, archived originals and handover packages. Signed without the S3 client
 * (s3-presign.ts), so a function that only hands out links does not carry it; storage.ts does
 * the rest of what is done with the buckets.
 */

export interface PresignedUpload {
  method: 'PUT';
  url: string;
  /** Exactly the headers the client must send with the PUT; all are signed. */
  headers: Record<string, string>;
  /** The body must be exactly this many bytes: `content-length` is signed too. */
  size: number;
  expiresAt: string;
}

/** The object metadata that names the upload URL an object came through (`x-amz-meta-upload-id`). */
export const UPLOAD_ID_METADATA = 'upload-id';

/**
 * A PUT URL bound to one key, one content type, one length, one SHA-256 and one upload id: S3
 * refuses the upload when the body's checksum differs from the signed `x-amz-checksum-sha256`
 * header or its length from the signed `content-length`, so the URL can only ever store the file
 * the clerk declared. The upload id (signed `x-amz-meta-upload-id`) travels with the object, so
 * whoever records the upload can tell a PUT through this URL from one through an older URL of the
 * same key.
 */
export async function presignUpload(args: {
  key: string;
  contentType: string;
  size: number;
  sha256Hex: string;
  uploadId: string;
  expiresIn: number;
  now?: Date;
}): Promise<PresignedUpload> {
  const headers = {
    'content-type': args.contentType,
    'x-amz-checksum-sha256': sha256HexToBase64(args.sha256Hex),
    [`x-amz-meta-${UPLOAD_ID_METADATA}`]: args.uploadId,
  };
  const url = await presignS3({
    method: 'PUT',
    operation: 'PutObject',
    bucket: intakeBucket(),
    key: args.key,
    headers: { ...headers, 'content-length': String(args.size) },
    signable: new Set(['content-type', 'content-length', 'x-amz-checksum-sha256']),
    unhoistable: new Set(['x-amz-checksum-sha256', `x-amz-meta-${UPLOAD_ID_METADATA}`]),
    expiresIn: args.expiresIn,
  });
  return { method: 'PUT', url, headers, size: args.size, expiresAt: expiry(args) };
}

/**
 * A GET URL of one version of an archived original; with a content type and disposition, those
 * are signed into the response (the type the file really is, under a safe name).
 */
export function presignContent(args: {
  key: string;
  versionId: string;
  expiresIn: number;
  contentType?: string;
  disposition?: string;
  now?: Date;
}): Promise<{ url: string; expiresAt: string }> {
  return presignGet(archiveBucket(), args.key, args, {
    versionId: args.versionId,
    ...(args.contentType ? { 'response-content-type': args.contentType } : {}),
    ...(args.disposition ? { 'response-content-disposition': args.disposition } : {}),
  });
}

/**
 * A GET URL of an uploaded scan in the intake bucket, for a preview before archiving: bound to
 * that one version of the key (the one the submission's checks and review are about), with the
 * response's content type and disposition signed into it.
 */
export function presignIntakeScan(args: {
  key: string;
  versionId?: string;
  contentType: string;
  disposition: string;
  expiresIn: number;
  now?: Date;
}): Promise<{ url: string; expiresAt: string }> {
  return presignGet(intakeBucket(), args.key, args, {
    ...(args.versionId === undefined ? {} : { versionId: args.versionId }),
    'response-content-type': args.contentType,
    'response-content-disposition': args.disposition,
    'response-cache-control': 'private, no-store',
  });
}

/** A GET URL of a handover package, downloaded under its own file name. */
export function presignHandover(args: {
  key: string;
  fileName: string;
  expiresIn: number;
  now?: Date;
}): Promise<{ url: string; expiresAt: string }> {
  return presignGet(archiveBucket(), args.key, args, {
    'response-content-type': 'application/zip',
    'response-content-disposition': `attachment; filename="${args.fileName.replace(/[^\w.+-]/g, '_')}"`,
  });
}

/** A presigned GET of one object, valid `expiresIn` seconds from `now`, with the time it expires. */
async function presignGet(
  bucket: string,
  key: string,
  args: { expiresIn: number; now?: Date },
  query: Record<string, string>,
): Promise<{ url: string; expiresAt: string }> {
  const url = await presignS3({
    method: 'GET',
    operation: 'GetObject',
    bucket,
    key,
    query,
    expiresIn: args.expiresIn,
  });
  return { url, expiresAt: expiry(args) };
}

const expiry = (args: { expiresIn: number; now?: Date }) =>
  new Date((args.now ?? now()).getTime() + args.expiresIn * 1000).toISOString();
