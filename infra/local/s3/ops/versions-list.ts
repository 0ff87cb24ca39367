/**
 * ListObjectVersions: every version and delete marker under a prefix, newest first per key,
 * grouped by a delimiter, paged with `key-marker` and `version-id-marker`.
 */

import { renderXml, type XmlNode } from '../../../../functions/adapters/xml.ts';
import { type Ctx, type LocalS3, maxKeys, OWNER, requireBucket, send } from '../request.ts';
import { compareKeys, type ObjectVersion } from '../store.ts';
import { commonPrefixOf, keyEncoder } from './list-keys.ts';

function versionNode(key: string, v: ObjectVersion, isLatest: boolean): XmlNode {
  if (v.isDeleteMarker) {
    return [
      'DeleteMarker',
      [
        ['Key', key],
        ['VersionId', v.versionId],
        ['IsLatest', isLatest],
        ['LastModified', v.lastModified],
        OWNER,
      ],
    ];
  }
  return [
    'Version',
    [
      ['Key', key],
      ['VersionId', v.versionId],
      ['IsLatest', isLatest],
      ['LastModified', v.lastModified],
      ['ETag', v.etag],
      v.checksum && ['ChecksumAlgorithm', v.checksum.algorithm],
      v.checksum && ['ChecksumType', v.checksum.type],
      ['Size', v.size],
      ['StorageClass', v.storageClass],
      OWNER,
    ],
  ];
}

export function listObjectVersions(s3: LocalS3, ctx: Ctx): void {
  requireBucket(s3, ctx.bucket);
  const q = ctx.query;
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const max = maxKeys(ctx);
  const keyMarker = q.get('key-marker') ?? '';
  const versionIdMarker = q.get('version-id-marker');
  const { urlEncode, enc } = keyEncoder(ctx, false);
  const nodes: XmlNode[] = [];
  const prefixes: string[] = [];
  let count = 0;
  let truncated = false;
  let nextKey = '';
  let nextVersion = '';
  outer: for (const entry of s3.store.sortedEntries(ctx.bucket, prefix)) {
    const cmp = keyMarker ? compareKeys(entry.key, keyMarker) : 1;
    if (cmp < 0 || (cmp === 0 && versionIdMarker === undefined)) continue;
    const cp = commonPrefixOf(entry.key, prefix, delimiter);
    if (cp !== undefined) {
      if (prefixes[prefixes.length - 1] === cp || (keyMarker.startsWith(cp) && keyMarker.endsWith(delimiter)))
        continue;
      if (count >= max) {
        truncated = true;
        break;
      }
      prefixes.push(cp);
      count++;
      nextKey = cp;
      nextVersion = '';
      continue;
    }
    let versions = entry.versions;
    if (cmp === 0 && versionIdMarker !== undefined) {
      const idx = versions.findIndex((v) => v.versionId === versionIdMarker);
      versions = idx >= 0 ? versions.slice(idx + 1) : [];
    }
    for (const v of versions) {
      if (count >= max) {
        truncated = true;
        break outer;
      }
      nodes.push(versionNode(enc(entry.key), v, entry.versions[0] === v));
      count++;
      nextKey = entry.key;
      nextVersion = v.versionId;
    }
  }
  const xml = renderXml('ListVersionsResult', [
    ['Name', ctx.bucket],
    ['Prefix', enc(prefix)],
    ['KeyMarker', enc(keyMarker)],
    ['VersionIdMarker', versionIdMarker ?? ''],
    truncated && ['NextKeyMarker', enc(nextKey)],
    truncated && nextVersion !== '' && ['NextVersionIdMarker', nextVersion],
    delimiter !== '' && ['Delimiter', enc(delimiter)],
    ['MaxKeys', max],
    ['IsTruncated', truncated],
    urlEncode && ['EncodingType', 'url'],
    ...nodes,
    ...prefixes.map((p): XmlNode => ['CommonPrefixes', [['Prefix', enc(p)]]]),
  ]);
  send(ctx, 200, {}, xml);
}
