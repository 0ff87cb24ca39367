/**
 * Shared by the listings: keys grouped under a delimiter into common prefixes, and
 * `encoding-type=url`.
 */
import { errors } from '../errors.ts';
import type { Ctx } from '../request.ts';
import { uriEncode } from '../sigv4.ts';

/** The common prefix `key` falls under (prefix up to and including the next delimiter), if any. */
export function commonPrefixOf(key: string, prefix: string, delimiter: string): string | undefined {
  if (!delimiter) return undefined;
  const idx = key.indexOf(delimiter, prefix.length);
  return idx >= 0 ? key.slice(0, idx + delimiter.length) : undefined;
}

/** `encoding-type=url` percent-encodes keys and prefixes in the response, `/` kept. */
export function keyEncoder(ctx: Ctx, strict: boolean): { urlEncode: boolean; enc: (s: string) => string } {
  const value = ctx.query.get('encoding-type');
  const urlEncode = value === 'url';
  if (strict && value !== undefined && !urlEncode) {
    throw errors.invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', value);
  }
  return { urlEncode, enc: (s) => (urlEncode ? s.split('/').map(uriEncode).join('/') : s) };
}
