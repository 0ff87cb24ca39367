import { createHmac, timingSafeEqual } from 'node:crypto';
import { BadRequest } from '../core/errors.ts';
import { NOTIFICATION_KINDS, type NotificationKind } from '../core/notifications.ts';
import { pageTokenKey } from './env.ts';

/**
 * The token of an unsubscribe link: whose link and which kind of mail it stops, signed with the
 * stack's secret key (the page tokens' key, under a label of its own so neither token passes for
 * the other). It works without signing in and never expires: a link in an old mail still stops
 * the mail. It can do nothing but set that one kind to "none" for that one person.
 */

const LABEL = 'dangan-unsubscribe\n';
const MAC_BYTES = 16;

const mac = (body: string) =>
  createHmac('sha256', pageTokenKey()).update(LABEL).update(body).digest().subarray(0, MAC_BYTES);

export function unsubscribeToken(sub: string, kind: NotificationKind): string {
  const body = Buffer.from(JSON.stringify({ s: sub, k: kind }), 'utf8').toString('base64url');
  return `${body}.${mac(body).toString('base64url')}`;
}

const refused = () =>
  new BadRequest(
    '退订链接无效或不完整 / the unsubscribe link is not valid (copy the whole link from the e-mail)',
    [{ path: 'token', message: 'must be the token of an unsubscribe link Dangan sent' }],
  );

/** The person and kind a token names, if Dangan signed it; a 400 naming `token` otherwise. */
export function readUnsubscribeToken(token: string): { sub: string; kind: NotificationKind } {
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined) throw refused();
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw refused();
  let parsed: { s?: unknown; k?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { s?: unknown; k?: unknown };
  } catch {
    throw refused();
  }
  const kind = NOTIFICATION_KINDS.find((k) => k === parsed.k);
  if (typeof parsed.s !== 'string' || !kind) throw refused();
  return { sub: parsed.s, kind };
}
