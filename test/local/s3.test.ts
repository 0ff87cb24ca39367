import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectRetentionCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
  PutObjectTaggingCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type S3ObjectCreatedRecord, startS3Server, toS3Event } from '../../infra/local/s3/server.ts';

const REGION = 'us-east-1';
const ACCESS_KEY = 'AKIDDANGANLOCAL';
const SECRET = 'local-secret-key';
const BUCKETS = [{ name: 'archive' }, { name: 'locked', objectLock: true }, { name: 'uploads', cors: true }];

let dataDir: string;
let server: Awaited<ReturnType<typeof startS3Server>>;
let events: S3ObjectCreatedRecord[] = [];

async function start(): Promise<void> {
  server = await startS3Server({
    port: 0,
    dataDir,
    region: REGION,
    credentials: { [ACCESS_KEY]: SECRET },
    buckets: BUCKETS,
    onObjectCreated: (r) => {
      events.push(r);
    },
  });
}

function client(credentials = { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET }): S3Client {
  return new S3Client({
    endpoint: server.url,
    region: REGION,
    forcePathStyle: true,
    credentials,
    maxAttempts: 1,
  });
}

const sha256b64 = (data: string | Buffer) => createHash('sha256').update(data).digest('base64');
const md5hex = (data: string | Buffer) => createHash('md5').update(data).digest('hex');

async function errorOf(p: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await p;
  } catch (e) {
    if (e instanceof S3ServiceException) return e;
    throw e;
  }
  throw new Error('expected the request to fail');
}

async function exists(bucket: string, key: string): Promise<boolean> {
  try {
    await client().send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (e) {
    if (e instanceof NotFound) return false;
    throw e;
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'dangan-s3-'));
  await start();
});

