/**
 * AWS Signature Version 4 verification shared by the local stand-ins (S3, Step Functions), for
 * header-signed requests (Authorization: AWS4-HMAC-SHA256 ...) and presigned URLs (X-Amz-* query
 * parameters), against the local credentials.
 *
 * The canonical request is rebuilt from the request as received: the URI path is decoded and
 * re-encoded once per segment with RFC 3986 rules (no dot-segment normalisation; S3's rule, and
 * the same as the general rule for the `/` that JSON-protocol services are called on), query
 * parameters are decoded, re-encoded and sorted, signed header values are trimmed with sequential
 * spaces collapsed. The payload hash is the service's to say (`payloadHash`): S3 takes the
 * declared x-amz-content-sha256, other services hash the body they received.
 *
 * A refused request throws what `refuse` makes of the `SigV4Failure`, so each service answers in
 * its own protocol (S3's XML errors, the JSON `__type` errors of Step Functions).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const MAX_PRESIGN_EXPIRES = 604800;
/** How far a header-signed request's date may be from the server's clock, either way. */
export const MAX_SKEW_MS = 15 * 60 * 1000;

/** What the verifier needs to know about an incoming request. */
export interface SignableRequest {
  method: string;
  /** Raw request target as received: path plus optional query string, still percent-encoded. */
  url: string;
  /** Node's rawHeaders: [name, value, name, value, ...]. */
  rawHeaders: string[];
}

/** Why a request is refused, with what a service needs to word its error. */
export type SigV4Failure =
  | { kind: 'missing' }
  | { kind: 'bothMechanisms'; authorization: string }
  | { kind: 'unsupportedAlgorithm'; presigned: boolean; algorithm: string }
  | { kind: 'incomplete'; presigned: boolean; missing: string[]; authorization: string }
  | { kind: 'malformedCredential'; presigned: boolean; credential: string }
  | { kind: 'expiresNotANumber' }
  | { kind: 'expiresTooLong' }
  | { kind: 'invalidDate'; presigned: boolean }
  | { kind: 'unknownKey'; accessKeyId: string }
  /** Signed too long ago: a presigned URL past its expiry, a header signature older than the skew. */
  | { kind: 'expired'; presigned: boolean; amzDate: string; signedAt: number; now: number; expiresAt: number }
  /** Signed further in the future than the skew allows. */
  | { kind: 'notYetValid'; presigned: boolean; amzDate: string; signedAt: number; now: number }
  | { kind: 'unsignedHeaders' }
  | { kind: 'wrongRegion'; presigned: boolean; region: string; expected: string }
  | { kind: 'wrongService'; presigned: boolean; service: string; expected: string }
  | { kind: 'wrongDate'; presigned: boolean; date: string; amzDate: string }
  | { kind: 'hostNotSigned'; presigned: boolean }
  | {
      kind: 'signatureMismatch';
      accessKeyId: string;
      canonicalRequest: string;
      stringToSign: string;
      signature: string;
    };

/** What the service's payload-hash rule sees of the request. */
export interface PayloadContext {
  presigned: boolean;
  header(name: string): string | undefined;
  query(name: string): string | undefined;
}

export interface SigV4Options {
  /** The signing name in the credential scope: `s3`, `states`. */
  service: string;
  region: string;
  /** Access key id → secret access key. */
  credentials: Record<string, string>;
  /** The server's clock, in ms (the real one: clients sign with theirs). */
  now: number;
  /** The payload hash the canonical request ends with; may throw the service's own error. */
  payloadHash(ctx: PayloadContext): string;
  /** The error thrown for a refused request. */
  refuse(failure: SigV4Failure): Error;
}

