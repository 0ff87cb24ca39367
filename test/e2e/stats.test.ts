/**
 * End to end over HTTP, against `npm start` with the benchmark's meters loaded (bench/probe.ts):
 * `GET /stats` follows the work as it happens. Documents archived and a submission rejected as
 * incomplete move the counters (kept from the records stream by stats-counter), a review task
 * waits and ages, a paper original lent out becomes overdue when the test clock passes its due
 * time, and a metering work order comes due for disposal ten years on, leaves the due count while
 * held and comes back when released, and an ID copy falls due when its account is closed and
 * leaves the window when the closure date is corrected (the due-day counters follow the due-date
 * index through the stream). The write units the counters add per archived document are read from the meters.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BenchSystem, startBenchSystem } from '../../bench/system.ts';
import type { StatsView } from '../../functions/core/stats.ts';
import {
  type Api,
  changeDocs,
  createCustomer,
  createDraft,
  type Draft,
  declare,
  openTaskFor,
  type PlannedDoc,
  planDoc,
  type Task,
  type Upload,
  uploadAll,
  waitSubmission,
} from './client.ts';
import { until } from './system.ts';

let bench: BenchSystem;
let api: Api;

beforeAll(async () => {
  bench = await startBenchSystem();
  api = bench.api;
}, 150_000);

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail')
    console.error(bench.system.output().split('\n').slice(-60).join('\n'));
});

afterAll(async () => {
  await bench?.stop();
}, 60_000);

const stats = (query = '', user = 'archivist1') => api.expect<StatsView>(200, user, 'GET', `/stats${query}`);

/** Polls `GET /stats` until `done` holds: the counters follow the stream by a moment. */
const statsWhen = (what: string, done: (s: StatsView) => boolean, query = '') =>
  until(
    `stats ${what}`,
    async () => {
      const s = await stats(query);
      return done(s) ? s : undefined;
    },
    90_000,
    250,
  );

const YEAR = new Date().getUTCFullYear();
const thisYear = (s: StatsView) => s.documents.years.find((y) => y.year === YEAR);
const event = (s: StatsView, code: string) => s.completeness.byEvent.find((e) => e.businessEvent === code);

const SHELF = { room: 'A', cabinet: '3', box: '17' };

