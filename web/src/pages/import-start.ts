import { ArchiveLookup } from '../../../shared/import/archive-lookup.ts';
import { catalogueRows } from '../../../shared/import/catalogue.ts';
import { type CheckedResult, checkCatalogue } from '../../../shared/import/check.ts';
import { checkDay } from '../../../shared/import/dates.ts';
import { importIdFor, sha256Hex } from '../../../shared/import/import-id.ts';
import { CatalogueFailure } from '../../../shared/import/problems.ts';
import type { ReportLine } from '../../../shared/import/report.ts';
import type { ImportScheme } from '../../../shared/import/scheme-terms.ts';
import { api } from '../api.ts';
import { type Ctx, errorText, field, notice, pageHeader } from '../app.ts';
import { button, dataTable, formatBytes, h, render } from '../dom.ts';
import { currentLang, t } from '../i18n.ts';
import { catalogueLines, scanReader, scansByPath } from './import-files.ts';
import { keepLines } from './import-kept.ts';
import { importRows } from './import-upload.ts';

/**
 * `#/imports/new`: an archivist chooses a catalogue and its scans; every row is checked by the
 * command's own rules (shared/import/) before anything is written, the problems shown per row in
 * the reader's language; after a fix the files are chosen again and checked again. Then the good
 * rows are imported (import-upload.ts) and the page moves to the batch's page.
 */

/** Rows whose scans are read and whose customers are asked about at once. */
const CONCURRENCY = 4;

export interface Checked {
  importId: string;
  catalogueSha256: string;
  good: CheckedResult[];
  /** The rows the batch will not hold (failed, or already archived), for its report. */
  kept: ReportLine[];
  /** The scans as chosen when checked: the ones uploaded. */
  scans: ReadonlyMap<string, File>;
}

const lineOf = (r: CheckedResult): ReportLine => ({
  row: r.row,
  file: r.file,
  title: r.title,
  outcome: r.outcome === 'ok' ? 'waiting' : r.outcome,
  zh: r.problems.map((p) => p.zh).join('；') || (r.note?.zh ?? ''),
  en: r.problems.map((p) => p.en).join('; ') || (r.note?.en ?? ''),
  ...(r.documentId ? { documentId: r.documentId } : {}),
  ...(r.archiveCode ? { archiveCode: r.archiveCode } : {}),
});

