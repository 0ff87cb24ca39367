import { api, qs, type Scheme, type SubmissionListItem, type SubmissionStatus } from '../../api.ts';
import { badge, errorText, notice } from '../../app.ts';
import { dataTable, formatTime, h, render } from '../../dom.ts';
import { currentLang, named, t, word } from '../../i18n.ts';
import { rejectionText } from '../record-words.ts';

/** Submission statuses, in lifecycle order, for the filter. */
const STATUSES: readonly SubmissionStatus[] = [
  'DRAFT',
  'SUBMITTED',
  'VALIDATED',
  'IN_REVIEW',
  'ARCHIVED',
  'REJECTED',
];

/**
 * The clerk's own submissions (`GET /submissions`), newest first, filtered by status, ten at a
 * time: a rejected one links to its page to fix and resubmit, a draft to its page to finish and
 * submit. Returns the section; it fills itself.
 */
export function mySubmissions(scheme: Scheme): HTMLElement {
  const box = h('section', { class: 'card', 'data-testid': 'my-submissions' });
  let listStatus = '';

  const row = (s: SubmissionListItem) => {
    const ev = scheme.businessEvents.find((e) => e.code === s.businessEvent);
    return h(
      'tr',
      { 'data-submission': s.submissionId },
      h(
        'td',
        null,
        h('a', { href: `#/submissions/${s.submissionId}`, class: 'mono' }, s.submissionId.slice(0, 8)),
      ),
      h('td', { class: 'mono' }, s.customerNo ?? ''),
      h('td', null, s.customerName ?? ''),
      h('td', null, named(ev?.name, s.businessEvent)),
      h('td', { class: 'num' }, String(s.documentCount)),
      h('td', null, formatTime(s.createdAt, currentLang())),
      h('td', null, badge(s.status, word('st', s.status))),
      h(
        'td',
        { 'data-testid': 'rejection-reason' },
        s.rejection
          ? [
              h('span', null, rejectionText(s.rejection)),
              ' ',
              h('a', { href: `#/submissions/${s.submissionId}`, 'data-testid': 'fix' }, t('fixLink')),
            ]
          : s.status === 'DRAFT'
            ? h(
                'a',
                { href: `#/submissions/${s.submissionId}`, 'data-testid': 'continue' },
                t('continueDraft'),
              )
            : '',
      ),
    );
  };

  async function draw(): Promise<void> {
    const filter = h(
      'select',
      {
        'aria-label': t('status'),
        'data-testid': 'my-submissions-status',
        style: 'flex: 0 0 auto; width: auto',
      },
      h('option', { value: '' }, t('allStatuses')),
      STATUSES.map((st) => h('option', { value: st, selected: st === listStatus }, word('st', st))),
    );
    filter.addEventListener('change', () => {
      listStatus = filter.value;
      void draw();
    });
    const body = h('tbody');
    const footer = h('div', { class: 'form-actions' });
    render(
      box,
      h(
        'div',
        { class: 'row', style: 'justify-content: space-between; align-items: center' },
        h('h2', { style: 'margin: 0; white-space: nowrap' }, t('recentSubmissions')),
        filter,
      ),
      dataTable(
        [
          t('submission'),
          t('customerNo'),
          t('customerName'),
          t('businessEvent'),
          { label: t('documentCount'), attrs: { class: 'num' } },
          t('createdAt'),
          t('status'),
          t('rejection'),
        ],
        body,
        { 'data-testid': 'my-submissions-table' },
      ),
      footer,
    );
    const load = async (cursor?: string) => {
      render(footer, h('p', { class: 'hint' }, t('loading')));
      try {
        const page = await api<{ items: SubmissionListItem[]; nextCursor?: string }>(
          'GET',
          `/submissions${qs({ status: listStatus || undefined, limit: '10', cursor })}`,
        );
        body.append(...page.items.map(row));
        render(
          footer,
          body.childElementCount === 0 ? h('p', { class: 'empty' }, t('noSubmissions')) : null,
          page.nextCursor
            ? h(
                'button',
                {
                  type: 'button',
                  class: 'secondary',
                  'data-testid': 'my-submissions-more',
                  onclick: () => void load(page.nextCursor),
                },
                t('more'),
              )
            : null,
        );
      } catch (err) {
        render(footer, notice(errorText(err), 'error'));
      }
    };
    await load();
  }

  void draw();
  return box;
}
