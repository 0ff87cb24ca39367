/**
 * The local IAM: who signed a request, and whether AWS would let them do it.
 *
 * Each catalog function is a principal of its own, its role, with a key pair of its own
 * (`functionCredentials`); the local S3, Step Functions and DynamoDB endpoints map the access
 * key a request is signed with to that role, and ask `authorize` before doing anything. The
 * decision is the policy simulator's (@cloud-copilot/iam-simulate), over the role's identity
 * policies and the resource policy of what is asked for, both from the synthesized stack
 * (stack-policies.ts), with the request's action, resource ARN and condition keys.
 *
 * The local realisation's own clients (table setup, stream poller, malware scanner, accounts,
 * tests' direct reads, the AWS CLI) sign with the key pair of `.data/credentials.json`: the
 * local administrator, allowed everything and never evaluated.
 */
import { createHmac } from 'node:crypto';
import {
  getDenialReasons,
  runSimulation,
  runUnsafeSimulation,
  type Simulation,
} from '@cloud-copilot/iam-simulate';
import { FUNCTIONS, type FunctionName } from '../../../functions/catalog.ts';
import type { PolicyDocument, StackPolicies } from './stack-policies.ts';

/** One thing a request does, as IAM authorises it. */
export interface AccessRequest {
  action: string;
  /** The resource ARN, or `*` for actions that take none. */
  resource: string;
  /** Service condition keys the request supplies (the global ones are added here). */
  context?: Record<string, string | string[]>;
  /**
   * AWS evaluates the action on this resource though the Service Authorization Reference lists
   * no resource type for it, so the simulator's validation (which would insist on `*`) is skipped:
   * the task-token actions of Step Functions, which AWS authorises on the state machine of the
   * token's execution (its AccessDenied names that ARN).
   */
  unlistedResourceType?: boolean;
}

export interface KeyPair {
  accessKeyId: string;
  secretAccessKey: string;
}

/** A refused request: what AWS says about it. */
export interface Denial {
  action: string;
  resource: string;
  message: string;
}

export type Principal =
  | { kind: 'administrator' }
  | { kind: 'role'; function: FunctionName; roleArn: string; sessionArn: string };

export interface LocalIamOptions {
  region: string;
  accountId: string;
  /** The local administrator's key pair (`.data/credentials.json`); the function keys derive from it. */
  administrator: KeyPair;
  policies: StackPolicies;
}

/** Lambda names a function's role session after the function. */
export const roleName = (fn: FunctionName): string => `dangan-${fn}`;

/** Decisions remembered, at most this many (object ARNs make the keys many). */
const REMEMBERED = 20_000;
const TIME_KEYS = ['aws:CurrentTime', 'aws:EpochTime'];

export class LocalIam {
  /** Decisions by principal, request and condition keys: the simulator takes milliseconds. */
  private readonly decisions = new Map<string, string | null>();
  /** Whether a policy reads the time; if none does, a decision holds whatever the time. */
  private readonly timeMatters: boolean;
  private readonly principals = new Map<string, Principal>();
  private readonly secrets: Record<string, string> = {};
  private readonly keys = new Map<FunctionName, KeyPair>();

  constructor(private readonly options: LocalIamOptions) {
    const { administrator } = options;
    const everything = JSON.stringify([
      ...Object.values(options.policies.identity),
      ...options.policies.resource.values(),
    ]);
    this.timeMatters = TIME_KEYS.some((k) => everything.includes(k));
    this.principals.set(administrator.accessKeyId, { kind: 'administrator' });
    this.secrets[administrator.accessKeyId] = administrator.secretAccessKey;
    for (const fn of Object.keys(FUNCTIONS) as FunctionName[]) {
      // Derived from the administrator's secret: stable across restarts of one data directory
      // (a presigned URL outlives a restart, as it outlives nothing on AWS but its expiry).
      const derive = (what: string) =>
        createHmac('sha256', administrator.secretAccessKey).update(`${what}:${fn}`).digest();
      const pair = {
        accessKeyId: `AKIA${derive('id').toString('hex').slice(0, 16).toUpperCase()}`,
        secretAccessKey: derive('secret').toString('base64url'),
      };
      this.keys.set(fn, pair);
      this.secrets[pair.accessKeyId] = pair.secretAccessKey;
      this.principals.set(pair.accessKeyId, {
        kind: 'role',
        function: fn,
        roleArn: this.roleArn(fn),
        sessionArn: `arn:aws:sts::${options.accountId}:assumed-role/${roleName(fn)}/${roleName(fn)}`,
      });
    }
  }

  roleArn(fn: FunctionName): string {
    return `arn:aws:iam::${this.options.accountId}:role/${roleName(fn)}`;
  }

