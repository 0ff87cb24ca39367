import type { DocumentView } from '../api.ts';
import type { Ctx } from '../app.ts';
import { h } from '../dom.ts';
import { t } from '../i18n.ts';

/** Legal holds of a document (archivists). */
export function holdsSection(d: DocumentView, _ctx: Ctx): HTMLElement {
  return h(
    'section',
    { class: 'card', 'data-testid': 'holds' },
    h('h2', null, t('holds')),
    h('p', null, d.legalHold ? t('legalHold') : t('none')),
  );
}
