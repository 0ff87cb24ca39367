/**
 * S3 protocol behaviour of the local endpoint beyond the main flows: checksums and aws-chunked uploads,
 * ranges and conditional requests, versioning, multipart uploads, listing with delimiters, the
 * bucket settings Dangan reads, the refusal of operations it does not use, and CORS.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  ListPartsCommand,
  NoSuchBucket,
  NoSuchKey,
  NotFound,
  PutBucketVersioningCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checksumOf } from '../../infra/local/s3/checksums.ts';
import { type S3ObjectCreatedRecord, startS3Server } from '../../infra/local/s3/server.ts';

const REGION = 'eu-central-1';
const ACCESS_KEY = 'AKIDPROTOCOL';
const SECRET = 'protocol-secret';

let dataDir: string;
let server: Awaited<ReturnType<typeof startS3Server>>;
let events: S3ObjectCreatedRecord[] = [];

function client(extra: Partial<ConstructorParameters<typeof S3Client>[0]> = {}): S3Client {
  return new S3Client({
    endpoint: server.url,
    region: REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET },
    maxAttempts: 1,
    ...extra,
  });
}

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

interface WireRequest {
  body: unknown;
  headers: Record<string, string>;
}

/** Lets a test change the request on the wire after the SDK has signed it. */
function afterSigning(s3: S3Client, change: (req: WireRequest) => void): void {
  type Next = (args: { request: unknown }) => Promise<unknown>;
  const middleware = (next: Next) => async (args: { request: unknown }) => {
    change(args.request as WireRequest);
    return next(args);
  };
  s3.middlewareStack.addRelativeTo(middleware as never, {
    relation: 'after',
    toMiddleware: 'httpSigningMiddleware',
  });
}

const sha256b64 = (data: string | Buffer) => createHash('sha256').update(data).digest('base64');
const md5 = (data: string | Buffer) => createHash('md5').update(data);

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'dangan-s3-protocol-'));
  server = await startS3Server({
    dataDir,
    region: REGION,
    credentials: { [ACCESS_KEY]: SECRET },
    buckets: [
      { name: 'plain' },
      { name: 'versioned', versioning: true },
      { name: 'locked', objectLock: true },
      { name: 'browser', cors: true },
    ],
    onObjectCreated: (r) => {
      events.push(r);
    },
  });
});

