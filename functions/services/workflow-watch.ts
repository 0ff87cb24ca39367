import { appendAuditOnce, SYSTEM_ACTOR } from '../adapters/audit.ts';
import { getBatch } from '../adapters/disposal-batches-repo.ts';
import { getImportBatch } from '../adapters/import-batches-repo.ts';
import { getLoan } from '../adapters/loans-repo.ts';
import { logger } from '../adapters/logger.ts';
import { emitCount } from '../adapters/metrics.ts';
import { getSubmission } from '../adapters/submissions-repo.ts';
import { dropStuck, listStuck, putStuck, unwatch, watchEntries } from '../adapters/watch-repo.ts';
import { executionStatus } from '../adapters/workflows.ts';
import { now } from '../core/clock.ts';
import {
  dueForCheck,
  judgeWatched,
  REPAIRS,
  STUCK_RECORDS_METRIC,
  WATCH_SHARDS,
  type WatchEntry,
} from '../core/workflow-health.ts';

/**
 * The stuck check (scheduled hourly, events/workflow-watch.ts): the check that no record waits with nothing that will move it
 * (workflow-health.ts). Each watched record is read; one that no longer waits leaves the watch;
 * one that waits on a running execution is left alone; one that waits on an execution that has
 * ended or was never started is reported stuck: kept in the stuck list the dashboard shows, with
 * its reason and repair, audited once (`workflow.stuck-found`) and counted in the `StuckRecords`
 * metric, which raises an alarm on AWS. Reads follow the records in flight, not the archive; a
 * record in flight for over a day is looked at once a day (`dueForCheck`).
 * Safe to run twice.
 */

export interface WatchSummary {
  watched: number;
  /** In flight for more than a day and checked at another hour of the day. */
  notDue: number;
  finished: number;
  moving: number;
  stuck: { kind: string; recordId: string; reason: string }[];
}

async function recordOf(entry: WatchEntry): Promise<{ status: string; executionArn?: string } | undefined> {
  if (entry.kind === 'submission') return getSubmission(entry.recordId);
  if (entry.kind === 'loan') return getLoan(entry.recordId);
  if (entry.kind === 'import') return getImportBatch(entry.recordId);
  return getBatch(entry.recordId);
}

export async function checkWatchedWorkflows(): Promise<WatchSummary> {
  const at = now();
  const known = new Set((await listStuck(1000)).map((s) => `${s.kind}#${s.recordId}`));
  const summary: WatchSummary = { watched: 0, notDue: 0, finished: 0, moving: 0, stuck: [] };
  for (let shard = 0; shard < WATCH_SHARDS; shard++) {
    for await (const entry of watchEntries(shard)) {
      summary.watched++;
      if (!dueForCheck(entry, at)) {
        summary.notDue++;
        continue;
      }
      const record = await recordOf(entry);
      const waiting = record ? await executionStatus(entry.executionArn) : 'MISSING';
      const verdict = judgeWatched(entry, record, waiting, at);
      const id = `${entry.kind}#${entry.recordId}`;
      if (verdict.state === 'finished') {
        summary.finished++;
        await unwatch(entry);
        if (known.has(id)) await dropStuck(entry.kind, entry.recordId);
      } else if (verdict.state === 'moving' || verdict.state === 'too-early') {
        summary.moving++;
        if (known.has(id)) await dropStuck(entry.kind, entry.recordId);
      } else {
        summary.stuck.push({ kind: entry.kind, recordId: entry.recordId, reason: verdict.reason });
        await reportStuck(entry, verdict.reason, at, known.has(id));
      }
    }
  }
  if (summary.stuck.length > 0) {
    emitCount(
      STUCK_RECORDS_METRIC,
      summary.stuck.length,
      'records wait on workflows that will not move them',
      {
        stuck: summary.stuck,
      },
    );
  }
  logger.info('workflow watch done', { ...summary, stuck: summary.stuck.length });
  return summary;
}

async function reportStuck(entry: WatchEntry, reason: string, at: Date, known: boolean): Promise<void> {
  if (known) return;
  const foundAt = at.toISOString();
  await putStuck({ ...entry, reason, foundAt, repair: REPAIRS[entry.kind] });
  await appendAuditOnce({
    action: 'workflow.stuck-found',
    actor: SYSTEM_ACTOR,
    targetType: entry.kind,
    targetId: entry.recordId,
    at: foundAt,
    // Once per record and execution, however often the check runs.
    eventId: `stuck-${entry.executionArn.split(':').at(-1) ?? entry.recordId}`,
    details: { executionArn: entry.executionArn, reason, repair: REPAIRS[entry.kind] },
  });
}
