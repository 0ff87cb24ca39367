import { api, publicApi } from '../api.ts';
import { type Ctx, field, formError, notice, onSubmit, pageHeader, sendForm } from '../app.ts';
import { h, render, toast } from '../dom.ts';
import { type MessageKey, t } from '../i18n.ts';

/**
 * Notification settings (`GET/PUT /me/notifications`): per kind, at once, in the daily digest,
 * or none; and the page an unsubscribe link in a mail opens, which works without signing in
 * (`POST /notifications/unsubscribe`).
 */

type Kind = 'task' | 'disposal' | 'loan-due';
type Delivery = 'instant' | 'digest' | 'none';

const KIND_WORDS: Record<Kind, MessageKey> = {
  task: 'notifyKindTask',
  disposal: 'notifyKindDisposal',
  'loan-due': 'notifyKindLoanDue',
};
const DELIVERY_WORDS: Record<Delivery, MessageKey> = {
  instant: 'notifyInstant',
  digest: 'notifyDigest',
  none: 'notifyNone',
};

interface Settings {
  preferences: Record<Kind, Delivery>;
  kinds: Kind[];
  deliveries: Delivery[];
}

export async function notificationsPage(root: HTMLElement, _params: string[], _ctx: Ctx): Promise<void> {
  const settings = await api<Settings>('GET', '/me/notifications');
  const selects = settings.kinds.map((kind) => {
    const select = h(
      'select',
      { name: kind, 'data-testid': `notify-${kind}` },
      settings.deliveries.map((d) =>
        h('option', { value: d, selected: settings.preferences[kind] === d }, t(DELIVERY_WORDS[d])),
      ),
    );
    return { kind, select };
  });
  const general = formError();
  const save = h('button', { type: 'submit', class: 'primary', 'data-testid': 'notify-save' }, t('save'));
  const form = h(
    'form',
    { class: 'card', novalidate: true },
    h(
      'div',
      { class: 'grid-form' },
      selects.map(({ kind, select }) => field(t(KIND_WORDS[kind]), select, kind)),
    ),
    general,
    h('div', { class: 'form-actions' }, save),
  );
  onSubmit(form, async () => {
    save.disabled = true;
    await sendForm(form, general, async () => {
      const body = Object.fromEntries(selects.map(({ kind, select }) => [kind, select.value]));
      await api('PUT', '/me/notifications', body);
      toast(t('notifySaved'));
    });
    save.disabled = false;
  });
  render(root, pageHeader(t('notifyTitle')), h('p', { class: 'hint' }, t('notifyHint')), form);
}

/** What an unsubscribe link opens: turns that kind off for its owner, no sign-in. */
export async function unsubscribePage(root: HTMLElement, token: string): Promise<void> {
  render(root, pageHeader(t('unsubscribeTitle')), notice(t('unsubscribeWorking')));
  try {
    const { kind } = await publicApi<{ kind: Kind }>('POST', '/notifications/unsubscribe', { token });
    render(
      root,
      pageHeader(t('unsubscribeTitle')),
      notice(t('unsubscribeDone', { kind: t(KIND_WORDS[kind] ?? 'notifyKindTask') }), 'ok', 'unsubscribed'),
    );
  } catch {
    render(
      root,
      pageHeader(t('unsubscribeTitle')),
      notice(t('unsubscribeFailed'), 'error', 'unsubscribe-failed'),
    );
  }
}
