import './admin.css';
import { api, type Role } from '../api.ts';
import {
  act,
  badge,
  type Ctx,
  field,
  formError,
  loadPage,
  notice,
  onSubmit,
  type Page,
  pageHeader,
  sendForm,
} from '../app.ts';
import { button, dataTable, formatTime, h, toast } from '../dom.ts';
import { currentLang, t, word } from '../i18n.ts';
import { personName } from '../people.ts';

/**
 * The security administrator's page (`GET /users`, `GET /groups` and the account changes of
 * functions/api/accounts-change.ts): every account with its state, roles, regions and last
 * change; each can be disabled with a reason, enabled, granted or revoked a role and limited to
 * regions. 三员分立 is explained before a grant is asked for, from the roles `GET /groups` marks
 * exclusive; the API refuses the same grant (409) whatever the page does.
 */

/** `GET /users` items (functions/core/accounts.ts `accountView`). */
interface AccountView {
  userId: string;
  username: string;
  /** Shown when the API gives one. */
  displayName?: string;
  status: 'ACTIVE' | 'DISABLED';
  roles: Role[];
  regions?: string[];
  reason?: string;
  version: number;
  updatedAt?: string;
  updatedBy?: string;
  managed: boolean;
}

/** `GET /groups` items (functions/api/accounts-list.ts). */
interface GroupView {
  group: Role;
  exclusive: boolean;
}

/** The account whose editor stays open across the page's reloads after a change. */
let openAccount: string | undefined;

const roleList = (roles: readonly Role[]): string => roles.map((r) => word('role', r)).join(t('admListSep'));

/**
 * The administrators among `roles` when they are combined with any other role (what 三员分立
 * forbids), given the roles the API marks exclusive; empty when the roles may be held together.
 */
export function separationConflict(roles: readonly Role[], exclusive: ReadonlySet<Role>): Role[] {
  const held = [...new Set(roles)];
  const admins = held.filter((r) => exclusive.has(r));
  return admins.length > 0 && held.length > 1 ? admins : [];
}

export const accountsPage: Page = async (root, _params, ctx) => {
  const title = t('navAccounts');
  const users = await loadPage<{ items: AccountView[] }>(root, title, '/users');
  if (!users) return;
  const groups = await loadPage<{ items: GroupView[] }>(root, title, '/groups');
  if (!groups) return;
  const exclusive = new Set(groups.items.filter((g) => g.exclusive).map((g) => g.group));
  const allRoles = groups.items.map((g) => g.group);
  const lang = currentLang();

  const rows = users.items.flatMap((a) => {
    const conflict = separationConflict(a.roles, exclusive);
    const manage = button(t('admManage'), {
      class: 'small secondary',
      'data-testid': `manage-${a.username}`,
      'aria-expanded': openAccount === a.userId ? 'true' : 'false',
      onclick: () => {
        openAccount = openAccount === a.userId ? undefined : a.userId;
        ctx.rerender();
      },
    });
    const row = h(
      'tr',
      { 'data-account': a.username, 'data-status': a.status },
      // The account's identifier, shown as it is (never translated), beside the person's name.
      h('td', { translate: 'no' }, a.username),
      h('td', null, a.displayName ?? '—'),
      h(
        'td',
        null,
        a.roles.length === 0 ? h('span', { class: 'hint' }, t('admNoRoles')) : roleList(a.roles),
        conflict.length > 0
          ? h('div', { class: 'field-error' }, t('admSeparationHeld', { held: roleList(a.roles) }))
          : null,
      ),
      h('td', null, a.regions?.join(t('admListSep')) ?? t('admAllRegions')),
      h(
        'td',
        null,
        a.status === 'ACTIVE' ? badge('active', t('admActive')) : badge('disabled', t('admDisabled')),
        a.reason
          ? h(
              'div',
              { class: 'hint', 'data-testid': 'disabled-reason' },
              t('admDisabledBecause', { reason: a.reason }),
            )
          : null,
      ),
      h(
        'td',
        { class: 'nowrap' },
        a.managed && a.updatedAt
          ? t('admChangedBy', { at: formatTime(a.updatedAt, lang), by: personName(a.updatedBy) })
          : h('span', { class: 'hint' }, t('admNotManaged')),
      ),
      h('td', null, a.userId === ctx.session.sub ? h('span', { class: 'hint' }, t('admSelf')) : manage),
    );
    if (openAccount !== a.userId || a.userId === ctx.session.sub) return [row];
    return [
      row,
      h(
        'tr',
        { class: 'account-editor-row' },
        h('td', { colspan: 7 }, accountEditor(a, allRoles, exclusive, ctx)),
      ),
    ];
  });

  root.replaceChildren(
    pageHeader(title, button(t('refresh'), { class: 'secondary', onclick: () => ctx.rerender() })),
    h('p', { class: 'hint' }, t('admAccountsHint')),
    notice(t('admSeparation'), 'info', 'separation-rule'),
    h(
      'section',
      { class: 'card' },
      dataTable(
        [
          t('admUsername'),
          t('admDisplayName'),
          t('roles'),
          t('admRegions'),
          t('status'),
          t('admLastChange'),
          '',
        ],
        rows,
        { 'data-testid': 'accounts' },
      ),
    ),
  );
};

