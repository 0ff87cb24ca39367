import { type AgeBand, api, canCall, hasRoute, type StatsView, type WatchedKind } from '../api.ts';
import { act, type Ctx, errorText, notice, pageHeader } from '../app.ts';
import { dataTable, formatTime, h, render, toast } from '../dom.ts';
import { currentLang, named, t, word } from '../i18n.ts';
import { poll } from '../poll.ts';
import './dashboard.css';
import { bilingualPart } from './record-words.ts';

/**
 * `GET /stats`: functions/core/stats.ts `statsView`, and the records the hourly check found stuck
 * (added by functions/api/stats-get.ts).
 */
type Stats = StatsView & { stuck?: { count: number; items: StuckRecord[] } };

/** A record waiting on a workflow that will not move it (functions/api/stats-get.ts). */
interface StuckRecord {
  kind: WatchedKind;
  recordId: string;
  reason: string;
  foundAt: string;
  repair: string;
}

/** Age bands of waiting tasks, shortest first (functions/core/stats.ts `AGE_BANDS`). */
const BANDS: readonly AgeBand[] = ['under1d', '1to3d', '3to7d', 'over7d'];

/** One colour per business event, in scheme order. */
const PALETTE = ['#2f6d99', '#3f9b73', '#c9822b', '#8c5aa8', '#c0504d', '#5a7d8c', '#9a8b3a', '#d46a9f'];

/**
 * The dashboard of archivists, approvers and auditors: documents held per archive year and
 * business event (a stacked chart) and per type, completeness of first submissions per event,
 * tasks waiting by age, loans overdue and documents coming due for disposal. Refreshes itself.
 */
export function dashboardPage(root: HTMLElement, _params: string[], ctx: Ctx): (() => void) | undefined {
  if (!hasRoute('GET', '/stats')) {
    render(root, pageHeader(t('dashboard')), notice(t('apiNotDeployed')));
    return undefined;
  }
  let year = '';
  const status = h('small', { class: 'hint dash-status', 'data-testid': 'refresh-status' });
  const body = h('div', { class: 'dashboard', 'data-testid': 'dashboard' }, notice(t('loading')));
  const yearSelect = h('select', {
    class: 'dash-year',
    'data-testid': 'year',
    'aria-label': t('year'),
    onchange: () => {
      year = yearSelect.value;
      void refresh();
    },
  });
  const refresh = async () => {
    try {
      const stats = await api<Stats>('GET', `/stats${year ? `?year=${year}` : ''}`);
      if (!year) fillYears(yearSelect, stats);
      draw(body, stats, ctx, () => void refresh());
      status.textContent = t('autoRefresh', { at: formatTime(stats.asOf, currentLang()) });
    } catch (err) {
      status.textContent = errorText(err);
      // Nothing shown yet: say why in place of the figures (a later refresh keeps the last ones).
      if (!body.querySelector('.stats')) render(body, notice(errorText(err), 'error'));
    }
  };
  render(
    root,
    pageHeader(
      t('dashboard'),
      status,
      yearSelect,
      h(
        'button',
        { type: 'button', class: 'secondary nowrap', onclick: () => polling.again() },
        t('refresh'),
      ),
    ),
    body,
  );
  void refresh();
  const polling = poll(refresh, { firstMs: 30000, maxMs: 120000 });
  return () => polling.stop();
}

function fillYears(select: HTMLSelectElement, stats: Stats): void {
  const years = stats.documents.years.map((y) => String(y.year)).reverse();
  const current = select.value;
  render(
    select,
    h('option', { value: '' }, t('dashAllYears')),
    years.map((y) => h('option', { value: y }, y)),
  );
  select.value = years.includes(current) ? current : '';
}

function tile(testid: string, label: string, value: number, sub?: string): HTMLElement {
  return h(
    'div',
    { class: 'stat', 'data-testid': testid },
    h('div', { class: 'value' }, String(value)),
    h('div', { class: 'label' }, label),
    sub ? h('small', null, sub) : null,
  );
}

