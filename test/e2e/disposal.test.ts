import {
  GetObjectLegalHoldCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectRetentionCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Api,
  archiveDraft,
  createCustomer,
  createDraft,
  localUsers,
  objectOfUrl,
  type PlannedDoc,
  planDoc,
  s3ClientFor,
  type Task,
} from './client.ts';
import { waitForMail } from './inbox.ts';
import { useLocalSystem } from './lifecycle.ts';
import { rotArchived } from './local-s3.ts';
import { type LocalSystem, until } from './system.ts';

let system: LocalSystem;
let api: Api;
let s3: S3Client;

useLocalSystem(
  async (started) => {
    system = started;
    api = new Api(system.ready.apiUrl);
    s3 = s3ClientFor(system);
  },
  { tail: 80 },
);

afterAll(() => {
  s3?.destroy();
});

interface Archived {
  customerId: string;
  docs: Record<
    string,
    { documentId: string; archiveCode: string; key: string; versionId: string; intakeKey: string }
  >;
}

/** One customer file through intake to ARCHIVED; where each original sits in the archive bucket. */
async function archivedFile(event: string, docs: PlannedDoc[]): Promise<Archived> {
  const customerId = await createCustomer(api);
  const draft = await createDraft(api, customerId, event, docs);
  const done = await archiveDraft(api, draft);
  const out: Archived = { customerId, docs: {} };
  for (const d of draft.docs) {
    const link = await api.expect<{ url: string }>(
      200,
      'archivist1',
      'GET',
      `/documents/${d.documentId}/content`,
    );
    const { key, versionId } = objectOfUrl(link.url);
    const archiveCode = done.documents.find((x) => x.documentId === d.documentId)?.archiveCode ?? '';
    out.docs[d.docType] = {
      documentId: d.documentId,
      archiveCode,
      key,
      versionId: versionId ?? '',
      intakeKey: `intake/${draft.submissionId}/${d.documentId}`,
    };
  }
  return out;
}

async function closeAccount(customerId: string, closedAt: string) {
  const current = await api.call<{ version: number }>('clerk1', 'GET', `/customers/${customerId}`);
  await api.expect(
    200,
    'clerk1',
    'PATCH',
    `/customers/${customerId}`,
    { accountStatus: 'CLOSED', closedAt },
    {
      'if-match': String(current.body.version),
    },
  );
}

const versionsOf = async (key: string) => {
  const res = await s3.send(
    new ListObjectVersionsCommand({ Bucket: system.ready.archiveBucket, Prefix: key }),
  );
  return [...(res.Versions ?? []), ...(res.DeleteMarkers ?? [])].filter((v) => v.Key === key);
};

async function clockNow(): Promise<string> {
  const res = await fetch(`${system.ready.apiUrl}/local/clock`);
  return ((await res.json()) as { now: string }).now;
}