afterAll(async () => {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

beforeEach(() => {
  events = [];
});

describe('checksums on upload', () => {
  it('refuses a wrong x-amz-checksum-sha256 with BadDigest and stores nothing', async () => {
    const e = await errorOf(
      client().send(
        new PutObjectCommand({
          Bucket: 'plain',
          Key: 'c/bad-sha.txt',
          Body: 'payload',
          ChecksumSHA256: sha256b64('other'),
        }),
      ),
    );
    expect(e.name).toBe('BadDigest');
    expect(e.$metadata.httpStatusCode).toBe(400);
    expect(await exists('plain', 'c/bad-sha.txt')).toBe(false);
    expect(events).toEqual([]);
  });

  it('refuses a wrong Content-MD5 with BadDigest', async () => {
    const e = await errorOf(
      client().send(
        new PutObjectCommand({
          Bucket: 'plain',
          Key: 'c/bad-md5.txt',
          Body: 'payload',
          ContentMD5: md5('other').digest('base64'),
        }),
      ),
    );
    expect(e.name).toBe('BadDigest');
    expect(await exists('plain', 'c/bad-md5.txt')).toBe(false);
  });

  it('stores the client checksum and returns it only with checksum mode enabled', async () => {
    const s3 = client();
    const body = 'checksummed payload';
    await s3.send(
      new PutObjectCommand({
        Bucket: 'plain',
        Key: 'c/sha.txt',
        Body: body,
        ChecksumSHA256: sha256b64(body),
      }),
    );
    const withMode = await s3.send(
      new HeadObjectCommand({ Bucket: 'plain', Key: 'c/sha.txt', ChecksumMode: 'ENABLED' }),
    );
    expect(withMode.ChecksumSHA256).toBe(sha256b64(body));
    expect(withMode.ChecksumType).toBe('FULL_OBJECT');
    const without = await s3.send(new HeadObjectCommand({ Bucket: 'plain', Key: 'c/sha.txt' }));
    expect(without.ChecksumSHA256).toBeUndefined();
    expect(without.ETag).toBe(`"${md5(body).digest('hex')}"`);
    expect(without.ContentLength).toBe(body.length);
  });

  it('verifies CRC32C and SHA1 checksums computed by the SDK', async () => {
    const s3 = client();
    for (const alg of ['CRC32C', 'SHA1'] as const) {
      const body = `body for ${alg}`;
      await s3.send(
        new PutObjectCommand({ Bucket: 'plain', Key: `c/${alg}.txt`, Body: body, ChecksumAlgorithm: alg }),
      );
      const head = await s3.send(
        new HeadObjectCommand({ Bucket: 'plain', Key: `c/${alg}.txt`, ChecksumMode: 'ENABLED' }),
      );
      expect(head[`Checksum${alg}`]).toBe(checksumOf(alg, Buffer.from(body)));
    }
    const wrong = await errorOf(
      s3.send(
        new PutObjectCommand({
          Bucket: 'plain',
          Key: 'c/crc-wrong.txt',
          Body: 'x',
          ChecksumCRC32C: checksumOf('CRC32C', Buffer.from('y')),
        }),
      ),
    );
    expect(wrong.name).toBe('BadDigest');
  });

  it('adds a CRC64NVME checksum when the client sends none, which the SDK validates on download', async () => {
    const s3 = client({ requestChecksumCalculation: 'WHEN_REQUIRED' });
    const body = Buffer.from('没有校验和的上传 '.repeat(500));
    await s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'c/default.txt', Body: body }));
    const get = await s3.send(
      new GetObjectCommand({ Bucket: 'plain', Key: 'c/default.txt', ChecksumMode: 'ENABLED' }),
    );
    expect(get.ChecksumCRC64NVME).toBe(checksumOf('CRC64NVME', body));
    expect(Buffer.from(await get.Body!.transformToByteArray())).toEqual(body);
  });

  it('accepts streaming aws-chunked uploads with a trailing checksum', async () => {
    const s3 = client();
    const seen: Record<string, string>[] = [];
    s3.middlewareStack.add(
      (next) => async (args) => {
        seen.push({ ...(args.request as { headers: Record<string, string> }).headers });
        return next(args);
      },
      { step: 'finalizeRequest' },
    );
    const parts = [Buffer.alloc(70_000, 'x'), Buffer.from('尾部 tail')];
    const total = Buffer.concat(parts);
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'plain',
        Key: 'c/stream.bin',
        Body: Readable.from(parts),
        ContentLength: total.length,
      }),
    );
    expect(seen[0]?.['content-encoding']).toBe('aws-chunked');
    expect(seen[0]?.['x-amz-content-sha256']).toBe('STREAMING-UNSIGNED-PAYLOAD-TRAILER');
    expect(seen[0]?.['x-amz-trailer']).toBe('x-amz-checksum-crc32');
    expect(put.ETag).toBe(`"${md5(total).digest('hex')}"`);
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: 'plain', Key: 'c/stream.bin', ChecksumMode: 'ENABLED' }),
    );
    expect(head.ContentLength).toBe(total.length);
    expect(head.ChecksumCRC32).toBe(checksumOf('CRC32', total));
    expect(head.ContentEncoding).toBeUndefined();
  });

  it('refuses an aws-chunked upload whose trailing checksum does not match', async () => {
    const s3 = client();
    afterSigning(s3, (req) => {
      req.body = Buffer.from(
        `5\r\nhello\r\n0\r\nx-amz-checksum-crc32:${checksumOf('CRC32', Buffer.from('jello'))}\r\n\r\n`,
      );
      req.headers['x-amz-decoded-content-length'] = '5';
    });
    const e = await errorOf(
      s3.send(
        new PutObjectCommand({
          Bucket: 'plain',
          Key: 'c/bad-trailer.txt',
          Body: Readable.from([Buffer.from('hello')]),
          ContentLength: 5,
        }),
      ),
    );
    expect(e.name).toBe('BadDigest');
    expect(await exists('plain', 'c/bad-trailer.txt')).toBe(false);
  });

  it('refuses a body that does not match a signed x-amz-content-sha256', async () => {
    const s3 = client({ requestChecksumCalculation: 'WHEN_REQUIRED' });
    let declared = '';
    afterSigning(s3, (req) => {
      declared = req.headers['x-amz-content-sha256'] ?? '';
      req.body = 'tampered';
    });
    const e = await errorOf(
      s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'c/tampered.txt', Body: 'original' })),
    );
    expect(declared).toBe(createHash('sha256').update('original').digest('hex'));
    expect(e.name).toBe('XAmzContentSHA256Mismatch');
    expect(await exists('plain', 'c/tampered.txt')).toBe(false);
  });
});