export function importStartPage(root: HTMLElement, _params: string[], _ctx: Ctx): void {
  const catalogue = h('input', {
    type: 'file',
    accept: '.csv,.xlsx',
    name: 'catalogue',
    'data-testid': 'import-catalogue',
  });
  const folder = h('input', {
    type: 'file',
    multiple: true,
    webkitdirectory: true,
    name: 'scans',
    'data-testid': 'import-folder',
  });
  const files = h('input', { type: 'file', multiple: true, name: 'files', 'data-testid': 'import-files' });
  const chosen = h('small', { class: 'hint', 'data-testid': 'import-chosen' });
  const scans = () => scansByPath([...(folder.files ?? []), ...(files.files ?? [])]);
  const showChosen = () => {
    chosen.textContent = t('impChosen', { n: scans().size });
  };
  folder.addEventListener('change', showChosen);
  files.addEventListener('change', showChosen);
  const result = h('section', { 'data-testid': 'import-check' });
  const check = button(t('impCheck'), { class: 'primary', 'data-testid': 'import-check-run' });
  check.addEventListener('click', () => void runCheck());
  render(
    root,
    pageHeader(t('importStart')),
    h('p', { class: 'hint' }, t('impStartHint')),
    h(
      'section',
      { class: 'card' },
      field(t('impCatalogue'), catalogue, 'catalogue'),
      field(t('impScansFolder'), folder, 'scans'),
      field(t('impScansFiles'), files, 'files'),
      chosen,
      h('div', { class: 'form-actions' }, check),
    ),
    result,
  );

  async function runCheck(): Promise<void> {
    const file = catalogue.files?.[0];
    if (!file) return void render(result, notice(t('impChooseCatalogue'), 'error', 'import-error'));
    check.disabled = true;
    const counter = h('p', { class: 'hint', 'data-testid': 'import-checking' }, t('impChecking', { row: 0 }));
    render(result, counter);
    try {
      const checked = await checkFiles(file, scans(), (row) => {
        counter.textContent = t('impChecking', { row });
      });
      showChecked(checked);
    } catch (err) {
      const why =
        err instanceof CatalogueFailure ? (currentLang() === 'zh' ? err.zh : err.en) : errorText(err);
      render(result, notice(t('impCatalogueFailed', { why }), 'error', 'import-error'));
    } finally {
      check.disabled = false;
    }
  }

  function showChecked(c: Checked): void {
    const failed = c.kept.filter((l) => l.outcome === 'failed');
    const already = c.kept.length - failed.length;
    const rows = c.good.length + c.kept.length;
    const go = button(t('impGo', { n: c.good.length }), { class: 'primary', 'data-testid': 'import-go' });
    go.disabled = c.good.length === 0;
    const progress = h('div', { 'data-testid': 'import-progress' });
    go.addEventListener('click', () => {
      go.disabled = true;
      check.disabled = true;
      keepLines(c.importId, c.kept);
      void importRows(c, progress, c.scans).then(
        () => {
          location.hash = `#/imports/${c.importId}`;
        },
        (err: unknown) => {
          render(progress, notice(errorText(err), 'error', 'import-error'));
          go.disabled = false;
          check.disabled = false;
        },
      );
    });
    const lang = currentLang();
    render(
      result,
      h(
        'section',
        { class: 'card' },
        notice(
          t('impSummary', { rows, ok: c.good.length, already, failed: failed.length }),
          failed.length > 0 ? 'error' : 'ok',
          'import-summary',
        ),
        failed.length > 0
          ? [
              h('p', { class: 'hint' }, t('impFixHint')),
              dataTable(
                [t('impRow'), t('impFile'), t('title'), t('impReason')],
                failed.map((l) =>
                  h(
                    'tr',
                    { 'data-row': String(l.row) },
                    h('td', { class: 'num' }, String(l.row)),
                    h('td', { class: 'mono' }, l.file),
                    h('td', null, l.title),
                    h('td', { class: 'small', 'data-testid': 'problems' }, lang === 'zh' ? l.zh : l.en),
                  ),
                ),
                { 'data-testid': 'import-problems' },
              ),
            ]
          : h('p', { class: 'hint' }, t('impAllGood')),
        h(
          'div',
          { class: 'form-actions' },
          go,
          h('small', { class: 'hint' }, formatBytes(c.good.reduce((n, r) => n + (r.size ?? 0), 0))),
        ),
        progress,
      ),
    );
  }
}

/** Every row of the catalogue checked against the scheme, the chosen scans and the archive. */
async function checkFiles(
  file: File,
  scans: ReadonlyMap<string, File>,
  onRow: (row: number) => void,
): Promise<Checked> {
  const scheme = await api<ImportScheme>('GET', '/scheme');
  const catalogueSha256 = await sha256Hex(await file.arrayBuffer());
  const importId = await importIdFor(catalogueSha256);
  const results = checkCatalogue(catalogueRows(catalogueLines(file)), {
    scheme,
    scan: scanReader(scans, scheme.limits.maxDocumentBytes),
    lookup: new ArchiveLookup({ get: <T>(path: string) => api<T>('GET', path) }, scheme),
    today: checkDay(new Date()),
    concurrency: CONCURRENCY,
    importId,
  });
  const good: CheckedResult[] = [];
  const kept: ReportLine[] = [];
  for await (const r of results) {
    if (r.outcome === 'ok') good.push(r);
    else kept.push(lineOf(r));
    onRow(r.row);
  }
  return { importId, catalogueSha256, good, kept, scans };
}