afterAll(async () => {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

beforeEach(() => {
  events = [];
});

describe('SDK round trip', () => {
  const key = 'intake/客户 资料/身份证 复印件+1.pdf';
  const body = Buffer.from('%PDF-1.7 scanned ID card · 身份证');

  it('puts, reads, heads, tags, copies, lists and deletes keys with Chinese characters, spaces and +', async () => {
    const s3 = client();
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'archive',
        Key: key,
        Body: body,
        ContentType: 'application/pdf',
        Metadata: { customer: 'c-001', source: 'scanner' },
        Tagging: 'class=identity&retention=10y',
      }),
    );
    expect(put.ETag).toBe(`"${md5hex(body)}"`);

    const head = await s3.send(new HeadObjectCommand({ Bucket: 'archive', Key: key }));
    expect(head.ContentType).toBe('application/pdf');
    expect(head.ContentLength).toBe(body.length);
    expect(head.Metadata).toEqual({ customer: 'c-001', source: 'scanner' });
    expect(head.ETag).toBe(put.ETag);

    const get = await s3.send(new GetObjectCommand({ Bucket: 'archive', Key: key }));
    expect(Buffer.from(await get.Body!.transformToByteArray())).toEqual(body);
    expect(get.TagCount).toBe(2);

    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: 'archive', Key: key }));
    expect(tags.TagSet).toEqual([
      { Key: 'class', Value: 'identity' },
      { Key: 'retention', Value: '10y' },
    ]);
    await s3.send(
      new PutObjectTaggingCommand({
        Bucket: 'archive',
        Key: key,
        Tagging: { TagSet: [{ Key: '分类', Value: '身份 证件' }] },
      }),
    );
    const retagged = await s3.send(new GetObjectTaggingCommand({ Bucket: 'archive', Key: key }));
    expect(retagged.TagSet).toEqual([{ Key: '分类', Value: '身份 证件' }]);

    const copyKey = 'archive/客户 资料/身份证·副本+2.pdf';
    const copy = await s3.send(
      new CopyObjectCommand({
        Bucket: 'archive',
        Key: copyKey,
        CopySource: encodeURIComponent(`archive/${key}`),
      }),
    );
    expect(copy.CopyObjectResult?.ETag).toBe(put.ETag);
    const copied = await s3.send(new GetObjectCommand({ Bucket: 'archive', Key: copyKey }));
    expect(copied.ContentType).toBe('application/pdf');
    expect(copied.Metadata).toEqual({ customer: 'c-001', source: 'scanner' });
    expect(Buffer.from(await copied.Body!.transformToByteArray())).toEqual(body);

    const replaced = await s3.send(
      new CopyObjectCommand({
        Bucket: 'archive',
        Key: 'archive/replaced.pdf',
        CopySource: encodeURIComponent(`archive/${key}`),
        MetadataDirective: 'REPLACE',
        ContentType: 'application/octet-stream',
        Metadata: { customer: 'c-002' },
      }),
    );
    expect(replaced.CopyObjectResult?.ETag).toBe(put.ETag);
    const replacedHead = await s3.send(
      new HeadObjectCommand({ Bucket: 'archive', Key: 'archive/replaced.pdf' }),
    );
    expect(replacedHead.ContentType).toBe('application/octet-stream');
    expect(replacedHead.Metadata).toEqual({ customer: 'c-002' });

    const intake = await s3.send(
      new ListObjectsV2Command({ Bucket: 'archive', Prefix: 'intake/客户 资料/' }),
    );
    expect(intake.Contents?.map((c) => c.Key)).toEqual([key]);
    expect(intake.Contents?.[0]?.Size).toBe(body.length);

    const page1 = await s3.send(
      new ListObjectsV2Command({ Bucket: 'archive', Prefix: 'archive/', MaxKeys: 1 }),
    );
    expect(page1.IsTruncated).toBe(true);
    expect(page1.KeyCount).toBe(1);
    const page2 = await s3.send(
      new ListObjectsV2Command({
        Bucket: 'archive',
        Prefix: 'archive/',
        MaxKeys: 1,
        ContinuationToken: page1.NextContinuationToken,
      }),
    );
    expect(page2.IsTruncated).toBe(false);
    expect([...(page1.Contents ?? []), ...(page2.Contents ?? [])].map((c) => c.Key).sort()).toEqual(
      [copyKey, 'archive/replaced.pdf'].sort(),
    );

    await s3.send(new DeleteObjectCommand({ Bucket: 'archive', Key: key }));
    expect(await exists('archive', key)).toBe(false);
    const missing = await errorOf(s3.send(new GetObjectCommand({ Bucket: 'archive', Key: key })));
    expect(missing).toBeInstanceOf(NoSuchKey);
    expect(missing.$metadata.httpStatusCode).toBe(404);
    expect(await exists('archive', copyKey)).toBe(true);
  });
});

