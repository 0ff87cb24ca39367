import { createHash } from 'node:crypto';
import { listAccounts } from '../adapters/accounts-repo.ts';
import { SYSTEM_ACTOR } from '../adapters/audit.ts';
import { listDirectoryUsers } from '../adapters/directory.ts';
import { consoleUrl } from '../adapters/env.ts';
import { queryLoansOutDueBefore } from '../adapters/loans-repo.ts';
import { logger } from '../adapters/logger.ts';
import { sendMail } from '../adapters/mailer.ts';
import {
  claimDelivery,
  type DigestEntry,
  dropDigestEntries,
  getPreferences,
  isSuppressed,
  markSent,
  queuedDigestEntries,
  queueForDigest,
  releaseClaim,
  suppressAddress,
} from '../adapters/notifications-repo.ts';
import { unsubscribeToken } from '../adapters/unsubscribe-tokens.ts';
import { type Account, accountFromDirectory } from '../core/accounts.ts';
import { now } from '../core/clock.ts';
import {
  digestMessage,
  LOAN_DUE_SOON_DAYS,
  loanDueEvent,
  type NotificationEvent,
  type NotificationKind,
  newTaskEvent,
  type Recipient,
  taskRecipients,
  unsubscribeFooter,
  withDefaults,
} from '../core/notifications.ts';
import type { TaskRecord } from '../core/tasks.ts';

/**
 * Telling people: new tasks to those who may decide them, loans coming due and overdue to their
 * borrowers, disposal batches waiting to the archivists. Each event reaches each person at most
 * once, whatever is delivered again: an instant message is claimed, sent and marked sent (a
 * sender that died after sending but before marking is the one case of a second message); a
 * digest entry is queued once with its once-only record. Nothing here is part of the business
 * transactions: the task is open whether or not anyone was told.
 */

/** What one delivery run did, for the log and the tests. */
export interface DeliveryCount {
  sent: number;
  queued: number;
  skipped: number;
  /** Claimed by another sender just now: the caller fails the batch so it comes again. */
  inFlight: number;
}

const emptyCount = (): DeliveryCount => ({ sent: 0, queued: 0, skipped: 0, inFlight: 0 });

/**
 * Everyone who may be told something, as Dangan decides on them: stored accounts, and people the
 * identity provider knows whom Dangan keeps no account for yet; the address from either. By
 * username, the order they are told in.
 */
async function people(): Promise<Account[]> {
  const [stored, directory] = await Promise.all([listAccounts(), listDirectoryUsers()]);
  const bySub = new Map(stored.map((a) => [a.sub, a]));
  for (const u of directory) {
    const account = bySub.get(u.sub);
    if (!account) bySub.set(u.sub, accountFromDirectory(u));
    else if (!account.email && u.email) bySub.set(u.sub, { ...account, email: u.email });
  }
  return [...bySub.values()].sort((a, b) => a.username.localeCompare(b.username));
}

const unsubscribeLink = (sub: string, kind: NotificationKind) =>
  `${consoleUrl().replace(/\/+$/, '')}/#/unsubscribe/${unsubscribeToken(sub, kind)}`;

/** Tells one event to one person as they chose: at once, in the digest, or not at all. */
async function deliver(
  event: NotificationEvent,
  to: Recipient,
  at: Date,
  count: DeliveryCount,
): Promise<void> {
  const choice = withDefaults((await getPreferences(to.sub))?.preferences)[event.kind];
  if (choice === 'none' || (await isSuppressed(to.email))) {
    count.skipped++;
    return;
  }
  if (choice === 'digest') {
    const queued = await queueForDigest(
      {
        sub: to.sub,
        username: to.username,
        email: to.email,
        eventKey: event.eventKey,
        kind: event.kind,
        subject: event.subject,
        link: event.link,
        queuedAt: at.toISOString(),
      },
      event.onceForDays,
    );
    count[queued ? 'queued' : 'skipped']++;
    return;
  }
  const unsubscribe = unsubscribeLink(to.sub, event.kind);
  const sent = await sendOnce(
    event.eventKey,
    to,
    at,
    {
      subject: event.subject,
      text: `${event.body}\n\n${unsubscribeFooter(event.kind, unsubscribe)}`,
      unsubscribe,
      kinds: [event.kind],
    },
    event.onceForDays,
  );
  count[sent]++;
}

/** Claims, sends and marks one message; a failed send gives the claim back and is thrown. */
async function sendOnce(
  eventKey: string,
  to: Recipient,
  at: Date,
  mail: { subject: string; text: string; unsubscribe: string; kinds: readonly NotificationKind[] },
  onceForDays?: number,
): Promise<'sent' | 'skipped' | 'inFlight'> {
  const claim = await claimDelivery(eventKey, to.sub, at, onceForDays);
  if (claim === 'done') return 'skipped';
  if (claim === 'in-flight') return 'inFlight';
  try {
    await sendMail({ to: to.email, subject: mail.subject, text: mail.text, unsubscribe: mail.unsubscribe });
  } catch (err) {
    await releaseClaim(eventKey, to.sub);
    throw err;
  }
  await markSent(eventKey, to.sub, at.toISOString(), {
    action: 'notification.sent',
    actor: SYSTEM_ACTOR,
    targetType: 'notification',
    targetId: eventKey,
    details: { recipient: to.username, kinds: [...mail.kinds] },
    eventId: `notification.sent:${eventKey}:${to.sub}`,
    at: at.toISOString(),
  });
  return 'sent';
}

