import {
  api,
  type CustomerVersionView,
  canCall,
  type DocumentVersionView,
  type DocumentView,
  qs,
} from '../api.ts';
import { badge, type Ctx, errorText, loadPage, notice, pageHeader } from '../app.ts';
import { button, dataTable, formatBytes, formatTime, h, render } from '../dom.ts';
import { currentLang, fieldName, named, t, word } from '../i18n.ts';
import { personName } from '../people.ts';
import { auditTable } from './audit.ts';
import { holdBadge, holdsSection } from './holds.ts';
import { loanRequestForm } from './loans.ts';
import { fieldsText, formatOf, retentionText } from './record-words.ts';
import { checksCell, showContent } from './shared.ts';

/** One document: metadata, four checks, retention, the original inline, and its history. */
export async function documentPage(root: HTMLElement, params: string[], ctx: Ctx): Promise<void> {
  const id = params[0] ?? '';
  const groups = ctx.session.groups;
  render(root, h('p', null, t('loading')));
  const d = await loadPage<DocumentView>(root, t('document'), `/documents/${id}`);
  if (!d) return;
  const lang = currentLang();
  const event = ctx.scheme.businessEvents.find((e) => e.code === d.businessEvent);
  const viewer = h('div', { class: 'viewer', 'data-testid': 'viewer-host' });
  const history = h('section', { class: 'card', 'data-testid': 'history' });
  const docHistory = h('section', { class: 'card', 'data-testid': 'document-history' });
  const trail = h('section', { class: 'card', 'data-testid': 'document-audit' });
  const fact = (k: string, v: Node | string | undefined) => (v ? [h('dt', null, k), h('dd', null, v)] : null);

  render(
    root,
    pageHeader(
      d.archiveCode ?? d.title,
      badge(d.status, word('st', d.status)),
      d.legalHold ? badge('hold', t('legalHold')) : null,
      holdBadge(d),
    ),
    h(
      'div',
      { class: 'doc-grid' },
      h(
        'section',
        { class: 'card' },
        h(
          'dl',
          { class: 'facts', 'data-testid': 'document-facts' },
          fact(t('archiveCode'), d.archiveCode ? h('span', { class: 'mono' }, d.archiveCode) : undefined),
          fact(t('title'), d.title),
          fact(t('docType'), named(d.docTypeName, d.docType)),
          fact(t('businessEvent'), named(event?.name, d.businessEvent)),
          fact(t('fileName'), d.fileName),
          fact(t('contentType'), formatOf(d.contentType)),
          fact(t('size'), formatBytes(d.size)),
          fact(t('sha256'), h('span', { class: 'mono small' }, d.sha256)),
          fact(t('retention'), retentionText(d.retentionCode, d.retentionTrigger) || undefined),
          fact(t('retainUntil'), d.retainUntil ? formatTime(d.retainUntil, lang) : undefined),
          fact(t('archivedAt'), d.archivedAt ? formatTime(d.archivedAt, lang) : undefined),
          fact(
            t('submission'),
            h('a', { href: `#/submissions/${d.submissionId}` }, d.submissionId.slice(0, 8)),
          ),
          fact(t('checks'), d.checks ? checksCell(d, ctx.scheme) : undefined),
        ),
        d.status === 'ARCHIVED'
          ? h(
              'div',
              { class: 'form-actions' },
              button(t('preview'), {
                class: 'primary',
                'data-testid': 'view-original',
                onclick: () => void showContent(viewer, d),
              }),
            )
          : null,
      ),
      viewer,
    ),
    canCall('POST', '/documents/{documentId}/holds', groups) ? holdsSection(d, ctx) : null,
    canCall('POST', '/loans', groups) && d.status === 'ARCHIVED' ? loanRequestForm([d], ctx) : null,
    canCall('GET', '/documents/{documentId}/history', groups) ? docHistory : null,
    canCall('GET', '/customers/{customerId}/history', groups) ? history : null,
    canCall('GET', '/audit', groups) ? trail : null,
  );

  if (canCall('GET', '/documents/{documentId}/history', groups)) {
    await fillSection(docHistory, `${t('document')} · ${t('history')}`, async () => {
      const res = await api<{ items: DocumentVersionView[] }>('GET', `/documents/${d.documentId}/history`);
      const step = (from: string | undefined, to: string | null) =>
        `${from ? `${word('st', from)} → ` : ''}${to ? word('st', to) : '—'}`;
      return dataTable(
        [t('changedAt'), t('changedBy'), t('status'), t('changedFields')],
        res.items.map((v) =>
          h(
            'tr',
            null,
            h('td', { class: 'nowrap' }, formatTime(v.changedAt, lang)),
            h('td', null, personName(v.changedBy)),
            h('td', null, v.status ? step(v.status.from, v.status.to) : ''),
            h('td', { class: 'small' }, v.changed.map(fieldName).join('、')),
          ),
        ),
      );
    });
  }
  if (canCall('GET', '/customers/{customerId}/history', groups)) {
    await fillSection(history, `${t('customer')} · ${t('history')}`, async () => {
      const res = await api<{ items: CustomerVersionView[] }>('GET', `/customers/${d.customerId}/history`);
      return dataTable(
        [t('version'), t('changedAt'), t('changedBy'), t('changedFields')],
        res.items.map((v) =>
          h(
            'tr',
            null,
            h('td', null, String(v.version)),
            h('td', null, formatTime(v.changedAt, lang)),
            h('td', null, personName(v.changedBy)),
            h(
              'td',
              null,
              fieldsText(Object.fromEntries(v.changed.map((f) => [f, v.values[f] ?? null])), ctx.scheme),
            ),
          ),
        ),
      );
    });
  }
  if (canCall('GET', '/audit', groups)) {
    await fillSection(trail, t('audit'), () =>
      auditTable(`/audit${qs({ targetId: d.documentId })}`, ctx.scheme),
    );
  }
}

/** Fills a section with its heading and what `content` loads, or with why it could not. */
async function fillSection(host: HTMLElement, title: string, content: () => Promise<Node>): Promise<void> {
  try {
    render(host, h('h2', null, title), await content());
  } catch (err) {
    render(host, notice(errorText(err), 'error'));
  }
}
