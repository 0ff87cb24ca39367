import { describe, expect, it } from 'vitest';
import {
  dueForCheck,
  judgeWatched,
  WATCH_GRACE_SECONDS,
  WATCH_SHARDS,
  type WatchEntry,
  watchShard,
} from '../../functions/core/workflow-health.ts';

const ARN = 'arn:aws:states:us-east-1:000000000000:execution:dangan-intake-review-archive:s1-1';
const entry: WatchEntry = {
  kind: 'submission',
  recordId: 's1',
  executionArn: ARN,
  since: '2026-05-01T10:00:00.000Z',
};
const soon = new Date('2026-05-01T10:01:00.000Z');
const later = new Date(Date.parse(entry.since) + (WATCH_GRACE_SECONDS + 1) * 1000);

describe('the stuck check (workflow health)', () => {
  it('lets a record that no longer waits, or waits on a newer execution, leave the watch', () => {
    expect(judgeWatched(entry, { status: 'ARCHIVED', executionArn: ARN }, 'SUCCEEDED', later)).toEqual({
      state: 'finished',
    });
    expect(judgeWatched(entry, undefined, 'MISSING', later)).toEqual({ state: 'finished' });
    expect(judgeWatched(entry, { status: 'SUBMITTED', executionArn: `${ARN}x` }, 'FAILED', later)).toEqual({
      state: 'finished',
    });
  });

  it('leaves a record alone while its execution runs', () => {
    expect(judgeWatched(entry, { status: 'IN_REVIEW', executionArn: ARN }, 'RUNNING', later)).toEqual({
      state: 'moving',
    });
  });

  it('reports a record waiting on an execution that ended at once, naming the status', () => {
    const inChinese = { FAILED: '失败', ABORTED: '已中止', TIMED_OUT: '超时', SUCCEEDED: '成功' } as const;
    for (const status of ['FAILED', 'ABORTED', 'TIMED_OUT', 'SUCCEEDED'] as const) {
      const verdict = judgeWatched(entry, { status: 'IN_REVIEW', executionArn: ARN }, status, soon);
      expect(verdict).toEqual({
        state: 'stuck',
        reason: `流程已结束（${inChinese[status]}），记录仍在等待 / submission s1 is IN_REVIEW, but its workflow execution has ended (${status})`,
      });
    }
  });

  it('gives an execution that does not exist yet the grace of its start, then reports it', () => {
    const waiting = { status: 'SUBMITTED', executionArn: ARN };
    expect(judgeWatched(entry, waiting, 'MISSING', soon)).toEqual({ state: 'too-early' });
    expect(judgeWatched(entry, waiting, 'MISSING', later)).toMatchObject({
      state: 'stuck',
      reason: expect.stringContaining('never started'),
    });
  });

  it('judges loans and disposal batches by their own waiting statuses', () => {
    const loan = { ...entry, kind: 'loan' as const };
    expect(judgeWatched(loan, { status: 'ACTIVE', executionArn: ARN }, 'FAILED', soon).state).toBe('stuck');
    expect(judgeWatched(loan, { status: 'RETURNED', executionArn: ARN }, 'FAILED', soon).state).toBe(
      'finished',
    );
    const batch = { ...entry, kind: 'disposal' as const };
    expect(judgeWatched(batch, { status: 'APPRAISAL' }, 'ABORTED', soon).state).toBe('stuck');
    expect(judgeWatched(batch, { status: 'DONE' }, 'ABORTED', soon).state).toBe('finished');
  });

  it('checks a record every hour for its first day, then once a day at an hour of its own', () => {
    expect(dueForCheck(entry, soon)).toBe(true);
    const hours = Array.from({ length: 24 }, (_, h) => new Date(Date.UTC(2026, 4, 9, h, 30)));
    // A week later: due in exactly one hour of the day.
    expect(hours.filter((h) => dueForCheck(entry, h))).toHaveLength(1);
    // And the hours differ between records, so the daily checks spread over the day.
    const hourOfRecord = (id: string) => hours.findIndex((h) => dueForCheck({ ...entry, recordId: id }, h));
    expect(new Set(Array.from({ length: 50 }, (_, i) => hourOfRecord(`loan-${i}`))).size).toBeGreaterThan(12);
  });

  it('spreads watch entries over its shards', () => {
    const shards = new Set(Array.from({ length: 200 }, (_, i) => watchShard(`id-${i}`)));
    expect([...shards].sort()).toEqual(Array.from({ length: WATCH_SHARDS }, (_, i) => i));
  });
});
