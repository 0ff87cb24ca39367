/**
 * The local IAM as the local realisation starts it: the stack's policies (synthesized, cached:
 * policy-cache.ts) written as the local resources' names, and the evaluator with a principal per
 * function (evaluator.ts). `override` lets a test take a grant away before the system starts
 * (DANGAN_IAM_OVERRIDE, see below); nothing else changes a policy.
 */
import { TABLES, type TableDef } from '../../../functions/adapters/tables.ts';
import type { FunctionName, WorkflowName } from '../../../functions/catalog.ts';
import { localTableName } from '../dynamodb.ts';
import { type KeyPair, LocalIam, roleName } from './evaluator.ts';
import { stackPolicies } from './policy-cache.ts';
import {
  type LocalResources,
  type PolicyDocument,
  resolveStackPolicies,
  type StackPolicies,
} from './stack-policies.ts';

/** The local KMS key's ARN: the stack has one key, the local realisation names it thus. */
export const localKeyArn = (region: string, accountId: string) =>
  `arn:aws:kms:${region}:${accountId}:key/00000000-0000-4000-8000-00000000da9a`;

/**
 * `DANGAN_IAM_OVERRIDE`: `{"<function>": {"withoutActions": ["dynamodb:PutItem", ...]}}` removes
 * those actions from every Allow statement of the function's synthesized role, as a stack without
 * that grant would have. For tests that show a missing grant fails as on AWS.
 */
export const IAM_OVERRIDE_ENV = 'DANGAN_IAM_OVERRIDE';

type Override = Partial<Record<FunctionName, { withoutActions: string[] }>>;

function withoutActions(doc: PolicyDocument, removed: readonly string[]): PolicyDocument {
  const statements = (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]) as Record<
    string,
    unknown
  >[];
  return {
    ...doc,
    Statement: statements.flatMap((s) => {
      if (s.Effect !== 'Allow') return [s];
      const actions = ([] as unknown[]).concat(s.Action).filter((a) => !removed.includes(String(a)));
      return actions.length === 0 ? [] : [{ ...s, Action: actions }];
    }),
  };
}

function applyOverride(policies: StackPolicies, raw: string | undefined): StackPolicies {
  if (raw === undefined || raw === '') return policies;
  const override = JSON.parse(raw) as Override;
  for (const [fn, change] of Object.entries(override) as [FunctionName, { withoutActions: string[] }][]) {
    const docs = policies.identity[fn];
    if (!docs) throw new Error(`${IAM_OVERRIDE_ENV}: no function ${fn}`);
    policies.identity[fn] = docs.map((d) => withoutActions(d, change.withoutActions));
  }
  return policies;
}

export interface LocalIamSetup {
  region: string;
  accountId: string;
  administrator: KeyPair;
  buckets: Record<'intake' | 'archive', string>;
  stateMachineArn(wf: WorkflowName): string;
  functionArn(fn: FunctionName): string;
  log(line: string): void;
}

export async function startLocalIam(
  setup: LocalIamSetup,
): Promise<{ iam: LocalIam; bucketKeys: Map<string, string> }> {
  const { region, accountId } = setup;
  const resources: LocalResources = {
    region,
    accountId,
    buckets: setup.buckets,
    tables: Object.fromEntries(TABLES.map((t) => [t.id, localTableName(t)])) as Record<
      TableDef['id'],
      string
    >,
    stateMachineArn: setup.stateMachineArn,
    functionArn: setup.functionArn,
    roleArn: (fn) => `arn:aws:iam::${accountId}:role/${roleName(fn)}`,
    keyArn: localKeyArn(region, accountId),
    userPoolId: `${region}_local`,
  };
  const policies = applyOverride(
    resolveStackPolicies(await stackPolicies(setup.log), resources),
    process.env[IAM_OVERRIDE_ENV],
  );
  for (const line of policies.unevaluated) setup.log(`IAM: managed policy not evaluated locally: ${line}`);
  return {
    iam: new LocalIam({ region, accountId, administrator: setup.administrator, policies }),
    bucketKeys: policies.bucketKeys,
  };
}