describe('reads', () => {
  const body = '0123456789abcdef';

  beforeAll(async () => {
    await client().send(
      new PutObjectCommand({ Bucket: 'plain', Key: 'r/range.txt', Body: body, ContentType: 'text/plain' }),
    );
  });

  it('serves byte ranges with 206 and refuses unsatisfiable ones with 416', async () => {
    const s3 = client();
    const mid = await s3.send(
      new GetObjectCommand({ Bucket: 'plain', Key: 'r/range.txt', Range: 'bytes=2-5' }),
    );
    expect(mid.$metadata.httpStatusCode).toBe(206);
    expect(mid.ContentRange).toBe('bytes 2-5/16');
    expect(await mid.Body!.transformToString()).toBe('2345');
    const open = await s3.send(
      new GetObjectCommand({ Bucket: 'plain', Key: 'r/range.txt', Range: 'bytes=10-' }),
    );
    expect(await open.Body!.transformToString()).toBe('abcdef');
    const suffix = await s3.send(
      new GetObjectCommand({ Bucket: 'plain', Key: 'r/range.txt', Range: 'bytes=-3' }),
    );
    expect(await suffix.Body!.transformToString()).toBe('def');
    const beyond = await s3.send(
      new GetObjectCommand({ Bucket: 'plain', Key: 'r/range.txt', Range: 'bytes=12-100' }),
    );
    expect(await beyond.Body!.transformToString()).toBe('cdef');
    const e = await errorOf(
      s3.send(new GetObjectCommand({ Bucket: 'plain', Key: 'r/range.txt', Range: 'bytes=16-20' })),
    );
    expect(e.name).toBe('InvalidRange');
    expect(e.$metadata.httpStatusCode).toBe(416);
    const reversed = await s3.send(
      new GetObjectCommand({ Bucket: 'plain', Key: 'r/range.txt', Range: 'bytes=5-2' }),
    );
    expect(reversed.$metadata.httpStatusCode).toBe(200);
    expect(await reversed.Body!.transformToString()).toBe(body);
    await s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'r/empty.txt', Body: '' }));
    const empty = await s3.send(new GetObjectCommand({ Bucket: 'plain', Key: 'r/empty.txt' }));
    expect(empty.ContentLength).toBe(0);
    expect(await empty.Body!.transformToString()).toBe('');
  });

  it('honours If-Match / If-None-Match on GET and If-None-Match: * on PUT', async () => {
    const s3 = client();
    const etag = `"${md5(body).digest('hex')}"`;
    const ok = await s3.send(new GetObjectCommand({ Bucket: 'plain', Key: 'r/range.txt', IfMatch: etag }));
    expect(await ok.Body!.transformToString()).toBe(body);
    const failed = await errorOf(
      s3.send(new GetObjectCommand({ Bucket: 'plain', Key: 'r/range.txt', IfMatch: '"nope"' })),
    );
    expect(failed.$metadata.httpStatusCode).toBe(412);
    const notModified = await errorOf(
      s3.send(new GetObjectCommand({ Bucket: 'plain', Key: 'r/range.txt', IfNoneMatch: etag })),
    );
    expect(notModified.$metadata.httpStatusCode).toBe(304);

    const create = await errorOf(
      s3.send(
        new PutObjectCommand({ Bucket: 'plain', Key: 'r/range.txt', Body: 'overwrite', IfNoneMatch: '*' }),
      ),
    );
    expect(create.$metadata.httpStatusCode).toBe(412);
    const again = await s3.send(new GetObjectCommand({ Bucket: 'plain', Key: 'r/range.txt' }));
    expect(await again.Body!.transformToString()).toBe(body);
    await s3.send(
      new PutObjectCommand({ Bucket: 'plain', Key: 'r/new-only.txt', Body: 'first', IfNoneMatch: '*' }),
    );
    expect(await exists('plain', 'r/new-only.txt')).toBe(true);
  });

  it('maps missing buckets and keys to the SDK exceptions', async () => {
    const s3 = client();
    expect(
      await errorOf(s3.send(new GetObjectCommand({ Bucket: 'no-such-bucket', Key: 'k' }))),
    ).toBeInstanceOf(NoSuchBucket);
    expect(await errorOf(s3.send(new GetObjectCommand({ Bucket: 'plain', Key: 'missing' })))).toBeInstanceOf(
      NoSuchKey,
    );
    const head = await errorOf(s3.send(new HeadObjectCommand({ Bucket: 'no-such-bucket', Key: 'k' })));
    expect(head.$metadata.httpStatusCode).toBe(404);
    const version = await errorOf(
      s3.send(
        new GetObjectCommand({
          Bucket: 'versioned',
          Key: 'r/none.txt',
          VersionId: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        }),
      ),
    );
    expect(version.name).toBe('NoSuchVersion');
  });
});

