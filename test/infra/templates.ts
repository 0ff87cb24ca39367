import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DanganStack } from '../../infra/stack.ts';
import { type StackTemplates, synthesizeUnbundled } from '../../infra/templates.ts';

export { readTemplates, type StackTemplates, type TemplateResource } from '../../infra/templates.ts';

/**
 * The stack as `npx cdk synth` builds it, synthesized into a new directory under the system's
 * temporary one, for a test that reads the templates (infra/templates.ts synthesizeUnbundled).
 */
export function synthesizeForTest(prefix: string): {
  stack: DanganStack;
  outdir: string;
  templates: StackTemplates;
} {
  const outdir = mkdtempSync(join(tmpdir(), prefix));
  return { outdir, ...synthesizeUnbundled(outdir) };
}
