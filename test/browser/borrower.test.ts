/**
 * Borrowing, holds, overdue loans and disposal in the console, in a real browser (Debian's
 * Chromium through playwright-core) against the real local system. Documents are archived through
 * the HTTP API; then a borrower asks for two of them from the archive search, an approver approves
 * in the inbox, the borrower reads them inline and returns the loan; an archivist places and
 * releases a hold; after the test clock moves, the archivist sees a paper original overdue and
 * records it back; ten years on, the sweep proposes a disposal batch that is appraised and approved
 * in the inbox and leaves its destruction list. The clock only moves forward, so the tests run in
 * order.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type Api,
  archiveDraft,
  createCustomer,
  createDraft,
  declare,
  openTaskFor,
  type PlannedDoc,
  planDoc,
  type Submission,
  type Task,
  type Upload,
  uploadAll,
  waitSubmission,
} from '../e2e/client.ts';
import { type LocalSystem, until } from '../e2e/system.ts';
import { screenshot, signIn, useConsoleSystem } from './console.ts';
import { foreignWords, untranslated } from './latin-words.ts';
import { pdfScan, pngScan } from './scans.ts';

let system: LocalSystem;
let api: Api;
let base: string;

/** Polls with a timeout fit for a loaded machine (vitest's default is one second). */
const poll = <T>(check: () => T | Promise<T>, options: { timeout?: number } = {}) =>
  expect.poll(check, { timeout: options.timeout ?? 30_000, interval: 150 });

interface LoanView {
  loanId: string;
  status: string;
  paperOut: boolean;
  overdue: boolean;
  rejection?: { reason: string };
}

interface HoldView {
  holdId: string;
  status: string;
  reason: string;
  releasedBy?: string;
}

/** The documents archived for the tests, by type. */
const docs: Record<string, { documentId: string; archiveCode: string }> = {};
let customerNo = '';

/** One CHANGE submission through intake to ARCHIVED; a paper original declared with its shelf. */
async function archiveFile(): Promise<void> {
  const customerId = await createCustomer(api);
  customerNo = (await api.expect<{ customerNo: string }>(200, 'clerk1', 'GET', `/customers/${customerId}`))
    .customerNo;
  const planned: PlannedDoc[] = [
    {
      docType: 'APPFORM',
      title: '用电变更申请表 借阅',
      fileName: 'appform.pdf',
      contentType: 'application/pdf',
      bytes: pdfScan('Application for change of use', 64 * 1024),
    },
    planDoc('IDCOPY', 'image/jpeg', '身份证复印件 借阅'),
    {
      docType: 'INFOCHG',
      title: '客户信息变更单 借阅',
      fileName: 'infochg.png',
      contentType: 'image/png',
      bytes: pngScan(),
    },
    planDoc('METERWO', 'application/pdf', '装拆表工作单 借阅'),
    planDoc('PAPERBOX', 'application/pdf', '纸质原件 盒 17'),
  ];
  const created = await api.expect<{
    submissionId: string;
    documents: { documentId: string; upload: Upload }[];
  }>(201, 'clerk1', 'POST', '/submissions', {
    customerId,
    businessEvent: 'CHANGE',
    documents: planned.map((d) =>
      d.docType === 'PAPERBOX'
        ? { ...declare(d), location: { room: 'A', cabinet: '3', box: '17' } }
        : declare(d),
    ),
  });
  const draft = {
    submissionId: created.submissionId,
    docs: planned.map((d, i) => ({
      ...d,
      documentId: created.documents[i]?.documentId as string,
      upload: created.documents[i]?.upload as Upload,
    })),
  };
  const done: Submission = await archiveDraft(api, draft);
  for (const d of done.documents) {
    docs[d.docType] = { documentId: d.documentId, archiveCode: d.archiveCode ?? '' };
  }
}

const doc = (type: string) => docs[type] as { documentId: string; archiveCode: string };

const loanOf = (id: string) => api.expect<LoanView>(200, 'archivist1', 'GET', `/loans/${id}`);

const waitLoan = (id: string, what: string, done: (l: LoanView) => boolean) =>
  until(
    `loan ${id} ${what}`,
    async () => {
      const l = await loanOf(id);
      return done(l) ? l : undefined;
    },
    60_000,
    200,
  );

const taskFor = (user: string, subjectId: string, kind: string) =>
  until(
    `a ${kind} task for ${subjectId} in ${user}'s list`,
    async () => {
      const { items } = await api.expect<{ items: Task[] }>(200, user, 'GET', '/tasks');
      return items.find((t) => t.subjectId === subjectId && t.kind === kind);
    },
    60_000,
    200,
  );

async function clockNow(): Promise<string> {
  const res = await fetch(`${system.ready.apiUrl}/local/clock`);
  return ((await res.json()) as { now: string }).now;
}

