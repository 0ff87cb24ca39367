import { api, type Customer, type DocumentStatus, type DocumentView, qs } from '../api.ts';
import { badge, type Ctx, errorText, field, notice, pageHeader } from '../app.ts';
import { dataTable, formatTime, h, render } from '../dom.ts';
import { currentLang, named, t, word } from '../i18n.ts';
import { loanPicker } from './loans.ts';
import { retentionText } from './record-words.ts';

const STATUSES: readonly DocumentStatus[] = ['ARCHIVED', 'UPLOADED', 'PENDING_UPLOAD', 'DISPOSED'];

interface Found extends DocumentView {
  customerNo?: string;
  customerName?: string;
}

/**
 * Archive search: by archive code (exact), or by customer number or name and then that
 * customer's documents, narrowed by type, status and archiving date.
 */
export function searchPage(root: HTMLElement, _params: string[], ctx: Ctx): void {
  const { scheme } = ctx;
  const saved = new URLSearchParams(sessionStorage.getItem('dangan.search') ?? '');
  const q = h('input', { type: 'search', name: 'q', value: saved.get('q') ?? '', 'data-testid': 'search-q' });
  const code = h('input', {
    type: 'search',
    name: 'archiveCode',
    value: saved.get('archiveCode') ?? '',
    class: 'mono',
    placeholder: 'Z001-KH·2026-D30-YK-0001',
    'data-testid': 'search-code',
  });
  const docType = h(
    'select',
    { name: 'docType' },
    h('option', { value: '' }, t('any')),
    scheme.documentTypes.map((d) =>
      h('option', { value: d.code, selected: d.code === saved.get('docType') }, named(d.name, d.code)),
    ),
  );
  const status = h(
    'select',
    { name: 'status' },
    h('option', { value: '' }, t('any')),
    STATUSES.map((s) => h('option', { value: s, selected: s === saved.get('status') }, word('st', s))),
  );
  const from = h('input', { type: 'date', name: 'from', value: saved.get('from') ?? '' });
  const to = h('input', { type: 'date', name: 'to', value: saved.get('to') ?? '' });
  const results = h('section', { class: 'card', 'data-testid': 'results' });

  const form = h(
    'form',
    { class: 'card search-form', novalidate: true },
    h(
      'div',
      { class: 'grid-form' },
      field(t('archiveCode'), code, 'archiveCode'),
      field(t('query'), q, 'q'),
      field(t('docType'), docType, 'docType'),
      field(t('status'), status, 'status'),
      field(t('dateFrom'), from, 'from'),
      field(t('dateTo'), to, 'to'),
    ),
    h(
      'div',
      { class: 'form-actions' },
      h('button', { type: 'submit', class: 'primary', 'data-testid': 'search' }, t('search')),
    ),
  );

  const inRange = (d: DocumentView) => {
    const day = (d.archivedAt ?? d.createdAt).slice(0, 10);
    return (!from.value || day >= from.value) && (!to.value || day <= to.value);
  };

  async function run(): Promise<void> {
    const params = {
      q: q.value.trim(),
      archiveCode: code.value.trim(),
      docType: docType.value,
      status: status.value,
      from: from.value,
      to: to.value,
    };
    sessionStorage.setItem('dangan.search', new URLSearchParams(params).toString());
    if (!params.q && !params.archiveCode) {
      render(results, notice(t('giveQuery')));
      return;
    }
    render(results, h('p', { class: 'hint' }, t('loading')));
    try {
      const filters = { docType: params.docType || undefined, status: params.status || undefined };
      let found: Found[] = [];
      if (params.archiveCode) {
        const r = await api<{ items: DocumentView[] }>(
          'GET',
          `/documents${qs({ archiveCode: params.archiveCode, ...filters })}`,
        );
        found = r.items;
      } else {
        const customers = (
          await api<{ items: Customer[] }>('GET', `/customers${qs({ q: params.q })}`)
        ).items.slice(0, 10);
        const lists = await Promise.all(
          customers.map(async (c) => {
            const r = await api<{ items: DocumentView[] }>(
              'GET',
              `/documents${qs({ customerId: c.customerId, ...filters })}`,
            );
            return r.items.map((d) => ({ ...d, customerNo: c.customerNo, customerName: c.name }));
          }),
        );
        found = lists.flat();
      }
      draw(found.filter(inRange));
    } catch (err) {
      render(results, notice(errorText(err), 'error'));
    }
  }

  function draw(items: Found[]): void {
    if (items.length === 0) {
      render(results, h('p', { class: 'empty' }, t('noResults')));
      return;
    }
    const pick = loanPicker(ctx);
    render(
      results,
      h('h2', null, `${t('results')} (${items.length})`),
      dataTable(
        [
          '',
          t('archiveCode'),
          t('title'),
          t('docType'),
          t('customer'),
          t('status'),
          t('retention'),
          t('archivedAt'),
        ],
        items.map((d) =>
          h(
            'tr',
            { 'data-document': d.documentId },
            h('td', null, pick.box(d)),
            h(
              'td',
              { class: 'mono' },
              h('a', { href: `#/documents/${d.documentId}` }, d.archiveCode ?? d.documentId.slice(0, 8)),
            ),
            h('td', null, d.title),
            h('td', null, named(d.docTypeName, d.docType)),
            h(
              'td',
              null,
              d.customerNo
                ? `${d.customerNo} ${d.customerName ?? ''}`
                : h('span', { class: 'mono' }, d.customerId.slice(0, 8)),
            ),
            h(
              'td',
              null,
              badge(d.status, word('st', d.status)),
              d.legalHold ? badge('hold', t('legalHold')) : null,
            ),
            h('td', null, retentionText(d.retentionCode)),
            h('td', null, formatTime(d.archivedAt, currentLang())),
          ),
        ),
      ),
      pick.panel,
    );
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void run();
  });
  render(root, pageHeader(t('searchTitle')), form, results);
  if (saved.get('q') || saved.get('archiveCode')) void run();
}
