import { ApiError, api, type Scheme } from './api.ts';
import type { Session } from './auth.ts';
import type { ConsoleConfig } from './config.ts';
import { h, render, toast } from './dom.ts';
import { currentLang, fieldMessage, fieldName, t } from './i18n.ts';

/** What every page gets: the configuration, the scheme in force and who is signed in. */
export interface Ctx {
  config: ConsoleConfig;
  scheme: Scheme;
  session: Session;
  /** Re-renders the current page (after a language switch, for example). */
  rerender: () => void;
}

/** A page draws itself into `root` and may return a cleanup (timers, listeners). */
export type Page = (root: HTMLElement, params: string[], ctx: Ctx) => unknown;

let schemeCache: Scheme | undefined;
export async function loadScheme(): Promise<Scheme> {
  schemeCache ??= await api<Scheme>('GET', '/scheme');
  return schemeCache;
}

export const hasGroup = (ctx: Ctx, ...groups: string[]): boolean =>
  ctx.session.groups.some((g) => groups.includes(g));

/**
 * What a page shows, from `GET path`; when the API refuses it, the page shows its title and why,
 * and the answer is undefined.
 */
export async function loadPage<T>(root: HTMLElement, title: string, path: string): Promise<T | undefined> {
  try {
    return await api<T>('GET', path);
  } catch (err) {
    render(root, pageHeader(title), notice(errorText(err), 'error'));
    return undefined;
  }
}

/** A message for an error the API (or the network) gave, in the user's language. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 401) return t('sessionExpired');
    // The API explains in English: English readers get its words, others the kind of refusal,
    // with the fields it named and the limits they broke.
    const english = currentLang() === 'en';
    if (err.status === 403) {
      if (english) return `${t('forbidden')}: ${err.message}`;
      return err.params.rule === 'every-region'
        ? `${t('forbidden')}：${t('everyRegionOnly')}`
        : t('forbidden');
    }
    if (err.status === 404) {
      if (english) return `${t('notFound')}: ${err.message}`;
      return err.params.id === undefined ? t('notFound') : `${t('notFound')}：${err.params.id}`;
    }
    if (err.status === 409) return english ? `${t('conflict')}: ${err.message}` : t('conflict');
    const fields = err.fields.map(
      (f) => `${fieldName(f.path.split('.').pop() ?? f.path)}：${fieldMessage(f)}`,
    );
    if (fields.length > 0) return fields.join('；');
    return english ? err.message : t('badRequest');
  }
  if (err instanceof TypeError) return t('networkError');
  return err instanceof Error ? err.message : String(err);
}

/**
 * Shows the API's field errors next to their fields: each form control carries
 * `data-field="<path>"`, and its `.field-error` sibling gets the message. Returns the errors no
 * field claimed, for a message above the form.
 */
export function showFieldErrors(form: HTMLElement, err: unknown): string[] {
  clearFieldErrors(form);
  if (!(err instanceof ApiError)) return [errorText(err)];
  const unclaimed: string[] = [];
  const fields = err.fields;
  for (const f of fields) {
    const control = findField(form, f.path);
    if (!control) {
      unclaimed.push(`${fieldName(f.path.split('.').pop() ?? f.path)}：${fieldMessage(f)}`);
      continue;
    }
    control.setAttribute('aria-invalid', 'true');
    const slot = control.closest('.field')?.querySelector('.field-error');
    if (slot) slot.textContent = fieldMessage(f);
  }
  if (fields.length === 0) unclaimed.push(errorText(err));
  return unclaimed;
}

function findField(form: HTMLElement, path: string): Element | null {
  // Most specific first: documents.2.docType, then docType.
  const parts = path.split('.');
  for (let i = 0; i < parts.length; i++) {
    const candidate = parts.slice(i).join('.');
    const el = form.querySelector(`[data-field="${CSS.escape(candidate)}"]`);
    if (el) return el;
  }
  return null;
}

export function clearFieldErrors(form: HTMLElement): void {
  for (const el of form.querySelectorAll('[aria-invalid="true"]')) el.removeAttribute('aria-invalid');
  for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
}

/** The message slot of a form: what went wrong that no field of the form claimed. */
export const formError = (id?: string): HTMLElement => h('div', { class: 'form-error', role: 'alert', id });

/**
 * Sends a form: clears its field errors and its message, runs `send`, and shows what the API
 * refused next to its fields, the rest in `message`. Resolves whether `send` succeeded.
 */
export async function sendForm(
  form: HTMLElement,
  message: HTMLElement,
  send: () => Promise<void>,
): Promise<boolean> {
  clearFieldErrors(form);
  message.textContent = '';
  try {
    await send();
    return true;
  } catch (err) {
    message.textContent = showFieldErrors(form, err).join('；');
    return false;
  }
}

/**
 * Runs what a click asked for; a failure is shown as a toast. `button`, if given, is disabled
 * meanwhile, and enabled again when the action failed.
 */
export async function act(action: () => Promise<unknown>, button?: HTMLButtonElement): Promise<void> {
  if (button) button.disabled = true;
  try {
    await action();
  } catch (err) {
    toast(errorText(err), 'error');
    if (button) button.disabled = false;
  }
}

/** Runs `handler` when the form is submitted, instead of the browser's own submission. */
export function onSubmit(form: HTMLFormElement, handler: () => unknown): void {
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void handler();
  });
}

/** A labelled form control with a slot for its error. */
export function field(label: string, control: HTMLElement, path: string, hint?: string): HTMLElement {
  control.dataset.field = path;
  if (!control.id) control.id = `f-${path.replace(/\W/g, '-')}-${Math.random().toString(36).slice(2, 7)}`;
  return h(
    'div',
    { class: 'field' },
    h('label', { for: control.id }, label),
    control,
    hint ? h('small', { class: 'hint' }, hint) : null,
    h('div', { class: 'field-error', role: 'alert' }),
  );
}

export function badge(status: string, text: string): HTMLElement {
  return h('span', { class: `badge badge-${status.toLowerCase()}`, 'data-status': status }, text);
}

export function pageHeader(title: string, ...extra: (HTMLElement | null)[]): HTMLElement {
  return h(
    'header',
    { class: 'page-header' },
    h('h1', null, title),
    h('div', { class: 'actions' }, ...extra),
  );
}

export function notice(text: string, kind: 'info' | 'error' | 'ok' = 'info', testid?: string): HTMLElement {
  return h(
    'div',
    { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status', 'data-testid': testid },
    text,
  );
}

/** Age of an ISO time in days or hours, in words. */
export function age(iso: string, now = Date.now()): string {
  const ms = Math.max(0, now - Date.parse(iso));
  const hours = ms / 3600_000;
  return hours >= 48 ? `${Math.floor(hours / 24)} ${t('days')}` : `${Math.floor(hours)} ${t('hours')}`;
}