/** Moves the test clock forward to `target` (the local clock moves at most ten years at a time). */
async function moveClockTo(target: string): Promise<void> {
  for (;;) {
    const seconds = Math.floor((Date.parse(target) - Date.parse(await clockNow())) / 1000);
    if (seconds <= 0) return;
    const res = await fetch(`${system.ready.apiUrl}/local/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advanceSeconds: Math.min(seconds, 10 * 365 * 86_400) }),
    });
    if (res.status !== 200) throw new Error(`moving the clock: ${res.status} ${await res.text()}`);
  }
}

const { newPage, consoleErrors } = useConsoleSystem(
  async (s) => {
    system = s.system;
    base = s.base;
    api = s.api;
    await archiveFile();
  },
  { timeoutMs: 240_000 },
);

let borrower: Page;
/** The batch the import test made, for the walk. */
let importId = '';
let loanId = '';

describe('borrowing in the console', () => {
  it('lets a borrower ask for documents found by search, with bad input shown next to its field', async () => {
    borrower = await newPage();
    await signIn(borrower, base, 'staff1');
    // A member of staff lands on their loans, with nothing there yet.
    await borrower.waitForURL(/#\/loans$/);
    await borrower.locator('[data-testid="loans"] .empty').waitFor();
    await borrower.goto(`${base}/#/search`);
    await borrower.locator('[data-testid="search-q"]').fill(customerNo);
    await borrower.locator('[data-testid="search"]').click();
    const rows = borrower.locator('[data-testid="results"] tbody tr');
    await poll(() => rows.count()).toBe(5);
    for (const type of ['APPFORM', 'INFOCHG']) {
      await borrower.locator(`tr[data-document="${doc(type).documentId}"] [data-testid="pick"]`).check();
    }
    await borrower.locator('[data-testid="borrow-selected"]').click();
    const form = borrower.locator('[data-testid="loan-request"]');
    expect(await form.locator('[data-testid="loan-documents"] li').count()).toBe(2);

    // No purpose and too many days: both refused, each next to its field, in Chinese.
    await form.locator('[data-testid="loan-days"]').fill('99');
    await form.locator('[data-testid="loan-submit"]').click();
    await poll(() => form.locator('.field:has([data-field="purpose"]) .field-error').textContent()).toBe(
      '请填写借阅目的',
    );
    // The limit it broke, from the API's code and parameters: the scheme's 30 days.
    await poll(() => form.locator('.field:has([data-field="days"]) .field-error').textContent()).toBe(
      '不能超过 30 天',
    );
    expect(await form.locator('[data-field="days"]').getAttribute('aria-invalid')).toBe('true');
    // Nothing was asked for.
    expect((await api.expect<{ items: LoanView[] }>(200, 'staff1', 'GET', '/loans?mine')).items).toEqual([]);

    await form.locator('[data-testid="loan-purpose"]').fill('电费纠纷核查 2026-117');
    await form.locator('[data-testid="loan-days"]').fill('7');
    await form.locator('[data-testid="loan-submit"]').click();
    await borrower.waitForURL(/#\/loans$/);
    const row = borrower.locator('[data-testid="loans-table"] tbody tr').first();
    await poll(() => row.getAttribute('data-status')).toBe('PENDING_APPROVAL');
    loanId = (await row.getAttribute('data-loan')) ?? '';
    const loan = await api.expect<{ documents: { documentId: string }[]; purpose: string; days: number }>(
      200,
      'staff1',
      'GET',
      `/loans/${loanId}`,
    );
    expect(loan.documents.map((d) => d.documentId).sort()).toEqual(
      [doc('APPFORM').documentId, doc('INFOCHG').documentId].sort(),
    );
    expect(loan).toMatchObject({ purpose: '电费纠纷核查 2026-117', days: 7 });
  }, 120_000);

  it('shows an approver what the loan asks in the inbox, and takes the approval', async () => {
    const page = await newPage();
    await signIn(page, base, 'approver1');
    await page.goto(`${base}/#/inbox`);
    const task = page.locator(`[data-subject="${loanId}"]`);
    await task.waitFor({ timeout: 60_000 });
    expect(await task.textContent()).toContain('电费纠纷核查 2026-117');
    await task.locator('button').click();
    const detail = page.locator('[data-testid="task-detail"]');
    const subject = detail.locator('[data-testid="loan-subject"]');
    await subject.waitFor();
    expect(await subject.locator('[data-testid="loan-borrower"]').textContent()).toBe('何平');
    expect(await subject.locator('[data-testid="loan-purpose"]').textContent()).toBe('电费纠纷核查 2026-117');
    await poll(() => subject.locator('[data-testid="loan-documents"] tbody tr').allTextContents()).toEqual(
      expect.arrayContaining([
        expect.stringContaining(doc('APPFORM').archiveCode),
        expect.stringContaining(doc('INFOCHG').archiveCode),
      ]),
    );
    expect(await subject.textContent()).toContain('用电变更申请表 借阅');
    await screenshot(page, 'loan-approval');

    await detail.locator('[data-testid="comment"]').fill('同意借阅，限本案使用');
    await detail.locator('[data-testid="approve"]').click();
    await poll(() => task.count()).toBe(0);
    const loan = await waitLoan(loanId, 'ACTIVE', (l) => l.status === 'ACTIVE');
    expect(loan).toMatchObject({ status: 'ACTIVE', overdue: false });
    await page.close();
  }, 120_000);

  it('lets the borrower read the granted documents inline and return the loan early', async () => {
    // A second request, refused with a reason, shows beside the granted one.
    const refused = await api.expect<{ loanId: string }>(202, 'staff1', 'POST', '/loans', {
      documentIds: [doc('METERWO').documentId],
      purpose: '计量核查',
      days: 3,
    });
    const refusal = await taskFor('approver1', refused.loanId, 'loan-approval');
    await api.expect(200, 'approver1', 'POST', `/tasks/${refusal.taskId}/decision`, {
      decision: 'reject',
      comment: '用途不明确，请补充案号',
    });
    await waitLoan(refused.loanId, 'REJECTED', (l) => l.status === 'REJECTED');

    // The page refreshes by itself.
    const granted = borrower.locator(`tr[data-loan="${loanId}"]`);
    await poll(() => granted.getAttribute('data-status'), { timeout: 60_000 }).toBe('ACTIVE');
    const rejected = borrower.locator(`tr[data-loan="${refused.loanId}"]`);
    await poll(() => rejected.getAttribute('data-status'), { timeout: 60_000 }).toBe('REJECTED');
    expect(await rejected.locator('[data-testid="rejection-reason"]').textContent()).toContain(
      '用途不明确，请补充案号',
    );
    // Nothing to open on a refused loan.
    expect(await rejected.locator('[data-testid="open-document"]').count()).toBe(0);

    // The PDF in a frame, through a presigned URL of the original.
    await granted
      .locator(`li[data-document="${doc('APPFORM').documentId}"] [data-testid="open-document"]`)
      .click();
    const frame = borrower.locator('iframe[data-testid="viewer"]');
    await frame.waitFor();
    const src = (await frame.getAttribute('src')) ?? '';
    const pdf = await fetch(src);
    expect(pdf.status).toBe(200);
    expect((await pdf.text()).startsWith('%PDF-1.4')).toBe(true);
    // The image drawn in the page.
    await granted
      .locator(`li[data-document="${doc('INFOCHG').documentId}"] [data-testid="open-document"]`)
      .click();
    const img = borrower.locator('img[data-testid="viewer"]');
    await img.waitFor();
    await poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBe(640);
    expect(await borrower.locator('[data-testid="viewer-caption"]').textContent()).toContain(
      doc('INFOCHG').archiveCode,
    );
    await screenshot(borrower, 'loans');

    // Every read is in the trail, naming the loan.
    const trail = await api.expect<{ items: { action: string; details?: Record<string, unknown> }[] }>(
      200,
      'auditor1',
      'GET',
      `/audit?targetId=${doc('INFOCHG').documentId}`,
    );
    expect(trail.items.find((e) => e.action === 'document.content-url')?.details).toMatchObject({
      loanId,
      borrower: 'staff1',
    });

    await granted.locator('[data-testid="return-loan"]').click();
    await poll(() => granted.getAttribute('data-status')).toBe('RETURNED');
    expect(await borrower.locator('[data-testid="viewer"]').count()).toBe(0);
    expect(await borrower.locator('[data-testid="viewer-caption"]').textContent()).toBe('');
    expect(await granted.locator('[data-testid="open-document"]').count()).toBe(0);
    expect((await api.call('staff1', 'GET', `/documents/${doc('INFOCHG').documentId}/content`)).status).toBe(
      403,
    );
  }, 120_000);
});