/** Moves the test clock forward to `target` (the local clock moves at most ten years at a time). */
async function moveClockTo(target: string) {
  for (;;) {
    const now = Date.parse(await clockNow());
    const seconds = Math.floor((Date.parse(target) - now) / 1000);
    if (seconds <= 0) return;
    const step = Math.min(seconds, 10 * 365 * 86_400);
    const res = await fetch(`${system.ready.apiUrl}/local/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advanceSeconds: step }),
    });
    if (res.status !== 200) throw new Error(`moving the clock: ${res.status} ${await res.text()}`);
  }
}

interface SweepAnswer {
  sweep: { batches: string[]; proposed: number; held: number; onLoan: number; found: number };
  fixity: { checked: number; mismatches: string[] };
}

async function sweep(): Promise<SweepAnswer> {
  const res = await fetch(`${system.ready.apiUrl}/local/sweep`, { method: 'POST' });
  if (res.status !== 200) throw new Error(`sweep: ${res.status} ${await res.text()}`);
  return (await res.json()) as SweepAnswer;
}

async function taskFor(user: string, batchId: string, kind: string): Promise<Task> {
  return until(
    `a ${kind} task for ${batchId}`,
    async () => {
      const { items } = await api.expect<{ items: Task[] }>(200, user, 'GET', '/tasks');
      return items.find((t) => t.subjectId === batchId && t.kind === kind);
    },
    60_000,
    200,
  );
}

interface BatchView {
  batchId: string;
  status: string;
  approvedBy?: string;
  appraisedBy?: string;
  items: { documentId: string; status: string; archiveCode: string; title: string; reason?: string }[];
  links?: { json: { url: string }; html: { url: string } };
  list?: { jsonKey: string; htmlKey: string; jsonVersionId: string; htmlVersionId: string };
}

const waitBatch = (batchId: string, what: string, done: (b: BatchView) => boolean) =>
  until(
    `batch ${batchId} ${what}`,
    async () => {
      const b = await api.expect<BatchView>(200, 'auditor1', 'GET', `/disposals/${batchId}`);
      return done(b) ? b : undefined;
    },
    90_000,
    250,
  );

describe('fixity', () => {
  it('re-hashes archived originals in the sweep; one that no longer matches is audited and logged', async () => {
    // An open account: these documents are not due for decades and stay out of the disposal below.
    const file = await archivedFile('INFOSVC', [
      planDoc('INFOCHG', 'application/pdf', '客户信息变更单 fixity'),
      planDoc('IDCOPY', 'image/jpeg', '身份证复印件 fixity'),
    ]);
    const wo = file.docs.INFOCHG!;
    const clean = await sweep();
    expect(clean.fixity.checked).toBeGreaterThan(0);
    expect(clean.fixity.mismatches).toEqual([]);

    rotArchived(system, wo.key);
    const after = await sweep();
    expect(after.fixity.mismatches).toEqual([wo.documentId]);
    const trail = await api.expect<{ items: { action: string; details?: Record<string, unknown> }[] }>(
      200,
      'auditor1',
      'GET',
      `/audit?targetId=${wo.documentId}`,
    );
    const event = trail.items.find((e) => e.action === 'document.fixity-failed');
    expect(event?.details).toMatchObject({ archiveCode: wo.archiveCode, archiveVersionId: wo.versionId });
    await until('the fixity alarm line in the log', () =>
      system.output().includes('fixity check failed') ? true : undefined,
    );
  }, 180_000);
});

describe('retention and disposal', () => {
  it('sweeps due documents after ten years, keeps held and locked ones, destroys the rest and keeps the list', async () => {
    // An approver limited to another region: the batches (of the default region) are not theirs.
    const users = await localUsers(system.ready.apiUrl);
    await api.expect(200, 'secadmin1', 'PUT', `/users/${users.get('approver2')}/regions`, {
      regions: ['NB'],
    });
    // Today: three customer files are archived; two accounts close.
    const first = await archivedFile('INFOSVC', [
      planDoc('INFOCHG', 'application/pdf', '客户信息变更单 一'),
      planDoc('IDCOPY', 'image/jpeg', '身份证复印件 一'),
      planDoc('BANKAUTH', 'application/pdf', '银行代扣委托书 一'),
    ]);
    const second = await archivedFile('INFOSVC', [
      planDoc('INFOCHG', 'application/pdf', '客户信息变更单 二'),
      planDoc('IDCOPY', 'image/jpeg', '身份证复印件 二'),
      planDoc('BANKAUTH', 'application/pdf', '银行代扣委托书 二'),
    ]);
    const meter = await archivedFile('METERING', [planDoc('METERWO', 'application/pdf', '装拆表工作单 三')]);
    const today = (await clockNow()).slice(0, 10);
    await closeAccount(first.customerId, today);
    await closeAccount(second.customerId, today);

    const idCopy1 = first.docs.IDCOPY!;
    const bank1 = first.docs.BANKAUTH!;
    const idCopy2 = second.docs.IDCOPY!;
    const bank2 = second.docs.BANKAUTH!;
    const meterWo = meter.docs.METERWO!;

    // Closing the account set the due day of its ten-year documents: the day after their lock.
    const doc = await api.expect<{ dueOn?: string; retainUntil: string }>(
      200,
      'archivist1',
      'GET',
      `/documents/${idCopy1.documentId}`,
    );
    expect(doc.retainUntil.slice(0, 4)).toBe(String(Number(today.slice(0, 4)) + 10));

    // A hold placed now keeps the second ID copy out of any disposal.
    const bad = await api.call('archivist1', 'POST', `/documents/${idCopy2.documentId}/holds`, {});
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('reason');
    const hold = await api.expect<{ holdId: string }>(
      201,
      'archivist1',
      'POST',
      `/documents/${idCopy2.documentId}/holds`,
      {
        reason: '诉讼保全 court order 2026-17',
      },
    );
    expect(hold.holdId).toBeTruthy();
    const legal = await s3.send(
      new GetObjectLegalHoldCommand({
        Bucket: system.ready.archiveBucket,
        Key: idCopy2.key,
        VersionId: idCopy2.versionId,
      }),
    );
    expect(legal.LegalHold?.Status).toBe('ON');

    // Someone locks the second bank authorisation for twenty years straight on the bucket.
    await s3.send(
      new PutObjectRetentionCommand({
        Bucket: system.ready.archiveBucket,
        Key: bank2.key,
        VersionId: bank2.versionId,
        Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date(Date.now() + 20 * 366 * 86_400_000) },
        ChecksumAlgorithm: 'SHA256',
      }),
    );

    // Nothing is due yet.
    const early = await sweep();
    expect(early.sweep.batches).toEqual([]);

    // Ten years and a few weeks later.
    const year = Number(today.slice(0, 4)) + 11;
    await moveClockTo(`${year}-01-20T10:00:00.000Z`);
    const swept = await sweep();
    // The held ID copy left the due-date index with its hold: the sweep does not even see it.
    expect(swept.sweep.proposed).toBe(4);
    expect(swept.sweep.batches).toHaveLength(2);
    const [tenYear, yearEnd] = swept.sweep.batches as [string, string];
    // One batch per category, due month and region: these customers are in the default region.
    expect(tenYear).toMatch(/^KH-\d{4}-\d{2}-\d{8}-DEFAULT-1$/);

    // Running again the same day makes no new batch.
    const again = await sweep();
    expect(again.sweep.batches).toEqual([]);
    const listed = await api.expect<{ items: { batchId: string }[] }>(200, 'approver1', 'GET', '/disposals');
    expect(listed.items.map((b) => b.batchId).sort()).toEqual([tenYear, yearEnd].sort());
    const elsewhere = await api.expect<{ items: unknown[] }>(200, 'approver2', 'GET', '/disposals');
    expect(elsewhere.items).toEqual([]);
    expect((await api.call('approver2', 'GET', `/disposals/${tenYear}`)).status).toBe(404);

    const proposed = await waitBatch(tenYear, 'in appraisal', (b) => b.status === 'APPRAISAL');
    // The archivists are told the batch waits for appraisal, with its page and none of its titles.
    const waiting = await waitForMail(
      system.ready.mailInboxUrl,
      'archivist1@dangan.local',
      `#/disposals/${tenYear}`,
    );
    expect(waiting.subject).toContain('有待鉴定的销毁批次');
    expect(waiting.subject).toContain('A disposal batch is waiting for appraisal');
    expect(waiting.text).not.toContain('身份证复印件');
    expect(proposed.items.map((i) => i.documentId).sort()).toEqual(
      [idCopy1.documentId, bank1.documentId, bank2.documentId].sort(),
    );

    // The meter work order's batch: an extension shorter than what has elapsed is refused...
    const meterAppraisal = await taskFor('archivist1', yearEnd, 'disposal-appraisal');
    const short = await api.call('archivist1', 'POST', `/tasks/${meterAppraisal.taskId}/decision`, {
      decision: 'reject',
      extendYears: 5,
      reason: '计量纠纷 metering dispute',
    });
    expect(short.status).toBe(400);
    expect((short.body as { error: { message: string } }).error.message).toMatch(
      /extendYears 5 is not longer than the 10 years already elapsed/,
    );
    // ...nothing was written: the task is still open, and a valid extension keeps the document.
    await api.expect(200, 'archivist1', 'POST', `/tasks/${meterAppraisal.taskId}/decision`, {
      decision: 'reject',
      extendYears: 15,
      reason: '计量纠纷 metering dispute',
    });
    await waitBatch(yearEnd, 'EXTENDED', (b) => b.status === 'EXTENDED');
    const extended = await api.expect<{ status: string; retainUntil: string }>(
      200,
      'archivist1',
      'GET',
      `/documents/${meterWo.documentId}`,
    );
    expect(extended.status).toBe('ARCHIVED');
    expect(extended.retainUntil.slice(0, 4)).toBe(String(Number(today.slice(0, 4)) + 16));

    // A hold placed after the proposal pulls the first bank authorisation out before destruction.
    await api.expect(201, 'archivist1', 'POST', `/documents/${bank1.documentId}/holds`, {
      reason: '审计抽查 audit sample',
    });

    const appraisal = await taskFor('archivist1', tenYear, 'disposal-appraisal');
    await api.expect(200, 'archivist1', 'POST', `/tasks/${appraisal.taskId}/decision`, {
      decision: 'approve',
      comment: '到期，无保存价值',
    });
    const approval = await taskFor('approver1', tenYear, 'disposal-approval');
    // The approver of another region neither sees nor decides it.
    const theirs = await api.expect<{ items: Task[] }>(200, 'approver2', 'GET', '/tasks');
    expect(theirs.items.map((t) => t.taskId)).not.toContain(approval.taskId);
    expect(
      (await api.call('approver2', 'POST', `/tasks/${approval.taskId}/decision`, { decision: 'approve' }))
        .status,
    ).toBe(404);
    // An archivist cannot approve.
    expect(
      (await api.call('archivist1', 'POST', `/tasks/${approval.taskId}/decision`, { decision: 'approve' }))
        .status,
    ).toBe(403);
    await api.expect(200, 'approver1', 'POST', `/tasks/${approval.taskId}/decision`, {
      decision: 'approve',
      comment: '同意销毁',
    });

    const closed = await waitBatch(tenYear, 'DONE', (b) => b.status === 'DONE');
    const status = Object.fromEntries(closed.items.map((i) => [i.documentId, i.status]));
    expect(status).toEqual({
      [idCopy1.documentId]: 'DESTROYED',
      [bank1.documentId]: 'PULLED',
      [bank2.documentId]: 'FAILED',
    });
    expect(closed.items.find((i) => i.documentId === bank2.documentId)?.reason).toMatch(
      /S3 refused to delete version/,
    );
    expect(closed).toMatchObject({ approvedBy: 'approver1', appraisedBy: 'archivist1' });

    // The destroyed original is gone from S3, every version, and its scan from the intake bucket.
    expect(await versionsOf(idCopy1.key)).toEqual([]);
    await expect(
      s3.send(new HeadObjectCommand({ Bucket: system.ready.intakeBucket, Key: idCopy1.intakeKey })),
    ).rejects.toMatchObject({ name: 'NotFound' });
    // The pulled and the refused ones are all there.
    expect(await versionsOf(bank1.key)).toHaveLength(1);
    expect(await versionsOf(bank2.key)).toHaveLength(1);
    expect(await versionsOf(idCopy2.key)).toHaveLength(1);

    // The tombstone remains, readable by the auditor; its content is not.
    const tomb = await api.expect<{ status: string; archiveCode: string; docType: string }>(
      200,
      'auditor1',
      'GET',
      `/documents/${idCopy1.documentId}`,
    );
    expect(tomb).toMatchObject({ status: 'DISPOSED', archiveCode: idCopy1.archiveCode, docType: 'IDCOPY' });
    expect((await api.call('archivist1', 'GET', `/documents/${idCopy1.documentId}/content`)).status).toBe(
      409,
    );
    for (const d of [bank1, bank2]) {
      const kept = await api.expect<{ status: string }>(
        200,
        'archivist1',
        'GET',
        `/documents/${d.documentId}`,
      );
      expect(kept.status).toBe('ARCHIVED');
    }

    // The destruction list: JSON and printable HTML in the archive bucket, under COMPLIANCE
    // retention a century ahead (no legal hold), which the sweep keeps extending.
    expect(closed.links).toBeDefined();
    const json = (await (await fetch(closed.links!.json.url)).json()) as {
      destroyed: { archiveCode: string }[];
      notDestroyed: { archiveCode: string; status: string }[];
      approvedBy: string;
    };
    expect(json.destroyed.map((r) => r.archiveCode)).toEqual([idCopy1.archiveCode]);
    expect(json.notDestroyed.map((r) => r.status).sort()).toEqual(['FAILED', 'PULLED']);
    expect(json.approvedBy).toBe('approver1');
    const html = await (await fetch(closed.links!.html.url)).text();
    expect(html).toContain('档案销毁清册');
    expect(html).toContain(idCopy1.archiveCode);
    const closedIn = Number((await clockNow()).slice(0, 4));
    for (const url of [closed.links!.json.url, closed.links!.html.url]) {
      const { key, versionId } = objectOfUrl(url);
      const kept = await s3.send(
        new GetObjectRetentionCommand({ Bucket: system.ready.archiveBucket, Key: key, VersionId: versionId }),
      );
      expect(kept.Retention?.Mode).toBe('COMPLIANCE');
      expect(kept.Retention?.RetainUntilDate?.getUTCFullYear()).toBeGreaterThanOrEqual(closedIn + 99);
    }
  }, 300_000);
});