function draw(root: HTMLElement, s: Stats, ctx: Ctx, refresh: () => void): void {
  const scheme = ctx.scheme;
  const events = scheme.businessEvents;
  const eventName = (code: string) => named(events.find((e) => e.code === code)?.name, code);
  const typeName = (code: string) => named(scheme.documentTypes.find((d) => d.code === code)?.name, code);
  const colour = (code: string) => {
    const i = events.findIndex((e) => e.code === code);
    return PALETTE[(i < 0 ? events.length : i) % PALETTE.length] as string;
  };
  const oldest =
    s.tasks.oldestAgeHours === undefined
      ? undefined
      : `${t('oldestTask')} ${
          s.tasks.oldestAgeHours >= 48
            ? `${Math.floor(s.tasks.oldestAgeHours / 24)} ${t('days')}`
            : `${Math.floor(s.tasks.oldestAgeHours)} ${t('hours')}`
        }`;
  const overdue =
    s.loans.longestOverdueDays === undefined
      ? undefined
      : t('dashLongestOverdue', { days: Math.floor(s.loans.longestOverdueDays) });

  const byType: Record<string, number> = {};
  for (const y of s.documents.years) {
    for (const [k, v] of Object.entries(y.byType)) byType[k] = (byType[k] ?? 0) + v;
  }

  render(
    root,
    h(
      'div',
      { class: 'stats' },
      tile('stat-held', t('dashHeld'), s.documents.held, t('dashDisposed', { n: s.documents.disposed })),
      tile('stat-tasks', t('tasksWaiting'), s.tasks.waiting, oldest),
      tile('stat-overdue', t('loansOverdue'), s.loans.overdue, overdue),
      tile('stat-due', t('dueForDisposal', { days: s.disposal.dueWithinDays }), s.disposal.due),
      tile('stat-stuck', t('dashStuck'), s.stuck?.count ?? 0),
    ),
    stuckSection(
      s.stuck?.items ?? [],
      canCall('POST', '/stuck/{kind}/{recordId}/repair', ctx.session.groups),
      refresh,
    ),
    h(
      'div',
      { class: 'chart-grid' },
      h(
        'section',
        { class: 'card', 'data-testid': 'chart-years' },
        h('h2', null, t('archivedByYear')),
        s.documents.years.length === 0
          ? h('p', { class: 'empty' }, t('dashNoData'))
          : yearChart(
              s.documents.years,
              events.map((e) => e.code),
              colour,
              eventName,
            ),
        legend(
          events.map((e) => e.code).filter((c) => s.documents.years.some((y) => (y.byEvent[c] ?? 0) > 0)),
          colour,
          eventName,
        ),
      ),
      h(
        'section',
        { class: 'card', 'data-testid': 'chart-types' },
        h('h2', null, t('dashByType')),
        bars(
          Object.entries(byType)
            .filter(([, n]) => n > 0)
            .sort((a, b) => b[1] - a[1])
            .map(([code, n]) => ({ key: code, label: typeName(code), value: n, text: String(n) })),
          'type',
        ),
      ),
      h(
        'section',
        { class: 'card', 'data-testid': 'chart-completeness' },
        h('h2', null, t('dashCompleteness')),
        h('p', { class: 'hint', title: s.completeness.definition }, t('dashCompletenessHint')),
        completenessTable(s, eventName),
      ),
      h(
        'section',
        { class: 'card', 'data-testid': 'chart-tasks' },
        h('h2', null, `${t('tasksWaiting')} · ${t('dashTaskAges')}`),
        bars(
          BANDS.map((band) => ({
            key: band,
            label: word('age', band),
            value: s.tasks.ageBands[band] ?? 0,
            text: String(s.tasks.ageBands[band] ?? 0),
          })),
          'age',
          true,
        ),
        h(
          'p',
          { class: 'hint' },
          s.tasks.byRole
            .filter((r) => r.waiting > 0)
            .map((r) => `${word('role', r.role)} ${r.waiting}`)
            .join(' · '),
        ),
      ),
      h(
        'section',
        { class: 'card', 'data-testid': 'chart-due' },
        h('h2', null, `${t('dueForDisposal', { days: s.disposal.dueWithinDays })} · ${t('dashDueByMonth')}`),
        bars(
          s.disposal.byMonth.map((m) => ({
            key: m.month,
            label: m.month,
            value: m.count,
            text: String(m.count),
          })),
          'month',
          true,
        ),
      ),
    ),
    h('p', { class: 'hint' }, t('dashAsOf', { at: formatTime(s.asOf, currentLang()) })),
  );
}

/**
 * The stuck records, each with its repair for whoever may run it (archivists); nothing while there
 * are none (the tile above says 0).
 */
function stuckSection(items: StuckRecord[], mayRepair: boolean, refresh: () => void): HTMLElement | null {
  if (items.length === 0) return null;
  const repair = (item: StuckRecord, button: HTMLButtonElement) =>
    act(async () => {
      await api('POST', `/stuck/${item.kind}/${encodeURIComponent(item.recordId)}/repair`);
      toast(t('dashStuckRepaired', { id: item.recordId }));
      refresh();
    }, button);
  return h('section', { class: 'card stuck', 'data-testid': 'stuck' }, h('h2', null, t('dashStuck')), [
    h('p', { class: 'hint' }, t('dashStuckHint')),
    dataTable(
      [t('dashStuckRecord'), t('dashStuckReason'), t('dashStuckFound'), ...(mayRepair ? [''] : [])],
      items.map((item) => {
        const button = h('button', { type: 'button', class: 'secondary nowrap' }, t('dashStuckRepair'));
        button.onclick = () => void repair(item, button);
        return h(
          'tr',
          { 'data-testid': `stuck-${item.recordId}` },
          h('td', null, `${word('stuckKind', item.kind)} ${item.recordId}`),
          h('td', { title: item.repair }, bilingualPart(item.reason)),
          h('td', null, formatTime(item.foundAt, currentLang())),
          mayRepair ? h('td', null, button) : null,
        );
      }),
    ),
  ]);
}

