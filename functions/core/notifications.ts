import * as z from 'zod/mini';
import type { Account } from './accounts.ts';
import { lazySchema } from './lazy-schema.ts';
import { mayAccessRegions } from './regions.ts';
import { assertMayDecide, TASK_KINDS, type TaskRecord } from './tasks.ts';

/**
 * Notifications: who is told what, and in which words. Pure: the dispatch (services/notify.ts)
 * reads people and preferences through the adapters and sends through the mailer.
 *
 * A message says what kind of work is waiting and where to find it, never what it concerns: no
 * customer name or number, no ID number, no document title, no loan purpose. Its link opens the
 * console page, where the person's role and regions decide what they are shown.
 */

/** What a person can be told, each with its own preference and unsubscribe link. */
export const NOTIFICATION_KINDS = ['task', 'disposal', 'loan-due'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** At once, gathered into the daily digest, or not at all. */
export const DELIVERIES = ['instant', 'digest', 'none'] as const;
export type Delivery = (typeof DELIVERIES)[number];

export type NotificationPreferences = Record<NotificationKind, Delivery>;

/** Everyone is told at once until they choose otherwise. */
export const DEFAULT_PREFERENCES: NotificationPreferences = {
  task: 'instant',
  disposal: 'instant',
  'loan-due': 'instant',
};

export const preferencesSchema = lazySchema(() =>
  z.strictObject(
    Object.fromEntries(NOTIFICATION_KINDS.map((k) => [k, z.optional(z.enum(DELIVERIES))])) as Record<
      NotificationKind,
      z.ZodMiniOptional<z.ZodMiniEnum<{ [D in Delivery]: D }>>
    >,
  ),
);

/** `POST /notifications/unsubscribe`: the token of the link in the mail. */
export const unsubscribeSchema = lazySchema(() =>
  z.strictObject({ token: z.string().check(z.minLength(1), z.maxLength(500)) }),
);

/** Stored choices over the defaults (a kind added later starts at its default). */
export function withDefaults(stored: Partial<NotificationPreferences> | undefined): NotificationPreferences {
  return { ...DEFAULT_PREFERENCES, ...(stored ?? {}) };
}

/** One thing that happened that people are told about, with the id that makes it once-only. */
export interface NotificationEvent {
  /** Stable per event: a delivery seen again for the same event sends nothing more. */
  eventKey: string;
  /**
   * Days the once-only record of telling a person must be kept, when the event cannot come again
   * after that; kept for good when absent (a loan reminder's key stays the same while it is out).
   */
  onceForDays?: number;
  kind: NotificationKind;
  /** The message's subject line and body, each in Chinese then English. */
  subject: string;
  body: string;
  /** Console page of the work (`<console>#/…`). */
  link: string;
}

/** The task kinds a new task is told as; disposal appraisals are "a batch is waiting". */
const TASK_NOTICE: Readonly<Record<string, { kind: NotificationKind; zh: string; en: string }>> = {
  'intake-review': { kind: 'task', zh: '新的入库审核任务', en: 'A new intake review task' },
  'loan-approval': { kind: 'task', zh: '新的借阅审批任务', en: 'A new loan approval task' },
  'disposal-appraisal': {
    kind: 'disposal',
    zh: '有待鉴定的销毁批次',
    en: 'A disposal batch is waiting for appraisal',
  },
  'disposal-approval': {
    kind: 'task',
    zh: '有待审批的销毁批次',
    en: 'A disposal batch is waiting for approval',
  },
};

/** The console page a task is worked on: its submission, its batch, or the inbox. */
function taskPage(task: Pick<TaskRecord, 'kind' | 'subjectId'>): string {
  if (task.kind === 'intake-review') return `#/submissions/${encodeURIComponent(task.subjectId)}`;
  if (task.kind.startsWith('disposal-')) return `#/disposals/${encodeURIComponent(task.subjectId)}`;
  return '#/inbox';
}

const consolePage = (consoleUrl: string, page: string) => `${consoleUrl.replace(/\/+$/, '')}/${page}`;

const bilingual = (zh: string, en: string) => `${zh}\n\n${en}`;

/**
 * A task's event comes from the records stream, which delivers a change again for at most 24
 * hours: a week of once-only records covers every redelivery with room to spare (the audit
 * trail's `notification.sent` keeps the sending for good).
 */
export const TASK_EVENT_ONCE_DAYS = 7;

/** The event of a task just opened; undefined for a kind nobody is told about. */
export function newTaskEvent(
  task: Pick<TaskRecord, 'taskId' | 'kind' | 'subjectId' | 'dueAt' | 'reminder'>,
  consoleUrl: string,
): NotificationEvent | undefined {
  const notice = TASK_NOTICE[task.kind];
  if (!notice) return undefined;
  const link = consolePage(consoleUrl, taskPage(task));
  const due = task.dueAt.slice(0, 16).replace('T', ' ');
  const again = task.reminder ? { zh: '（提醒）', en: ' (reminder)' } : { zh: '', en: '' };
  return {
    eventKey: `task:${task.taskId}`,
    onceForDays: TASK_EVENT_ONCE_DAYS,
    kind: notice.kind,
    subject: `档案：${notice.zh}${again.zh} / Dangan: ${notice.en}${again.en}`,
    body: bilingual(
      `${notice.zh}${again.zh}等待您处理，请在 ${due} (UTC) 前完成。\n打开：${link}`,
      `${notice.en}${again.en} is waiting for you; please decide it before ${due} UTC.\nOpen: ${link}`,
    ),
    link,
  };
}

/** Days before the due time a borrower is first reminded. */
export const LOAN_DUE_SOON_DAYS = 2;

/** A loan coming due (within LOAN_DUE_SOON_DAYS) or overdue, told to its borrower once each. */
export function loanDueEvent(
  loan: { loanId: string; dueAt: string },
  at: Date,
  consoleUrl: string,
): NotificationEvent {
  const overdue = Date.parse(loan.dueAt) <= at.getTime();
  const link = consolePage(consoleUrl, '#/loans');
  const due = loan.dueAt.slice(0, 16).replace('T', ' ');
  const zh = overdue ? '您的借阅已逾期' : '您的借阅即将到期';
  const en = overdue ? 'Your loan is overdue' : 'Your loan is due soon';
  return {
    eventKey: `loan-${overdue ? 'overdue' : 'due'}:${loan.loanId}`,
    kind: 'loan-due',
    subject: `档案：${zh} / Dangan: ${en}`,
    body: bilingual(
      `${zh}（到期时间 ${due} UTC，借阅单 ${loan.loanId}）。请按时归还纸质原件或在“借阅”页查看。\n打开：${link}`,
      `${en} (due ${due} UTC, loan ${loan.loanId}). Please return paper originals on time or see the Loans page.\nOpen: ${link}`,
    ),
    link,
  };
}

/** A person who may be told something: their account as Dangan keeps it, with an address. */
export interface Recipient {
  sub: string;
  username: string;
  email: string;
}

/**
 * Who may decide a task, as the task rules say: active accounts holding the task's role, serving
 * every region it concerns, and (four eyes) neither the person whose request it is nor who decided
 * an earlier level. People without an e-mail address are left out.
 */
export function taskRecipients(
  task: Pick<TaskRecord, 'taskId' | 'kind' | 'role' | 'requesterSub' | 'excludedSubs' | 'regions'>,
  people: readonly Account[],
): Recipient[] {
  if (!TASK_KINDS[task.kind]) return [];
  return people.flatMap((p) => {
    if (p.status !== 'ACTIVE' || !p.email) return [];
    const actor = {
      sub: p.sub,
      username: p.username,
      roles: p.roles,
      ...(p.regions ? { regions: p.regions } : {}),
    };
    if (!mayAccessRegions(actor, task.regions)) return [];
    try {
      assertMayDecide(actor, task);
    } catch {
      return [];
    }
    return [{ sub: p.sub, username: p.username, email: p.email }];
  });
}

/** What one person's daily digest says: each waiting event's subject and link, nothing more. */
export function digestMessage(
  entries: readonly Pick<NotificationEvent, 'subject' | 'link'>[],
  day: string,
): { subject: string; body: string } {
  const lines = entries.map((e, i) => `${i + 1}. ${e.subject}\n   ${e.link}`).join('\n');
  return {
    subject: `档案：${day} 每日摘要（${entries.length} 条） / Dangan: daily digest for ${day} (${entries.length})`,
    body: bilingual(`以下事项等待您处理：\n${lines}`, `Waiting for you:\n${lines}`),
  };
}

/** The footer every mail ends with: why it came, and the link that stops this kind. */
export function unsubscribeFooter(kind: NotificationKind | 'digest', link: string): string {
  const what = {
    task: { zh: '新任务', en: 'new tasks' },
    disposal: { zh: '待处理的销毁批次', en: 'disposal batches waiting' },
    'loan-due': { zh: '借阅到期提醒', en: 'loan due reminders' },
    digest: { zh: '每日摘要中的通知', en: 'the notifications in this digest' },
  }[kind];
  return bilingual(
    `——\n不再接收“${what.zh}”邮件（无需登录）：${link}`,
    `--\nStop e-mails about ${what.en} (no sign-in needed): ${link}`,
  );
}

/** The daily run (loan reminders, then digests): its schedule's name, which the function receives. */
export const NOTIFY_SCHEDULE_NAME = 'dangan-notify-daily';
/** 00:30 UTC is 08:30 in China Standard Time: the digest is there when the service hall opens. */
export const NOTIFY_SCHEDULE = 'cron(30 0 * * ? *)';
