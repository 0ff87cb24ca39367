/**
 * No record waits with nothing that will move it. Every record a workflow moves (a submission
 * under intake, a loan, a disposal batch) is put on watch when its execution is started; a
 * scheduled check (`workflow-watch`) looks at each watched record and its execution, drops those
 * that have finished, and reports those still waiting whose execution has ended or never
 * started ("stuck"): on the dashboard, as the `StuckRecords` metric the stack alarms on, and with
 * the repair that puts the record where a person can act on it.
 */

import { spreadOf } from './shards.ts';

/** An intake's archiving failed for good and the submission went back to its clerk. */
export const ARCHIVE_FAILED_METRIC = 'ArchiveFailures';
/** Records found waiting on a workflow execution that has ended or does not exist. */
export const STUCK_RECORDS_METRIC = 'StuckRecords';

export const WATCHED_KINDS = ['submission', 'loan', 'disposal', 'import'] as const;
export type WatchedKind = (typeof WATCHED_KINDS)[number];

/** The statuses in which each kind of record waits on its workflow. */
export const WAITING_STATUSES: Record<WatchedKind, readonly string[]> = {
  submission: ['SUBMITTED', 'VALIDATED', 'IN_REVIEW'],
  loan: ['PENDING_APPROVAL', 'ACTIVE'],
  disposal: ['PROPOSED', 'APPRAISAL', 'APPROVAL', 'DESTROYING'],
  import: ['CHECKING', 'IN_REVIEW', 'ARCHIVING'],
};

/** What the repair of a stuck record does, for the person who may run it. */
export const REPAIRS: Record<WatchedKind, string> = {
  submission:
    'return it to its clerk (REJECTED with the reason; its reserved archive-code numbers go back to their sequences)',
  loan: 'end it: a loan waiting for approval is rejected, an active one expires and its access ends',
  disposal: 'abandon the batch: its documents go back to the next retention sweep',
  import: 'start its workflow again: it resumes where it stopped (as closing the batch again does)',
};

/**
 * How long a record may wait on an execution that does not exist yet: its start may still be on
 * its way. An execution that has ended while its record still waits needs no grace: the
 * workflow's last step moves the record before the execution ends.
 */
export const WATCH_GRACE_SECONDS = 15 * 60;

/** Watch entries are spread over a few partitions so that no single key takes every start. */
export const WATCH_SHARDS = 4;

/**
 * A record in flight for less than this is checked every hour; an older one (a loan running for
 * weeks, a review left waiting) once a day, at an hour of its own, so the check's reads and
 * DescribeExecution calls follow the records that recently started plus a 24th of the others.
 */
export const CHECK_HOURLY_FOR_SECONDS = 24 * 3600;

/** Whether the hourly check looks at a watched record in the run at `now`. */
export function dueForCheck(entry: Pick<WatchEntry, 'recordId' | 'since'>, now: Date): boolean {
  if (now.getTime() - Date.parse(entry.since) < CHECK_HOURLY_FOR_SECONDS * 1000) return true;
  return now.getUTCHours() === spreadOf(entry.recordId) % 24;
}

export const watchShard = (recordId: string): number => spreadOf(recordId) % WATCH_SHARDS;

export interface WatchEntry {
  kind: WatchedKind;
  recordId: string;
  executionArn: string;
  since: string;
}

/** What the check found of a watched record. */
export type Verdict =
  | { state: 'finished' }
  | { state: 'moving' }
  | { state: 'too-early' }
  | { state: 'stuck'; reason: string };

/** Step Functions' status of an execution, or MISSING when it does not exist. */
export type ExecutionStatus =
  | 'RUNNING'
  | 'SUCCEEDED'
  | 'FAILED'
  | 'TIMED_OUT'
  | 'ABORTED'
  | 'PENDING_REDRIVE'
  | 'MISSING';

/**
 * Judges one watched record: finished when it no longer waits (or waits on another execution,
 * which has its own entry); moving while its execution runs; stuck when it waits on an execution
 * that has ended, or that does not exist once the grace after the start has passed.
 */
export function judgeWatched(
  entry: WatchEntry,
  record: { status: string; executionArn?: string } | undefined,
  execution: ExecutionStatus,
  now: Date,
): Verdict {
  if (!record || !WAITING_STATUSES[entry.kind].includes(record.status)) return { state: 'finished' };
  if (record.executionArn !== undefined && record.executionArn !== entry.executionArn) {
    return { state: 'finished' };
  }
  if (execution === 'RUNNING') return { state: 'moving' };
  const what = `${entry.kind} ${entry.recordId} is ${record.status}`;
  if (execution === 'MISSING') {
    if (now.getTime() - Date.parse(entry.since) < WATCH_GRACE_SECONDS * 1000) return { state: 'too-early' };
    return {
      state: 'stuck',
      reason: `流程从未启动 / ${what}, but its workflow execution was never started`,
    };
  }
  return {
    state: 'stuck',
    reason: `流程已结束（${ENDED_IN_CHINESE[execution] ?? execution}），记录仍在等待 / ${what}, but its workflow execution has ended (${execution})`,
  };
}

/** How an execution ended, in the Chinese half of a stuck record's reason. */
const ENDED_IN_CHINESE: Readonly<Record<string, string>> = {
  SUCCEEDED: '成功',
  FAILED: '失败',
  TIMED_OUT: '超时',
  ABORTED: '已中止',
  PENDING_REDRIVE: '待重新驱动',
};
