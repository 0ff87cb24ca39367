import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodePageToken, encodePageToken } from '../../functions/adapters/dynamo/page-token.ts';
import { DomainError } from '../../functions/core/errors.ts';
import { withRequestContext } from '../../functions/core/request-context.ts';

const KEY = { pk: 'CUSTOMER#c-1', sk: 'CUSTOMER', gsi1pk: 'CUSTOMERS#HZ01', gsi1sk: '张三#c-1' };
const SCOPE = 'customers/HZ01/张';

function refusal(scope: string, token: string): DomainError {
  try {
    decodePageToken(scope, token, 'cursor');
  } catch (err) {
    return err as DomainError;
  }
  throw new Error('the token was accepted');
}

describe('page tokens', () => {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.PAGE_TOKEN_KEY;
    process.env.PAGE_TOKEN_KEY = 'unit-test-page-token-key';
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.PAGE_TOKEN_KEY;
    else process.env.PAGE_TOKEN_KEY = saved;
  });

  it('reads back what it wrote, for the same scope', () => {
    expect(decodePageToken(SCOPE, encodePageToken(SCOPE, KEY), 'cursor')).toEqual(KEY);
  });

  const body = (token: string) => token.split('.')[0] as string;
  const signature = (token: string) => token.split('.')[1] as string;
  const reencoded = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  it.each([
    ['another scope', () => [`customers/SH02/张`, encodePageToken(SCOPE, KEY)]],
    [
      'an altered position',
      () => [SCOPE, `${reencoded({ ...KEY, pk: 'CUSTOMER#c-2' })}.${signature(encodePageToken(SCOPE, KEY))}`],
    ],
    ['no signature', () => [SCOPE, body(encodePageToken(SCOPE, KEY))]],
    ['a cut signature', () => [SCOPE, encodePageToken(SCOPE, KEY).slice(0, -3)]],
    ['a third part', () => [SCOPE, `${encodePageToken(SCOPE, KEY)}.x`]],
    ['plain text', () => [SCOPE, 'not-a-cursor']],
    ['nothing', () => [SCOPE, '']],
  ] as [string, () => [string, string]][])('refuses %s with a 400 naming the parameter', (_label, make) => {
    const [scope, token] = make();
    const err = refusal(scope, token);
    expect(err).toBeInstanceOf(DomainError);
    expect(err.status).toBe(400);
    expect(err.message).toBe('cursor is not valid for this query');
    expect(err.details).toEqual([
      { path: 'cursor', message: 'must be the cursor returned by the same query' },
    ]);
  });

  it('binds a token to the caller: another person cannot continue the list with it', async () => {
    const token = await withRequestContext({ requestId: 'r1', caller: 'sub-a' }, async () =>
      encodePageToken(SCOPE, KEY),
    );
    await withRequestContext({ requestId: 'r2', caller: 'sub-a' }, async () => {
      expect(decodePageToken(SCOPE, token, 'cursor')).toEqual(KEY);
    });
    await withRequestContext({ requestId: 'r3', caller: 'sub-b' }, async () => {
      expect(refusal(SCOPE, token).status).toBe(400);
    });
  });

  it('refuses a token signed with another key (another stack, or a key since replaced)', () => {
    const token = encodePageToken(SCOPE, KEY);
    process.env.PAGE_TOKEN_KEY = 'another-stack';
    expect(refusal(SCOPE, token).status).toBe(400);
  });

  it('fails loudly when the stack gave no key', () => {
    delete process.env.PAGE_TOKEN_KEY;
    expect(() => encodePageToken(SCOPE, KEY)).toThrow(/PAGE_TOKEN_KEY is not set/);
  });
});
