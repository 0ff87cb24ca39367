/**
 * Object Lock on one version: retention (Get/PutObjectRetention) and legal hold
 * (Get/PutObjectLegalHold). COMPLIANCE retention can only be extended; GOVERNANCE retention may
 * be shortened or removed with `x-amz-bypass-governance-retention: true`. Whether retention is
 * still running is judged by the endpoint's lock clock.
 */

import { childText, renderXml } from '../../../../functions/adapters/xml.ts';
import { errors, type S3Error } from '../errors.ts';
import { type Ctx, type LocalS3, parseXmlBody, readSmallBody, requireBucket, send } from '../request.ts';
import type { BucketMeta, LockMode } from '../store.ts';
import { resolveVersion } from '../versions.ts';

function requireLockBucket(s3: LocalS3, ctx: Ctx): BucketMeta {
  const meta = requireBucket(s3, ctx.bucket);
  if (!meta.objectLock) throw errors.invalidRequest('Bucket is missing Object Lock Configuration');
  return meta;
}

function protectedByLock(): S3Error {
  return errors.accessDenied('Access Denied because object protected by object lock.');
}

export function getObjectRetention(s3: LocalS3, ctx: Ctx): void {
  requireLockBucket(s3, ctx);
  const { version } = resolveVersion(s3, ctx);
  if (!version.retention) throw errors.noSuchLockConfig();
  const xml = renderXml('Retention', [
    ['Mode', version.retention.mode],
    ['RetainUntilDate', version.retention.retainUntil],
  ]);
  send(ctx, 200, {}, xml);
}

export async function putObjectRetention(s3: LocalS3, ctx: Ctx): Promise<void> {
  const meta = requireLockBucket(s3, ctx);
  const root = parseXmlBody(await readSmallBody(ctx, true));
  if (root.name !== 'Retention') throw errors.malformedXml();
  const modeText = childText(root, 'Mode');
  const untilText = childText(root, 'RetainUntilDate');
  if ((modeText === undefined) !== (untilText === undefined)) throw errors.malformedXml();
  let next: { mode: LockMode; retainUntil: string } | undefined;
  if (modeText !== undefined && untilText !== undefined) {
    if (modeText !== 'GOVERNANCE' && modeText !== 'COMPLIANCE') throw errors.malformedXml();
    const t = Date.parse(untilText);
    if (Number.isNaN(t)) throw errors.malformedXml();
    if (t <= s3.lockNow()) throw errors.invalidArgument('The retain until date must be in the future!');
    next = { mode: modeText, retainUntil: new Date(t).toISOString() };
  }
  const { version, entry } = resolveVersion(s3, ctx);
  const current = version.retention;
  const bypass = ctx.headers['x-amz-bypass-governance-retention']?.toLowerCase() === 'true';
  if (current && Date.parse(current.retainUntil) > s3.lockNow()) {
    const weakens =
      !next ||
      Date.parse(next.retainUntil) < Date.parse(current.retainUntil) ||
      (current.mode === 'COMPLIANCE' && next.mode !== 'COMPLIANCE');
    if (current.mode === 'COMPLIANCE' && weakens) throw protectedByLock();
    if (current.mode === 'GOVERNANCE' && (weakens || next?.mode !== 'GOVERNANCE') && !bypass) {
      throw protectedByLock();
    }
  }
  if (next) version.retention = next;
  else delete version.retention;
  s3.store.saveEntry(meta.name, entry);
  send(ctx, 200);
}

export function getObjectLegalHold(s3: LocalS3, ctx: Ctx): void {
  requireLockBucket(s3, ctx);
  const { version } = resolveVersion(s3, ctx);
  if (!version.legalHold) throw errors.noSuchLockConfig();
  send(ctx, 200, {}, renderXml('LegalHold', [['Status', version.legalHold]]));
}

export async function putObjectLegalHold(s3: LocalS3, ctx: Ctx): Promise<void> {
  const meta = requireLockBucket(s3, ctx);
  const root = parseXmlBody(await readSmallBody(ctx, true));
  const status = childText(root, 'Status');
  if (root.name !== 'LegalHold' || (status !== 'ON' && status !== 'OFF')) throw errors.malformedXml();
  const { version, entry } = resolveVersion(s3, ctx);
  version.legalHold = status;
  s3.store.saveEntry(meta.name, entry);
  send(ctx, 200);
}
