/**
 * What was typed in a form outlives a session that ran out: when the console has to send the
 * user to sign in again, every form a page marked with `keepForm` is saved in sessionStorage
 * (this tab only, gone with it) with the page's address and the user, and the page restores it
 * when it draws the form again for the same user after the sign-in. Files and passwords are never
 * kept.
 */

import { storedSession } from './auth.ts';

const KEY = 'dangan.kept-forms';

interface Kept {
  /** Who typed it: it comes back to them only, not to someone else signing in on the tab. */
  user: string;
  /** The page's address (`#/upload`): a form comes back only on the page it was typed on. */
  hash: string;
  forms: Record<string, Record<string, string>>;
}

function read(): Kept | undefined {
  try {
    const kept = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Kept | null;
    const here = kept?.hash === location.hash && kept.user === storedSession()?.username;
    return kept && here && typeof kept.forms === 'object' ? kept : undefined;
  } catch {
    return undefined;
  }
}

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

function controlsOf(form: HTMLFormElement): Control[] {
  return Array.from(form.querySelectorAll<Control>('input[name], select[name], textarea[name]')).filter(
    (c) => !(c instanceof HTMLInputElement && ['file', 'password', 'hidden'].includes(c.type)),
  );
}

/** Saves every kept form of the page, with what is typed in it now. */
export function saveKeptForms(): void {
  const forms: Kept['forms'] = {};
  for (const form of document.querySelectorAll<HTMLFormElement>('form[data-keep]')) {
    const values: Record<string, string> = {};
    for (const c of controlsOf(form)) if (c.value !== '') values[c.name] = c.value;
    if (Object.keys(values).length > 0) forms[form.dataset.keep ?? ''] = values;
  }
  const user = storedSession()?.username;
  if (Object.keys(forms).length === 0 || !user) return;
  sessionStorage.setItem(KEY, JSON.stringify({ user, hash: location.hash, forms } satisfies Kept));
}

/** Whether a form `id` was kept on this page and waits to be restored. */
export const keptForm = (id: string): boolean => id in (read()?.forms ?? {});

/**
 * Marks `form` as one to keep under `id`, and fills it with what was kept for it on this page,
 * if anything (once: the kept values are then forgotten).
 */
export function keepForm(form: HTMLFormElement, id: string): void {
  form.dataset.keep = id;
  const kept = read();
  const values = kept?.forms[id];
  if (!kept || !values) return;
  for (const c of controlsOf(form)) {
    const v = values[c.name];
    if (v !== undefined) c.value = v;
  }
  delete kept.forms[id];
  if (Object.keys(kept.forms).length === 0) sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, JSON.stringify(kept));
}