/**
 * Events told at once: a burst of tasks (fifty submissions reaching review together) is mailed in
 * parallel, so the last reviewer is told within seconds, not after every other mail. The people
 * of one event are told one after another, in the order given (by username).
 */
const PARALLEL_EVENTS = 8;

async function deliverAll(
  events: readonly { event: NotificationEvent; to: readonly Recipient[] }[],
  at: Date,
  count: DeliveryCount,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < events.length; i = next++) {
      const { event, to } = events[i] as (typeof events)[number];
      for (const person of to) await deliver(event, person, at, count);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_EVENTS, events.length) }, worker));
}

/** Tasks just opened: each to the people who may decide it. */
export async function notifyNewTasks(tasks: readonly TaskRecord[]): Promise<DeliveryCount> {
  const count = emptyCount();
  if (tasks.length === 0) return count;
  const everyone = await people();
  const events = tasks.flatMap((task) => {
    const event = newTaskEvent(task, consoleUrl());
    return event ? [{ event, to: taskRecipients(task, everyone) }] : [];
  });
  await deliverAll(events, now(), count);
  return count;
}

/** Most loans reminded in one run; the rest are reminded the next day. */
const MAX_LOANS_PER_RUN = 500;

/** Loans with something out due within LOAN_DUE_SOON_DAYS or overdue: each to its borrower. */
export async function remindLoans(at: Date = now()): Promise<DeliveryCount> {
  const count = emptyCount();
  // Due times are kept to the second (`…:21Z`); a horizon with milliseconds would sort before them.
  const horizon = new Date(at.getTime() + LOAN_DUE_SOON_DAYS * 86_400_000)
    .toISOString()
    .replace(/\.\d+Z$/, 'Z');
  const loans = await queryLoansOutDueBefore(horizon, MAX_LOANS_PER_RUN);
  if (loans.length === 0) return count;
  const bySub = new Map((await people()).map((p) => [p.sub, p]));
  const deliveries = loans.flatMap((loan) => {
    const borrower = bySub.get(loan.borrowerSub);
    if (!loan.dueAt || !borrower?.email || borrower.status !== 'ACTIVE') return [];
    const to = { sub: borrower.sub, username: borrower.username, email: borrower.email };
    return [{ event: loanDueEvent({ loanId: loan.loanId, dueAt: loan.dueAt }, at, consoleUrl()), to: [to] }];
  });
  await deliverAll(deliveries, at, count);
  return count;
}

/**
 * The daily digest: one message per person with what was queued for them, each entry kept only
 * while its kind is still on digest or instant. A run repeated over the same entries sends
 * nothing more (the message's once-only key is made from the entries it tells).
 */
export async function sendDigests(at: Date = now()): Promise<DeliveryCount> {
  const count = emptyCount();
  const bySub = new Map<string, DigestEntry[]>();
  for (const e of await queuedDigestEntries()) bySub.set(e.sub, [...(bySub.get(e.sub) ?? []), e]);
  for (const [sub, entries] of bySub) {
    const first = entries[0];
    if (!first) continue;
    const preferences = withDefaults((await getPreferences(sub))?.preferences);
    const told = entries.filter((e) => preferences[e.kind] !== 'none');
    if (told.length === 0 || (await isSuppressed(first.email))) {
      count.skipped += entries.length;
      await dropDigestEntries(entries);
      continue;
    }
    const kinds = [...new Set(told.map((e) => e.kind))];
    const links = kinds.map((k) => unsubscribeFooter(k, unsubscribeLink(sub, k)));
    const message = digestMessage(told, at.toISOString().slice(0, 10));
    const digestKey = createHash('sha256')
      .update(told.map((e) => e.eventKey).join('\n'))
      .digest('base64url')
      .slice(0, 22);
    const result = await sendOnce(`digest:${digestKey}`, { sub, username: sub, email: first.email }, at, {
      subject: message.subject,
      text: `${message.body}\n\n${links.join('\n\n')}`,
      unsubscribe: unsubscribeLink(sub, kinds[0] ?? first.kind),
      kinds,
    });
    if (result === 'inFlight') {
      count.inFlight++;
      continue;
    }
    count[result]++;
    await dropDigestEntries(entries);
  }
  return count;
}

/** What SES reports through the configuration set's event destination (EventBridge `detail`). */
export interface SesMailEvent {
  eventType?: string;
  bounce?: { bounceType?: string; bouncedRecipients?: { emailAddress?: string }[] };
  complaint?: { complainedRecipients?: { emailAddress?: string }[] };
}

/**
 * A permanent bounce or a complaint stops all mail to the address (a transient bounce is left to
 * SES's own retries); audited.
 */
export async function handleMailFeedback(event: SesMailEvent): Promise<number> {
  const permanent = event.eventType === 'Bounce' && event.bounce?.bounceType === 'Permanent';
  const complaint = event.eventType === 'Complaint';
  if (!permanent && !complaint) return 0;
  const addresses = (
    permanent ? (event.bounce?.bouncedRecipients ?? []) : (event.complaint?.complainedRecipients ?? [])
  ).flatMap((r) => (r.emailAddress ? [r.emailAddress] : []));
  const at = now().toISOString();
  const reason = permanent ? 'bounce' : 'complaint';
  for (const email of addresses) {
    await suppressAddress(email, reason, at, {
      action: 'notification.address-suppressed',
      actor: SYSTEM_ACTOR,
      targetType: 'mail-address',
      targetId: email.toLowerCase(),
      details: { reason },
      at,
    });
  }
  logger.info('mail addresses suppressed', { count: addresses.length, reason });
  return addresses.length;
}
