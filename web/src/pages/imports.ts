import {
  batchRowLine,
  type Outcome,
  type ReportLine,
  type RowOutcome,
  reportHead,
  reportLine,
  WAITING,
} from '../../../shared/import/report.ts';
import { api, qs } from '../api.ts';
import { badge, type Ctx, errorText, notice, pageHeader } from '../app.ts';
import { dataTable, formatTime, h, render } from '../dom.ts';
import { currentLang, t } from '../i18n.ts';
import { importWordsEn } from '../messages/en-import.ts';
import { importWords } from '../messages/zh-import.ts';
import { personName } from '../people.ts';
import { poll } from '../poll.ts';
import { keptLines } from './import-kept.ts';

/**
 * Import batches (迁移导入) for archivists: the list (`GET /imports`, newest first, the command's
 * batches too), and a batch's page: where it stands (uploads, checks, the batch review it waits
 * for and who may decide it, archiving), polled while it moves, and its report, every row with
 * its outcome and why, filterable and downloadable as the CSV the command writes beside the
 * catalogue (shared/import/report.ts writes both).
 */

export type ImportStatus = keyof typeof importWords.status;

export interface ImportBatchView {
  importId: string;
  status: ImportStatus;
  createdBy: string;
  createdAt: string;
  rows: number;
  passed: number;
  failed: number;
  archived: number;
  rejected: number;
  sample?: number[];
  reviewTaskId?: string;
  decision?: { decision: 'approve' | 'reject'; comment: string; decidedBy: string; rows: number[] };
  finishedAt?: string;
}

interface BatchRow extends RowOutcome {
  title?: string;
  file?: string;
  uploaded: boolean;
}

const words = () => (currentLang() === 'zh' ? importWords : importWordsEn);
export const importStatusBadge = (s: ImportStatus) => badge(s, words().status[s]);
const outcomeBadge = (o: Outcome) => badge(o, words().outcome[o]);
/** Rows not at an end yet: neither archived, failed nor rejected. */
const waitingOf = (b: ImportBatchView) => Math.max(0, b.rows - b.archived - b.failed - b.rejected);

/** `GET /imports`: the batches, newest first, 20 at a time. */
export function importsPage(root: HTMLElement, _params: string[], _ctx: Ctx): void {
  const tbody = h('tbody');
  const more = h('div', { class: 'form-actions' });
  const box = h(
    'section',
    { class: 'card', 'data-testid': 'imports' },
    h('p', { class: 'hint' }, t('loading')),
  );
  render(
    root,
    pageHeader(
      t('importsTitle'),
      h(
        'a',
        { class: 'button primary', href: '#/imports/new', 'data-testid': 'import-start' },
        t('importStart'),
      ),
    ),
    h('p', { class: 'hint' }, t('importsHint')),
    box,
  );
  const lang = currentLang();
  const load = async (nextToken?: string) => {
    render(more);
    try {
      const res = await api<{ items: ImportBatchView[]; nextToken?: string }>(
        'GET',
        `/imports${qs({ limit: '20', nextToken })}`,
      );
      for (const b of res.items) {
        tbody.append(
          h(
            'tr',
            { 'data-import': b.importId },
            h('td', { class: 'mono' }, h('a', { href: `#/imports/${b.importId}` }, b.importId)),
            h('td', null, importStatusBadge(b.status)),
            h('td', { class: 'num' }, String(b.rows)),
            h('td', { class: 'num' }, String(b.archived)),
            h('td', { class: 'num' }, String(b.failed + b.rejected)),
            h('td', { class: 'num' }, String(waitingOf(b))),
            h('td', null, personName(b.createdBy)),
            h('td', { class: 'nowrap' }, formatTime(b.createdAt, lang)),
          ),
        );
      }
      if (!nextToken) {
        render(
          box,
          res.items.length === 0
            ? h('p', { class: 'hint' }, t('impNone'))
            : dataTable(
                [
                  t('importBatch'),
                  t('status'),
                  t('impRows'),
                  t('impArchived'),
                  t('impFailed'),
                  t('impWaiting'),
                  t('impBy'),
                  t('impAt'),
                ],
                tbody,
                { 'data-testid': 'imports-table' },
              ),
          more,
        );
      }
      if (res.nextToken) {
        const token = res.nextToken;
        render(
          more,
          h('button', { type: 'button', class: 'secondary', onclick: () => void load(token) }, t('impMore')),
        );
      }
    } catch (err) {
      render(box, notice(errorText(err), 'error'));
    }
  };
  void load();
}