describe('presigned PUT bound to content-type and checksum', () => {
  const content = Buffer.from('scanned contract, page 1');
  const checksum = sha256b64(content);

  async function presign(
    key: string,
    opts: { signingDate?: Date; expiresIn?: number } = {},
  ): Promise<string> {
    return getSignedUrl(
      client(),
      new PutObjectCommand({
        Bucket: 'uploads',
        Key: key,
        ContentType: 'application/pdf',
        ChecksumSHA256: checksum,
      }),
      {
        expiresIn: opts.expiresIn ?? 300,
        signableHeaders: new Set(['content-type', 'x-amz-checksum-sha256']),
        unhoistableHeaders: new Set(['x-amz-checksum-sha256']),
        ...(opts.signingDate && { signingDate: opts.signingDate }),
      },
    );
  }

  function put(url: string, init: { body?: Buffer; contentType?: string; checksum?: string } = {}) {
    return fetch(url, {
      method: 'PUT',
      body: new Uint8Array(init.body ?? content),
      headers: {
        'content-type': init.contentType ?? 'application/pdf',
        'x-amz-checksum-sha256': init.checksum ?? checksum,
      },
    });
  }

  async function errorCode(res: Response): Promise<string | undefined> {
    return /<Code>([^<]+)<\/Code>/.exec(await res.text())?.[1];
  }

  it('signs content-type and the checksum header, and keeps the checksum out of the query', async () => {
    const url = new URL(await presign('intake/合同 1.pdf'));
    const signed = url.searchParams.get('X-Amz-SignedHeaders')?.split(';');
    expect(signed).toEqual(['content-type', 'host', 'x-amz-checksum-sha256']);
    expect(url.searchParams.has('x-amz-checksum-sha256')).toBe(false);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('300');
  });

  it('accepts the exact upload and stores object, content type and checksum', async () => {
    const key = 'intake/合同 1.pdf';
    const res = await put(await presign(key));
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe(`"${md5hex(content)}"`);
    const head = await client().send(
      new HeadObjectCommand({ Bucket: 'uploads', Key: key, ChecksumMode: 'ENABLED' }),
    );
    expect(head.ContentType).toBe('application/pdf');
    expect(head.ContentLength).toBe(content.length);
    expect(head.ChecksumSHA256).toBe(checksum);
    expect(events.map((e) => [e.bucket, e.key, e.size])).toEqual([['uploads', key, content.length]]);
  });

  it('refuses a tampered signature, key or query parameter with 403 and stores nothing', async () => {
    const key = 'intake/tamper.pdf';
    const url = await presign(key);
    const u = new URL(url);
    const sig = u.searchParams.get('X-Amz-Signature')!;
    const badSig = new URL(url);
    badSig.searchParams.set('X-Amz-Signature', (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1));
    const otherKey = url.replace('tamper.pdf', 'tamper2.pdf');
    const longer = new URL(url);
    longer.searchParams.set('X-Amz-Expires', '600');
    const extraParam = new URL(url);
    extraParam.searchParams.set('x-id', 'GetObject');

    for (const target of [badSig.toString(), otherKey, longer.toString(), extraParam.toString()]) {
      const res = await put(target);
      expect(res.status).toBe(403);
      expect(await errorCode(res)).toBe('SignatureDoesNotMatch');
    }
    expect(await exists('uploads', key)).toBe(false);
    expect(await exists('uploads', 'intake/tamper2.pdf')).toBe(false);
    expect(events).toEqual([]);
  });

  it('refuses an expired URL with 403 AccessDenied', async () => {
    const key = 'intake/expired.pdf';
    const url = await presign(key, { signingDate: new Date(Date.now() - 10 * 60_000), expiresIn: 300 });
    const res = await put(url);
    expect(res.status).toBe(403);
    const text = await res.text();
    expect(text).toContain('<Code>AccessDenied</Code>');
    expect(text).toContain('Request has expired');
    expect(await exists('uploads', key)).toBe(false);
  });

  it('refuses X-Amz-Expires above one week with 400', async () => {
    const url = new URL(await presign('intake/week.pdf'));
    url.searchParams.set('X-Amz-Expires', '604801');
    const res = await put(url.toString());
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe('AuthorizationQueryParametersError');
  });

  it('refuses a different content-type with 403', async () => {
    const key = 'intake/type.pdf';
    const res = await put(await presign(key), { contentType: 'text/html' });
    expect(res.status).toBe(403);
    expect(await errorCode(res)).toBe('SignatureDoesNotMatch');
    expect(await exists('uploads', key)).toBe(false);
  });

  it('refuses a different checksum header with 403 (it is signed)', async () => {
    const key = 'intake/checksum-header.pdf';
    const other = Buffer.from('another file');
    const res = await put(await presign(key), { body: other, checksum: sha256b64(other) });
    expect(res.status).toBe(403);
    expect(await exists('uploads', key)).toBe(false);
  });

  it('refuses a body that does not match the signed checksum with 400 BadDigest', async () => {
    const key = 'intake/digest.pdf';
    const res = await put(await presign(key), { body: Buffer.from('scanned contract, page 2') });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe('BadDigest');
    expect(await exists('uploads', key)).toBe(false);
    expect(events).toEqual([]);
  });

  it('refuses unsigned x-amz-* headers added to a presigned request', async () => {
    const key = 'intake/extra-header.pdf';
    const res = await fetch(await presign(key), {
      method: 'PUT',
      body: new Uint8Array(content),
      headers: {
        'content-type': 'application/pdf',
        'x-amz-checksum-sha256': checksum,
        'x-amz-meta-owner': 'someone-else',
      },
    });
    expect(res.status).toBe(403);
    expect(await exists('uploads', key)).toBe(false);
  });
});

