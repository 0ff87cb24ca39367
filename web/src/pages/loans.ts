import { api, canCall, type DocumentView, type LoanDocument, type LoanView, qs } from '../api.ts';
import {
  act,
  age,
  badge,
  type Ctx,
  errorText,
  field,
  formError,
  notice,
  onSubmit,
  pageHeader,
  sendForm,
} from '../app.ts';
import { dataTable, formatTime, h, render, toast } from '../dom.ts';
import { currentLang, named, t, word } from '../i18n.ts';
import { personName } from '../people.ts';
import { poll } from '../poll.ts';
import { bilingualPart } from './record-words.ts';
import { showContent } from './shared.ts';

/** Where a paper original is shelved, in words. */
export const shelf = (d: LoanDocument): string =>
  d.location ? [d.location.room, d.location.cabinet, d.location.box].filter(Boolean).join(' / ') : '';

/** A loan's status: the lifecycle word, and what is still out or why it was refused. */
export function loanStatusCell(l: LoanView): HTMLElement {
  return h(
    'div',
    { class: 'loan-status' },
    badge(l.status, word('st', l.status)),
    l.overdue ? badge('overdue', t('overdue')) : null,
    l.paperOut ? badge('paper', t('paperOut')) : null,
    l.rejection
      ? h(
          'small',
          { class: 'block rejection-reason', 'data-testid': 'rejection-reason' },
          `${t('rejection')}：${bilingualPart(l.rejection.reason)}（${personName(l.rejection.decidedBy)}）`,
        )
      : null,
    l.returnedAt
      ? h(
          'small',
          { class: 'block' },
          `${t('returnedAt')} ${formatTime(l.returnedAt, currentLang())}${l.returnedBy ? ` · ${personName(l.returnedBy)}` : ''}`,
        )
      : null,
  );
}

/** Metadata of the documents a page shows, read once per page (titles and formats). */
function documentCache() {
  const seen = new Map<string, Promise<DocumentView | undefined>>();
  return (id: string) => {
    let p = seen.get(id);
    if (!p) {
      p = api<DocumentView>('GET', `/documents/${id}`).catch(() => undefined);
      seen.set(id, p);
    }
    return p;
  };
}

/**
 * Asking to borrow documents: purpose and days, with the API's refusals shown next to their
 * fields. Closed behind its heading unless `open`.
 */
export function loanRequestForm(docs: DocumentView[], ctx: Ctx, open = false): HTMLElement {
  const max = ctx.scheme.limits.maxLoanDays;
  const purpose = h('textarea', { rows: 2, name: 'purpose', 'data-testid': 'loan-purpose' });
  const days = h('input', {
    type: 'number',
    name: 'days',
    min: 1,
    max,
    step: 1,
    value: Math.min(7, max),
    'data-testid': 'loan-days',
  });
  const ids = h('div', { class: 'field' }, h('div', { class: 'field-error', role: 'alert' }));
  ids.dataset.field = 'documentIds';
  const general = formError();
  const submit = h(
    'button',
    { type: 'submit', class: 'primary', 'data-testid': 'loan-submit' },
    t('requestLoan'),
  );
  const form = h(
    'form',
    { class: 'loan-form', novalidate: true },
    h(
      'ul',
      { class: 'list', 'data-testid': 'loan-documents' },
      docs.map((d) =>
        h(
          'li',
          { 'data-document': d.documentId },
          h('span', { class: 'mono' }, d.archiveCode ?? d.documentId.slice(0, 8)),
          h('span', null, d.title),
          h('small', null, named(d.docTypeName, d.docType)),
          ctx.scheme.documentTypes.find((x) => x.code === d.docType)?.sensitive
            ? badge('sensitive', t('sensitive'))
            : null,
        ),
      ),
    ),
    ids,
    h(
      'div',
      { class: 'grid-form' },
      field(t('purpose'), purpose, 'purpose', t('purposeHint')),
      field(t('loanDays'), days, 'days', t('loanDaysHint', { max })),
    ),
    general,
    h('div', { class: 'form-actions' }, submit),
  );
  onSubmit(form, async () => {
    submit.disabled = true;
    const n = days.value.trim() === '' ? undefined : Number(days.value);
    await sendForm(form, general, async () => {
      await api('POST', '/loans', {
        documentIds: docs.map((d) => d.documentId),
        purpose: purpose.value,
        ...(n === undefined ? {} : { days: n }),
      });
      toast(t('loanRequested'));
      location.hash = '#/loans';
    });
    submit.disabled = false;
  });
  return h(
    'details',
    { class: 'card loan-request', 'data-testid': 'loan-request', open },
    h('summary', null, h('h2', null, `${t('requestLoan')} (${docs.length})`)),
    form,
  );
}

/**
 * Picking documents to borrow from a list (the archive search): a checkbox per archived document
 * and a panel that opens the request form for those ticked.
 */
