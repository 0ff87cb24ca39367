/**
 * The administrators' pages in a real browser (Debian's Chromium through playwright-core) against
 * the real local system. The security administrator lands on the accounts page, disables an
 * account with a reason (refused without one), after which that account's token and its next
 * sign-in are refused, enables it again, and is told why a grant 三员分立 forbids is refused before
 * asking for it. The system administrator lands on the health page, which shows a workflow
 * execution the test made fail (the local runtime's fault seam) and the record it left stuck, by
 * opaque id only: no customer, title or file name. Both pages are in Chinese with no English word but proper names and codes.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  type Api,
  archiveDraft,
  callLocal,
  changeDocs,
  createCustomer,
  createDraft,
  localUsers,
} from '../e2e/client.ts';
import { type LocalSystem, until } from '../e2e/system.ts';
import { screenshot, signIn, useConsoleSystem } from './console.ts';

let system: LocalSystem;
let api: Api;
let base: string;
let subs: Map<string, string>;

const { newPage, consoleErrors } = useConsoleSystem(
  async (s) => {
    system = s.system;
    base = s.base;
    api = s.api;
    subs = await localUsers(system.ready.apiUrl);
  },
  { env: { DANGAN_ACCOUNT_CACHE_SECONDS: '1' } },
);

const poll = <T>(check: () => T | Promise<T>, timeout = 30_000) =>
  expect.poll(check, { timeout, interval: 200 });

/**
 * Latin-script words on the page that are neither proper names nor codes: usernames (`clerk2`),
 * ids (`3d0f…-1`), upper-case codes (`HZ`) and the few product names the pages cite.
 */
function englishWords(text: string): string[] {
  const allowed = new Set(['AWS', 'CloudWatch', 'SNS', '5xx']);
  return (text.match(/[A-Za-z0-9][A-Za-z0-9_-]*/g) ?? []).filter(
    (w) => /[A-Za-z]/.test(w) && !allowed.has(w) && !/\d/.test(w) && !/^[A-Z_-]+$/.test(w),
  );
}

/** What a reader sees of the page: its rendered text, words apart as the layout sets them. */
// biome-ignore lint/performance/useDomNodeTextContent: the rendered text, not the DOM's, is what is read.
const pageText = (page: Page) => page.locator('#page').innerText();

