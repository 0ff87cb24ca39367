import { api, type Customer, type HandoverView } from '../api.ts';
import { act, badge, type Ctx, field, formError, notice, onSubmit, pageHeader, sendForm } from '../app.ts';
import { customerFinder } from '../customer-finder.ts';
import { dataTable, formatBytes, formatTime, h, render, toast } from '../dom.ts';
import { currentLang, type MessageKey, named, t } from '../i18n.ts';
import { poll } from '../poll.ts';

type Package = HandoverView & { download?: { url: string; expiresAt: string } };

/**
 * Handover packages (archivists, `#/handovers`): choose customers (found by number or name, as
 * the clerk's page finds them), an archive year and a category, and start a package; the page
 * follows it while it is built (polling with backoff) and gives its download link once ready,
 * with the caller's recent packages below. Each link is asked for when shown or clicked, and the
 * API audits each one.
 */
export function handoversPage(root: HTMLElement, _params: string[], ctx: Ctx): () => void {
  const { scheme } = ctx;
  const lang = currentLang();
  const chosen = new Map<string, Customer>();
  const chips = h('ul', { class: 'list', 'data-testid': 'handover-customers' });
  const year = h('input', {
    type: 'number',
    name: 'year',
    min: 1900,
    max: 9999,
    'data-testid': 'handover-year',
  });
  // The scheme's category is everything; then each class code and each business event.
  const category = h(
    'select',
    { name: 'category', 'data-testid': 'handover-category' },
    h('option', { value: '' }, t('hoAllCategories')),
    [...new Set(scheme.businessEvents.map((e) => e.classCode))].map((c) => h('option', { value: c }, c)),
    scheme.businessEvents.map((e) => h('option', { value: e.code }, named(e.name, e.code))),
  );
  const general = formError();
  const start = h(
    'button',
    { type: 'submit', class: 'primary', 'data-testid': 'handover-start' },
    t('hoStart'),
  );
  const current = h('section', { class: 'card', 'data-testid': 'handover-current', hidden: true });
  const recent = h('section', { class: 'card', 'data-testid': 'handover-list' });

  const drawChips = () =>
    render(
      chips,
      [...chosen.values()].map((c) =>
        h(
          'li',
          { 'data-customer': c.customerNo },
          h('span', { class: 'mono' }, c.customerNo),
          h('span', null, c.name),
          h(
            'button',
            {
              type: 'button',
              class: 'link',
              onclick: () => {
                chosen.delete(c.customerId);
                drawChips();
              },
            },
            t('hoRemove'),
          ),
        ),
      ),
    );

  const finder = customerFinder({
    testId: 'handover-q',
    pickLabel: t('hoAdd'),
    pickTestId: 'handover-add',
    onPick: (c) => {
      chosen.set(c.customerId, c);
      drawChips();
      finder.clear();
    },
  });

  const form = h(
    'form',
    { class: 'card', novalidate: true, 'data-testid': 'handover-form' },
    h('p', { class: 'hint' }, t('hoHint')),
    h(
      'div',
      { class: 'grid-form' },
      field(
        t('hoCustomers'),
        h('div', null, finder.row, finder.results, chips),
        'customers',
        t('hoCustomersHint'),
      ),
      field(t('hoYear'), year, 'year'),
      field(t('hoCategory'), category, 'category'),
    ),
    general,
    h('div', { class: 'form-actions' }, start),
  );

  let following: ReturnType<typeof poll> | undefined;
  /** Follows one package until it is no longer BUILDING; shows its link once READY. */
  const follow = (handoverId: string) => {
    following?.stop();
    current.hidden = false;
    render(current, h('h2', null, t('hoTitle')), badge('BUILDING', t('hoBUILDING')));
    following = poll(
      async () => {
        const p = await api<Package>('GET', `/handovers/${handoverId}`);
        render(current, h('h2', null, p.fileName), packageSummary(p, lang));
        if (p.status === 'BUILDING') return true;
        void list.again();
        return false;
      },
      { firstMs: 1000, maxMs: 10_000 },
    );
  };

  onSubmit(form, async () => {
    start.disabled = true;
    await sendForm(form, general, async () => {
      const body: Record<string, unknown> = { customers: [...chosen.values()].map((c) => c.customerNo) };
      if (year.value.trim()) body.year = Number(year.value);
      if (category.value) body.category = category.value;
      const started = await api<{ handoverId: string }>('POST', '/handovers', body);
      toast(t('hoStarted'));
      follow(started.handoverId);
      list.again();
    });
    start.disabled = false;
  });

  const list = poll(
    async () => {
      const { items } = await api<{ items: Package[] }>('GET', '/handovers');
      render(
        recent,
        h('h2', null, t('hoRecent')),
        items.length === 0
          ? h('p', { class: 'hint' }, t('hoNone'))
          : dataTable(
              [
                t('createdAt'),
                t('hoSelection'),
                t('hoDocuments'),
                t('hoSize'),
                t('hoState'),
                t('hoExpires'),
                '',
              ],
              items.map((p) => packageRow(p, lang)),
            ),
      );
    },
    { firstMs: 5000, maxMs: 60_000 },
  );
  list.again();

  render(root, pageHeader(t('hoTitle')), form, current, recent);
  return () => {
    list.stop();
    following?.stop();
  };
}

