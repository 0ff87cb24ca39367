/**
 * No record waits with nothing that will move it, end to end against the local system: a
 * submission whose workflow execution is stopped while it waits for review is found by the stuck
 * check, shown on the dashboard, reported once in the audit trail, and repaired by an archivist,
 * which hands it back to its clerk; the clerk submits it again and it is archived. A loan whose
 * approval workflow is stopped is found and repaired by rejecting the request.
 */
import { DescribeExecutionCommand, SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import {
  Api,
  archiveDraft,
  callLocal,
  changeDocs,
  createCustomer,
  createDraft,
  getSubmission,
  openTaskFor,
  stuckSubmission,
  uploadAll,
  waitSubmission,
} from './client.ts';
import { useLocalSystem } from './lifecycle.ts';
import { type LocalSystem, until } from './system.ts';

let system: LocalSystem;
let api: Api;

useLocalSystem(async (started) => {
  system = started;
  api = new Api(system.ready.apiUrl);
});

interface StuckView {
  count: number;
  items: { kind: string; recordId: string; reason: string; repair: string }[];
}
const watchNow = () =>
  callLocal<{ watched: number; finished: number; stuck: { recordId: string }[] }>(
    system,
    'POST',
    '/local/watch',
  );

describe('stuck records', () => {
  it('leaves records whose workflows run alone, and lets finished ones leave the watch', async () => {
    const customerId = await createCustomer(api);
    const archived = await archiveDraft(api, await createDraft(api, customerId, 'CHANGE', changeDocs('完')));
    const waiting = await createDraft(api, customerId, 'CHANGE', changeDocs('等'));
    await uploadAll(api, waiting);
    await api.expect(202, 'clerk1', 'POST', `/submissions/${waiting.submissionId}/submit`);
    await openTaskFor(api, waiting.submissionId);

    const first = await watchNow();
    const ids = first.stuck.map((s) => s.recordId);
    expect(ids).not.toContain(archived.submissionId);
    expect(ids).not.toContain(waiting.submissionId);
    expect(first.finished).toBeGreaterThanOrEqual(1);
    // The archived submission left the watch: a second run does not see it again.
    const second = await watchNow();
    expect(second.watched).toBeLessThan(first.watched);
  }, 120_000);

  it('finds a submission whose execution stopped, shows it, and repairs it back to the clerk', async () => {
    const id = await stuckSubmission(api, system, '停');

    const stats = await api.expect<{ stuck: StuckView }>(200, 'archivist1', 'GET', '/stats');
    const shown = stats.stuck.items.find((s) => s.recordId === id);
    expect(shown).toMatchObject({ kind: 'submission', reason: expect.stringMatching(/IN_REVIEW.*ABORTED/) });
    expect(shown?.repair).toMatch(/clerk/);
    // Found once: running the check again reports it, but audits and lists it once.
    await watchNow();
    const again = await api.expect<{ stuck: StuckView }>(200, 'archivist1', 'GET', '/stats');
    expect(again.stuck.items.filter((s) => s.recordId === id)).toHaveLength(1);
    const trail = await api.expect<{ items: { action: string }[] }>(
      200,
      'auditor1',
      'GET',
      `/audit?targetId=${id}`,
    );
    expect(trail.items.filter((e) => e.action === 'workflow.stuck-found')).toHaveLength(1);

    // Only archivists repair, and only what the check found.
    await api.expect(403, 'reviewer1', 'POST', `/stuck/submission/${id}/repair`);
    await api.expect(400, 'archivist1', 'POST', `/stuck/parcel/${id}/repair`);
    const repaired = await api.expect<{ outcome: string }>(
      200,
      'archivist1',
      'POST',
      `/stuck/submission/${id}/repair`,
    );
    expect(repaired.outcome).toBe('REJECTED');
    const back = await getSubmission(api, id);
    expect(back.status).toBe('REJECTED');
    expect((back as unknown as { rejection: { reason: string } }).rejection.reason).toMatch(
      /workflow stopped/,
    );
    await api.expect(404, 'archivist1', 'POST', `/stuck/submission/${id}/repair`);
    const after = await api.expect<{ stuck: StuckView }>(200, 'archivist1', 'GET', '/stats');
    expect(after.stuck.items.map((s) => s.recordId)).not.toContain(id);

    // The clerk submits it again; it is reviewed and archived like any other.
    await api.expect(202, 'clerk1', 'POST', `/submissions/${id}/submit`);
    const task = await openTaskFor(api, id);
    await api.expect(200, 'reviewer1', 'POST', `/tasks/${task.taskId}/decision`, { decision: 'approve' });
    const archived = await waitSubmission(api, id, 'ARCHIVED', (s) => s.status === 'ARCHIVED');
    expect(
      archived.documents.every((d) => typeof (d as { archiveCode?: string }).archiveCode === 'string'),
    ).toBe(true);
  }, 180_000);
  it('finds a loan whose approval workflow stopped, and repairs it by rejecting the request', async () => {
    const customerId = await createCustomer(api);
    const archived = await archiveDraft(api, await createDraft(api, customerId, 'CHANGE', changeDocs('借')));
    const documentId = archived.documents[0]?.documentId ?? '';
    const loan = await api.expect<{ loanId: string; status: string }>(202, 'staff1', 'POST', '/loans', {
      documentIds: [documentId],
      purpose: '核对用电变更',
      days: 3,
    });
    expect(loan.status).toBe('PENDING_APPROVAL');
    // Its execution is named after the loan; stopped while the loan waits for approval.
    const machine = system.ready.stateMachines['borrow-approval'] ?? '';
    const executionArn = `${machine.replace(':stateMachine:', ':execution:')}:${loan.loanId}`;
    const sfn = new SFNClient({
      endpoint: system.ready.sfnUrl,
      region: system.ready.region,
      credentials: system.credentials,
    });
    try {
      await until('the loan execution to exist', async () =>
        (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status === 'RUNNING'
          ? true
          : undefined,
      );
      await sfn.send(new StopExecutionCommand({ executionArn }));
    } finally {
      sfn.destroy();
    }
    const found = await watchNow();
    expect(found.stuck.map((s) => s.recordId)).toContain(loan.loanId);

    const repaired = await api.expect<{ outcome: string }>(
      200,
      'archivist1',
      'POST',
      `/stuck/loan/${loan.loanId}/repair`,
    );
    expect(repaired.outcome).toBe('REJECTED');
    const after = await api.expect<{ status: string }>(200, 'staff1', 'GET', `/loans/${loan.loanId}`);
    expect(after.status).toBe('REJECTED');
    expect((await watchNow()).stuck.map((s) => s.recordId)).not.toContain(loan.loanId);
  }, 180_000);
});
