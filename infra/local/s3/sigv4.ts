/**
 * AWS Signature Version 4 for S3: the shared verifier (`../sigv4.ts`) with S3's rules on top, the
 * payload hash declared in x-amz-content-sha256 (UNSIGNED-PAYLOAD for presigned URLs unless they
 * sign one), the X-Amz-* parameters of a presigned URL that stand for request headers, S3's error
 * for each refusal, and the signatures of aws-chunked payload chunks and trailers.
 */
import { createHash, createHmac } from 'node:crypto';
import {
  type SignableRequest,
  type SignedRequest,
  type SigV4Failure,
  sha256Hex,
  UNSIGNED_PAYLOAD,
  verifySigV4,
} from '../sigv4.ts';
import { errors, type S3Error } from './errors.ts';

export {
  ALGORITHM,
  canonicalQuery,
  canonicalUri,
  equalSignatures,
  parseRawQuery,
  type SignableRequest,
  safeDecode,
  UNSIGNED_PAYLOAD,
  uriEncode,
} from '../sigv4.ts';

export const STREAMING_UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
export const STREAMING_SIGNED = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
export const STREAMING_SIGNED_TRAILER = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

export interface AuthResult extends SignedRequest {
  /** Declared payload hash: a hex SHA-256, UNSIGNED-PAYLOAD or one of the STREAMING-* values. */
  payloadHash: string;
  /** X-Amz-* parameters of a presigned URL that stand for request headers (lower-cased names). */
  hoistedHeaders: Record<string, string>;
}

export interface VerifyOptions {
  region: string;
  credentials: Record<string, string>;
  now: number;
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

const MALFORMED_CREDENTIAL =
  'the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".';

/** The error S3 answers a refused signature with. */
function s3Refusal(f: SigV4Failure): S3Error {
  const malformed = (presigned: boolean, msg: string) =>
    presigned
      ? errors.authQueryParams(msg)
      : errors.authHeaderMalformed(`The authorization header is malformed; ${msg}`);
  switch (f.kind) {
    case 'missing':
      return errors.accessDenied();
    case 'bothMechanisms':
      return errors.invalidArgument(
        'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
        'Authorization',
        f.authorization,
      );
    case 'unsupportedAlgorithm':
      return f.presigned
        ? errors.authQueryParams('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"')
        : errors.invalidRequest(
            'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.',
          );
    case 'incomplete':
      return f.presigned
        ? errors.authQueryParams(
            'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
          )
        : errors.authHeaderMalformed(
            'The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.',
          );
    case 'malformedCredential':
      return f.presigned
        ? errors.authQueryParams(`Error parsing the X-Amz-Credential parameter; ${MALFORMED_CREDENTIAL}`)
        : errors.authHeaderMalformed(`The authorization header is malformed; ${MALFORMED_CREDENTIAL}`);
    case 'expiresNotANumber':
      return errors.authQueryParams('X-Amz-Expires should be a number');
    case 'expiresTooLong':
      return errors.authQueryParams('X-Amz-Expires must be less than a week (in seconds) that is; 604800');
    case 'invalidDate':
      return f.presigned
        ? errors.authQueryParams(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`)
        : errors.accessDenied('AWS authentication requires a valid Date or x-amz-date header');
    case 'unknownKey':
      return errors.invalidAccessKeyId(f.accessKeyId);
    case 'expired':
    case 'notYetValid':
      if (!f.presigned) {
        return errors.timeTooSkewed(new Date(f.signedAt).toISOString(), new Date(f.now).toISOString());
      }
      return f.kind === 'expired' ? errors.requestExpired() : errors.accessDenied('Request is not valid yet');
    case 'unsignedHeaders':
      return errors.accessDenied('There were headers present in the request which were not signed');
    case 'wrongRegion':
      return malformed(f.presigned, `the region '${f.region}' is wrong; expecting '${f.expected}'`);
    case 'wrongService':
      return malformed(
        f.presigned,
        `incorrect service "${f.service}". This endpoint belongs to "${f.expected}".`,
      );
    case 'wrongDate':
      return malformed(
        f.presigned,
        `Invalid credential date "${f.date}". This date is not the same as X-Amz-Date: "${f.amzDate.slice(0, 8)}".`,
      );
    case 'hostNotSigned':
      return malformed(f.presigned, 'the SignedHeaders must include host');
    case 'signatureMismatch':
      return errors.signatureDoesNotMatch({
        AWSAccessKeyId: f.accessKeyId,
        StringToSign: f.stringToSign,
        SignatureProvided: f.signature,
        CanonicalRequest: f.canonicalRequest,
      });
  }
}

/** Query parameters of a presigned URL that are its signature, not request headers. */
const SIGNATURE_PARAMS = [
  'x-amz-algorithm',
  'x-amz-credential',
  'x-amz-date',
  'x-amz-expires',
  'x-amz-signedheaders',
  'x-amz-signature',
  'x-amz-security-token',
  'x-amz-content-sha256',
];

/**
 * Verifies the request signature. Returns who signed it, or throws the S3Error S3 would answer with.
 * Anonymous requests are refused (AccessDenied): the local endpoint has no public buckets.
 */
export function verifySignature(req: SignableRequest, opts: VerifyOptions): AuthResult {
  const signed = verifySigV4(req, {
    service: 's3',
    region: opts.region,
    credentials: opts.credentials,
    now: opts.now,
    refuse: s3Refusal,
    payloadHash: ({ presigned, header, query }) => {
      if (presigned) return query('X-Amz-Content-Sha256') ?? UNSIGNED_PAYLOAD;
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
      return declared;
    },
  });
  // x-amz-* parameters of a presigned URL act as request headers (metadata, tagging, Object Lock...),
  // except flexible checksums: S3 ignores x-amz-checksum-* and x-amz-sdk-checksum-algorithm in the
  // query string (the JS SDK hoists the CRC32 of an empty body there when presigning PutObject).
  // A checksum is only enforced when it is sent as a header, ideally one the URL signs.
  const hoistedHeaders: Record<string, string> = {};
  if (signed.presigned) {
    for (const [name, value] of signed.params) {
      const lower = name.toLowerCase();
      if (
        lower.startsWith('x-amz-') &&
        !lower.startsWith('x-amz-checksum-') &&
        lower !== 'x-amz-sdk-checksum-algorithm' &&
        !SIGNATURE_PARAMS.includes(lower)
      ) {
        hoistedHeaders[lower] = value;
      }
    }
  }
  return { ...signed, hoistedHeaders };
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
