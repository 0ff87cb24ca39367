import { hasRoute } from '../api.ts';
import { type Ctx, notice, pageHeader } from '../app.ts';
import { render } from '../dom.ts';
import { t } from '../i18n.ts';

/** Counts and charts for the dashboard. */
export function dashboardPage(root: HTMLElement, _params: string[], _ctx: Ctx): void {
  render(
    root,
    pageHeader(t('dashboard')),
    hasRoute('GET', '/stats') ? notice(t('loading')) : notice(t('apiNotDeployed')),
  );
}