/** Horizontal CSS bars, scaled to the largest value. */
function bars(
  rows: { key: string; label: string; value: number; text: string }[],
  kind: string,
  showZero = false,
): HTMLElement {
  const shown = showZero ? rows : rows.filter((r) => r.value > 0);
  if (shown.length === 0) return h('p', { class: 'empty' }, t('dashNoData'));
  const max = Math.max(1, ...shown.map((r) => r.value));
  return h(
    'div',
    { class: 'bars' },
    shown.map((r) =>
      h(
        'div',
        { class: 'bar', 'data-testid': `${kind}-${r.key}`, 'data-value': r.value },
        h('span', { class: 'bar-label' }, r.label),
        h(
          'span',
          { class: 'bar-track' },
          h('span', {
            class: 'fill',
            style: `width:${(r.value / max) * 100}%${r.value === 0 ? ';opacity:0' : ''}`,
          }),
        ),
        h('span', { class: 'num' }, r.text),
      ),
    ),
  );
}

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** Documents held per archive year, each bar stacked by business event (inline SVG). */
function yearChart(
  years: Stats['documents']['years'],
  eventCodes: string[],
  colour: (code: string) => string,
  eventName: (code: string) => string,
): HTMLElement {
  const codes = [...eventCodes, ...new Set(years.flatMap((y) => Object.keys(y.byEvent)))].filter(
    (c, i, all) => all.indexOf(c) === i,
  );
  const width = Math.max(240, years.length * 64 + 40);
  const height = 180;
  const top = 18;
  const bottom = 24;
  const max = Math.max(1, ...years.map((y) => y.held));
  const scale = (n: number) => (n / max) * (height - top - bottom);
  const chart = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    width: '100%',
    height,
    role: 'img',
    'aria-label': t('archivedByYear'),
  });
  chart.appendChild(
    svg('line', { x1: 20, x2: width - 10, y1: height - bottom, y2: height - bottom, class: 'axis' }),
  );
  years.forEach((y, i) => {
    const x = 30 + i * 64;
    let base = height - bottom;
    const group = svg('g', { 'data-testid': `year-${y.year}`, 'data-held': y.held });
    for (const code of codes) {
      const n = y.byEvent[code] ?? 0;
      if (n <= 0) continue;
      const hgt = scale(n);
      base -= hgt;
      const rect = svg('rect', { x, y: base, width: 40, height: hgt, fill: colour(code), rx: 2 });
      rect.appendChild(svg('title', {}, `${y.year} ${eventName(code)}: ${n}`));
      group.appendChild(rect);
    }
    group.appendChild(
      svg('text', { x: x + 20, y: base - 4, 'text-anchor': 'middle', class: 'bar-value' }, String(y.held)),
    );
    group.appendChild(
      svg('text', { x: x + 20, y: height - 6, 'text-anchor': 'middle', class: 'bar-year' }, String(y.year)),
    );
    chart.appendChild(group);
  });
  const wrap = h('div', { class: 'year-chart' });
  wrap.appendChild(chart);
  return wrap;
}

function legend(
  codes: string[],
  colour: (code: string) => string,
  eventName: (code: string) => string,
): HTMLElement {
  return h(
    'ul',
    { class: 'legend' },
    codes.map((c) =>
      h('li', null, h('span', { class: 'swatch', style: `background:${colour(c)}` }), eventName(c)),
    ),
  );
}

function completenessTable(s: Stats, eventName: (code: string) => string): HTMLElement {
  return dataTable(
    [
      t('businessEvent'),
      t('dashComplete'),
      { label: t('dashFirstSubmissions'), attrs: { class: 'num' } },
      { label: t('dashPassedChecks'), attrs: { class: 'num' } },
      { label: t('dashRejections'), attrs: { class: 'num' } },
      { label: t('dashArchivedSubmissions'), attrs: { class: 'num' } },
    ],
    s.completeness.byEvent.map((e) => {
      const pct = e.completeRate === null ? null : Math.round(e.completeRate * 100);
      return h(
        'tr',
        { 'data-testid': `completeness-${e.businessEvent}`, 'data-rate': pct === null ? '' : String(pct) },
        h('td', null, eventName(e.businessEvent)),
        h(
          'td',
          { class: 'rate' },
          pct === null
            ? h('span', { class: 'hint' }, '—')
            : h(
                'span',
                { class: 'rate-bar' },
                h('span', { class: 'bar-track' }, h('span', { class: 'fill', style: `width:${pct}%` })),
                h('strong', null, `${pct}%`),
                h('small', null, ` ${e.complete}/${e.firstSubmissions}`),
              ),
        ),
        h('td', { class: 'num' }, String(e.firstSubmissions)),
        h('td', { class: 'num' }, String(e.passedChecks)),
        h('td', { class: 'num' }, String(e.rejections)),
        h('td', { class: 'num' }, String(e.archived)),
      );
    }),
    { class: 'completeness' },
  );
}
