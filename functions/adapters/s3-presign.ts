import { buildQueryString, extendedEncodeURIComponent, HttpRequest } from '@smithy/core/protocols';
import { regionOf, serviceEndpoint, signerFor } from './aws-http.ts';

/**
 * Presigned S3 URLs, signed by the SDK's own SigV4 signer (aws-http.ts) without an S3 client: a
 * function that only hands out upload and download links sends no S3 request. The URL is the one
 * `getSignedUrl` of `@aws-sdk/s3-request-presigner` makes for the SDK's S3 client with path-style
 * addressing (the regional endpoint, `x-id` naming the operation, an unsigned payload);
 * test/unit/s3-presign.test.ts holds them equal, character for character.
 */

/** Where S3 is: the SDK's endpoint settings when set (the local realisation), else the region's. */
export const s3Endpoint = (env: NodeJS.ProcessEnv = process.env): URL => serviceEndpoint('S3', 's3', env);

/** The path-style path of an object (or of the bucket when there is no key) under `endpoint`. */
export function s3Path(endpoint: URL, bucket: string, key?: string): string {
  const base = endpoint.pathname.replace(/\/+$/, '');
  const encodedKey = key === undefined ? '' : `/${key.split('/').map(extendedEncodeURIComponent).join('/')}`;
  return `${base}/${bucket}${encodedKey}`;
}

export interface PresignRequest {
  method: 'GET' | 'PUT';
  /** The operation, as the SDK names it in `x-id`. */
  operation: 'GetObject' | 'PutObject';
  bucket: string;
  key: string;
  /** Query parameters the operation sends (a version id, response overrides). */
  query?: Record<string, string>;
  /** Headers the client must send; those in `unhoistable` stay headers, the rest move into the query. */
  headers?: Record<string, string>;
  /** Headers signed whatever the signer's defaults (content type and length of an upload). */
  signable?: ReadonlySet<string>;
  unhoistable?: ReadonlySet<string>;
  expiresIn: number;
  /** The signing time (the functions' clock). */
  signingDate?: Date;
}

/** A presigned URL for one request. */
export async function presignS3(
  request: PresignRequest,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const endpoint = s3Endpoint(env);
  const port = endpoint.port === '' ? undefined : Number(endpoint.port);
  const path = s3Path(endpoint, request.bucket, request.key);
  const toSign = new HttpRequest({
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    ...(port === undefined ? {} : { port }),
    method: request.method,
    path,
    query: { ...request.query, 'x-id': request.operation },
    headers: {
      ...request.headers,
      host: `${endpoint.hostname}${port === undefined ? '' : `:${port}`}`,
      // Spelt as the SDK's presigner spells it: the name is hoisted into the query as it is.
      'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD',
    },
  });
  const signed = await signerFor('s3', regionOf(env)).presign(toSign, {
    expiresIn: request.expiresIn,
    ...(request.signingDate ? { signingDate: request.signingDate } : {}),
    unsignableHeaders: new Set(['content-type']),
    ...(request.signable ? { signableHeaders: new Set(request.signable) } : {}),
    ...(request.unhoistable ? { unhoistableHeaders: new Set(request.unhoistable) } : {}),
  });
  const query = buildQueryString(signed.query ?? {});
  return `${signed.protocol}//${signed.hostname}${port === undefined ? '' : `:${port}`}${signed.path}${query ? `?${query}` : ''}`;
}
