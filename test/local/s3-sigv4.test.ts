/**
 * Signature V4 and checksum verification against the examples AWS publishes in the S3 documentation
 * ("Signature Calculations for the Authorization Header", "Query String Authentication",
 * "Transferring Payload in Multiple Chunks"), plus the standard CRC check values.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseXml } from '../../functions/adapters/xml.ts';
import { receiveBody } from '../../infra/local/s3/body.ts';
import { checksumOf, createChecksum } from '../../infra/local/s3/checksums.ts';
import { S3Error } from '../../infra/local/s3/errors.ts';
import { encodeEventKey } from '../../infra/local/s3/events.ts';
import { canonicalQuery, canonicalUri, parseRawQuery, verifySignature } from '../../infra/local/s3/sigv4.ts';

const AKID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const EXAMPLE_TIME = Date.UTC(2013, 4, 24);
const EMPTY_SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const opts = { region: 'us-east-1', credentials: { [AKID]: SECRET }, now: EXAMPLE_TIME };

function raw(headers: Record<string, string>): string[] {
  return Object.entries(headers).flat();
}

function auth(signedHeaders: string, signature: string): string {
  return `AWS4-HMAC-SHA256 Credential=${AKID}/20130524/us-east-1/s3/aws4_request,SignedHeaders=${signedHeaders},Signature=${signature}`;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof S3Error) return e.code;
    throw e;
  }
  return 'no error';
}

describe('SigV4 header authentication (AWS examples)', () => {
  const getObject = (signature: string, range = 'bytes=0-9') => ({
    method: 'GET',
    url: '/test.txt',
    rawHeaders: raw({
      Host: 'examplebucket.s3.amazonaws.com',
      Range: range,
      'x-amz-content-sha256': EMPTY_SHA,
      'x-amz-date': '20130524T000000Z',
      Authorization: auth('host;range;x-amz-content-sha256;x-amz-date', signature),
    }),
  });

  it('accepts the GET Object example', () => {
    const r = verifySignature(
      getObject('f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41'),
      opts,
    );
    expect(r.accessKeyId).toBe(AKID);
    expect(r.presigned).toBe(false);
  });

  it('rejects the GET Object example when a signed header changes', () => {
    expect(
      codeOf(() =>
        verifySignature(
          getObject('f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41', 'bytes=0-10'),
          opts,
        ),
      ),
    ).toBe('SignatureDoesNotMatch');
  });

  it('accepts the PUT Object example (path with $, Date header, storage class)', () => {
    const r = verifySignature(
      {
        method: 'PUT',
        url: '/test%24file.text',
        rawHeaders: raw({
          Host: 'examplebucket.s3.amazonaws.com',
          Date: 'Fri, 24 May 2013 00:00:00 GMT',
          'x-amz-date': '20130524T000000Z',
          'x-amz-storage-class': 'REDUCED_REDUNDANCY',
          'x-amz-content-sha256': '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072',
          Authorization: auth(
            'date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class',
            '98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd',
          ),
        }),
      },
      opts,
    );
    expect(r.payloadHash).toBe(createHash('sha256').update('Welcome to Amazon S3.').digest('hex'));
  });

  it('accepts the GET Bucket Lifecycle and GET Bucket (list) examples', () => {
    const bucketGet = (url: string, signature: string) => ({
      method: 'GET',
      url,
      rawHeaders: raw({
        Host: 'examplebucket.s3.amazonaws.com',
        'x-amz-date': '20130524T000000Z',
        'x-amz-content-sha256': EMPTY_SHA,
        Authorization: auth('host;x-amz-content-sha256;x-amz-date', signature),
      }),
    });
    expect(
      verifySignature(
        bucketGet('/?lifecycle', 'fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543'),
        opts,
      ).accessKeyId,
    ).toBe(AKID);
    expect(
      verifySignature(
        bucketGet(
          '/?max-keys=2&prefix=J',
          '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7',
        ),
        opts,
      ).accessKeyId,
    ).toBe(AKID);
    expect(
      codeOf(() =>
        verifySignature(
          bucketGet(
            '/?max-keys=3&prefix=J',
            '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7',
          ),
          opts,
        ),
      ),
    ).toBe('SignatureDoesNotMatch');
  });

  it('refuses skewed clocks, wrong regions, unknown keys and missing auth', () => {
    const req = getObject('f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
    expect(codeOf(() => verifySignature(req, { ...opts, now: EXAMPLE_TIME + 16 * 60_000 }))).toBe(
      'RequestTimeTooSkewed',
    );
    expect(verifySignature(req, { ...opts, now: EXAMPLE_TIME + 14 * 60_000 }).accessKeyId).toBe(AKID);
    expect(codeOf(() => verifySignature(req, { ...opts, region: 'eu-west-1' }))).toBe(
      'AuthorizationHeaderMalformed',
    );
    expect(codeOf(() => verifySignature(req, { ...opts, credentials: { OTHER: SECRET } }))).toBe(
      'InvalidAccessKeyId',
    );
    expect(
      codeOf(() => verifySignature({ method: 'GET', url: '/test.txt', rawHeaders: ['Host', 'x'] }, opts)),
    ).toBe('AccessDenied');
  });
});

describe('SigV4 presigned URLs (AWS example)', () => {
  const query =
    'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404';
  const req = (q: string) => ({
    method: 'GET',
    url: `/test.txt?${q}`,
    rawHeaders: raw({ Host: 'examplebucket.s3.amazonaws.com' }),
  });

  it('accepts the example within its lifetime and refuses it after', () => {
    const r = verifySignature(req(query), { ...opts, now: EXAMPLE_TIME + 86_000_000 });
    expect(r.presigned).toBe(true);
    expect(r.payloadHash).toBe('UNSIGNED-PAYLOAD');
    expect(codeOf(() => verifySignature(req(query), { ...opts, now: EXAMPLE_TIME + 86_401_000 }))).toBe(
      'AccessDenied',
    );
  });

  it('refuses altered parameters and lifetimes above a week', () => {
    expect(
      codeOf(() => verifySignature(req(query.replace('X-Amz-Expires=86400', 'X-Amz-Expires=86401')), opts)),
    ).toBe('SignatureDoesNotMatch');
    expect(codeOf(() => verifySignature(req(`${query}&versionId=abc`), opts))).toBe('SignatureDoesNotMatch');
    expect(
      codeOf(() => verifySignature(req(query.replace('X-Amz-Expires=86400', 'X-Amz-Expires=604801')), opts)),
    ).toBe('AuthorizationQueryParametersError');
    expect(codeOf(() => verifySignature(req(query.replace(/&X-Amz-Date=[^&]+/, '')), opts))).toBe(
      'AuthorizationQueryParametersError',
    );
  });
});

describe('canonical request pieces', () => {
  it('encodes each path segment once with RFC 3986 rules', () => {
    expect(canonicalUri('/archive/intake/%E5%AE%A2%E6%88%B7%20%E8%B5%84%E6%96%99/a%2Bb%C2%B7c.pdf')).toBe(
      '/archive/intake/%E5%AE%A2%E6%88%B7%20%E8%B5%84%E6%96%99/a%2Bb%C2%B7c.pdf',
    );
    // A raw '+' in a path is a plus sign, not a space; unreserved escapes are normalised.
    expect(canonicalUri('/b/a+b/%7Euser/x%21')).toBe('/b/a%2Bb/~user/x%21');
    expect(canonicalUri('/b/a//b/./c')).toBe('/b/a//b/./c');
    expect(canonicalUri('')).toBe('/');
  });

  it('sorts and encodes query parameters, giving valueless ones an empty value', () => {
    expect(canonicalQuery(parseRawQuery('prefix=J&max-keys=2&versions&a=%20b+c'))).toBe(
      'a=%20b%2Bc&max-keys=2&prefix=J&versions=',
    );
  });
});

describe('aws-chunked signed payload (AWS example)', () => {
  const chunk = (size: number, signature: string) =>
    Buffer.concat([
      Buffer.from(`${size.toString(16)};chunk-signature=${signature}\r\n`),
      Buffer.alloc(size, 'a'),
      Buffer.from('\r\n'),
    ]);
  const signatures = [
    'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
    '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
    'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
  ] as const;
  const headers = {
    Host: 's3.amazonaws.com',
    'x-amz-date': '20130524T000000Z',
    'x-amz-storage-class': 'REDUCED_REDUNDANCY',
    'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
    'Content-Encoding': 'aws-chunked',
    'x-amz-decoded-content-length': '66560',
    'Content-Length': '66824',
    Authorization: auth(
      'content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class',
      '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
    ),
  };
  const authResult = () =>
    verifySignature({ method: 'PUT', url: '/examplebucket/chunkObject.txt', rawHeaders: raw(headers) }, opts);
  const lowerHeaders = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));

  it('verifies the seed and every chunk signature and decodes the payload', async () => {
    const body = Buffer.concat([
      chunk(65536, signatures[0]),
      chunk(1024, signatures[1]),
      chunk(0, signatures[2]),
    ]);
    expect(body.length).toBe(66824);
    // Deliver the body in awkward pieces to exercise the incremental decoder.
    const pieces: Buffer[] = [];
    for (let i = 0; i < body.length; i += 7777) pieces.push(body.subarray(i, i + 7777));
    const received = await receiveBody(Readable.from(pieces), {
      auth: authResult(),
      headers: lowerHeaders,
      algorithms: ['SHA256'],
    });
    expect(received.size).toBe(66560);
    expect(received.data?.equals(Buffer.alloc(66560, 'a'))).toBe(true);
    expect(received.checksums.SHA256).toBe(checksumOf('SHA256', Buffer.alloc(66560, 'a')));
  });

  it('refuses a modified chunk', async () => {
    const second = chunk(1024, signatures[1]);
    second[100] = 'b'.charCodeAt(0);
    const body = Buffer.concat([chunk(65536, signatures[0]), second, chunk(0, signatures[2])]);
    await expect(
      receiveBody(Readable.from([body]), { auth: authResult(), headers: lowerHeaders, algorithms: [] }),
    ).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });
  });

  it('verifies trailing headers signed after the last chunk (AWS CRT test vector)', async () => {
    // Same request and chunk chain, declared as STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER.
    const trailerAuth = { ...authResult(), payloadHash: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER' };
    const trailer = (third: string) =>
      Buffer.from(
        `0;chunk-signature=${signatures[2]}\r\nfirst:1st\r\nsecond:2nd\r\nthird:${third}\r\n` +
          'x-amz-trailer-signature:df5735bd9f3295cd9386572292562fefc93ba94e80a0a1ddcbd652c4e0a75e6c\r\n\r\n',
      );
    const chunks = [chunk(65536, signatures[0]), chunk(1024, signatures[1])];
    const ok = await receiveBody(Readable.from([...chunks, trailer('3rd')]), {
      auth: trailerAuth,
      headers: lowerHeaders,
      algorithms: [],
    });
    expect(ok.size).toBe(66560);
    expect(ok.trailers).toEqual({ first: '1st', second: '2nd', third: '3rd' });
    await expect(
      receiveBody(Readable.from([...chunks, trailer('4th')]), {
        auth: trailerAuth,
        headers: lowerHeaders,
        algorithms: [],
      }),
    ).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });
  });

  it('refuses a truncated stream', async () => {
    const body = Buffer.concat([chunk(65536, signatures[0]), chunk(1024, signatures[1])]);
    await expect(
      receiveBody(Readable.from([body]), { auth: authResult(), headers: lowerHeaders, algorithms: [] }),
    ).rejects.toMatchObject({ code: 'IncompleteBody' });
  });
});

describe('checksums', () => {
  it('match the standard check values for "123456789"', () => {
    const hex = (alg: Parameters<typeof checksumOf>[0]) =>
      Buffer.from(checksumOf(alg, Buffer.from('123456789')), 'base64').toString('hex');
    expect(hex('CRC32')).toBe('cbf43926');
    expect(hex('CRC32C')).toBe('e3069283');
    expect(hex('CRC64NVME')).toBe('ae8b14860a799888');
    expect(hex('SHA1')).toBe(createHash('sha1').update('123456789').digest('hex'));
    expect(hex('SHA256')).toBe(createHash('sha256').update('123456789').digest('hex'));
  });

  it('give the same result incrementally', () => {
    const data = Buffer.from('身份证 复印件 '.repeat(1000));
    for (const alg of ['CRC32', 'CRC32C', 'CRC64NVME'] as const) {
      const c = createChecksum(alg);
      for (let i = 0; i < data.length; i += 333) c.update(data.subarray(i, i + 333));
      expect(c.digest().toString('base64')).toBe(checksumOf(alg, data));
    }
  });
});

describe('event keys and XML', () => {
  it('encodes keys in events like S3: + for spaces, percent-encoding otherwise, slashes kept', () => {
    expect(encodeEventKey('intake/客户 资料/身份证 复印件+1.pdf')).toBe(
      'intake/%E5%AE%A2%E6%88%B7+%E8%B5%84%E6%96%99/%E8%BA%AB%E4%BB%BD%E8%AF%81+%E5%A4%8D%E5%8D%B0%E4%BB%B6%2B1.pdf',
    );
  });

  it('parses request documents with namespaces, entities and CDATA', () => {
    const doc = parseXml(
      '<?xml version="1.0"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>a &amp; b&#x4E2D;</Key></Object><Object><Key><![CDATA[<x>]]></Key></Object><Quiet>true</Quiet></Delete>',
    );
    expect(doc.name).toBe('Delete');
    expect(doc.children.map((c) => c.children[0]?.text ?? c.text)).toEqual(['a & b中', '<x>', 'true']);
    expect(() => parseXml('<a><b></a>')).toThrow();
  });
});
