import './styles/shell.css';
import './styles/components.css';
import './styles/pages.css';
import './styles/sign-in-loans-print.css';
import { canCall, configureApi } from './api.ts';
import { type Ctx, errorText, loadScheme, type Page } from './app.ts';
import { completeCognitoSignIn, currentSession, signOut } from './auth.ts';
import { type ConsoleConfig, loadConfig } from './config.ts';
import { button, h, render } from './dom.ts';
import { currentLang, type MessageKey, setLang, t, word } from './i18n.ts';
import { saveKeptForms } from './kept-forms.ts';
import { accountsPage } from './pages/accounts.ts';
import { auditPage } from './pages/audit.ts';
import { clerkPage } from './pages/clerk.ts';
import { dashboardPage } from './pages/dashboard.ts';
import { disposalPage, disposalsPage } from './pages/disposals.ts';
import { documentPage } from './pages/document.ts';
import { handoversPage } from './pages/handovers.ts';
import { importPage, importsPage } from './pages/imports.ts';
import { inboxPage } from './pages/inbox.ts';
import { loansPage, overdueLoansPage } from './pages/loans.ts';
import { loginPage } from './pages/login.ts';
import { notificationsPage, unsubscribePage } from './pages/notifications.ts';
import { searchPage } from './pages/search.ts';
import { submissionPage } from './pages/submission.ts';
import { systemPage } from './pages/system.ts';
import { forgetPeople, loadPeople, personName } from './people.ts';
import { watchSession } from './session-watch.ts';

/**
 * Hash routes (`#/inbox`, `#/documents/<id>`): the console never shares a path with the API it
 * is served beside, and deep links survive any static host.
 */
interface Route {
  pattern: RegExp;
  page: Page;
  /** Shown in the navigation when the user may call this API route (and has one of `roles`, if given). */
  nav?: { key: MessageKey; href: string; needs: [string, string]; roles?: string[] };
}

const ROUTES: Route[] = [
  {
    pattern: /^\/dashboard$/,
    page: dashboardPage,
    nav: { key: 'navDashboard', href: '#/dashboard', needs: ['GET', '/stats'] },
  },
  {
    pattern: /^\/upload$/,
    page: clerkPage,
    nav: { key: 'navUpload', href: '#/upload', needs: ['POST', '/submissions'] },
  },
  { pattern: /^\/submissions\/([\w-]+)$/, page: submissionPage },
  {
    pattern: /^\/inbox$/,
    page: inboxPage,
    nav: { key: 'navInbox', href: '#/inbox', needs: ['GET', '/tasks'] },
  },
  {
    pattern: /^\/search$/,
    page: searchPage,
    nav: { key: 'navSearch', href: '#/search', needs: ['GET', '/documents'] },
  },
  { pattern: /^\/documents\/([\w-]+)$/, page: documentPage },
  {
    pattern: /^\/loans$/,
    page: loansPage,
    nav: { key: 'navLoans', href: '#/loans', needs: ['POST', '/loans'] },
  },
  {
    // `GET /loans?status=overdue` answers archivists only.
    pattern: /^\/overdue$/,
    page: overdueLoansPage,
    nav: { key: 'navOverdue', href: '#/overdue', needs: ['GET', '/loans'], roles: ['archivist'] },
  },
  {
    pattern: /^\/handovers$/,
    page: handoversPage,
    nav: { key: 'navHandovers', href: '#/handovers', needs: ['POST', '/handovers'] },
  },
  {
    pattern: /^\/disposals$/,
    page: disposalsPage,
    nav: { key: 'navDisposals', href: '#/disposals', needs: ['GET', '/disposals'] },
  },
  { pattern: /^\/disposals\/([\w-]+)$/, page: disposalPage },
  {
    pattern: /^\/imports$/,
    page: importsPage,
    nav: { key: 'navImports', href: '#/imports', needs: ['GET', '/imports'] },
  },
  {
    // The checks (shared/import/) load with the page: the main bundle does not carry them.
    pattern: /^\/imports\/new$/,
    page: (root, params, ctx) =>
      import('./pages/import-start.ts').then((m) => m.importStartPage(root, params, ctx)),
  },
  { pattern: /^\/imports\/([\w-]+)$/, page: importPage },
  {
    pattern: /^\/audit$/,
    page: auditPage,
    nav: { key: 'navAudit', href: '#/audit', needs: ['GET', '/audit'] },
  },
  {
    pattern: /^\/accounts$/,
    page: accountsPage,
    nav: { key: 'navAccounts', href: '#/accounts', needs: ['GET', '/users'] },
  },
  {
    pattern: /^\/system$/,
    page: systemPage,
    nav: { key: 'navSystem', href: '#/system', needs: ['GET', '/system/health'] },
  },
  {
    pattern: /^\/notifications$/,
    page: notificationsPage,
    nav: { key: 'navNotifications', href: '#/notifications', needs: ['PUT', '/me/notifications'] },
  },
];

const root = document.getElementById('app') as HTMLElement;
let cleanup: (() => void) | undefined;
let config: ConsoleConfig;

/** Where to go back to after signing in again: the page the session ran out on. */
const RETURN_KEY = 'dangan.return';

function signInAgain(): void {
  saveKeptForms();
  sessionStorage.setItem(RETURN_KEY, location.hash);
  location.hash = '#/login';
}

/**
 * The session ran out and could not be renewed: the page stays as it is, says so above it, and
 * keeps what was typed for after the sign-in (kept-forms.ts), instead of vanishing into the
 * sign-in page.
 */
