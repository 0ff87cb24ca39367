/**
 * The stack's access policies for the local IAM, synthesized once and kept on disk under
 * `node_modules/.cache/dangan-iam/`, keyed by a hash of every source that decides them: the
 * project modules the synthesis imports (found by esbuild from synthesize.ts, which imports the
 * CDK app), the files it reads (the ASL files, the schemes, cdk.json) and package-lock.json (the
 * CDK version). A start or a test run whose sources are unchanged reads the file; a change
 * synthesizes again (15–30 s, in a process of its own: synthesize.ts).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { PROJECT_ROOT } from '../../shared.ts';
import type { SynthesizedPolicies } from './stack-policies.ts';

const CACHE_DIR = join(PROJECT_ROOT, 'node_modules', '.cache', 'dangan-iam');
const SYNTHESIZE = join(PROJECT_ROOT, 'infra', 'local', 'iam', 'synthesize.ts');
/** Read by the CDK app besides its imports. */
const DATA = ['cdk.json', 'package-lock.json', 'statemachines', 'schemes'];

function filesUnder(path: string): string[] {
  const full = join(PROJECT_ROOT, path);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return [path];
  return readdirSync(full, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(PROJECT_ROOT, join(e.parentPath, e.name)));
}

/** The hash of every source that decides the synthesized policies. */
export async function policySourcesHash(): Promise<string> {
  const result = await build({
    entryPoints: [SYNTHESIZE],
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
  });
  const files = [...Object.keys(result.metafile.inputs), ...DATA.flatMap(filesUnder)].sort();
  const hash = createHash('sha256');
  for (const file of files)
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(join(PROJECT_ROOT, file)));
  return hash.digest('hex').slice(0, 32);
}

/** A lock older than this is left from a synthesis that was stopped: it is taken over. */
const STALE_LOCK_MS = 120_000;

/**
 * The synthesized policies for the sources as they are now, from the cache or a new synthesis.
 * Systems starting at once (the e2e test files run in parallel) synthesize once: the first takes
 * a lock (a directory beside the file), the others wait for its file.
 */
export async function stackPolicies(
  log: (line: string) => void = () => undefined,
): Promise<SynthesizedPolicies> {
  const file = join(CACHE_DIR, `${await policySourcesHash()}.json`);
  const lock = `${file}.lock`;
  mkdirSync(CACHE_DIR, { recursive: true });
  while (!existsSync(file)) {
    try {
      mkdirSync(lock);
    } catch {
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 250));
      continue;
    }
    try {
      if (!existsSync(file)) {
        log('synthesizing the stack for its IAM policies (once per change of the infrastructure code)');
        await promisify(execFile)(process.execPath, ['--import', 'tsx', SYNTHESIZE, file], {
          cwd: PROJECT_ROOT,
          maxBuffer: 16 * 1024 * 1024,
        });
      }
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  return JSON.parse(readFileSync(file, 'utf8')) as SynthesizedPolicies;
}