describe('holds in the console', () => {
  it('lets an archivist place a hold with its reason and release it', async () => {
    const page = await newPage();
    await signIn(page, base, 'archivist1');
    const { documentId } = doc('INFOCHG');
    await page.goto(`${base}/#/documents/${documentId}`);
    const holds = page.locator('[data-testid="holds"]');
    await holds.waitFor();
    expect(await holds.textContent()).toContain('没有冻结记录');

    await holds.locator('[data-testid="place-hold"]').click();
    await poll(() => holds.locator('.field:has([data-field="reason"]) .field-error').textContent()).toContain(
      '请填写原因',
    );
    await holds.locator('[data-testid="hold-reason"]').fill('诉讼保全 (2026)京0102民初17号');
    await holds.locator('[data-testid="place-hold"]').click();
    const row = page.locator('[data-testid="holds-table"] tbody tr');
    await poll(() => row.getAttribute('data-status')).toBe('ACTIVE');
    expect(await row.textContent()).toContain('诉讼保全 (2026)京0102民初17号');
    expect(await page.locator('.page-header .badge-hold').textContent()).toContain('冻结中');

    await row.locator('[data-testid="release-hold"]').click();
    await poll(() => page.locator('[data-testid="holds-table"] tbody tr').getAttribute('data-status')).toBe(
      'RELEASED',
    );
    expect(await page.locator('.page-header .badge-hold').count()).toBe(0);
    const after = await api.expect<{ holds: HoldView[] }>(
      200,
      'archivist1',
      'GET',
      `/documents/${documentId}`,
    );
    expect(after.holds).toEqual([
      expect.objectContaining({
        status: 'RELEASED',
        reason: '诉讼保全 (2026)京0102民初17号',
        releasedBy: 'archivist1',
      }),
    ]);
    await page.close();
  }, 90_000);

  it('lets an archivist choose customers, build a handover package and download it', async () => {
    const page = await newPage();
    await signIn(page, base, 'archivist1');
    await page.goto(`${base}/#/handovers`);
    const form = page.locator('[data-testid="handover-form"]');
    // Nothing chosen and no year: the API's refusal is shown by the customers field.
    await form.locator('[data-testid="handover-start"]').click();
    await poll(() =>
      form.locator('.field:has([data-field="customers"]) .field-error').textContent(),
    ).not.toBe('');
    await form.locator('[data-testid="handover-q"]').fill(customerNo);
    await form.locator('[data-testid="handover-q"]').press('Enter');
    await form.locator('[data-testid="handover-add"]').first().click();
    await poll(() => form.locator('[data-testid="handover-customers"] li').count()).toBe(1);
    await form.locator('[data-testid="handover-start"]').click();

    const state = page.locator('[data-testid="handover-state"]');
    await poll(() => state.getAttribute('data-status'), { timeout: 60_000 }).toBe('READY');
    const link = state.locator('[data-testid="handover-download"]');
    expect(await link.textContent()).toBe('下载');
    // The link is the package: a ZIP of the customer's bag.
    const zip = Buffer.from(await (await fetch((await link.getAttribute('href')) as string)).arrayBuffer());
    expect(zip.subarray(0, 4).toString('latin1')).toBe('PK\u0003\u0004');
    expect(zip.includes(Buffer.from(`dangan-export_${customerNo}/bagit.txt`))).toBe(true);
    const row = page.locator('[data-testid="handover-list"] tbody tr').first();
    await poll(() => row.getAttribute('data-status')).toBe('READY');
    expect(await row.textContent()).toContain(customerNo);
    await page.close();
  }, 120_000);
});