describe('versioning', () => {
  it('keeps versions, hides keys behind delete markers and restores them', async () => {
    const s3 = client();
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: 'versioned' }))).Status).toBe('Enabled');
    const v1 = await s3.send(new PutObjectCommand({ Bucket: 'versioned', Key: 'v/doc.txt', Body: 'one' }));
    const v2 = await s3.send(new PutObjectCommand({ Bucket: 'versioned', Key: 'v/doc.txt', Body: 'two' }));
    expect(v1.VersionId).not.toBe(v2.VersionId);
    const del = await s3.send(new DeleteObjectCommand({ Bucket: 'versioned', Key: 'v/doc.txt' }));
    expect(del.DeleteMarker).toBe(true);

    const hidden = await errorOf(s3.send(new GetObjectCommand({ Bucket: 'versioned', Key: 'v/doc.txt' })));
    expect(hidden).toBeInstanceOf(NoSuchKey);
    const markerGet = await errorOf(
      s3.send(new GetObjectCommand({ Bucket: 'versioned', Key: 'v/doc.txt', VersionId: del.VersionId })),
    );
    expect(markerGet.$metadata.httpStatusCode).toBe(405);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'versioned', Prefix: 'v/' }));
    expect(listed.Contents ?? []).toEqual([]);

    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: 'versioned', Prefix: 'v/' }));
    expect(versions.Versions?.map((v) => v.VersionId)).toEqual([v2.VersionId, v1.VersionId]);
    expect(versions.DeleteMarkers?.map((d) => [d.VersionId, d.IsLatest])).toEqual([[del.VersionId, true]]);

    const page = await s3.send(
      new ListObjectVersionsCommand({ Bucket: 'versioned', Prefix: 'v/', MaxKeys: 2 }),
    );
    expect(page.IsTruncated).toBe(true);
    const rest = await s3.send(
      new ListObjectVersionsCommand({
        Bucket: 'versioned',
        Prefix: 'v/',
        KeyMarker: page.NextKeyMarker,
        VersionIdMarker: page.NextVersionIdMarker,
      }),
    );
    expect(rest.Versions?.map((v) => v.VersionId)).toEqual([v1.VersionId]);

    await s3.send(
      new DeleteObjectCommand({ Bucket: 'versioned', Key: 'v/doc.txt', VersionId: del.VersionId }),
    );
    const restored = await s3.send(new GetObjectCommand({ Bucket: 'versioned', Key: 'v/doc.txt' }));
    expect(await restored.Body!.transformToString()).toBe('two');
    expect(restored.VersionId).toBe(v2.VersionId);
  });

  it('keeps one "null" version per key in a bucket without versioning', async () => {
    const s3 = client();
    await s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'n/k', Body: 'null 1' }));
    const second = await s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'n/k', Body: 'null 2' }));
    expect(second.VersionId).toBeUndefined();
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: 'plain', Prefix: 'n/' }));
    expect(versions.Versions?.map((v) => [v.VersionId, v.IsLatest])).toEqual([['null', true]]);
    const read = await s3.send(new GetObjectCommand({ Bucket: 'plain', Key: 'n/k' }));
    expect(await read.Body!.transformToString()).toBe('null 2');
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: 'plain' }))).Status).toBeUndefined();
  });
});