export interface SignedRequest {
  accessKeyId: string;
  presigned: boolean;
  payloadHash: string;
  signedHeaders: string[];
  /** Needed to verify signed payload chunks. */
  signingKey: Buffer;
  amzDate: string;
  scope: string;
  signature: string;
  /** The decoded query parameters, in order. */
  params: [string, string][];
  /** Request headers by lower-cased name, values trimmed and collapsed. */
  headers: Map<string, string[]>;
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

/** 20130524T000000Z, the basic ISO 8601 form SigV4 dates take. */
export function toAmzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

export function equalSignatures(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

interface Credential {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

function parseCredential(value: string): Credential | undefined {
  const parts = value.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request') return undefined;
  const [accessKeyId, date, region, service] = parts as [string, string, string, string];
  return { accessKeyId, date, region, service };
}

const PRESIGN_PARAMS = [
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Signature',
  'X-Amz-Date',
  'X-Amz-SignedHeaders',
  'X-Amz-Expires',
];

/** The parts of a presigned URL's or an Authorization header's signature, checked as far as they go alone. */
interface Claimed {
  credential: Credential;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
}

function presignedClaim(
  query: (name: string) => string | undefined,
  headers: Map<string, string[]>,
  opts: SigV4Options,
): Claimed {
  const missing = PRESIGN_PARAMS.filter((name) => !query(name));
  if (missing.length > 0) {
    throw opts.refuse({ kind: 'incomplete', presigned: true, missing, authorization: '' });
  }
  const algorithm = query('X-Amz-Algorithm') as string;
  const cred = query('X-Amz-Credential') as string;
  const date = query('X-Amz-Date') as string;
  const expires = query('X-Amz-Expires') as string;
  if (algorithm !== ALGORITHM)
    throw opts.refuse({ kind: 'unsupportedAlgorithm', presigned: true, algorithm });
  const credential = parseCredential(cred);
  if (!credential) throw opts.refuse({ kind: 'malformedCredential', presigned: true, credential: cred });
  if (!/^\d+$/.test(expires)) throw opts.refuse({ kind: 'expiresNotANumber' });
  const expiresSec = Number(expires);
  if (expiresSec > MAX_PRESIGN_EXPIRES) throw opts.refuse({ kind: 'expiresTooLong' });
  const signedAt = parseAmzDate(date);
  if (signedAt === undefined) throw opts.refuse({ kind: 'invalidDate', presigned: true });
  if (!(credential.accessKeyId in opts.credentials)) {
    throw opts.refuse({ kind: 'unknownKey', accessKeyId: credential.accessKeyId });
  }
  const expiresAt = signedAt + expiresSec * 1000;
  if (opts.now > expiresAt) {
    throw opts.refuse({
      kind: 'expired',
      presigned: true,
      amzDate: date,
      signedAt,
      now: opts.now,
      expiresAt,
    });
  }
  if (signedAt - MAX_SKEW_MS > opts.now) {
    throw opts.refuse({ kind: 'notYetValid', presigned: true, amzDate: date, signedAt, now: opts.now });
  }
  const signedHeaders = (query('X-Amz-SignedHeaders') as string).split(';');
  // x-amz-* headers a presigned URL did not sign are refused: they could change what the request does.
  for (const name of headers.keys()) {
    if (name.startsWith('x-amz-') && !signedHeaders.includes(name))
      throw opts.refuse({ kind: 'unsignedHeaders' });
  }
  return { credential, signedHeaders, signature: query('X-Amz-Signature') as string, amzDate: date };
}

function headerClaim(
  authorization: string | undefined,
  header: (name: string) => string | undefined,
  opts: SigV4Options,
): Claimed {
  if (authorization === undefined) throw opts.refuse({ kind: 'missing' });
  if (!authorization.startsWith(`${ALGORITHM} `)) {
    const algorithm = authorization.split(' ')[0] ?? '';
    throw opts.refuse({ kind: 'unsupportedAlgorithm', presigned: false, algorithm });
  }
  const fields = new Map<string, string>();
  for (const part of authorization.slice(ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const missing = ['Credential', 'Signature', 'SignedHeaders'].filter((name) => !fields.get(name));
  if (missing.length > 0) throw opts.refuse({ kind: 'incomplete', presigned: false, missing, authorization });
  const cred = fields.get('Credential') as string;
  const credential = parseCredential(cred);
  if (!credential) throw opts.refuse({ kind: 'malformedCredential', presigned: false, credential: cred });
  if (!(credential.accessKeyId in opts.credentials)) {
    throw opts.refuse({ kind: 'unknownKey', accessKeyId: credential.accessKeyId });
  }
  const dateHeader = header('x-amz-date');
  let signedAt: number | undefined;
  let amzDate: string;
  if (dateHeader !== undefined) {
    signedAt = parseAmzDate(dateHeader);
    amzDate = dateHeader;
  } else {
    const httpDate = header('date');
    signedAt = httpDate ? Date.parse(httpDate) : undefined;
    amzDate = signedAt !== undefined && !Number.isNaN(signedAt) ? toAmzDate(signedAt) : '';
  }
  if (signedAt === undefined || Number.isNaN(signedAt))
    throw opts.refuse({ kind: 'invalidDate', presigned: false });
  if (opts.now - signedAt > MAX_SKEW_MS) {
    const expiresAt = signedAt + MAX_SKEW_MS;
    throw opts.refuse({ kind: 'expired', presigned: false, amzDate, signedAt, now: opts.now, expiresAt });
  }
  if (signedAt - opts.now > MAX_SKEW_MS) {
    throw opts.refuse({ kind: 'notYetValid', presigned: false, amzDate, signedAt, now: opts.now });
  }
  return {
    credential,
    signedHeaders: (fields.get('SignedHeaders') as string).split(';'),
    signature: fields.get('Signature') as string,
    amzDate,
  };
}

/**
 * Verifies the request's signature. Returns who signed it and how, or throws what `opts.refuse`
 * makes of the first thing wrong. Anonymous requests are refused: no local endpoint is public.
 */
export function verifySigV4(req: SignableRequest, opts: SigV4Options): SignedRequest {
  const q = req.url.indexOf('?');
  const rawPath = q < 0 ? req.url : req.url.slice(0, q);
  const params = parseRawQuery(q < 0 ? '' : req.url.slice(q + 1));
  const headers = headerMap(req.rawHeaders);
  const header = (name: string) => headers.get(name)?.join(',');
  const query = (name: string) => params.find(([n]) => n === name)?.[1];

  const authorization = header('authorization');
  const presigned = query('X-Amz-Algorithm') !== undefined || query('X-Amz-Signature') !== undefined;
  if (authorization !== undefined && presigned) throw opts.refuse({ kind: 'bothMechanisms', authorization });
  const { credential, signedHeaders, signature, amzDate } = presigned
    ? presignedClaim(query, headers, opts)
    : headerClaim(authorization, header, opts);
  const payloadHash = opts.payloadHash({ presigned, header, query });

  if (credential.region !== opts.region) {
    throw opts.refuse({ kind: 'wrongRegion', presigned, region: credential.region, expected: opts.region });
  }
  if (credential.service !== opts.service) {
    throw opts.refuse({
      kind: 'wrongService',
      presigned,
      service: credential.service,
      expected: opts.service,
    });
  }
  if (credential.date !== amzDate.slice(0, 8)) {
    throw opts.refuse({ kind: 'wrongDate', presigned, date: credential.date, amzDate });
  }
  if (!signedHeaders.includes('host')) throw opts.refuse({ kind: 'hostNotSigned', presigned });

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
    throw opts.refuse({
      kind: 'signatureMismatch',
      accessKeyId: credential.accessKeyId,
      canonicalRequest,
      stringToSign,
      signature,
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
    params,
    headers,
  };
}
