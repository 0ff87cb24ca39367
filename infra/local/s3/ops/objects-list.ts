/**
 * ListObjectsV2: the current (not deleted) keys under a prefix in UTF-8 byte order, grouped by a
 * delimiter, paged with continuation tokens or `start-after`.
 */

import { renderXml, type XmlNode } from '../../../../functions/adapters/xml.ts';
import { errors } from '../errors.ts';
import { type Ctx, type LocalS3, maxKeys, OWNER, requireBucket, send } from '../request.ts';
import { compareKeys, type ObjectEntry, type ObjectVersion } from '../store.ts';
import { commonPrefixOf, keyEncoder } from './list-keys.ts';

/** Continuation tokens carry the last key returned: base64url of `k:<key>`. */
function tokenMarker(token: string): string {
  try {
    const marker = Buffer.from(token, 'base64url').toString('utf8');
    if (!marker.startsWith('k:')) throw new Error('bad token');
    return marker.slice(2);
  } catch {
    throw errors.invalidArgument('The continuation token provided is incorrect', 'continuation-token', token);
  }
}

export function listObjectsV2(s3: LocalS3, ctx: Ctx): void {
  requireBucket(s3, ctx.bucket);
  const q = ctx.query;
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const max = maxKeys(ctx);
  const { urlEncode, enc } = keyEncoder(ctx, true);
  const token = q.get('continuation-token');
  const marker = token !== undefined ? tokenMarker(token) : (q.get('start-after') ?? '');

  const contents: ObjectEntry[] = [];
  const prefixes: string[] = [];
  let truncated = false;
  let last = '';
  for (const entry of s3.store.sortedEntries(ctx.bucket, prefix)) {
    const latest = entry.versions[0];
    if (!latest || latest.isDeleteMarker) continue;
    if (marker && compareKeys(entry.key, marker) <= 0) continue;
    const commonPrefix = commonPrefixOf(entry.key, prefix, delimiter);
    // A continuation marker that is itself a common prefix skips the whole group.
    if (commonPrefix !== undefined && marker.startsWith(commonPrefix) && marker.endsWith(delimiter)) continue;
    if (commonPrefix !== undefined && prefixes[prefixes.length - 1] === commonPrefix) continue;
    if (contents.length + prefixes.length >= max) {
      truncated = true;
      break;
    }
    if (commonPrefix !== undefined) {
      prefixes.push(commonPrefix);
      last = commonPrefix;
    } else {
      contents.push(entry);
      last = entry.key;
    }
  }
  const fetchOwner = q.get('fetch-owner') === 'true';
  const contentNodes = contents.map((e): XmlNode => {
    const v = e.versions[0] as ObjectVersion;
    return [
      'Contents',
      [
        ['Key', enc(e.key)],
        ['LastModified', v.lastModified],
        ['ETag', v.etag],
        v.checksum && ['ChecksumAlgorithm', v.checksum.algorithm],
        v.checksum && ['ChecksumType', v.checksum.type],
        ['Size', v.size],
        fetchOwner && OWNER,
        ['StorageClass', v.storageClass],
      ],
    ];
  });
  const xml = renderXml('ListBucketResult', [
    ['Name', ctx.bucket],
    ['Prefix', enc(prefix)],
    delimiter !== '' && ['Delimiter', enc(delimiter)],
    ['MaxKeys', max],
    ['KeyCount', contents.length + prefixes.length],
    ['IsTruncated', truncated],
    token !== undefined && ['ContinuationToken', token],
    truncated && ['NextContinuationToken', Buffer.from(`k:${last}`, 'utf8').toString('base64url')],
    q.has('start-after') && ['StartAfter', enc(q.get('start-after') ?? '')],
    urlEncode && ['EncodingType', 'url'],
    ...contentNodes,
    ...prefixes.map((p): XmlNode => ['CommonPrefixes', [['Prefix', enc(p)]]]),
  ]);
  send(ctx, 200, {}, xml);
}
