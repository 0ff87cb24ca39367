import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CfnElement, NestedStack, type Stack } from 'aws-cdk-lib';
import { createDanganApp } from './dangan-app.ts';
import type { DanganStack } from './stack.ts';

/**
 * The synthesized templates of a stack and its nested stacks, read from the assembly directory.
 * `merged` holds every resource of all of them, with each nested stack's references to the
 * parent (parameters, whose values the parent's `AWS::CloudFormation::Stack` resource passes)
 * written back as the `Ref` / `Fn::GetAtt` they stand for, and the parent's references to a
 * nested stack's outputs written as what those outputs hold, so a test asks about a route or an
 * alarm the same way whichever template holds it.
 */

export interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
}

interface TemplateJson {
  Resources: Record<string, TemplateResource>;
  Outputs?: Record<string, { Value: unknown }>;
}

export interface StackTemplates {
  /** Resources per template: the parent under its stack name, nested stacks under their node id. */
  counts: Record<string, number>;
  merged: Record<string, TemplateResource>;
  /** The parent's outputs. */
  outputs: Record<string, unknown>;
}

export function readTemplates(outdir: string, stack: Stack): StackTemplates {
  const read = (file: string) => JSON.parse(readFileSync(join(outdir, file), 'utf8')) as TemplateJson;
  const parent = read(stack.templateFile);
  const counts: Record<string, number> = { [stack.stackName]: Object.keys(parent.Resources).length };
  const merged: Record<string, TemplateResource> = {};
  /** Nested stack resource id → its outputs, as the parent reads them (`Outputs.<name>`). */
  const nestedOutputs = new Map<string, Record<string, unknown>>();
  const nestedTemplates = stack.node
    .findAll()
    .filter(NestedStack.isNestedStack)
    .map((nested) => {
      const json = read(nested.templateFile);
      counts[nested.node.id] = Object.keys(json.Resources).length;
      const holderId = stack.getLogicalId(nested.nestedStackResource as CfnElement);
      const passed = (parent.Resources[holderId]?.Properties?.Parameters ?? {}) as Record<string, unknown>;
      const outputs = Object.entries(json.Outputs ?? {}).map(([k, o]) => [
        k,
        resolveParameters(o.Value, passed),
      ]);
      nestedOutputs.set(holderId, Object.fromEntries(outputs));
      return { json, passed };
    });
  // A nested stack's parameter may be another nested stack's output (an alarm of one on a state
  // machine of the other): resolved once every output is known.
  for (const { json, passed } of nestedTemplates) {
    for (const [id, resource] of Object.entries(json.Resources)) {
      if (merged[id] || parent.Resources[id]) throw new Error(`logical id ${id} is in two templates`);
      merged[id] = resolveOutputs(resolveParameters(resource, passed), nestedOutputs) as TemplateResource;
    }
  }
  for (const [id, resource] of Object.entries(parent.Resources)) {
    merged[id] = resolveOutputs(resource, nestedOutputs) as TemplateResource;
  }
  return {
    counts,
    merged,
    outputs: (resolveOutputs(parent.Outputs ?? {}, nestedOutputs) ?? {}) as Record<string, unknown>,
  };
}

/** Each `{Fn::GetAtt: [<nested stack>, Outputs.<name>]}` replaced by what that output holds. */
function resolveOutputs(node: unknown, outputs: ReadonlyMap<string, Record<string, unknown>>): unknown {
  if (Array.isArray(node)) return node.map((n) => resolveOutputs(n, outputs));
  if (node === null || typeof node !== 'object') return node;
  const o = node as Record<string, unknown>;
  const att = o['Fn::GetAtt'];
  if (Array.isArray(att) && Object.keys(o).length === 1) {
    const [id, name] = att as [string, string];
    const held = outputs.get(id);
    if (held && name.startsWith('Outputs.') && name.slice(8) in held) return held[name.slice(8)];
  }
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, resolveOutputs(v, outputs)]));
}

/** Each `{Ref: <parameter>}` replaced by the value the parent passes for it. */
function resolveParameters(node: unknown, passed: Readonly<Record<string, unknown>>): unknown {
  if (Array.isArray(node)) return node.map((n) => resolveParameters(n, passed));
  if (node === null || typeof node !== 'object') return node;
  const o = node as Record<string, unknown>;
  const ref = o.Ref;
  if (typeof ref === 'string' && Object.keys(o).length === 1 && ref in passed) return passed[ref];
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, resolveParameters(v, passed)]));
}

/**
 * Synthesizes the stack as `npx cdk synth` builds it into `outdir`, with asset bundling skipped
 * (the templates, not the function code, are wanted) and Control Tower's checks left out. Findings
 * of the AWS Solutions checks end synthesis only after the templates are written, so they are
 * read either way. For tests and the local realisation's IAM, which read the roles' policies.
 */
export function synthesizeUnbundled(outdir: string): { stack: DanganStack; templates: StackTemplates } {
  const { app, stack } = unbundledApp(outdir);
  try {
    app.synth();
  } catch {
    // see above
  }
  return { stack, templates: readTemplates(outdir, stack) };
}

/**
 * The stack as synthesizeUnbundled builds it, constructed but not synthesized, with the templates
 * an earlier synthesis of the same sources wrote into `outdir`: logical ids come from the
 * constructs, which is cheap; the synthesis (the checks, the writing) is what is slow.
 */
export function readSynthesized(outdir: string): { stack: DanganStack; templates: StackTemplates } {
  const { stack } = unbundledApp(outdir);
  return { stack, templates: readTemplates(outdir, stack) };
}

function unbundledApp(outdir: string) {
  const context = (
    JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as {
      context: Record<string, unknown>;
    }
  ).context;
  return createDanganApp(
    { context: { ...context, 'aws:cdk:bundling-stacks': [] }, outdir },
    { controlTower: false },
  );
}
