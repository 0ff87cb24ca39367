import { errorText } from '../../app.ts';
import { formatBytes, h, render } from '../../dom.ts';
import { t } from '../../i18n.ts';
import { sha256Hex } from '../../upload.ts';
import {
  addFiles,
  allowedTypes,
  defaultTitle,
  draft,
  fileFailed,
  hashed,
  locked,
  percent,
  type Row,
  removeFile,
  rowProblem,
  setTitle,
  setType,
} from './draft.ts';
import { type ClerkView, typeName } from './view.ts';

export interface FilesStep {
  box: HTMLElement;
  draw: () => void;
  drawRows: () => void;
  drawRow: (r: Row) => void;
  updateProgress: (r: Row) => void;
}

/**
 * Step 3 of the clerk's page: the scans, dropped or picked, each with its type, title, size and
 * progress on its way to storage (its SHA-256 is computed here first), and the overall progress.
 */
export function filesStep(view: ClerkView): FilesStep {
  const { root, scheme, steps } = view;
  const box = h('section', { class: 'card', 'data-testid': 'files-step' });

  async function add(files: FileList | File[]): Promise<void> {
    if (locked()) return;
    const added = addFiles(scheme, Array.from(files));
    drawRows();
    steps.checklist();
    steps.actions();
    for (const row of added) {
      try {
        hashed(row, await sha256Hex(row.file));
      } catch (err) {
        fileFailed(row, 'invalid', errorText(err));
      }
      drawRow(row);
      steps.checklist();
      steps.actions();
    }
  }

  function draw(): void {
    const picker = h('input', {
      type: 'file',
      multiple: true,
      accept: scheme.contentTypes.join(','),
      hidden: true,
      'data-testid': 'file-input',
    });
    picker.addEventListener('change', () => {
      if (picker.files) void add(picker.files);
      picker.value = '';
    });
    const drop = h(
      'div',
      {
        class: `dropzone${locked() ? ' disabled' : ''}`,
        tabindex: 0,
        role: 'button',
        'data-testid': 'dropzone',
        onclick: () => !locked() && picker.click(),
        onkeydown: (e: Event) => {
          if ((e as KeyboardEvent).key === 'Enter' && !locked()) picker.click();
        },
      },
      h('strong', null, t('dropHere')),
      h('small', null, t('dropHint', { max: formatBytes(scheme.limits.maxDocumentBytes) })),
      picker,
    );
    drop.addEventListener('dragover', (e) => {
      e.preventDefault();
      drop.classList.add('over');
    });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', (e) => {
      e.preventDefault();
      drop.classList.remove('over');
      if (e.dataTransfer?.files.length) void add(e.dataTransfer.files);
    });
    render(
      box,
      h('h2', null, t('step3')),
      drop,
      h(
        'table',
        { class: 'files', 'data-testid': 'files' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', null, t('fileName')),
            h('th', null, t('docType')),
            h('th', null, t('title')),
            h('th', null, t('size')),
            h('th', { class: 'progress-col' }, t('progress')),
            h('th', null, ''),
          ),
        ),
        h('tbody', { id: 'rows' }),
      ),
      h(
        'div',
        { class: 'overall', 'data-testid': 'overall' },
        h('span', null, t('overall')),
        h('progress', { id: 'overall-bar', max: 100, value: 0 }),
        h('span', { id: 'overall-text' }, ''),
      ),
    );
    drawRows();
  }

  function drawRows(): void {
    const body = root.querySelector('#rows');
    if (!body) return;
    render(body, draft().rows.map(rowElement));
    drawOverall();
  }

  function drawRow(r: Row): void {
    const old = root.querySelector(`tr[data-row="${r.id}"]`);
    if (old) old.replaceWith(rowElement(r));
    drawOverall();
  }

  function statusText(r: Row): string {
    switch (r.state) {
      case 'hashing':
        return t('hashing');
      case 'ready':
        return rowProblem(scheme, r) ?? t('ready');
      case 'invalid':
        return r.error ?? t('invalid');
      case 'uploading':
        return `${t('uploading')} ${percent(r)}%`;
      case 'retrying':
        return t('retrying', { n: r.attempt });
      case 'sent':
        return r.apiStatus === 'UPLOADED' ? t('uploaded') : t('waitingForStorage');
      case 'failed':
        return `${t('failed')}: ${r.error ?? ''}`;
    }
  }

  function rowElement(r: Row): HTMLElement {
    const index = draft().rows.indexOf(r);
    const allowed = allowedTypes(scheme);
    const select = h(
      'select',
      { 'aria-label': t('docType'), disabled: locked(), 'data-field': `documents.${index}.docType` },
      h('option', { value: '' }, t('chooseType')),
      (allowed.length ? allowed : scheme.documentTypes.map((d) => d.code)).map((code) =>
        h('option', { value: code, selected: code === r.docType }, typeName(scheme, code)),
      ),
    );
    select.addEventListener('change', () => {
      setType(r, select.value);
      drawRow(r);
      steps.checklist();
      steps.actions();
    });
    const title = h('input', {
      'aria-label': t('title'),
      value: r.title || defaultTitle(scheme, r),
      disabled: locked(),
      'data-field': `documents.${index}.title`,
    });
    title.addEventListener('input', () => setTitle(r, title.value));
    const problem = r.state === 'ready' ? rowProblem(scheme, r) : undefined;
    const stateClass = problem
      ? 'invalid'
      : r.state === 'sent' && r.apiStatus === 'UPLOADED'
        ? 'done'
        : r.state;
    return h(
      'tr',
      { 'data-row': r.id, 'data-state': stateClass, class: `row-${stateClass}` },
      h(
        'td',
        { class: 'file' },
        h('span', { class: 'name' }, r.file.name),
        h('small', { class: 'mono' }, r.contentType),
      ),
      h('td', null, h('div', { class: 'field' }, select, h('div', { class: 'field-error' }))),
      h('td', null, h('div', { class: 'field' }, title, h('div', { class: 'field-error' }))),
      h('td', { class: 'num' }, formatBytes(r.file.size)),
      h(
        'td',
        { class: 'progress-col' },
        h('progress', { max: 100, value: r.state === 'sent' ? 100 : percent(r), 'aria-label': r.file.name }),
        h('small', { class: 'row-status' }, statusText(r)),
      ),
      h(
        'td',
        { class: 'row-actions' },
        r.state === 'failed' && draft().submissionId
          ? h('button', { type: 'button', class: 'small', onclick: () => void steps.upload([r]) }, t('retry'))
          : null,
        locked()
          ? null
          : h(
              'button',
              {
                type: 'button',
                class: 'small link',
                onclick: () => {
                  removeFile(r);
                  drawRows();
                  steps.checklist();
                  steps.actions();
                },
              },
              t('remove'),
            ),
      ),
    );
  }

  function drawOverall(): void {
    const bar = root.querySelector<HTMLProgressElement>('#overall-bar');
    const text = root.querySelector('#overall-text');
    if (!bar || !text) return;
    const { rows } = draft();
    const total = rows.reduce((s, r) => s + r.file.size, 0);
    const sent = rows.reduce((s, r) => s + (r.state === 'sent' ? r.file.size : r.sent), 0);
    const pct = total === 0 ? 0 : Math.round((sent / total) * 100);
    bar.value = pct;
    const done = rows.filter((r) => r.state === 'sent').length;
    text.textContent = `${pct}% · ${done}/${rows.length} · ${formatBytes(sent)} / ${formatBytes(total)}`;
  }

  /** Cheap progress update: only the bar and text of one row and the overall bar. */
  function updateProgress(r: Row): void {
    const tr = root.querySelector(`tr[data-row="${r.id}"]`);
    const bar = tr?.querySelector('progress');
    if (bar) bar.value = percent(r);
    const text = tr?.querySelector('.row-status');
    if (text) text.textContent = statusText(r);
    drawOverall();
  }

  return { box, draw, drawRows, drawRow, updateProgress };
}