/** A draft whose paper originals are declared with their shelf. */
async function draftWithPaper(customerId: string, businessEvent: string, docs: PlannedDoc[]): Promise<Draft> {
  const created = await api.expect<{
    submissionId: string;
    documents: { documentId: string; upload: Upload }[];
  }>(201, 'clerk1', 'POST', '/submissions', {
    customerId,
    businessEvent,
    documents: docs.map((d) => (d.docType === 'PAPERBOX' ? { ...declare(d), location: SHELF } : declare(d))),
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

async function submitAndReview(draft: Draft, decide: boolean) {
  await uploadAll(api, draft);
  await api.expect(202, 'clerk1', 'POST', `/submissions/${draft.submissionId}/submit`);
  const task = await openTaskFor(api, draft.submissionId);
  if (!decide) return task;
  await api.expect(200, 'reviewer1', 'POST', `/tasks/${task.taskId}/decision`, { decision: 'approve' });
  await waitSubmission(api, draft.submissionId, 'ARCHIVED', (s) => s.status === 'ARCHIVED');
  return task;
}

async function clockNow(): Promise<string> {
  const res = await fetch(`${bench.system.ready.apiUrl}/local/clock`);
  return ((await res.json()) as { now: string }).now;
}

const addDays = (day: string, days: number) =>
  new Date(Date.parse(`${day}T00:00:00.000Z`) + days * 86_400_000).toISOString().slice(0, 10);

async function moveClock(seconds: number) {
  const res = await fetch(`${bench.system.ready.apiUrl}/local/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ advanceSeconds: seconds }),
  });
  if (res.status !== 200) throw new Error(`moving the clock: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { now: string }).now;
}

describe('GET /stats', () => {
  let paperBox = '';
  let workOrder = '';
  let closingCustomer = { id: '', registeredOn: '' };

  it('starts at zero, and refuses bad parameters with a 400 naming them', async () => {
    const s = await stats();
    expect(s.documents).toEqual({ held: 0, disposed: 0, years: [] });
    expect(s.tasks.waiting).toBe(0);
    expect(s.loans.overdue).toBe(0);
    expect(s.disposal).toMatchObject({ due: 0, dueWithinDays: 90 });
    expect(s.completeness.byEvent.every((e) => e.firstSubmissions === 0 && e.completeRate === null)).toBe(
      true,
    );
    for (const [query, name] of [
      ['?year=twenty', 'year'],
      ['?dueWithinDays=0', 'dueWithinDays'],
      ['?region=HZ', 'region'],
    ] as const) {
      const r = await api.call<{ error: { message: string } }>('archivist1', 'GET', `/stats${query}`);
      expect(r.status, query).toBe(400);
      expect(JSON.stringify(r.body), query).toContain(name);
    }
  }, 60_000);

  it('counts documents archived, completeness at first submission and tasks waiting; measures the counters’ writes', async () => {
    await bench.probe.record();
    // A complete new connection with a paper original: five documents archived.
    const a = await createCustomer(api);
    closingCustomer = { id: a, registeredOn: (await clockNow()).slice(0, 10) };
    const newconn = await draftWithPaper(a, 'NEWCONN', [
      planDoc('APPFORM', 'application/pdf', '用电申请书 stats'),
      planDoc('IDCOPY', 'image/jpeg', '身份证复印件 stats'),
      planDoc('LANDCERT', 'application/pdf', '土地证明 stats'),
      planDoc('CONTRACT', 'application/pdf', '供用电合同 stats'),
      planDoc('PAPERBOX', 'application/pdf', '纸质原件 盒 17'),
    ]);
    await submitAndReview(newconn, true);
    paperBox = newconn.docs.find((d) => d.docType === 'PAPERBOX')?.documentId as string;
    // A metering work order: one document, due for disposal ten years after the year's end.
    const b = await createCustomer(api);
    const metering = await createDraft(api, b, 'METERING', [
      planDoc('METERWO', 'application/pdf', '装拆表工作单 stats'),
    ]);
    await submitAndReview(metering, true);
    workOrder = metering.docs[0]?.documentId as string;
    // A new connection without its land certificate: incomplete, rejected by the checks.
    const c = await createCustomer(api);
    const incomplete = await createDraft(api, c, 'NEWCONN', [
      planDoc('APPFORM', 'application/pdf', '用电申请书 incomplete'),
      planDoc('IDCOPY', 'image/jpeg', '身份证复印件 incomplete'),
      planDoc('CONTRACT', 'application/pdf', '供用电合同 incomplete'),
    ]);
    await uploadAll(api, incomplete);
    await api.expect(202, 'clerk1', 'POST', `/submissions/${incomplete.submissionId}/submit`);
    await waitSubmission(api, incomplete.submissionId, 'REJECTED', (s) => s.status === 'REJECTED');
    // A change of use left waiting for its reviewer.
    const d = await createCustomer(api);
    const waiting = await createDraft(api, d, 'CHANGE', changeDocs('stats'));
    const task: Task = await submitAndReview(waiting, false);

    const s = await statsWhen(
      'with six documents held and four first submissions',
      (x) =>
        x.documents.held === 6 &&
        (event(x, 'CHANGE')?.firstSubmissions ?? 0) === 1 &&
        (event(x, 'NEWCONN')?.rejections ?? 0) === 1,
    );
    expect(thisYear(s)).toMatchObject({
      held: 6,
      disposed: 0,
      byEvent: { NEWCONN: 5, METERING: 1 },
      byType: { APPFORM: 1, IDCOPY: 1, LANDCERT: 1, CONTRACT: 1, PAPERBOX: 1, METERWO: 1 },
    });
    expect(event(s, 'NEWCONN')).toMatchObject({
      firstSubmissions: 2,
      complete: 1,
      completeRate: 0.5,
      passedChecks: 1,
      rejections: 1,
      archived: 1,
    });
    expect(event(s, 'METERING')).toMatchObject({
      firstSubmissions: 1,
      complete: 1,
      completeRate: 1,
      archived: 1,
    });
    expect(event(s, 'CHANGE')).toMatchObject({ firstSubmissions: 1, complete: 1, archived: 0 });
    expect(s.tasks.waiting).toBe(1);
    expect(s.tasks.ageBands).toEqual({ under1d: 1, '1to3d': 0, '3to7d': 0, over7d: 0 });
    expect(s.tasks.byRole.find((r) => r.role === 'reviewer')).toMatchObject({
      waiting: 1,
      oldestCreatedAt: task.createdAt,
    });
    expect(s.completeness.definition).toContain('first attempt');

    // What the counters cost: every write stats-counter made for these six archived documents
    // (and for the rejected and the waiting submission), in DynamoDB write units.
    const metered = await bench.probe.stop();
    const writes = metered.capacity.filter((c) => c.fn === 'stats-counter');
    const units = writes.reduce((n, c) => n + c.write, 0);
    const invocations = metered.invocations.filter((i) => i.fn === 'stats-counter').length;
    const history = metered.capacity
      .filter((c) => c.fn === 'document-history')
      .reduce((n, c) => n + c.write, 0);
    console.log(
      `stats-counter: ${invocations} invocations, ${units} write units for 6 archived documents ` +
        `(${(units / 6).toFixed(2)} per document); document-history wrote ${history} units`,
    );
    expect(units).toBeGreaterThan(0);
    // One update per counter item and stream batch: here, at one submission per batch (the most it
    // can cost), about one unit per archived document; batches of many submissions cost less.
    expect(units / 6).toBeLessThan(2);
    expect(writes.every((c) => c.op === 'UpdateItem')).toBe(true);
  }, 400_000);

  it('counts a paper original still out after its due time as an overdue loan, and tasks by age', async () => {
    expect(paperBox).not.toBe('');
    const asked = await api.expect<{ loanId: string }>(202, 'staff1', 'POST', '/loans', {
      documentIds: [paperBox],
      purpose: 'signature check',
      days: 1,
    });
    const approval = await until(
      `the approval task of loan ${asked.loanId}`,
      async () => {
        const { items } = await api.expect<{ items: Task[] }>(200, 'approver1', 'GET', '/tasks');
        return items.find((t) => t.subjectId === asked.loanId);
      },
      60_000,
      200,
    );
    await api.expect(200, 'approver1', 'POST', `/tasks/${approval.taskId}/decision`, { decision: 'approve' });
    await until(
      `loan ${asked.loanId} ACTIVE`,
      async () => {
        const l = await api.expect<{ status: string }>(200, 'staff1', 'GET', `/loans/${asked.loanId}`);
        return l.status === 'ACTIVE' ? l : undefined;
      },
      60_000,
      200,
    );
    expect((await stats()).loans.overdue).toBe(0);

    await moveClock(2 * 86_400);
    const s = await statsWhen('with the paper original overdue', (x) => x.loans.overdue === 1);
    expect(s.loans.longestOverdueDays).toBeGreaterThanOrEqual(0.9);
    expect(s.loans.longestOverdueDays).toBeLessThan(1.5);
    // The review task has waited two days now.
    expect(s.tasks.ageBands['1to3d']).toBe(1);
    expect(s.tasks.byRole.find((r) => r.role === 'reviewer')?.oldestAgeHours).toBeGreaterThanOrEqual(48);
  }, 180_000);

  it('counts documents due for disposal in the coming days as the clock nears their due date', async () => {
    expect((await stats()).disposal.due).toBe(0);
    // The metering work order (D10 from the end of its archive year) falls due on 1 January,
    // ten years after this year: move to mid-November of the year before.
    const target = Date.parse(`${YEAR + 10}-11-15T00:00:00.000Z`);
    for (;;) {
      const res = await fetch(`${bench.system.ready.apiUrl}/local/clock`);
      const now = Date.parse(((await res.json()) as { now: string }).now);
      const step = Math.min(Math.floor((target - now) / 1000), 10 * 365 * 86_400);
      if (step <= 0) break;
      await moveClock(step);
    }
    const s = await statsWhen('with the work order due', (x) => x.disposal.due >= 1);
    expect(s.disposal.due).toBe(1);
    expect(s.disposal.byMonth.find((m) => m.month === `${YEAR + 11}-01`)?.count).toBe(1);
    expect((await stats('?dueWithinDays=30')).disposal.due).toBe(0);
    // The counters of another year are empty; this year's are kept.
    expect((await stats(`?year=${YEAR - 1}`)).documents.held).toBe(0);
    expect((await stats(`?year=${YEAR}`)).documents.held).toBe(6);
  }, 180_000);

  it('leaves a held document out of the due count and counts it again once released', async () => {
    expect(workOrder).not.toBe('');
    expect((await stats()).disposal.due).toBe(1);
    const hold = await api.expect<{ holdId: string }>(
      201,
      'archivist1',
      'POST',
      `/documents/${workOrder}/holds`,
      {
        reason: 'stats: records request',
      },
    );
    const held = await statsWhen('without the held work order', (x) => x.disposal.due === 0);
    expect(held.disposal.byMonth.find((m) => m.month === `${YEAR + 11}-01`)?.count).toBe(0);
    await api.expect(200, 'archivist1', 'DELETE', `/documents/${workOrder}/holds/${hold.holdId}`);
    const released = await statsWhen('with the released work order due again', (x) => x.disposal.due === 1);
    expect(released.disposal.byMonth.find((m) => m.month === `${YEAR + 11}-01`)?.count).toBe(1);
  }, 120_000);

  it('moves a document whose closure date is corrected from its due day to the new one', async () => {
    expect(closingCustomer.id).not.toBe('');
    const today = (await clockNow()).slice(0, 10);
    const tenYearsAgo = `${Number(today.slice(0, 4)) - 10}${today.slice(4)}`;
    // Closed on a day that makes the ID copy (ten years from the closure) due within the window.
    const closedAt = [closingCustomer.registeredOn, addDays(tenYearsAgo, 1)].sort()[1] as string;
    const version = async () =>
      String(
        (await api.expect<{ version: number }>(200, 'archivist1', 'GET', `/customers/${closingCustomer.id}`))
          .version,
      );
    await api.expect(
      200,
      'clerk1',
      'PATCH',
      `/customers/${closingCustomer.id}`,
      { accountStatus: 'CLOSED', closedAt },
      { 'if-match': await version() },
    );
    const dueDay = `${Number(closedAt.slice(0, 4)) + 10}${closedAt.slice(4)}`;
    const closed = await statsWhen('with the ID copy due', (x) => x.disposal.due === 2);
    expect(closed.disposal.byMonth.find((m) => m.month === dueDay.slice(0, 7))?.count).toBeGreaterThanOrEqual(
      1,
    );
    // The closure date corrected to four months later: the ID copy falls due after the window.
    const corrected = await api.call<{ changed: boolean }>(
      'archivist1',
      'PUT',
      `/customers/${closingCustomer.id}/closure`,
      { closedAt: addDays(closedAt, 120), reason: '销户日期更正' },
      { 'if-match': await version() },
    );
    expect(corrected.status).toBe(200);
    await statsWhen('without the re-dated ID copy', (x) => x.disposal.due === 1);
    const later = await stats(`?dueWithinDays=366`);
    expect(later.disposal.byMonth.find((m) => m.month === addDays(dueDay, 120).slice(0, 7))?.count).toBe(1);
  }, 120_000);
});
