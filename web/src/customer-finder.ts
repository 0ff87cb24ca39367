import { api, type Customer, qs } from './api.ts';
import { errorText, notice } from './app.ts';
import { h, render } from './dom.ts';
import { t } from './i18n.ts';

/** What `GET /customers` answers: a page, and the regions it searched (the caller's). */
export interface CustomerSearch {
  items: Customer[];
  regions?: string[];
}

/**
 * A customer search by number or name (`GET /customers?q=`): the box with its button, and the
 * results, each with a button that picks it. The regions searched are said when the caller's
 * searches are limited to some, so a customer of another region is not taken for missing.
 */
export function customerFinder(options: {
  /** `data-testid` of the search box. */
  testId: string;
  pickLabel: string;
  /** `data-testid` of each result's pick button, if it needs one. */
  pickTestId?: string;
  onPick: (customer: Customer) => void;
}): { row: HTMLElement; results: HTMLElement; clear: () => void } {
  const q = h('input', {
    type: 'search',
    name: 'q',
    placeholder: t('findCustomerHint'),
    'data-testid': options.testId,
  });
  const results = h('div', { class: 'results' });
  const find = async () => {
    if (!q.value.trim()) return;
    render(results, h('p', { class: 'hint' }, t('loading')));
    try {
      const found = await api<CustomerSearch>('GET', `/customers${qs({ q: q.value.trim() })}`);
      const searched = found.regions?.length
        ? h(
            'p',
            { class: 'hint', 'data-testid': 'searched-regions' },
            t('searchedRegions', { regions: found.regions.join('、') }),
          )
        : null;
      if (found.items.length === 0) {
        render(results, h('p', { class: 'hint' }, t('noCustomerFound')), searched);
        return;
      }
      render(
        results,
        searched,
        h(
          'ul',
          { class: 'list' },
          found.items.map((c) =>
            h(
              'li',
              null,
              h('span', { class: 'mono' }, c.customerNo),
              h('span', null, c.name),
              h('span', { class: 'mono hint' }, c.region),
              h(
                'button',
                {
                  type: 'button',
                  ...(options.pickTestId ? { 'data-testid': options.pickTestId } : {}),
                  onclick: () => options.onPick(c),
                },
                options.pickLabel,
              ),
            ),
          ),
        ),
      );
    } catch (err) {
      render(results, notice(errorText(err), 'error'));
    }
  };
  q.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      void find();
    }
  });
  const row = h(
    'div',
    { class: 'row' },
    q,
    h('button', { type: 'button', onclick: () => void find() }, t('search')),
  );
  return { row, results, clear: () => render(results) };
}
