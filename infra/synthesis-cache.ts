/**
 * Work decided only by the project's sources, done once per change of them and kept on disk
 * under `node_modules/.cache/`: the stack synthesized without bundling (`dangan-synth/<hash>/`,
 * read by the infrastructure tests and by the local IAM) and what is derived from it. The key is a
 * hash of every project module an entry script imports (found by esbuild) and of the files the
 * CDK app reads besides its imports (the ASL files, the schemes, cdk.json, package-lock.json for
 * the CDK version). Processes that need it at once (test files in parallel, a system starting)
 * produce it once: the first takes a lock, the others wait for what it writes.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { PROJECT_ROOT } from './shared.ts';
import type { readSynthesized } from './templates.ts';

export const CACHE_ROOT = join(PROJECT_ROOT, 'node_modules', '.cache');
/** Read by the CDK app besides its imports (the console's page is its asset when not bundled). */
const DATA = ['cdk.json', 'package-lock.json', 'statemachines', 'schemes', 'web/index.html'];
const SYNTHESIZE_UNBUNDLED = join(PROJECT_ROOT, 'infra', 'tools', 'synthesize-unbundled.ts');
/**
 * Entries not used for this long are removed when a new one is written (checkouts of other
 * branches share node_modules, and with it this cache: an entry in use is never that old).
 */
const UNUSED_MS = 24 * 60 * 60 * 1000;

function filesUnder(path: string): string[] {
  const full = join(PROJECT_ROOT, path);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return [path];
  return readdirSync(full, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(PROJECT_ROOT, join(e.parentPath, e.name)));
}

/** The hash of the project modules `entry` imports and of the data files the CDK app reads. */
export async function sourcesHash(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
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

/** A lock older than this is left from work that was stopped: it is taken over. */
const STALE_LOCK_MS = 180_000;

/**
 * Makes sure `path` (a file or a directory) exists, calling `produce` with a partial path to write
 * and renaming that into place when it returns (so a reader never sees half of it). Whoever takes
 * the lock (a directory beside `path`) produces; the others wait for the result.
 */
export async function producedOnce(path: string, produce: (partial: string) => Promise<void>): Promise<void> {
  const lock = `${path}.lock`;
  mkdirSync(dirname(path), { recursive: true });
  while (!existsSync(path)) {
    try {
      mkdirSync(lock);
    } catch {
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 250));
      continue;
    }
    try {
      if (!existsSync(path)) {
        const partial = `${path}.${process.pid}.partial`;
        rmSync(partial, { recursive: true, force: true });
        await produce(partial);
        renameSync(partial, path);
        pruneBeside(path);
      }
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  const now = new Date();
  utimesSync(path, now, now); // in use: not pruned
}

/** Removes the entries beside `path` (and partials a stopped run left) unused for UNUSED_MS. */
function pruneBeside(path: string): void {
  const dir = dirname(path);
  for (const name of readdirSync(dir)) {
    const at = statSync(join(dir, name), { throwIfNoEntry: false });
    if (at && Date.now() - at.mtimeMs > UNUSED_MS) rmSync(join(dir, name), { recursive: true, force: true });
  }
}

/**
 * The stack synthesized without bundling (infra/templates.ts synthesizeUnbundled) for the sources
 * as they are now: from the cache, or synthesized once (15–40 s, in a process of its own so the
 * synthesis does not stay in the caller's memory) and kept. The stack is constructed in the
 * caller for its logical ids; `outdir` is the cached cloud assembly, which nobody may change.
 */
export async function cachedSynthesis(
  log: (line: string) => void = () => undefined,
): Promise<ReturnType<typeof readSynthesized> & { outdir: string }> {
  const dir = join(CACHE_ROOT, 'dangan-synth', await sourcesHash(SYNTHESIZE_UNBUNDLED));
  await producedOnce(dir, async (partial) => {
    log('synthesizing the stack without bundling (once per change of the infrastructure code)');
    await promisify(execFile)(process.execPath, ['--import', 'tsx', SYNTHESIZE_UNBUNDLED, partial], {
      cwd: PROJECT_ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
  });
  // Loaded here, not at the top: templates.ts brings aws-cdk-lib and the whole CDK app, which the
  // local system (which needs only the hash and producedOnce) would otherwise load at every start.
  const { readSynthesized: read } = await import('./templates.ts');
  return { ...read(dir), outdir: dir };
}
