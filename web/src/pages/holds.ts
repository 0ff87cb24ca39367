import { api, type DocumentView, type Hold } from '../api.ts';
import { act, badge, type Ctx, field, formError, notice, onSubmit, sendForm } from '../app.ts';
import { dataTable, formatTime, h, toast } from '../dom.ts';
import { currentLang, t } from '../i18n.ts';
import { personName } from '../people.ts';

/** A hold as `GET /documents/{documentId}` shows it to archivists (functions/api/documents-get.ts). */
export type HoldView = Omit<Hold, 'placedBySub' | 'releasedBySub'>;

type WithHolds = DocumentView & { holds?: HoldView[] };

const activeHolds = (d: WithHolds): HoldView[] => (d.holds ?? []).filter((x) => x.status === 'ACTIVE');

/** A badge for the document's header while a hold is in force; null otherwise. */
export function holdBadge(d: DocumentView): HTMLElement | null {
  const n = activeHolds(d).length;
  return n > 0 ? badge('hold', `${t('holdActive')}${n > 1 ? ` ×${n}` : ''}`) : null;
}

/**
 * Legal holds of a document (archivists): every hold with who placed and released it, a form to
 * place one with its reason, and a release button per hold in force. A hold stops disposal and
 * sets S3's legal hold on the original.
 */
export function holdsSection(d: WithHolds, ctx: Ctx): HTMLElement {
  const lang = currentLang();
  const holds = d.holds ?? [];
  const reason = h('input', { type: 'text', name: 'reason', maxlength: 1000, 'data-testid': 'hold-reason' });
  const general = formError();
  const place = h('button', { type: 'submit', class: 'danger', 'data-testid': 'place-hold' }, t('addHold'));
  const form = h(
    'form',
    { class: 'hold-form', novalidate: true },
    h('div', { class: 'grid-form' }, field(t('reason'), reason, 'reason', t('holdReasonHint'))),
    general,
    h('div', { class: 'form-actions' }, place),
  );
  onSubmit(form, async () => {
    place.disabled = true;
    const placed = await sendForm(form, general, async () => {
      await api('POST', `/documents/${d.documentId}/holds`, { reason: reason.value });
      toast(t('holdPlaced'));
      ctx.rerender();
    });
    if (!placed) place.disabled = false;
  });

  const release = (hold: HoldView, button: HTMLButtonElement) =>
    act(async () => {
      await api('DELETE', `/documents/${d.documentId}/holds/${hold.holdId}`);
      toast(t('holdReleased'));
      ctx.rerender();
    }, button);

  return h(
    'section',
    { class: 'card', 'data-testid': 'holds' },
    h('h2', null, t('holds'), ' ', holdBadge(d)),
    holds.length === 0
      ? h('p', { class: 'hint' }, t('noHolds'))
      : dataTable(
          [t('reason'), t('status'), t('placedBy'), t('placedAt'), t('releasedBy'), t('releasedAt'), ''],
          holds.map((x) => {
            const button =
              x.status === 'ACTIVE'
                ? h(
                    'button',
                    { type: 'button', class: 'small secondary', 'data-testid': 'release-hold' },
                    t('releaseHold'),
                  )
                : null;
            button?.addEventListener('click', () => void release(x, button));
            return h(
              'tr',
              { 'data-hold': x.holdId, 'data-status': x.status },
              h('td', null, x.reason),
              h(
                'td',
                null,
                x.status === 'ACTIVE'
                  ? badge('hold', t('holdActive'))
                  : badge('released', t('holdReleasedStatus')),
              ),
              h('td', null, personName(x.placedBy)),
              h('td', { class: 'nowrap' }, formatTime(x.placedAt, lang)),
              h('td', null, personName(x.releasedBy)),
              h('td', { class: 'nowrap' }, formatTime(x.releasedAt, lang)),
              h('td', null, button),
            );
          }),
          { 'data-testid': 'holds-table' },
        ),
    d.status === 'ARCHIVED' ? form : notice(t('holdsOnlyArchived')),
  );
}
