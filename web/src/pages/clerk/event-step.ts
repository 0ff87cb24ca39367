import { field, notice } from '../../app.ts';
import { h, render } from '../../dom.ts';
import { named, t } from '../../i18n.ts';
import { chooseEvent, draft, eventOf, locked, missingRequired, typesPresent } from './draft.ts';
import { type ClerkView, typeName } from './view.ts';

/**
 * Step 2 of the clerk's page: the business event, and the scheme's documents for it as a
 * checklist (资料齐全) that ticks off as files are added.
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
        h('option', { value: e.code, selected: e.code === draft().event }, `${named(e.name)} (${e.code})`),
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
    const have = typesPresent();
    const missing = missingRequired(scheme);
    const item = (code: string, required: boolean) =>
      h(
        'li',
        { class: have.has(code) ? 'done' : required ? 'missing' : '', 'data-doctype': code },
        h('span', { class: 'tick', 'aria-hidden': 'true' }, have.has(code) ? '✓' : required ? '○' : '·'),
        h('span', null, typeName(scheme, code)),
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
        : notice(
            t('checklistIncomplete', { missing: missing.map((c) => typeName(scheme, c)).join('、') }),
            'info',
          ),
    );
  }

  return { box, draw, drawChecklist };
}
