import { appendAudit } from '../adapters/audit.ts';
import { getBatch } from '../adapters/disposal-batches-repo.ts';
import { getImportBatch } from '../adapters/import-batches-repo.ts';
import { getLoan } from '../adapters/loans-repo.ts';
import { getSubmission } from '../adapters/submissions-repo.ts';
import { dropStuck, getStuck, unwatch } from '../adapters/watch-repo.ts';
import { executionStatus } from '../adapters/workflows.ts';
import { now } from '../core/clock.ts';
import { Conflict, NotFound } from '../core/errors.ts';
import type { Actor } from '../core/roles.ts';
import type { WatchedKind } from '../core/workflow-health.ts';
import { abandonBatch } from './disposal-abandonment.ts';
import { startImport } from './import-batches.ts';
import { rejectSubmission } from './intake-rejection.ts';
import { expireLoanAtDue } from './loan-expiry.ts';
import { rejectLoanRequest } from './loan-rejection.ts';

/**
 * Repairs a record the hourly check found stuck (its workflow execution ended or never started)
 * with the step its workflow would have ended it with: a submission goes back to its clerk
 * (REJECTED, its reserved archive-code numbers back to their sequences), a loan waiting for
 * approval is rejected and an active one expires, a disposal batch is abandoned (its documents go
 * back to the next sweep), an import batch's workflow is started again (it resumes). Only a record on the stuck list whose execution is still not running
 * is repaired; the repair is audited.
 */
export async function repairStuck(
  kind: WatchedKind,
  recordId: string,
  actor: Actor,
  requestId?: string,
): Promise<{ kind: WatchedKind; recordId: string; outcome: string }> {
  const stuck = await getStuck(kind, recordId);
  if (!stuck) throw new NotFound('stuck record', `${kind} ${recordId}`);
  const status = await executionStatus(stuck.executionArn);
  if (status === 'RUNNING') {
    throw new Conflict(`the workflow of ${kind} ${recordId} is running again; it needs no repair`);
  }
  const reason = `流程已停止（${status}），由 ${actor.username} 修复 / the workflow stopped (${status}); repaired by ${actor.username}`;
  const outcome = await repair(stuck.kind, recordId, stuck.executionArn, status, reason, actor);
  await unwatch(stuck);
  await dropStuck(stuck.kind, recordId);
  const at = now().toISOString();
  await appendAudit({
    action: 'workflow.repaired',
    actor,
    targetType: stuck.kind,
    targetId: recordId,
    at,
    details: {
      executionArn: stuck.executionArn,
      executionStatus: status,
      found: stuck.reason,
      outcome,
      requestId,
    },
  });
  return { kind: stuck.kind, recordId, outcome };
}

async function repair(
  kind: WatchedKind,
  recordId: string,
  executionId: string,
  executionStatus: string,
  reason: string,
  actor: Actor,
): Promise<string> {
  const decidedBy = actor.username;
  if (kind === 'submission') {
    if (!(await getSubmission(recordId))) throw new NotFound('submission', recordId);
    await rejectSubmission({
      submissionId: recordId,
      code: 'workflow-stopped',
      params: { status: executionStatus },
      reason,
      problems: [],
      decidedBy,
      executionId,
      returnCodes: true,
    });
    return 'REJECTED';
  }
  if (kind === 'import') {
    const batch = await getImportBatch(recordId);
    if (!batch) throw new NotFound('import batch', recordId);
    return (await startImport(actor, batch)).status;
  }
  if (kind === 'loan') {
    const loan = await getLoan(recordId);
    if (!loan) throw new NotFound('loan', recordId);
    if (loan.status === 'ACTIVE') return (await expireLoanAtDue({ loanId: recordId, executionId })).status;
    return (await rejectLoanRequest({ loanId: recordId, executionId, reason, decidedBy })).status;
  }
  const batch = await getBatch(recordId);
  if (!batch) throw new NotFound('disposal batch', recordId);
  if (batch.status === 'DESTROYING') {
    throw new Conflict(
      `disposal batch ${recordId} stopped while destroying; its remaining documents need the destroy step run again, not an abandonment`,
    );
  }
  return (await abandonBatch({ batchId: recordId, round: batch.round ?? 1, reason })).status;
}
