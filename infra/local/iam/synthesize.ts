/**
 * `tsx infra/local/iam/synthesize.ts <out.json>`: reads the stack synthesized without bundling the
 * function code (infra/synthesis-cache.ts, synthesizing it when no run has yet) and writes what
 * decides access (stack-policies.ts SynthesizedPolicies) to `<out.json>`. A process of its own,
 * run by policy-cache.ts when its cache misses: CDK's libraries stay out of the local system's
 * process.
 */
import { writeFileSync } from 'node:fs';
import { type CfnElement, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { TableDef } from '../../../functions/adapters/tables.ts';
import type { FunctionName, WorkflowName } from '../../../functions/catalog.ts';
import { cachedSynthesis } from '../../synthesis-cache.ts';
import { type LocalRef, policiesOfTemplate } from './stack-policies.ts';

const out = process.argv[2];
if (!out) {
  console.error('usage: synthesize.ts <out.json>');
  process.exit(2);
}
const { stack, templates } = await cachedSynthesis();
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
// policy-cache.ts renames the file into place once it is whole.
writeFileSync(out, JSON.stringify(policiesOfTemplate(templates.merged, roles, local)));