  /** Every key pair the local endpoints accept: access key id → secret. */
  get credentials(): Readonly<Record<string, string>> {
    return this.secrets;
  }

  /** The key pair a function signs with (its role's). */
  functionCredentials(fn: FunctionName): KeyPair {
    return this.keys.get(fn) as KeyPair;
  }

  principalOf(accessKeyId: string): Principal | undefined {
    return this.principals.get(accessKeyId);
  }

  /** The first of `requests` AWS would refuse the signer of `accessKeyId`, or undefined when all pass. */
  async authorize(
    accessKeyId: string,
    requests: readonly AccessRequest[],
    wording: { quoteResource?: boolean } = {},
  ): Promise<Denial | undefined> {
    const principal = this.principalOf(accessKeyId);
    if (!principal) throw new Error(`no principal has the access key ${accessKeyId}`);
    if (principal.kind === 'administrator') return undefined;
    for (const request of requests) {
      const reason = await this.remembered(principal, request);
      if (reason === undefined) continue;
      const resource = wording.quoteResource ? `"${request.resource}"` : request.resource;
      return {
        action: request.action,
        resource: request.resource,
        message: `User: ${principal.sessionArn} is not authorized to perform: ${request.action} on resource: ${resource} ${reason}`,
      };
    }
    return undefined;
  }

  private async remembered(
    principal: Extract<Principal, { kind: 'role' }>,
    request: AccessRequest,
  ): Promise<string | undefined> {
    if (this.timeMatters) return this.refusal(principal, request);
    const key = JSON.stringify([principal.function, request.action, request.resource, request.context ?? {}]);
    const known = this.decisions.get(key);
    if (known !== undefined) return known ?? undefined;
    const reason = await this.refusal(principal, request);
    if (this.decisions.size >= REMEMBERED)
      this.decisions.delete(this.decisions.keys().next().value as string);
    this.decisions.set(key, reason ?? null);
    return reason;
  }

  /** Why AWS refuses one request ("because …", "with an explicit deny …"), or undefined. */
  private async refusal(
    principal: Extract<Principal, { kind: 'role' }>,
    request: AccessRequest,
  ): Promise<string | undefined> {
    const { accountId, region, policies } = this.options;
    const now = new Date();
    const simulation: Simulation = {
      request: {
        principal: principal.sessionArn,
        action: request.action,
        resource: { resource: request.resource, accountId },
        contextVariables: {
          'aws:PrincipalArn': principal.roleArn,
          'aws:PrincipalAccount': accountId,
          'aws:PrincipalType': 'AssumedRole',
          'aws:RequestedRegion': region,
          // The SDK calls AWS over HTTPS; the local endpoints' plain HTTP stands for it.
          'aws:SecureTransport': 'true',
          'aws:ViaAWSService': 'false',
          'aws:CurrentTime': now.toISOString(),
          'aws:EpochTime': String(Math.floor(now.getTime() / 1000)),
          ...request.context,
        },
      },
      identityPolicies: (policies.identity[principal.function] ?? []).map((policy, i) => ({
        name: `${roleName(principal.function)}-${i + 1}`,
        policy,
      })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...resourcePolicyOf(policies.resource, request.resource),
    };
    if (request.unlistedResourceType) {
      const decision = runUnsafeSimulation(simulation, {});
      if (decision === 'Allowed') return undefined;
      return decision === 'ExplicitlyDenied'
        ? 'with an explicit deny in an identity-based policy'
        : `because no identity-based policy allows the ${request.action} action`;
    }
    const result = await runSimulation(simulation, {});
    if (result.resultType === 'error') {
      return `because the local IAM could not evaluate the request (${result.errors.message})`;
    }
    if (result.overallResult === 'Allowed') return undefined;
    const analysis = result.resultType === 'single' ? result.result.analysis : result.results[0]?.analysis;
    const reasons = analysis ? getDenialReasons(analysis) : [];
    const explicit = reasons.find((r) => r.denialType === 'Explicit');
    if (explicit) {
      return `with an explicit deny in ${explicit.policyType === 'resource' ? 'a resource-based' : 'an identity-based'} policy`;
    }
    const byResource =
      reasons.some((r) => r.policyType === 'resource') && !reasons.some((r) => r.policyType === 'identity');
    return `because no ${byResource ? 'resource-based' : 'identity-based'} policy allows the ${request.action} action`;
  }
}

/** The resource policy guarding `resource`: its own, or its bucket's or table's. */
function resourcePolicyOf(
  policies: ReadonlyMap<string, PolicyDocument>,
  resource: string,
): { resourcePolicy?: PolicyDocument } {
  for (const [arn, policy] of policies) {
    if (resource === arn || resource.startsWith(`${arn}/`)) return { resourcePolicy: policy };
  }
  return {};
}