describe('multipart uploads', () => {
  const MiB = 1024 * 1024;

  it('assembles parts, computes the multipart ETag and a full-object checksum, and fires one event', async () => {
    const s3 = client();
    const key = 'mp/大文件 scan.bin';
    const part1 = Buffer.alloc(5 * MiB, 1);
    const part2 = Buffer.from('the last, short part');
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket: 'versioned',
        Key: key,
        ContentType: 'application/pdf',
        Metadata: { doc: 'scan' },
      }),
    );
    const p1 = await s3.send(
      new UploadPartCommand({ Bucket: 'versioned', Key: key, UploadId, PartNumber: 1, Body: part1 }),
    );
    const p2 = await s3.send(
      new UploadPartCommand({ Bucket: 'versioned', Key: key, UploadId, PartNumber: 2, Body: part2 }),
    );
    const parts = await s3.send(new ListPartsCommand({ Bucket: 'versioned', Key: key, UploadId }));
    expect(parts.Parts?.map((p) => [p.PartNumber, p.Size])).toEqual([
      [1, part1.length],
      [2, part2.length],
    ]);
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'versioned',
        Key: key,
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: p1.ETag },
            { PartNumber: 2, ETag: p2.ETag },
          ],
        },
      }),
    );
    const expectedEtag = md5(Buffer.concat([md5(part1).digest(), md5(part2).digest()])).digest('hex');
    expect(done.ETag).toBe(`"${expectedEtag}-2"`);
    expect(done.VersionId).toBeTruthy();
    const whole = Buffer.concat([part1, part2]);
    const get = await s3.send(
      new GetObjectCommand({ Bucket: 'versioned', Key: key, ChecksumMode: 'ENABLED' }),
    );
    expect(get.ContentType).toBe('application/pdf');
    expect(get.Metadata).toEqual({ doc: 'scan' });
    expect(get.ChecksumCRC64NVME).toBe(checksumOf('CRC64NVME', whole));
    expect(Buffer.from(await get.Body!.transformToByteArray()).equals(whole)).toBe(true);
    expect(events.map((e) => [e.eventName, e.key, e.size, e.eTag])).toEqual([
      ['ObjectCreated:CompleteMultipartUpload', key, whole.length, `${expectedEtag}-2`],
    ]);
  });

  it('builds a composite SHA256 checksum from part checksums', async () => {
    const s3 = client();
    const key = 'mp/composite.bin';
    const part1 = Buffer.alloc(5 * MiB, 2);
    const part2 = Buffer.from('tail');
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'plain', Key: key, ChecksumAlgorithm: 'SHA256' }),
    );
    const p1 = await s3.send(
      new UploadPartCommand({
        Bucket: 'plain',
        Key: key,
        UploadId,
        PartNumber: 1,
        Body: part1,
        ChecksumAlgorithm: 'SHA256',
      }),
    );
    const p2 = await s3.send(
      new UploadPartCommand({
        Bucket: 'plain',
        Key: key,
        UploadId,
        PartNumber: 2,
        Body: part2,
        ChecksumAlgorithm: 'SHA256',
      }),
    );
    expect(p1.ChecksumSHA256).toBe(sha256b64(part1));
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'plain',
        Key: key,
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: p1.ETag, ChecksumSHA256: p1.ChecksumSHA256 },
            { PartNumber: 2, ETag: p2.ETag, ChecksumSHA256: p2.ChecksumSHA256 },
          ],
        },
      }),
    );
    const composite = createHash('sha256')
      .update(
        Buffer.concat([
          createHash('sha256').update(part1).digest(),
          createHash('sha256').update(part2).digest(),
        ]),
      )
      .digest('base64');
    expect(done.ChecksumSHA256).toBe(`${composite}-2`);
    expect(done.ChecksumType).toBe('COMPOSITE');
  });

  it('refuses parts below 5 MiB except the last, wrong ETags, and aborted uploads', async () => {
    const s3 = client();
    const key = 'mp/small.bin';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'plain', Key: key }));
    const p1 = await s3.send(
      new UploadPartCommand({ Bucket: 'plain', Key: key, UploadId, PartNumber: 1, Body: 'small' }),
    );
    const p2 = await s3.send(
      new UploadPartCommand({ Bucket: 'plain', Key: key, UploadId, PartNumber: 2, Body: 'parts' }),
    );
    const tooSmall = await errorOf(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'plain',
          Key: key,
          UploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 1, ETag: p1.ETag },
              { PartNumber: 2, ETag: p2.ETag },
            ],
          },
        }),
      ),
    );
    expect(tooSmall.name).toBe('EntityTooSmall');
    const wrongEtag = await errorOf(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'plain',
          Key: key,
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"0000"' }] },
        }),
      ),
    );
    expect(wrongEtag.name).toBe('InvalidPart');
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'plain', Key: key, UploadId }));
    const gone = await errorOf(s3.send(new ListPartsCommand({ Bucket: 'plain', Key: key, UploadId })));
    expect(gone.name).toBe('NoSuchUpload');
    expect(await exists('plain', key)).toBe(false);
  });
});

