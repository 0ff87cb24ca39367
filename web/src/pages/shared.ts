import { api, type CheckName, type DocumentView, type Scheme } from '../api.ts';
import { errorText, notice } from '../app.ts';
import { h, render } from '../dom.ts';
import { t, word } from '../i18n.ts';
import { problemText } from './record-words.ts';

/** DA/T 70's order of the four checks. */
const CHECK_ORDER = ['authenticity', 'integrity', 'usability', 'safety'];

/** The four checks of a document as small pass/fail marks. */
export function checksCell(d: Pick<DocumentView, 'checks'>, scheme: Scheme): HTMLElement | string {
  if (!d.checks) return '';
  return h(
    'span',
    { class: 'checks' },
    Object.entries(d.checks)
      .sort(([a], [b]) => CHECK_ORDER.indexOf(a) - CHECK_ORDER.indexOf(b))
      .map(([name, r]) =>
        h(
          'span',
          {
            class: r.passed ? 'check ok' : 'check bad',
            title:
              (r.findings ?? [])
                .map((f) => problemText({ check: name as CheckName, ...f, message: '' }, scheme))
                .join('；') || word('chk', name),
          },
          `${r.passed ? '✓' : '✗'} ${word('chk', name)}`,
        ),
      ),
  );
}

/**
 * Shows an original inline (PDF in a frame, images as images) through a short-lived content URL,
 * when the API lets the caller read it; otherwise says why not.
 */
export async function showContent(
  host: HTMLElement,
  doc: Pick<DocumentView, 'documentId' | 'contentType' | 'title'>,
): Promise<void> {
  render(host, h('p', { class: 'hint' }, t('loading')));
  try {
    const link = await api<{ url: string; expiresAt: string }>('GET', `/documents/${doc.documentId}/content`);
    const viewer =
      doc.contentType.startsWith('image/') && doc.contentType !== 'image/tiff'
        ? h('img', { src: link.url, alt: doc.title, class: 'viewer-img', 'data-testid': 'viewer' })
        : h('iframe', { src: link.url, title: doc.title, class: 'viewer-frame', 'data-testid': 'viewer' });
    render(
      host,
      viewer,
      h('a', { href: link.url, target: '_blank', rel: 'noopener', class: 'small' }, t('open')),
    );
  } catch (err) {
    render(host, notice(t('previewUnavailable', { reason: errorText(err) }), 'info', 'viewer-unavailable'));
  }
}
