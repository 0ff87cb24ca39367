import {
  ApiError,
  api,
  type Customer,
  qs,
  type SubmissionListItem,
  type SubmissionView,
  type Upload,
} from '../api.ts';
import {
  badge,
  type Ctx,
  clearFieldErrors,
  errorText,
  field,
  notice,
  pageHeader,
  showFieldErrors,
} from '../app.ts';
import { dataTable, formatBytes, formatTime, h, render, toast } from '../dom.ts';
import { currentLang, named, t, word } from '../i18n.ts';
import { contentTypeOf, putWithRetry, runLimited, sha256Hex } from '../upload.ts';

/**
 * The clerk's page (档案移交): find or register the customer, pick the business event, see the
 * scheme's required documents as a checklist, drop the scans, upload each one straight to
 * storage with its progress, and submit the batch for review.
 */

type RowState = 'hashing' | 'ready' | 'invalid' | 'uploading' | 'retrying' | 'sent' | 'failed';

interface Row {
  id: number;
  file: File;
  contentType: string;
  docType: string;
  title: string;
  titleTouched: boolean;
  sha256?: string;
  state: RowState;
  sent: number;
  attempt: number;
  error?: string;
  documentId?: string;
  upload?: Upload;
  /** Status the API reports for the document (PENDING_UPLOAD, UPLOADED). */
  apiStatus?: string;
}

interface Draft {
  customer?: Customer;
  event?: string;
  rows: Row[];
  submissionId?: string;
  uploading: boolean;
  submitting: boolean;
}

let nextRowId = 1;
/** Kept while the console is open, so a language switch or a visit elsewhere loses nothing. */
let draft: Draft = { rows: [], uploading: false, submitting: false };

