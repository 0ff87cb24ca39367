import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { round } from './stats.ts';

/**
 * Which code a run measured and on what kind of machine load: for the whole run's header, and for
 * the runs of one section (`BENCH_ONLY=...`) that replace their section and targets in
 * results.json, each named in RESULTS.md's header so a reader knows which figures are newer.
 */

const ROOT = new URL('..', import.meta.url);

/** The commit checked out, and whether tracked files differ from it. */
export function commit(): string {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', cwd: ROOT });
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], {
    encoding: 'utf8',
    cwd: ROOT,
  });
  return `${head.stdout.trim() || 'unknown'}${dirty.stdout.trim() ? ' (with uncommitted changes)' : ''}`;
}

export interface SectionRun {
  startedAt: string;
  commit: string;
  /** The load averages (1, 5, 15 minutes) when the run ended. */
  loadAverage: number[];
}

/** A run of one section that began at `started` (ms since the epoch) and ends now. */
export function sectionRun(started: number): SectionRun {
  return {
    startedAt: new Date(started).toISOString(),
    commit: commit(),
    loadAverage: loadavg().map((x) => round(x, 2)),
  };
}
