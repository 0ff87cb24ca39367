/**
 * The access policies of the synthesized stack, as the local IAM evaluates them: each catalog
 * function's role (its inline policies and every `AWS::IAM::Policy` attached to it) and the
 * resource policies of the buckets, tables and key. They are taken from the templates CDK
 * synthesizes (synthesize.ts), never from a second reading of the catalog, so a grant the stack
 * lacks is missing locally too.
 *
 * The templates name resources by logical id and CloudFormation intrinsics; `resolveStackPolicies`
 * writes them as the local resources' names and ARNs (the local buckets, tables, state machines
 * and function roles), so a policy reads locally as it will read on AWS.
 */

import type { TableDef } from '../../../functions/adapters/tables.ts';
import type { FunctionName, WorkflowName } from '../../../functions/catalog.ts';
import { DEFAULT_STACK_NAME } from '../../shared.ts';

/** What a logical id stands for locally. */
export type LocalRef =
  | { bucket: 'intake' | 'archive' }
  | { table: TableDef['id'] }
  | { workflow: WorkflowName }
  | { function: FunctionName }
  | { role: FunctionName }
  | { key: true }
  | { userPool: true };

/** What synthesize.ts keeps of the templates: only what decides access, intrinsics unresolved. */
export interface SynthesizedPolicies {
  /** Each catalog function's role, by logical id. */
  roles: Record<string, string>;
  /** Logical ids that stand for local resources. */
  local: Record<string, LocalRef>;
  /** Role logical id → inline policy documents (`AWS::IAM::Role` Policies). */
  inline: Record<string, unknown[]>;
  /** `AWS::IAM::Policy` resources: the roles they attach to (logical ids) and their document. */
  attached: { roles: string[]; document: unknown }[];
  /** Role logical id → managed policy ARNs, which the local IAM cannot read (none today). */
  managed: Record<string, unknown[]>;
  /** Bucket logical id → its bucket policy. */
  bucketPolicies: Record<string, unknown>;
  /** Table logical id → its resource policy. */
  tablePolicies: Record<string, unknown>;
  /** Key logical id → its key policy. */
  keyPolicies: Record<string, unknown>;
  /** Bucket logical id → the KMS key it encrypts objects with (SSE-KMS). */
  bucketKeys: Record<string, unknown>;
}

/** A policy document after resolution: plain JSON, every ARN written out. */
export type PolicyDocument = { Version?: string; Statement: unknown[] | unknown };

/** The local names the intrinsics resolve to. */
export interface LocalResources {
  region: string;
  accountId: string;
  buckets: Record<'intake' | 'archive', string>;
  tables: Record<TableDef['id'], string>;
  stateMachineArn(wf: WorkflowName): string;
  functionArn(fn: FunctionName): string;
  roleArn(fn: FunctionName): string;
  keyArn: string;
  userPoolId: string;
}

export interface StackPolicies {
  /** Each catalog function's identity policies, by function name. */
  identity: Partial<Record<FunctionName, PolicyDocument[]>>;
  /** Managed policies a role has that are not evaluated locally. */
  unevaluated: string[];
  /** Resource policies by the ARN of the resource they guard (bucket, table, key). */
  resource: Map<string, PolicyDocument>;
  /** Bucket name → the ARN of the KMS key its objects are encrypted with. */
  bucketKeys: Map<string, string>;
}

const PSEUDO: Record<string, (r: LocalResources) => string> = {
  'AWS::Region': (r) => r.region,
  'AWS::AccountId': (r) => r.accountId,
  'AWS::Partition': () => 'aws',
  'AWS::URLSuffix': () => 'amazonaws.com',
  'AWS::StackName': () => DEFAULT_STACK_NAME,
};

/** Anything the local system has no counterpart of gets a name no local request can match. */
const unresolved = (id: string, attr = 'Ref') => `arn:aws:cloudformation:::unresolved/${id}/${attr}`;

function localName(ref: LocalRef, r: LocalResources): string {
  if ('bucket' in ref) return r.buckets[ref.bucket];
  if ('table' in ref) return r.tables[ref.table];
  if ('workflow' in ref) return r.stateMachineArn(ref.workflow);
  if ('function' in ref) return `dangan-${ref.function}`;
  if ('role' in ref) return r.roleArn(ref.role).split('/').pop() as string;
  if ('key' in ref) return r.keyArn.split('/').pop() as string;
  return r.userPoolId;
}

function localArn(ref: LocalRef, r: LocalResources): string {
  const at = `${r.region}:${r.accountId}`;
  if ('bucket' in ref) return `arn:aws:s3:::${r.buckets[ref.bucket]}`;
  if ('table' in ref) return `arn:aws:dynamodb:${at}:table/${r.tables[ref.table]}`;
  if ('workflow' in ref) return r.stateMachineArn(ref.workflow);
  if ('function' in ref) return r.functionArn(ref.function);
  if ('role' in ref) return r.roleArn(ref.role);
  if ('key' in ref) return r.keyArn;
  return `arn:aws:cognito-idp:${at}:userpool/${r.userPoolId}`;
}