describe('overdue loans and disposal in the console (the test clock moves forward)', () => {
  it('shows the archivist a paper original overdue after the clock moves, and records it back', async () => {
    const asked = await api.expect<{ loanId: string }>(202, 'staff1', 'POST', '/loans', {
      documentIds: [doc('PAPERBOX').documentId],
      purpose: '核对原件签字',
      days: 1,
    });
    const approval = await taskFor('approver1', asked.loanId, 'loan-approval');
    await api.expect(200, 'approver1', 'POST', `/tasks/${approval.taskId}/decision`, { decision: 'approve' });
    await waitLoan(asked.loanId, 'ACTIVE', (l) => l.status === 'ACTIVE');

    const page = await newPage();
    await signIn(page, base, 'archivist1');
    await page.goto(`${base}/#/overdue`);
    await page.locator('[data-testid="overdue"] .empty').waitFor();

    await moveClockTo(new Date(Date.parse(await clockNow()) + 86_400_000 + 120_000).toISOString());
    await waitLoan(asked.loanId, 'EXPIRED with the original out', (l) => l.status === 'EXPIRED' && l.overdue);
    await page.getByRole('button', { name: '刷新' }).click();
    const row = page.locator(`[data-testid="overdue"] tr[data-loan="${asked.loanId}"]`);
    await row.waitFor();
    // People by their display names.
    expect(await row.textContent()).toContain('何平');
    expect(await row.textContent()).toContain('A / 3 / 17');
    expect(await row.locator('.badge-overdue').count()).toBe(1);

    await row.locator('[data-testid="record-return"]').click();
    await poll(() => row.count()).toBe(0);
    expect(await loanOf(asked.loanId)).toMatchObject({ status: 'EXPIRED', paperOut: false, overdue: false });
    await page.close();
  }, 120_000);

  it('lists the disposal batch the sweep proposes, has it appraised and approved in the inbox, and prints its destruction list', async () => {
    // The meter work order (D10 from the end of its year) falls due ten years on; nothing else does.
    const year = Number((await clockNow()).slice(0, 4)) + 11;
    await moveClockTo(`${year}-01-20T10:00:00.000Z`);
    const res = await fetch(`${system.ready.apiUrl}/local/sweep`, { method: 'POST' });
    expect(res.status).toBe(200);
    const { sweep } = (await res.json()) as { sweep: { batches: string[] } };
    expect(sweep.batches).toHaveLength(1);
    const batchId = sweep.batches[0] as string;
    const { archiveCode, documentId } = doc('METERWO');

    const archivist = await newPage();
    await signIn(archivist, base, 'archivist1');
    await archivist.goto(`${base}/#/disposals`);
    const listed = archivist.locator(`[data-testid="batches"] tr[data-batch="${batchId}"]`);
    await listed.waitFor();

    // The archivist appraises it in the inbox, seeing the documents it would destroy.
    await taskFor('archivist1', batchId, 'disposal-appraisal');
    await archivist.goto(`${base}/#/inbox`);
    const appraisal = archivist.locator(`[data-subject="${batchId}"]`);
    await appraisal.waitFor({ timeout: 60_000 });
    await appraisal.locator('button').click();
    const detail = archivist.locator('[data-testid="task-detail"]');
    const items = detail.locator('[data-testid="disposal-subject"] [data-testid="batch-items"] tbody tr');
    await poll(() => items.allTextContents()).toEqual([expect.stringContaining(archiveCode)]);
    // Keeping documents needs a new period: the field says so.
    await detail.locator('[data-testid="comment"]').fill('仍有保存价值');
    await detail.locator('[data-testid="reject"]').click();
    await poll(() =>
      detail.locator('.field:has([data-field="extendYears"]) .field-error').textContent(),
    ).toContain('新的保管年限');
    await detail.locator('[data-testid="comment"]').fill('到期，无保存价值');
    await detail.locator('[data-testid="approve"]').click();
    await poll(() => appraisal.count()).toBe(0);

    // An approver approves it, seeing the same list and who appraised it.
    await taskFor('approver1', batchId, 'disposal-approval');
    const approver = await newPage();
    await signIn(approver, base, 'approver1');
    await approver.goto(`${base}/#/inbox`);
    const approval = approver.locator(`[data-subject="${batchId}"]`);
    await approval.waitFor({ timeout: 60_000 });
    await approval.locator('button').click();
    const approvalDetail = approver.locator('[data-testid="task-detail"]');
    await poll(() =>
      approvalDetail.locator('[data-testid="batch-items"] tbody tr').allTextContents(),
    ).toEqual([expect.stringContaining(archiveCode)]);
    expect(await approvalDetail.locator('[data-testid="batch-facts"]').textContent()).toContain('赵磊');
    await approvalDetail.locator('[data-testid="comment"]').fill('同意销毁');
    await approvalDetail.locator('[data-testid="approve"]').click();
    await poll(() => approval.count()).toBe(0);
    await approver.close();

    // The batch closes; its destruction list shows the tombstone, who decided, and the stored list.
    await until(
      `batch ${batchId} DONE`,
      async () => {
        const b = await api.expect<{ status: string }>(200, 'auditor1', 'GET', `/disposals/${batchId}`);
        return b.status === 'DONE' ? b : undefined;
      },
      90_000,
      250,
    );
    await archivist.goto(`${base}/#/disposals`);
    await poll(() => listed.getAttribute('data-status')).toBe('DONE');
    await listed.locator('a').click();
    await archivist.waitForURL(new RegExp(`#/disposals/${batchId}$`));
    const row = archivist.locator(`[data-testid="batch-items"] tr[data-document="${documentId}"]`);
    await poll(() => row.getAttribute('data-status')).toBe('DESTROYED');
    expect(await row.textContent()).toContain(archiveCode);
    const facts = await archivist.locator('[data-testid="batch-facts"]').textContent();
    expect(facts).toContain('赵磊');
    expect(facts).toContain('孙伟');
    const stored = archivist.locator('[data-testid="stored-list"] a').first();
    const html = await fetch((await stored.getAttribute('href')) ?? '');
    expect(html.status).toBe(200);
    expect(await html.text()).toContain(archiveCode);
    await poll(() => archivist.locator('#toasts .toast').count()).toBe(0);
    await screenshot(archivist, 'disposals');

    // Printed, the list stands alone: no navigation, no buttons, a line for signatures.
    await archivist.emulateMedia({ media: 'print' });
    expect(await archivist.locator('.topbar').isVisible()).toBe(false);
    expect(await archivist.locator('[data-testid="print"]').isVisible()).toBe(false);
    expect(await archivist.locator('.signatures').isVisible()).toBe(true);
    expect(await row.isVisible()).toBe(true);
    await archivist.emulateMedia({ media: 'screen' });
    expect(await archivist.locator('.signatures').isVisible()).toBe(false);
  }, 240_000);
});

