/**
 * Cold-start proxy: the wall time of a fresh Node.js 22 process that imports a function's bundle
 * (index.mjs as the Lambda runtime loads it, with the function's own environment, source maps on
 * as NODE_OPTIONS sets them on AWS), divided by that of a bare `node -e 0` measured in the same
 * rounds. Rounds interleave the baseline and every bundle, so machine noise falls on all alike.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { Bundle } from './bundles.ts';
import type { FunctionFacts } from './stack.ts';
import { median } from './stats.ts';

export interface ColdStart {
  bundleBytes: number;
  sourceMapBytes: number;
  medianMs: number;
  ratio: number;
  /** CPU time (user + system) of the importing process over that of a bare one: less sensitive to a busy machine. */
  cpuRatio: number;
  /**
   * The same import without NODE_OPTIONS=--enable-source-maps (measured for a few functions
   * only): with it, Node reads and parses the source map and scans the bundle's lines at load.
   */
  withoutSourceMaps?: { medianMs: number; ratio: number; cpuRatio: number };
  error?: string;
}

export interface ColdStartResult {
  node: string;
  runs: number;
  baselineMedianMs: number;
  baselineCpuMedianMs: number;
  functions: Record<string, ColdStart>;
}

/** Prints the process's own CPU time (µs, user + system) when the script is done. */
const REPORT_CPU = 'const u = process.cpuUsage(); process.stdout.write(String(u.user + u.system));';

function time(args: string[], env: NodeJS.ProcessEnv): { ms: number; cpuMs: number; error?: string } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = performance.now() - t0;
  const cpuMs = Number(r.stdout) / 1000;
  if (r.status !== 0) {
    return { ms, cpuMs, error: (r.stderr || `exit ${r.status}`).trim().split('\n').slice(-3).join(' ') };
  }
  return { ms, cpuMs };
}

const importScript = (bundle: Bundle): string =>
  `await import(${JSON.stringify(pathToFileURL(join(bundle.dir, 'index.mjs')).href)});\n${REPORT_CPU}`;

/** A clean environment: nothing of this shell's NODE_OPTIONS, tsx loaders or credentials. */
function lambdaLikeEnv(name: string, facts: Partial<FunctionFacts> | undefined): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    LANG: 'C.UTF-8',
    TZ: 'UTC',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIABENCHMARK0000000',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_LAMBDA_FUNCTION_NAME: `dangan-${name}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(facts?.memoryMB ?? 512),
    ...(facts?.environment ?? {}),
  };
}

/**
 * `runs` rounds, each: bare `node -e 0`, a bare process reporting its CPU time, then every
 * bundle once. After `minRuns` rounds the measurement stops early once `budgetMs` is spent (a
 * busy machine); the result says how many rounds it took.
 */
export function measureColdStarts(
  functions: Record<string, Bundle & Partial<FunctionFacts>>,
  options: { runs?: number; minRuns?: number; budgetMs?: number; withoutSourceMaps?: string[] } = {},
): ColdStartResult {
  const runs = options.runs ?? 10;
  const minRuns = options.minRuns ?? 5;
  const budgetMs = options.budgetMs ?? Number.POSITIVE_INFINITY;
  const names = Object.keys(functions);
  const baseline: number[] = [];
  const baselineCpu: number[] = [];
  const samples = new Map<string, { ms: number[]; cpu: number[] }>(
    names.map((n) => [n, { ms: [], cpu: [] }]),
  );
  const plain = new Map<string, { ms: number[]; cpu: number[] }>(
    (options.withoutSourceMaps ?? []).filter((n) => n in functions).map((n) => [n, { ms: [], cpu: [] }]),
  );
  const errors = new Map<string, string>();
  const bareEnv = { PATH: process.env.PATH ?? '', LANG: 'C.UTF-8', TZ: 'UTC' };
  const started = performance.now();
  let done = 0;
  // Untimed: node itself and one bundle, so the first timed round starts from a warm page cache.
  time(['-e', '0'], bareEnv);
  const first = names[0];
  if (first) time(['--input-type=module', '-e', importScript(functions[first] as Bundle)], bareEnv);
  for (let round = 0; round < runs; round++) {
    if (round >= minRuns && performance.now() - started > budgetMs) break;
    baseline.push(time(['-e', '0'], bareEnv).ms);
    baselineCpu.push(time(['-e', REPORT_CPU], bareEnv).cpuMs);
    for (const name of names) {
      const facts = functions[name] as Bundle & Partial<FunctionFacts>;
      const r = time(['--input-type=module', '-e', importScript(facts)], lambdaLikeEnv(name, facts));
      if (r.error) errors.set(name, r.error);
      samples.get(name)?.ms.push(r.ms);
      samples.get(name)?.cpu.push(r.cpuMs);
    }
    for (const [name, s] of plain) {
      const facts = functions[name] as Bundle & Partial<FunctionFacts>;
      const { NODE_OPTIONS: _sourceMaps, ...env } = lambdaLikeEnv(name, facts);
      const r = time(['--input-type=module', '-e', importScript(facts)], env);
      s.ms.push(r.ms);
      s.cpu.push(r.cpuMs);
    }
    done++;
  }
  const baselineMedianMs = median(baseline);
  const baselineCpuMedianMs = median(baselineCpu);
  const ratiosOf = (s: { ms: number[]; cpu: number[] }) => ({
    medianMs: median(s.ms),
    ratio: median(s.ms) / baselineMedianMs,
    cpuRatio: median(s.cpu) / baselineCpuMedianMs,
  });
  const out: Record<string, ColdStart> = {};
  for (const name of names) {
    const facts = functions[name] as Bundle;
    const s = samples.get(name) ?? { ms: [], cpu: [] };
    const m = median(s.ms);
    const error = errors.get(name);
    out[name] = {
      bundleBytes: facts.bundleBytes,
      sourceMapBytes: facts.sourceMapBytes,
      medianMs: m,
      ratio: m / baselineMedianMs,
      cpuRatio: median(s.cpu) / baselineCpuMedianMs,
      ...(plain.has(name) ? { withoutSourceMaps: ratiosOf(plain.get(name) ?? { ms: [], cpu: [] }) } : {}),
      ...(error ? { error } : {}),
    };
  }
  return { node: process.version, runs: done, baselineMedianMs, baselineCpuMedianMs, functions: out };
}

