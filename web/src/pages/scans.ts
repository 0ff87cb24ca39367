import { api, type DocumentView, type Scheme } from '../api.ts';
import { errorText, notice } from '../app.ts';
import { formatBytes, h, render } from '../dom.ts';
import { named, t } from '../i18n.ts';
import { formatOf } from './record-words.ts';
import { checksCell } from './shared.ts';
import './scans.css';

/** What `GET /submissions/{submissionId}/documents/{documentId}/content` answers. */
export interface ScanLink {
  url: string;
  expiresAt: string;
  contentType: string;
}

const IMAGE_TYPES = ['image/jpeg', 'image/png'];

/**
 * One intake scan shown inline (a PDF in a frame, an image as an image) through its short-lived
 * preview URL, beside its metadata and four-check results. A scan the API does not hand out (not
 * scanned for malware yet, infected, not uploaded) says why instead.
 */
export function scanCard(submissionId: string, doc: DocumentView, scheme: Scheme): HTMLElement {
  const view = h(
    'div',
    { class: 'scan-view', 'data-testid': 'scan-view' },
    h('p', { class: 'hint' }, t('loading')),
  );
  const links = h('small', { class: 'scan-links' });
  void (async () => {
    try {
      const link = await api<ScanLink>(
        'GET',
        `/submissions/${submissionId}/documents/${doc.documentId}/content`,
      );
      const shown = IMAGE_TYPES.includes(link.contentType)
        ? h('img', {
            src: link.url,
            alt: doc.title,
            class: 'scan-img',
            loading: 'lazy',
            'data-testid': 'scan',
          })
        : link.contentType === 'application/pdf'
          ? h('iframe', {
              src: link.url,
              title: doc.title,
              class: 'scan-frame',
              loading: 'lazy',
              'data-testid': 'scan',
            })
          : h('p', { class: 'hint' }, doc.fileName);
      render(view, shown);
      render(
        links,
        h(
          'a',
          { href: link.url, target: '_blank', rel: 'noopener' },
          link.contentType === 'application/pdf' || IMAGE_TYPES.includes(link.contentType)
            ? t('openInNewWindow')
            : t('download'),
        ),
      );
    } catch (err) {
      render(view, notice(t('scanUnavailable', { reason: errorText(err) }), 'info', 'scan-unavailable'));
    }
  })();
  return h(
    'div',
    { class: 'scan-card', 'data-testid': 'scan-card', 'data-document': doc.documentId },
    h(
      'div',
      { class: 'scan-meta' },
      h('strong', null, doc.title),
      h('span', null, named(doc.docTypeName, doc.docType)),
      h(
        'small',
        { class: 'mono' },
        `${formatOf(doc.contentType)} · ${formatBytes(doc.size)} · ${doc.sha256.slice(0, 12)}…`,
      ),
      checksCell(doc, scheme),
      links,
    ),
    view,
  );
}

/** Every scan of a submission, each beside its checks. */
export function scanCards(submissionId: string, docs: readonly DocumentView[], scheme: Scheme): HTMLElement {
  return h(
    'section',
    { class: 'scans', 'data-testid': 'scans' },
    h('h3', null, t('scans')),
    docs.map((d) => scanCard(submissionId, d, scheme)),
  );
}