describe('migration import in the console', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dangan-console-import-'));
  const scans = join(dir, 'scans');
  const catalogue = join(dir, '迁移目录.csv');
  const customer = `IMP${Date.now().toString(36).toUpperCase()}`;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Three rows of one customer; row 3 names a document type the scheme does not know until fixed. */
  const writeCatalogue = (thirdType: string) =>
    writeFileSync(
      catalogue,
      [
        '客户编号,客户名称,客户类型,业务事项,文件类型,题名,文件,形成日期',
        ...[1, 2, 3].map(
          (n) =>
            `${customer},迁移客户,RES,METERING,${n === 3 ? thirdType : 'METERWO'},装表工作单 迁移 ${n},wo-${n}.pdf,2019-03-0${n}`,
        ),
      ].join('\r\n'),
    );

  it('checks a catalogue and its folder of scans, names the bad row in Chinese, and imports once it is fixed', async () => {
    mkdirSync(scans);
    for (const n of [1, 2, 3])
      writeFileSync(join(scans, `wo-${n}.pdf`), pdfScan(`console import ${customer} ${n}`, 32 * 1024));
    writeCatalogue('XYZ');
    const page = await newPage();
    await signIn(page, base, 'archivist1');
    await page.goto(`${base}/#/imports`);
    await page.locator('[data-testid="import-start"]').click();
    await page.locator('[data-testid="import-catalogue"]').setInputFiles(catalogue);
    await page.locator('[data-testid="import-folder"]').setInputFiles(scans);
    await poll(() => page.locator('[data-testid="import-chosen"]').textContent()).toContain('3');
    await page.locator('[data-testid="import-check-run"]').click();
    const summary = page.locator('[data-testid="import-summary"]');
    await poll(() => summary.textContent()).toContain('共 3 行：可导入 2，已在档案中 0，有误 1');
    const bad = page.locator('[data-testid="import-problems"] tbody tr');
    expect(await bad.count()).toBe(1);
    expect(await bad.getAttribute('data-row')).toBe('3');
    expect(await bad.locator('[data-testid="problems"]').textContent()).toBe('文件类型 "XYZ" 不在分类方案中');
    await screenshot(page, 'import-check');
    // The check wrote nothing: the customer is still unknown to the archive.
    const before = await api.expect<{ items: unknown[] }>(
      200,
      'archivist1',
      'GET',
      `/customers?q=${customer}`,
    );
    expect(before.items).toEqual([]);

    // Fixed in the catalogue, chosen again, checked again: every row good, then imported.
    writeCatalogue('装拆表工作单');
    await page.locator('[data-testid="import-catalogue"]').setInputFiles(catalogue);
    await page.locator('[data-testid="import-check-run"]').click();
    await poll(() => summary.textContent()).toContain('共 3 行：可导入 3，已在档案中 0，有误 0');
    await page.locator('[data-testid="import-go"]').click();
    await page.waitForURL(/#\/imports\/imp-[0-9a-f]+$/, { timeout: 60_000 });
    importId = page.url().split('/').at(-1) as string;

    // The batch waits for its review, saying which task and who may decide it.
    const facts = page.locator('[data-testid="import-facts"]');
    await poll(() => facts.locator('[data-status]').getAttribute('data-status'), { timeout: 120_000 }).toBe(
      'IN_REVIEW',
    );
    expect(await facts.textContent()).toContain('待抽检审核');
    expect(await facts.textContent()).toContain('运行导入的档案员本人不能决定');
    const taskId = (await page.locator('[data-testid="review-task"]').textContent()) as string;
    await api.expect(200, 'reviewer1', 'POST', `/tasks/${taskId}/decision`, { decision: 'approve' });

    // Archived: the report gives each row's archive code, and downloads as the command's CSV.
    const codes = page.locator('[data-testid="report-table"] [data-testid="archive-code"]');
    await poll(
      async () => {
        await page.locator('button', { hasText: '刷新' }).click();
        return (await codes.allTextContents()).filter((c) => /^Z001-KH·2019-D10-JL-\d{4}$/.test(c)).length;
      },
      { timeout: 120_000 },
    ).toBe(3);
    expect(
      await page
        .locator('[data-testid="report-table"] tbody tr')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-outcome'))),
    ).toEqual(['archived', 'archived', 'archived']);
    expect(await page.locator('[data-testid="reason"]').first().textContent()).toMatch(
      /^已归档为 Z001-KH·2019-D10-JL-\d{4}（导入批次 imp-/,
    );
    await poll(
      async () => {
        await page.locator('button', { hasText: '刷新' }).click();
        return facts.locator('[data-status]').getAttribute('data-status');
      },
      { timeout: 60_000 },
    ).toBe('DONE');
    expect(await page.locator('[data-testid="progress-archive"]').textContent()).toContain('3/3');
    await screenshot(page, 'import-report');
    const download = page.waitForEvent('download');
    await page.locator('[data-testid="report-download"]').click();
    const csv = readFileSync((await (await download).path()) as string, 'utf8');
    const lines = csv.split('\r\n').filter((l) => l !== '');
    expect(lines[0]).toBe(
      '\ufeff行 row,文件 file,题名 title,结果 outcome,原因,reason,文件编号 document id,档号 archive code',
    );
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 4).join(','))).toEqual(
      [1, 2, 3].map((n) => `${n},wo-${n}.pdf,装表工作单 迁移 ${n},archived`),
    );

    // The list of batches shows it done, with its counts.
    await page.goto(`${base}/#/imports`);
    const listed = page.locator(`[data-import="${importId}"]`);
    await listed.waitFor();
    expect(await listed.locator('[data-status]').getAttribute('data-status')).toBe('DONE');
    expect((await listed.locator('td.num').allTextContents()).map(Number)).toEqual([3, 3, 0, 0]);

    // The same rows as an .xlsx with date cells (exceljs, loaded with the page): each scan is
    // archived for its customer already, so nothing is left to import.
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('目录');
    sheet.addRow(['客户编号', '客户名称', '客户类型', '业务事项', '文件类型', '题名', '文件', '形成日期']);
    for (const n of [1, 2, 3]) {
      sheet.addRow([
        customer,
        '迁移客户',
        'RES',
        'METERING',
        'METERWO',
        `装表工作单 迁移 ${n}`,
        `wo-${n}.pdf`,
        new Date(Date.UTC(2019, 2, n)),
      ]);
    }
    const xlsx = join(dir, '迁移目录.xlsx');
    await workbook.xlsx.writeFile(xlsx);
    await page.goto(`${base}/#/imports/new`);
    await page.locator('[data-testid="import-catalogue"]').setInputFiles(xlsx);
    await page.locator('[data-testid="import-folder"]').setInputFiles(scans);
    await page.locator('[data-testid="import-check-run"]').click();
    await poll(() => summary.textContent()).toContain('共 3 行：可导入 0，已在档案中 3，有误 0');
    expect(await page.locator('[data-testid="import-go"]').isDisabled()).toBe(true);

    // The same catalogue chosen again (as after leaving the page) finds its own batch: its rows
    // are its own, not duplicates, and importing again adds nothing.
    await page.locator('[data-testid="import-catalogue"]').setInputFiles(catalogue);
    await page.locator('[data-testid="import-check-run"]').click();
    await poll(() => summary.textContent()).toContain('共 3 行：可导入 3，已在档案中 0，有误 0');
    await page.locator('[data-testid="import-go"]').click();
    await page.waitForURL(`${base}/#/imports/${importId}`, { timeout: 60_000 });
    const customerId = (
      await api.expect<{ items: { customerId: string }[] }>(
        200,
        'archivist1',
        'GET',
        `/customers?q=${customer}`,
      )
    ).items[0]?.customerId;
    const held = await api.expect<{ items: { status: string }[] }>(
      200,
      'archivist1',
      'GET',
      `/documents?customerId=${customerId}`,
    );
    expect(held.items.map((d) => d.status)).toEqual(['ARCHIVED', 'ARCHIVED', 'ARCHIVED']);
    await page.close();
  }, 300_000);
});

