/**
 * `tsx infra/local/iam/synthesize.ts <out.json>`: synthesizes the stack without bundling the
 * function code and writes what decides access (stack-policies.ts SynthesizedPolicies) to
 * `<out.json>`. A process of its own, run by policy-cache.ts when its cache misses: CDK's
 * libraries and the synthesis stay out of the local system's process.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CfnElement, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { TableDef } from '../../../functions/adapters/tables.ts';
import type { FunctionName, WorkflowName } from '../../../functions/catalog.ts';
import { synthesizeUnbundled } from '../../templates.ts';
import { type LocalRef, policiesOfTemplate } from './stack-policies.ts';

const out = process.argv[2];
if (!out) {
  console.error('usage: synthesize.ts <out.json>');
  process.exit(2);
}
const outdir = mkdtempSync(join(tmpdir(), 'dangan-iam-synth-'));
try {
  const { stack, templates } = synthesizeUnbundled(outdir);
  const logicalId = (c: IConstruct): string => {
    const element = (c.node.defaultChild ?? c) as CfnElement;
    return Stack.of(element).getLogicalId(element);
  };
  const local: Record<string, LocalRef> = {
    [logicalId(stack.storage.intake)]: { bucket: 'intake' },
    [logicalId(stack.storage.archive)]: { bucket: 'archive' },
    [logicalId(stack.storage.key)]: { key: true },
    [logicalId(stack.auth.userPool)]: { userPool: true },
  };
  for (const [id, table] of Object.entries(stack.storage.tables)) {
    local[logicalId(table)] = { table: id as TableDef['id'] };
  }
  for (const [wf, machine] of Object.entries(stack.workflows.byName)) {
    local[logicalId(machine)] = { workflow: wf as WorkflowName };
  }
  const roles: Record<string, string> = {};
  for (const [fn, role] of Object.entries(stack.functions.roles)) {
    roles[logicalId(role)] = fn;
    local[logicalId(role)] = { role: fn as FunctionName };
    local[logicalId(stack.functions.byName[fn as FunctionName])] = { function: fn as FunctionName };
  }
  const partial = `${out}.${process.pid}`;
  writeFileSync(partial, JSON.stringify(policiesOfTemplate(templates.merged, roles, local)));
  renameSync(partial, out); // whole or not at all: another run may read it at once
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
