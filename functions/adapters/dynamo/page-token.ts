import { createHmac, timingSafeEqual } from 'node:crypto';
import { BadRequest } from '../../core/errors.ts';
import { currentRequest } from '../../core/request-context.ts';
import { pageTokenKey } from '../env.ts';

/**
 * The one page-token codec. A list that continues on another request hands the client a token
 * holding where it stopped (a DynamoDB start key, or a position), bound to the query it belongs
 * to (`scope`: the list and its filters) and to the caller (the request's subject), and signed
 * with the stack's page-token key. A token
 * from another query, cut, altered or made by hand is refused with a 400 naming the parameter,
 * before anything reaches DynamoDB (which would answer a forged start key with a 500-worthy
 * ValidationException).
 */

const MAC_BYTES = 16;

const mac = (scope: string, body: string): Buffer =>
  createHmac('sha256', pageTokenKey())
    .update(currentRequest()?.caller ?? '')
    .update('\n')
    .update(scope)
    .update('\n')
    .update(body)
    .digest()
    .subarray(0, MAC_BYTES);

export function encodePageToken(scope: string, position: unknown): string {
  const body = Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
  return `${body}.${mac(scope, body).toString('base64url')}`;
}

/**
 * The position a token holds, if this API issued it for the same `scope`; `parameter` names the
 * query parameter the client sent it in, `refuse` (optional) the list's own words for a token it
 * did not issue.
 */
export function decodePageToken(
  scope: string,
  token: string,
  parameter: string,
  refuse: () => Error = () =>
    new BadRequest(`${parameter} is not valid for this query`, [
      { path: parameter, message: `must be the ${parameter} returned by the same query` },
    ]),
): unknown {
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined) throw refuse();
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(scope, body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw refuse();
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw refuse();
  }
}
