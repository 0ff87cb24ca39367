/**
 * Borrowing (借阅) end to end over HTTP, against `npm start` on real local stand-ins: a staff
 * member asks for archived documents, approvers answer workflow tasks, the borrower reads the
 * originals while the loan runs, and returns them or lets the loan run out under the local test
 * clock (`POST /local/clock`). The expiry tests move the clock forward, so they come last.
 */
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Api,
  archiveDraft,
  callLocal,
  changeDocs,
  createCustomer,
  createDraft,
  type Draft,
  declare,
  planDoc,
  type Task,
  type Upload,
} from './client.ts';
import { mailTo, waitForMail } from './inbox.ts';
import { useLocalSystem } from './lifecycle.ts';
import { type LocalSystem, until } from './system.ts';

let system: LocalSystem;
let api: Api;
let sfn: SFNClient;

useLocalSystem(async (started) => {
  system = started;
  api = new Api(system.ready.apiUrl);
  sfn = new SFNClient({
    endpoint: system.ready.sfnUrl,
    region: system.ready.region,
    credentials: system.credentials,
  });
});

afterAll(() => {
  sfn?.destroy();
});

interface LoanView {
  loanId: string;
  status: string;
  borrower: string;
  purpose: string;
  days: number;
  documents: { documentId: string; docType: string; paper: boolean; location?: Record<string, string> }[];
  sensitive: boolean;
  paper: boolean;
  approvedBy?: string[];
  dueAt?: string;
  returnedAt?: string;
  rejection?: { reason: string; decidedBy: string };
  paperOut: boolean;
  overdue: boolean;
}

/** Archives a CHANGE submission (application form, ID copy, change form); returns its documents by type. */
async function archiveChange(label: string, extra: ReturnType<typeof planDoc>[] = []) {
  const customerId = await createCustomer(api);
  const docs = [...changeDocs(label), ...extra];
  let draft: Draft;
  if (extra.length === 0) {
    draft = await createDraft(api, customerId, 'CHANGE', docs);
  } else {
    // A paper original is declared with where it is shelved.
    const created = await api.expect<{
      submissionId: string;
      documents: { documentId: string; upload: Upload }[];
    }>(201, 'clerk1', 'POST', '/submissions', {
      customerId,
      businessEvent: 'CHANGE',
      documents: docs.map((d) =>
        d.docType === 'PAPERBOX'
          ? { ...declare(d), location: { room: 'A', cabinet: '3', box: '17' } }
          : declare(d),
      ),
    });
    draft = {
      submissionId: created.submissionId,
      docs: docs.map((d, i) => ({
        ...d,
        documentId: created.documents[i]?.documentId as string,
        upload: created.documents[i]?.upload as Upload,
      })),
    };
  }
  await archiveDraft(api, draft);
  const byType = (t: string) => draft.docs.find((d) => d.docType === t)?.documentId as string;
  return { APPFORM: byType('APPFORM'), IDCOPY: byType('IDCOPY'), INFOCHG: byType('INFOCHG'), byType };
}

const ask = (user: string, documentIds: string[], days = 3, purpose = 'meter dispute 2026-117') =>
  api.expect<LoanView>(202, user, 'POST', '/loans', { documentIds, purpose, days });

const loanOf = (id: string, user = 'archivist1') => api.expect<LoanView>(200, user, 'GET', `/loans/${id}`);

const waitLoan = (id: string, what: string, done: (l: LoanView) => boolean, timeoutMs = 60_000) =>
  until(
    `loan ${id} ${what}`,
    async () => {
      const l = await loanOf(id);
      return done(l) ? l : undefined;
    },
    timeoutMs,
    150,
  );

const taskFor = (loanId: string, user: string, level?: string) =>
  until(
    `a loan task for ${loanId} in ${user}'s list`,
    async () => {
      const { items } = await api.expect<{ items: Task[] }>(200, user, 'GET', '/tasks');
      return items.find((t) => t.subjectId === loanId && (level === undefined || t.summary.level === level));
    },
    60_000,
    150,
  );

const decide = (user: string, taskId: string, decision: 'approve' | 'reject', comment?: string) =>
  api.call(user, 'POST', `/tasks/${taskId}/decision`, { decision, ...(comment ? { comment } : {}) });

const content = (user: string, documentId: string) =>
  api.call<{ url?: string }>(user, 'GET', `/documents/${documentId}/content`);

