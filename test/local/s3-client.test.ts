import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  GetObjectLegalHoldCommand,
  GetObjectRetentionCommand,
  GetObjectCommand as SdkGetObject,
  GetObjectTaggingCommand as SdkGetObjectTagging,
  HeadObjectCommand as SdkHeadObject,
  PutObjectCommand as SdkPutObject,
  S3Client as SdkS3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
  PutObjectTaggingCommand,
  UploadPartCommand,
} from '../../functions/adapters/s3-commands.ts';
import { S3Client, S3ServiceError } from '../../functions/adapters/s3-http.ts';
import { type LocalS3Server, startS3Server } from '../../infra/local/s3/server.ts';

/**
 * The functions' S3 client (functions/adapters/s3-http.ts, s3-commands.ts) against the local S3,
 * which verifies every signature and checksum as S3 does, with the SDK's client looking at what
 * it wrote; and against a bare HTTP server for what the local S3 never does: throttling, a
 * dropped connection, a skewed clock, an error inside a 200 answer.
 */

const REGION = 'us-east-1';
const KEY_ID = 'AKIDS3CLIENTTEST';
const SECRET = 's3-client-test-secret';
const credentials = { accessKeyId: KEY_ID, secretAccessKey: SECRET };
const KEY = 'originals/申请表 (1)+&=.pdf';
const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest();

let dataDir: string;
let server: LocalS3Server;
let s3: S3Client;
let sdk: SdkS3Client;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'dangan-s3-client-'));
  server = await startS3Server({
    port: 0,
    dataDir,
    region: REGION,
    credentials: { [KEY_ID]: SECRET },
    buckets: [
      { name: 'intake', versioning: true },
      { name: 'archive', objectLock: true, versioning: true },
    ],
  });
  s3 = new S3Client({ endpoint: server.url, region: REGION, credentials });
  sdk = new SdkS3Client({
    endpoint: server.url,
    region: REGION,
    forcePathStyle: true,
    credentials,
    maxAttempts: 1,
  });
});