describe('the security administrator', () => {
  it('disables an account with a reason, which is then refused, enables it again, and sees a 三员分立 grant explained', async () => {
    const clerk2 = subs.get('clerk2') as string;
    const oldToken = await api.token('clerk2');
    const page = await newPage();
    await signIn(page, base, 'secadmin1');
    // Lands on the accounts page, not on an empty inbox.
    await poll(() => page.url()).toMatch(/#\/accounts$/);
    const row = page.locator('tr[data-account="clerk2"]');
    await expect(row.getAttribute('data-status')).resolves.toBe('ACTIVE');
    expect(englishWords(await pageText(page))).toEqual([]);

    await page.locator('[data-testid="manage-clerk2"]').click();
    const editor = page.locator('[data-testid="editor-clerk2"]');
    // No reason: refused on the page, nothing sent.
    await editor.locator('[data-testid="disable"]').click();
    await expect(editor.locator('.field-error').first().textContent()).resolves.toBe('请填写停用原因');
    expect((await api.expect<{ status: string }>(200, 'secadmin1', 'GET', `/users/${clerk2}`)).status).toBe(
      'ACTIVE',
    );

    await editor.locator('[data-testid="disable-reason"]').fill('调岗离职');
    await editor.locator('[data-testid="disable"]').click();
    await poll(() => row.getAttribute('data-status')).toBe('DISABLED');
    await expect(row.locator('[data-testid="disabled-reason"]').textContent()).resolves.toContain('调岗离职');
    await screenshot(page, 'accounts');

    // Refused at once: the token it holds on its next request, and a new sign-in.
    await until('the disabled account’s token to be refused', async () =>
      (await api.call(null, 'GET', '/scheme', undefined, { authorization: `Bearer ${oldToken}` })).status ===
      401
        ? true
        : undefined,
    );
    const clerkPage = await newPage();
    await clerkPage.goto(`${base}/#/login`);
    await clerkPage.locator('[data-username="clerk2"]').click();
    await poll(() => clerkPage.locator('.login-shell [role="alert"]').first().textContent()).toContain(
      '登录失败',
    );
    expect(await clerkPage.locator('[data-testid="who"]').count()).toBe(0);

    // On record, with the reason.
    const audit = await api.expect<{
      items: { action: string; actorName: string; details?: { reason?: string } }[];
    }>(200, 'auditor1', 'GET', `/audit?targetId=${clerk2}&action=account.disabled`);
    expect(audit.items[0]).toMatchObject({ actorName: 'secadmin1', details: { reason: '调岗离职' } });

    // Enabled again: it signs in.
    await editor.locator('[data-testid="enable"]').click();
    await poll(() => row.getAttribute('data-status')).toBe('ACTIVE');
    await signIn(clerkPage, base, 'clerk2');
    await clerkPage.close();

    // 三员分立, explained before anything is asked for: an auditor may not also be an archivist.
    await page.locator('[data-testid="manage-auditor1"]').click();
    const auditor = page.locator('[data-testid="editor-auditor1"]');
    await auditor.locator('[data-testid="grant-role"]').selectOption('archivist');
    const why = auditor.locator('[data-testid="separation-refused"]');
    await expect(why.textContent()).resolves.toBe(
      '不能授予档案员：auditor1 已持有审计员；审计员不能与其他角色同时持有（三员分立）。请先撤销其他角色。',
    );
    await expect(auditor.locator('[data-testid="grant"]').isDisabled()).resolves.toBe(true);
    // The API refuses the same grant, whatever a page does.
    const refused = await api.call('secadmin1', 'POST', `/users/${subs.get('auditor1')}/roles`, {
      role: 'archivist',
    });
    expect(refused.status).toBe(409);
    // A role that may be held alone is not refused, and the page lets it be asked for.
    await page.locator('[data-testid="manage-clerk2"]').click();
    const clerkEditor = page.locator('[data-testid="editor-clerk2"]');
    await clerkEditor.locator('[data-testid="grant-role"]').selectOption('reviewer');
    await expect(clerkEditor.locator('[data-testid="separation-refused"]').textContent()).resolves.toBe('');
    await expect(clerkEditor.locator('[data-testid="grant"]').isDisabled()).resolves.toBe(false);
    await page.close();
  }, 120_000);
});

/** Health as the system administrator's page reads it. */
interface Health {
  workflows: { workflow: string; counts: Record<string, number>; recent: { name: string }[] }[];
  stuck: { items: { recordId: string }[] };
}

/**
 * A loan whose workflow fails: the local runtime's fault seam makes its validation step fail with
 * an error the workflow does not retry, so the execution ends FAILED while the loan waits for
 * approval; the stuck check then finds it. Its id.
 */
async function failedLoan(): Promise<string> {
  const draft = await createDraft(api, await createCustomer(api), 'CHANGE', changeDocs('系统页 停滞'));
  const archived = await archiveDraft(api, draft);
  await callLocal(system, 'POST', '/local/faults', {
    function: 'loan-validate',
    invocation: 1,
    when: 'before',
    errorType: 'Injected.Fault',
  });
  try {
    const { loanId } = await api.expect<{ loanId: string }>(202, 'staff1', 'POST', '/loans', {
      documentIds: [archived.documents[0]?.documentId],
      purpose: '核对',
      days: 3,
    });
    await until('the loan’s execution to fail', async () => {
      const health = await api.expect<Health>(200, 'sysadmin1', 'GET', '/system/health');
      const borrow = health.workflows.find((w) => w.workflow === 'borrow-approval');
      return borrow?.recent.some((e) => e.name === loanId) ? true : undefined;
    });
    return loanId;
  } finally {
    await callLocal(system, 'DELETE', '/local/faults');
  }
}

describe('the system administrator', () => {
  it('sees a failed execution and the record it left stuck, by id only, and the read is audited', async () => {
    const id = await failedLoan();
    await callLocal(system, 'POST', '/local/watch');
    await callLocal(system, 'POST', '/local/sweep');
    const page = await newPage();
    await signIn(page, base, 'sysadmin1');
    await poll(() => page.url()).toMatch(/#\/system$/);

    const borrow = page.locator('[data-workflow="borrow-approval"] [data-status="FAILED"]');
    await poll(async () => Number(await borrow.textContent())).toBeGreaterThanOrEqual(1);
    await expect(page.locator(`[data-testid="execution-${id}"]`).textContent()).resolves.toContain('失败');
    const stuck = page.locator(`[data-testid="system-stuck-${id}"]`);
    await expect(stuck.textContent()).resolves.toContain('流程已结束（失败）');
    // The sweep just run: when, and its figures in words.
    const sweep = page.locator('[data-job="retention"]');
    await expect(sweep.textContent()).resolves.not.toContain('尚未运行');
    await expect(sweep.textContent()).resolves.toMatch(/已清理至 \d{4}-\d{2}-\d{2}/);
    await screenshot(page, 'system');

    // No record content: neither the customer nor the titles or file names of its documents.
    const text = await pageText(page);
    for (const content of ['测试客户', '系统页', '停滞.pdf', '变更申请表', '核对'])
      expect(text).not.toContain(content);
    expect(englishWords(text)).toEqual([]);
    await expect(page.locator('[data-testid="alarms"]').textContent()).resolves.toContain('没有 CloudWatch');

    // In English too, the check's reason in its English half.
    await page.locator('[data-testid="lang"]').click();
    await poll(() => page.locator('#page h1').textContent()).toBe('System health');
    await expect(page.locator(`[data-testid="system-stuck-${id}"]`).textContent()).resolves.toContain(
      'its workflow execution has ended (FAILED)',
    );
    await page.locator('[data-testid="lang"]').click();

    const reads = await api.expect<{ items: { actorName: string }[] }>(
      200,
      'auditor1',
      'GET',
      '/audit?targetId=health&action=system.health-read',
    );
    expect(reads.items.map((e) => e.actorName)).toContain('sysadmin1');
    await page.close();
    // Neither page threw, nor did the console's content security policy refuse anything.
    expect(consoleErrors).toEqual([]);
  }, 120_000);
});
