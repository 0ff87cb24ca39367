import { alarmStates } from '../adapters/alarms.ts';
import { appendAudit } from '../adapters/audit.ts';
import { getSweepState } from '../adapters/sweep-state-repo.ts';
import { listStuck } from '../adapters/watch-repo.ts';
import { executionsEndedAs, listedWorkflows } from '../adapters/workflow-executions.ts';
import { now } from '../core/clock.ts';
import {
  EXECUTIONS_LISTED,
  jobRun,
  SCHEDULED_JOBS,
  stuckView,
  systemHealthQuerySchema,
  UNSUCCESSFUL_STATUSES,
  workflowHealth,
} from '../core/system-health.ts';
import { apiHandler, parseInput } from '../http/api.ts';

/**
 * `GET /system/health` (sysadmin): executions that failed, timed out or were stopped per
 * workflow, the records the hourly check found stuck, the scheduled jobs' last runs and the
 * deployment's alarms
 * (core/system-health.ts says what is left out and why). Each read is audited.
 */
export const handler = apiHandler('system-health', async function handleSystemHealth(req) {
  parseInput(systemHealthQuerySchema, req.query);
  const [workflows, stuck, jobs, alarms] = await Promise.all([
    Promise.all(
      Object.entries(listedWorkflows()).map(async ([workflow, arn]) => {
        const listed = await Promise.all(
          UNSUCCESSFUL_STATUSES.map(async (s) => [s, await executionsEndedAs(arn, s, EXECUTIONS_LISTED)]),
        );
        return workflowHealth(workflow, Object.fromEntries(listed));
      }),
    ),
    listStuck(),
    Promise.all(SCHEDULED_JOBS.map(async (job) => jobRun(job, await getSweepState(job)))),
    alarmStates(),
  ]);
  const checkedAt = now().toISOString();
  await appendAudit({
    action: 'system.health-read',
    actor: req.actor,
    targetType: 'system',
    targetId: 'health',
    at: checkedAt,
    details: {
      unsuccessful: workflows.reduce((n, w) => n + w.recent.length, 0),
      stuck: stuck.length,
    },
  });
  return {
    status: 200,
    body: {
      checkedAt,
      workflows,
      stuck: stuckView(stuck),
      jobs,
      // Absent where the deployment has no CloudWatch alarms to read (this machine).
      ...(alarms ? { alarms } : {}),
    },
  };
});
