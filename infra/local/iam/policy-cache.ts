/**
 * The stack's access policies for the local IAM, derived once per change of the sources that
 * decide them and kept on disk under `node_modules/.cache/dangan-iam/<hash>.json` (the hash covers
 * the CDK app and this derivation: every module synthesize.ts imports; infra/synthesis-cache.ts).
 * A start or a test run whose sources are unchanged reads the file; a change derives it again in a
 * process of its own (synthesize.ts), from the stack synthesized once for everyone who reads it.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../shared.ts';
import { CACHE_ROOT, producedOnce, sourcesHash } from '../../synthesis-cache.ts';
import type { SynthesizedPolicies } from './stack-policies.ts';

const SYNTHESIZE = join(PROJECT_ROOT, 'infra', 'local', 'iam', 'synthesize.ts');

/** The synthesized policies for the sources as they are now, from the cache or derived anew. */
export async function stackPolicies(
  log: (line: string) => void = () => undefined,
): Promise<SynthesizedPolicies> {
  const file = join(CACHE_ROOT, 'dangan-iam', `${await sourcesHash(SYNTHESIZE)}.json`);
  await producedOnce(file, async (partial) => {
    log('reading the stack for its IAM policies (once per change of the infrastructure code)');
    await promisify(execFile)(process.execPath, ['--import', 'tsx', SYNTHESIZE, partial], {
      cwd: PROJECT_ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
  });
  return JSON.parse(readFileSync(file, 'utf8')) as SynthesizedPolicies;
}
