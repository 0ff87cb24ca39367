/**
 * Object tagging (GetObjectTagging, PutObjectTagging, DeleteObjectTagging) on the addressed
 * version: the malware scan writes its result as a tag, and the functions read it.
 */

import { child, children, renderXml, type XmlNode } from '../../../../functions/adapters/xml.ts';
import { errors } from '../errors.ts';
import {
  type Ctx,
  type LocalS3,
  parseXmlBody,
  readSmallBody,
  requireBucket,
  send,
  versionHeaders,
} from '../request.ts';
import { resolveVersion, validateTags } from '../versions.ts';

export function getObjectTagging(s3: LocalS3, ctx: Ctx): void {
  const meta = requireBucket(s3, ctx.bucket);
  const { version } = resolveVersion(s3, ctx);
  const tags = version.tags.map(
    ([k, v]): XmlNode => [
      'Tag',
      [
        ['Key', k],
        ['Value', v],
      ],
    ],
  );
  send(ctx, 200, versionHeaders(meta, version), renderXml('Tagging', [['TagSet', tags]]));
}

export async function putObjectTagging(s3: LocalS3, ctx: Ctx): Promise<void> {
  const meta = requireBucket(s3, ctx.bucket);
  const root = parseXmlBody(await readSmallBody(ctx));
  const tagSet = child(root, 'TagSet');
  if (root.name !== 'Tagging' || !tagSet) throw errors.malformedXml();
  const tags: [string, string][] = children(tagSet, 'Tag').map((t) => {
    const k = child(t, 'Key')?.text;
    const v = child(t, 'Value')?.text;
    if (k === undefined || v === undefined) throw errors.malformedXml();
    return [k, v];
  });
  validateTags(tags);
  const { version, entry } = resolveVersion(s3, ctx);
  version.tags = tags;
  s3.store.saveEntry(meta.name, entry);
  send(ctx, 200, versionHeaders(meta, version));
}

export function deleteObjectTagging(s3: LocalS3, ctx: Ctx): void {
  const meta = requireBucket(s3, ctx.bucket);
  const { version, entry } = resolveVersion(s3, ctx);
  version.tags = [];
  s3.store.saveEntry(meta.name, entry);
  send(ctx, 204, versionHeaders(meta, version));
}
