import { ApiError, api, type SubmissionView, type Upload } from '../../api.ts';
import { errorText, formError, notice, showFieldErrors } from '../../app.ts';
import { h, render, toast } from '../../dom.ts';
import { t } from '../../i18n.ts';
import { type Poll, poll } from '../../poll.ts';
import { putWithRetry, runLimited } from '../../upload.ts';
import {
  allConfirmed,
  canCreate,
  created,
  draft,
  fileFailed,
  fillTitles,
  locked,
  type Row,
  resetDraft,
  setSubmitting,
  setUploading,
  storageReported,
  uploadProgress,
  uploadRetrying,
  uploadSent,
  uploadStarted,
} from './draft.ts';
import type { ClerkView } from './view.ts';

export interface SubmitStep {
  box: HTMLElement;
  draw: () => void;
  upload: (rows: readonly Row[]) => Promise<void>;
  /** Follows storage's reports of the uploads until every file is seen. */
  startPolling: () => void;
  stop: () => void;
}

/**
 * The last step of the clerk's page: create the submission (`POST /submissions`, one presigned
 * URL per file), send each file straight to storage, follow storage's reports, and submit.
 */
export function submitStep(view: ClerkView): SubmitStep {
  const { root, scheme, steps } = view;
  const box = h('section', { class: 'card actions-card', 'data-testid': 'actions' });
  let watching: Poll | undefined;

  function draw(): void {
    const d = draft();
    const failed = d.rows.filter((r) => r.state === 'failed').length;
    const general = formError('create-error');
    render(
      box,
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
                disabled: !canCreate(scheme),
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
                disabled: !allConfirmed() || d.submitting,
                'data-testid': 'submit',
                onclick: () => void submit(),
              },
              t('submit'),
            )
          : null,
        locked() && d.submissionId
          ? h(
              'a',
              { class: 'button secondary', href: `#/submissions/${d.submissionId}` },
              `${t('submission')} ${d.submissionId.slice(0, 8)}`,
            )
          : null,
      ),
    );
  }

  const showError = (text: string) => {
    const slot = root.querySelector('#create-error');
    if (slot) slot.textContent = text;
  };

  async function create(): Promise<void> {
    const { customer, event } = draft();
    if (!canCreate(scheme) || !customer || !event) return;
    setUploading(true);
    draw();
    fillTitles(scheme);
    try {
      const res = await api<{ submissionId: string; documents: { documentId: string; upload: Upload }[] }>(
        'POST',
        '/submissions',
        {
          customerId: customer.customerId,
          businessEvent: event,
          documents: draft().rows.map((r) => ({
            docType: r.docType,
            title: r.title.trim(),
            fileName: r.file.name,
            contentType: r.contentType,
            size: r.file.size,
            sha256: r.sha256,
          })),
        },
      );
      created(res.submissionId, res.documents);
    } catch (err) {
      setUploading(false);
      draw();
      showError(showFieldErrors(root, err).join('；'));
      return;
    }
    steps.customer();
    steps.event();
    steps.files();
    draw();
    await upload(draft().rows);
  }

  async function upload(rows: readonly Row[]): Promise<void> {
    setUploading(true);
    const submissionId = draft().submissionId;
    await runLimited(rows, 3, async (r) => {
      if (!r.upload || !r.documentId || !submissionId) return;
      uploadStarted(r);
      steps.row(r);
      try {
        const used = await putWithRetry(
          r.upload,
          r.file,
          (sent) => {
            uploadProgress(r, sent);
            steps.progress(r);
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
              uploadRetrying(r, attempt);
              steps.row(r);
            },
          },
        );
        uploadSent(r, used);
      } catch (err) {
        fileFailed(r, 'failed', err instanceof Error ? err.message : String(err));
      }
      steps.row(r);
    });
    setUploading(false);
    draw();
    startPolling();
  }

  /**
   * Storage tells the API about each upload asynchronously; the page follows until all are seen,
   * every second at first (a scan is usually confirmed within seconds), slowing to every 10 s.
   */
  function startPolling(): void {
    const id = draft().submissionId;
    if (watching || !id) return;
    const tick = async () => {
      const s = await api<SubmissionView>('GET', `/submissions/${id}`);
      for (const r of storageReported(s.documents)) steps.row(r);
      draw();
      if (!allConfirmed()) return true;
      stop(); // a later upload starts following again
      return false;
    };
    watching = poll(tick, { firstMs: 1000, maxMs: 10_000 });
    watching.again();
  }

  function stop(): void {
    watching?.stop();
    watching = undefined;
  }

  async function submit(): Promise<void> {
    const id = draft().submissionId;
    if (!id) return;
    setSubmitting(true);
    draw();
    try {
      await api('POST', `/submissions/${id}/submit`);
      toast(t('submitted'));
      resetDraft();
      location.hash = `#/submissions/${id}`;
    } catch (err) {
      setSubmitting(false);
      draw();
      showError(err instanceof ApiError ? errorText(err) : String(err));
    }
  }

  return { box, draw, upload, startPolling, stop };
}
