import { schemeId } from '../adapters/env.ts';
import {
  openTaskCreationTimes,
  overdueLoanDueTimes,
  readCounters,
  readDueCounters,
  sweptThrough,
} from '../adapters/stats-repo.ts';
import { listStuck } from '../adapters/watch-repo.ts';
import { now } from '../core/clock.ts';
import { isoDate } from '../core/disposal.ts';
import { getScheme } from '../core/scheme.ts';
import {
  DEFAULT_DUE_WITHIN_DAYS,
  dueByMonth,
  dueWindow,
  statsQuerySchema,
  statsView,
} from '../core/stats.ts';
import { stuckView } from '../core/system-health.ts';
import { TASK_KINDS } from '../core/tasks.ts';
import { apiHandler, parseInput } from '../http/api.ts';

/**
 * `GET /stats?year=&dueWithinDays=`: the dashboard's figures (functions/core/stats.ts says how
 * each is obtained and what completeness means). Counts only: no customer, document or person is
 * named, so nothing is audited. The figures are archive-wide; the `every-region` rule keeps them
 * from accounts limited to regions.
 */

/** Roles tasks are assigned to. */
const TASK_ROLES = [...new Set(Object.values(TASK_KINDS).flatMap((k) => k.roles))].sort();

export const handler = apiHandler('stats-get', async function handleStatsGet({ query }) {
  const q = parseInput(statsQuerySchema, query, 'query');
  const time = now();
  const today = isoDate(time);
  const withinDays = q.dueWithinDays ?? DEFAULT_DUE_WITHIN_DAYS;
  const [counters, tasks, loans, swept, stuck] = await Promise.all([
    readCounters(),
    Promise.all(TASK_ROLES.map(async (role) => [role, await openTaskCreationTimes(role)] as const)),
    overdueLoanDueTimes(time.toISOString()),
    sweptThrough(),
    listStuck(),
  ]);
  const window = dueWindow(today, withinDays, swept);
  const dueCounters = await readDueCounters(window.from.slice(0, 7), window.through.slice(0, 7));
  const byMonth = dueByMonth(window, dueCounters);
  const body = statsView({
    scheme: getScheme(schemeId()),
    now: time,
    ...(q.year === undefined ? {} : { year: q.year }),
    counters,
    openTasks: Object.fromEntries(tasks),
    overdueLoanDueTimes: loans,
    due: { withinDays, from: window.from, through: window.through, byMonth },
  });
  // Records waiting on a workflow that will not move them, as the hourly check last found them.
  return { status: 200, body: { ...body, stuck: stuckView(stuck) } };
});