afterAll(async () => {
  sdk?.destroy();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const bytesOf = async (body: AsyncIterable<Uint8Array>) => {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
};

describe('the functions’ S3 client against the local S3', () => {
  it('puts, heads (with the stored SHA-256) and reads a range of an object whose key needs encoding', async () => {
    const body = 'a scan, in bytes';
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'intake',
        Key: KEY,
        Body: body,
        ContentType: 'application/pdf',
        Metadata: { 'upload-id': 'up-1' },
      }),
    );
    expect(put.VersionId).toMatch(/.+/);
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: 'intake', Key: KEY, ChecksumMode: 'ENABLED' }),
    );
    expect(head).toMatchObject({
      ContentLength: body.length,
      ContentType: 'application/pdf',
      VersionId: put.VersionId,
      ChecksumSHA256: sha256(body).toString('base64'),
      Metadata: { 'upload-id': 'up-1' },
    });
    const sdkHead = await sdk.send(new SdkHeadObject({ Bucket: 'intake', Key: KEY }));
    expect(sdkHead.Metadata).toEqual(head.Metadata);
    const range = await s3.send(new GetObjectCommand({ Bucket: 'intake', Key: KEY, Range: 'bytes=0-5' }));
    expect((await bytesOf(range.Body)).toString()).toBe('a scan');
  });

  it('names what is missing as the SDK does: NoSuchKey for a GET, NotFound for a HEAD, both 404', async () => {
    const get = s3.send(new GetObjectCommand({ Bucket: 'intake', Key: 'nothing/here' }));
    await expect(get).rejects.toMatchObject({ name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
    const head = s3.send(new HeadObjectCommand({ Bucket: 'intake', Key: 'nothing/here' }));
    await expect(head).rejects.toMatchObject({ name: 'NotFound', $metadata: { httpStatusCode: 404 } });
    await expect(head).rejects.toBeInstanceOf(S3ServiceError);
  });

  it('copies one version with new metadata and S3’s SHA-256 of the copy, then locks it for good', async () => {
    const body = 'the version the reviewer saw';
    const first = await s3.send(
      new PutObjectCommand({ Bucket: 'intake', Key: 'intake/copy-me', Body: body }),
    );
    await s3.send(new PutObjectCommand({ Bucket: 'intake', Key: 'intake/copy-me', Body: 'a later upload' }));
    const copy = await s3.send(
      new CopyObjectCommand({
        Bucket: 'archive',
        Key: 'originals/copied',
        CopySource: `intake/intake/copy-me?versionId=${encodeURIComponent(first.VersionId ?? '')}`,
        MetadataDirective: 'REPLACE',
        Metadata: { sha256: sha256(body).toString('hex') },
        ContentType: 'application/pdf',
        TaggingDirective: 'REPLACE',
        ChecksumAlgorithm: 'SHA256',
      }),
    );
    expect(copy.CopyObjectResult.ChecksumSHA256).toBe(sha256(body).toString('base64'));
    const versionId = copy.VersionId ?? '';
    const until = new Date(Date.now() + 30 * 365 * 86_400_000);
    await s3.send(
      new PutObjectRetentionCommand({
        Bucket: 'archive',
        Key: 'originals/copied',
        VersionId: versionId,
        Retention: { Mode: 'COMPLIANCE', RetainUntilDate: until },
      }),
    );
    const retention = await sdk.send(
      new GetObjectRetentionCommand({ Bucket: 'archive', Key: 'originals/copied', VersionId: versionId }),
    );
    expect(retention.Retention?.Mode).toBe('COMPLIANCE');
    expect(retention.Retention?.RetainUntilDate?.getTime()).toBe(until.getTime());
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: 'archive', Key: 'originals/copied', VersionId: versionId }),
    );
    expect(head.ObjectLockRetainUntilDate?.getTime()).toBe(until.getTime());
    expect(head.Metadata).toEqual({ sha256: sha256(body).toString('hex') });
    // Under COMPLIANCE retention the version cannot be deleted, by anyone.
    await expect(
      s3.send(new DeleteObjectCommand({ Bucket: 'archive', Key: 'originals/copied', VersionId: versionId })),
    ).rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    const got = await sdk.send(
      new SdkGetObject({ Bucket: 'archive', Key: 'originals/copied', VersionId: versionId }),
    );
    expect(await got.Body?.transformToString()).toBe(body);
  });

  it('sets and lifts a legal hold, and writes a locked record with its checksum', async () => {
    const body = '{"destroyed":[]}';
    const until = new Date(Date.now() + 100 * 365 * 86_400_000);
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'archive',
        Key: 'destruction-lists/b-1.json',
        Body: Buffer.from(body),
        ContentType: 'application/json',
        ChecksumSHA256: sha256(body).toString('base64'),
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: until,
      }),
    );
    const versionId = put.VersionId ?? '';
    for (const status of ['ON', 'OFF'] as const) {
      await s3.send(
        new PutObjectLegalHoldCommand({
          Bucket: 'archive',
          Key: 'destruction-lists/b-1.json',
          VersionId: versionId,
          LegalHold: { Status: status },
        }),
      );
      const hold = await sdk.send(
        new GetObjectLegalHoldCommand({
          Bucket: 'archive',
          Key: 'destruction-lists/b-1.json',
          VersionId: versionId,
        }),
      );
      expect(hold.LegalHold?.Status).toBe(status);
      const head = await s3.send(
        new HeadObjectCommand({ Bucket: 'archive', Key: 'destruction-lists/b-1.json', VersionId: versionId }),
      );
      expect(head.ObjectLockLegalHoldStatus).toBe(status);
      expect(head.ObjectLockMode).toBe('COMPLIANCE');
    }
  });

  it('refuses a body whose declared checksum is wrong, storing nothing', async () => {
    const put = s3.send(
      new PutObjectCommand({
        Bucket: 'intake',
        Key: 'intake/wrong-sum',
        Body: 'these bytes',
        ChecksumSHA256: sha256('other bytes').toString('base64'),
      }),
    );
    await expect(put).rejects.toMatchObject({ $metadata: { httpStatusCode: 400 } });
    await expect(
      s3.send(new HeadObjectCommand({ Bucket: 'intake', Key: 'intake/wrong-sum' })),
    ).rejects.toMatchObject({
      name: 'NotFound',
    });
  });

  it('streams a body it knows the length and SHA-256 of', async () => {
    const body = Buffer.alloc(300_000, 7);
    await s3.send(
      new PutObjectCommand({
        Bucket: 'intake',
        Key: 'definitions/daily.cvd',
        Body: Readable.from([body.subarray(0, 100_000), body.subarray(100_000)]),
        ContentLength: body.length,
        ChecksumSHA256: sha256(body).toString('base64'),
      }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: 'intake', Key: 'definitions/daily.cvd' }));
    expect(got.ContentLength).toBe(body.length);
    expect((await bytesOf(got.Body)).equals(body)).toBe(true);
    expect(() =>
      new PutObjectCommand({ Bucket: 'intake', Key: 'x', Body: Readable.from([body]) }).request(),
    ).toThrow(/ContentLength and ChecksumSHA256/);
  });

  it('keeps an object’s other tags when it writes one, values in any script', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'intake', Key: 'intake/tagged', Body: 'x' }));
    const tags = [
      { Key: 'origin', Value: '柜台 & <clerk>' },
      { Key: 'GuardDutyMalwareScanStatus', Value: 'NO_THREATS_FOUND' },
    ];
    await s3.send(
      new PutObjectTaggingCommand({ Bucket: 'intake', Key: 'intake/tagged', Tagging: { TagSet: tags } }),
    );
    const mine = await s3.send(new GetObjectTaggingCommand({ Bucket: 'intake', Key: 'intake/tagged' }));
    const theirs = await sdk.send(new SdkGetObjectTagging({ Bucket: 'intake', Key: 'intake/tagged' }));
    expect(mine.TagSet).toEqual(tags);
    expect(theirs.TagSet).toEqual(tags);
  });

  it('lists versions and delete markers page by page, and keys after a key', async () => {
    for (const body of ['1', '2', '3'])
      await sdk.send(new SdkPutObject({ Bucket: 'intake', Key: 'lists/a', Body: body }));
    await s3.send(new PutObjectCommand({ Bucket: 'intake', Key: 'lists/b', Body: 'b' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'intake', Key: 'lists/b' }));
    const seen: string[] = [];
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await s3.send(
        new ListObjectVersionsCommand({
          Bucket: 'intake',
          Prefix: 'lists/',
          MaxKeys: 2,
          ...(keyMarker ? { KeyMarker: keyMarker } : {}),
          ...(versionMarker ? { VersionIdMarker: versionMarker } : {}),
        }),
      );
      pages++;
      seen.push(
        ...page.Versions.map((v) => `${v.Key}:v`),
        ...page.DeleteMarkers.map((m) => `${m.Key}:marker`),
      );
      if (!page.IsTruncated) break;
      keyMarker = page.NextKeyMarker;
      versionMarker = page.NextVersionIdMarker;
    }
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual(['lists/a:v', 'lists/a:v', 'lists/a:v', 'lists/b:marker', 'lists/b:v']);
    await s3.send(new PutObjectCommand({ Bucket: 'intake', Key: 'lists/c', Body: 'c' }));
    const after = await s3.send(
      new ListObjectsV2Command({ Bucket: 'intake', Prefix: 'lists/', StartAfter: 'lists/a', MaxKeys: 5 }),
    );
    expect(after.Contents.map((c) => c.Key)).toEqual(['lists/c']);
    expect(after.IsTruncated).toBe(false);
  });

  it('uploads a package in parts, each checked by its SHA-256, and aborts another', async () => {
    const parts = [Buffer.alloc(5 * 1024 * 1024, 1), Buffer.from('the central directory')];
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket: 'archive',
        Key: 'handovers/h-1.zip',
        ContentType: 'application/zip',
        ChecksumAlgorithm: 'SHA256',
      }),
    );
    const uploadId = UploadId ?? '';
    const done = [];
    for (const [i, body] of parts.entries()) {
      const ChecksumSHA256 = sha256(body).toString('base64');
      const res = await s3.send(
        new UploadPartCommand({
          Bucket: 'archive',
          Key: 'handovers/h-1.zip',
          UploadId: uploadId,
          PartNumber: i + 1,
          Body: body,
          ChecksumSHA256,
        }),
      );
      done.push({ PartNumber: i + 1, ETag: res.ETag ?? '', ChecksumSHA256 });
    }
    const complete = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'archive',
        Key: 'handovers/h-1.zip',
        UploadId: uploadId,
        MultipartUpload: { Parts: done },
      }),
    );
    expect(complete.VersionId).toMatch(/.+/);
    const got = await sdk.send(new SdkGetObject({ Bucket: 'archive', Key: 'handovers/h-1.zip' }));
    expect(Buffer.from((await got.Body?.transformToByteArray()) ?? []).equals(Buffer.concat(parts))).toBe(
      true,
    );

    const other = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'archive', Key: 'handovers/h-2.zip' }),
    );
    await s3.send(
      new AbortMultipartUploadCommand({
        Bucket: 'archive',
        Key: 'handovers/h-2.zip',
        UploadId: other.UploadId ?? '',
      }),
    );
    await expect(
      s3.send(
        new UploadPartCommand({
          Bucket: 'archive',
          Key: 'handovers/h-2.zip',
          UploadId: other.UploadId ?? '',
          PartNumber: 1,
          Body: Buffer.from('late'),
        }),
      ),
    ).rejects.toMatchObject({ name: 'NoSuchUpload', $metadata: { httpStatusCode: 404 } });
  });

  it('is refused with a key pair the endpoint does not know', async () => {
    const stranger = new S3Client({
      endpoint: server.url,
      region: REGION,
      credentials: { accessKeyId: 'AKIDNOBODY', secretAccessKey: 'x' },
    });
    await expect(stranger.send(new HeadObjectCommand({ Bucket: 'intake', Key: KEY }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 403 },
    });
    await expect(stranger.send(new GetObjectCommand({ Bucket: 'intake', Key: KEY }))).rejects.toMatchObject({
      name: 'InvalidAccessKeyId',
    });
  });
});

