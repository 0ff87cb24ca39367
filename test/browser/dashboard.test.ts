/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against the real
 * local system. Work is seeded through the HTTP API as clients do it (documents archived, a
 * submission rejected as incomplete, a review task left waiting); the archivist's dashboard shows
 * the figures `GET /stats` gives, in Chinese and in English, and follows new work without a
 * reload. The page is saved as docs/screenshots/dashboard.png for the README.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  type Api,
  changeDocs,
  createCustomer,
  createDraft,
  type Draft,
  declare,
  localUsers,
  openTaskFor,
  type PlannedDoc,
  planDoc,
  stuckSubmission,
  type Task,
  type Upload,
  uploadAll,
  waitSubmission,
} from '../e2e/client.ts';
import { type LocalSystem, until } from '../e2e/system.ts';
import { screenshot, signIn, useConsoleSystem } from './console.ts';

let system: LocalSystem;
let api: Api;
let base: string;

// Accounts are cached for 2 s here, so a change of regions lands while the test waits.
const { newPage, consoleErrors } = useConsoleSystem(
  async (s) => {
    system = s.system;
    base = s.base;
    api = s.api;
  },
  { env: { DANGAN_ACCOUNT_CACHE_SECONDS: '2' } },
);

/** Polls with a timeout fit for a loaded machine. */
const poll = <T>(check: () => T | Promise<T>, timeout = 30_000) =>
  expect.poll(check, { timeout, interval: 200 });

/** A draft whose paper originals are declared with their shelf. */
async function draftOf(event: string, docs: PlannedDoc[]): Promise<Draft> {
  const customerId = await createCustomer(api);
  if (!docs.some((d) => d.docType === 'PAPERBOX')) return createDraft(api, customerId, event, docs);
  const created = await api.expect<{
    submissionId: string;
    documents: { documentId: string; upload: Upload }[];
  }>(201, 'clerk1', 'POST', '/submissions', {
    customerId,
    businessEvent: event,
    documents: docs.map((d) =>
      d.docType === 'PAPERBOX'
        ? { ...declare(d), location: { room: 'B', cabinet: '2', box: '5' } }
        : declare(d),
    ),
  });
  return {
    submissionId: created.submissionId,
    docs: docs.map((d, i) => ({
      ...d,
      documentId: created.documents[i]?.documentId as string,
      upload: created.documents[i]?.upload as Upload,
    })),
  };
}

/** A submission through intake; archived when `approve`, else left in the reviewer's inbox. */
async function submit(event: string, docs: PlannedDoc[], approve: boolean | 'incomplete') {
  const draft = await draftOf(event, docs);
  await uploadAll(api, draft);
  await api.expect(202, 'clerk1', 'POST', `/submissions/${draft.submissionId}/submit`);
  if (approve === 'incomplete') {
    await waitSubmission(api, draft.submissionId, 'REJECTED', (s) => s.status === 'REJECTED');
    return draft.submissionId;
  }
  const task = await openTaskFor(api, draft.submissionId);
  if (approve) {
    await api.expect(200, 'reviewer1', 'POST', `/tasks/${task.taskId}/decision`, { decision: 'approve' });
    await waitSubmission(api, draft.submissionId, 'ARCHIVED', (s) => s.status === 'ARCHIVED');
  }
  return approve ? (draft.docs.find((d) => d.docType === 'PAPERBOX')?.documentId ?? '') : task.taskId;
}

/** Lends a paper original for a day and has the approver approve it. */
async function lend(documentId: string): Promise<void> {
  const { loanId } = await api.expect<{ loanId: string }>(202, 'staff1', 'POST', '/loans', {
    documentIds: [documentId],
    purpose: 'signature check',
    days: 1,
  });
  const task = await until(
    `the approval task of loan ${loanId}`,
    async () => {
      const { items } = await api.expect<{ items: Task[] }>(200, 'approver1', 'GET', '/tasks');
      return items.find((t) => t.subjectId === loanId);
    },
    60_000,
    200,
  );
  await api.expect(200, 'approver1', 'POST', `/tasks/${task.taskId}/decision`, { decision: 'approve' });
  await until(
    `loan ${loanId} ACTIVE`,
    async () => {
      const l = await api.expect<{ status: string }>(200, 'staff1', 'GET', `/loans/${loanId}`);
      return l.status === 'ACTIVE' ? l : undefined;
    },
    60_000,
    200,
  );
}

