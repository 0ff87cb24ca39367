/**
 * Cold-start proxy: the wall time of a fresh Node.js 22 process that imports a function's bundle
 * (index.mjs as the Lambda runtime loads it, with the function's own environment from the
 * synthesized template), divided by that of a bare `node -e 0` measured in the same
 * rounds. Rounds interleave the baseline and every bundle, so machine noise falls on all alike.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
  /** The CPU time the import adds to a bare process (median), in ms: carries across machines. */
  addedCpuMs: number;
  /**
   * The same import with NODE_OPTIONS=--enable-source-maps (measured for a few functions only),
   * as the stack ran them before: Node then reads and parses the source map at every load, where
   * the bundles now read it when a stack is first formatted (functions/adapters/source-mapped-stacks.ts).
   */
  withEnableSourceMaps?: { medianMs: number; ratio: number; cpuRatio: number; addedCpuMs: number };
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
  options: { runs?: number; minRuns?: number; budgetMs?: number; withEnableSourceMaps?: string[] } = {},
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
  const eager = new Map<string, { ms: number[]; cpu: number[] }>(
    (options.withEnableSourceMaps ?? []).filter((n) => n in functions).map((n) => [n, { ms: [], cpu: [] }]),
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
    for (const [name, s] of eager) {
      const facts = functions[name] as Bundle & Partial<FunctionFacts>;
      const env = { ...lambdaLikeEnv(name, facts), NODE_OPTIONS: '--enable-source-maps' };
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
    addedCpuMs: median(s.cpu) - baselineCpuMedianMs,
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
      addedCpuMs: median(s.cpu) - baselineCpuMedianMs,
      ...(eager.has(name) ? { withEnableSourceMaps: ratiosOf(eager.get(name) ?? { ms: [], cpu: [] }) } : {}),
      ...(error ? { error } : {}),
    };
  }
  return { node: process.version, runs: done, baselineMedianMs, baselineCpuMedianMs, functions: out };
}

/**
 * Every function's bundle, the reference and the floors, imported in the same rounds
 * (`names` narrows the functions timed; bytes are kept for all).
 */
export async function measureBundles(
  functionFacts: Record<string, Partial<FunctionFacts>>,
  log: (msg: string) => void,
  names?: string[],
) {
  const { bundleAll, bundleFloors, bundleReference, cdkCheck } = await import('./bundles.ts');
  const { FLOORS, REFERENCE } = await import('./results.ts');
  log("bundling every function with the stack's bundling options");
  // Everything bundled here is imported from this folder and removed once timed.
  const root = mkdtempSync(join(tmpdir(), 'dangan-bench-bundles-'));
  try {
    const bundles = await bundleAll(join(root, 'functions'));
    const bundling = cdkCheck('health', bundles.health as Bundle);
    if (!bundling.identical) log('the health bundle differs from the one CDK builds');
    const floors = await bundleFloors(join(root, 'floors'));
    const timed = Object.entries(bundles).filter(([n]) => !names || names.includes(n));
    log(`cold-start proxy: ${timed.length} bundles, the reference and ${Object.keys(FLOORS).length} floors`);
    const coldStart = measureColdStarts(
      {
        ...Object.fromEntries(timed.map(([n, b]) => [n, { ...b, ...functionFacts[n] }])),
        [REFERENCE]: await bundleReference(join(root, 'reference')),
        [FLOORS.documentClient]: floors.documentClient,
        [FLOORS.builtins]: floors.builtins,
      },
      {
        runs: 10,
        minRuns: 5,
        budgetMs: 180_000,
        withEnableSourceMaps: sourceMapProbes(Object.fromEntries(timed), REFERENCE),
      },
    );
    log(
      `${coldStart.runs} rounds; bare node ${coldStart.baselineMedianMs.toFixed(0)} ms wall, ${coldStart.baselineCpuMedianMs.toFixed(0)} ms CPU`,
    );
    return { bundles, bundling, coldStart, floorBuiltins: floors.builtinNames };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * `BENCH_ONLY=bundles` (bench/run.ts): every bundle's bytes and import time, printed; its own
 * sections of bench/results.json (`coldStart`, `stack.bundling` and the bundle and import targets)
 * are replaced and RESULTS.md rendered again, every other section left as the last run wrote it.
 * `BENCH_FUNCTIONS=health,retention-sweep` narrows the import timing to those functions and
 * leaves results.json alone (a partial table would judge the targets on a few functions).
 */
export async function bundlesOnly(log: (msg: string) => void): Promise<void> {
  const started = Date.now();
  const { synthesizeStack } = await import('./stack.ts');
  const { isReference } = await import('./results.ts');
  log('synthesizing the stack (template only)');
  const stack = synthesizeStack();
  const only = process.env.BENCH_FUNCTIONS?.split(',').filter(Boolean);
  const { bundles, bundling, coldStart, floorBuiltins } = await measureBundles(stack.functions, log, only);
  log(`the floor's built-ins: ${floorBuiltins.join(', ')}`);
  for (const [name, c] of Object.entries(coldStart.functions).sort(
    (x, y) => y[1].bundleBytes - x[1].bundleBytes,
  )) {
    const kb = (c.bundleBytes / 1024).toFixed(0).padStart(4);
    const t = `${c.medianMs.toFixed(0).padStart(5)} ms ${c.ratio.toFixed(2)}× cpu ${c.cpuRatio.toFixed(2)}× +${c.addedCpuMs.toFixed(1)} ms`;
    const eager = c.withEnableSourceMaps
      ? ` (with --enable-source-maps ${c.withEnableSourceMaps.ratio.toFixed(2)}×, +${c.withEnableSourceMaps.addedCpuMs.toFixed(1)} ms)`
      : '';
    log(
      `${c.bundleBytes > 400 * 1024 ? 'OVER' : '    '} ${kb} KB ${t}${eager} ${name}${c.error ? ` ERROR ${c.error}` : ''}`,
    );
  }
  const untimed = Object.keys(bundles).filter((n) => !(n in coldStart.functions) && !isReference(n));
  if (untimed.length > 0) {
    log(`${untimed.length} functions not timed (BENCH_FUNCTIONS): bench/results.json left as it is`);
    return;
  }
  const { writeBundleSections } = await import('./bundle-targets.ts');
  const { sectionRun } = await import('./run-info.ts');
  for (const t of writeBundleSections(coldStart, bundling, sectionRun(started)))
    log(`${t.met ? 'met' : 'MISSED'} ${t.id}: ${t.measured}`);
}

/** Functions also timed with --enable-source-maps: the reference, health and the largest bundle. */
export function sourceMapProbes(bundles: Record<string, Bundle>, reference: string): string[] {
  const entries = Object.entries(bundles);
  if (entries.length === 0) return [reference];
  const largest = entries.reduce((x, y) => (y[1].bundleBytes > x[1].bundleBytes ? y : x));
  return [...new Set([reference, ...(bundles.health ? ['health'] : []), largest[0]])];
}
