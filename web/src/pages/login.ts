import { errorText } from '../app.ts';
import { cognitoSignIn, localSignIn, localUsers } from '../auth.ts';
import type { ConsoleConfig } from '../config.ts';
import { h, render } from '../dom.ts';
import { t, word } from '../i18n.ts';

/** Sign-in: the hosted sign-in on AWS; a list of seeded users on this machine. */
export async function loginPage(
  root: HTMLElement,
  config: ConsoleConfig,
  signedIn: () => void,
): Promise<void> {
  const card = h('section', { class: 'card login' });
  render(
    root,
    h(
      'div',
      { class: 'login-wrap' },
      h(
        'div',
        { class: 'login-brand' },
        h('span', { class: 'brand-mark big' }, '档'),
        h('h1', null, `${t('appName')} · ${t('appSubtitle')}`),
      ),
      card,
    ),
  );
  const auth = config.auth;
  if (auth.kind === 'cognito') {
    render(
      card,
      h(
        'button',
        { class: 'primary wide', type: 'button', onclick: () => void cognitoSignIn(auth) },
        t('signInCognito'),
      ),
    );
    return;
  }
  render(card, h('p', null, t('loading')));
  try {
    const users = await localUsers(config);
    const error = h('div', { class: 'field-error', role: 'alert' });
    render(
      card,
      h('h2', null, t('signInLocal')),
      h('p', { class: 'hint' }, t('signInLocalHint')),
      h(
        'div',
        { class: 'user-grid' },
        users.map((u) =>
          h(
            'button',
            {
              type: 'button',
              class: 'user-button',
              'data-username': u.username,
              onclick: async () => {
                try {
                  await localSignIn(config, u.username);
                  signedIn();
                } catch (err) {
                  error.textContent = `${t('signInFailed')}: ${errorText(err)}`;
                }
              },
            },
            h('strong', null, u.name ?? u.username),
            h('small', null, u.groups.map((g) => word('roleName', g)).join('、')),
          ),
        ),
      ),
      error,
    );
  } catch (err) {
    render(card, h('div', { class: 'notice notice-error' }, errorText(err)));
  }
}