/**
 * `BENCH_ONLY=bundles` (bench/run.ts): every bundle's bytes and import time, printed, leaving
 * bench/results.json and RESULTS.md as they are; `BENCH_FUNCTIONS=health,retention-sweep`
 * narrows the import timing to those functions (bytes are printed for all).
 */
export async function bundlesOnly(log: (msg: string) => void): Promise<void> {
  const { bundleAll, bundleReference, cdkCheck } = await import('./bundles.ts');
  const { synthesizeStack } = await import('./stack.ts');
  const { REFERENCE } = await import('./results.ts');
  log('synthesizing the stack (template only)');
  const stack = synthesizeStack();
  log("bundling every function with the stack's bundling options");
  const bundles = await bundleAll();
  const health = bundles.health;
  if (health) log(`health bundle ${cdkCheck('health', health).identical ? 'equals' : 'DIFFERS FROM'} CDK's`);
  const only = process.env.BENCH_FUNCTIONS?.split(',').filter(Boolean);
  const timed = Object.entries(bundles).filter(([n]) => !only || only.includes(n));
  log(`cold-start proxy: ${timed.length} bundles`);
  const result = measureColdStarts(
    {
      ...Object.fromEntries(timed.map(([n, b]) => [n, { ...b, ...stack.functions[n] }])),
      [REFERENCE]: await bundleReference(),
    },
    {
      runs: 10,
      minRuns: 5,
      budgetMs: 180_000,
      withoutSourceMaps: sourceMapProbes(Object.fromEntries(timed), REFERENCE),
    },
  );
  log(
    `${result.runs} rounds; bare node ${result.baselineMedianMs.toFixed(0)} ms wall, ${result.baselineCpuMedianMs.toFixed(0)} ms CPU`,
  );
  const rows = Object.entries(bundles).map(([n, b]) => [n, b.bundleBytes, result.functions[n]] as const);
  rows.push([REFERENCE, result.functions[REFERENCE]?.bundleBytes ?? 0, result.functions[REFERENCE]]);
  for (const [name, bytes, c] of rows.sort((x, y) => y[1] - x[1])) {
    const kb = (bytes / 1024).toFixed(0).padStart(4);
    const t = c
      ? `${c.medianMs.toFixed(0).padStart(5)} ms ${c.ratio.toFixed(2)}× cpu ${c.cpuRatio.toFixed(2)}×`
      : '';
    const plainRatio = c?.withoutSourceMaps
      ? ` (without source maps ${c.withoutSourceMaps.ratio.toFixed(2)}×)`
      : '';
    log(
      `${bytes > 500 * 1024 ? 'OVER' : '    '} ${kb} KB ${t}${plainRatio} ${name}${c?.error ? ` ERROR ${c.error}` : ''}`,
    );
  }
}

/** Functions also timed without source maps: the reference, health and the largest bundle. */
export function sourceMapProbes(bundles: Record<string, Bundle>, reference: string): string[] {
  const entries = Object.entries(bundles);
  if (entries.length === 0) return [reference];
  const largest = entries.reduce((x, y) => (y[1].bundleBytes > x[1].bundleBytes ? y : x));
  return [...new Set([reference, ...(bundles.health ? ['health'] : []), largest[0]])];
}
