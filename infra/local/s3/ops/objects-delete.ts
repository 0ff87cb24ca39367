/**
 * DeleteObject: without a version id, a delete marker in a versioned bucket (the key is removed
 * in an unversioned one); with one, that version goes, unless Object Lock protects it.
 */
import { errors } from '../errors.ts';
import { type Ctx, isoNow, type LocalS3, requireBucket, send } from '../request.ts';
import { type BucketMeta, isWellFormedVersionId, type ObjectVersion } from '../store.ts';
import { commitVersion } from '../versions.ts';

/**
 * A legal hold, or retention still running by the lock clock, protects a version: COMPLIANCE
 * always, GOVERNANCE unless the request bypasses it.
 */
function assertDeletable(s3: LocalS3, version: ObjectVersion, bypassGovernance: boolean): void {
  if (version.isDeleteMarker) return;
  if (version.legalHold === 'ON')
    throw errors.accessDenied('Access Denied because object protected by object lock.');
  const r = version.retention;
  if (r && Date.parse(r.retainUntil) > s3.lockNow()) {
    if (r.mode === 'COMPLIANCE' || !bypassGovernance) {
      throw errors.accessDenied('Access Denied because object protected by object lock.');
    }
  }
}

/** Deletes one key or version with S3 semantics; returns what the response reports. */
function deleteOne(
  s3: LocalS3,
  meta: BucketMeta,
  key: string,
  versionId: string | undefined,
  bypassGovernance: boolean,
): { deleteMarker: boolean; versionId?: string } {
  const entry = s3.store.getEntry(meta.name, key) ?? { key, versions: [] };
  if (versionId !== undefined) {
    if (!isWellFormedVersionId(versionId))
      throw errors.invalidArgument('Invalid version id specified', 'versionId', versionId);
    const idx = entry.versions.findIndex((v) => v.versionId === versionId);
    const version = entry.versions[idx];
    if (!version) return { deleteMarker: false, versionId };
    assertDeletable(s3, version, bypassGovernance);
    entry.versions.splice(idx, 1);
    s3.store.saveEntry(meta.name, entry);
    s3.store.removeBlob(meta.name, version.blob);
    return { deleteMarker: version.isDeleteMarker, versionId };
  }
  if (meta.versioning === undefined) {
    if (entry.versions.length === 0) return { deleteMarker: false };
    const removed = entry.versions.splice(0);
    s3.store.saveEntry(meta.name, entry);
    for (const r of removed) s3.store.removeBlob(meta.name, r.blob);
    return { deleteMarker: false };
  }
  const marker: ObjectVersion = {
    versionId: 'null',
    isDeleteMarker: true,
    lastModified: isoNow(),
    size: 0,
    etag: '',
    metadata: {},
    tags: [],
    storageClass: 'STANDARD',
  };
  commitVersion(s3, meta, key, marker);
  return { deleteMarker: true, versionId: marker.versionId };
}

export function deleteObject(s3: LocalS3, ctx: Ctx): void {
  const meta = requireBucket(s3, ctx.bucket);
  const bypass = ctx.headers['x-amz-bypass-governance-retention']?.toLowerCase() === 'true';
  const result = deleteOne(s3, meta, ctx.key, ctx.query.get('versionId'), bypass);
  const headers: Record<string, string> = {};
  if (result.deleteMarker) headers['x-amz-delete-marker'] = 'true';
  if (result.versionId !== undefined && meta.versioning !== undefined)
    headers['x-amz-version-id'] = result.versionId;
  send(ctx, 204, headers);
}