describe('a due document out on loan', () => {
  it('is left out of the sweep while the loan runs and proposed once it has ended', async () => {
    // Two meter work orders archived today (whatever the clock says after the tests above): kept
    // ten years from the end of the year, and lent with one approval.
    const [lentFile, otherFile] = await Promise.all([
      archivedFile('METERING', [planDoc('METERWO', 'application/pdf', '装拆表工作单 借阅中')]),
      archivedFile('METERING', [planDoc('METERWO', 'application/pdf', '装拆表工作单 未借出')]),
    ]);
    const today = (await clockNow()).slice(0, 10);
    const lent = lentFile.docs.METERWO!;
    const other = otherFile.docs.METERWO!;

    // Ten years and a few weeks on, just before the sweep, a borrower is lent one of them.
    const year = Number(today.slice(0, 4)) + 11;
    await moveClockTo(`${year}-01-20T10:00:00.000Z`);
    const { loanId } = await api.expect<{ loanId: string }>(202, 'staff1', 'POST', '/loans', {
      documentIds: [lent.documentId],
      purpose: '客户投诉复核 complaint review',
      days: 7,
    });
    const task = await until(`the approval task of loan ${loanId}`, async () => {
      const { items } = await api.expect<{ items: Task[] }>(200, 'approver1', 'GET', '/tasks');
      return items.find((t) => t.subjectId === loanId);
    });
    await api.expect(200, 'approver1', 'POST', `/tasks/${task.taskId}/decision`, { decision: 'approve' });
    const loan = await until(`loan ${loanId} ACTIVE`, async () => {
      const l = await api.expect<{ status: string; dueAt: string }>(200, 'staff1', 'GET', `/loans/${loanId}`);
      return l.status === 'ACTIVE' ? l : undefined;
    });

    const during = await sweep();
    expect(during.sweep.onLoan).toBe(1);
    const proposedNow = await Promise.all(
      during.sweep.batches.map((b) => waitBatch(b, 'proposed', (x) => x.items.length > 0)),
    );
    const idsNow = proposedNow.flatMap((b) => b.items.map((i) => i.documentId));
    expect(idsNow).toContain(other.documentId);
    expect(idsNow).not.toContain(lent.documentId);

    // The loan runs out; the next sweep after its due day proposes the lent work order.
    await moveClockTo(new Date(Date.parse(loan.dueAt) + 2 * 86_400_000).toISOString());
    await until(`loan ${loanId} ended`, async () => {
      const l = await api.expect<{ status: string }>(200, 'staff1', 'GET', `/loans/${loanId}`);
      return l.status === 'ACTIVE' ? undefined : l;
    });
    const after = await sweep();
    expect(after.sweep.onLoan).toBe(0);
    const proposedLater = await Promise.all(
      after.sweep.batches.map((b) => waitBatch(b, 'proposed', (x) => x.items.length > 0)),
    );
    expect(proposedLater.flatMap((b) => b.items.map((i) => i.documentId))).toEqual([lent.documentId]);
  }, 300_000);
});
