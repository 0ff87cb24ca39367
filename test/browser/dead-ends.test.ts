import { describe, expect, it } from 'vitest';
import {
  type Api,
  archiveDraft,
  changeDocs,
  createCustomer,
  createDraft,
  localUsers,
  put,
  type Submission,
  waitSubmission,
} from '../e2e/client.ts';
import type { LocalSystem } from '../e2e/system.ts';
import { signIn, useConsoleSystem } from './console.ts';
import { pdfScan } from './scans.ts';

let system: LocalSystem;
let api: Api;
let base: string;

// Accounts are cached for 2 s here, so clerk2's region limit holds from their first request.
const { newPage, consoleErrors } = useConsoleSystem(
  async (s) => {
    system = s.system;
    base = s.base;
    api = s.api;
    const users = await localUsers(system.ready.apiUrl);
    await api.expect(200, 'secadmin1', 'PUT', `/users/${users.get('clerk2')}/regions`, { regions: ['HZ'] });
  },
  { env: { DANGAN_ACCOUNT_CACHE_SECONDS: '2' } },
);

const poll = <T>(check: () => T | Promise<T>, options: { timeout?: number } = {}) =>
  expect.poll(check, { timeout: options.timeout ?? 30_000, interval: 150 });

const unique = () => Date.now().toString(36).toUpperCase();

