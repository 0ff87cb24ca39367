/**
 * AWS Signature Version 4 verification for S3, for header-signed requests
 * (Authorization: AWS4-HMAC-SHA256 ...) and presigned URLs (X-Amz-* query parameters).
 *
 * The canonical request is rebuilt from the request exactly as S3 does it: the URI path is
 * decoded and re-encoded once per segment with RFC 3986 rules (no dot-segment normalisation),
 * query parameters are decoded, re-encoded and sorted, signed header values are trimmed with
 * sequential spaces collapsed, and the payload hash comes from x-amz-content-sha256
 * (UNSIGNED-PAYLOAD for presigned URLs).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { errors, type S3Error } from './errors.ts';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const STREAMING_UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
export const STREAMING_SIGNED = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
export const STREAMING_SIGNED_TRAILER = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
const MAX_PRESIGN_EXPIRES = 604800;
const MAX_SKEW_MS = 15 * 60 * 1000;
const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

/** What the verifier needs to know about an incoming request. */
export interface SignableRequest {
  method: string;
  /** Raw request target as received: path plus optional query string, still percent-encoded. */
  url: string;
  /** Node's rawHeaders: [name, value, name, value, ...]. */
  rawHeaders: string[];
}

export interface AuthResult {
  accessKeyId: string;
  presigned: boolean;
  /** Declared payload hash: a hex SHA-256, UNSIGNED-PAYLOAD or one of the STREAMING-* values. */
  payloadHash: string;
  signedHeaders: string[];
  /** Needed to verify aws-chunked signed payload chunks. */
  signingKey: Buffer;
  amzDate: string;
  scope: string;
  signature: string;
  /** X-Amz-* parameters of a presigned URL that stand for request headers (lower-cased names). */
  hoistedHeaders: Record<string, string>;
}

export interface VerifyOptions {
  region: string;
  credentials: Record<string, string>;
  now: number;
}

/** RFC 3986 encoding: everything but A-Z a-z 0-9 - _ . ~ is percent-encoded (UTF-8). */
export function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Decodes percent-escapes; a malformed escape is kept literally, as S3 does with odd clients. */
export function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s.replace(/%([0-9A-Fa-f]{2})/g, (whole, hex: string) => {
      const code = Number.parseInt(hex, 16);
      return code < 0x80 ? String.fromCharCode(code) : whole;
    });
  }
}

export function canonicalUri(rawPath: string): string {
  if (rawPath === '' || rawPath === '/') return '/';
  return rawPath
    .split('/')
    .map((seg) => uriEncode(safeDecode(seg)))
    .join('/');
}

export function parseRawQuery(rawQuery: string): [string, string][] {
  const out: [string, string][] = [];
  if (!rawQuery) return out;
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    out.push([safeDecode(name), safeDecode(value)]);
  }
  return out;
}

export function canonicalQuery(params: [string, string][], exclude?: string): string {
  return params
    .filter(([name]) => name !== exclude)
    .map(([name, value]) => [uriEncode(name), uriEncode(value)] as const)
    .sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

/** Header values grouped by lower-cased name, trimmed, inner whitespace collapsed, joined by ','. */
export function headerMap(rawHeaders: string[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    const value = (rawHeaders[i + 1] as string).trim().replace(/\s+/g, ' ');
    const list = map.get(name);
    if (list) list.push(value);
    else map.set(name, [value]);
  }
  return map;
}

export function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const kDate = hmac(`AWS4${secret}`, date);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  return hmac(kService, 'aws4_request');
}

function parseAmzDate(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m;
  const t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  return Number.isNaN(t) ? undefined : t;
}

function toAmzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function equalSignatures(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

function isValidPayloadHash(value: string): boolean {
  return (
    /^[0-9a-f]{64}$/.test(value) ||
    value === UNSIGNED_PAYLOAD ||
    value === STREAMING_UNSIGNED_TRAILER ||
    value === STREAMING_SIGNED ||
    value === STREAMING_SIGNED_TRAILER
  );
}

interface Credential {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

function parseCredential(value: string, fail: (msg: string) => S3Error): Credential {
  const parts = value.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request') {
    throw fail(`the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`);
  }
  const [accessKeyId, date, region, service] = parts as [string, string, string, string];
  return { accessKeyId, date, region, service };
}

/**
 * Verifies the request signature. Returns who signed it, or throws the S3Error S3 would answer with.
 * Anonymous requests are refused (AccessDenied): the local endpoint has no public buckets.
 */
export function verifySignature(req: SignableRequest, opts: VerifyOptions): AuthResult {
  const q = req.url.indexOf('?');
  const rawPath = q < 0 ? req.url : req.url.slice(0, q);
  const rawQuery = q < 0 ? '' : req.url.slice(q + 1);
  const params = parseRawQuery(rawQuery);
  const headers = headerMap(req.rawHeaders);
  const header = (name: string) => headers.get(name)?.join(',');
  const query = (name: string) => params.find(([n]) => n === name)?.[1];

  const authorization = header('authorization');
  const presigned = query('X-Amz-Algorithm') !== undefined || query('X-Amz-Signature') !== undefined;
  if (authorization !== undefined && presigned) {
    throw errors.invalidArgument(
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
      'Authorization',
      authorization,
    );
  }

  let credential: Credential;
  let signedHeaders: string[];
  let signature: string;
  let amzDate: string;
  let payloadHash: string;
  const hoistedHeaders: Record<string, string> = {};

  if (presigned) {
    const fail = (msg: string) =>
      errors.authQueryParams(`Error parsing the X-Amz-Credential parameter; ${msg}`);
    const algorithm = query('X-Amz-Algorithm');
    const cred = query('X-Amz-Credential');
    const date = query('X-Amz-Date');
    const expires = query('X-Amz-Expires');
    const sh = query('X-Amz-SignedHeaders');
    const sig = query('X-Amz-Signature');
    if (!algorithm || !cred || !date || !expires || !sh || !sig) {
      throw errors.authQueryParams(
        'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
      );
    }
    if (algorithm !== ALGORITHM) {
      throw errors.authQueryParams('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
    }
    credential = parseCredential(cred, fail);
    if (!/^\d+$/.test(expires)) {
      throw errors.authQueryParams('X-Amz-Expires should be a number');
    }
    const expiresSec = Number(expires);
    if (expiresSec > MAX_PRESIGN_EXPIRES) {
      throw errors.authQueryParams('X-Amz-Expires must be less than a week (in seconds) that is; 604800');
    }
    const signedAt = parseAmzDate(date);
    if (signedAt === undefined) {
      throw errors.authQueryParams(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`);
    }
    if (!(credential.accessKeyId in opts.credentials))
      throw errors.invalidAccessKeyId(credential.accessKeyId);
    if (opts.now > signedAt + expiresSec * 1000) throw errors.requestExpired();
    if (signedAt - MAX_SKEW_MS > opts.now) throw errors.accessDenied('Request is not valid yet');
    signedHeaders = sh.split(';');
    signature = sig;
    amzDate = date;
    payloadHash = query('X-Amz-Content-Sha256') ?? UNSIGNED_PAYLOAD;
    // x-amz-* parameters of a presigned URL act as request headers (metadata, tagging, Object Lock...),
    // except flexible checksums: S3 ignores x-amz-checksum-* and x-amz-sdk-checksum-algorithm in the
    // query string (the JS SDK hoists the CRC32 of an empty body there when presigning PutObject).
    // A checksum is only enforced when it is sent as a header, ideally one the URL signs.
    for (const [name, value] of params) {
      const lower = name.toLowerCase();
      if (
        lower.startsWith('x-amz-') &&
        !lower.startsWith('x-amz-checksum-') &&
        lower !== 'x-amz-sdk-checksum-algorithm' &&
        ![
          'x-amz-algorithm',
          'x-amz-credential',
          'x-amz-date',
          'x-amz-expires',
          'x-amz-signedheaders',
          'x-amz-signature',
          'x-amz-security-token',
          'x-amz-content-sha256',
        ].includes(lower)
      ) {
        hoistedHeaders[lower] = value;
      }
    }
    // S3 refuses x-amz-* headers that a presigned URL did not sign: they could change the stored object.
    for (const name of headers.keys()) {
      if (name.startsWith('x-amz-') && !signedHeaders.includes(name)) {
        throw errors.accessDenied('There were headers present in the request which were not signed');
      }
    }
  } else {
    if (authorization === undefined) throw errors.accessDenied();
    if (!authorization.startsWith(`${ALGORITHM} `)) {
      throw errors.invalidRequest(
        'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.',
      );
    }
    const fields = new Map<string, string>();
    for (const part of authorization.slice(ALGORITHM.length + 1).split(',')) {
      const eq = part.indexOf('=');
      if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    }
    const cred = fields.get('Credential');
    const sh = fields.get('SignedHeaders');
    const sig = fields.get('Signature');
    if (!cred || !sh || !sig) {
      throw errors.authHeaderMalformed(
        'The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.',
      );
    }
    credential = parseCredential(cred, (msg) =>
      errors.authHeaderMalformed(`The authorization header is malformed; ${msg}`),
    );
    if (!(credential.accessKeyId in opts.credentials))
      throw errors.invalidAccessKeyId(credential.accessKeyId);
    signedHeaders = sh.split(';');
    signature = sig;
    const dateHeader = header('x-amz-date');
    let signedAt: number | undefined;
    if (dateHeader !== undefined) {
      signedAt = parseAmzDate(dateHeader);
      amzDate = dateHeader;
    } else {
      const httpDate = header('date');
      signedAt = httpDate ? Date.parse(httpDate) : undefined;
      amzDate = signedAt !== undefined && !Number.isNaN(signedAt) ? toAmzDate(signedAt) : '';
    }
    if (signedAt === undefined || Number.isNaN(signedAt)) {
      throw errors.accessDenied('AWS authentication requires a valid Date or x-amz-date header');
    }
    if (Math.abs(opts.now - signedAt) > MAX_SKEW_MS) {
      throw errors.timeTooSkewed(new Date(signedAt).toISOString(), new Date(opts.now).toISOString());
    }
    const declared = header('x-amz-content-sha256');
    if (declared === undefined) {
      throw errors.invalidRequest('Missing required header for this request: x-amz-content-sha256');
    }
    if (!isValidPayloadHash(declared)) {
      throw errors.invalidArgument(
        'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.',
        'x-amz-content-sha256',
        declared,
      );
    }
    payloadHash = declared;
  }

  const malformed = presigned
    ? (msg: string) => errors.authQueryParams(msg)
    : (msg: string) => errors.authHeaderMalformed(`The authorization header is malformed; ${msg}`);
  if (credential.region !== opts.region) {
    throw malformed(`the region '${credential.region}' is wrong; expecting '${opts.region}'`);
  }
  if (credential.service !== 's3') {
    throw malformed(`incorrect service "${credential.service}". This endpoint belongs to "s3".`);
  }
  if (credential.date !== amzDate.slice(0, 8)) {
    throw malformed(
      `Invalid credential date "${credential.date}". This date is not the same as X-Amz-Date: "${amzDate.slice(0, 8)}".`,
    );
  }
  if (!signedHeaders.includes('host')) {
    throw malformed('the SignedHeaders must include host');
  }

  const canonicalHeaders = signedHeaders.map((name) => `${name}:${header(name) ?? ''}\n`).join('');
  const canonicalRequest = [
    req.method,
    canonicalUri(rawPath),
    canonicalQuery(params, presigned ? 'X-Amz-Signature' : undefined),
    canonicalHeaders,
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
  const scope = `${credential.date}/${credential.region}/${credential.service}/aws4_request`;
  const stringToSign = [ALGORITHM, amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const secret = opts.credentials[credential.accessKeyId] as string;
  const key = signingKey(secret, credential.date, credential.region, credential.service);
  const expected = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  if (!equalSignatures(expected, signature)) {
    throw errors.signatureDoesNotMatch({
      AWSAccessKeyId: credential.accessKeyId,
      StringToSign: stringToSign,
      SignatureProvided: signature,
      CanonicalRequest: canonicalRequest,
    });
  }
  return {
    accessKeyId: credential.accessKeyId,
    presigned,
    payloadHash,
    signedHeaders,
    signingKey: key,
    amzDate,
    scope,
    signature,
    hoistedHeaders,
  };
}

/** Signature of one aws-chunked chunk (STREAMING-AWS4-HMAC-SHA256-PAYLOAD). */
export function chunkSignature(auth: AuthResult, previousSignature: string, chunkSha256Hex: string): string {
  const stringToSign = [
    'AWS4-HMAC-SHA256-PAYLOAD',
    auth.amzDate,
    auth.scope,
    previousSignature,
    EMPTY_SHA256,
    chunkSha256Hex,
  ].join('\n');
  return createHmac('sha256', auth.signingKey).update(stringToSign, 'utf8').digest('hex');
}

/** Signature of the trailing headers (STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER). */
export function trailerSignature(auth: AuthResult, previousSignature: string, trailerText: string): string {
  const stringToSign = [
    'AWS4-HMAC-SHA256-TRAILER',
    auth.amzDate,
    auth.scope,
    previousSignature,
    sha256Hex(trailerText),
  ].join('\n');
  return createHmac('sha256', auth.signingKey).update(stringToSign, 'utf8').digest('hex');
}

export { equalSignatures };