/** A bare endpoint that answers each request with the next of `answers`, recording what came. */
async function scriptedServer(
  answers: ((req: IncomingMessage, res: import('node:http').ServerResponse) => void)[],
) {
  const seen: { method: string; url: string; amzDate: string }[] = [];
  const http: Server = createServer((req, res) => {
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      amzDate: String(req.headers['x-amz-date'] ?? ''),
    });
    req.resume();
    req.on('end', () => (answers.shift() ?? ((_q, r) => r.writeHead(500).end()))(req, res));
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const { port } = http.address() as AddressInfo;
  const client = new S3Client({ endpoint: `http://127.0.0.1:${port}`, region: REGION, credentials });
  return { client, seen, close: () => new Promise<void>((r) => http.close(() => r())) };
}

const xmlError = (code: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code} happened</Message></Error>`;

describe('the functions’ S3 client when S3 misbehaves', () => {
  it('tries again after throttling and a dropped connection, then gives up after three attempts', async () => {
    const { client, seen, close } = await scriptedServer([
      (_q, r) => r.writeHead(503).end(xmlError('SlowDown')),
      (_q, r) => r.socket?.destroy(),
      (_q, r) => r.writeHead(200, { 'x-amz-version-id': 'v-3' }).end(),
      (_q, r) => r.writeHead(500).end(xmlError('InternalError')),
      (_q, r) => r.writeHead(500).end(xmlError('InternalError')),
      (_q, r) => r.writeHead(500).end(xmlError('InternalError')),
    ]);
    try {
      const res = await client.send(new DeleteObjectCommand({ Bucket: 'b', Key: 'k' }));
      expect(res.VersionId).toBe('v-3');
      expect(seen).toHaveLength(3);
      await expect(client.send(new DeleteObjectCommand({ Bucket: 'b', Key: 'k' }))).rejects.toMatchObject({
        name: 'InternalError',
        message: 'InternalError happened',
      });
      expect(seen).toHaveLength(6);
    } finally {
      await close();
    }
  });

  it('does not try again what cannot succeed, nor a streamed body it cannot send twice', async () => {
    const { client, seen, close } = await scriptedServer([
      (_q, r) => r.writeHead(403).end(xmlError('AccessDenied')),
      (_q, r) => r.writeHead(503).end(xmlError('SlowDown')),
    ]);
    try {
      await expect(client.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' }))).rejects.toMatchObject({
        name: 'AccessDenied',
      });
      const put = client.send(
        new PutObjectCommand({
          Bucket: 'b',
          Key: 'k',
          Body: Readable.from([Buffer.from('x')]),
          ContentLength: 1,
          ChecksumSHA256: sha256('x').toString('base64'),
        }),
      );
      await expect(put).rejects.toMatchObject({ name: 'SlowDown' });
      expect(seen).toHaveLength(2);
    } finally {
      await close();
    }
  });

  it('takes an error S3 reports inside a 200 answer to a copy as an error, and tries again', async () => {
    const result =
      '<CopyObjectResult><ETag>"e"</ETag><ChecksumSHA256>c2hh</ChecksumSHA256></CopyObjectResult>';
    const { client, seen, close } = await scriptedServer([
      (_q, r) => r.writeHead(200).end(xmlError('InternalError')),
      (_q, r) => r.writeHead(200, { 'x-amz-version-id': 'v-2' }).end(result),
      (_q, r) => r.writeHead(200).end(xmlError('NoSuchUpload')),
    ]);
    try {
      const copy = await client.send(new CopyObjectCommand({ Bucket: 'b', Key: 'k', CopySource: 'a/k' }));
      expect(copy).toEqual({ VersionId: 'v-2', CopyObjectResult: { ETag: '"e"', ChecksumSHA256: 'c2hh' } });
      expect(seen).toHaveLength(2);
      const complete = client.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'b',
          Key: 'k',
          UploadId: 'u',
          MultipartUpload: { Parts: [] },
        }),
      );
      await expect(complete).rejects.toMatchObject({ name: 'NoSuchUpload' });
      expect(seen).toHaveLength(3);
    } finally {
      await close();
    }
  });

  it('signs with S3’s clock once S3 says its own is too far off', async () => {
    const serverClock = new Date(Date.now() + 3_600_000);
    const { client, seen, close } = await scriptedServer([
      (_q, r) => r.writeHead(403, { date: serverClock.toUTCString() }).end(xmlError('RequestTimeTooSkewed')),
      (_q, r) => r.writeHead(204).end(),
    ]);
    try {
      await client.send(new DeleteObjectCommand({ Bucket: 'b', Key: 'k' }));
      expect(seen).toHaveLength(2);
      const signedAt = (s: string) =>
        Date.parse(s.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
      expect(signedAt(seen[1]?.amzDate ?? '') - signedAt(seen[0]?.amzDate ?? '')).toBeGreaterThan(3_500_000);
    } finally {
      await close();
    }
  });
});