describe('presigned GET', () => {
  it('downloads with a valid URL and refuses once expired', async () => {
    const s3 = client();
    const key = 'docs/报告 2024.txt';
    await s3.send(new PutObjectCommand({ Bucket: 'archive', Key: key, Body: 'annual report' }));
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'archive', Key: key }), {
      expiresIn: 60,
    });
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('annual report');

    const withDisposition = await getSignedUrl(
      s3,
      new GetObjectCommand({
        Bucket: 'archive',
        Key: key,
        ResponseContentDisposition: `attachment; filename*=UTF-8''${encodeURIComponent('报告 2024.txt')}`,
      }),
      { expiresIn: 60 },
    );
    const dl = await fetch(withDisposition);
    expect(dl.headers.get('content-disposition')).toBe(
      `attachment; filename*=UTF-8''${encodeURIComponent('报告 2024.txt')}`,
    );

    const expired = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'archive', Key: key }), {
      expiresIn: 60,
      signingDate: new Date(Date.now() - 61_000),
    });
    const res = await fetch(expired);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('Request has expired');

    const anonymous = await fetch(
      `${server.url}/archive/${encodeURIComponent('docs')}/${encodeURIComponent('报告 2024.txt')}`,
    );
    expect(anonymous.status).toBe(403);
    expect(await anonymous.text()).toContain('<Code>AccessDenied</Code>');
  });
});

describe('header-signed requests', () => {
  it('refuses a wrong secret with SignatureDoesNotMatch', async () => {
    const e = await errorOf(
      client({ accessKeyId: ACCESS_KEY, secretAccessKey: 'wrong' }).send(
        new PutObjectCommand({ Bucket: 'archive', Key: 'x/wrong-secret.txt', Body: 'x' }),
      ),
    );
    expect(e.name).toBe('SignatureDoesNotMatch');
    expect(e.$metadata.httpStatusCode).toBe(403);
    expect(await exists('archive', 'x/wrong-secret.txt')).toBe(false);
  });

  it('refuses an unknown access key with InvalidAccessKeyId', async () => {
    const e = await errorOf(
      client({ accessKeyId: 'AKIDUNKNOWN', secretAccessKey: SECRET }).send(
        new GetObjectCommand({ Bucket: 'archive', Key: 'x/any.txt' }),
      ),
    );
    expect(e.name).toBe('InvalidAccessKeyId');
    expect(e.$metadata.httpStatusCode).toBe(403);
  });

  it('refuses a request signed more than 15 minutes ago with RequestTimeTooSkewed', async () => {
    const skewedClient = client();
    skewedClient.config.systemClockOffset = -20 * 60_000;
    const skewed = await errorOf(
      skewedClient.send(new GetObjectCommand({ Bucket: 'archive', Key: 'x/any.txt' })),
    );
    expect(skewed.name).toBe('RequestTimeTooSkewed');
    expect(skewed.$metadata.httpStatusCode).toBe(403);
    const slightly = client();
    slightly.config.systemClockOffset = -5 * 60_000;
    const ok = await errorOf(slightly.send(new GetObjectCommand({ Bucket: 'archive', Key: 'x/any.txt' })));
    expect(ok.name).toBe('NoSuchKey');
  });
});

