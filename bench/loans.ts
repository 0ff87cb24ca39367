/**
 * The loan workload: L loans driven over HTTP as a borrower and approvers would: ask (POST
 * /loans), the approver lists the open tasks and approves (then an archivist, for sensitive
 * documents), the borrower asks for each document's content and reads the original from its
 * presigned URL, then returns the loan early. The test clock then moves past the due time so that
 * every execution runs to its end (WaitUntilDue, ExpireUnlessReturned) while the meters record.
 */
import type { Api, Task } from '../test/e2e/client.ts';
import { pool } from './intake.ts';
import type { ProbeState } from './meters.ts';
import type { Probe } from './system.ts';

export interface LoanWorkload {
  label: string;
  /** The documents of each loan. */
  loans: string[][];
  /** Approvals per loan: approver1, then archivist1 for sensitive documents. */
  approvers: string[];
  days: number;
  concurrency: number;
}

export interface LoanRun {
  workload: LoanWorkload;
  loanIds: string[];
  documentsRead: number;
  bytesRead: number;
  wallMs: number;
  state: ProbeState;
}

const BORROWER = 'staff1';

async function approveAll(api: Api, user: string, loanIds: string[], concurrency: number): Promise<void> {
  await pool(loanIds, concurrency, async (loanId) => {
    const { items } = await api.expect<{ items: Task[] }>(200, user, 'GET', '/tasks');
    const task = items.find((t) => t.subjectId === loanId && t.kind === 'loan-approval');
    if (!task) throw new Error(`no loan approval task for ${loanId} in ${user}'s list`);
    await api.expect(200, user, 'POST', `/tasks/${task.taskId}/decision`, { decision: 'approve' });
  });
}

export async function runLoans(api: Api, probe: Probe, w: LoanWorkload): Promise<LoanRun> {
  const base = {
    opened: await probe.succeeded('loan-open-approval'),
    granted: await probe.succeeded('loan-grant'),
    expired: await probe.succeeded('loan-expire'),
  };
  // Tokens for every user before the clock moves.
  for (const user of [BORROWER, ...w.approvers]) await api.token(user);
  const started = Date.now();
  await probe.record();

  const loanIds = await pool(w.loans, w.concurrency, async (documentIds) => {
    const loan = await api.expect<{ loanId: string }>(202, BORROWER, 'POST', '/loans', {
      documentIds,
      purpose: `${w.label}: 电费争议核查`,
      days: w.days,
    });
    return loan.loanId;
  });
  for (const [level, user] of w.approvers.entries()) {
    await probe.waitSucceeded('loan-open-approval', base.opened + (level + 1) * loanIds.length);
    await approveAll(api, user, loanIds, w.concurrency);
  }
  await probe.waitSucceeded('loan-grant', base.granted + loanIds.length);

  let documentsRead = 0;
  let bytesRead = 0;
  await pool(
    loanIds.map((id, i) => ({ id, documentIds: w.loans[i] as string[] })),
    w.concurrency,
    async ({ id, documentIds }) => {
      for (const documentId of documentIds) {
        const link = await api.expect<{ url: string }>(
          200,
          BORROWER,
          'GET',
          `/documents/${documentId}/content`,
        );
        const res = await fetch(link.url);
        if (res.status !== 200) throw new Error(`original of ${documentId}: ${res.status}`);
        bytesRead += (await res.arrayBuffer()).byteLength;
        documentsRead++;
      }
      await api.expect(200, BORROWER, 'POST', `/loans/${id}/return`);
    },
  );

  // Past the due time: every execution's wait ends and it finishes.
  const clock = await fetch(`${api.baseUrl}/local/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ advanceSeconds: w.days * 86_400 + 600 }),
  });
  if (clock.status !== 200) throw new Error(`moving the test clock: ${clock.status} ${await clock.text()}`);
  await probe.waitSucceeded('loan-expire', base.expired + loanIds.length);
  const wallMs = Date.now() - started;
  const state = await probe.stop();
  return { workload: w, loanIds, documentsRead, bytesRead, wallMs, state };
}
