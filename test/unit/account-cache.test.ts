import { afterEach, describe, expect, it } from 'vitest';
import type { Account } from '../../functions/core/accounts.ts';
import { CLOCK_OFFSET_ENV } from '../../functions/core/clock.ts';
import {
  ACCOUNT_CACHE_ENV,
  ACCOUNT_CACHE_SECONDS,
  accountOf,
  useAccountSource,
} from '../../functions/http/account-state.ts';

/** A disable must bite within seconds on every function: the account cache may not outlive that. */
describe('account cache', () => {
  afterEach(() => {
    delete process.env[CLOCK_OFFSET_ENV];
    delete process.env[ACCOUNT_CACHE_ENV];
  });

  it('keeps an account for a few seconds at most, then reads it again', async () => {
    expect(ACCOUNT_CACHE_SECONDS).toBeLessThanOrEqual(5);
    let status: Account['status'] = 'ACTIVE';
    let reads = 0;
    useAccountSource(async (sub) => {
      reads++;
      return { sub, username: 'staff1', status, roles: ['clerk'], version: reads } as Account;
    });
    expect((await accountOf('sub-1'))?.status).toBe('ACTIVE');
    status = 'DISABLED';
    // Within the cache's life the container still answers from what it read.
    process.env[CLOCK_OFFSET_ENV] = String(ACCOUNT_CACHE_SECONDS - 1);
    expect((await accountOf('sub-1'))?.status).toBe('ACTIVE');
    expect(reads).toBe(1);
    // Past it, the disable is seen.
    process.env[CLOCK_OFFSET_ENV] = String(ACCOUNT_CACHE_SECONDS + 1);
    expect((await accountOf('sub-1'))?.status).toBe('DISABLED');
    expect(reads).toBe(2);
  });

  it('never lets the environment lengthen the cache beyond its limit', async () => {
    process.env[ACCOUNT_CACHE_ENV] = '3600';
    let reads = 0;
    useAccountSource(async (sub) => {
      reads++;
      return { sub, username: 'staff2', status: 'ACTIVE', roles: ['clerk'], version: 1 } as Account;
    });
    await accountOf('sub-2');
    process.env[CLOCK_OFFSET_ENV] = String(ACCOUNT_CACHE_SECONDS + 1);
    await accountOf('sub-2');
    expect(reads).toBe(2);
  });
});