describe('versioning and Object Lock', () => {
  const future = (ms: number) => new Date(Date.now() + ms);

  it('protects COMPLIANCE versions and legal holds, allows delete markers, lists versions', async () => {
    const s3 = client();
    const key = 'contracts/客户 A/合同.pdf';
    const v1 = await s3.send(
      new PutObjectCommand({
        Bucket: 'locked',
        Key: key,
        Body: 'v1',
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: future(3600_000),
      }),
    );
    expect(v1.VersionId).toBeTruthy();

    const retention = await s3.send(
      new GetObjectRetentionCommand({ Bucket: 'locked', Key: key, VersionId: v1.VersionId }),
    );
    expect(retention.Retention?.Mode).toBe('COMPLIANCE');

    const denied = await errorOf(
      s3.send(new DeleteObjectCommand({ Bucket: 'locked', Key: key, VersionId: v1.VersionId })),
    );
    expect(denied.name).toBe('AccessDenied');
    expect(denied.$metadata.httpStatusCode).toBe(403);
    const bypass = await errorOf(
      s3.send(
        new DeleteObjectCommand({
          Bucket: 'locked',
          Key: key,
          VersionId: v1.VersionId,
          BypassGovernanceRetention: true,
        }),
      ),
    );
    expect(bypass.name).toBe('AccessDenied');

    // Compliance retention can be extended, not shortened or weakened.
    await s3.send(
      new PutObjectRetentionCommand({
        Bucket: 'locked',
        Key: key,
        VersionId: v1.VersionId,
        Retention: { Mode: 'COMPLIANCE', RetainUntilDate: future(7200_000) },
      }),
    );
    const shorten = await errorOf(
      s3.send(
        new PutObjectRetentionCommand({
          Bucket: 'locked',
          Key: key,
          VersionId: v1.VersionId,
          Retention: { Mode: 'COMPLIANCE', RetainUntilDate: future(60_000) },
        }),
      ),
    );
    expect(shorten.name).toBe('AccessDenied');
    const weaken = await errorOf(
      s3.send(
        new PutObjectRetentionCommand({
          Bucket: 'locked',
          Key: key,
          VersionId: v1.VersionId,
          Retention: { Mode: 'GOVERNANCE', RetainUntilDate: future(9000_000) },
          BypassGovernanceRetention: true,
        }),
      ),
    );
    expect(weaken.name).toBe('AccessDenied');

    // Legal hold on a second version blocks its deletion until released.
    const v2 = await s3.send(
      new PutObjectCommand({ Bucket: 'locked', Key: key, Body: 'v2', ObjectLockLegalHoldStatus: 'ON' }),
    );
    expect(v2.VersionId).not.toBe(v1.VersionId);
    const hold = await s3.send(
      new GetObjectLegalHoldCommand({ Bucket: 'locked', Key: key, VersionId: v2.VersionId }),
    );
    expect(hold.LegalHold?.Status).toBe('ON');
    const held = await errorOf(
      s3.send(new DeleteObjectCommand({ Bucket: 'locked', Key: key, VersionId: v2.VersionId })),
    );
    expect(held.name).toBe('AccessDenied');

    // A delete without versionId only adds a delete marker.
    const marker = await s3.send(new DeleteObjectCommand({ Bucket: 'locked', Key: key }));
    expect(marker.DeleteMarker).toBe(true);
    expect(await exists('locked', key)).toBe(false);
    const old = await s3.send(new GetObjectCommand({ Bucket: 'locked', Key: key, VersionId: v1.VersionId }));
    expect(await old.Body!.transformToString()).toBe('v1');

    const listed = await s3.send(
      new ListObjectVersionsCommand({ Bucket: 'locked', Prefix: 'contracts/客户 A/' }),
    );
    expect(listed.Versions?.map((v) => [v.VersionId, v.IsLatest])).toEqual([
      [v2.VersionId, false],
      [v1.VersionId, false],
    ]);
    expect(listed.DeleteMarkers?.map((d) => [d.Key, d.VersionId, d.IsLatest])).toEqual([
      [key, marker.VersionId, true],
    ]);

    await s3.send(
      new PutObjectLegalHoldCommand({
        Bucket: 'locked',
        Key: key,
        VersionId: v2.VersionId,
        LegalHold: { Status: 'OFF' },
      }),
    );
    await s3.send(new DeleteObjectCommand({ Bucket: 'locked', Key: key, VersionId: v2.VersionId }));
    // Removing the delete marker brings back the newest remaining version.
    await s3.send(new DeleteObjectCommand({ Bucket: 'locked', Key: key, VersionId: marker.VersionId }));
    const current = await s3.send(new GetObjectCommand({ Bucket: 'locked', Key: key }));
    expect(current.VersionId).toBe(v1.VersionId);
    expect(current.ObjectLockMode).toBe('COMPLIANCE');
  });

  it('refuses, as AWS does, to shorten, remove or weaken COMPLIANCE retention or delete its version, bypass header or not', async () => {
    const s3 = client();
    const key = 'permanent/竣工验收单.pdf';
    const until = future(100 * 366 * 86_400_000);
    const v = await s3.send(new PutObjectCommand({ Bucket: 'locked', Key: key, Body: 'permanent' }));
    await s3.send(
      new PutObjectRetentionCommand({
        Bucket: 'locked',
        Key: key,
        VersionId: v.VersionId,
        Retention: { Mode: 'COMPLIANCE', RetainUntilDate: until },
      }),
    );
    const attempts: [string, () => Promise<unknown>][] = [];
    for (const bypass of [false, true]) {
      const b = bypass ? { BypassGovernanceRetention: true } : {};
      attempts.push(
        [
          `remove (bypass ${bypass})`,
          () =>
            s3.send(
              new PutObjectRetentionCommand({
                Bucket: 'locked',
                Key: key,
                VersionId: v.VersionId,
                Retention: {},
                ...b,
              }),
            ),
        ],
        [
          `shorten (bypass ${bypass})`,
          () =>
            s3.send(
              new PutObjectRetentionCommand({
                Bucket: 'locked',
                Key: key,
                VersionId: v.VersionId,
                Retention: { Mode: 'COMPLIANCE', RetainUntilDate: future(86_400_000) },
                ...b,
              }),
            ),
        ],
        [
          `weaken to GOVERNANCE, later (bypass ${bypass})`,
          () =>
            s3.send(
              new PutObjectRetentionCommand({
                Bucket: 'locked',
                Key: key,
                VersionId: v.VersionId,
                Retention: { Mode: 'GOVERNANCE', RetainUntilDate: future(200 * 366 * 86_400_000) },
                ...b,
              }),
            ),
        ],
        [
          `delete the version (bypass ${bypass})`,
          () =>
            s3.send(new DeleteObjectCommand({ Bucket: 'locked', Key: key, VersionId: v.VersionId, ...b })),
        ],
      );
    }
    // A legal hold placed and lifted on it (before the attempts run) changes nothing.
    await s3.send(
      new PutObjectLegalHoldCommand({
        Bucket: 'locked',
        Key: key,
        VersionId: v.VersionId,
        LegalHold: { Status: 'ON' },
      }),
    );
    await s3.send(
      new PutObjectLegalHoldCommand({
        Bucket: 'locked',
        Key: key,
        VersionId: v.VersionId,
        LegalHold: { Status: 'OFF' },
      }),
    );
    attempts.push([
      'delete after a legal hold came off',
      () =>
        s3.send(
          new DeleteObjectCommand({
            Bucket: 'locked',
            Key: key,
            VersionId: v.VersionId,
            BypassGovernanceRetention: true,
          }),
        ),
    ]);
    for (const [what, attempt] of attempts) {
      const err = await errorOf(attempt());
      expect([err.name, err.$metadata.httpStatusCode, err.message], what).toEqual([
        'AccessDenied',
        403,
        'Access Denied because object protected by object lock.',
      ]);
    }
    const kept = await s3.send(
      new GetObjectRetentionCommand({ Bucket: 'locked', Key: key, VersionId: v.VersionId }),
    );
    expect(kept.Retention).toEqual({ Mode: 'COMPLIANCE', RetainUntilDate: new Date(until.toISOString()) });
    // Extending is always allowed, and setting the same date again is accepted.
    for (const date of [until, future(101 * 366 * 86_400_000)]) {
      await s3.send(
        new PutObjectRetentionCommand({
          Bucket: 'locked',
          Key: key,
          VersionId: v.VersionId,
          Retention: { Mode: 'COMPLIANCE', RetainUntilDate: date },
        }),
      );
    }
  });

  it('lets GOVERNANCE versions be deleted only with the bypass header', async () => {
    const s3 = client();
    const key = 'governed/doc.txt';
    const v = await s3.send(
      new PutObjectCommand({
        Bucket: 'locked',
        Key: key,
        Body: 'governed',
        ObjectLockMode: 'GOVERNANCE',
        ObjectLockRetainUntilDate: future(3600_000),
      }),
    );
    const denied = await errorOf(
      s3.send(new DeleteObjectCommand({ Bucket: 'locked', Key: key, VersionId: v.VersionId })),
    );
    expect(denied.name).toBe('AccessDenied');
    await s3.send(
      new DeleteObjectCommand({
        Bucket: 'locked',
        Key: key,
        VersionId: v.VersionId,
        BypassGovernanceRetention: true,
      }),
    );
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: 'locked', Prefix: key }));
    expect(listed.Versions ?? []).toEqual([]);
  });

  it('allows deleting a COMPLIANCE version once its retention has passed', async () => {
    const s3 = client();
    const key = 'short/retention.txt';
    const until = future(1500);
    const v = await s3.send(
      new PutObjectCommand({
        Bucket: 'locked',
        Key: key,
        Body: 'short',
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: until,
      }),
    );
    const early = await errorOf(
      s3.send(new DeleteObjectCommand({ Bucket: 'locked', Key: key, VersionId: v.VersionId })),
    );
    expect(early.name).toBe('AccessDenied');
    await new Promise((r) => setTimeout(r, Math.max(0, until.getTime() - Date.now() + 100)));
    await s3.send(new DeleteObjectCommand({ Bucket: 'locked', Key: key, VersionId: v.VersionId }));
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: 'locked', Prefix: key }));
    expect(listed.Versions ?? []).toEqual([]);
  });

  it('refuses a retain-until date in the past and lock headers on a bucket without Object Lock', async () => {
    const s3 = client();
    const past = await errorOf(
      s3.send(
        new PutObjectCommand({
          Bucket: 'locked',
          Key: 'past.txt',
          Body: 'x',
          ObjectLockMode: 'COMPLIANCE',
          ObjectLockRetainUntilDate: new Date(Date.now() - 1000),
        }),
      ),
    );
    expect(past.name).toBe('InvalidArgument');
    const noLock = await errorOf(
      s3.send(
        new PutObjectCommand({
          Bucket: 'archive',
          Key: 'nolock.txt',
          Body: 'x',
          ObjectLockMode: 'COMPLIANCE',
          ObjectLockRetainUntilDate: future(60_000),
        }),
      ),
    );
    expect(noLock.name).toBe('InvalidRequest');
    expect(await exists('locked', 'past.txt')).toBe(false);
    expect(await exists('archive', 'nolock.txt')).toBe(false);
  });

  it('applies lock headers on CopyObject to the destination', async () => {
    const s3 = client();
    await s3.send(new PutObjectCommand({ Bucket: 'archive', Key: 'to-lock.txt', Body: 'lock me' }));
    const copy = await s3.send(
      new CopyObjectCommand({
        Bucket: 'locked',
        Key: 'copied/locked.txt',
        CopySource: 'archive/to-lock.txt',
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: future(3600_000),
      }),
    );
    expect(copy.VersionId).toBeTruthy();
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'locked', Key: 'copied/locked.txt' }));
    expect(head.ObjectLockMode).toBe('COMPLIANCE');
    const denied = await errorOf(
      s3.send(
        new DeleteObjectCommand({ Bucket: 'locked', Key: 'copied/locked.txt', VersionId: copy.VersionId }),
      ),
    );
    expect(denied.name).toBe('AccessDenied');
  });
});

