/**
 * The console in a real browser (Debian's Chromium through playwright-core) against the real
 * local system: a clerk registers a customer and uploads three scans with visible progress, a
 * reviewer approves from the inbox, an archivist finds the archived documents by archive code
 * and opens the original. Each page is saved as a screenshot for the README.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { Api, createDraft, openTaskFor, planDoc, uploadAll, waitSubmission } from '../e2e/client.ts';
import { unsubscribeTokenOf, waitForMail } from '../e2e/inbox.ts';
import type { LocalSystem } from '../e2e/system.ts';
import { screenshot, signIn, useConsoleSystem } from './console.ts';
import { pdfScan, pngScan } from './scans.ts';

let system: LocalSystem;
let base: string;
const pages: Page[] = [];

const ui = useConsoleSystem(async (s) => {
  system = s.system;
  base = s.base;
});
const { consoleErrors } = ui;
async function newPage(): Promise<Page> {
  const page = await ui.newPage();
  pages.push(page);
  return page;
}

/** Drops files on the drop zone the way a file manager does: a `drop` event with a DataTransfer. */
async function dropFiles(page: Page, files: { name: string; type: string; bytes: Buffer }[]): Promise<void> {
  const transfer = await page.evaluateHandle(
    (list) => {
      const dt = new DataTransfer();
      for (const f of list) {
        const bin = atob(f.b64);
        const bytes = new Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
        dt.items.add(new File([bytes], f.name, { type: f.type }));
      }
      return dt;
    },
    files.map((f) => ({ name: f.name, type: f.type, b64: f.bytes.toString('base64') })),
  );
  await page.locator('[data-testid="dropzone"]').dispatchEvent('drop', { dataTransfer: transfer });
}

/** Polls with a timeout fit for a loaded machine (vitest's default is one second). */
const poll = <T>(check: () => T | Promise<T>, options: { timeout?: number } = {}) =>
  expect.poll(check, { timeout: options.timeout ?? 20_000, interval: 100 });

const customerNo = `WEB${Date.now().toString(36).toUpperCase()}`;
/** The scans the clerk uploads; the reviewer must see exactly these bytes. */
const scans = [
  {
    name: '用电变更申请表.pdf',
    type: 'application/pdf',
    bytes: pdfScan('Application for change of use', 600 * 1024),
  },
  { name: '身份证复印件.png', type: 'image/png', bytes: pngScan() },
  {
    name: '客户信息变更单.pdf',
    type: 'application/pdf',
    bytes: pdfScan('Customer information change form', 600 * 1024),
  },
];
const sha256 = (b: Buffer | Uint8Array) => createHash('sha256').update(b).digest('hex');
let submissionId = '';
let archiveCodes: string[] = [];
let openedDocumentId = '';

