/**
 * Region limits on every record of a customer, end to end over HTTP against the local system:
 * a reviewer and an approver limited to region NB neither see nor decide the intake review and
 * the loan approval of a customer in HZ (answered as absent, 404, and audited), nor read its
 * submission or loan, while they see and decide those of NB; an auditor limited to a region is
 * refused the trail, which covers every region. (Disposal batches, split by region at the sweep,
 * are in disposal.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { Api, changeDocs, createDraft, localUsers, openTaskFor, type Task, uploadAll } from './client.ts';
import { useLocalSystem } from './lifecycle.ts';
import { until } from './system.ts';

let api: Api;
let users = new Map<string, string>();

// Accounts are cached for 2 s here (5 s on AWS), so a change of regions lands while the test waits.
useLocalSystem(
  async (system) => {
    api = new Api(system.ready.apiUrl);
    users = await localUsers(system.ready.apiUrl);
    for (const who of ['reviewer2', 'approver2']) {
      await api.expect(200, 'secadmin1', 'PUT', `/users/${users.get(who)}/regions`, { regions: ['NB'] });
    }
  },
  { env: { DANGAN_ACCOUNT_CACHE_SECONDS: '2' } },
);

async function customerIn(region: string): Promise<string> {
  const no = `RG${region}${Date.now().toString(36).toUpperCase()}`;
  const { customerId } = await api.expect<{ customerId: string }>(201, 'clerk1', 'POST', '/customers', {
    customerNo: no,
    name: `区域客户 ${region}`,
    type: 'RES',
    region,
  });
  return customerId;
}

const tasksOf = async (user: string) =>
  (await api.expect<{ items: Task[] }>(200, user, 'GET', '/tasks')).items.map((t) => t.subjectId);

/** The audit events the auditor finds for `action` today. */
async function auditEvents(action: string) {
  const from = new Date().toISOString().slice(0, 10);
  const { items } = await api.expect<{ items: { action: string; details?: Record<string, unknown> }[] }>(
    200,
    'auditor1',
    'GET',
    `/audit?from=${from}&action=${action}&limit=100`,
  );
  return items;
}

describe('a reviewer and an approver limited to region NB', () => {
  it('neither see nor decide the review and the loan of a customer in HZ, and do those of NB', async () => {
    const hz = await customerIn('HZ');
    const nb = await customerIn('NB');

    // An intake review in HZ: reviewer1 (every region) sees it; reviewer2 (NB) does not.
    const hzDraft = await createDraft(api, hz, 'CHANGE', changeDocs('HZ 区域'));
    await uploadAll(api, hzDraft);
    await api.expect(202, 'clerk1', 'POST', `/submissions/${hzDraft.submissionId}/submit`);
    const hzTask = await openTaskFor(api, hzDraft.submissionId, 'reviewer1');
    expect(await tasksOf('reviewer2')).not.toContain(hzDraft.submissionId);
    const refused = await api.call('reviewer2', 'POST', `/tasks/${hzTask.taskId}/decision`, {
      decision: 'approve',
    });
    expect(refused.status).toBe(404);
    expect(JSON.stringify(refused.body)).toContain(`task ${hzTask.taskId} does not exist`);
    expect((await api.call('reviewer2', 'GET', `/submissions/${hzDraft.submissionId}`)).status).toBe(404);
    // Refused without a trace of the decision: the task is still open for someone in HZ.
    expect(await tasksOf('reviewer1')).toContain(hzDraft.submissionId);
    await api.expect(200, 'reviewer1', 'POST', `/tasks/${hzTask.taskId}/decision`, { decision: 'approve' });

    // An intake review in NB is theirs.
    const nbDraft = await createDraft(api, nb, 'CHANGE', changeDocs('NB 区域'));
    await uploadAll(api, nbDraft);
    await api.expect(202, 'clerk1', 'POST', `/submissions/${nbDraft.submissionId}/submit`);
    const nbTask = await openTaskFor(api, nbDraft.submissionId, 'reviewer2');
    await api.expect(200, 'reviewer2', 'GET', `/submissions/${nbDraft.submissionId}`);
    await api.expect(200, 'reviewer2', 'POST', `/tasks/${nbTask.taskId}/decision`, { decision: 'approve' });

    // A loan of an HZ document: approver2 (NB) neither sees nor decides nor reads it.
    const archived = await until('the HZ document archived', async () => {
      const s = await api.expect<{ status: string; documents: { documentId: string }[] }>(
        200,
        'clerk1',
        'GET',
        `/submissions/${hzDraft.submissionId}`,
      );
      return s.status === 'ARCHIVED' ? s.documents[0]?.documentId : undefined;
    });
    const { loanId } = await api.expect<{ loanId: string }>(202, 'staff1', 'POST', '/loans', {
      documentIds: [archived],
      purpose: '区域核查',
      days: 3,
    });
    const approval = await until('the loan approval task', async () =>
      (await api.expect<{ items: Task[] }>(200, 'approver1', 'GET', '/tasks')).items.find(
        (t) => t.subjectId === loanId,
      ),
    );
    expect(await tasksOf('approver2')).not.toContain(loanId);
    expect(
      (await api.call('approver2', 'POST', `/tasks/${approval.taskId}/decision`, { decision: 'approve' }))
        .status,
    ).toBe(404);
    expect((await api.call('approver2', 'GET', `/loans/${loanId}`)).status).toBe(404);
    // The borrower keeps their loan; an approver of every region reads and decides it.
    await api.expect(200, 'staff1', 'GET', `/loans/${loanId}`);
    await api.expect(200, 'approver1', 'POST', `/tasks/${approval.taskId}/decision`, { decision: 'approve' });

    // Each refusal is in the trail as an out-of-region probe naming what it aimed at.
    const probes = await auditEvents('access.out-of-region');
    const aimed = JSON.stringify(probes);
    for (const id of [hzTask.taskId, hzDraft.submissionId, approval.taskId, loanId])
      expect(aimed).toContain(id);
  });
});

describe('an auditor limited to a region', () => {
  it('is refused the audit trail, which covers every region', async () => {
    await api.expect(200, 'secadmin1', 'PUT', `/users/${users.get('auditor1')}/regions`, { regions: ['NB'] });
    const refused = await until('the region limit to land', async () => {
      const res = await api.call('auditor1', 'GET', `/audit?from=${new Date().toISOString().slice(0, 10)}`);
      return res.status === 403 ? res : undefined;
    });
    expect(JSON.stringify(refused.body)).toContain('covers every region');
    await api.expect(200, 'secadmin1', 'PUT', `/users/${users.get('auditor1')}/regions`, { regions: [] });
  });
});
