import { readFileSync } from 'node:fs';
import type { DanganStack } from '../../infra/stack.ts';
import { cachedSynthesis } from '../../infra/synthesis-cache.ts';
import type { StackTemplates } from '../../infra/templates.ts';

export { readTemplates, type StackTemplates, type TemplateResource } from '../../infra/templates.ts';

/**
 * The stack as `npx cdk synth` builds it (asset bundling skipped), for a test that reads the
 * templates: synthesized once per change of the infrastructure code and shared by every test file
 * and the local IAM (infra/synthesis-cache.ts); the caller must not change the files.
 */
export async function synthesizedForTest(): Promise<{
  stack: DanganStack;
  templates: StackTemplates;
  outdir: string;
}> {
  return cachedSynthesis();
}

export type Json = Record<string, unknown>;

/** One statement of an IAM policy as the templates hold it. */
export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Json;
}

/** cdk.json's context, which `npx cdk synth` reads: a test synthesizing on its own starts from it. */
export const cdkContext = (
  JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Json }
).context;
