import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readUnsubscribeToken, unsubscribeToken } from '../../functions/adapters/unsubscribe-tokens.ts';
import type { Account } from '../../functions/core/accounts.ts';
import { DomainError } from '../../functions/core/errors.ts';
import {
  digestMessage,
  loanDueEvent,
  newTaskEvent,
  preferencesSchema,
  taskRecipients,
  unsubscribeFooter,
  withDefaults,
} from '../../functions/core/notifications.ts';
import type { TaskRecord } from '../../functions/core/tasks.ts';

const CONSOLE = 'https://console.example.cn/';

const person = (username: string, roles: Account['roles'], more: Partial<Account> = {}): Account => ({
  sub: `sub-${username}`,
  username,
  status: 'ACTIVE',
  roles,
  version: 1,
  updatedAt: '2026-03-01T00:00:00.000Z',
  updatedBy: 'secadmin1',
  email: `${username}@example.cn`,
  ...more,
});

const task = (more: Partial<TaskRecord> = {}): TaskRecord => ({
  taskId: 'review-s-1-1-review',
  kind: 'intake-review',
  role: 'reviewer',
  status: 'OPEN',
  subjectType: 'submission',
  subjectId: 's-1',
  // What the inbox shows: a customer's number and name. No message may carry it.
  summary: { text: '1000000001 张三: 新装 New connection, 3 documents', customerName: '张三' },
  createdAt: '2026-03-01T08:00:00.000Z',
  dueAt: '2026-03-04T08:00:00.000Z',
  taskToken: 'token-never-shown',
  requesterSub: 'sub-clerk1',
  regions: ['HZ'],
  ...more,
});