async function moveClock(seconds: number): Promise<void> {
  const res = await fetch(`${system.ready.apiUrl}/local/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ advanceSeconds: seconds }),
  });
  if (res.status !== 200) throw new Error(`moving the clock: ${res.status} ${await res.text()}`);
}

const tileValue = (page: Page, testid: string) =>
  page.locator(`[data-testid="${testid}"] .value`).textContent();

describe('dashboard', () => {
  let waitingTask = '';

  it('shows the figures of GET /stats to the archivist, and follows new work without a reload', async () => {
    const paper = await submit(
      'CHANGE',
      [...changeDocs('dash 1'), planDoc('PAPERBOX', 'application/pdf', '纸质原件 盒 5')],
      true,
    );
    await submit('METERING', [planDoc('METERWO', 'application/pdf', '装拆表工作单 dash')], true);
    await submit(
      'NEWCONN',
      [
        planDoc('APPFORM', 'application/pdf', '用电申请书 dash'),
        planDoc('IDCOPY', 'image/jpeg', '身份证 dash'),
      ],
      'incomplete',
    );
    waitingTask = await submit('CHANGE', changeDocs('dash 2'), false);
    // The paper original goes out for a day; two days later it is overdue and the task has waited.
    await lend(paper);
    await moveClock(2 * 86_400);
    // The counters follow the records stream by a moment.
    const stats = await until(
      'the counters of the seeded work',
      async () => {
        const s = await api.expect<{
          documents: { held: number };
          loans: { overdue: number };
          completeness: { byEvent: { businessEvent: string; firstSubmissions: number }[] };
        }>(200, 'archivist1', 'GET', '/stats');
        const firsts = s.completeness.byEvent.reduce((n, e) => n + e.firstSubmissions, 0);
        return s.documents.held === 5 && firsts === 4 && s.loans.overdue === 1 ? s : undefined;
      },
      60_000,
      250,
    );
    expect(stats.documents.held).toBe(5);

    const page = await newPage();
    // The page's timers on a clock the test can move: its refresh comes 30 s after a load, then
    // later and later; the test jumps to it instead of waiting (time otherwise runs as usual).
    await page.clock.install();
    await signIn(page, base, 'archivist1');
    await page.locator('nav a[href="#/dashboard"]').click();
    await page.locator('[data-testid="stat-held"]').waitFor();
    await poll(() => tileValue(page, 'stat-held')).toBe('5');
    expect(await tileValue(page, 'stat-tasks')).toBe('1');
    expect(await tileValue(page, 'stat-overdue')).toBe('1');
    await expect(page.locator('[data-testid="stat-overdue"]').textContent()).resolves.toContain(
      '最久逾期 1 天',
    );
    expect(await tileValue(page, 'stat-due')).toBe('0');
    // Documents per year, stacked by business event; per type.
    const year = new Date().getUTCFullYear();
    expect(await page.locator(`[data-testid="year-${year}"]`).getAttribute('data-held')).toBe('5');
    expect(await page.locator(`[data-testid="year-${year}"] rect`).count()).toBe(2);
    expect(await page.locator('[data-testid="type-METERWO"]').getAttribute('data-value')).toBe('1');
    expect(await page.locator('[data-testid="type-APPFORM"]').getAttribute('data-value')).toBe('1');
    // Completeness of first submissions per event: both changes complete, the new connection not.
    expect(await page.locator('[data-testid="completeness-CHANGE"]').getAttribute('data-rate')).toBe('100');
    expect(await page.locator('[data-testid="completeness-NEWCONN"]').getAttribute('data-rate')).toBe('0');
    expect(await page.locator('[data-testid="completeness-INSPECTION"]').getAttribute('data-rate')).toBe('');
    await expect(page.locator('[data-testid="completeness-NEWCONN"]').textContent()).resolves.toContain(
      '业扩报装',
    );
    expect(await page.locator('[data-testid="age-1to3d"]').getAttribute('data-value')).toBe('1');
    expect(await page.locator('[data-testid="type-PAPERBOX"]').getAttribute('data-value')).toBe('1');
    await expect(page.locator('[data-testid="stat-due"]').textContent()).resolves.toContain('未来 90 天');
    await screenshot(page, 'dashboard');

    // The waiting change is approved elsewhere: the open page shows it at its next refresh.
    await api.expect(200, 'reviewer1', 'POST', `/tasks/${waitingTask}/decision`, { decision: 'approve' });
    // A mark on this document: a reload would lose it.
    await page.evaluate(() => Object.assign(window, { stillThisPage: true }));
    await expect
      .poll(
        async () => {
          // Past the longest wait between refreshes (two minutes): the next one runs.
          await page.clock.fastForward(120_000);
          return tileValue(page, 'stat-held');
        },
        { timeout: 90_000, interval: 1000 },
      )
      .toBe('8');
    // It came by the page's own refresh, in the same document.
    expect(await page.evaluate(() => 'stillThisPage' in window)).toBe(true);
    expect(await tileValue(page, 'stat-tasks')).toBe('0');

    // In English.
    await page.locator('[data-testid="lang"]').click();
    await page.locator('[data-testid="stat-held"]').waitFor();
    await expect(page.locator('[data-testid="stat-held"]').textContent()).resolves.toContain(
      'Documents held',
    );
    await expect(page.locator('[data-testid="completeness-NEWCONN"]').textContent()).resolves.toContain(
      'New connection',
    );
    await page.locator('[data-testid="lang"]').click();
    expect(consoleErrors).toEqual([]);
  }, 400_000);

  it('lists a stuck workflow for everyone who sees the dashboard, and lets an archivist repair it', async () => {
    const id = await stuckSubmission(api, system, 'dash stuck');
    const approver = await newPage();
    await signIn(approver, base, 'approver1');
    await approver.goto(`${base}#/dashboard`);
    const shown = approver.locator(`[data-testid="stuck-${id}"]`);
    await poll(() => shown.count()).toBe(1);
    await expect(shown.textContent()).resolves.toContain('移交批次');
    // An approver sees it but may not repair it.
    await expect(shown.locator('button').count()).resolves.toBe(0);
    await approver.close();

    const page = await newPage();
    await signIn(page, base, 'archivist1');
    await page.goto(`${base}#/dashboard`);
    const row = page.locator(`[data-testid="stuck-${id}"]`);
    await poll(() => row.count()).toBe(1);
    await row.locator('button').click();
    await poll(() => row.count()).toBe(0);
    const back = await api.expect<{ status: string }>(200, 'clerk1', 'GET', `/submissions/${id}`);
    expect(back.status).toBe('REJECTED');
    await page.close();
  }, 180_000);

  it('is in the navigation only of roles that may see it', async () => {
    for (const [user, shown] of [
      ['auditor1', true],
      ['approver1', true],
      ['clerk1', false],
      ['reviewer1', false],
    ] as const) {
      const page = await newPage();
      await signIn(page, base, user);
      await expect(page.locator('nav a[href="#/dashboard"]').count(), user).resolves.toBe(shown ? 1 : 0);
      await page.close();
    }
  }, 120_000);

  it('tells an approver limited to regions why the archive-wide figures are not shown', async () => {
    const approver2 = (await localUsers(system.ready.apiUrl)).get('approver2') ?? '';
    expect(approver2).not.toBe('');
    await api.expect(200, 'secadmin1', 'PUT', `/users/${approver2}/regions`, { regions: ['NORTH'] });
    try {
      await until('the region limit to land', async () => {
        const r = await api.call('approver2', 'GET', '/stats');
        return r.status === 403 ? r : undefined;
      });
      const page = await newPage();
      await signIn(page, base, 'approver2');
      await page.goto(`${base}/#/dashboard`);
      const refused = page.locator('[data-testid="dashboard"] .notice-error');
      await refused.waitFor();
      await expect(refused.textContent()).resolves.toContain('无权执行此操作');
      await expect(refused.textContent()).resolves.toContain('限定区域的账户不能查看');
      expect(await page.locator('[data-testid="stat-held"]').count()).toBe(0);
      await page.close();
    } finally {
      await api.expect(200, 'secadmin1', 'PUT', `/users/${approver2}/regions`, { regions: [] });
    }
  }, 120_000);
});
