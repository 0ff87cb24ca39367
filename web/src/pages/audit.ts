import { type AuditEvent, api, apiBlob, hasRoute, qs, type Scheme } from '../api.ts';
import { act, type Ctx, field, formError, notice, onSubmit, pageHeader, sendForm } from '../app.ts';
import { dataTable, formatTime, h, render } from '../dom.ts';
import { currentLang, t, word } from '../i18n.ts';
import { personName } from '../people.ts';
import { fieldsText } from './record-words.ts';

/** What an event recorded beyond who did what to which record, in words, cut short. */
const brief = (e: AuditEvent, scheme: Scheme): string => {
  const parts = [e.details, e.after]
    .filter((x): x is Record<string, unknown> => x !== undefined && x !== null && typeof x === 'object')
    .map((x) => fieldsText(x, scheme));
  const text = parts.join('；');
  return text.length > 180 ? `${text.slice(0, 180)}…` : text;
};

function rows(items: AuditEvent[], scheme: Scheme): HTMLElement[] {
  return items.map((e) =>
    h(
      'tr',
      { 'data-action': e.action, 'data-target': e.targetId },
      h('td', { class: 'nowrap' }, formatTime(e.at, currentLang())),
      h(
        'td',
        null,
        personName(e.actorSub),
        e.actorRoles?.length
          ? h('small', { class: 'block' }, e.actorRoles.map((r) => word('roleName', r)).join('、'))
          : null,
      ),
      h('td', { title: e.action }, word('action', e.action)),
      h(
        'td',
        { class: 'small' },
        e.targetType ? `${word('target', e.targetType)} ` : '',
        h('span', { class: 'mono' }, e.targetId),
      ),
      h('td', { class: 'small details', title: brief(e, scheme) }, brief(e, scheme)),
    ),
  );
}

/**
 * The audit events an `/audit` or `/audit/copies` query returns, as a table, with more pages on
 * demand; the searchable year's start, when the answer gives it, under the table.
 */
export async function auditTable(path: string, scheme: Scheme): Promise<HTMLElement> {
  const res = await api<{ items: AuditEvent[]; nextCursor?: string; searchableFrom?: string }>('GET', path);
  const year = res.searchableFrom
    ? h(
        'p',
        { class: 'hint', 'data-testid': 'audit-searchable-from' },
        t('auditSearchableFrom', { date: res.searchableFrom.slice(0, 10) }),
      )
    : null;
  if (res.items.length === 0) return h('div', null, h('p', { class: 'empty' }, t('noResults')), year);
  const body = h('tbody', null, rows(res.items, scheme));
  const more = h('div', { class: 'form-actions' });
  let cursor = res.nextCursor;
  const drawMore = () => {
    render(
      more,
      cursor
        ? h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              onclick: async () => {
                const sep = path.includes('?') ? '&' : '?';
                const next = await api<{ items: AuditEvent[]; nextCursor?: string }>(
                  'GET',
                  `${path}${sep}cursor=${encodeURIComponent(cursor ?? '')}`,
                );
                body.append(...rows(next.items, scheme));
                cursor = next.nextCursor;
                drawMore();
              },
            },
            t('loadMore'),
          )
        : null,
    );
  };
  drawMore();
  return h(
    'div',
    null,
    dataTable([t('at'), t('actor'), t('action'), t('target'), t('details')], body, {
      'data-testid': 'audit-table',
    }),
    more,
    year,
  );
}

/** The auditor's trail: filters by target, actor, action and time; CSV export of the same query. */
export function auditPage(root: HTMLElement, _params: string[], ctx: Ctx): void {
  if (!hasRoute('GET', '/audit')) {
    render(root, pageHeader(t('audit')), notice(t('apiNotDeployed')));
    return;
  }
  const targetId = h('input', { name: 'targetId', 'data-testid': 'audit-target' });
  const actor = h('input', { name: 'actor', 'data-testid': 'audit-actor' });
  const action = h('input', { name: 'action', class: 'mono', placeholder: 'document.content-url' });
  // The last week by default: a query by day needs a range.
  const from = h('input', {
    type: 'date',
    name: 'from',
    value: new Date(Date.now() - 7 * 86400_000).toISOString().slice(0, 10),
  });
  const to = h('input', { type: 'date', name: 'to' });
  const out = h('section', { class: 'card', 'data-testid': 'audit-results' });
  const general = formError();
  const query = () =>
    qs({
      targetId: targetId.value.trim(),
      actor: actor.value.trim(),
      action: action.value.trim(),
      from: from.value || undefined,
      to: to.value ? `${to.value}T23:59:59.999Z` : undefined,
    });
  const form = h(
    'form',
    { class: 'card search-form', novalidate: true },
    h(
      'div',
      { class: 'grid-form' },
      field(t('target'), targetId, 'targetId'),
      field(t('actor'), actor, 'actor'),
      field(t('action'), action, 'action'),
      field(t('from'), from, 'from'),
      field(t('to'), to, 'to'),
    ),
    general,
    h(
      'div',
      { class: 'form-actions' },
      h('button', { type: 'submit', class: 'primary', 'data-testid': 'audit-search' }, t('search')),
      hasRoute('GET', '/audit/export')
        ? h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              'data-testid': 'audit-export',
              onclick: () =>
                act(async () => {
                  const blob = await apiBlob(`/audit/export${query()}`, 'text/csv');
                  const a = h('a', {
                    href: URL.createObjectURL(blob),
                    download: `audit-${new Date().toISOString().slice(0, 10)}.csv`,
                  });
                  document.body.append(a);
                  a.click();
                  a.remove();
                }),
            },
            t('exportCsv'),
          )
        : null,
      hasRoute('GET', '/audit/copies')
        ? h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              'data-testid': 'audit-copies',
              onclick: () => void readCopies(),
            },
            t('auditReadCopies'),
          )
        : null,
    ),
  );
  // A day of the locked copies (the `from` day): the way to events older than the table's year.
  const readCopies = () =>
    sendForm(form, general, async () => {
      render(out, h('p', { class: 'hint' }, t('loading')));
      const day = from.value || new Date().toISOString().slice(0, 10);
      const filters = qs({
        day,
        targetId: targetId.value.trim(),
        actor: actor.value.trim(),
        action: action.value.trim(),
      });
      render(out, await auditTable(`/audit/copies${filters}`, ctx.scheme));
    });
  const run = async () => {
    const shown = await sendForm(form, general, async () => {
      render(out, h('p', { class: 'hint' }, t('loading')));
      render(out, await auditTable(`/audit${query()}`, ctx.scheme));
    });
    if (!shown) render(out);
  };
  onSubmit(form, run);
  render(root, pageHeader(t('audit')), form, out);
  void run();
}
