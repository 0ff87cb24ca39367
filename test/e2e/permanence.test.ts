/**
 * End to end over HTTP, against `npm start` on its local stand-ins: a permanent document (a
 * completion acceptance, retention Y) is archived under COMPLIANCE retention a century ahead and no
 * legal hold; S3 refuses to delete that version, bypass header or not; a hold placed and released
 * on it sets and lifts its legal hold and leaves the retention alone; and ten years on the sweep
 * extends the retention again.
 */
import {
  DeleteObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectRetentionCommand,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Api,
  archiveDraft,
  createCustomer,
  createDraft,
  objectOfUrl,
  planDoc,
  s3ClientFor,
} from './client.ts';
import { useLocalSystem } from './lifecycle.ts';
import type { LocalSystem } from './system.ts';

let system: LocalSystem;
let api: Api;
let s3: S3Client;

useLocalSystem(
  async (started) => {
    system = started;
    api = new Api(system.ready.apiUrl);
    s3 = s3ClientFor(system);
  },
  { tail: 80 },
);

afterAll(() => {
  s3?.destroy();
});

async function local<T>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${system.ready.apiUrl}${path}`, {
    method: body === undefined && path !== '/local/sweep' ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const retentionOf = async (key: string, versionId: string) =>
  (
    await s3.send(
      new GetObjectRetentionCommand({ Bucket: system.ready.archiveBucket, Key: key, VersionId: versionId }),
    )
  ).Retention;

async function legalHoldOf(key: string, versionId: string): Promise<string> {
  try {
    const res = await s3.send(
      new GetObjectLegalHoldCommand({ Bucket: system.ready.archiveBucket, Key: key, VersionId: versionId }),
    );
    return res.LegalHold?.Status ?? 'none';
  } catch (err) {
    // A version that never had a legal hold has no Object Lock configuration for it.
    if (err instanceof S3ServiceException && err.name === 'NoSuchObjectLockConfiguration') return 'none';
    throw err;
  }
}

const yearOf = (d: Date | undefined) => d?.getUTCFullYear() ?? 0;

describe('a permanent record', () => {
  it('is kept by COMPLIANCE retention a century ahead that S3 will not lift, holds still work, and the sweep extends it', async () => {
    // A new connection's file with its optional completion acceptance (retention Y).
    const customerId = await createCustomer(api);
    const draft = await createDraft(api, customerId, 'NEWCONN', [
      planDoc('APPFORM', 'application/pdf', '用电申请书 永久'),
      planDoc('IDCOPY', 'image/jpeg', '身份证复印件 永久'),
      planDoc('LANDCERT', 'application/pdf', '产权证明 永久'),
      planDoc('CONTRACT', 'application/pdf', '供用电合同 永久'),
      planDoc('COMPLETION', 'application/pdf', '受电工程竣工验收单 永久'),
    ]);
    await archiveDraft(api, draft);
    const doc = draft.docs.find((d) => d.docType === 'COMPLETION');
    if (!doc) throw new Error('no completion acceptance in the draft');
    const link = await api.expect<{ url: string }>(
      200,
      'archivist1',
      'GET',
      `/documents/${doc.documentId}/content`,
    );
    const { key, versionId = '' } = objectOfUrl(link.url);
    const { now } = await local<{ now: string }>('/local/clock');
    const year = Number(now.slice(0, 4));

    // Locked under COMPLIANCE retention a century ahead, with no legal hold.
    const locked = await retentionOf(key, versionId);
    expect(locked?.Mode).toBe('COMPLIANCE');
    expect(yearOf(locked?.RetainUntilDate)).toBe(year + 100);
    expect(await legalHoldOf(key, versionId)).toBe('none');
    const shown = await api.expect<{ retentionCode: string; retainUntil: string; legalHold?: boolean }>(
      200,
      'archivist1',
      'GET',
      `/documents/${doc.documentId}`,
    );
    expect(shown.retentionCode).toBe('Y');
    expect(shown.retainUntil).toBe(locked?.RetainUntilDate?.toISOString());
    expect(shown.legalHold).toBeUndefined();

    // S3 refuses to delete that version, with the governance bypass too.
    for (const bypass of [false, true]) {
      const refused = await s3
        .send(
          new DeleteObjectCommand({
            Bucket: system.ready.archiveBucket,
            Key: key,
            VersionId: versionId,
            ...(bypass ? { BypassGovernanceRetention: true } : {}),
          }),
        )
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      expect(refused).toBeInstanceOf(S3ServiceException);
      expect((refused as S3ServiceException).name).toBe('AccessDenied');
      expect((refused as S3ServiceException).$metadata.httpStatusCode).toBe(403);
    }

    // A hold placed and released on it still works: its legal hold goes on and comes off again.
    const hold = await api.expect<{ holdId: string }>(
      201,
      'archivist1',
      'POST',
      `/documents/${doc.documentId}/holds`,
      {
        reason: '诉讼保全 court order 2026-88',
      },
    );
    expect(await legalHoldOf(key, versionId)).toBe('ON');
    await api.expect(200, 'archivist1', 'DELETE', `/documents/${doc.documentId}/holds/${hold.holdId}`);
    expect(await legalHoldOf(key, versionId)).toBe('OFF');
    expect(await retentionOf(key, versionId)).toEqual(locked);

    // Today's sweep leaves the lock alone: it has a century to run.
    const today = await local<{ permanence: { extended: number } }>('/local/sweep');
    expect(today.permanence.extended).toBe(0);

    // Ten years and a few days on, fewer than 90 years remain: the sweep extends it, once.
    for (const seconds of [10 * 365 * 86_400, 10 * 86_400]) {
      await local('/local/clock', { advanceSeconds: seconds });
    }
    const later = await local<{ permanence: { extended: number; failed: string[] } }>('/local/sweep');
    expect(later.permanence).toMatchObject({ extended: 1, failed: [] });
    const extended = await retentionOf(key, versionId);
    expect(extended?.Mode).toBe('COMPLIANCE');
    expect(yearOf(extended?.RetainUntilDate)).toBe(year + 110);
    const again = await local<{ permanence: { extended: number } }>('/local/sweep');
    expect(again.permanence.extended).toBe(0);
    const recorded = await api.expect<{ retainUntil: string }>(
      200,
      'archivist1',
      'GET',
      `/documents/${doc.documentId}`,
    );
    expect(recorded.retainUntil).toBe(extended?.RetainUntilDate?.toISOString());
    const trail = await api.expect<{ items: { action: string; after?: Record<string, unknown> }[] }>(
      200,
      'auditor1',
      'GET',
      `/audit?targetId=${doc.documentId}`,
    );
    expect(trail.items.find((e) => e.action === 'document.permanent-lock-extended')?.after).toMatchObject({
      mode: 'COMPLIANCE',
      retainUntil: recorded.retainUntil,
    });
  }, 240_000);
});
