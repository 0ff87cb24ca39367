/**
 * Signature Version 4 on the local Step Functions endpoint: every request is verified against the
 * local credentials by the shared verifier (`../sigv4.ts`) before anything is done, with the
 * signing name `states`, the payload hash taken from the body received (a JSON-protocol service
 * has no x-amz-content-sha256 to trust), and refusals in the AWS JSON error shape:
 * `{"__type": "...", "message": "..."}` with HTTP 403.
 *
 * The types are the common errors AWS documents for its JSON APIs: `MissingAuthenticationTokenException`
 * (no signature), `IncompleteSignatureException` (a signature lacking parts), `UnrecognizedClientException`
 * (an access key that does not exist), `InvalidSignatureException` (anything else: the signature
 * does not match, a scope for another region or service, a date too old or too new).
 */
import {
  MAX_SKEW_MS,
  type SignableRequest,
  type SigV4Failure,
  sha256Hex,
  toAmzDate,
  verifySigV4,
} from '../sigv4.ts';
import { ApiError } from './errors.ts';

/** The signing name of Step Functions in a credential scope. */
export const SIGNING_NAME = 'states';
const STATUS = 403;

const refused = (type: string, message: string) => new ApiError(type, message, STATUS);
const incomplete = (message: string) => refused('IncompleteSignatureException', message);
const invalid = (message: string) => refused('InvalidSignatureException', message);

/** Step Functions' answer to a refused signature. */
export function sfnRefusal(f: SigV4Failure): ApiError {
  switch (f.kind) {
    case 'missing':
      return refused('MissingAuthenticationTokenException', 'Missing Authentication Token');
    case 'bothMechanisms':
      return incomplete(
        "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
      );
    case 'unsupportedAlgorithm':
      return incomplete(`Unsupported AWS 'algorithm': '${f.algorithm}'. Use AWS4-HMAC-SHA256.`);
    case 'incomplete':
      return f.presigned
        ? incomplete(`AWS query-string parameters must include ${f.missing.map((p) => `'${p}'`).join(', ')}.`)
        : incomplete(
            `${f.missing.map((p) => `Authorization header requires '${p}' parameter.`).join(' ')} Authorization=${f.authorization}`,
          );
    case 'malformedCredential':
      return incomplete(
        `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${f.credential}'`,
      );
    case 'expiresNotANumber':
    case 'expiresTooLong':
      return incomplete("'X-Amz-Expires' must be a number of seconds from 1 to 604800.");
    case 'invalidDate':
      return incomplete(
        f.presigned
          ? "'X-Amz-Date' must be in the ISO 8601 basic format yyyyMMdd'T'HHmmss'Z'."
          : "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
      );
    case 'unknownKey':
      return refused('UnrecognizedClientException', 'The security token included in the request is invalid.');
    case 'expired': {
      // The age allowed: the skew for a header signature, X-Amz-Expires for a presigned one.
      const age = f.expiresAt - f.signedAt;
      const span = age % 60_000 === 0 ? `${age / 60_000} min.` : `${age / 1000} sec.`;
      return invalid(
        `Signature expired: ${f.amzDate} is now earlier than ${toAmzDate(f.now - age)} (${toAmzDate(f.now)} - ${span})`,
      );
    }
    case 'notYetValid':
      return invalid(
        `Signature not yet current: ${f.amzDate} is still later than ${toAmzDate(f.now + MAX_SKEW_MS)} (${toAmzDate(f.now)} + 15 min.)`,
      );
    case 'unsignedHeaders':
      return invalid('There were headers present in the request which were not signed.');
    case 'wrongRegion':
      return invalid(`Credential should be scoped to a valid region, not '${f.region}'. `);
    case 'wrongService':
      return invalid(`Credential should be scoped to correct service: '${f.expected}'. `);
    case 'wrongDate':
      return invalid(
        `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${f.date}' != '${f.amzDate.slice(0, 8)}', from '${f.amzDate}'.`,
      );
    case 'hostNotSigned':
      return invalid("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
    case 'signatureMismatch':
      return invalid(
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.' +
          `\n\nThe Canonical String for this request should have been\n'${f.canonicalRequest}'\n\nThe String-to-Sign should have been\n'${f.stringToSign}'\n`,
      );
  }
}

export interface SfnAuthOptions {
  region: string;
  /** Access key id → secret access key. */
  credentials: Record<string, string>;
  /** The real clock, in ms: clients sign with theirs, whatever time the engine runs on. */
  now: number;
}

/** Verifies a request and its whole body; returns the signer's access key id or throws an ApiError. */
export function verifyRequest(req: SignableRequest, body: Buffer, opts: SfnAuthOptions): string {
  return verifySigV4(req, {
    service: SIGNING_NAME,
    region: opts.region,
    credentials: opts.credentials,
    now: opts.now,
    payloadHash: () => sha256Hex(body),
    refuse: sfnRefusal,
  }).accessKeyId;
}