/** Every row the batch holds, a thousand at a time. */
async function batchRows(importId: string): Promise<BatchRow[]> {
  const out: BatchRow[] = [];
  let after = 0;
  for (;;) {
    const page = await api<{ items: BatchRow[]; more: boolean }>(
      'GET',
      `/imports/${importId}/rows?after=${after}&limit=1000`,
    );
    out.push(...page.items);
    after = page.items.at(-1)?.row ?? after;
    if (!page.more || page.items.length === 0) return out;
  }
}

/**
 * The report: the batch's rows where they ended, with the rows this browser's checks kept out of
 * the batch (failed, or already archived) when it started the import, in row order.
 */
function reportOf(importId: string, rows: readonly BatchRow[]): ReportLine[] {
  const held = rows.map((r) =>
    batchRowLine(
      { row: r.row, file: r.file ?? '', title: r.title ?? '', outcome: 'waiting', ...WAITING },
      r,
      importId,
    ),
  );
  const taken = new Set(held.map((l) => l.row));
  const kept = keptLines(importId).filter((l) => !taken.has(l.row));
  return [...held, ...kept].sort((a, b) => a.row - b.row);
}

function progressBar(label: string, done: number, of: number, testid: string): HTMLElement {
  return h(
    'div',
    { class: 'overall', 'data-testid': testid },
    h('span', null, label),
    h('progress', { max: Math.max(of, 1), value: done }),
    h('span', { class: 'num' }, `${done}/${of}`),
  );
}

function batchFacts(b: ImportBatchView, rows: readonly BatchRow[]): HTMLElement {
  const lang = currentLang();
  const fact = (k: string, v: Node | string | undefined) => (v ? [h('dt', null, k), h('dd', null, v)] : null);
  const decision = b.decision
    ? b.decision.decision === 'approve'
      ? t('impApproved', { who: personName(b.decision.decidedBy) })
      : t('impRejected', { who: personName(b.decision.decidedBy), comment: b.decision.comment })
    : undefined;
  return h(
    'div',
    null,
    h(
      'dl',
      { class: 'facts', 'data-testid': 'import-facts' },
      fact(t('importBatch'), h('span', { class: 'mono' }, b.importId)),
      fact(t('status'), importStatusBadge(b.status)),
      fact(t('impBy'), personName(b.createdBy)),
      fact(t('impAt'), formatTime(b.createdAt, lang)),
      fact(t('impFinishedAt'), b.finishedAt ? formatTime(b.finishedAt, lang) : undefined),
      fact(
        t('impReviewTask'),
        b.reviewTaskId
          ? h(
              'span',
              null,
              h('span', { class: 'mono', 'data-testid': 'review-task' }, b.reviewTaskId),
              ' ',
              h('small', { class: 'hint' }, t('impReviewWho')),
            )
          : undefined,
      ),
      fact(t('impSample'), b.sample?.length ? b.sample.join(', ') : undefined),
      fact(t('impDecision'), decision),
    ),
    h(
      'div',
      { class: 'card', 'data-testid': 'import-progress' },
      h('h2', null, t('impStep')),
      progressBar(t('impStepUpload'), rows.filter((r) => r.uploaded).length, b.rows, 'progress-upload'),
      progressBar(t('impStepCheck'), b.passed + b.failed, b.rows, 'progress-check'),
      progressBar(t('impStepArchive'), b.archived + b.rejected, b.passed, 'progress-archive'),
    ),
  );
}

