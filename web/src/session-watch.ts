import { currentSession, renewSession, storedSession } from './auth.ts';
import type { ConsoleConfig } from './config.ts';

/**
 * A session about to expire is renewed in the background, so nobody is sent to sign in halfway
 * through a form. When it cannot be renewed (the refresh token was revoked, the account
 * disabled, the network gone) and the token runs out, `expired` is called once per session: the
 * page then says so and keeps what was typed (main.ts).
 */

/** Renewal starts this long before the token expires (Cognito's access tokens last an hour). */
export const RENEW_BEFORE_MS = 5 * 60_000;
/** How often the session is looked at: cheap, it is read from sessionStorage. */
const CHECK_EVERY_MS = 5_000;
/** A failed renewal is tried again after this long, while the token lasts. */
const RETRY_AFTER_MS = 20_000;

export function watchSession(config: ConsoleConfig, expired: () => void): () => void {
  let lastAttempt = 0;
  let renewing = false;
  let announcedFor: string | undefined;

  const check = async () => {
    const s = storedSession();
    if (!s || renewing) return;
    const now = Date.now();
    if (s.expiresAt - now < RENEW_BEFORE_MS && now - lastAttempt > RETRY_AFTER_MS) {
      lastAttempt = now;
      renewing = true;
      try {
        await renewSession(config, s);
        return;
      } catch {
        // Tried again later while the token lasts; said once it has run out.
      } finally {
        renewing = false;
      }
    }
    if (!currentSession() && announcedFor !== s.token) {
      announcedFor = s.token;
      expired();
    }
  };

  const timer = setInterval(() => void check(), CHECK_EVERY_MS);
  // Back to a tab that slept (a laptop lid, a background tab), look at once.
  const onVisible = () => {
    if (document.visibilityState === 'visible') void check();
  };
  document.addEventListener('visibilitychange', onVisible);
  void check();
  return () => {
    clearInterval(timer);
    document.removeEventListener('visibilitychange', onVisible);
  };
}
