import { api, type DocumentView, type SubmissionView, type Upload } from '../api.ts';
import { act, badge, type Ctx, errorText, hasGroup, loadPage, pageHeader } from '../app.ts';
import { button, dataTable, formatBytes, formatTime, h, render, toast } from '../dom.ts';
import { currentLang, named, t, word } from '../i18n.ts';
import { personName } from '../people.ts';
import { type Poll, poll } from '../poll.ts';
import { contentTypeOf, putWithRetry, sha256Hex } from '../upload.ts';
import { problemText, rejectionText } from './record-words.ts';
import { checksCell } from './shared.ts';

const LIFECYCLE = ['DRAFT', 'SUBMITTED', 'IN_REVIEW', 'ARCHIVED'];
const MOVING = ['SUBMITTED', 'VALIDATED', 'IN_REVIEW'];

/**
 * One submission: where it is in its lifecycle, its documents with their checks and archive
 * codes, and, when it was rejected, the reasons. Its clerk finishes it here: a draft (left
 * before its files were all sent, or never submitted) gets its missing files and is submitted,
 * a rejected one gets the files at fault replaced and is submitted again.
 */
export async function submissionPage(root: HTMLElement, params: string[], ctx: Ctx): Promise<() => void> {
  const id = params[0] ?? '';
  const { scheme } = ctx;
  let polling: Poll | undefined;
  let stopped = false;
  const replacing = new Map<string, { sent: number; total: number; state: string }>();

  /** Draws the submission; true while it is still moving (worth asking again). */
  const fetchAndDraw = async (): Promise<boolean> => {
    const s = await loadPage<SubmissionView>(root, t('submission'), `/submissions/${id}`);
    if (!s) return false;
    draw(s);
    return (
      MOVING.includes(s.status) ||
      replacing.size > 0 ||
      s.documents.some((d) => d.status === 'PENDING_UPLOAD')
    );
  };
  /** Loads now, and follows the submission while it moves: every 2 s, slowing to every 30 s. */
  const load = async () => {
    polling?.stop();
    polling = undefined;
    if ((await fetchAndDraw()) && !stopped) polling = poll(fetchAndDraw, { firstMs: 2000, maxMs: 30_000 });
  };

  const mine = (s: SubmissionView) => hasGroup(ctx, 'clerk') && s.createdBy === ctx.session.username;

  function draw(s: SubmissionView): void {
    const event = scheme.businessEvents.find((e) => e.code === s.businessEvent);
    const step = s.status === 'VALIDATED' ? 'SUBMITTED' : s.status === 'REJECTED' ? 'IN_REVIEW' : s.status;
    const reached = LIFECYCLE.indexOf(step);
    const draft = s.status === 'DRAFT' && mine(s);
    const fixable = (s.status === 'REJECTED' || s.status === 'DRAFT') && mine(s);
    const allUploaded = s.documents.every((d) => d.status === 'UPLOADED');
    render(
      root,
      pageHeader(`${t('submission')} ${s.submissionId.slice(0, 8)}`, badge(s.status, word('st', s.status))),
      h(
        'ol',
        { class: 'steps', 'data-testid': 'lifecycle' },
        LIFECYCLE.map((st, i) =>
          h(
            'li',
            {
              class:
                i < reached ? 'done' : i === reached ? (s.status === 'REJECTED' ? 'failed' : 'current') : '',
            },
            i === reached && s.status === 'REJECTED' ? word('st', 'REJECTED') : word('st', st),
          ),
        ),
      ),
      h(
        'section',
        { class: 'card' },
        h(
          'dl',
          { class: 'facts' },
          h('dt', null, t('customerNo')),
          h('dd', { class: 'mono' }, s.customerNo ?? s.customerId),
          h('dt', null, t('businessEvent')),
          h('dd', null, named(event?.name, s.businessEvent)),
          h('dt', null, t('attempt')),
          h('dd', null, String(s.attempt)),
          h('dt', null, t('createdAt')),
          h('dd', null, formatTime(s.createdAt, currentLang())),
          s.submittedAt
            ? [h('dt', null, t('submittedAt')), h('dd', null, formatTime(s.submittedAt, currentLang()))]
            : null,
          s.archivedAt
            ? [h('dt', null, t('archivedAt')), h('dd', null, formatTime(s.archivedAt, currentLang()))]
            : null,
        ),
      ),
      s.rejection
        ? h(
            'section',
            { class: 'card rejection', 'data-testid': 'rejection' },
            h('h2', null, t('rejection')),
            h('p', { class: 'reason', 'data-code': s.rejection.code ?? '' }, rejectionText(s.rejection)),
            s.rejection.problems.length
              ? h(
                  'ul',
                  { class: 'problems' },
                  s.rejection.problems.map((p) => {
                    const doc = s.documents.find((d) => d.documentId === p.documentId);
                    return h(
                      'li',
                      null,
                      p.check ? h('strong', null, `${word('chk', p.check)}: `) : null,
                      doc ? `${doc.title} — ` : '',
                      problemText(p, scheme),
                    );
                  }),
                )
              : null,
            h(
              'small',
              null,
              `${t('decidedBy')}：${personName(s.rejection.decidedBy)} · ${formatTime(s.rejection.at, currentLang())}`,
            ),
            fixable ? h('p', { class: 'hint' }, t('fixAndResubmit')) : null,
          )
        : null,
      draft
        ? h(
            'section',
            { class: 'card', 'data-testid': 'draft-notice' },
            h('p', null, allUploaded ? t('draftReady') : t('draftWaiting')),
          )
        : null,
      h(
        'section',
        { class: 'card' },
        h('h2', null, t('documents')),
        dataTable(
          [t('title'), t('docType'), t('size'), t('status'), t('checks'), t('archiveCode'), ''],
          s.documents.map((d) =>
            h(
              'tr',
              { 'data-document': d.documentId },
              h('td', null, d.title, h('small', { class: 'block mono' }, d.fileName)),
              h('td', null, named(d.docTypeName, d.docType)),
              h('td', { class: 'num' }, formatBytes(d.size)),
              h('td', null, badge(d.status, word('st', d.status))),
              h('td', null, checksCell(d, scheme)),
              h('td', { class: 'mono', 'data-testid': 'archive-code' }, d.archiveCode ?? ''),
              h(
                'td',
                null,
                fixable
                  ? replaceControl(s, d)
                  : d.archiveCode
                    ? h('a', { href: `#/documents/${d.documentId}` }, t('open'))
                    : null,
              ),
            ),
          ),
          { 'data-testid': 'documents' },
        ),
        fixable
          ? h(
              'div',
              { class: 'form-actions' },
              button(draft ? t('submit') : t('resubmit'), {
                class: 'primary',
                disabled: !allUploaded || replacing.size > 0,
                'data-testid': draft ? 'submit' : 'resubmit',
                onclick: () =>
                  act(async () => {
                    await api('POST', `/submissions/${s.submissionId}/submit`);
                    toast(t('submitted'));
                    void load();
                  }),
              }),
            )
          : null,
      ),
    );
  }

  function replaceControl(s: SubmissionView, d: DocumentView): HTMLElement {
    const progress = replacing.get(d.documentId);
    const input = h('input', {
      type: 'file',
      accept: scheme.contentTypes.join(','),
      hidden: true,
      'data-testid': `replace-${d.documentId}`,
    });
    input.addEventListener('change', async () => {
      const file = input.files?.[0];
      if (!file) return;
      const state = { sent: 0, total: file.size, state: t('hashing') };
      replacing.set(d.documentId, state);
      draw(s);
      try {
        const sha256 = await sha256Hex(file);
        const contentType = contentTypeOf(file);
        const ask = async () =>
          (
            await api<{ upload: Upload }>(
              'POST',
              `/submissions/${s.submissionId}/documents/${d.documentId}/upload-url`,
              {
                fileName: file.name,
                contentType,
                size: file.size,
                sha256,
              },
            )
          ).upload;
        state.state = t('uploading');
        await putWithRetry(
          await ask(),
          file,
          (sent) => {
            state.sent = sent;
            const bar = root.querySelector<HTMLProgressElement>(
              `tr[data-document="${d.documentId}"] progress`,
            );
            if (bar) bar.value = Math.round((sent / Math.max(1, file.size)) * 100);
          },
          { renew: ask },
        );
        replacing.delete(d.documentId);
        toast(t('uploaded'));
      } catch (err) {
        replacing.delete(d.documentId);
        toast(`${t('failed')}: ${errorText(err)}`, 'error');
      }
      void load();
    });
    return h(
      'div',
      { class: 'replace' },
      progress
        ? [
            h('progress', {
              max: 100,
              value: Math.round((progress.sent / Math.max(1, progress.total)) * 100),
            }),
            h('small', null, progress.state),
          ]
        : h(
            'button',
            { type: 'button', class: 'small secondary', onclick: () => input.click() },
            d.status === 'PENDING_UPLOAD' ? t('uploadFile') : t('replaceFile'),
          ),
      input,
    );
  }

  render(root, h('p', null, t('loading')));
  await load();
  return () => {
    stopped = true;
    polling?.stop();
  };
}
