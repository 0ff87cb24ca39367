import { api, hasRoute, qs } from '../api.ts';
import { type Ctx, errorText, field, notice, pageHeader } from '../app.ts';
import { formatTime, h, render } from '../dom.ts';
import { currentLang, t } from '../i18n.ts';

interface AuditEvent {
  eventId?: string;
  at: string;
  action: string;
  actor?: string | { username?: string; sub?: string };
  actorName?: string;
  targetType?: string;
  targetId: string;
  details?: unknown;
}

const actorName = (e: AuditEvent): string =>
  e.actorName ?? (typeof e.actor === 'string' ? e.actor : (e.actor?.username ?? e.actor?.sub ?? ''));

/** The audit events an `/audit` query returns, as a table. */
export async function auditTable(path: string): Promise<HTMLElement> {
  const res = await api<{ items: AuditEvent[] }>('GET', path);
  if (res.items.length === 0) return h('p', { class: 'empty' }, t('noResults'));
  return h(
    'table',
    { class: 'table', 'data-testid': 'audit-table' },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', null, t('at')),
        h('th', null, t('actor')),
        h('th', null, t('action')),
        h('th', null, t('target')),
        h('th', null, ''),
      ),
    ),
    h(
      'tbody',
      null,
      res.items.map((e) =>
        h(
          'tr',
          { 'data-action': e.action },
          h('td', null, formatTime(e.at, currentLang())),
          h('td', null, actorName(e)),
          h('td', { class: 'mono' }, e.action),
          h('td', { class: 'mono' }, `${e.targetType ?? ''} ${e.targetId}`),
          h('td', { class: 'small mono details' }, e.details ? JSON.stringify(e.details).slice(0, 160) : ''),
        ),
      ),
    ),
  );
}

/** The auditor's trail with filters. */
export function auditPage(root: HTMLElement, _params: string[], _ctx: Ctx): void {
  if (!hasRoute('GET', '/audit')) {
    render(root, pageHeader(t('audit')), notice(t('apiNotDeployed')));
    return;
  }
  const targetId = h('input', { name: 'targetId', 'data-testid': 'audit-target' });
  const actor = h('input', { name: 'actor', 'data-testid': 'audit-actor' });
  const from = h('input', { type: 'date', name: 'from' });
  const to = h('input', { type: 'date', name: 'to' });
  const out = h('section', { class: 'card', 'data-testid': 'audit-results' });
  const query = () =>
    qs({
      targetId: targetId.value.trim(),
      actor: actor.value.trim(),
      from: from.value ? `${from.value}T00:00:00.000Z` : undefined,
      to: to.value ? `${to.value}T23:59:59.999Z` : undefined,
    });
  const run = async () => {
    render(out, h('p', { class: 'hint' }, t('loading')));
    try {
      render(out, await auditTable(`/audit${query()}`));
    } catch (err) {
      render(out, notice(errorText(err), 'error'));
    }
  };
  const form = h(
    'form',
    { class: 'card search-form', novalidate: true },
    h(
      'div',
      { class: 'grid-form' },
      field(t('target'), targetId, 'targetId'),
      field(t('actor'), actor, 'actor'),
      field(t('from'), from, 'from'),
      field(t('to'), to, 'to'),
    ),
    h(
      'div',
      { class: 'form-actions' },
      h('button', { type: 'submit', class: 'primary', 'data-testid': 'audit-search' }, t('search')),
    ),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void run();
  });
  render(root, pageHeader(t('audit')), form, out);
  void run();
}
