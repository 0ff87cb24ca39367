import { type DocumentVersion, documentHistoryPrefix, documentVersionKey } from '../core/document-history.ts';
import { readText } from './aws-http.ts';
import { archiveBucket } from './env.ts';
import { s3 } from './s3-client.ts';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from './s3-commands.ts';

/**
 * Document versions in the archive bucket (layout in core/document-history.ts): one object per
 * version, written once per stream record; a redelivered change finds its object there.
 *
 * The object holds only what its key does not already say: the document is in the key, the
 * changed fields are the names in `before` and `after`, and a status that changed is in them too.
 */

/** The stored body of a version. */
export function versionBody(v: DocumentVersion): Record<string, unknown> {
  return {
    changedAt: v.changedAt,
    changedBy: v.changedBy,
    kind: v.kind,
    // The status before and after is in `before`/`after` when it changed; else kept as it was.
    ...(v.statusBefore !== undefined && v.before.status !== v.statusBefore
      ? { statusBefore: v.statusBefore }
      : {}),
    ...(v.statusAfter !== undefined && v.after.status !== v.statusAfter
      ? { statusAfter: v.statusAfter }
      : {}),
    before: v.before,
    after: v.after,
    sequence: v.sequence,
  };
}

/** A version of `documentId` from its stored body. */
export function versionOf(documentId: string, body: Record<string, unknown>): DocumentVersion {
  const before = (body.before ?? {}) as Record<string, unknown>;
  const after = (body.after ?? {}) as Record<string, unknown>;
  const statusBefore = body.statusBefore ?? before.status;
  const statusAfter = body.statusAfter ?? after.status;
  return {
    documentId,
    changedAt: String(body.changedAt),
    changedBy: String(body.changedBy),
    kind: body.kind as DocumentVersion['kind'],
    ...(typeof statusBefore === 'string' ? { statusBefore } : {}),
    ...(typeof statusAfter === 'string' ? { statusAfter } : {}),
    changed: [...new Set([...Object.keys(before), ...Object.keys(after)])].sort(),
    before,
    after,
    sequence: String(body.sequence),
  };
}

/** Writes a version unless its object exists (a redelivered change): false when it did. */
export async function putDocumentVersion(v: DocumentVersion): Promise<boolean> {
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: archiveBucket(),
        Key: documentVersionKey(v),
        Body: JSON.stringify(versionBody(v)),
        ContentType: 'application/json',
        IfNoneMatch: '*',
      }),
    );
    return true;
  } catch (err) {
    if ((err as Error).name === 'PreconditionFailed') return false;
    throw err;
  }
}

/** How many versions are read at once. */
const READ_CONCURRENCY = 8;

/** Every version of a document, oldest first. */
export async function listDocumentVersions(documentId: string): Promise<DocumentVersion[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: archiveBucket(),
        Prefix: documentHistoryPrefix(documentId),
        ...(token ? { ContinuationToken: token } : {}),
      }),
    );
    keys.push(...page.Contents.map((c) => c.Key));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  // A version's key sorts as the version was made: by time, then by stream sequence.
  keys.sort();
  const versions: DocumentVersion[] = [];
  for (let i = 0; i < keys.length; i += READ_CONCURRENCY) {
    const read = await Promise.all(
      keys.slice(i, i + READ_CONCURRENCY).map((key) => readVersion(documentId, key)),
    );
    versions.push(...read);
  }
  return versions;
}

async function readVersion(documentId: string, key: string): Promise<DocumentVersion> {
  const { Body } = await s3.send(new GetObjectCommand({ Bucket: archiveBucket(), Key: key }));
  return versionOf(documentId, JSON.parse(await readText(Body)) as Record<string, unknown>);
}