describe('the console', () => {
  it('serves the console at / beside the API, with its config and without shadowing routes', async () => {
    const index = await fetch(`${base}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toContain('text/html');
    expect(await index.text()).toContain('<div id="app">');
    const config = await (await fetch(`${base}/config.json`)).json();
    expect(config).toEqual({ apiUrl: '', auth: { kind: 'local' } });
    // API routes stay the API's, for browsers too.
    const api = await fetch(`${base}/customers`, { headers: { accept: 'text/html' } });
    expect(api.status).toBe(401);
    const health = await fetch(`${base}/health`);
    expect(await health.json()).toEqual({ status: 'ok' });
    // Unknown non-page requests are still the API's 404; page addresses get the app.
    expect((await fetch(`${base}/nothing-here`)).status).toBe(404);
    expect((await fetch(`${base}/some/page`, { headers: { accept: 'text/html' } })).status).toBe(200);
    expect((await fetch(`${base}/..%2f..%2fpackage.json`)).status).toBe(404);
  });

  it('lets a clerk register a customer, showing bad input next to its field in Chinese', async () => {
    const page = await newPage();
    await page.goto(`${base}/`);
    await page.locator('[data-username="clerk1"]').waitFor();
    await screenshot(page, 'sign-in');
    await signIn(page, base, 'clerk1');
    await page.waitForURL(/#\/upload$/);

    await page.locator('[data-testid="new-customer"]').click();
    const form = page.locator('[data-testid="customer-form"]');
    await form.locator('[data-field="customerNo"]').fill('x');
    await form.locator('[data-field="name"]').fill('华北电力测试客户');
    await form.locator('[data-field="phone"]').fill('12345');
    await form.getByRole('button', { name: '创建客户' }).click();
    const noError = form.locator('.field:has([data-field="customerNo"]) .field-error');
    await poll(() => noError.textContent()).toContain('户号须为');
    await expect
      .poll(() => form.locator('.field:has([data-field="phone"]) .field-error').textContent())
      .toContain('手机号');
    expect(await form.locator('[data-field="customerNo"]').getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'customer-errors');

    // The same mistake in English.
    await page.locator('[data-testid="lang"]').click();
    await page.locator('[data-testid="new-customer"]').click();
    await page.locator('[data-field="customerNo"]').fill('x');
    await page.locator('[data-field="name"]').fill('North China test customer');
    await page.getByRole('button', { name: 'Create customer' }).click();
    await expect
      .poll(() => page.locator('.field:has([data-field="customerNo"]) .field-error').textContent())
      .toContain('must be 4-32 letters');
    await page.locator('[data-testid="lang"]').click();

    await page.locator('[data-testid="new-customer"]').click();
    await page.locator('[data-field="customerNo"]').fill(customerNo);
    await page.locator('[data-field="name"]').fill('华北电力测试客户');
    await page.locator('[data-field="phone"]').fill('13812345678');
    await page.getByRole('button', { name: '创建客户' }).click();
    await expect
      .poll(() => page.locator('[data-testid="chosen-customer"]').textContent())
      .toContain(customerNo);
    await page.close();
  }, 60_000);

  it('lets a clerk upload three scans with visible progress and submit them', async () => {
    const page = await newPage();
    await signIn(page, base, 'clerk1');
    await page.goto(`${base}/#/upload`);
    await page.locator('[data-testid="customer-q"]').fill(customerNo);
    await page.locator('[data-testid="customer-q"]').press('Enter');
    await page.getByRole('button', { name: '选择', exact: true }).click();
    await page.locator('[data-testid="event"]').selectOption('CHANGE');
    const checklist = page.locator('[data-testid="checklist"]');
    await poll(() => checklist.locator('li.missing').count()).toBe(3);
    expect(await page.locator('[data-testid="upload"]').isDisabled()).toBe(true);

    // Slow uploads down so their progress can be seen.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 20,
      downloadThroughput: -1,
      uploadThroughput: 1024 * 1024,
    });

    await dropFiles(page, scans);
    const rows = page.locator('[data-testid="files"] tbody tr');
    await poll(() => rows.count()).toBe(3);
    await rows.nth(0).locator('select').selectOption('APPFORM');
    await rows.nth(1).locator('select').selectOption('IDCOPY');
    await rows.nth(2).locator('select').selectOption('INFOCHG');
    // Chosen is not done: a type is ticked off once storage has reported its document's upload.
    await poll(() => checklist.locator('li.chosen').count()).toBe(3);
    expect(await checklist.locator('li.done').count()).toBe(0);
    await poll(() => page.locator('[data-testid="upload"]').isEnabled()).toBe(true);

    // Record every value the overall progress bar takes.
    await page.evaluate(() => {
      const seen: number[] = [];
      (window as unknown as { seenProgress: number[] }).seenProgress = seen;
      const tick = () => {
        const bar = document.querySelector<HTMLProgressElement>('#overall-bar');
        if (bar && seen[seen.length - 1] !== bar.value) seen.push(bar.value);
        requestAnimationFrame(tick);
      };
      tick();
    });
    await page.locator('[data-testid="upload"]').click();
    await expect
      .poll(() =>
        page.locator('tr[data-state="uploading"], tr[data-state="sent"], tr[data-state="done"]').count(),
      )
      .toBeGreaterThan(0);
    await screenshot(page, 'upload-progress');
    await poll(() => page.locator('tr[data-state="done"]').count(), { timeout: 60_000 }).toBe(3);
    await poll(() => checklist.locator('li.done').count()).toBe(3);
    const seen = await page.evaluate(() => (window as unknown as { seenProgress: number[] }).seenProgress);
    expect(seen.some((v) => v > 0 && v < 100)).toBe(true);
    expect(seen[seen.length - 1]).toBe(100);
    await poll(() => page.locator('[data-testid="overall"]').textContent()).toContain('3/3');
    await screenshot(page, 'upload');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });

    await page.locator('[data-testid="submit"]').click();
    await page.waitForURL(/#\/submissions\//);
    submissionId = /#\/submissions\/([\w-]+)/.exec(page.url())?.[1] ?? '';
    expect(submissionId).not.toBe('');
    await expect
      .poll(() => page.locator('.page-header [data-status]').getAttribute('data-status'), { timeout: 60_000 })
      .toBe('IN_REVIEW');
    await screenshot(page, 'submission-in-review');
  }, 120_000);

  it("mails the reviewer of the clerk's submission within 10 s; the mail's link opens it, and its unsubscribe link works without signing in", async () => {
    const page = `#/submissions/${submissionId}`;
    // Read through MailDev's HTTP API, as its web inbox does.
    const mail = await waitForMail(system.ready.mailInboxUrl, 'reviewer1@dangan.local', page, 10_000);
    expect(mail.subject).toContain('新的入库审核任务');
    expect(mail.text).not.toContain(customerNo);
    const link = /(http\S+#\/submissions\/[\w-]+)/.exec(mail.text)?.[1] ?? '';
    expect(link).toBe(`${base}/${page}`);

    const reviewer = await newPage();
    await signIn(reviewer, base, 'reviewer1');
    await reviewer.goto(link);
    await poll(() => reviewer.locator('.page-header [data-status]').getAttribute('data-status')).toBe(
      'IN_REVIEW',
    );

    // Their own choices: the daily digest for new tasks.
    await reviewer.goto(`${base}/#/notifications`);
    await poll(() => reviewer.locator('[data-testid="notify-task"]').inputValue()).toBe('instant');
    await reviewer.locator('[data-testid="notify-task"]').selectOption('digest');
    await reviewer.locator('[data-testid="notify-save"]').click();
    await poll(() => reviewer.locator('.toast').first().textContent()).toContain('通知设置已保存');
    await screenshot(reviewer, 'notifications');
    await reviewer.close();
    const api = new Api(system.ready.apiUrl);
    const saved = await api.expect<{ preferences: Record<string, string> }>(
      200,
      'reviewer1',
      'GET',
      '/me/notifications',
    );
    expect(saved.preferences.task).toBe('digest');

    // The footer's link, opened in a browser nobody signed in to: that kind is off.
    const anonymous = await newPage();
    await anonymous.goto(`${base}/#/unsubscribe/${unsubscribeTokenOf(mail)}`);
    await poll(() => anonymous.locator('[data-testid="unsubscribed"]').textContent()).toContain('已退订');
    await anonymous.close();
    const after = await api.expect<{ preferences: Record<string, string> }>(
      200,
      'reviewer1',
      'GET',
      '/me/notifications',
    );
    expect(after.preferences.task).toBe('none');
    await api.expect(200, 'reviewer1', 'PUT', '/me/notifications', { task: 'instant' });
  }, 60_000);

  it('lets a reviewer see each scan inline and approve from the inbox; the clerk sees the archive codes', async () => {
    const page = await newPage();
    // Every scan the browser fetches from the intake bucket, with what storage answered: the
    // request goes on to the local S3 unchanged and its answer back to the page as it came.
    const fetched = new Map<string, { status: number; type: string | undefined; sha256: string }>();
    await page.route(`${system.ready.s3Url}/${system.ready.intakeBucket}/intake/**`, async (route) => {
      const res = await route.fetch();
      const body = await res.body();
      fetched.set(route.request().url(), {
        status: res.status(),
        type: res.headers()['content-type'],
        sha256: sha256(body),
      });
      await route.fulfill({ response: res, body });
    });
    await signIn(page, base, 'reviewer1');
    await page.goto(`${base}/#/inbox`);
    const task = page.locator(`[data-subject="${submissionId}"]`);
    await task.waitFor({ timeout: 30_000 });
    await task.locator('button').click();
    const detail = page.locator('[data-testid="task-detail"]');
    await poll(() => detail.locator('[data-testid="scan-card"]').count()).toBe(3);
    await poll(() => detail.locator('.check.ok').count()).toBe(12);
    // Masking agrees with what the page shows: beside the ID copy's scan, its title is in clear.
    const titles = await detail.locator('[data-testid="scan-card"] .scan-meta strong').allTextContents();
    expect(titles.some((title) => title.startsWith('身份证复印件'))).toBe(true);
    expect(titles.join('|')).not.toContain('*');

    // The ID copy as an image, drawn at its full size from the uploaded PNG.
    const img = detail.locator('img[data-testid="scan"]');
    await poll(() => img.count()).toBe(1);
    await expect
      .poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth), { timeout: 20_000 })
      .toBe(640);
    // The two PDFs in frames, each answered with exactly the bytes the clerk uploaded.
    const frames = detail.locator('iframe[data-testid="scan"]');
    await poll(() => frames.count()).toBe(2);
    const srcs = await frames.evaluateAll((els) => els.map((el) => (el as HTMLIFrameElement).src));
    const pdfs = scans.filter((f) => f.type === 'application/pdf').map((f) => sha256(f.bytes));
    await expect
      .poll(() => srcs.map((src) => fetched.get(src)), { timeout: 20_000 })
      .toEqual(pdfs.map((h) => expect.objectContaining({ status: 200, type: 'application/pdf', sha256: h })));
    // A frame commits its URL a moment after its response arrives (one was still about:blank in a
    // loaded run): wait for both, as for the bytes.
    await expect
      .poll(() => page.frames().map((f) => f.url()), { timeout: 20_000 })
      .toEqual(expect.arrayContaining(srcs));
    await screenshot(page, 'inbox');

    // Approving needs no comment; rejecting does, and says so next to the field.
    await detail.locator('[data-testid="reject"]').click();
    await expect
      .poll(() => detail.locator('.field:has([data-field="comment"]) .field-error').textContent())
      .toContain('退回时必须填写意见');
    await detail.locator('[data-testid="comment"]').fill('资料齐全，同意归档');
    await detail.locator('[data-testid="approve"]').click();
    await poll(() => task.count()).toBe(0);

    const clerk = pages[1] as Page;
    await expect
      .poll(() => clerk.locator('.page-header [data-status]').getAttribute('data-status'), {
        timeout: 60_000,
      })
      .toBe('ARCHIVED');
    await expect
      .poll(() => clerk.locator('[data-testid="archive-code"]').allTextContents())
      .toEqual([
        expect.stringMatching(/^Z001-KH·\d{4}-D30-BG-\d{4}$/),
        expect.stringMatching(/^Z001-KH·\d{4}-D10-BG-\d{4}$/),
        expect.stringMatching(/^Z001-KH·\d{4}-D30-BG-\d{4}$/),
      ]);
    archiveCodes = await clerk.locator('[data-testid="archive-code"]').allTextContents();
    await screenshot(clerk, 'submission-archived');
  }, 120_000);

  it('lets an archivist find the archived documents by archive code and open the original', async () => {
    const page = await newPage();
    await signIn(page, base, 'archivist1');
    await page.goto(`${base}/#/search`);
    for (const code of archiveCodes) {
      await page.locator('[data-testid="search-q"]').fill('');
      await page.locator('[data-testid="search-code"]').fill(code);
      await page.locator('[data-testid="search"]').click();
      await expect
        .poll(() => page.locator('[data-testid="results"] tbody tr').allTextContents())
        .toEqual([expect.stringContaining(code)]);
    }
    // By customer number: all three.
    await page.locator('[data-testid="search-code"]').fill('');
    await page.locator('[data-testid="search-q"]').fill(customerNo);
    await page.locator('[data-testid="search"]').click();
    await poll(() => page.locator('[data-testid="results"] tbody tr').count()).toBe(3);
    await screenshot(page, 'search');

    await page.locator('[data-testid="results"] a', { hasText: archiveCodes[1] as string }).click();
    await page.waitForURL(/#\/documents\//);
    openedDocumentId = /#\/documents\/([\w-]+)/.exec(page.url())?.[1] ?? '';
    await page.locator('[data-testid="view-original"]').click();
    const viewer = page.locator('img[data-testid="viewer"]');
    await viewer.waitFor();
    await expect
      .poll(() => viewer.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
      .toBe(640);
    await screenshot(page, 'document');
  }, 60_000);

  it('lets an auditor follow the submission and the read of the original in the trail', async () => {
    const page = await newPage();
    await signIn(page, base, 'auditor1');
    await page.goto(`${base}/#/audit`);
    const target = page.locator('[data-testid="audit-target"]');
    const actions = () =>
      page
        .locator('[data-testid="audit-table"] tbody tr')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')));
    await target.fill(submissionId);
    await page.locator('[data-testid="audit-search"]').click();
    await expect
      .poll(actions)
      .toEqual(expect.arrayContaining(['submission.created', 'submission.submitted']));
    await target.fill(openedDocumentId);
    await page.locator('[data-testid="audit-search"]').click();
    await poll(actions).toContain('document.content-url');
    const read = page.locator('[data-testid="audit-table"] tr[data-action="document.content-url"]').first();
    expect(await read.textContent()).toContain('赵磊');
    await screenshot(page, 'audit');

    const download = page.waitForEvent('download');
    await page.locator('[data-testid="audit-export"]').click();
    const file = await (await download).path();
    expect(readFileSync(file, 'utf8')).toContain('document.content-url');

    // The table answers a year; the page says so, and reads a day from the locked copies.
    expect(await page.locator('[data-testid="audit-searchable-from"]').textContent()).toMatch(
      /审计表检索最近一年（\d{4}-\d\d-\d\d 起）/,
    );
    await page.locator('input[name="from"]').fill(new Date().toISOString().slice(0, 10));
    await page.locator('[data-testid="audit-copies"]').click();
    await poll(actions).toContain('document.content-url');
  }, 60_000);

  it("lists the clerk's own submissions with their status, and a rejection's reason with a way to fix it", async () => {
    // A second submission of the same customer, rejected by the reviewer (set up over the API).
    const client = new Api(system.ready.apiUrl);
    const found = await client.expect<{ items: { customerId: string }[] }>(
      200,
      'clerk1',
      'GET',
      `/customers?q=${customerNo}`,
    );
    const customerId = found.items[0]?.customerId ?? '';
    const draft = await createDraft(client, customerId, 'METERING', [
      planDoc('METERWO', 'application/pdf', '装拆表工作单'),
    ]);
    await uploadAll(client, draft);
    await client.expect(202, 'clerk1', 'POST', `/submissions/${draft.submissionId}/submit`);
    const review = await openTaskFor(client, draft.submissionId);
    await client.expect(200, 'reviewer1', 'POST', `/tasks/${review.taskId}/decision`, {
      decision: 'reject',
      comment: '工作单缺少客户签字',
    });
    await waitSubmission(client, draft.submissionId, 'REJECTED', (x) => x.status === 'REJECTED');

    const page = await newPage();
    await signIn(page, base, 'clerk1');
    await page.goto(`${base}/#/upload`);
    const list = page.locator('[data-testid="my-submissions-table"]');
    const archived = list.locator(`tr[data-submission="${submissionId}"]`);
    const rejected = list.locator(`tr[data-submission="${draft.submissionId}"]`);
    await poll(() => list.locator('tbody tr').count()).toBe(2);
    // Newest first.
    expect(await list.locator('tbody tr').first().getAttribute('data-submission')).toBe(draft.submissionId);
    expect(await archived.locator('[data-status]').getAttribute('data-status')).toBe('ARCHIVED');
    expect(await archived.textContent()).toContain(customerNo);
    expect(await rejected.locator('[data-status]').getAttribute('data-status')).toBe('REJECTED');
    expect(await rejected.locator('[data-testid="rejection-reason"]').textContent()).toContain(
      '工作单缺少客户签字',
    );

    // Only the rejected ones, then to the submission to fix it.
    await page.locator('[data-testid="my-submissions-status"]').selectOption('REJECTED');
    await poll(() => list.locator('tbody tr').count()).toBe(1);
    await screenshot(page, 'my-submissions');
    await rejected.locator('[data-testid="fix"]').click();
    await page.waitForURL(new RegExp(`#/submissions/${draft.submissionId}$`));
    await page.locator('[data-testid="rejection"]').waitFor();
    expect(await page.locator('[data-testid="rejection"]').textContent()).toContain('工作单缺少客户签字');
    await page.locator('[data-testid="resubmit"]').waitFor();
    // The list comes from the API, not from this browser: nothing is kept in local storage.
    expect(
      await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('dangan.recent'))),
    ).toEqual([]);
  }, 120_000);

  it('raised no script errors in any page', () => {
    expect(consoleErrors).toEqual([]);
  });
});
