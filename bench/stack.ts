/**
 * The Dangan stack as `npx cdk synth` builds it (same app, same cdk.json context; asset bundling
 * skipped, bundles.ts builds them): each function's memory, architecture and environment, and
 * the lifecycle rules of the buckets, read from the synthesized template.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { FUNCTIONS, type FunctionName } from '../functions/catalog.ts';
import { createDanganApp } from '../infra/dangan-app.ts';
import type { TableClass } from './cost.ts';

export interface FunctionFacts {
  memoryMB: number;
  architecture: string;
  /** The function's environment with CloudFormation references replaced by placeholders. */
  environment: Record<string, string>;
  /**
   * Whether Lambda logs its platform lines (START, END, REPORT) of an invocation that succeeds:
   * not when the function's system log level is WARN (JSON logs).
   */
  platformLinesLogged: boolean;
}

export interface LifecycleFacts {
  /** Archive bucket: days until current versions move, and the class they move to. */
  archiveTransitionDays: number | undefined;
  archiveTransitionClass: string | undefined;
  /** Intake bucket: days until an upload under the intake prefix expires. */
  intakeExpiryDays: number | undefined;
}

export interface StackFacts {
  functions: Record<string, FunctionFacts>;
  lifecycle: LifecycleFacts;
  /** Each table's class (`TableClass`; STANDARD when the template leaves it out), by table id. */
  tableClasses: Record<string, TableClass>;
  /** Whether each table has continuous backups (PITR), by table id. */
  continuousBackups: Record<string, boolean>;
  /** Set when synthesis reported an error after writing the template (e.g. an unacknowledged cdk-nag finding). */
  synthError?: string;
}

type Json = Record<string, unknown>;

const placeholder = (name: string, value: unknown): string => {
  if (typeof value === 'string') return value;
  if (name.endsWith('_ARN'))
    return `arn:aws:states:us-east-1:000000000000:stateMachine:${name.toLowerCase()}`;
  return `bench-${name.toLowerCase().replace(/_/g, '-')}`;
};

/**
 * The stack as `npx cdk synth` builds it, or with `context` added: a deployment's choice priced
 * instead of the default (`recordsTableClass`, bench/run.ts; never written to results.json).
 */
export function synthesizeStack(context: Json = {}): StackFacts {
  const cdkJson = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as {
    context: Json;
  };
  const outdir = mkdtempSync(join(tmpdir(), 'dangan-bench-synth-'));
  const { app, stack } = createDanganApp(
    { context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...context }, outdir },
    { controlTower: false },
  );
  let synthError: string | undefined;
  try {
    app.synth();
  } catch (err) {
    synthError = (err as Error).message;
  }
  const template = JSON.parse(readFileSync(join(outdir, stack.templateFile), 'utf8')) as {
    Resources: Record<string, { Type: string; Properties?: Json }>;
  };
  const props = (element: unknown): Json => {
    const id = stack.getLogicalId(element as CfnElement);
    const resource = template.Resources[id];
    if (!resource) throw new Error(`no resource ${id} in the synthesized template`);
    return resource.Properties ?? {};
  };

  const functions: Record<string, FunctionFacts> = {};
  for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
    const fn = stack.functions.byName[name];
    const p = props(fn.node.defaultChild);
    const vars = ((p.Environment as { Variables?: Json } | undefined)?.Variables ?? {}) as Json;
    functions[name] = {
      memoryMB: Number(p.MemorySize ?? 128),
      architecture: String((p.Architectures as string[] | undefined)?.[0] ?? 'x86_64'),
      environment: Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, placeholder(k, v)])),
      platformLinesLogged:
        (p.LoggingConfig as { SystemLogLevel?: string } | undefined)?.SystemLogLevel !== 'WARN',
    };
  }

  type Rule = {
    Status?: string;
    Prefix?: string;
    ExpirationInDays?: number;
    Transitions?: { StorageClass: string; TransitionInDays?: number }[];
  };
  const rulesOf = (bucket: unknown): Rule[] =>
    ((props(bucket).LifecycleConfiguration as { Rules?: Rule[] } | undefined)?.Rules ?? []).filter(
      (r) => r.Status !== 'Disabled',
    );
  const transition = rulesOf(stack.storage.archive.node.defaultChild)
    .flatMap((r) => r.Transitions ?? [])
    .sort((a, b) => (a.TransitionInDays ?? 0) - (b.TransitionInDays ?? 0))[0];
  const expiry = rulesOf(stack.storage.intake.node.defaultChild).find(
    (r) => r.ExpirationInDays !== undefined,
  );

  const tables = Object.entries(stack.storage.tables).map(
    ([id, table]) => [id, props(table.node.defaultChild)] as const,
  );
  const tableClasses = Object.fromEntries(
    tables.map(([id, p]) => [id, (p.TableClass as TableClass | undefined) ?? 'STANDARD']),
  );
  type Pitr = { PointInTimeRecoveryEnabled?: boolean } | undefined;
  const continuousBackups = Object.fromEntries(
    tables.map(([id, p]) => [
      id,
      (p.PointInTimeRecoverySpecification as Pitr)?.PointInTimeRecoveryEnabled === true,
    ]),
  );

  // Everything is read from the template: the cloud assembly is not kept.
  rmSync(outdir, { recursive: true, force: true });
  return {
    functions,
    tableClasses,
    continuousBackups,
    lifecycle: {
      archiveTransitionDays: transition?.TransitionInDays,
      archiveTransitionClass: transition?.StorageClass,
      intakeExpiryDays: expiry?.ExpirationInDays,
    },
    ...(synthError ? { synthError } : {}),
  };
}
