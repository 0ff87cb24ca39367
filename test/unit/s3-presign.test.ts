import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { presignS3, s3Endpoint } from '../../functions/adapters/s3-presign.ts';

/**
 * The presigner without the S3 client signs exactly what `getSignedUrl` signs for the client the
 * functions would otherwise use (functions/adapters/s3-client.ts): the same URL, character for
 * character, for an upload bound to type, length, checksum and upload id, and for a download of one
 * version with its response headers, in us-east-1, in cn-north-1 and against a local endpoint.
 */
const SIGNING_DATE = new Date('2026-12-05T03:04:05.000Z');
const KEY = 'intake/2026/12/6f1c2a4e-8b7d-4c3a-9e2f-1a2b3c4d5e6f/申请表 (1).pdf';
const saved = { ...process.env };

beforeEach(() => {
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'ASIAEXAMPLEKEYID0001',
    AWS_SECRET_ACCESS_KEY: 'example/secret+key/for/presign/tests000',
    AWS_SESSION_TOKEN: 'FwoGZXIvYXdzEXAMPLE//session+token=',
  });
});
afterEach(() => {
  process.env = { ...saved };
});

function sdkClient(): S3Client {
  return new S3Client({
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

const places: [string, Record<string, string | undefined>][] = [
  ['us-east-1', { AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_S3: undefined }],
  ['cn-north-1', { AWS_REGION: 'cn-north-1', AWS_ENDPOINT_URL_S3: undefined }],
  ['a local endpoint', { AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4001' }],
];

describe.each(places)('a presigned URL in %s', (_place, env) => {
  beforeEach(() => {
    for (const [name, value] of Object.entries(env)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('uploads: the same URL getSignedUrl makes for PutObject, headers signed and kept', async () => {
    const checksum = 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=';
    const sdk = await getSignedUrl(
      sdkClient(),
      new PutObjectCommand({
        Bucket: 'dangan-intake-000000000000',
        Key: KEY,
        ContentType: 'application/pdf',
        ContentLength: 204_800,
        ChecksumSHA256: checksum,
        Metadata: { 'upload-id': 'up-1' },
      }),
      {
        expiresIn: 900,
        signingDate: SIGNING_DATE,
        signableHeaders: new Set(['content-type', 'content-length', 'x-amz-checksum-sha256']),
        unhoistableHeaders: new Set(['x-amz-checksum-sha256', 'x-amz-meta-upload-id']),
      },
    );
    const ours = await presignS3({
      method: 'PUT',
      operation: 'PutObject',
      bucket: 'dangan-intake-000000000000',
      key: KEY,
      headers: {
        'content-type': 'application/pdf',
        'content-length': '204800',
        'x-amz-checksum-sha256': checksum,
        'x-amz-meta-upload-id': 'up-1',
      },
      signable: new Set(['content-type', 'content-length', 'x-amz-checksum-sha256']),
      unhoistable: new Set(['x-amz-checksum-sha256', 'x-amz-meta-upload-id']),
      expiresIn: 900,
      signingDate: SIGNING_DATE,
    });
    expect(ours).toBe(sdk);
    expect(ours.startsWith(s3Endpoint().origin)).toBe(true);
  });

  it('downloads: the same URL getSignedUrl makes for GetObject of one version, response headers included', async () => {
    const sdk = await getSignedUrl(
      sdkClient(),
      new GetObjectCommand({
        Bucket: 'dangan-archive-000000000000',
        Key: KEY,
        VersionId: '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY',
        ResponseContentType: 'application/pdf',
        ResponseContentDisposition: `inline; filename="scan.pdf"; filename*=UTF-8''%E7%94%B3.pdf`,
        ResponseCacheControl: 'private, no-store',
      }),
      { expiresIn: 300, signingDate: SIGNING_DATE },
    );
    const ours = await presignS3({
      method: 'GET',
      operation: 'GetObject',
      bucket: 'dangan-archive-000000000000',
      key: KEY,
      query: {
        versionId: '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY',
        'response-content-type': 'application/pdf',
        'response-content-disposition': `inline; filename="scan.pdf"; filename*=UTF-8''%E7%94%B3.pdf`,
        'response-cache-control': 'private, no-store',
      },
      expiresIn: 300,
      signingDate: SIGNING_DATE,
    });
    expect(ours).toBe(sdk);
  });
});

it('names the missing region rather than signing for none', async () => {
  delete process.env.AWS_REGION;
  delete process.env.AWS_DEFAULT_REGION;
  delete process.env.AWS_ENDPOINT_URL_S3;
  await expect(
    presignS3({ method: 'GET', operation: 'GetObject', bucket: 'b', key: 'k', expiresIn: 60 }),
  ).rejects.toThrow('no AWS region: AWS_REGION is not set');
});