/** Disable or enable, roles and regions of one account; each change is one request. */
function accountEditor(
  a: AccountView,
  allRoles: readonly Role[],
  exclusive: ReadonlySet<Role>,
  ctx: Ctx,
): HTMLElement {
  const path = `/users/${encodeURIComponent(a.userId)}`;
  const done = (message: string) => {
    toast(message);
    ctx.rerender();
  };

  // Disable with a reason, or enable.
  let state: HTMLElement;
  if (a.status === 'ACTIVE') {
    const reason = h('input', { type: 'text', maxlength: 500, 'data-testid': 'disable-reason' });
    const submit = h(
      'button',
      { type: 'submit', class: 'danger', 'data-testid': 'disable' },
      t('admDisable'),
    );
    const general = formError();
    const form = h(
      'form',
      { novalidate: true, class: 'admin-form' },
      field(t('admDisableReason'), reason, 'reason', t('admDisableReasonHint')),
      general,
      h('div', { class: 'form-actions' }, submit),
    );
    onSubmit(form, async () => {
      if (reason.value.trim() === '') {
        const slot = form.querySelector('.field-error');
        reason.setAttribute('aria-invalid', 'true');
        if (slot) slot.textContent = t('admReasonRequired');
        return;
      }
      submit.disabled = true;
      const sent = await sendForm(form, general, async () => {
        await api('POST', `${path}/disable`, { reason: reason.value.trim() });
        done(t('admDisabledDone', { user: a.username }));
      });
      if (!sent) submit.disabled = false;
    });
    state = form;
  } else {
    const enable = button(t('admEnable'), { class: 'primary', 'data-testid': 'enable' });
    enable.onclick = () =>
      void act(async () => {
        await api('POST', `${path}/enable`);
        done(t('admEnabledDone', { user: a.username }));
      }, enable);
    state = h('div', { class: 'admin-form' }, enable);
  }

  // Roles: one revoke per role held; a grant explained before it is asked for.
  const revokes = a.roles.map((role) => {
    const revoke = button(t('admRevoke', { role: word('role', role) }), {
      class: 'small secondary',
      'data-testid': `revoke-${role}`,
    });
    revoke.onclick = () =>
      void act(async () => {
        await api('DELETE', `${path}/roles/${role}`);
        done(t('admRevokedDone', { user: a.username, role: word('role', role) }));
      }, revoke);
    return revoke;
  });
  const pick = h(
    'select',
    { 'data-testid': 'grant-role' },
    h('option', { value: '' }, t('admGrantPick')),
    allRoles.filter((r) => !a.roles.includes(r)).map((r) => h('option', { value: r }, word('role', r))),
  );
  const grant = button(t('admGrant'), { class: 'primary nowrap', 'data-testid': 'grant', disabled: true });
  const why = h('div', { class: 'field-error', role: 'alert', 'data-testid': 'separation-refused' });
  pick.onchange = () => {
    const role = pick.value as Role | '';
    const admins = role === '' ? [] : separationConflict([...a.roles, role], exclusive);
    why.textContent =
      admins.length > 0
        ? t('admSeparationRefused', {
            role: role === '' ? '' : word('role', role),
            user: a.username,
            held: roleList(a.roles),
            admins: roleList(admins),
          })
        : '';
    grant.disabled = role === '' || admins.length > 0;
  };
  grant.onclick = () =>
    void act(async () => {
      const role = pick.value as Role;
      await api('POST', `${path}/roles`, { role });
      done(t('admGrantedDone', { user: a.username, role: word('role', role) }));
    }, grant);

  // Regions.
  const regions = h('input', {
    type: 'text',
    value: a.regions?.join(', ') ?? '',
    'data-testid': 'regions',
  });
  const saveRegions = h('button', { type: 'submit', class: 'secondary' }, t('admSaveRegions'));
  const regionsError = formError();
  const regionsForm = h(
    'form',
    { novalidate: true, class: 'admin-form' },
    field(t('admRegions'), regions, 'regions', t('admRegionsHint')),
    regionsError,
    h('div', { class: 'form-actions' }, saveRegions),
  );
  onSubmit(regionsForm, () =>
    sendForm(regionsForm, regionsError, async () => {
      const list = regions.value
        .split(/[,，、\s]+/)
        .map((r) => r.trim())
        .filter((r) => r !== '');
      await api('PUT', `${path}/regions`, { regions: list });
      done(t('admRegionsDone', { user: a.username }));
    }),
  );

  return h(
    'div',
    { class: 'account-editor', 'data-testid': `editor-${a.username}` },
    state,
    h(
      'div',
      { class: 'admin-form' },
      h('h3', null, t('roles')),
      h('div', { class: 'role-chips' }, revokes.length > 0 ? revokes : t('admNoRoles')),
      h('div', { class: 'row' }, pick, grant),
      why,
    ),
    regionsForm,
  );
}