function reportSection(b: ImportBatchView, lines: readonly ReportLine[]): HTMLElement {
  const lang = currentLang();
  const outcomes = [...new Set(lines.map((l) => l.outcome))];
  const filter = h(
    'select',
    { 'aria-label': t('impOutcome'), 'data-testid': 'report-filter', style: 'width: auto' },
    h('option', { value: '' }, t('allStatuses')),
    outcomes.map((o) => h('option', { value: o }, words().outcome[o])),
  );
  const body = h('tbody');
  const draw = () =>
    render(
      body,
      lines
        .filter((l) => !filter.value || l.outcome === filter.value)
        .map((l) =>
          h(
            'tr',
            { 'data-row': String(l.row), 'data-outcome': l.outcome },
            h('td', { class: 'num' }, String(l.row)),
            h('td', { class: 'mono' }, l.file),
            h('td', null, l.title),
            h('td', null, outcomeBadge(l.outcome)),
            h('td', { class: 'small', 'data-testid': 'reason' }, lang === 'zh' ? l.zh : l.en),
            h(
              'td',
              { class: 'mono' },
              l.documentId ? h('a', { href: `#/documents/${l.documentId}` }, l.documentId) : '',
            ),
            h('td', { class: 'mono nowrap', 'data-testid': 'archive-code' }, l.archiveCode ?? ''),
          ),
        ),
    );
  filter.addEventListener('change', draw);
  draw();
  const csv = new Blob([reportHead(), ...lines.map(reportLine)], { type: 'text/csv;charset=utf-8' });
  const download = h(
    'a',
    {
      class: 'button secondary',
      href: '#',
      download: `${b.importId}.report.csv`,
      'data-testid': 'report-download',
    },
    t('impDownload'),
  );
  // The file is made when asked for (the page redraws as the batch moves), and let go after.
  download.addEventListener('click', () => {
    const url = URL.createObjectURL(csv);
    download.href = url;
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  });
  return h(
    'section',
    { class: 'card', 'data-testid': 'import-report' },
    h('h2', null, t('impReport')),
    h('p', { class: 'hint' }, t('impReportHint')),
    h('div', { class: 'form-actions' }, filter, download),
    dataTable(
      [
        t('impRow'),
        t('impFile'),
        t('title'),
        t('impOutcome'),
        t('impReason'),
        t('impDocument'),
        t('impCode'),
      ],
      body,
      { 'data-testid': 'report-table' },
    ),
  );
}

/** `#/imports/<importId>`: the batch, followed while it moves (2 s doubling to 30 s), and its report. */
export function importPage(root: HTMLElement, params: string[], _ctx: Ctx): () => void {
  const importId = params[0] as string;
  const status = h('small', { class: 'hint', 'data-testid': 'refresh-status' });
  const body = h('div', null, h('p', { class: 'hint' }, t('loading')));
  const polling = poll(() => refresh(), { firstMs: 2000, maxMs: 30_000 });
  render(
    root,
    pageHeader(
      t('importBatch'),
      status,
      h('button', { type: 'button', class: 'secondary', onclick: () => polling.again() }, t('refresh')),
    ),
    body,
  );
  let shownFilter = '';
  async function refresh(): Promise<boolean> {
    try {
      const b = await api<ImportBatchView>('GET', `/imports/${importId}`);
      const rows = await batchRows(importId);
      shownFilter =
        (body.querySelector('[data-testid="report-filter"]') as HTMLSelectElement | null)?.value ??
        shownFilter;
      render(body, batchFacts(b, rows), reportSection(b, reportOf(importId, rows)));
      const filter = body.querySelector('[data-testid="report-filter"]') as HTMLSelectElement;
      if (shownFilter && [...filter.options].some((o) => o.value === shownFilter)) {
        filter.value = shownFilter;
        filter.dispatchEvent(new Event('change'));
      }
      status.textContent = `${t('refreshed')} ${formatTime(new Date().toISOString(), currentLang())}`;
      return b.status !== 'DONE';
    } catch (err) {
      render(body, notice(errorText(err), 'error'));
      return true;
    }
  }
  void refresh();
  return () => polling.stop();
}