function sessionEnded(): void {
  if (!root.querySelector('.shell') || root.querySelector('[data-testid="session-expired"]')) return;
  saveKeptForms();
  root.querySelector('.shell')?.prepend(
    h(
      'div',
      { class: 'notice notice-error session-expired', role: 'alert', 'data-testid': 'session-expired' },
      h('span', null, t('sessionExpired')),
      button(t('signInAgain'), {
        class: 'primary small',
        'data-testid': 'sign-in-again',
        onclick: signInAgain,
      }),
    ),
  );
}

function navFor(groups: string[]) {
  return ROUTES.filter(
    (r) =>
      r.nav &&
      canCall(r.nav.needs[0], r.nav.needs[1], groups) &&
      (!r.nav.roles || r.nav.roles.some((g) => groups.includes(g))),
  );
}

/** Where a user lands: the first page their roles use. */
function home(groups: string[]): string {
  const preferred: Record<string, string> = {
    clerk: '#/upload',
    reviewer: '#/inbox',
    approver: '#/inbox',
    archivist: '#/search',
    auditor: '#/audit',
    staff: '#/loans',
    // The administrators land on their own page, not on an inbox no task ever reaches.
    secadmin: '#/accounts',
    sysadmin: '#/system',
  };
  for (const g of groups) {
    const href = preferred[g];
    if (href && navFor(groups).some((r) => r.nav?.href === href)) return href;
  }
  return navFor(groups)[0]?.nav?.href ?? '#/inbox';
}

function languageButton(): HTMLElement {
  return h(
    'button',
    {
      class: 'link lang',
      type: 'button',
      'data-testid': 'lang',
      onclick: () => {
        setLang(currentLang() === 'zh' ? 'en' : 'zh');
        void route();
      },
    },
    t('language'),
  );
}

async function route(): Promise<void> {
  cleanup?.();
  cleanup = undefined;
  const path = location.hash.replace(/^#/, '') || '/';
  // An unsubscribe link from a mail works signed in or not (its token names the person).
  const unsubscribe = /^\/unsubscribe\/([\w.-]+)$/.exec(path);
  if (unsubscribe?.[1]) {
    render(
      root,
      h(
        'div',
        { class: 'login-shell' },
        h('div', { class: 'topbar-lang' }, languageButton()),
        h('main', { id: 'page' }),
      ),
    );
    await unsubscribePage(root.querySelector('#page') as HTMLElement, unsubscribe[1]);
    return;
  }
  const session = currentSession();
  if (!session || path === '/login') {
    if (session && path === '/login') {
      location.hash = home(session.groups);
      return;
    }
    render(
      root,
      h(
        'div',
        { class: 'login-shell' },
        h('div', { class: 'topbar-lang' }, languageButton()),
        h('main', { id: 'page' }),
      ),
    );
    // Opened on a page without a session (its token ran out, say): back there after signing in.
    if (!session && path !== '/login' && path !== '/') sessionStorage.setItem(RETURN_KEY, location.hash);
    await loginPage(root.querySelector('#page') as HTMLElement, config, () => {
      const s = currentSession();
      const back = sessionStorage.getItem(RETURN_KEY);
      sessionStorage.removeItem(RETURN_KEY);
      location.hash = s ? (back ?? home(s.groups)) : '#/login';
    });
    return;
  }
  const match = ROUTES.map((r) => ({ r, m: r.pattern.exec(path) })).find((x) => x.m);
  if (!match) {
    location.hash = home(session.groups);
    return;
  }
  const nav = navFor(session.groups);
  const main = h('main', { id: 'page', class: 'page' });
  await loadPeople();
  render(
    root,
    h(
      'div',
      { class: 'shell' },
      h(
        'header',
        { class: 'topbar' },
        h(
          'a',
          { class: 'brand', href: home(session.groups) },
          h('span', { class: 'brand-mark' }, '档'),
          h('span', null, t('appName')),
          h('small', null, t('appSubtitle')),
        ),
        h(
          'nav',
          { class: 'nav' },
          nav.map((r) =>
            h(
              'a',
              {
                href: r.nav?.href ?? '#',
                class: path.startsWith(r.nav?.href.slice(1) ?? '-') ? 'active' : '',
              },
              t(r.nav?.key ?? 'appName'),
            ),
          ),
        ),
        h(
          'div',
          { class: 'user' },
          languageButton(),
          h(
            'span',
            {
              class: 'who',
              'data-testid': 'who',
              'data-username': session.username,
              title: session.username,
            },
            personName(session.username),
            h('small', null, session.groups.map((g) => word('roleName', g)).join(' · ')),
          ),
          h(
            'button',
            {
              class: 'link',
              type: 'button',
              onclick: () => {
                forgetPeople();
                signOut(config);
              },
            },
            t('signOut'),
          ),
        ),
      ),
      main,
    ),
  );
  try {
    const scheme = await loadScheme();
    const ctx: Ctx = { config, scheme, session, rerender: () => void route() };
    const done = await match.r.page(main, match.m?.slice(1) ?? [], ctx);
    if (typeof done === 'function') cleanup = done as () => void;
  } catch (err) {
    render(main, h('div', { class: 'notice notice-error', role: 'alert' }, errorText(err)));
  }
}

async function boot(): Promise<void> {
  setLang(currentLang());
  try {
    config = await loadConfig();
  } catch (err) {
    render(root, h('div', { class: 'notice notice-error' }, errorText(err)));
    return;
  }
  configureApi(config, sessionEnded);
  watchSession(config, sessionEnded);
  if (config.auth.kind === 'cognito') {
    try {
      await completeCognitoSignIn(config.auth);
    } catch (err) {
      render(root, h('div', { class: 'notice notice-error' }, `${t('signInFailed')}: ${errorText(err)}`));
      return;
    }
  }
  window.addEventListener('hashchange', () => void route());
  await route();
}

void boot();
