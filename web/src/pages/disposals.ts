import { api, type BatchItemView, type BatchStatus, type BatchView, qs } from '../api.ts';
import { badge, type Ctx, errorText, field, loadPage, notice, pageHeader } from '../app.ts';
import { dataTable, formatTime, h, render } from '../dom.ts';
import { currentLang, named, t, word } from '../i18n.ts';
import { personName } from '../people.ts';

/** Batch and item statuses (functions/core/disposal.ts). */
const BATCH_STATUSES: readonly BatchStatus[] = [
  'PROPOSED',
  'APPRAISAL',
  'APPROVAL',
  'DESTROYING',
  'DONE',
  'EXTENDED',
  'ABANDONED',
];

/** `GET /disposals/{batchId}`: the batch, its items and, once closed, links to its destruction list. */
export type BatchDetail = BatchView & {
  items: BatchItemView[];
  /** Built by functions/api/disposals-get.ts. */
  links?: { json: { url: string; expiresAt: string }; html: { url: string; expiresAt: string } };
};

const day = (iso: string | undefined) => (iso ? iso.slice(0, 10) : '');

const batchBadge = (status: string) => badge(status, word('batch', status));

/** Why an item was not destroyed, or how much longer it is kept. */
function itemNote(i: BatchItemView): string {
  if (i.extension)
    return `${t('extendYears')} ${i.extension.years} → ${i.extension.dueOn}: ${i.extension.reason}`;
  return i.reason ?? '';
}

/** The documents of a batch as its destruction list (销毁清册) lists them. */
export function batchItemsTable(items: BatchItemView[]): HTMLElement {
  return dataTable(
    [
      { label: t('no'), attrs: { class: 'num' } },
      t('archiveCode'),
      t('title'),
      t('docType'),
      t('retention'),
      t('clockStart'),
      t('dueOn'),
      t('archivedAt'),
      t('status'),
      t('destroyedAt'),
      t('note'),
    ],
    items.map((i, n) =>
      h(
        'tr',
        { 'data-document': i.documentId, 'data-status': i.status },
        h('td', { class: 'num' }, String(n + 1)),
        h('td', { class: 'mono nowrap' }, h('a', { href: `#/documents/${i.documentId}` }, i.archiveCode)),
        h('td', null, i.title),
        h('td', null, named(i.docTypeName, i.docType)),
        h('td', null, word('retention', i.retentionCode)),
        h('td', { class: 'nowrap' }, day(i.clockStart)),
        h('td', { class: 'nowrap' }, i.dueOn),
        h('td', { class: 'nowrap' }, day(i.archivedAt)),
        h('td', null, badge(i.status, word('item', i.status))),
        h('td', { class: 'nowrap' }, day(i.destroyedAt)),
        h('td', { class: 'small' }, itemNote(i)),
      ),
    ),
    { class: 'destruction-list', 'data-testid': 'batch-items' },
  );
}

/** Who appraised and approved a batch, and what happened to it on the way. */
export function batchFacts(b: BatchView): HTMLElement {
  const lang = currentLang();
  const fact = (k: string, v: Node | string | undefined | null) =>
    v ? [h('dt', null, k), h('dd', null, v)] : null;
  return h(
    'dl',
    { class: 'facts', 'data-testid': 'batch-facts' },
    fact(t('batch'), h('span', { class: 'mono' }, b.batchId)),
    fact(t('status'), batchBadge(b.status)),
    fact(t('category'), `${b.fonds} · ${b.category}`),
    fact(t('dueMonth'), b.dueMonth),
    fact(t('sweepDate'), b.sweepDate),
    fact(t('itemCount'), String(b.itemCount)),
    fact(t('round'), b.round && b.round > 1 ? String(b.round) : undefined),
    fact(
      t('appraisedBy'),
      b.appraisedBy ? `${personName(b.appraisedBy)} · ${formatTime(b.appraisedAt, lang)}` : undefined,
    ),
    fact(t('appraisalComment'), b.appraisalComment),
    fact(
      t('approvedBy'),
      b.approvedBy ? `${personName(b.approvedBy)} · ${formatTime(b.approvedAt, lang)}` : undefined,
    ),
    fact(
      t('sentBack'),
      b.returns?.length
        ? h(
            'ul',
            { class: 'plain' },
            b.returns.map((r) =>
              h('li', null, `${personName(r.by)} · ${formatTime(r.at, lang)}：${r.comment}`),
            ),
          )
        : undefined,
    ),
    fact(
      t('outcome'),
      b.counts
        ? Object.entries(b.counts)
            .filter(([, n]) => n > 0)
            .map(([s, n]) => `${word('item', s)} ${n}`)
            .join(' · ')
        : undefined,
    ),
    fact(t('closedAt'), b.closedAt ? formatTime(b.closedAt, lang) : undefined),
    fact(t('abandonedReason'), b.abandonedReason),
  );
}