describe('no dead ends', () => {
  it('lets a clerk finish a draft they left: the missing file uploaded on its page, then submitted', async () => {
    const customerId = await createCustomer(api);
    const draft = await createDraft(api, customerId, 'CHANGE', changeDocs('草稿'));
    // Two of three files were sent before the clerk left.
    for (const d of draft.docs.slice(0, 2)) expect((await put(d.upload, d.bytes)).status).toBe(200);
    const missing = draft.docs[2];
    await waitSubmission(
      api,
      draft.submissionId,
      'two documents uploaded',
      (s: Submission) => s.documents.filter((d) => d.status === 'UPLOADED').length === 2,
    );

    const page = await newPage();
    await signIn(page, base, 'clerk1');
    await page.goto(`${base}/#/upload`);
    const row = page.locator(
      `[data-testid="my-submissions-table"] tr[data-submission="${draft.submissionId}"]`,
    );
    expect(await row.locator('[data-status]').getAttribute('data-status'), 'listed as a draft').toBe('DRAFT');
    await row.locator('[data-testid="continue"]').click();
    await page.waitForURL(new RegExp(`#/submissions/${draft.submissionId}$`));
    await page.locator('[data-testid="draft-notice"]').waitFor();
    const submit = page.locator('[data-testid="submit"]');
    expect(await submit.isDisabled()).toBe(true);

    await page.locator(`[data-testid="replace-${missing?.documentId}"]`).setInputFiles({
      name: '客户信息变更单.pdf',
      mimeType: 'application/pdf',
      buffer: pdfScan('Customer information change form', 32 * 1024),
    });
    await poll(() => submit.isEnabled()).toBe(true);
    expect(await page.locator('[data-testid="draft-notice"]').textContent()).toContain('可以提交审核');
    await submit.click();
    await poll(() => page.locator('.page-header [data-status]').getAttribute('data-status')).toMatch(
      /^(SUBMITTED|VALIDATED|IN_REVIEW)$/,
    );
    await page.close();
  }, 120_000);

  it('lets a clerk limited to HZ find the README’s 张三 by name and register customers in HZ', async () => {
    const hzNo = `HZ${unique()}`;
    const nbNo = `NB${unique()}`;
    // The README's example, as written there, and a namesake in another region.
    await api.expect(201, 'clerk1', 'POST', '/customers', {
      customerNo: hzNo,
      name: '张三',
      type: 'RES',
      region: 'HZ',
    });
    await api.expect(201, 'clerk1', 'POST', '/customers', {
      customerNo: nbNo,
      name: '张三丰',
      type: 'RES',
      region: 'NB',
    });
    const byClerk1 = await api.expect<{ items: { customerNo: string }[] }>(
      200,
      'clerk1',
      'GET',
      '/customers?q=张三',
    );
    expect(byClerk1.items.map((c) => c.customerNo)).toEqual(expect.arrayContaining([hzNo, nbNo]));

    const page = await newPage();
    await signIn(page, base, 'clerk2');
    await page.goto(`${base}/#/upload`);
    await page.locator('[data-testid="customer-q"]').fill('张三');
    await page.locator('[data-testid="customer-q"]').press('Enter');
    const results = page.locator('[data-testid="customer-step"] .results');
    await poll(() => results.textContent()).toContain(hzNo);
    expect(await results.textContent()).not.toContain(nbNo);
    expect(await page.locator('[data-testid="searched-regions"]').textContent()).toContain('HZ');

    // The new-customer form offers the clerk's one region, filled in.
    await page.locator('[data-testid="new-customer"]').click();
    const region = page.locator('[data-testid="customer-region"]');
    await poll(() => region.inputValue()).toBe('HZ');
    const newNo = `HZN${unique()}`;
    await page.locator('[data-field="customerNo"]').fill(newNo);
    await page.locator('[data-field="name"]').fill('张三新户');
    await page.getByRole('button', { name: '创建客户' }).click();
    await poll(() => page.locator('[data-testid="chosen-customer"]').textContent()).toContain(newNo);
    const found = await api.expect<{ items: { region: string }[] }>(
      200,
      'clerk1',
      'GET',
      `/customers?q=${newNo}`,
    );
    expect(found.items.map((c) => c.region)).toEqual(['HZ']);
    await page.close();
  }, 60_000);

  it('renews a session about to expire, and when it cannot, says so and keeps the form typed', async () => {
    const page = await newPage();
    // The page's timers on a clock the test can move past the token's end (time otherwise runs).
    await page.clock.install();
    await signIn(page, base, 'clerk1');
    await page.goto(`${base}/#/upload`);
    await page.locator('[data-testid="new-customer"]').click();
    const typed = { customerNo: `KEEP${unique()}`, name: '王五', phone: '13912345678' };
    for (const [name, value] of Object.entries(typed))
      await page.locator(`[data-field="${name}"]`).fill(value);

    const session = () =>
      page.evaluate(
        () =>
          JSON.parse(sessionStorage.getItem('dangan.session') ?? 'null') as {
            token: string;
            expiresAt: number;
          },
      );
    const expireIn = (ms: number) =>
      page.evaluate((left) => {
        const s = JSON.parse(sessionStorage.getItem('dangan.session') ?? '{}');
        sessionStorage.setItem('dangan.session', JSON.stringify({ ...s, expiresAt: Date.now() + left }));
      }, ms);

    // Three minutes left: renewed in the background.
    const before = await session();
    await expireIn(3 * 60_000);
    await poll(async () => (await session()).expiresAt - Date.now()).toBeGreaterThan(10 * 60_000);
    expect((await session()).token).not.toBe(before.token);

    // Then the token endpoint fails and the token runs out.
    await page.route(`${base}/local/token`, (route) => route.fulfill({ status: 503, body: 'unavailable' }));
    await expireIn(30_000);
    await page.clock.fastForward(31_000);
    const banner = page.locator('[data-testid="session-expired"]');
    await banner.waitFor({ timeout: 30_000 });
    expect(await banner.textContent()).toContain('登录已过期');
    expect(await page.locator('[data-field="customerNo"]').inputValue()).toBe(typed.customerNo);

    await page.unroute(`${base}/local/token`);
    await page.locator('[data-testid="sign-in-again"]').click();
    await page.locator('[data-username="clerk1"]').click();
    await page.waitForURL(/#\/upload$/);
    for (const [name, value] of Object.entries(typed)) {
      await poll(() => page.locator(`[data-field="${name}"]`).inputValue()).toBe(value);
    }
    expect(await page.locator('[data-testid="session-expired"]').count()).toBe(0);
    await page.close();
  }, 90_000);
});

describe('right signals', () => {
  it('does not tick the checklist for a file the page refused, nor for one merely chosen', async () => {
    const customerId = await createCustomer(api);
    const { customerNo } = await api.expect<{ customerNo: string }>(
      200,
      'clerk1',
      'GET',
      `/customers/${customerId}`,
    );
    const page = await newPage();
    await signIn(page, base, 'clerk1');
    await page.goto(`${base}/#/upload`);
    await page.locator('[data-testid="customer-q"]').fill(customerNo);
    await page.locator('[data-testid="customer-q"]').press('Enter');
    await page.getByRole('button', { name: '选择', exact: true }).click();
    await page.locator('[data-testid="event"]').selectOption('CHANGE');
    await page.locator('[data-testid="file-input"]').setInputFiles([
      { name: 'appform.pdf', mimeType: 'application/pdf', buffer: pdfScan('Application', 16 * 1024) },
      // A format the scheme does not take: the page refuses it.
      { name: 'idcopy.gif', mimeType: 'image/gif', buffer: Buffer.from('GIF89a not a scan') },
    ]);
    const rows = page.locator('[data-testid="files"] tbody tr');
    await poll(() => rows.count()).toBe(2);
    await rows.nth(0).locator('select').selectOption('APPFORM');
    await rows.nth(1).locator('select').selectOption('IDCOPY');
    await poll(() => rows.nth(1).getAttribute('data-state')).toBe('invalid');

    const item = (code: string) => page.locator(`[data-testid="checklist"] li[data-doctype="${code}"]`);
    await poll(() => item('APPFORM').getAttribute('data-state')).toBe('chosen');
    expect(await item('IDCOPY').getAttribute('data-state')).toBe('missing');
    expect(await page.locator('[data-testid="checklist"] li.done').count()).toBe(0);
    expect(await page.locator('[data-testid="event-step"] .notice-ok').count()).toBe(0);
    expect(await page.locator('[data-testid="upload"]').isDisabled()).toBe(true);
    await page.close();
  }, 60_000);

  it('gives 待上传, 已上传 and 已归档 badges of their own', async () => {
    const customerId = await createCustomer(api);
    const { customerNo } = await api.expect<{ customerNo: string }>(
      200,
      'clerk1',
      'GET',
      `/customers/${customerId}`,
    );
    await archiveDraft(api, await createDraft(api, customerId, 'CHANGE', changeDocs('归档')));
    const uploaded = await createDraft(api, customerId, 'CHANGE', changeDocs('已上传'));
    const first = uploaded.docs[0];
    if (first) expect((await put(first.upload, first.bytes)).status).toBe(200);
    await waitSubmission(api, uploaded.submissionId, 'one document uploaded', (s: Submission) =>
      s.documents.some((d) => d.status === 'UPLOADED'),
    );

    const page = await newPage();
    await signIn(page, base, 'archivist1');
    await page.goto(`${base}/#/search`);
    await page.locator('[data-testid="search-q"]').fill(customerNo);
    await page.locator('[data-testid="search"]').click();
    const badges = page.locator('[data-testid="results"] tbody [data-status]');
    await poll(() => badges.count()).toBe(6);
    const looks = await badges.evaluateAll((els) =>
      els.map((el) => {
        const css = getComputedStyle(el);
        return {
          status: el.getAttribute('data-status'),
          text: el.textContent,
          look: `${css.backgroundColor} ${css.color} ${css.borderStyle} ${css.borderColor}`,
        };
      }),
    );
    const lookOf = (status: string) => looks.find((l) => l.status === status);
    expect(lookOf('PENDING_UPLOAD')?.text).toBe('待上传');
    expect(lookOf('UPLOADED')?.text).toBe('已上传');
    expect(lookOf('ARCHIVED')?.text).toBe('已归档');
    const distinct = new Set(['PENDING_UPLOAD', 'UPLOADED', 'ARCHIVED'].map((s) => lookOf(s)?.look));
    expect(distinct.size).toBe(3);
    await page.close();
  }, 120_000);

  it('raised no script errors in any page', () => {
    expect(consoleErrors).toEqual([]);
  });
});
