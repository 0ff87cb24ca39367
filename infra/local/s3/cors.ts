/**
 * CORS for buckets started with `cors: true`: the console (served from localhost) uploads and
 * downloads through presigned URLs. Preflights from `localhost` / `127.0.0.1` origins are answered
 * for GET, PUT and HEAD, and actual responses (errors included) carry the allow headers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { S3Error } from './errors.ts';
import type { Store } from './store.ts';

const CORS_METHODS = ['GET', 'PUT', 'HEAD'];
const CORS_EXPOSE = [
  'ETag',
  'x-amz-version-id',
  'x-amz-request-id',
  'x-amz-checksum-sha256',
  'x-amz-delete-marker',
];
const VARY = 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method';

function isLocalOrigin(origin: string): boolean {
  try {
    const host = new URL(origin).hostname;
    return host === 'localhost' || host.endsWith('.localhost') || host === '127.0.0.1' || host === '[::1]';
  } catch {
    return false;
  }
}

function corsAllowed(store: Store, bucket: string, origin: string): boolean {
  return store.getBucket(bucket)?.cors === true && isLocalOrigin(origin);
}

/** Adds the allow headers to an actual response when the bucket and origin allow it. */
export function addCorsHeaders(store: Store, res: ServerResponse, bucket: string, origin: string): void {
  if (!corsAllowed(store, bucket, origin)) return;
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Access-Control-Allow-Methods', CORS_METHODS.join(', '));
  res.setHeader('Access-Control-Expose-Headers', CORS_EXPOSE.join(', '));
  res.setHeader('Access-Control-Allow-Credentials', 'true');
  res.setHeader('Vary', VARY);
}

/** Answers an OPTIONS preflight, or throws the 400/403 S3 gives. */
export function preflight(store: Store, req: IncomingMessage, res: ServerResponse, bucket: string): void {
  const origin = req.headers.origin;
  const requestMethod = req.headers['access-control-request-method'];
  if (!origin || !requestMethod) {
    throw new S3Error('BadRequest', 400, 'Insufficient information. Origin request header needed.');
  }
  if (!bucket || !store.getBucket(bucket)) {
    throw new S3Error('AccessForbidden', 403, 'CORSResponse: Bucket not found');
  }
  if (!corsAllowed(store, bucket, origin)) {
    throw new S3Error(
      'AccessForbidden',
      403,
      "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
    );
  }
  if (!CORS_METHODS.includes(requestMethod.toUpperCase())) {
    throw new S3Error(
      'AccessForbidden',
      403,
      'CORSResponse: This CORS request is not allowed. The requested method is not allowed.',
    );
  }
  const headers: Record<string, string> = {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Methods': CORS_METHODS.join(', '),
    'Access-Control-Expose-Headers': CORS_EXPOSE.join(', '),
    'Access-Control-Allow-Credentials': 'true',
    'Access-Control-Max-Age': '3000',
    Vary: VARY,
    'Content-Length': '0',
  };
  const requested = req.headers['access-control-request-headers'];
  if (requested) headers['Access-Control-Allow-Headers'] = requested;
  res.writeHead(200, headers);
  res.end();
}