const stateWord = (p: Package) => t(`ho${p.status}` as MessageKey);

function selectionText(p: Package): string {
  const s = p.selection;
  return [
    s.customers.length > 0 ? s.customers.join('、') : t('hoAllCustomers'),
    s.year === undefined ? null : String(s.year),
    s.category ?? null,
  ]
    .filter((x) => x !== null)
    .join(' · ');
}

/** What the followed package holds, and its link once READY (or why it failed). */
function packageSummary(p: Package, lang: string): HTMLElement {
  return h(
    'div',
    { 'data-testid': 'handover-state', 'data-status': p.status },
    badge(p.status, stateWord(p)),
    ' ',
    h('span', null, `${selectionText(p)} · ${p.documents} · ${formatBytes(p.bytes ?? p.originalBytes)}`),
    p.download
      ? h(
          'p',
          null,
          h(
            'a',
            {
              href: p.download.url,
              download: p.fileName,
              class: 'button primary',
              'data-testid': 'handover-download',
            },
            t('hoDownload'),
          ),
          ' ',
          h('small', { class: 'hint' }, formatTime(p.download.expiresAt, lang)),
        )
      : null,
    p.failure ? notice(lang === 'en' ? p.failure.en : p.failure.zh, 'error', 'handover-failure') : null,
  );
}

function packageRow(p: Package, lang: string): HTMLElement {
  const download =
    p.status === 'READY'
      ? h(
          'button',
          { type: 'button', class: 'small secondary', 'data-testid': 'handover-row-download' },
          t('hoDownload'),
        )
      : null;
  // A fresh link each time, asked for only when wanted (the API audits each one).
  download?.addEventListener(
    'click',
    () =>
      void act(async () => {
        const fresh = await api<Package>('GET', `/handovers/${p.handoverId}`);
        if (fresh.download) window.location.assign(fresh.download.url);
        download.disabled = false;
      }, download),
  );
  return h(
    'tr',
    { 'data-handover': p.handoverId, 'data-status': p.status },
    h('td', { class: 'nowrap' }, formatTime(p.createdAt, lang)),
    h('td', null, selectionText(p)),
    h('td', null, String(p.documents)),
    h('td', { class: 'nowrap' }, formatBytes(p.bytes ?? p.originalBytes)),
    h(
      'td',
      null,
      badge(p.status, stateWord(p)),
      p.failure ? h('small', { class: 'hint' }, ' ', lang === 'en' ? p.failure.en : p.failure.zh) : null,
    ),
    h('td', { class: 'nowrap' }, formatTime(p.expiresAt, lang)),
    h('td', null, download),
  );
}