export function loanPicker(ctx: Ctx): { box: (d: DocumentView) => HTMLElement | string; panel: HTMLElement } {
  const picked = new Map<string, DocumentView>();
  const panel = h('div', { class: 'loan-picker', 'data-testid': 'loan-picker' });
  const button = h(
    'button',
    { type: 'button', class: 'secondary', 'data-testid': 'borrow-selected', disabled: true },
    t('borrowSelected', { n: 0 }),
  );
  const formSlot = h('div');
  const update = () => {
    button.textContent = t('borrowSelected', { n: picked.size });
    button.disabled = picked.size === 0;
    formSlot.replaceChildren();
  };
  button.addEventListener('click', () => render(formSlot, loanRequestForm([...picked.values()], ctx, true)));
  render(
    panel,
    h('div', { class: 'form-actions' }, h('small', { class: 'hint' }, t('chooseToBorrow')), button),
    formSlot,
  );
  if (!canCall('POST', '/loans', ctx.session.groups)) return { box: () => '', panel: h('div') };
  return {
    panel,
    box: (d) =>
      d.status === 'ARCHIVED'
        ? h('input', {
            type: 'checkbox',
            'aria-label': t('requestLoan'),
            'data-testid': 'pick',
            'data-document': d.documentId,
            onchange: (e: Event) => {
              if ((e.target as HTMLInputElement).checked) picked.set(d.documentId, d);
              else picked.delete(d.documentId);
              update();
            },
          })
        : '',
  };
}

/**
 * The borrower's loans, refreshed without a reload: status (waiting, active until its due time,
 * rejected with the reason, returned, expired), the granted documents opened inline, and an early
 * return.
 */
export function loansPage(root: HTMLElement, _params: string[], ctx: Ctx): () => void {
  const list = h('section', { class: 'card', 'data-testid': 'loans' });
  const caption = h('h3', { class: 'viewer-caption', 'data-testid': 'viewer-caption' });
  const viewer = h('div', { class: 'viewer', 'data-testid': 'viewer-host' });
  const shown = h('section', { class: 'loan-viewer' }, caption, viewer);
  const status = h('small', { class: 'hint', 'data-testid': 'refresh-status' });
  const docOf = documentCache();
  let showing: string | undefined;

  const refresh = async () => {
    try {
      const res = await api<{ items: LoanView[] }>('GET', `/loans${qs({ mine: '1' })}`);
      await Promise.all(
        res.items
          .filter((l) => l.status === 'ACTIVE' || l.status === 'PENDING_APPROVAL')
          .flatMap((l) => l.documents.map((d) => docOf(d.documentId))),
      );
      await draw(res.items);
      status.textContent = t('autoRefresh', { at: formatTime(new Date().toISOString(), currentLang()) });
    } catch (err) {
      render(list, notice(errorText(err), 'error'));
    }
  };

  async function documentCell(l: LoanView, d: LoanDocument): Promise<HTMLElement> {
    const meta = await docOf(d.documentId);
    const readable = l.status === 'ACTIVE' && !!l.dueAt && Date.parse(l.dueAt) > Date.now() && !!meta;
    return h(
      'li',
      { 'data-document': d.documentId },
      h(
        'a',
        { class: 'mono', href: `#/documents/${d.documentId}` },
        d.archiveCode ?? d.documentId.slice(0, 8),
      ),
      h('span', null, meta?.title ?? ''),
      d.paper ? badge('paper', `${t('paperOriginal')} ${shelf(d)}`) : null,
      readable && meta
        ? h(
            'button',
            {
              type: 'button',
              class: 'small secondary',
              'data-testid': 'open-document',
              onclick: () => {
                showing = l.loanId;
                caption.textContent = `${d.archiveCode ?? ''} ${meta.title}`;
                void showContent(viewer, meta).then(() => viewer.scrollIntoView({ block: 'nearest' }));
              },
            },
            t('open'),
          )
        : null,
    );
  }

  async function draw(items: LoanView[]): Promise<void> {
    if (items.length === 0) {
      render(list, h('p', { class: 'empty' }, t('noLoans')));
      return;
    }
    const lang = currentLang();
    const rows = await Promise.all(
      items.map(async (l) =>
        h(
          'tr',
          { 'data-loan': l.loanId, 'data-status': l.status },
          h(
            'td',
            { class: 'nowrap' },
            h('span', { class: 'mono' }, l.loanId.slice(0, 8)),
            h('small', { class: 'block' }, formatTime(l.createdAt, lang)),
          ),
          h(
            'td',
            null,
            h('ul', { class: 'list compact' }, await Promise.all(l.documents.map((d) => documentCell(l, d)))),
          ),
          h('td', null, l.purpose),
          h('td', { class: 'num' }, String(l.days)),
          h('td', null, loanStatusCell(l)),
          h(
            'td',
            { class: 'nowrap' },
            l.dueAt ? formatTime(l.dueAt, lang) : '',
            l.status === 'ACTIVE' && l.dueAt && Date.parse(l.dueAt) > Date.now()
              ? h('small', { class: 'block hint' }, t('readableUntil', { at: formatTime(l.dueAt, lang) }))
              : null,
          ),
          h(
            'td',
            { class: 'nowrap' },
            l.status === 'ACTIVE' && !l.paper
              ? h(
                  'button',
                  {
                    type: 'button',
                    class: 'small',
                    'data-testid': 'return-loan',
                    onclick: () => void giveBack(l),
                  },
                  t('returnLoan'),
                )
              : null,
          ),
        ),
      ),
    );
    render(
      list,
      h('h2', null, t('myLoans')),
      dataTable([t('loanId'), t('documents'), t('purpose'), t('loanDays'), t('status'), t('due'), ''], rows, {
        'data-testid': 'loans-table',
      }),
    );
  }

  const giveBack = (l: LoanView) =>
    act(async () => {
      await api('POST', `/loans/${l.loanId}/return`);
      toast(t('loanReturned'));
      if (showing === l.loanId) {
        render(viewer);
        caption.textContent = '';
      }
      await refresh();
    });

  render(
    root,
    pageHeader(
      t('loans'),
      status,
      h('button', { type: 'button', class: 'secondary', onclick: () => polling.again() }, t('refresh')),
    ),
    canCall('GET', '/documents', ctx.session.groups)
      ? h('p', { class: 'hint' }, h('a', { href: '#/search' }, t('searchTitle')), ' · ', t('chooseToBorrow'))
      : null,
    list,
    shown,
  );
  render(list, h('p', { class: 'hint' }, t('loading')));
  void refresh();
  const polling = poll(refresh, { firstMs: 10_000, maxMs: 30_000 });
  return () => polling.stop();
}

