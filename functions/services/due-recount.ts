import { recountDueMonth, sweptThrough } from '../adapters/stats-repo.ts';
import { isoDate, monthsBetween } from '../core/disposal.ts';
import { dueWindow } from '../core/stats.ts';

/**
 * The one-off recount of the dashboard's due-day counters (scripts/recount-due.ts): for an archive
 * whose documents were filed in the due-date index before the `stats-counter` function kept due
 * counters, each month's seed item is set to what the index holds beyond what the counters
 * counted. Every month from the dashboard's first day (the day after the last sweep, or today)
 * through `years` ahead is read from the index once, keys only; a month with nothing to seed writes
 * nothing. Running it again writes the same seeds, so it is safe to repeat; it is exact when no
 * document is archived, held, re-dated or disposed of while it runs (a change during the run can
 * leave its month off by that change: run it again when the archive is quiet).
 */

/** Beyond the longest retention with a known end (30 years) and any trigger still to come. */
export const RECOUNT_YEARS = 100;

export interface DueRecount {
  from: string;
  through: string;
  months: number;
  /** Documents the index holds in those months. */
  indexed: number;
  /** What the seeds add to the counters (negative where the counters had counted more). */
  seeded: number;
}

export async function recountDue(now: Date, years = RECOUNT_YEARS, concurrency = 4): Promise<DueRecount> {
  const today = isoDate(now);
  const { from } = dueWindow(today, 1, await sweptThrough());
  const end = new Date(`${today}T00:00:00.000Z`);
  end.setUTCFullYear(end.getUTCFullYear() + years);
  const through = isoDate(end);
  const months = monthsBetween(from, through);
  const result: DueRecount = { from, through, months: months.length, indexed: 0, seeded: 0 };
  const queue = [...months];
  const worker = async () => {
    for (let month = queue.shift(); month; month = queue.shift()) {
      const { indexed, seeded } = await recountDueMonth(month);
      result.indexed += indexed;
      result.seeded += seeded;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return result;
}
