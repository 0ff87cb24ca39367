import { getAccount } from '../adapters/accounts-repo.ts';
import type { Account } from '../core/accounts.ts';
import { now } from '../core/clock.ts';

/**
 * The account state the chain checks on every authenticated request, cached per warm container
 * for at most `ACCOUNT_CACHE_SECONDS`: a disabled account or a revoked role takes effect within
 * that time on every function, without a token having to expire.
 */
export const ACCOUNT_CACHE_SECONDS = 5;
/** A shorter time for tests of the local system (never longer than ACCOUNT_CACHE_SECONDS). */
export const ACCOUNT_CACHE_ENV = 'DANGAN_ACCOUNT_CACHE_SECONDS';

function cacheSeconds(): number {
  const v = Number(process.env[ACCOUNT_CACHE_ENV]);
  return Number.isFinite(v) && v >= 0 ? Math.min(v, ACCOUNT_CACHE_SECONDS) : ACCOUNT_CACHE_SECONDS;
}

export type AccountSource = (sub: string) => Promise<Account | undefined>;

let source: AccountSource = getAccount;
const cache = new Map<string, { account: Account | undefined; until: number }>();

/** Replaces where accounts are read from (tests of handlers that are not about accounts). */
export function useAccountSource(next: AccountSource): void {
  source = next;
  cache.clear();
}

export function forgetAccounts(): void {
  cache.clear();
}

export async function accountOf(sub: string): Promise<Account | undefined> {
  const at = now().getTime();
  const hit = cache.get(sub);
  if (hit && hit.until > at) return hit.account;
  const account = await source(sub);
  cache.set(sub, { account, until: at + cacheSeconds() * 1000 });
  if (cache.size > 10_000) cache.delete(cache.keys().next().value as string);
  return account;
}
