import { field, notice } from '../../app.ts';
import { h, render } from '../../dom.ts';
import { named, t } from '../../i18n.ts';
import { chooseEvent, draft, eventOf, locked, missingRequired, typesAccepted, typesChosen } from './draft.ts';
import { type ClerkView, typeName } from './view.ts';

/**
 * Step 2 of the clerk's page: the business event, and the scheme's documents for it as a
 * checklist (资料齐全). A type is ticked off only once the server holds a document of it (storage
 * reported its upload); a file chosen for it is shown as on its way, and a file the page refused
 * counts for nothing.
 */
export function eventStep(view: ClerkView): {
  box: HTMLElement;
  draw: () => void;
  drawChecklist: () => void;
} {
  const { root, scheme, steps } = view;
  const box = h('section', { class: 'card', 'data-testid': 'event-step' });

  function draw(): void {
    const select = h(
      'select',
      { name: 'businessEvent', 'data-testid': 'event', disabled: locked() },
      h('option', { value: '' }, t('chooseEvent')),
      scheme.businessEvents.map((e) =>
        h('option', { value: e.code, selected: e.code === draft().event }, named(e.name)),
      ),
    );
    select.addEventListener('change', () => {
      chooseEvent(scheme, select.value || undefined);
      drawChecklist();
      steps.rows();
      steps.actions();
    });
    render(
      box,
      h('h2', null, t('step2')),
      field(t('businessEvent'), select, 'businessEvent'),
      h('div', { id: 'checklist' }),
    );
    drawChecklist();
  }

  function drawChecklist(): void {
    const host = root.querySelector('#checklist');
    const e = eventOf(scheme);
    if (!host) return;
    if (!e) {
      render(host);
      return;
    }
    const accepted = typesAccepted();
    const chosen = typesChosen(scheme);
    const missing = missingRequired(scheme);
    const state = (code: string, required: boolean) =>
      accepted.has(code) ? 'done' : chosen.has(code) ? 'chosen' : required ? 'missing' : '';
    const ticks: Record<string, string> = { done: '✓', chosen: '…', missing: '○', '': '·' };
    const item = (code: string, required: boolean) => {
      const st = state(code, required);
      return h(
        'li',
        { class: st, 'data-doctype': code, 'data-state': st || 'optional' },
        h('span', { class: 'tick', 'aria-hidden': 'true' }, ticks[st] ?? '·'),
        h('span', null, typeName(scheme, code)),
        h(
          'small',
          null,
          st === 'chosen' ? t('checklistPending') : required ? t('requiredDoc') : t('optionalDoc'),
        ),
      );
    };
    const allAccepted = e.required.every((c) => accepted.has(c));
    render(
      host,
      h('h3', null, t('checklist')),
      h(
        'ul',
        { class: 'checklist', 'data-testid': 'checklist' },
        e.required.map((c) => item(c, true)),
        e.optional.map((c) => item(c, false)),
      ),
      allAccepted
        ? notice(t('checklistComplete'), 'ok')
        : missing.length === 0
          ? notice(t('checklistAwaiting'), 'info')
          : notice(
              t('checklistIncomplete', { missing: missing.map((c) => typeName(scheme, c)).join('、') }),
              'info',
            ),
    );
  }

  return { box, draw, drawChecklist };
}