/** A template value with its intrinsic functions evaluated against the local resources. */
export function resolveValue(node: unknown, set: SynthesizedPolicies, r: LocalResources): unknown {
  const again = (n: unknown) => resolveValue(n, set, r);
  if (Array.isArray(node)) return node.map(again);
  if (node === null || typeof node !== 'object') return node;
  const o = node as Record<string, unknown>;
  const [only] = Object.keys(o);
  if (Object.keys(o).length === 1 && only !== undefined) {
    const arg = o[only];
    switch (only) {
      case 'Ref': {
        const id = String(arg);
        const pseudo = PSEUDO[id];
        if (pseudo) return pseudo(r);
        const ref = set.local[id];
        return ref ? localName(ref, r) : unresolved(id);
      }
      case 'Fn::GetAtt': {
        const [id, attr] = arg as [string, string];
        const ref = set.local[id];
        if (!ref) return unresolved(id, attr);
        if (attr === 'Arn') return localArn(ref, r);
        if (attr === 'StreamArn' && 'table' in ref) return `${localArn(ref, r)}/stream/*`;
        if (attr === 'Name' && 'workflow' in ref) return localName(ref, r).split(':').pop();
        return unresolved(id, attr);
      }
      case 'Fn::Join': {
        const [sep, parts] = arg as [string, unknown[]];
        return (again(parts) as unknown[]).map(String).join(sep);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [unknown, unknown];
        return (again(list) as unknown[])[Number(again(index))];
      }
      case 'Fn::Split': {
        const [sep, text] = arg as [string, unknown];
        return String(again(text)).split(sep);
      }
      case 'Fn::Sub': {
        const [text, vars] = (typeof arg === 'string' ? [arg, {}] : arg) as [string, Record<string, unknown>];
        return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
          if (name in vars) return String(again(vars[name]));
          const [id, attr] = name.split('.') as [string, string | undefined];
          return String(again(attr ? { 'Fn::GetAtt': [id, attr] } : { Ref: id }));
        });
      }
    }
  }
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, again(v)]));
}

const refsOf = (roles: unknown): string[] =>
  (Array.isArray(roles) ? roles : [])
    .map((x) => (x as { Ref?: unknown }).Ref)
    .filter((x): x is string => typeof x === 'string');

/** The stack's policies with every intrinsic written as the local resources' names and ARNs. */
export function resolveStackPolicies(set: SynthesizedPolicies, r: LocalResources): StackPolicies {
  const doc = (d: unknown) => resolveValue(d, set, r) as PolicyDocument;
  const identity: StackPolicies['identity'] = {};
  const unevaluated: string[] = [];
  for (const [roleId, fn] of Object.entries(set.roles) as [string, FunctionName][]) {
    identity[fn] = [
      ...(set.inline[roleId] ?? []).map(doc),
      ...set.attached.filter((p) => p.roles.includes(roleId)).map((p) => doc(p.document)),
    ];
    for (const arn of set.managed[roleId] ?? []) unevaluated.push(`${fn}: ${JSON.stringify(doc(arn))}`);
  }
  const resource = new Map<string, PolicyDocument>();
  for (const group of [set.bucketPolicies, set.tablePolicies, set.keyPolicies]) {
    for (const [id, policy] of Object.entries(group)) {
      const ref = set.local[id];
      if (ref) resource.set(localArn(ref, r), doc(policy));
    }
  }
  const bucketKeys = new Map<string, string>();
  for (const [id, key] of Object.entries(set.bucketKeys)) {
    const ref = set.local[id];
    if (ref && 'bucket' in ref) bucketKeys.set(r.buckets[ref.bucket], String(resolveValue(key, set, r)));
  }
  return { identity, unevaluated, resource, bucketKeys };
}

/** What synthesize.ts keeps of one merged template (see SynthesizedPolicies). */
export function policiesOfTemplate(
  merged: Record<string, { Type: string; Properties?: Record<string, unknown> }>,
  roles: Record<string, string>,
  local: Record<string, LocalRef>,
): SynthesizedPolicies {
  const set: SynthesizedPolicies = {
    roles,
    local,
    inline: {},
    attached: [],
    managed: {},
    bucketPolicies: {},
    tablePolicies: {},
    keyPolicies: {},
    bucketKeys: {},
  };
  for (const [id, { Type, Properties: p = {} }] of Object.entries(merged)) {
    if (Type === 'AWS::IAM::Role') {
      const inline = (p.Policies as { PolicyDocument: unknown }[] | undefined) ?? [];
      if (inline.length > 0) set.inline[id] = inline.map((x) => x.PolicyDocument);
      if (Array.isArray(p.ManagedPolicyArns) && p.ManagedPolicyArns.length > 0)
        set.managed[id] = p.ManagedPolicyArns;
    } else if (Type === 'AWS::IAM::Policy') {
      set.attached.push({ roles: refsOf(p.Roles), document: p.PolicyDocument });
    } else if (Type === 'AWS::S3::Bucket') {
      const rules = (p.BucketEncryption as { ServerSideEncryptionConfiguration?: unknown[] } | undefined)
        ?.ServerSideEncryptionConfiguration as
        | { ServerSideEncryptionByDefault?: { SSEAlgorithm?: string; KMSMasterKeyID?: unknown } }[]
        | undefined;
      const byDefault = rules?.[0]?.ServerSideEncryptionByDefault;
      if (byDefault?.SSEAlgorithm === 'aws:kms' && byDefault.KMSMasterKeyID !== undefined)
        set.bucketKeys[id] = byDefault.KMSMasterKeyID;
    } else if (Type === 'AWS::S3::BucketPolicy') {
      const [bucket] = refsOf([p.Bucket]);
      if (bucket) set.bucketPolicies[bucket] = p.PolicyDocument;
    } else if (Type === 'AWS::DynamoDB::Table' && p.ResourcePolicy) {
      set.tablePolicies[id] = (p.ResourcePolicy as { PolicyDocument: unknown }).PolicyDocument;
    } else if (Type === 'AWS::KMS::Key' && p.KeyPolicy) {
      set.keyPolicies[id] = p.KeyPolicy;
    }
  }
  return set;
}
