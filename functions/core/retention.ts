import type { RetentionCode, RetentionTrigger } from './scheme.ts';

/**
 * Retention (保管期限) at the moment a document is archived. The clock of a document type starts
 * at its trigger: the archiving itself (ARCHIVED), the end of the year it was archived in
 * (YEAR_END), or a later business fact (CONTRACT_END, ACCOUNT_CLOSED) that is not known yet.
 * A later fact can only push the end later, so "archive date + period" is a safe lower bound:
 * the archive bucket locks the original until then (S3 Object Lock cannot be shortened), and the
 * retention sweep decides disposal once the real trigger is known. Permanent records (Y) are
 * locked the same way, under COMPLIANCE retention, PERMANENT_HORIZON_YEARS ahead, and the sweep
 * extends that date long before it comes near (core/permanence.ts); they never become due.
 */

export const RETENTION_YEARS: Record<Exclude<RetentionCode, 'Y'>, number> = { D30: 30, D10: 10 };

/** How far ahead a permanent record is locked; why 100 years: core/permanence.ts. */
export const PERMANENT_HORIZON_YEARS = 100;

export interface RetentionPlan {
  retentionCode: RetentionCode;
  retentionTrigger: RetentionTrigger;
  /** ISO time the clock started, when it has started (ARCHIVED, YEAR_END). */
  clockStart?: string;
  /**
   * ISO time the original is locked until under COMPLIANCE retention: the period's lower bound,
   * or for permanent records the horizon, which the sweep keeps extending.
   */
  retainUntil: string;
  /** True when `retainUntil` is the disposal due date itself, false when it is only a lower bound. */
  dueDateKnown: boolean;
}

/**
 * Adds whole calendar years in UTC. 29 February moves to 28 February in a year without it, so
 * the result never lands after the true anniversary (a lower bound stays a lower bound).
 */
export function addYearsUtc(date: Date, years: number): Date {
  const out = new Date(date.getTime());
  out.setUTCFullYear(date.getUTCFullYear() + years);
  if (out.getUTCMonth() !== date.getUTCMonth()) out.setUTCDate(0);
  return out;
}

/** 1 January 00:00 UTC of the year after `date`. */
export function startOfNextYearUtc(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear() + 1, 0, 1));
}

export function retentionPlan(
  docType: { retention: RetentionCode; trigger: RetentionTrigger },
  archivedAt: Date | string,
): RetentionPlan {
  const archived = typeof archivedAt === 'string' ? new Date(archivedAt) : archivedAt;
  if (Number.isNaN(archived.getTime())) throw new Error(`archive date ${String(archivedAt)} is not a date`);
  const base = { retentionCode: docType.retention, retentionTrigger: docType.trigger };
  const clockStart =
    docType.trigger === 'YEAR_END'
      ? startOfNextYearUtc(archived)
      : docType.trigger === 'ARCHIVED'
        ? archived
        : undefined;
  if (docType.retention === 'Y') {
    return {
      ...base,
      ...(clockStart ? { clockStart: clockStart.toISOString() } : {}),
      retainUntil: addYearsUtc(archived, PERMANENT_HORIZON_YEARS).toISOString(),
      dueDateKnown: false,
    };
  }
  const years = RETENTION_YEARS[docType.retention];
  const until = addYearsUtc(clockStart ?? archived, years);
  return {
    ...base,
    ...(clockStart ? { clockStart: clockStart.toISOString() } : {}),
    retainUntil: until.toISOString(),
    dueDateKnown: clockStart !== undefined,
  };
}
