import * as z from 'zod/mini';
import { lazySchema } from './lazy-schema.ts';
import type { WatchedKind } from './workflow-health.ts';

/**
 * What the system administrator is shown of the system's health (`GET /system/health`): how the
 * workflows end, which records wait with nothing to move them, and when the scheduled jobs last
 * ran. The system administrator runs the system but reads no content (三员分立), so the answer
 * carries opaque ids, statuses, dates and counts only: never a customer, a title, a file name or
 * a person's record, and the jobs' run summaries are cut down to their figures.
 */

/** How an execution may end without succeeding; each is counted per workflow. */
export const UNSUCCESSFUL_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;
export type UnsuccessfulStatus = (typeof UNSUCCESSFUL_STATUSES)[number];

/**
 * Executions listed per workflow and status: one page of Step Functions' ListExecutions, newest
 * first, so the answer costs three requests per workflow whatever the history holds. A workflow
 * with more says so (`more`) instead of counting on.
 */
export const EXECUTIONS_LISTED = 20;

/** The scheduled jobs whose last run the page shows (their state items, sweep-state-repo.ts). */
export const SCHEDULED_JOBS = ['retention', 'fixity', 'permanence'] as const;
export type ScheduledJob = (typeof SCHEDULED_JOBS)[number];

/** `GET /system/health` takes no parameters; any given is a 400 naming it. */
export const systemHealthQuerySchema = lazySchema(() => z.strictObject({}));

/** One of the deployment's alarms: its name without the deployment's prefix, its state and since when. */
export interface AlarmSummary {
  name: string;
  state: string;
  since: string;
}

export interface ExecutionSummary {
  /** The execution's name: the opaque id of its submission, loan or disposal batch. */
  name: string;
  status: UnsuccessfulStatus;
  startedAt: string;
  stoppedAt?: string;
}

export interface WorkflowHealth {
  workflow: string;
  counts: Record<UnsuccessfulStatus, number>;
  /** Some status has more executions than were listed. */
  more: boolean;
  /** The newest unsuccessful executions of every status, newest first. */
  recent: ExecutionSummary[];
}

/** Builds one workflow's part from the executions listed per status (each newest first). */
export function workflowHealth(
  workflow: string,
  listed: Record<UnsuccessfulStatus, { executions: ExecutionSummary[]; more: boolean }>,
): WorkflowHealth {
  const counts = Object.fromEntries(
    UNSUCCESSFUL_STATUSES.map((s) => [s, listed[s].executions.length]),
  ) as Record<UnsuccessfulStatus, number>;
  const recent = UNSUCCESSFUL_STATUSES.flatMap((s) => listed[s].executions)
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt))
    .slice(0, EXECUTIONS_LISTED);
  return { workflow, counts, more: UNSUCCESSFUL_STATUSES.some((s) => listed[s].more), recent };
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A job's run summary as the page may show it: figures stay, lists become their length (a
 * sweep's summary lists batch ids, a permanence run the records it could not lock), and of text
 * only days (`sweptThrough`) are kept.
 */
export function figuresOf(summary: unknown): Record<string, number | boolean | string> {
  if (summary === null || typeof summary !== 'object') return {};
  const figures: Record<string, number | boolean | string> = {};
  for (const [key, value] of Object.entries(summary)) {
    if (typeof value === 'number' || typeof value === 'boolean') figures[key] = value;
    else if (Array.isArray(value)) figures[key] = value.length;
    else if (typeof value === 'string' && DAY.test(value)) figures[key] = value;
  }
  return figures;
}

export interface JobRun {
  job: ScheduledJob;
  /** When it last ran; absent when it never has. */
  lastRunAt?: string;
  /** The retention sweep's watermark: the last day it went through. */
  sweptThrough?: string;
  lastRun: Record<string, number | boolean | string>;
}

export function jobRun(
  job: ScheduledJob,
  state: { lastRunAt?: unknown; sweptThrough?: unknown; lastRun?: unknown } | undefined,
): JobRun {
  return {
    job,
    ...(typeof state?.lastRunAt === 'string' ? { lastRunAt: state.lastRunAt } : {}),
    ...(typeof state?.sweptThrough === 'string' ? { sweptThrough: state.sweptThrough } : {}),
    lastRun: figuresOf(state?.lastRun),
  };
}

export interface StuckSummary {
  kind: WatchedKind;
  recordId: string;
  reason: string;
  foundAt: string;
  repair: string;
}

/** The records the hourly check found stuck, as the dashboard and the health page show them. */
export const stuckView = (stuck: readonly StuckSummary[]) => ({
  count: stuck.length,
  items: stuck.map(({ kind, recordId, reason, foundAt, repair }) => ({
    kind,
    recordId,
    reason,
    foundAt,
    repair,
  })),
});
