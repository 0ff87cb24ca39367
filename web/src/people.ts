import { api, type PersonView } from './api.ts';
import { t } from './i18n.ts';

/**
 * Colleagues' display names (`GET /people`), loaded once per page load: records name who acted by
 * username or by subject (`changedBy`, `borrowerSub`, the audit's actor), and pages show the
 * person's name instead. Until the list is loaded, or for someone not on it, the id is shown.
 */

let names: Map<string, string> | undefined;

/** Who the workflows act as when nobody decided (core/submissions.ts `SYSTEM_DECIDER`). */
const SYSTEM = 'system';

export async function loadPeople(): Promise<void> {
  if (names) return;
  try {
    const { items } = await api<{ items: PersonView[] }>('GET', '/people');
    names = new Map(
      items.flatMap((p) => [[p.userId, p.displayName] as const, [p.username, p.displayName] as const]),
    );
  } catch {
    // Names are a courtesy: a page still works showing ids.
  }
}

/** The display name of a person named by username or subject; the system in words. */
export function personName(who: string | undefined | null): string {
  if (!who) return '';
  if (who === SYSTEM) return t('system');
  return names?.get(who) ?? who;
}

/** Forgets the names (after signing out: the next person loads them again). */
export function forgetPeople(): void {
  names = undefined;
}
