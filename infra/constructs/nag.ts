import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The text cdk-nag uses for a resource in a finding id (`AwsSolutions-IAM5[Resource::<text>]`):
 * references flattened to `<LogicalId.Attribute>` and `<LogicalId>`, joins concatenated. Used to
 * acknowledge exactly the wildcard resource a statement grants, and no other.
 */
export function nagResource(scope: IConstruct, value: string): string {
  return flatten(Stack.of(scope).resolve(value));
}

function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/}/g, '>');
  if (node !== null && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    const join = o['Fn::Join'];
    if (Array.isArray(join)) {
      const [delimiter, items] = join as [string, unknown[]];
      return items.map(flatten).join(delimiter);
    }
    if (o['Fn::Sub'] !== undefined) return flatten(o['Fn::Sub']);
    const getAtt = o['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `<${flatten(getAtt[0])}.${flatten(getAtt[1])}>`;
    if (o['Fn::ImportValue'] !== undefined) return flatten(o['Fn::ImportValue']);
    if (o.Ref !== undefined) return `<${flatten(o.Ref)}>`;
  }
  return JSON.stringify(node);
}

/**
 * The services whose AWS Control Tower proactive controls the synth runs: those of the resource
 * types the stack holds (`test/infra/stack.test.ts` fails when the stack gains a type whose
 * service has controls not listed here). Running the others, which would find nothing to check,
 * took half a minute of every synthesis.
 */
export const CONTROL_TOWER_SERVICES = [
  'apigateway',
  'cloudfront',
  'cloudwatch',
  'dynamodb',
  'guardduty',
  'identityandaccessmanagement',
  'keymanagementservice',
  'lambda',
  's3',
  'sqs',
  'stepfunctions',
] as const;

/** The folder of the Control Tower Guard rules that come with `@cdklabs/cdk-validator-cfnguard`. */
export const controlTowerRulesDir = (): string =>
  join(
    dirname(createRequire(import.meta.url).resolve('@cdklabs/cdk-validator-cfnguard')),
    '..',
    'rules',
    'control-tower',
    'cfn-guard',
  );

/**
 * An acknowledgement of an AWS Control Tower proactive control (CloudFormation Guard, through
 * `@cdklabs/cdk-validator-cfnguard`): the rule by its Guard name, with why it does not apply.
 */
export const guardRule = (rule: string, reason: string) => ({
  id: `cdk-validator-cfnguard::${rule}`,
  reason,
});

/** Why no function of the stack runs in a VPC (Control Tower CT.LAMBDA.PR.3). */
export const NO_VPC = guardRule(
  'lambda_inside_vpc_check',
  'The function reaches only AWS service endpoints, over TLS and IAM-signed; there is no private network resource to reach. A VPC would add NAT or seven interface endpoints (about $50 a month per zone) and cold-start time for nothing Dangan holds.',
);
