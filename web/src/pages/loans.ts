import { type DocumentView, hasRoute } from '../api.ts';
import { type Ctx, notice, pageHeader } from '../app.ts';
import { h, render } from '../dom.ts';
import { t } from '../i18n.ts';

/** Asking to borrow documents. */
export function loanRequestForm(_docs: DocumentView[], _ctx: Ctx): HTMLElement {
  return h('section', { class: 'card' }, h('h2', null, t('requestLoan')), notice(t('apiNotDeployed')));
}

/** The borrower's loans. */
export function loansPage(root: HTMLElement, _params: string[], _ctx: Ctx): void {
  render(root, pageHeader(t('loans')), hasRoute('POST', '/loans') ? h('p') : notice(t('apiNotDeployed')));
}