/** Disposal batches (archivists, approvers, auditors), newest first, by status. */
export function disposalsPage(root: HTMLElement, _params: string[], _ctx: Ctx): void {
  const status = h(
    'select',
    { name: 'status', 'data-testid': 'batch-status' },
    h('option', { value: '' }, t('any')),
    BATCH_STATUSES.map((s) => h('option', { value: s }, word('batch', s))),
  );
  const list = h('section', { class: 'card', 'data-testid': 'batches' });
  const more = h('div', { class: 'form-actions' });
  const tbody = h('tbody');
  const lang = currentLang();

  const load = async (nextToken?: string) => {
    if (!nextToken) {
      tbody.replaceChildren();
      render(list, h('p', { class: 'hint' }, t('loading')));
    }
    render(more);
    try {
      const res = await api<{ items: BatchView[]; nextToken?: string }>(
        'GET',
        `/disposals${qs({ status: status.value || undefined, nextToken })}`,
      );
      for (const b of res.items) {
        tbody.append(
          h(
            'tr',
            { 'data-batch': b.batchId, 'data-status': b.status },
            h('td', { class: 'mono' }, h('a', { href: `#/disposals/${b.batchId}` }, b.batchId)),
            h('td', null, b.category),
            h('td', null, b.dueMonth),
            h('td', { class: 'num' }, String(b.itemCount)),
            h('td', null, batchBadge(b.status)),
            h('td', null, personName(b.appraisedBy)),
            h('td', null, personName(b.approvedBy)),
            h('td', { class: 'nowrap' }, formatTime(b.createdAt, lang)),
            h('td', { class: 'nowrap' }, formatTime(b.closedAt, lang)),
          ),
        );
      }
      if (tbody.children.length === 0) {
        render(list, h('p', { class: 'empty' }, t('noBatches')));
      } else {
        render(
          list,
          dataTable(
            [
              t('batch'),
              t('category'),
              t('dueMonth'),
              { label: t('itemCount'), attrs: { class: 'num' } },
              t('status'),
              t('appraisedBy'),
              t('approvedBy'),
              t('createdAt'),
              t('closedAt'),
            ],
            tbody,
          ),
          more,
        );
      }
      if (res.nextToken) {
        const token = res.nextToken;
        render(
          more,
          h('button', { type: 'button', class: 'secondary', onclick: () => void load(token) }, t('loadMore')),
        );
      }
    } catch (err) {
      render(list, notice(errorText(err), 'error'));
    }
  };
  status.addEventListener('change', () => void load());

  render(
    root,
    pageHeader(t('disposals')),
    h('p', { class: 'hint' }, t('disposalsHint')),
    h(
      'div',
      { class: 'card no-print' },
      h('div', { class: 'grid-form' }, field(t('status'), status, 'status')),
    ),
    list,
  );
  void load();
}

/**
 * One batch: its facts and its destruction list (销毁清册), printable from the browser (the print
 * stylesheet leaves the list and a line for signatures), with the stored list's links once the
 * batch is closed.
 */
export async function disposalPage(root: HTMLElement, params: string[], _ctx: Ctx): Promise<void> {
  const id = params[0] ?? '';
  render(root, h('p', null, t('loading')));
  const b = await loadPage<BatchDetail>(root, t('destructionList'), `/disposals/${encodeURIComponent(id)}`);
  if (!b) return;
  render(
    root,
    pageHeader(
      `${t('destructionList')} · ${b.batchId}`,
      batchBadge(b.status),
      h('a', { class: 'button secondary no-print', href: '#/disposals' }, t('disposals')),
      h(
        'button',
        { type: 'button', class: 'primary no-print', 'data-testid': 'print', onclick: () => window.print() },
        t('print'),
      ),
    ),
    h(
      'section',
      { class: 'card' },
      batchFacts(b),
      b.links
        ? h(
            'p',
            { class: 'no-print', 'data-testid': 'stored-list' },
            h('a', { href: b.links.html.url, target: '_blank', rel: 'noopener' }, t('listHtml')),
            ' · ',
            h('a', { href: b.links.json.url, target: '_blank', rel: 'noopener' }, t('listJson')),
          )
        : null,
    ),
    h('section', { class: 'card' }, h('h2', null, t('documents')), batchItemsTable(b.items)),
    h(
      'div',
      { class: 'print-only signatures' },
      h('span', null, `${t('appraisedBy')} ${t('signature')}: ____________`),
      h('span', null, `${t('approvedBy')} ${t('signature')}: ____________`),
    ),
  );
}