describe('every page in the reader’s language', () => {
  /** Records the walk shows beside those of the tests before: a rejection, a review, a batch. */
  const seen = { rejectedId: '', reviewId: '', batchId: '' };

  /** The visible text of the page once it stopped changing (pages load and poll). */
  async function settledText(page: Page): Promise<string> {
    let last = '';
    await poll(async () => {
      // biome-ignore lint/performance/useDomNodeTextContent: what a person sees, not hidden text
      const now = await page.locator('body').innerText();
      const settled = now === last && !/加载中|Loading…/.test(now);
      last = now;
      return settled;
    }).toBe(true);
    return last;
  }

  /** The walk: each role on each page it has, with what it opens there. */
  const stops = (): { user: string; path: string; open?: (page: Page) => Promise<void> }[] => [
    { user: 'clerk1', path: '#/upload' },
    { user: 'clerk1', path: `#/submissions/${seen.rejectedId}` },
    {
      user: 'reviewer1',
      path: '#/inbox',
      open: async (page) => {
        await page.locator(`[data-subject="${seen.reviewId}"] button`).click();
        await page.locator('[data-testid="scan-card"]').first().waitFor();
      },
    },
    {
      user: 'archivist1',
      path: '#/search',
      open: async (page) => {
        await page.locator('[data-testid="search-q"]').fill(customerNo);
        await page.locator('[data-testid="search"]').click();
        await page.locator('[data-testid="results"] tbody tr').first().waitFor();
      },
    },
    { user: 'archivist1', path: `#/documents/${doc('PAPERBOX').documentId}` },
    { user: 'archivist1', path: '#/overdue' },
    { user: 'archivist1', path: '#/disposals' },
    { user: 'archivist1', path: `#/disposals/${seen.batchId}` },
    { user: 'archivist1', path: '#/dashboard' },
    { user: 'archivist1', path: '#/imports' },
    { user: 'archivist1', path: `#/imports/${importId}` },
    { user: 'archivist1', path: '#/imports/new' },
    { user: 'archivist1', path: '#/handovers' },
    { user: 'approver1', path: '#/inbox' },
    {
      user: 'auditor1',
      path: '#/audit',
      open: async (page) => {
        await page.locator('[data-testid="audit-target"]').fill(seen.rejectedId);
        await page.locator('[data-testid="audit-search"]').click();
        await page.locator('[data-testid="audit-table"] tbody tr').first().waitFor();
      },
    },
    { user: 'staff1', path: '#/loans' },
    { user: 'sysadmin1', path: '#/' },
    { user: 'secadmin1', path: '#/' },
  ];

  /**
   * Each stop's visible text, signed in as its user (one page, one session at a time), without
   * what the page marks `translate="no"`: identifiers shown as they are (the usernames on the
   * security administrator's accounts page, beside each person's name).
   */
  async function walk(page: Page, visit: (where: string, text: string) => void): Promise<void> {
    for (const stop of stops()) {
      // One tab, one session: the previous person signs out (the session lives in the tab).
      await page.evaluate(() => sessionStorage.clear());
      await signIn(page, base, stop.user);
      await page.goto(`${base}/${stop.path}`);
      await stop.open?.(page);
      const text = await settledText(page);
      const verbatim = await page.locator('[translate="no"]').allInnerTexts();
      visit(
        `${stop.user} ${stop.path}`,
        verbatim.reduce((t, v) => t.split(v).join(' '), text),
      );
    }
  }

  it('says what the system decided by its codes, with the values, and names people', async () => {
    const customerId = (
      await api.expect<{ items: { customerId: string }[] }>(
        200,
        'clerk1',
        'GET',
        `/customers?q=${customerNo}`,
      )
    ).items[0]?.customerId as string;
    // A scan whose bytes are PNG, declared a PDF: the checks reject it, by code, with the values.
    const wrong = { ...planDoc('METERWO', 'application/pdf', '装拆表工作单 走查'), bytes: pngScan() };
    const rejected = await createDraft(api, customerId, 'METERING', [wrong]);
    await uploadAll(api, rejected);
    await api.expect(202, 'clerk1', 'POST', `/submissions/${rejected.submissionId}/submit`);
    const back = await waitSubmission(api, rejected.submissionId, 'REJECTED', (x) => x.status === 'REJECTED');
    expect(back.rejection).toMatchObject({
      code: 'checks-failed',
      decidedBy: 'system',
      problems: [
        {
          check: 'usability',
          code: 'fileType.mismatch',
          params: { found: 'image/png', declared: 'application/pdf' },
        },
      ],
    });
    seen.rejectedId = rejected.submissionId;
    // One waiting for its review, for the reviewer's inbox.
    const review = await createDraft(api, customerId, 'METERING', [
      planDoc('METERWO', 'application/pdf', '装拆表工作单 待审'),
    ]);
    await uploadAll(api, review);
    await api.expect(202, 'clerk1', 'POST', `/submissions/${review.submissionId}/submit`);
    await openTaskFor(api, review.submissionId);
    seen.reviewId = review.submissionId;
    // The customer's history gains a changed type and region.
    const current = await api.call('clerk1', 'GET', `/customers/${customerId}`);
    await api.expect(
      200,
      'clerk1',
      'PATCH',
      `/customers/${customerId}`,
      { type: 'LV', region: 'HZ' },
      { 'if-match': current.headers.get('etag') ?? '' },
    );
    const batches = await api.expect<{ items: { batchId: string }[] }>(
      200,
      'archivist1',
      'GET',
      '/disposals',
    );
    seen.batchId = batches.items[0]?.batchId ?? '';
    expect(seen.batchId).not.toBe('');

    const page = await newPage();
    await signIn(page, base, 'clerk1');
    await page.goto(`${base}/#/submissions/${seen.rejectedId}`);
    const rejection = page.locator('[data-testid="rejection"]');
    await poll(() => rejection.textContent()).toContain('资料未通过四性检测或不齐全');
    const said = (await rejection.textContent()) ?? '';
    expect(said).toContain('可用性');
    expect(said).toContain('文件实际为 PNG 格式，申报为 PDF');
    expect(said).toContain('处理人：系统');
    expect(said).not.toContain('The submission failed');
    // The header names the clerk, and their role in words.
    expect(await page.locator('[data-testid="who"]').textContent()).toMatch(/王芳\s*经办员/);

    await page.evaluate(() => sessionStorage.clear());
    await signIn(page, base, 'archivist1');
    await page.goto(`${base}/#/documents/${doc('PAPERBOX').documentId}`);
    const history = page.locator('[data-testid="history"]');
    await poll(() => history.textContent()).toContain('客户类型：低压非居民客户');
    expect(await history.textContent()).toContain('区域：HZ');
    expect(await history.textContent()).toContain('王芳');
    // The document's first editor is its clerk by name, not the subject the record keeps.
    const versions = page.locator('[data-testid="document-history"]');
    await poll(() => versions.textContent()).toContain('王芳');
    expect(await versions.textContent()).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-/);
    await page.close();
  }, 240_000);

  it('walks every page as each role in zh-CN: no Latin word but names, file names, codes and numbers', async () => {
    const page = await newPage();
    const found: string[] = [];
    // The sign-in page: people by name, roles in words.
    await page.goto(`${base}/#/login`);
    await page.locator('[data-username="secadmin1"]').waitFor();
    for (const w of foreignWords(await settledText(page))) found.push(`login: ${w}`);
    expect(await page.locator('[data-username="secadmin1"]').textContent()).toMatch(/冯丽\s*安全保密管理员/);
    await walk(page, (where, text) => {
      for (const w of foreignWords(text)) found.push(`${where}: ${w}`);
    });
    expect(found).toEqual([]);
    await page.close();
  }, 300_000);

  it('walks the same pages in English: a word for every code, no value missing', async () => {
    const page = await newPage();
    await page.goto(`${base}/#/login`);
    await page.evaluate(() => localStorage.setItem('dangan.lang', 'en'));
    // The console reads the language when it loads.
    await page.reload();
    const found: string[] = [];
    try {
      await walk(page, (where, text) => {
        for (const w of untranslated(text)) found.push(`${where}: ${w}`);
        if (!text.includes('Sign out')) found.push(`${where}: not in English`);
      });
    } finally {
      await page.evaluate(() => localStorage.removeItem('dangan.lang'));
    }
    expect(found).toEqual([]);
    await page.close();
  }, 300_000);

  it('raised no script errors in any page', () => {
    expect(consoleErrors).toEqual([]);
  });
});