describe('ObjectCreated events', () => {
  it('fires once per PUT and Copy with bucket, key, size, ETag and version', async () => {
    const s3 = client();
    const key = 'events/客户 资料/a+b·c.txt';
    const put = await s3.send(new PutObjectCommand({ Bucket: 'locked', Key: key, Body: 'hello event' }));
    await s3.send(
      new CopyObjectCommand({
        Bucket: 'archive',
        Key: 'events/copy.txt',
        CopySource: encodeURIComponent(`locked/${key}`),
      }),
    );
    expect(events).toHaveLength(2);
    const [first, second] = events as [S3ObjectCreatedRecord, S3ObjectCreatedRecord];
    expect(first).toMatchObject({
      eventName: 'ObjectCreated:Put',
      bucket: 'locked',
      key,
      size: 11,
      eTag: md5hex('hello event'),
      versionId: put.VersionId,
    });
    expect(second).toMatchObject({
      eventName: 'ObjectCreated:Copy',
      bucket: 'archive',
      key: 'events/copy.txt',
      size: 11,
    });
    expect(second.versionId).toBeUndefined();
    expect(BigInt(`0x${second.sequencer}`) > BigInt(`0x${first.sequencer}`)).toBe(true);

    const event = toS3Event(first, REGION);
    const record = event.Records[0]!;
    expect(record.eventVersion).toBe('2.1');
    expect(record.eventSource).toBe('aws:s3');
    expect(record.awsRegion).toBe(REGION);
    expect(record.eventName).toBe('ObjectCreated:Put');
    expect(record.s3.bucket).toMatchObject({ name: 'locked', arn: 'arn:aws:s3:::locked' });
    expect(record.s3.object.key).toBe('events/%E5%AE%A2%E6%88%B7+%E8%B5%84%E6%96%99/a%2Bb%C2%B7c.txt');
    expect(decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '))).toBe(key);
    expect(record.s3.object).toMatchObject({
      size: 11,
      eTag: md5hex('hello event'),
      versionId: put.VersionId,
    });
    expect(Number.isNaN(Date.parse(record.eventTime))).toBe(false);
  });

  it('does not fail the PUT when the callback throws', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dangan-s3-cb-'));
    const s = await startS3Server({
      dataDir: dir,
      region: REGION,
      credentials: { [ACCESS_KEY]: SECRET },
      buckets: [{ name: 'callback-bucket' }],
      onObjectCreated: () => {
        throw new Error('downstream is down');
      },
    });
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      const s3 = new S3Client({
        endpoint: s.url,
        region: REGION,
        forcePathStyle: true,
        credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET },
      });
      const res = await s3.send(new PutObjectCommand({ Bucket: 'callback-bucket', Key: 'k', Body: 'v' }));
      expect(res.$metadata.httpStatusCode).toBe(200);
      expect(errors).toHaveLength(1);
    } finally {
      console.error = original;
      await s.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('persistence', () => {
  it('keeps buckets, versions, retention, tags and metadata across a restart', async () => {
    const s3 = client();
    const key = 'persist/客户 档案/记录 1.txt';
    const until = new Date(Date.now() + 3600_000);
    const v1 = await s3.send(
      new PutObjectCommand({
        Bucket: 'locked',
        Key: key,
        Body: 'first',
        ContentType: 'text/plain',
        Metadata: { owner: 'ops' },
        Tagging: 'kind=record',
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: until,
      }),
    );
    const v2 = await s3.send(new PutObjectCommand({ Bucket: 'locked', Key: key, Body: 'second' }));

    await server.stop();
    await start();

    const s3b = client();
    const latest = await s3b.send(new GetObjectCommand({ Bucket: 'locked', Key: key }));
    expect(await latest.Body!.transformToString()).toBe('second');
    expect(latest.VersionId).toBe(v2.VersionId);
    const first = await s3b.send(
      new GetObjectCommand({ Bucket: 'locked', Key: key, VersionId: v1.VersionId }),
    );
    expect(await first.Body!.transformToString()).toBe('first');
    expect(first.ContentType).toBe('text/plain');
    expect(first.Metadata).toEqual({ owner: 'ops' });
    const retention = await s3b.send(
      new GetObjectRetentionCommand({ Bucket: 'locked', Key: key, VersionId: v1.VersionId }),
    );
    expect(retention.Retention).toEqual({ Mode: 'COMPLIANCE', RetainUntilDate: until });
    const tags = await s3b.send(
      new GetObjectTaggingCommand({ Bucket: 'locked', Key: key, VersionId: v1.VersionId }),
    );
    expect(tags.TagSet).toEqual([{ Key: 'kind', Value: 'record' }]);
    const denied = await errorOf(
      s3b.send(new DeleteObjectCommand({ Bucket: 'locked', Key: key, VersionId: v1.VersionId })),
    );
    expect(denied.name).toBe('AccessDenied');
  });
});