const executionStatus = async (loanId: string) => {
  const arn = `${system.ready.stateMachines['borrow-approval']?.replace(':stateMachine:', ':execution:')}:${loanId}`;
  return (await sfn.send(new DescribeExecutionCommand({ executionArn: arn }))).status;
};

const advanceClock = async (seconds: number) => {
  const res = await fetch(`${system.ready.apiUrl}/local/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ advanceSeconds: seconds }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { now: string; offsetSeconds: number };
};

let docs: Awaited<ReturnType<typeof archiveChange>>;
/** Loans still running when the clock moves: they must expire then. */
const runningLoans: string[] = [];

beforeAll(async () => {
  docs = await archiveChange('loans');
}, 180_000);

describe('request → approve → read → return', () => {
  it('lets the borrower read the approved documents only while the loan runs, and not after the return', async () => {
    // Nothing to read before any loan.
    expect((await content('staff1', docs.APPFORM)).status).toBe(403);

    const asked = await ask('staff1', [docs.APPFORM, docs.INFOCHG], 3);
    expect(asked).toMatchObject({
      status: 'PENDING_APPROVAL',
      borrower: 'staff1',
      sensitive: false,
      days: 3,
    });
    // Still nothing while it waits for approval.
    expect((await content('staff1', docs.APPFORM)).status).toBe(403);

    const task = await taskFor(asked.loanId, 'approver1');
    expect(task.kind).toBe('loan-approval');
    expect(task.summary).toMatchObject({ borrower: 'staff1', purpose: 'meter dispute 2026-117', days: 3 });
    // The borrower is not an approver; a clerk is not one either.
    expect((await decide('staff1', task.taskId, 'approve')).status).toBe(403);
    expect((await decide('clerk1', task.taskId, 'approve')).status).toBe(403);
    expect((await decide('approver1', task.taskId, 'approve')).status).toBe(200);
    // Decided once: a second decision is a conflict.
    expect((await decide('approver2', task.taskId, 'approve')).status).toBe(409);

    const active = await waitLoan(asked.loanId, 'ACTIVE', (l) => l.status === 'ACTIVE');
    expect(active.approvedBy).toEqual(['approver1']);
    const due = Date.parse(active.dueAt as string) - Date.now();
    expect(due).toBeGreaterThan(3 * 86_400_000 - 120_000);

    // The borrower reads both documents; the URL works and gives the original.
    const read = await content('staff1', docs.APPFORM);
    expect(read.status).toBe(200);
    const original = await fetch(read.body.url as string);
    expect(original.status).toBe(200);
    expect(
      Buffer.from(await original.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
    expect((await content('staff1', docs.INFOCHG)).status).toBe(200);
    // Not a document outside the loan, and nobody else under this loan.
    expect((await content('staff1', docs.IDCOPY)).status).toBe(403);
    expect((await content('clerk1', docs.APPFORM)).status).toBe(403);

    // Every URL issued under the loan is audited with the loan, the purpose and the borrower.
    const audit = await api.expect<{ items: { action: string; details?: Record<string, unknown> }[] }>(
      200,
      'auditor1',
      'GET',
      `/audit?targetId=${docs.APPFORM}`,
    );
    expect(audit.items.filter((e) => e.action === 'document.content-url')).toContainEqual(
      expect.objectContaining({
        details: expect.objectContaining({
          loanId: asked.loanId,
          purpose: 'meter dispute 2026-117',
          borrower: 'staff1',
        }),
      }),
    );

    // Someone else may not return it; the borrower does, and access ends at once.
    expect((await api.call('clerk1', 'POST', `/loans/${asked.loanId}/return`)).status).toBe(403);
    const returned = await api.expect<LoanView>(200, 'staff1', 'POST', `/loans/${asked.loanId}/return`);
    expect(returned).toMatchObject({ status: 'RETURNED', paperOut: false });
    expect((await content('staff1', docs.APPFORM)).status).toBe(403);
    expect((await content('staff1', docs.INFOCHG)).status).toBe(403);
    const twice = await api.call('staff1', 'POST', `/loans/${asked.loanId}/return`);
    expect(twice.status).toBe(409);
    expect(JSON.stringify(twice.body)).toMatch(/already returned/);

    // The execution keeps waiting for the due time, then ends cleanly (checked after the clock moves).
    expect(await executionStatus(asked.loanId)).toBe('RUNNING');
    runningLoans.push(asked.loanId);

    const mine = await api.expect<{ items: LoanView[] }>(200, 'staff1', 'GET', '/loans?mine');
    expect(mine.items.map((l) => l.loanId)).toContain(asked.loanId);
  }, 120_000);
});

describe('a sensitive document needs two approvals', () => {
  it('asks an archivist after the approver, never the same person twice, and grants only then', async () => {
    const asked = await ask('clerk2', [docs.IDCOPY], 2, 'identity check for a contract renewal');
    expect(asked.sensitive).toBe(true);

    const first = await taskFor(asked.loanId, 'approver1', 'first');
    expect((await decide('approver1', first.taskId, 'approve')).status).toBe(200);

    const second = await taskFor(asked.loanId, 'archivist1', 'second');
    expect(second.summary).toMatchObject({ level: 'second' });
    // Approved once is not enough.
    const pendingLoan = await loanOf(asked.loanId);
    expect(pendingLoan.status).toBe('PENDING_APPROVAL');
    expect((await content('clerk2', docs.IDCOPY)).status).toBe(403);
    // Approvers do not decide the second level.
    expect((await decide('approver2', second.taskId, 'approve')).status).toBe(403);
    expect((await decide('archivist1', second.taskId, 'approve')).status).toBe(200);

    const active = await waitLoan(asked.loanId, 'ACTIVE', (l) => l.status === 'ACTIVE');
    expect(active.approvedBy).toEqual(['approver1', 'archivist1']);
    expect((await content('clerk2', docs.IDCOPY)).status).toBe(200);
    runningLoans.push(asked.loanId);
  }, 120_000);

  it('ends in REJECTED with the reason when the second level says no', async () => {
    const asked = await ask('staff1', [docs.IDCOPY], 1, 'curiosity');
    const first = await taskFor(asked.loanId, 'approver1', 'first');
    expect((await decide('approver1', first.taskId, 'approve')).status).toBe(200);
    const second = await taskFor(asked.loanId, 'archivist1', 'second');
    expect(
      (await decide('archivist1', second.taskId, 'reject', 'no business need for the ID copy')).status,
    ).toBe(200);
    const rejected = await waitLoan(asked.loanId, 'REJECTED', (l) => l.status === 'REJECTED');
    expect(rejected.rejection).toMatchObject({
      reason: 'no business need for the ID copy',
      decidedBy: 'archivist1',
    });
    expect((await content('staff1', docs.IDCOPY)).status).toBe(403);
  }, 120_000);
});

describe('rejection and bad requests', () => {
  it('ends a rejected request in REJECTED with the reason; nothing becomes readable', async () => {
    const asked = await ask('reviewer1', [docs.APPFORM], 5, 'just looking');
    const task = await taskFor(asked.loanId, 'approver1');
    // A rejection needs a comment.
    expect((await decide('approver1', task.taskId, 'reject')).status).toBe(400);
    expect((await decide('approver1', task.taskId, 'reject', 'no purpose the file serves')).status).toBe(200);
    const rejected = await waitLoan(asked.loanId, 'REJECTED', (l) => l.status === 'REJECTED');
    expect(rejected.rejection).toMatchObject({
      reason: 'no purpose the file serves',
      decidedBy: 'approver1',
    });
    expect((await content('reviewer1', docs.APPFORM)).status).toBe(403);
    // Nothing to return, and the execution has finished.
    expect((await api.call('reviewer1', 'POST', `/loans/${asked.loanId}/return`)).status).toBe(409);
    await until('the rejected execution to finish', async () =>
      (await executionStatus(asked.loanId)) === 'SUCCEEDED' ? true : undefined,
    );
  }, 120_000);

  it('never lets an approver approve their own request', async () => {
    const asked = await ask('approver1', [docs.APPFORM], 1, 'own request');
    const task = await taskFor(asked.loanId, 'approver2');
    // Not even offered to the borrower, and refused if tried.
    const { items } = await api.expect<{ items: Task[] }>(200, 'approver1', 'GET', '/tasks');
    expect(items.map((t) => t.taskId)).not.toContain(task.taskId);
    const own = await decide('approver1', task.taskId, 'approve');
    expect(own.status).toBe(403);
    expect(JSON.stringify(own.body)).toMatch(/your own request/);
    expect((await decide('approver2', task.taskId, 'reject', 'ask your manager')).status).toBe(200);
    await waitLoan(asked.loanId, 'REJECTED', (l) => l.status === 'REJECTED');
  }, 120_000);

  it('refuses bad requests with the field or state named, creating no loan', async () => {
    const draft = await createDraft(api, await createCustomer(api), 'CHANGE', changeDocs('not-archived'));
    const cases: [unknown, number, RegExp][] = [
      [{ documentIds: [], purpose: 'p', days: 1 }, 400, /documentIds is empty/],
      [{ documentIds: [docs.APPFORM, docs.APPFORM], purpose: 'p', days: 1 }, 400, /named twice/],
      [{ documentIds: [docs.APPFORM], purpose: 'p', days: 0 }, 400, /days must be at least 1/],
      [{ documentIds: [docs.APPFORM], purpose: 'p', days: 31 }, 400, /days must be at most 30/],
      [{ documentIds: [docs.APPFORM], days: 1 }, 400, /purpose is required/],
      [
        { documentIds: [docs.APPFORM, 'no-such-document'], purpose: 'p', days: 1 },
        404,
        /no-such-document does not exist/,
      ],
      [
        { documentIds: [draft.docs[0]?.documentId], purpose: 'p', days: 1 },
        409,
        /only archived documents can be borrowed/,
      ],
    ];
    const before = (await api.expect<{ items: LoanView[] }>(200, 'staff1', 'GET', '/loans?mine')).items
      .length;
    for (const [body, status, message] of cases) {
      const r = await api.call('staff1', 'POST', '/loans', body);
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(JSON.stringify(r.body)).toMatch(message);
    }
    expect((await api.expect<{ items: LoanView[] }>(200, 'staff1', 'GET', '/loans?mine')).items).toHaveLength(
      before,
    );
    // The administrators do not borrow; only archivists list overdue loans.
    expect(
      (await api.call('sysadmin1', 'POST', '/loans', { documentIds: [docs.APPFORM], purpose: 'p', days: 1 }))
        .status,
    ).toBe(403);
    expect((await api.call('staff1', 'GET', '/loans?status=overdue')).status).toBe(403);
  }, 120_000);
});

describe('paper originals and running out (the test clock moves forward)', () => {
  let paper: Awaited<ReturnType<typeof archiveChange>>;

  beforeAll(async () => {
    paper = await archiveChange('paper', [planDoc('PAPERBOX', 'application/pdf', '纸质原件 盒 17')]);
  }, 180_000);

  it('expires a loan at its due time: EXPIRED, content 403, the execution ends; a returned loan ends cleanly too', async () => {
    const asked = await ask('staff1', [docs.APPFORM], 1, 'short look');
    const task = await taskFor(asked.loanId, 'approver1');
    expect((await decide('approver1', task.taskId, 'approve')).status).toBe(200);
    await waitLoan(asked.loanId, 'ACTIVE', (l) => l.status === 'ACTIVE');
    expect((await content('staff1', docs.APPFORM)).status).toBe(200);

    const paperAsk = await ask('staff1', [paper.byType('PAPERBOX')], 2, 'original signature check');
    expect(paperAsk.documents[0]).toMatchObject({
      paper: true,
      location: { room: 'A', cabinet: '3', box: '17' },
    });
    const paperTask = await taskFor(paperAsk.loanId, 'approver1');
    expect((await decide('approver1', paperTask.taskId, 'approve')).status).toBe(200);
    const out = await waitLoan(paperAsk.loanId, 'ACTIVE', (l) => l.status === 'ACTIVE');
    expect(out).toMatchObject({ paperOut: true, overdue: false });
    // Due within two days (the one-day loan): the daily run reminds the borrower.
    await callLocal(system, 'POST', '/local/notify');
    const dueSoon = await waitForMail(system.ready.mailInboxUrl, 'staff1@dangan.local', asked.loanId);
    expect(dueSoon.subject).toContain('您的借阅即将到期');
    expect(dueSoon.subject).toContain('Your loan is due soon');
    expect(dueSoon.text).toContain(`${system.ready.consoleUrl}/#/loans`);
    expect(dueSoon.text).not.toContain('short look');
    // Paper originals come back through the archivist only.
    const byBorrower = await api.call('staff1', 'POST', `/loans/${paperAsk.loanId}/return`);
    expect(byBorrower.status).toBe(403);
    expect(JSON.stringify(byBorrower.body)).toMatch(/archivist records their return/);

    // Four days later every loan above is past its due time.
    await advanceClock(4 * 86_400 + 60);

    const expired = await waitLoan(asked.loanId, 'EXPIRED', (l) => l.status === 'EXPIRED');
    expect(expired.overdue).toBe(false);
    expect((await content('staff1', docs.APPFORM)).status).toBe(403);
    await until('the expired execution to finish', async () =>
      (await executionStatus(asked.loanId)) === 'SUCCEEDED' ? true : undefined,
    );
    for (const id of runningLoans) {
      // The early return left its execution waiting; at the due time it finds the loan RETURNED.
      await until(`execution of ${id} to finish`, async () =>
        (await executionStatus(id)) === 'SUCCEEDED' ? true : undefined,
      );
      expect(['RETURNED', 'EXPIRED']).toContain((await loanOf(id)).status);
    }
    expect((await content('clerk2', docs.IDCOPY)).status).toBe(403);

    // The paper original did not come back: the loan is overdue for the archivist.
    const overdueLoan = await waitLoan(paperAsk.loanId, 'EXPIRED', (l) => l.status === 'EXPIRED');
    expect(overdueLoan).toMatchObject({ paperOut: true, overdue: true });
    // Overdue: reminded once more, once, however often the daily run comes.
    await callLocal(system, 'POST', '/local/notify');
    await callLocal(system, 'POST', '/local/notify');
    const overdueMail = await waitForMail(system.ready.mailInboxUrl, 'staff1@dangan.local', paperAsk.loanId);
    expect(overdueMail.subject).toContain('您的借阅已逾期');
    expect(overdueMail.text).not.toContain('original signature check');
    const reminders = await mailTo(system.ready.mailInboxUrl, 'staff1@dangan.local', paperAsk.loanId);
    expect(reminders.filter((m) => m.subject.includes('已逾期'))).toHaveLength(1);
    // The expired loan with nothing out left the loans out: it is not overdue, nobody is told so.
    const askedMails = await mailTo(system.ready.mailInboxUrl, 'staff1@dangan.local', asked.loanId);
    expect(askedMails.map((m) => m.subject.includes('即将到期'))).toEqual([true]);
    const overdue = await api.expect<{ items: LoanView[] }>(
      200,
      'archivist1',
      'GET',
      '/loans?status=overdue',
    );
    expect(overdue.items.map((l) => l.loanId)).toEqual([paperAsk.loanId]);

    const back = await api.expect<LoanView>(200, 'archivist1', 'POST', `/loans/${paperAsk.loanId}/return`);
    expect(back).toMatchObject({ status: 'EXPIRED', paperOut: false, overdue: false });
    expect(
      (await api.expect<{ items: LoanView[] }>(200, 'archivist1', 'GET', '/loans?status=overdue')).items,
    ).toEqual([]);
    expect((await api.call('archivist1', 'POST', `/loans/${paperAsk.loanId}/return`)).status).toBe(409);
  }, 180_000);

  it('lets an unanswered approval remind, then lapse into REJECTED', async () => {
    const asked = await ask('staff1', [docs.INFOCHG], 1, 'nobody answers');
    const first = await taskFor(asked.loanId, 'approver1');
    // 48 hours per round in this scheme: past the first round the approver is reminded.
    await advanceClock(48 * 3600 + 30);
    const reminder = await until(`a reminder for ${asked.loanId}`, async () => {
      const { items } = await api.expect<{ items: Task[] }>(200, 'approver1', 'GET', '/tasks');
      return items.find((t) => t.subjectId === asked.loanId && t.summary.reminder === true);
    });
    expect(reminder.taskId).not.toBe(first.taskId);
    // The first task expired with the reminder.
    expect((await decide('approver1', first.taskId, 'approve')).status).toBe(409);
    await advanceClock(48 * 3600 + 30);
    const lapsed = await waitLoan(asked.loanId, 'REJECTED', (l) => l.status === 'REJECTED');
    expect(lapsed.rejection).toMatchObject({ decidedBy: 'system', reason: expect.stringMatching(/in time/) });
  }, 120_000);
});
