import { getPreferences, savePreferences } from '../adapters/notifications-repo.ts';
import { readUnsubscribeToken } from '../adapters/unsubscribe-tokens.ts';
import { now } from '../core/clock.ts';
import {
  DELIVERIES,
  NOTIFICATION_KINDS,
  type NotificationPreferences,
  preferencesSchema,
  unsubscribeSchema,
  withDefaults,
} from '../core/notifications.ts';
import type { Actor } from '../core/roles.ts';
import { apiHandler, parseRequiredBody } from '../http/api.ts';

/**
 * `GET /me/notifications`, `PUT /me/notifications`: the caller's choice per kind of notification
 * (at once, in the daily digest, or none). `POST /notifications/unsubscribe` (no sign-in): the
 * token of a mail's unsubscribe link sets that one kind to none for that one person. Every change
 * is written with its audit event.
 */

const view = (preferences: NotificationPreferences) => ({
  preferences,
  kinds: NOTIFICATION_KINDS,
  deliveries: DELIVERIES,
});

async function change(
  person: Pick<Actor, 'sub' | 'username' | 'roles'>,
  update: Partial<NotificationPreferences>,
  action: string,
): Promise<NotificationPreferences> {
  const before = withDefaults((await getPreferences(person.sub))?.preferences);
  const after = { ...before, ...update };
  const at = now().toISOString();
  await savePreferences(
    { sub: person.sub, preferences: after, updatedAt: at },
    {
      action,
      actor: person,
      targetType: 'notification-preferences',
      targetId: person.sub,
      before,
      after,
      at,
    },
  );
  return after;
}

export const handler = apiHandler('notifications-settings', async function handleNotificationSettings(req) {
  if (req.routeKey === 'POST /notifications/unsubscribe') {
    const { token } = parseRequiredBody(unsubscribeSchema, req.body, '{"token": "<from the link>"}', 'token');
    const { sub, kind } = readUnsubscribeToken(token);
    // The link's owner acts without signing in: their sub, no roles.
    await change({ sub, username: sub, roles: [] }, { [kind]: 'none' }, 'notification.unsubscribed');
    return { status: 200, body: { kind, delivery: 'none' } };
  }
  if (req.routeKey === 'PUT /me/notifications') {
    const update = parseRequiredBody(preferencesSchema, req.body, '{"task": "instant|digest|none", ...}');
    const saved = await change(req.actor, update, 'notification.preferences-changed');
    return { status: 200, body: view(saved) };
  }
  return { status: 200, body: view(withDefaults((await getPreferences(req.actor.sub))?.preferences)) };
});