export function clerkPage(root: HTMLElement, _params: string[], ctx: Ctx): () => void {
  const { scheme } = ctx;
  const event = () => scheme.businessEvents.find((e) => e.code === draft.event);
  const typeName = (code: string) => named(scheme.documentTypes.find((d) => d.code === code)?.name, code);
  const locked = () => draft.submissionId !== undefined;
  let poll: ReturnType<typeof setInterval> | undefined;

  // ---- Customer ------------------------------------------------------------------------------
  const customerBox = h('section', { class: 'card', 'data-testid': 'customer-step' });

  function drawCustomer(): void {
    if (draft.customer) {
      const c = draft.customer;
      render(
        customerBox,
        h('h2', null, t('step1')),
        h(
          'div',
          { class: 'chosen', 'data-testid': 'chosen-customer' },
          h('strong', null, c.name),
          h('span', { class: 'mono' }, c.customerNo),
          h('span', null, named(scheme.customerTypes.find((x) => x.code === c.type)?.name, c.type)),
          locked()
            ? null
            : h(
                'button',
                {
                  type: 'button',
                  class: 'link',
                  onclick: () => {
                    draft.customer = undefined;
                    drawCustomer();
                    drawActions();
                  },
                },
                t('change'),
              ),
        ),
      );
      return;
    }
    const q = h('input', {
      type: 'search',
      name: 'q',
      placeholder: t('findCustomerHint'),
      'data-testid': 'customer-q',
    });
    const results = h('div', { class: 'results' });
    const find = async () => {
      if (!q.value.trim()) return;
      render(results, h('p', { class: 'hint' }, t('loading')));
      try {
        const found = await api<{ items: Customer[] }>('GET', `/customers${qs({ q: q.value.trim() })}`);
        if (found.items.length === 0) {
          render(results, h('p', { class: 'hint' }, t('noCustomerFound')));
          return;
        }
        render(
          results,
          h(
            'ul',
            { class: 'list' },
            found.items.map((c) =>
              h(
                'li',
                null,
                h('span', { class: 'mono' }, c.customerNo),
                h('span', null, c.name),
                h(
                  'button',
                  {
                    type: 'button',
                    onclick: () => {
                      draft.customer = c;
                      drawCustomer();
                      drawActions();
                    },
                  },
                  t('select'),
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
    const formHost = h('div');
    render(
      customerBox,
      h('h2', null, t('step1')),
      h(
        'div',
        { class: 'row' },
        q,
        h('button', { type: 'button', onclick: () => void find() }, t('search')),
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            'data-testid': 'new-customer',
            onclick: () => render(formHost, customerForm()),
          },
          t('newCustomer'),
        ),
      ),
      results,
      formHost,
    );
  }

  function customerForm(): HTMLElement {
    const input = (name: string) => h('input', { name, autocomplete: 'off' });
    const no = input('customerNo');
    const name = input('name');
    const type = h(
      'select',
      { name: 'type' },
      scheme.customerTypes.map((c) => h('option', { value: c.code }, named(c.name, c.code))),
    );
    const idNumber = input('idNumber');
    const phone = input('phone');
    const address = input('address');
    const general = h('div', { class: 'form-error', role: 'alert' });
    const form = h(
      'form',
      { class: 'grid-form', 'data-testid': 'customer-form', novalidate: true },
      field(t('customerNo'), no, 'customerNo'),
      field(t('customerName'), name, 'name'),
      field(t('customerType'), type, 'type'),
      field(t('idNumber'), idNumber, 'idNumber'),
      field(t('phone'), phone, 'phone'),
      field(t('address'), address, 'address'),
      general,
      h(
        'div',
        { class: 'form-actions' },
        h('button', { type: 'submit', class: 'primary' }, t('createCustomer')),
      ),
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearFieldErrors(form);
      general.textContent = '';
      const body: Record<string, string> = {
        customerNo: no.value.trim(),
        name: name.value.trim(),
        type: type.value,
      };
      for (const [k, el] of [
        ['idNumber', idNumber],
        ['phone', phone],
        ['address', address],
      ] as const) {
        if (el.value.trim()) body[k] = el.value.trim();
      }
      try {
        draft.customer = await api<Customer>('POST', '/customers', body);
        toast(t('customerCreated'));
        drawCustomer();
        drawActions();
      } catch (err) {
        general.textContent = showFieldErrors(form, err).join('；');
      }
    });
    return form;
  }

  // ---- Business event and checklist --------------------------------------------------------
  const eventBox = h('section', { class: 'card', 'data-testid': 'event-step' });

  function drawEvent(): void {
    const select = h(
      'select',
      { name: 'businessEvent', 'data-testid': 'event', disabled: locked() },
      h('option', { value: '' }, t('chooseEvent')),
      scheme.businessEvents.map((e) =>
        h('option', { value: e.code, selected: e.code === draft.event }, `${named(e.name)} (${e.code})`),
      ),
    );
    select.addEventListener('change', () => {
      draft.event = select.value || undefined;
      for (const r of draft.rows)
        if (!r.docType || !allowedTypes().includes(r.docType)) r.docType = guessType(r.file.name, r);
      drawChecklist();
      drawRows();
      drawActions();
    });
    render(
      eventBox,
      h('h2', null, t('step2')),
      field(t('businessEvent'), select, 'businessEvent'),
      h('div', { id: 'checklist' }),
    );
    drawChecklist();
  }

  const allowedTypes = (): string[] => {
    const e = event();
    return e ? [...e.required, ...e.optional] : [];
  };

  const missingRequired = (): string[] => {
    const e = event();
    if (!e) return [];
    const have = new Set(draft.rows.map((r) => r.docType));
    return e.required.filter((code) => !have.has(code));
  };

  function drawChecklist(): void {
    const host = root.querySelector('#checklist');
    const e = event();
    if (!host) return;
    if (!e) {
      render(host);
      return;
    }
    const have = new Set(draft.rows.map((r) => r.docType));
    const missing = missingRequired();
    const item = (code: string, required: boolean) =>
      h(
        'li',
        { class: have.has(code) ? 'done' : required ? 'missing' : '', 'data-doctype': code },
        h('span', { class: 'tick', 'aria-hidden': 'true' }, have.has(code) ? '✓' : required ? '○' : '·'),
        h('span', null, typeName(code)),
        h('small', null, required ? t('requiredDoc') : t('optionalDoc')),
      );
    render(
      host,
      h('h3', null, t('checklist')),
      h(
        'ul',
        { class: 'checklist', 'data-testid': 'checklist' },
        e.required.map((c) => item(c, true)),
        e.optional.map((c) => item(c, false)),
      ),
      missing.length === 0
        ? notice(t('checklistComplete'), 'ok')
        : notice(t('checklistIncomplete', { missing: missing.map(typeName).join('、') }), 'info'),
    );
  }

  function guessType(fileName: string, self?: Row): string {
    const allowed = allowedTypes();
    const lower = fileName.toLowerCase();
    const byName = allowed.find((code) => {
      const d = scheme.documentTypes.find((x) => x.code === code);
      return (
        lower.includes(code.toLowerCase()) ||
        (d && (fileName.includes(d.name.zh) || lower.includes(d.name.en.toLowerCase())))
      );
    });
    if (byName) return byName;
    const taken = new Set(draft.rows.filter((r) => r !== self).map((r) => r.docType));
    const e = event();
    return e?.required.find((c) => !taken.has(c)) ?? e?.optional.find((c) => !taken.has(c)) ?? '';
  }

  // ---- Files -----------------------------------------------------------------------------------
  const filesBox = h('section', { class: 'card', 'data-testid': 'files-step' });

  function rowProblem(r: Row): string | undefined {
    if (!scheme.contentTypes.includes(r.contentType)) return t('typeNotAllowed', { type: r.contentType });
    if (r.file.size > scheme.limits.maxDocumentBytes)
      return t('tooLarge', { max: formatBytes(scheme.limits.maxDocumentBytes) });
    if (r.file.size === 0) return t('invalid');
    if (!r.docType) return t('chooseType');
    if (draft.event && !allowedTypes().includes(r.docType)) return t('typeNotInEvent');
    return undefined;
  }

  async function addFiles(files: FileList | File[]): Promise<void> {
    if (locked()) return;
    const added: Row[] = [];
    for (const file of Array.from(files)) {
      const row: Row = {
        id: nextRowId++,
        file,
        contentType: contentTypeOf(file),
        docType: '',
        title: '',
        titleTouched: false,
        state: 'hashing',
        sent: 0,
        attempt: 0,
      };
      row.docType = guessType(file.name);
      draft.rows.push(row);
      added.push(row);
    }
    drawRows();
    drawChecklist();
    drawActions();
    for (const row of added) {
      try {
        row.sha256 = await sha256Hex(row.file);
        row.state = 'ready';
      } catch (err) {
        row.state = 'invalid';
        row.error = errorText(err);
      }
      drawRow(row);
      drawActions();
    }
  }

  function drawFiles(): void {
    const picker = h('input', {
      type: 'file',
      multiple: true,
      accept: scheme.contentTypes.join(','),
      hidden: true,
      'data-testid': 'file-input',
    });
    picker.addEventListener('change', () => {
      if (picker.files) void addFiles(picker.files);
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
      if (e.dataTransfer?.files.length) void addFiles(e.dataTransfer.files);
    });
    render(
      filesBox,
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
    render(body, draft.rows.map(rowElement));
    drawOverall();
  }

  function drawRow(r: Row): void {
    const old = root.querySelector(`tr[data-row="${r.id}"]`);
    if (old) old.replaceWith(rowElement(r));
    drawOverall();
  }

  function rowStatusText(r: Row): string {
    switch (r.state) {
      case 'hashing':
        return t('hashing');
      case 'ready':
        return rowProblem(r) ?? t('ready');
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

  const percent = (r: Row) => (r.file.size === 0 ? 0 : Math.round((r.sent / r.file.size) * 100));

  function rowElement(r: Row): HTMLElement {
    const index = draft.rows.indexOf(r);
    const allowed = allowedTypes();
    const select = h(
      'select',
      { 'aria-label': t('docType'), disabled: locked(), 'data-field': `documents.${index}.docType` },
      h('option', { value: '' }, t('chooseType')),
      (allowed.length ? allowed : scheme.documentTypes.map((d) => d.code)).map((code) =>
        h('option', { value: code, selected: code === r.docType }, typeName(code)),
      ),
    );
    select.addEventListener('change', () => {
      r.docType = select.value;
      if (!r.titleTouched) r.title = '';
      drawRow(r);
      drawChecklist();
      drawActions();
    });
    const title = h('input', {
      'aria-label': t('title'),
      value: r.title || defaultTitle(r),
      disabled: locked(),
      'data-field': `documents.${index}.title`,
    });
    title.addEventListener('input', () => {
      r.title = title.value;
      r.titleTouched = true;
    });
    const problem = r.state === 'ready' ? rowProblem(r) : undefined;
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
        h('small', { class: 'row-status' }, rowStatusText(r)),
      ),
      h(
        'td',
        { class: 'row-actions' },
        r.state === 'failed' && draft.submissionId
          ? h('button', { type: 'button', class: 'small', onclick: () => void uploadRows([r]) }, t('retry'))
          : null,
        locked()
          ? null
          : h(
              'button',
              {
                type: 'button',
                class: 'small link',
                onclick: () => {
                  draft.rows = draft.rows.filter((x) => x !== r);
                  drawRows();
                  drawChecklist();
                  drawActions();
                },
              },
              t('remove'),
            ),
      ),
    );
  }

  function defaultTitle(r: Row): string {
    if (!r.docType) return '';
    const d = scheme.documentTypes.find((x) => x.code === r.docType);
    return d ? d.name.zh : r.docType;
  }

  function drawOverall(): void {
    const bar = root.querySelector<HTMLProgressElement>('#overall-bar');
    const text = root.querySelector('#overall-text');
    if (!bar || !text) return;
    const total = draft.rows.reduce((s, r) => s + r.file.size, 0);
    const sent = draft.rows.reduce((s, r) => s + (r.state === 'sent' ? r.file.size : r.sent), 0);
    const pct = total === 0 ? 0 : Math.round((sent / total) * 100);
    bar.value = pct;
    const done = draft.rows.filter((r) => r.state === 'sent').length;
    text.textContent = `${pct}% · ${done}/${draft.rows.length} · ${formatBytes(sent)} / ${formatBytes(total)}`;
  }

  // ---- Creating, uploading, submitting ---------------------------------------------------------
  const actionsBox = h('section', { class: 'card actions-card', 'data-testid': 'actions' });

  const canCreate = () =>
    !locked() &&
    !draft.uploading &&
    draft.customer !== undefined &&
    draft.event !== undefined &&
    draft.rows.length > 0 &&
    draft.rows.every((r) => r.state === 'ready' && rowProblem(r) === undefined) &&
    missingRequired().length === 0;

  const allConfirmed = () =>
    locked() && draft.rows.every((r) => r.state === 'sent' && r.apiStatus === 'UPLOADED');

  function drawActions(): void {
    const failed = draft.rows.filter((r) => r.state === 'failed').length;
    const general = h('div', { class: 'form-error', role: 'alert', id: 'create-error' });
    render(
      actionsBox,
      failed > 0 ? notice(t('someFailed', { n: failed }), 'error') : null,
      allConfirmed() ? notice(t('allUploaded'), 'ok') : null,
      general,
      h(
        'div',
        { class: 'form-actions' },
        locked()
          ? null
          : h(
              'button',
              {
                type: 'button',
                class: 'primary',
                disabled: !canCreate(),
                'data-testid': 'upload',
                onclick: () => void create(),
              },
              t('uploadAll'),
            ),
        locked()
          ? h(
              'button',
              {
                type: 'button',
                class: 'primary',
                disabled: !allConfirmed() || draft.submitting,
                'data-testid': 'submit',
                onclick: () => void submit(),
              },
              t('submit'),
            )
          : null,
        locked() && draft.submissionId
          ? h(
              'a',
              { class: 'button secondary', href: `#/submissions/${draft.submissionId}` },
              `${t('submission')} ${draft.submissionId.slice(0, 8)}`,
            )
          : null,
      ),
    );
  }

  async function create(): Promise<void> {
    const customer = draft.customer;
    if (!canCreate() || !customer || !draft.event) return;
    draft.uploading = true;
    drawActions();
    for (const r of draft.rows) if (!r.title.trim()) r.title = defaultTitle(r);
    try {
      const created = await api<{
        submissionId: string;
        documents: { documentId: string; upload: Upload }[];
      }>('POST', '/submissions', {
        customerId: customer.customerId,
        businessEvent: draft.event,
        documents: draft.rows.map((r) => ({
          docType: r.docType,
          title: r.title.trim(),
          fileName: r.file.name,
          contentType: r.contentType,
          size: r.file.size,
          sha256: r.sha256,
        })),
      });
      draft.submissionId = created.submissionId;
      created.documents.forEach((d, i) => {
        const r = draft.rows[i];
        if (r) {
          r.documentId = d.documentId;
          r.upload = d.upload;
        }
      });
    } catch (err) {
      draft.uploading = false;
      drawActions();
      const form = root;
      const messages = showFieldErrors(form, err);
      const slot = root.querySelector('#create-error');
      if (slot) slot.textContent = messages.join('；');
      return;
    }
    drawCustomer();
    drawEvent();
    drawFiles();
    drawActions();
    await uploadRows(draft.rows);
  }

  async function uploadRows(rows: Row[]): Promise<void> {
    draft.uploading = true;
    const submissionId = draft.submissionId;
    await runLimited(rows, 3, async (r) => {
      if (!r.upload || !r.documentId || !submissionId) return;
      r.state = 'uploading';
      r.error = undefined;
      r.attempt = 1;
      drawRow(r);
      try {
        r.upload = await putWithRetry(
          r.upload,
          r.file,
          (sent) => {
            r.sent = sent;
            updateProgress(r);
          },
          {
            renew: async () => {
              const res = await api<{ upload: Upload }>(
                'POST',
                `/submissions/${submissionId}/documents/${r.documentId}/upload-url`,
                { fileName: r.file.name, contentType: r.contentType, size: r.file.size, sha256: r.sha256 },
              );
              return res.upload;
            },
            onRetry: (attempt) => {
              r.attempt = attempt;
              r.state = 'retrying';
              drawRow(r);
            },
          },
        );
        r.state = 'sent';
      } catch (err) {
        r.state = 'failed';
        r.error = err instanceof Error ? err.message : String(err);
      }
      drawRow(r);
    });
    draft.uploading = false;
    drawActions();
    startPolling();
  }

  /** Cheap progress update: only the bar and text of one row and the overall bar. */
  function updateProgress(r: Row): void {
    const tr = root.querySelector(`tr[data-row="${r.id}"]`);
    const bar = tr?.querySelector('progress');
    if (bar) bar.value = percent(r);
    const text = tr?.querySelector('.row-status');
    if (text) text.textContent = rowStatusText(r);
    drawOverall();
  }

  /** Storage tells the API about each upload asynchronously; the page follows until all are seen. */
  function startPolling(): void {
    if (poll || !draft.submissionId) return;
    const id = draft.submissionId;
    const tick = async () => {
      try {
        const s = await api<SubmissionView>('GET', `/submissions/${id}`);
        for (const d of s.documents) {
          const r = draft.rows.find((x) => x.documentId === d.documentId);
          if (r && r.apiStatus !== d.status) {
            r.apiStatus = d.status;
            drawRow(r);
          }
        }
        drawActions();
        if (allConfirmed() && poll) {
          clearInterval(poll);
          poll = undefined;
        }
      } catch {
        // the next tick tries again
      }
    };
    poll = setInterval(() => void tick(), 1000);
    void tick();
  }

  async function submit(): Promise<void> {
    if (!draft.submissionId) return;
    draft.submitting = true;
    drawActions();
    const id = draft.submissionId;
    try {
      await api('POST', `/submissions/${id}/submit`);
      toast(t('submitted'));
      draft = { rows: [], uploading: false, submitting: false };
      location.hash = `#/submissions/${id}`;
    } catch (err) {
      draft.submitting = false;
      drawActions();
      const slot = root.querySelector('#create-error');
      if (slot) slot.textContent = err instanceof ApiError ? errorText(err) : String(err);
    }
  }

  // ---- The clerk's own submissions (GET /submissions) -----------------------------------------
  const recentBox = h('section', { class: 'card', 'data-testid': 'my-submissions' });
  let listStatus = '';
  async function drawRecent(): Promise<void> {
    const filter = h(
      'select',
      {
        'aria-label': t('status'),
        'data-testid': 'my-submissions-status',
        style: 'flex: 0 0 auto; width: auto',
      },
      h('option', { value: '' }, t('allStatuses')),
      ['DRAFT', 'SUBMITTED', 'VALIDATED', 'IN_REVIEW', 'ARCHIVED', 'REJECTED'].map((st) =>
        h('option', { value: st, selected: st === listStatus }, word('st', st)),
      ),
    );
    filter.addEventListener('change', () => {
      listStatus = filter.value;
      void drawRecent();
    });
    const body = h('tbody');
    const footer = h('div', { class: 'form-actions' });
    render(
      recentBox,
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
                h('span', null, s.rejection.reason),
                ' ',
                h('a', { href: `#/submissions/${s.submissionId}`, 'data-testid': 'fix' }, t('fixLink')),
              ]
            : '',
        ),
      );
    };
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

  render(
    root,
    pageHeader(
      t('navUpload'),
      locked()
        ? h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              onclick: () => {
                draft = { rows: [], uploading: false, submitting: false };
                ctx.rerender();
              },
            },
            t('newSubmission'),
          )
        : null,
    ),
    h(
      'div',
      { class: 'clerk-grid' },
      h('div', { class: 'col' }, customerBox, eventBox),
      h('div', { class: 'col wide' }, filesBox, actionsBox),
    ),
    recentBox,
  );
  drawCustomer();
  drawEvent();
  drawFiles();
  drawActions();
  void drawRecent();
  if (locked() && !draft.uploading) startPolling();

  return () => {
    if (poll) clearInterval(poll);
    poll = undefined;
  };
}
