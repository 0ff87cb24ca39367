import { type ExecutionListItem, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { ENV } from '../catalog/environment.ts';
import type { ExecutionSummary, UnsuccessfulStatus } from '../core/system-health.ts';
import { requireEnv } from './env.ts';
import { sfn } from './sfn-client.ts';

/**
 * Step Functions: the executions of Dangan's workflows that ended without succeeding, for the
 * system administrator's health page. Only names, statuses and times are read (ListExecutions
 * carries neither input nor output).
 */

/** Each workflow's state machine, by its catalog name (the functions that list them get all). */
export const listedWorkflows = (): Record<string, string> => ({
  'intake-review-archive': requireEnv(ENV.intakeWorkflow),
  'borrow-approval': requireEnv(ENV.borrowWorkflow),
  disposal: requireEnv(ENV.disposalWorkflow),
  'import-batch': requireEnv(ENV.importWorkflow),
  handover: requireEnv(ENV.handoverWorkflow),
});

/** The newest `max` executions of a state machine that ended with `status` (one request). */
export async function executionsEndedAs(
  stateMachineArn: string,
  status: UnsuccessfulStatus,
  max: number,
): Promise<{ executions: ExecutionSummary[]; more: boolean }> {
  const res = await sfn.send(
    new ListExecutionsCommand({ stateMachineArn, statusFilter: status, maxResults: max }),
  );
  return {
    executions: (res.executions ?? []).map((e) => summaryOf(e, status)),
    more: res.nextToken !== undefined,
  };
}

const summaryOf = (e: ExecutionListItem, status: UnsuccessfulStatus): ExecutionSummary => ({
  name: e.name ?? '',
  status,
  startedAt: e.startDate?.toISOString() ?? '',
  ...(e.stopDate ? { stoppedAt: e.stopDate.toISOString() } : {}),
});