/**
 * Loans overdue (archivists): everything still out past its due time, longest overdue first,
 * with where paper originals belong; the archivist records the originals back.
 */
export async function overdueLoansPage(root: HTMLElement, _params: string[], _ctx: Ctx): Promise<void> {
  const list = h('section', { class: 'card', 'data-testid': 'overdue' });
  const load = async () => {
    render(list, h('p', { class: 'hint' }, t('loading')));
    try {
      const res = await api<{ items: LoanView[] }>('GET', `/loans${qs({ status: 'overdue' })}`);
      draw(res.items);
    } catch (err) {
      render(list, notice(errorText(err), 'error'));
    }
  };
  const draw = (items: LoanView[]) => {
    if (items.length === 0) {
      render(list, h('p', { class: 'empty' }, t('noOverdue')));
      return;
    }
    const lang = currentLang();
    render(
      list,
      dataTable(
        [t('loanId'), t('borrower'), t('documents'), t('purpose'), t('due'), t('status'), ''],
        items.map((l) =>
          h(
            'tr',
            { 'data-loan': l.loanId, 'data-status': l.status },
            h('td', { class: 'mono' }, l.loanId.slice(0, 8)),
            h('td', null, personName(l.borrower)),
            h(
              'td',
              null,
              h(
                'ul',
                { class: 'list compact' },
                l.documents.map((d) =>
                  h(
                    'li',
                    null,
                    h(
                      'a',
                      { class: 'mono', href: `#/documents/${d.documentId}` },
                      d.archiveCode ?? d.documentId.slice(0, 8),
                    ),
                    d.paper ? h('span', null, `${t('location')}: ${shelf(d)}`) : null,
                  ),
                ),
              ),
            ),
            h('td', null, l.purpose),
            h(
              'td',
              { class: 'nowrap' },
              formatTime(l.dueAt, lang),
              l.dueAt
                ? h('small', { class: 'block overdue-age' }, t('overdueSince', { age: age(l.dueAt) }))
                : null,
            ),
            h('td', null, loanStatusCell(l)),
            h(
              'td',
              null,
              h(
                'button',
                {
                  type: 'button',
                  class: 'small primary',
                  'data-testid': 'record-return',
                  onclick: () =>
                    act(async () => {
                      await api('POST', `/loans/${l.loanId}/return`);
                      toast(l.paper ? t('originalsBack') : t('loanReturned'));
                      await load();
                    }),
                },
                l.paper ? t('recordReturn') : t('returnLoan'),
              ),
            ),
          ),
        ),
      ),
    );
  };
  render(
    root,
    pageHeader(
      t('navOverdue'),
      h('button', { type: 'button', class: 'secondary', onclick: () => void load() }, t('refresh')),
    ),
    h('p', { class: 'hint' }, t('overdueHint')),
    list,
  );
  await load();
}