describe('listing', () => {
  it('groups by delimiter and pages through keys and common prefixes', async () => {
    const s3 = client();
    const keys = ['l/a/1.txt', 'l/a/2.txt', 'l/b/1.txt', 'l/c.txt', 'l/d.txt', 'l/客户/1.txt'];
    for (const k of keys) await s3.send(new PutObjectCommand({ Bucket: 'plain', Key: k, Body: k }));
    const all = await s3.send(new ListObjectsV2Command({ Bucket: 'plain', Prefix: 'l/', Delimiter: '/' }));
    expect(all.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['l/a/', 'l/b/', 'l/客户/']);
    expect(all.Contents?.map((c) => c.Key)).toEqual(['l/c.txt', 'l/d.txt']);

    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({
          Bucket: 'plain',
          Prefix: 'l/',
          Delimiter: '/',
          MaxKeys: 2,
          ContinuationToken: token,
        }),
      );
      seen.push(
        ...(page.CommonPrefixes ?? []).map((p) => p.Prefix!),
        ...(page.Contents ?? []).map((c) => c.Key!),
      );
      token = page.NextContinuationToken;
    } while (token);
    expect(seen.sort()).toEqual(['l/a/', 'l/b/', 'l/c.txt', 'l/d.txt', 'l/客户/'].sort());

    const after = await s3.send(
      new ListObjectsV2Command({ Bucket: 'plain', Prefix: 'l/', StartAfter: 'l/b/1.txt' }),
    );
    expect(after.Contents?.map((c) => c.Key)).toEqual(['l/c.txt', 'l/d.txt', 'l/客户/1.txt']);
  });
});