describe('messages', () => {
  it('says what kind of work waits and where, in Chinese then English, with nothing of the record', () => {
    const event = newTaskEvent(task(), CONSOLE);
    expect(event).toBeDefined();
    const { subject, body, link, kind, eventKey } = event as NonNullable<typeof event>;
    expect(kind).toBe('task');
    expect(eventKey).toBe('task:review-s-1-1-review');
    expect(link).toBe('https://console.example.cn/#/submissions/s-1');
    expect(subject).toBe('档案：新的入库审核任务 / Dangan: A new intake review task');
    expect(body.indexOf('等待您处理')).toBeGreaterThanOrEqual(0);
    expect(body.indexOf('等待您处理')).toBeLessThan(body.indexOf('is waiting for you'));
    expect(body).toContain('2026-03-04 08:00');
    expect(body.match(/https:\/\/console\.example\.cn\/#\/submissions\/s-1/g)).toHaveLength(2);
    for (const secret of ['张三', '1000000001', 'token-never-shown', 'New connection']) {
      expect(`${subject}\n${body}`).not.toContain(secret);
    }
  });

  it('tells a disposal appraisal as a batch waiting, linked to the batch; a loan approval links to the inbox', () => {
    const appraisal = newTaskEvent(
      task({ taskId: 't-a', kind: 'disposal-appraisal', role: 'archivist', subjectId: 'KH-2036-HZ-1' }),
      CONSOLE,
    );
    expect(appraisal).toMatchObject({
      kind: 'disposal',
      link: 'https://console.example.cn/#/disposals/KH-2036-HZ-1',
    });
    expect(appraisal?.subject).toContain('有待鉴定的销毁批次');
    expect(appraisal?.subject).toContain('A disposal batch is waiting for appraisal');
    const approval = newTaskEvent(
      task({ taskId: 't-l', kind: 'loan-approval', role: 'approver', reminder: true }),
      CONSOLE,
    );
    expect(approval).toMatchObject({ kind: 'task', link: 'https://console.example.cn/#/inbox' });
    expect(approval?.subject).toContain('（提醒）');
    expect(approval?.subject).toContain('(reminder)');
    expect(newTaskEvent(task({ kind: 'unknown-kind' }), CONSOLE)).toBeUndefined();
  });

  it('reminds a borrower of a loan due soon, then once more when it is overdue', () => {
    const loan = { loanId: 'L-1', dueAt: '2026-03-10T08:00:00.000Z' };
    const soon = loanDueEvent(loan, new Date('2026-03-09T00:00:00.000Z'), CONSOLE);
    const late = loanDueEvent(loan, new Date('2026-03-11T00:00:00.000Z'), CONSOLE);
    expect(soon).toMatchObject({
      kind: 'loan-due',
      eventKey: 'loan-due:L-1',
      link: 'https://console.example.cn/#/loans',
    });
    expect(soon.subject).toBe('档案：您的借阅即将到期 / Dangan: Your loan is due soon');
    expect(late.eventKey).toBe('loan-overdue:L-1');
    expect(late.subject).toBe('档案：您的借阅已逾期 / Dangan: Your loan is overdue');
    // The same day again is the same event: told once.
    expect(loanDueEvent(loan, new Date('2026-03-12T00:00:00.000Z'), CONSOLE).eventKey).toBe(late.eventKey);
    // Its key stays the same while the loan is out: its once-only record is kept for good.
    expect(late.onceForDays).toBeUndefined();
  });

  it("keeps a task event's once-only record a week: the stream redelivers for at most a day", () => {
    expect(newTaskEvent(task(), CONSOLE)?.onceForDays).toBe(7);
  });

  it('lists a digest by subject and link, and ends every mail with the link that stops its kind', () => {
    const digest = digestMessage(
      [
        { subject: 'A', link: 'https://c/#/inbox' },
        { subject: 'B', link: 'https://c/#/loans' },
      ],
      '2026-03-02',
    );
    expect(digest.subject).toContain('2026-03-02 每日摘要（2 条）');
    expect(digest.subject).toContain('daily digest for 2026-03-02 (2)');
    expect(digest.body).toContain('1. A\n   https://c/#/inbox');
    const footer = unsubscribeFooter('loan-due', 'https://c/#/unsubscribe/x');
    expect(footer).toContain('借阅到期提醒');
    expect(footer).toContain('loan due reminders');
    expect(footer).toContain('https://c/#/unsubscribe/x');
  });
});

describe('recipients of a task', () => {
  const people = [
    person('clerk1', ['clerk', 'reviewer'], { sub: 'sub-clerk1' }),
    person('reviewer1', ['reviewer']),
    person('reviewer-hz', ['reviewer'], { regions: ['HZ'] }),
    person('reviewer-sh', ['reviewer'], { regions: ['SH'] }),
    person('reviewer-off', ['reviewer'], { status: 'DISABLED' }),
    person('reviewer-nomail', ['reviewer'], { email: undefined as unknown as string }),
    person('archivist1', ['archivist']),
  ];

  it('are the active people with the role, serving its regions, never the requester (four eyes), with an address', () => {
    expect(taskRecipients(task(), people).map((r) => r.username)).toEqual(['reviewer1', 'reviewer-hz']);
  });

  it('leave out who decided an earlier level', () => {
    const second = task({ kind: 'loan-approval', role: 'approver', excludedSubs: ['sub-approver1'] });
    const approvers = [person('approver1', ['approver']), person('approver2', ['approver'])];
    expect(taskRecipients(second, approvers).map((r) => r.username)).toEqual(['approver2']);
  });

  it('are nobody for a kind nobody may decide', () => {
    expect(taskRecipients(task({ kind: 'mystery' }), people)).toEqual([]);
  });
});

describe('preferences', () => {
  it('default to at once, and keep stored choices', () => {
    expect(withDefaults(undefined)).toEqual({ task: 'instant', disposal: 'instant', 'loan-due': 'instant' });
    expect(withDefaults({ task: 'digest' })).toEqual({
      task: 'digest',
      disposal: 'instant',
      'loan-due': 'instant',
    });
  });

  it('accept only the known kinds and choices', () => {
    expect(preferencesSchema.safeParse({ task: 'none', 'loan-due': 'digest' }).success).toBe(true);
    const wrongChoice = preferencesSchema.safeParse({ task: 'sometimes' });
    expect(wrongChoice.success).toBe(false);
    expect(wrongChoice.error?.issues[0]?.path).toEqual(['task']);
    expect(preferencesSchema.safeParse({ weather: 'instant' }).success).toBe(false);
  });
});

describe('unsubscribe tokens', () => {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.PAGE_TOKEN_KEY;
    process.env.PAGE_TOKEN_KEY = 'unit-test-key';
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.PAGE_TOKEN_KEY;
    else process.env.PAGE_TOKEN_KEY = saved;
  });

  const refusal = (token: string): DomainError => {
    try {
      readUnsubscribeToken(token);
    } catch (err) {
      return err as DomainError;
    }
    throw new Error('the token was accepted');
  };

  it('name the person and the kind they were made for', () => {
    expect(readUnsubscribeToken(unsubscribeToken('sub-1', 'loan-due'))).toEqual({
      sub: 'sub-1',
      kind: 'loan-due',
    });
  });

  it.each([
    [
      'another person',
      () =>
        `${Buffer.from('{"s":"sub-2","k":"task"}').toString('base64url')}.${unsubscribeToken('sub-1', 'task').split('.')[1]}`,
    ],
    [
      'another key',
      () => {
        const token = unsubscribeToken('sub-1', 'task');
        process.env.PAGE_TOKEN_KEY = 'another-key';
        return token;
      },
    ],
    ['no signature', () => unsubscribeToken('sub-1', 'task').split('.')[0] as string],
    ['garbage', () => 'not-json.AAAAAAAAAAAAAAAAAAAAAA'],
  ] as [string, () => string][])('refuse %s with a 400 naming the token', (_label, make) => {
    const err = refusal(make());
    expect(err).toBeInstanceOf(DomainError);
    expect(err.status).toBe(400);
    expect(err.message).toContain('退订链接无效');
    expect(err.details).toEqual([
      { path: 'token', message: 'must be the token of an unsubscribe link Dangan sent' },
    ]);
  });
});
