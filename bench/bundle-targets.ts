/**
 * The bundle and import targets (issue 14), judged from one cold-start measurement, and the
 * partial run that writes them: `BENCH_ONLY=bundles` replaces its own sections of
 * bench/results.json and leaves every other one as the last whole run wrote it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { ColdStartResult } from './coldstart.ts';
import { renderMarkdown } from './report.ts';
import { FLOORS, isReference, judge, type Results, type TargetResult } from './results.ts';
import type { SectionRun } from './run-info.ts';

const HERE = new URL('.', import.meta.url);
export const BUNDLE_LIMIT_KB = 400;
export const IMPORT_RATIO_LIMIT = 2;
/**
 * The nearest honest import target: ≤ 2.0× bare node is out of reach for any function that uses
 * DynamoDB (the document client alone, the floor, imports in more, see the README), so the
 * slowest function is held to this multiple of the CPU time the floor's import adds, in the same
 * rounds (CPU, not wall time: on a busy machine the wall time of one import varies more than the
 * whole difference between two bundles).
 */
export const OVER_FLOOR_LIMIT = 1.5;

export function bundleTargets(c: ColdStartResult): TargetResult[] {
  const measured = Object.entries(c.functions).filter(([n]) => !isReference(n));
  const biggest = measured.reduce((x, y) => (y[1].bundleBytes > x[1].bundleBytes ? y : x));
  const slowest = measured.reduce((x, y) => (y[1].ratio > x[1].ratio ? y : x));
  const overSize = measured.filter(([, f]) => f.bundleBytes > BUNDLE_LIMIT_KB * 1024).map(([n]) => n);
  const overTime = measured.filter(([, f]) => f.ratio > IMPORT_RATIO_LIMIT).map(([n]) => n);
  const floor = c.functions[FLOORS.documentClient];
  const builtins = c.functions[FLOORS.builtins];
  const heaviest = measured.reduce((x, y) => (y[1].addedCpuMs > x[1].addedCpuMs ? y : x));
  const overFloor = floor ? heaviest[1].addedCpuMs / floor.addedCpuMs : undefined;
  const floorNote = floor
    ? `the floor, the DynamoDB document client alone (${(floor.bundleBytes / 1024).toFixed(0)} KB), imports in ${floor.ratio.toFixed(2)}× bare node's wall time and ${floor.cpuRatio.toFixed(2)}× its CPU (+${floor.addedCpuMs.toFixed(1)} ms CPU)` +
      (builtins
        ? `, the Node.js built-ins it imports alone in ${builtins.ratio.toFixed(2)}× (+${builtins.addedCpuMs.toFixed(1)} ms CPU)`
        : '')
    : 'floor not measured';
  return [
    judge(
      {
        id: 'largest-bundle-kb',
        name: 'Largest function bundle',
        target: `≤ ${BUNDLE_LIMIT_KB} KB`,
        limit: BUNDLE_LIMIT_KB,
      },
      biggest[1].bundleBytes / 1024,
      `${(biggest[1].bundleBytes / 1024).toFixed(0)} KB (${biggest[0]}); ${overSize.length} of ${measured.length} over`,
      overSize.length ? `over: ${overSize.join(', ')}` : 'every bundle within the limit',
    ),
    judge(
      {
        id: 'slowest-import-ratio',
        name: 'Slowest bundle import vs bare node',
        target: `≤ ${IMPORT_RATIO_LIMIT.toFixed(1)}×`,
        limit: IMPORT_RATIO_LIMIT,
      },
      slowest[1].ratio,
      `${slowest[1].ratio.toFixed(2)}× (${slowest[0]}, +${slowest[1].addedCpuMs.toFixed(1)} ms CPU); ${overTime.length} of ${measured.length} over`,
      `out of reach for a function that uses DynamoDB: ${floorNote}`,
    ),
    judge(
      {
        id: 'slowest-import-over-floor',
        name: "Largest CPU time a bundle's import adds, over that of the DynamoDB document client alone (the floor)",
        target: `≤ ${OVER_FLOOR_LIMIT.toFixed(1)}×`,
        limit: OVER_FLOOR_LIMIT,
      },
      overFloor,
      overFloor === undefined
        ? 'not measured'
        : `${overFloor.toFixed(2)}× (${heaviest[0]}: +${heaviest[1].addedCpuMs.toFixed(1)} ms CPU, the floor +${floor?.addedCpuMs.toFixed(1)} ms)`,
      floorNote,
    ),
  ];
}

/** Replaces the cold-start section and the bundle targets of results.json; renders RESULTS.md again. */
export function writeBundleSections(
  coldStart: ColdStartResult,
  bundling: Results['stack']['bundling'],
  run: SectionRun,
): TargetResult[] {
  const path = new URL('results.json', HERE);
  const results = JSON.parse(readFileSync(path, 'utf8')) as Results;
  results.meta.bundlesRun = run;
  const mine = bundleTargets(coldStart);
  const byId = new Map(mine.map((t) => [t.id, t]));
  results.coldStart = coldStart;
  results.stack = { ...results.stack, bundling };
  // Each target where the last whole run put it; a new one at the end.
  const kept = results.targets.map((t) => byId.get(t.id) ?? t);
  results.targets = [...kept, ...mine.filter((t) => !kept.includes(t))];
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(new URL('RESULTS.md', HERE), renderMarkdown(results));
  return mine;
}