describe('bucket settings and operations Dangan does not use', () => {
  it('reports the versioning and Object Lock the buckets were started with', async () => {
    const s3 = client();
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: 'locked' }))).Status).toBe('Enabled');
    const cfg = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: 'locked' }));
    expect(cfg.ObjectLockConfiguration).toEqual({ ObjectLockEnabled: 'Enabled' });
    const none = await errorOf(s3.send(new GetObjectLockConfigurationCommand({ Bucket: 'versioned' })));
    expect(none.name).toBe('ObjectLockConfigurationNotFoundError');
  });

  it('refuses unused operations with 501 NotImplemented instead of misreading them', async () => {
    const s3 = client();
    await s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'u/kept.txt', Body: 'kept' }));
    const unused = [
      new CreateBucketCommand({ Bucket: 'new-bucket' }),
      new ListBucketsCommand({}),
      new ListObjectsCommand({ Bucket: 'plain' }),
      new GetObjectAttributesCommand({ Bucket: 'plain', Key: 'u/kept.txt', ObjectAttributes: ['ETag'] }),
      new DeleteObjectsCommand({ Bucket: 'plain', Delete: { Objects: [{ Key: 'u/kept.txt' }] } }),
      new PutBucketVersioningCommand({ Bucket: 'plain', VersioningConfiguration: { Status: 'Enabled' } }),
      new PutObjectAclCommand({ Bucket: 'plain', Key: 'u/kept.txt', ACL: 'public-read' }),
    ];
    for (const command of unused) {
      const e = await errorOf(s3.send(command as Parameters<S3Client['send']>[0]));
      expect([command.constructor.name, e.name, e.$metadata.httpStatusCode]).toEqual([
        command.constructor.name,
        'NotImplemented',
        501,
      ]);
    }
    expect(await exists('plain', 'u/kept.txt')).toBe(true);
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: 'plain' }))).Status).toBeUndefined();
  });
});

describe('CORS', () => {
  const preflight = (bucket: string, origin: string, method = 'PUT') =>
    fetch(`${server.url}/${bucket}/intake/file.pdf`, {
      method: 'OPTIONS',
      headers: {
        Origin: origin,
        'Access-Control-Request-Method': method,
        'Access-Control-Request-Headers': 'content-type,x-amz-checksum-sha256',
      },
    });

  it('answers preflights from localhost origins for CORS buckets only', async () => {
    const ok = await preflight('browser', 'http://localhost:5173');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(ok.headers.get('access-control-allow-methods')).toBe('GET, PUT, HEAD');
    expect(ok.headers.get('access-control-allow-headers')).toBe('content-type,x-amz-checksum-sha256');
    const expose = ok.headers.get('access-control-expose-headers') ?? '';
    expect(expose).toContain('ETag');
    expect(expose).toContain('x-amz-version-id');

    expect((await preflight('browser', 'http://127.0.0.1:3000')).status).toBe(200);
    expect((await preflight('browser', 'https://evil.example')).status).toBe(403);
    expect((await preflight('plain', 'http://localhost:5173')).status).toBe(403);
    expect((await preflight('browser', 'http://localhost:5173', 'DELETE')).status).toBe(403);
  });

  it('adds Access-Control-Allow-Origin to actual responses, including errors', async () => {
    const s3 = client();
    const body = Buffer.from('uploaded from the console');
    const url = await getSignedUrl(
      s3,
      new PutObjectCommand({ Bucket: 'browser', Key: 'intake/浏览器.pdf', ContentType: 'application/pdf' }),
      { expiresIn: 60, signableHeaders: new Set(['content-type']) },
    );
    const res = await fetch(url, {
      method: 'PUT',
      body: new Uint8Array(body),
      headers: { 'content-type': 'application/pdf', Origin: 'http://localhost:5173' },
    });
    // The SDK hoists the CRC32 of an empty body into the URL; S3 ignores checksums in the query string.
    expect(new URL(url).searchParams.get('x-amz-checksum-crc32')).toBe('AAAAAA==');
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    const stored = await s3.send(new GetObjectCommand({ Bucket: 'browser', Key: 'intake/浏览器.pdf' }));
    expect(Buffer.from(await stored.Body!.transformToByteArray())).toEqual(body);
    const denied = await fetch(`${server.url}/browser/intake/x.pdf`, {
      headers: { Origin: 'http://localhost:5173' },
    });
    expect(denied.status).toBe(403);
    expect(denied.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    const foreign = await fetch(url, {
      method: 'PUT',
      body: new Uint8Array(body),
      headers: { 'content-type': 'application/pdf', Origin: 'https://evil.example' },
    });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });
});
