/**
 * The synthesized Dangan stack, checked against the catalog it is built from. One synthesis for
 * the whole file, with the AWS Solutions checks registered exactly as `npx cdk synth` has them.
 * Asset bundling is skipped here (bundling.test.ts bundles a real handler); the template is the
 * same apart from asset hashes, which nothing below looks at.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TABLES } from '../../functions/adapters/tables.ts';
import {
  API_SCOPE,
  FUNCTIONS,
  type FunctionAccess,
  type FunctionName,
  functionAccess,
  ROUTES,
  routeThrottle,
  TABLE_STREAMS,
  THROTTLES,
  WORKFLOWS,
  type WorkflowName,
} from '../../functions/catalog.ts';
import { INTAKE_PREFIX, MALWARE_SCAN_TAG } from '../../functions/core/intake-bucket.ts';
import { NOTIFY_SCHEDULE } from '../../functions/core/notifications.ts';
import { ROLES } from '../../functions/core/roles.ts';
import { CONTROL_TOWER_SERVICES, controlTowerRulesDir } from '../../infra/constructs/nag.ts';
import { createDanganApp } from '../../infra/dangan-app.ts';
import {
  alarmNamePrefix,
  INTAKE_EXPIRY_DAYS,
  SWEEP_SCHEDULE,
  WATCH_SCHEDULE,
  WORKFLOW_TRACE_RATE,
  workflowDefinitionPath,
} from '../../infra/shared.ts';
import type { DanganStack } from '../../infra/stack.ts';
import { acknowledgmentsOf, GUARD, type GuardFinding, guardFindings } from './guard.ts';
import { cdkContext, type Json, readTemplates, type StackTemplates, type Statement } from './templates.ts';

interface Resource {
  Type: string;
  Properties?: Json;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
}
let templates: StackTemplates;

let app: App;
let stack: DanganStack;
let outdir: string;
let template: Template;
let resources: Record<string, Resource>;
let synthError: Error | undefined;
let assembly: CloudAssembly | undefined;

const functionNames = Object.keys(FUNCTIONS) as FunctionName[];
/** Synthesis runs cdk-nag and Control Tower's Guard rules: a minute or two on a busy machine. */
const SYNTH_TIMEOUT_MS = 300_000;
/** cdk-nag walking the app again, or Guard reading a template: tens of seconds on a busy machine. */
const CHECKS_TIMEOUT_MS = 180_000;
const workflowNames = Object.keys(WORKFLOWS) as WorkflowName[];
const accessOf = (name: FunctionName): FunctionAccess => functionAccess(name);
/** What reading a table's stream takes (on the stream's ARN). */
const STREAM_READ = [
  'dynamodb:DescribeStream',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:ListStreams',
];

/** A construct's logical id in the template (the parent's or a nested stack's) that holds it. */
const logicalId = (construct: IConstruct): string =>
  Stack.of(construct).getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
const ofType = (type: string): [string, Resource][] =>
  Object.entries(resources).filter(([, r]) => r.Type === type);
const props = (id: string): Json => {
  const r = resources[id];
  if (!r) throw new Error(`no resource ${id}`);
  return r.Properties ?? {};
};
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const mentions = (value: unknown, id: string): boolean => JSON.stringify(value ?? null).includes(`"${id}"`);

/** Allow statements of the identity policies attached to a role (inline or AWS::IAM::Policy). */
function roleStatements(roleId: string): Statement[] {
  const out: Statement[] = [];
  for (const [, r] of ofType('AWS::IAM::Policy')) {
    const roles = list(r.Properties?.Roles as unknown[]);
    if (roles.some((ref) => mentions(ref, roleId))) {
      out.push(...policyStatements(r));
    }
  }
  for (const p of list(props(roleId).Policies as { PolicyDocument: { Statement: Statement[] } }[])) {
    out.push(...list(p.PolicyDocument.Statement));
  }
  return out.filter((s) => s.Effect === 'Allow');
}
function policyStatements(r: Resource): Statement[] {
  return list((r.Properties?.PolicyDocument as { Statement?: Statement[] } | undefined)?.Statement);
}
const actionsOf = (statements: Statement[]): Set<string> =>
  new Set(statements.flatMap((s) => list(s.Action)));
const on = (statements: Statement[], id: string): Statement[] =>
  statements.filter((s) => mentions(s.Resource, id));

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'dangan-synth-'));
  ({ app, stack } = createDanganApp({ context: { ...cdkContext, 'aws:cdk:bundling-stacks': [] }, outdir }));
  // A finding fails synthesis after the templates are written: keep the error for the cdk-nag
  // test and read the template from the assembly directory, so every other test still reports.
  try {
    assembly = app.synth();
  } catch (err) {
    synthError = err as Error;
  }
  // The parent's resources and its nested stacks' (API, alarms), as one template.
  templates = readTemplates(outdir, stack);
  resources = templates.merged as Record<string, Resource>;
  template = Template.fromJSON({ Resources: resources });
}, SYNTH_TIMEOUT_MS);

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

describe('room to grow', () => {
  it('keeps every template at 300 resources or fewer, 40% under CloudFormation’s 500', () => {
    expect(Object.keys(templates.counts).sort()).toEqual([
      'ApiStack',
      'AuthStack',
      'Dangan',
      'MonitoringStack',
      'NotificationsStack',
      'SchedulesStack',
      'WorkflowsStack',
    ]);
    for (const [name, count] of Object.entries(templates.counts)) {
      expect(count, `${name} holds ${count} resources`).toBeLessThanOrEqual(300);
    }
  });

  it('puts what each route adds (route, integration, invoke permission) in the API stack', () => {
    const api = Object.values(templates.merged).filter((r) => r.Type === 'AWS::ApiGatewayV2::Route');
    expect(api).toHaveLength(ROUTES.length);
    expect(templates.counts.ApiStack).toBeGreaterThanOrEqual(3 * ROUTES.length);
  });
});

describe('identities', () => {
  it('has one user pool: no self sign-up, MFA required, strong passwords, threat protection', () => {
    template.resourceCountIs('AWS::Cognito::UserPool', 1);
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: {
        PasswordPolicy: {
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        },
      },
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
      DeletionProtection: 'ACTIVE',
    });
  });

  it('has a group for every role and no other', () => {
    const groups = ofType('AWS::Cognito::UserPoolGroup').map(([, r]) => r.Properties?.GroupName);
    expect(groups.sort()).toEqual([...ROLES].sort());
  });

  it('gives the console a public client using the authorization code flow only', () => {
    template.resourceCountIs('AWS::Cognito::UserPoolClient', 1);
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
      // The configured origin and the console's own distribution.
      // Only the stack's own console: a developer's machine only when the deployer names it.
      CallbackURLs: [stack.resolve(`${stack.console.origin}/`)],
    });
    // The API's scope, which only access tokens carry (API_SCOPE in the catalog), is the
    // resource server's: `dangan/api`.
    const [server] = ofType('AWS::Cognito::UserPoolResourceServer');
    expect(server?.[1].Properties).toMatchObject({
      Identifier: API_SCOPE.resourceServer,
      Scopes: [expect.objectContaining({ ScopeName: API_SCOPE.name })],
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      AllowedOAuthScopes: [
        'openid',
        'email',
        'profile',
        { 'Fn::Join': ['', [{ Ref: server?.[0] }, `/${API_SCOPE.name}`]] },
      ],
    });
  });
});

describe('HTTP API', () => {
  const routeResources = () =>
    new Map(
      ofType('AWS::ApiGatewayV2::Route').map(([id, r]) => [r.Properties?.RouteKey as string, { id, r }]),
    );

  it('has exactly the routes of the catalog', () => {
    expect([...routeResources().keys()].sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  it("requires a user pool access token with the API's scope on every route that is not public", () => {
    const authorizers = ofType('AWS::ApiGatewayV2::Authorizer');
    expect(authorizers).toHaveLength(1);
    const [authorizerId, authorizer] = authorizers[0] as [string, Resource];
    expect(authorizer.Properties?.AuthorizerType).toBe('JWT');
    const jwt = authorizer.Properties?.JwtConfiguration as Json;
    expect(jwt.Audience).toEqual([{ Ref: logicalId(stack.auth.consoleClient) }]);
    expect(mentions(jwt.Issuer, logicalId(stack.auth.userPool))).toBe(true);

    const byKey = routeResources();
    for (const route of ROUTES) {
      const found = byKey.get(`${route.method} ${route.path}`);
      expect(found, `${route.method} ${route.path}`).toBeDefined();
      const p = found?.r.Properties ?? {};
      if (route.roles === 'public') {
        expect(p.AuthorizationType, `${route.method} ${route.path}`).toBe('NONE');
      } else {
        expect(p.AuthorizationType, `${route.method} ${route.path}`).toBe('JWT');
        expect(p.AuthorizerId, `${route.method} ${route.path}`).toEqual({ Ref: authorizerId });
        // ID tokens carry no scope: requiring one is what refuses them.
        expect(p.AuthorizationScopes, `${route.method} ${route.path}`).toEqual([API_SCOPE.claim]);
      }
    }
  });

  it("integrates every route with its catalog function's Lambda", () => {
    const byKey = routeResources();
    for (const route of ROUTES) {
      const target = byKey.get(`${route.method} ${route.path}`)?.r.Properties?.Target as {
        'Fn::Join': unknown;
      };
      const integrationId = JSON.stringify(target).match(/"Ref":"([A-Za-z0-9]+)"/)?.[1] as string;
      const integration = props(integrationId);
      expect(integration.IntegrationType).toBe('AWS_PROXY');
      expect(integration.PayloadFormatVersion).toBe('2.0');
      expect(mentions(integration.IntegrationUri, logicalId(stack.functions.byName[route.function]))).toBe(
        true,
      );
    }
  });

  it('logs access and throttles every route by its class of traffic, and allows the console origin', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
      DefaultRouteSettings: {
        ThrottlingRateLimit: THROTTLES.public.rateLimit,
        ThrottlingBurstLimit: THROTTLES.public.burstLimit,
      },
    });
    // Every route has its own limit, by the class of its traffic, and the stage is created after
    // the routes (API Gateway refuses settings for a route it does not know yet).
    const [[stageId, stageResource]] = ofType('AWS::ApiGatewayV2::Stage') as [[string, Resource]];
    const settings = props(stageId).RouteSettings as Record<string, Json>;
    expect(Object.keys(settings).sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    for (const route of ROUTES) {
      const { rateLimit, burstLimit } = routeThrottle(route);
      expect(settings[`${route.method} ${route.path}`]).toEqual({
        ThrottlingRateLimit: rateLimit,
        ThrottlingBurstLimit: burstLimit,
      });
    }
    const after = new Set((stageResource as { DependsOn?: string[] }).DependsOn ?? []);
    for (const [id] of ofType('AWS::ApiGatewayV2::Route')) expect(after.has(id), id).toBe(true);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: Match.objectLike({
        AllowOrigins: [stack.resolve(stack.console.origin)],
        AllowHeaders: Match.arrayWith(['authorization', 'content-type', 'if-match']),
      }),
    });
    // Every method a route uses, or the browser's preflight refuses the console's call.
    const [[id]] = ofType('AWS::ApiGatewayV2::Api') as [[string, Resource]];
    const allowed = (props(id).CorsConfiguration as { AllowMethods: string[] }).AllowMethods;
    for (const method of new Set(ROUTES.map((r) => r.method))) expect(allowed, method).toContain(method);
  });
});

describe('functions', () => {
  it("has one function per catalog entry and no other, on Node.js 22, arm64, traced when its caller's trace is", () => {
    // Besides the catalog's functions, only the CDK handler that deploys the console.
    const functions = ofType('AWS::Lambda::Function').filter(
      ([id]) => !id.startsWith('CustomCDKBucketDeployment'),
    );
    expect(functions).toHaveLength(functionNames.length);
    for (const name of functionNames) {
      const p = props(logicalId(stack.functions.byName[name]));
      expect(p.Runtime, name).toBe('nodejs22.x');
      expect(p.Architectures, name).toEqual(['arm64']);
      // Lambda takes no sampling rule: an active function would trace nearly every request.
      expect(p.TracingConfig, name).toEqual({ Mode: 'PassThrough' });
      expect(p.Handler, name).toBe('index.handler');
      expect(p.Description, name).toBe(FUNCTIONS[name].description);
      const logGroup = (p.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect(props(logGroup).RetentionInDays, name).toBeGreaterThan(0);
      // JSON logs: the function's INFO lines kept, Lambda's platform lines only from WARN up.
      expect(p.LoggingConfig, name).toMatchObject({
        LogFormat: 'JSON',
        ApplicationLogLevel: 'INFO',
        SystemLogLevel: 'WARN',
      });
    }
  });

  it('gives each function the environment names its access needs and no others', () => {
    for (const name of functionNames) {
      const a = accessOf(name);
      const expected = ['SCHEME_ID', 'POWERTOOLS_SERVICE_NAME'];
      if (a.table) expected.push('TABLE_NAME');
      if (a.audit) expected.push('AUDIT_TABLE_NAME');
      if (a.accounts) expected.push('ACCOUNTS_TABLE_NAME');
      if (a.directory) expected.push('USER_POOL_ID');
      if (a.intake) expected.push('INTAKE_BUCKET');
      if (a.intake && a.intake !== 'presign') expected.push('MALWARE_SCAN_TAG');
      if (a.archive || a.disposal || a.handovers || a.history) expected.push('ARCHIVE_BUCKET');
      // Those that list executions learn every workflow; those that start some, those only.
      const named = a.listExecutions
        ? ['intake-review-archive', 'borrow-approval', 'disposal', 'import-batch', 'handover']
        : a.startWorkflows;
      if (named?.includes('intake-review-archive')) expected.push('INTAKE_WORKFLOW_ARN');
      if (named?.includes('borrow-approval')) expected.push('BORROW_WORKFLOW_ARN');
      if (named?.includes('disposal')) expected.push('DISPOSAL_WORKFLOW_ARN');
      if (named?.includes('import-batch')) expected.push('IMPORT_WORKFLOW_ARN');
      if (named?.includes('handover')) expected.push('HANDOVER_WORKFLOW_ARN');
      if (a.pageTokens || a.notifications) expected.push('PAGE_TOKEN_KEY');
      if (a.notifications === 'send') {
        expected.push('MAIL_TRANSPORT', 'MAIL_FROM', 'MAIL_CONFIGURATION_SET', 'CONSOLE_URL');
      }
      if (a.readAlarms) expected.push('ALARM_NAME_PREFIX');
      const vars = (props(logicalId(stack.functions.byName[name])).Environment as { Variables: Json })
        .Variables;
      expect(Object.keys(vars).sort(), name).toEqual(expected.sort());
      expect(vars.SCHEME_ID, name).toBe('power-supply');
      if (a.table) expect(vars.TABLE_NAME).toEqual({ Ref: logicalId(stack.storage.tables.Records) });
      if (a.audit) expect(vars.AUDIT_TABLE_NAME).toEqual({ Ref: logicalId(stack.storage.tables.Audit) });
      if (a.intake) expect(vars.INTAKE_BUCKET).toEqual({ Ref: logicalId(stack.storage.intake) });
      if (a.intake && a.intake !== 'presign') expect(vars.MALWARE_SCAN_TAG).toBe(MALWARE_SCAN_TAG);
      if (a.archive) expect(vars.ARCHIVE_BUCKET).toEqual({ Ref: logicalId(stack.storage.archive) });
      // The signing key is resolved from Secrets Manager at deploy, never written into the template.
      if (a.pageTokens) expect(JSON.stringify(vars.PAGE_TOKEN_KEY)).toMatch(/\{\{resolve:secretsmanager:/);
      if (a.startWorkflows?.includes('intake-review-archive')) {
        expect(vars.INTAKE_WORKFLOW_ARN).toEqual({
          Ref: logicalId(stack.workflows.byName['intake-review-archive']),
        });
      }
      if (a.startWorkflows?.includes('borrow-approval')) {
        expect(vars.BORROW_WORKFLOW_ARN).toEqual({
          Ref: logicalId(stack.workflows.byName['borrow-approval']),
        });
      }
    }
  });

  it('invokes upload-received for objects created under the intake prefix', () => {
    const rules = ofType('AWS::Events::Rule').filter(([, r]) =>
      mentions((r.Properties?.EventPattern as { source?: unknown })?.source, 'aws.s3'),
    );
    expect(rules).toHaveLength(1);
    const p = (rules[0] as [string, Resource])[1].Properties as Json;
    expect(p.EventPattern).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: {
        bucket: { name: [{ Ref: logicalId(stack.storage.intake) }] },
        object: { key: [{ prefix: INTAKE_PREFIX }] },
      },
    });
    const targets = p.Targets as { Arn: unknown }[];
    expect(targets).toHaveLength(1);
    expect(targets[0]?.Arn).toEqual({
      'Fn::GetAtt': [logicalId(stack.functions.byName['upload-received']), 'Arn'],
    });
  });
});

describe('tables', () => {
  it('creates every table of tables.ts on demand, with its backup, deletion protection, the key, TTL and GSIs', () => {
    expect(ofType('AWS::DynamoDB::Table')).toHaveLength(TABLES.length);
    const keyId = logicalId(stack.storage.key);
    for (const def of TABLES) {
      const id = logicalId(stack.storage.tables[def.id]);
      expect(resources[id]?.DeletionPolicy, def.id).toBe('Retain');
      const p = props(id);
      expect(p.BillingMode).toBe('PAY_PER_REQUEST');
      // The audit trail's backup is its locked copy in S3; every other table has PITR.
      expect(p.PointInTimeRecoverySpecification, def.id).toEqual({
        PointInTimeRecoveryEnabled: def.id !== 'Audit',
      });
      expect(p.DeletionProtectionEnabled).toBe(true);
      // The records and the audit trail are kept in Standard-IA (storage is their bill over the
      // years they are kept); the working tables (accounts) stay Standard.
      expect(p.TableClass, def.id).toBe(
        def.id === 'Audit' || def.id === 'Records' ? 'STANDARD_INFREQUENT_ACCESS' : undefined,
      );
      expect(p.SSESpecification).toEqual({
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      });
      expect(p.KeySchema).toEqual([
        { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: def.sortKey.name, KeyType: 'RANGE' },
      ]);
      if (def.timeToLiveAttribute) {
        expect(p.TimeToLiveSpecification).toEqual({ AttributeName: def.timeToLiveAttribute, Enabled: true });
      } else {
        expect(p.TimeToLiveSpecification).toBeUndefined();
      }
      const gsis = p.GlobalSecondaryIndexes as Json[];
      expect(gsis.map((g) => g.IndexName)).toEqual(def.indexes.map((i) => i.indexName));
      for (const index of def.indexes) {
        expect(gsis.find((g) => g.IndexName === index.indexName)).toEqual({
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
            { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
          ],
          Projection: {
            ProjectionType: index.projection,
            ...(index.nonKeyAttributes ? { NonKeyAttributes: [...index.nonKeyAttributes] } : {}),
          },
        });
      }
    }
  });

  it('keeps only keys in every index of the records table', () => {
    const gsis = props(logicalId(stack.storage.tables.Records)).GlobalSecondaryIndexes as Json[];
    expect(gsis.map((g) => [g.IndexName, g.KeySchema, g.Projection])).toEqual(
      [
        ['gsi1', 'gsi1pk', 'gsi1sk'],
        ['gsi2', 'gsi2pk', 'gsi2sk'],
        ['dueKeys', 'gsi3pk', 'gsi3sk'],
      ].map(([name, partitionKey, sortKey]) => [
        name,
        [
          { AttributeName: partitionKey, KeyType: 'HASH' },
          { AttributeName: sortKey, KeyType: 'RANGE' },
        ],
        { ProjectionType: 'KEYS_ONLY' },
      ]),
    );
  });

  it('keeps the keys, action and actor of each audit event in the audit indexes, sorted on its own sort key', () => {
    const gsis = props(logicalId(stack.storage.tables.Audit)).GlobalSecondaryIndexes as Json[];
    expect(gsis.map((g) => [g.IndexName, g.KeySchema, g.Projection])).toEqual(
      [
        ['actorKeys', 'gsi1pk'],
        ['dayKeys', 'gsi2pk'],
      ].map(([name, partitionKey]) => [
        name,
        [
          { AttributeName: partitionKey, KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        { ProjectionType: 'INCLUDE', NonKeyAttributes: ['action', 'actorSub'] },
      ]),
    );
  });

  it('encrypts with a customer-managed key that rotates and is retained', () => {
    const id = logicalId(stack.storage.key);
    expect(props(id).EnableKeyRotation).toBe(true);
    expect(resources[id]?.DeletionPolicy).toBe('Retain');
  });
});

describe('buckets', () => {
  const bucketPolicyStatements = (bucketId: string): Statement[] =>
    ofType('AWS::S3::BucketPolicy')
      .filter(([, r]) => mentions(r.Properties?.Bucket, bucketId))
      .flatMap(([, r]) => policyStatements(r));

  it('encrypts every bucket with the key, blocks public access, denies plain HTTP and retains data', () => {
    // The console's bucket holds public code, not data (test/infra/console.test.ts).
    const buckets = ofType('AWS::S3::Bucket').filter(([id]) => id !== logicalId(stack.console.bucket));
    expect(buckets).toHaveLength(3);
    const keyArn = { 'Fn::GetAtt': [logicalId(stack.storage.key), 'Arn'] };
    for (const [id, r] of buckets) {
      expect(r.DeletionPolicy, id).toBe('Retain');
      expect(r.Properties?.BucketEncryption, id).toEqual({
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn },
          },
        ],
      });
      expect(r.Properties?.PublicAccessBlockConfiguration, id).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      const tlsDeny = bucketPolicyStatements(id).filter(
        (s) =>
          s.Effect === 'Deny' &&
          list(s.Action).includes('s3:*') &&
          JSON.stringify(s.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } }),
      );
      expect(tlsDeny, id).toHaveLength(1);
    }
  });

  it('logs access to the intake and archive buckets', () => {
    const logs = logicalId(stack.storage.accessLogs);
    for (const bucket of [stack.storage.intake, stack.storage.archive]) {
      expect((props(logicalId(bucket)).LoggingConfiguration as Json).DestinationBucketName).toEqual({
        Ref: logs,
      });
    }
  });

  it('lets the console upload, expires unarchived uploads and sends object events to EventBridge', () => {
    const p = props(logicalId(stack.storage.intake));
    expect(p.CorsConfiguration).toEqual({
      CorsRules: [
        {
          AllowedOrigins: [stack.resolve(stack.console.origin)],
          AllowedMethods: ['PUT', 'GET', 'HEAD'],
          AllowedHeaders: ['content-type', 'x-amz-checksum-sha256', 'x-amz-meta-upload-id'],
          ExposedHeaders: ['ETag'],
          MaxAge: 3600,
        },
      ],
    });
    // Versioned: the record names the version an upload made; older versions expire like uploads.
    expect(p.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    const rules = (p.LifecycleConfiguration as { Rules: Json[] }).Rules;
    expect(rules).toContainEqual(
      expect.objectContaining({
        Prefix: INTAKE_PREFIX,
        ExpirationInDays: INTAKE_EXPIRY_DAYS,
        NoncurrentVersionExpiration: { NoncurrentDays: INTAKE_EXPIRY_DAYS },
        Status: 'Enabled',
      }),
    );
    expect(rules).toContainEqual(
      expect.objectContaining({ Prefix: INTAKE_PREFIX, ExpiredObjectDeleteMarker: true, Status: 'Enabled' }),
    );
    expect(rules).toContainEqual(
      expect.objectContaining({
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
        Status: 'Enabled',
      }),
    );
    expect(p.NotificationConfiguration).toEqual({ EventBridgeConfiguration: { EventBridgeEnabled: true } });
  });

  it('keeps originals versioned under Object Lock (retention per object) and moves them to Glacier IR', () => {
    const p = props(logicalId(stack.storage.archive));
    expect(p.ObjectLockEnabled).toBe(true);
    expect(p.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    // No default retention: the archive step sets COMPLIANCE retention or a legal hold per original.
    expect(p.ObjectLockConfiguration).toBeUndefined();
    const rules = (p.LifecycleConfiguration as { Rules: Json[] }).Rules;
    expect(rules).toContainEqual(
      expect.objectContaining({
        Transitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 90 }],
        NoncurrentVersionTransitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 30 }],
      }),
    );
  });
});

describe('workflows', () => {
  it('has one Standard state machine per workflow, logging ALL events, traced', () => {
    expect(ofType('AWS::StepFunctions::StateMachine')).toHaveLength(workflowNames.length);
    for (const name of workflowNames) {
      const p = props(logicalId(stack.workflows.byName[name]));
      expect(p.StateMachineType).toBe('STANDARD');
      expect((p.LoggingConfiguration as Json).Level).toBe('ALL');
      expect(p.TracingConfiguration).toEqual({ Enabled: true });
    }
    // Executions are traced at a fixed share with no reservoir, so tracing costs a fixed
    // fraction of the executions whatever the traffic.
    template.hasResourceProperties('AWS::XRay::SamplingRule', {
      SamplingRule: Match.objectLike({
        FixedRate: WORKFLOW_TRACE_RATE,
        ReservoirSize: 0,
        ServiceType: 'AWS::StepFunctions::StateMachine',
      }),
    });
  });

  it('wires every ASL substitution to the ARN of the function the catalog names', () => {
    for (const name of workflowNames) {
      const p = props(logicalId(stack.workflows.byName[name]));
      // The ASL file ships as an asset; read the staged copy the template points at.
      const location = p.DefinitionS3Location as Json;
      const staged = readdirSync(outdir).find(
        (f) => f.startsWith('asset.') && String(location.Key).startsWith(f.slice(6)),
      );
      expect(staged, 'staged definition asset').toBeDefined();
      const definition = readFileSync(join(outdir, staged as string), 'utf8');
      expect(definition).toBe(readFileSync(workflowDefinitionPath(name), 'utf8'));
      const substitutions = p.DefinitionSubstitutions as Json;
      const expected = WORKFLOWS[name].substitutions;
      expect(Object.keys(substitutions).sort()).toEqual(Object.keys(expected).sort());
      for (const [key, fn] of Object.entries(expected)) {
        expect(definition, key).toContain(`\${${key}}`);
        expect(substitutions[key], key).toEqual({
          'Fn::GetAtt': [logicalId(stack.functions.byName[fn]), 'Arn'],
        });
      }
      // Nothing in the definition is left unsubstituted.
      for (const [, used] of definition.matchAll(/\$\{([A-Za-z0-9]+)\}/g))
        expect(expected).toHaveProperty(used as string);
    }
  });

  it("lets each state machine invoke exactly its steps' functions", () => {
    for (const name of workflowNames) {
      const machine = stack.workflows.byName[name];
      const statements = roleStatements(logicalId(machine.role));
      const invoke = statements.filter((s) => list(s.Action).includes('lambda:InvokeFunction'));
      const targets = invoke.flatMap((s) => list(s.Resource));
      const expected = [...new Set(Object.values(WORKFLOWS[name].substitutions))].map((fn) => ({
        'Fn::GetAtt': [logicalId(stack.functions.byName[fn]), 'Arn'],
      }));
      expect(targets).toEqual(expect.arrayContaining(expected));
      expect(targets).toHaveLength(expected.length);
    }
  });
});

describe('malware protection', () => {
  it('scans and tags uploads in the intake bucket with its own role', () => {
    template.resourceCountIs('AWS::GuardDuty::MalwareProtectionPlan', 1);
    const roleId = logicalId(stack.malwareProtection.role);
    template.hasResourceProperties('AWS::GuardDuty::MalwareProtectionPlan', {
      ProtectedResource: {
        S3Bucket: { BucketName: { Ref: logicalId(stack.storage.intake) }, ObjectPrefixes: [INTAKE_PREFIX] },
      },
      Actions: { Tagging: { Status: 'ENABLED' } },
      Role: { 'Fn::GetAtt': [roleId, 'Arn'] },
    });
    const plan = ofType('AWS::GuardDuty::MalwareProtectionPlan')[0]?.[1] as Resource;
    expect(list(plan.DependsOn)).toEqual(expect.arrayContaining([roleId]));
    expect(JSON.stringify(props(roleId).AssumeRolePolicyDocument)).toContain(
      'malware-protection-plan.guardduty.amazonaws.com',
    );
    const actions = actionsOf(roleStatements(roleId));
    for (const a of [
      's3:GetObject',
      's3:PutObjectTagging',
      's3:ListBucket',
      'kms:Decrypt',
      'events:PutRule',
    ]) {
      expect(actions).toContain(a);
    }
  });

  it('lets nobody but GuardDuty tag uploads', () => {
    const intakeId = logicalId(stack.storage.intake);
    const statements = ofType('AWS::S3::BucketPolicy')
      .filter(([, r]) => mentions(r.Properties?.Bucket, intakeId))
      .flatMap(([, r]) => policyStatements(r));
    const deny = statements.find((s) => s.Sid === 'OnlyGuardDutyTagsUploads');
    expect(deny?.Effect).toBe('Deny');
    expect(list(deny?.Action)).toContain('s3:PutObjectTagging');
    expect(deny?.Condition).toEqual({
      ArnNotEquals: {
        'aws:PrincipalArn': { 'Fn::GetAtt': [logicalId(stack.malwareProtection.role), 'Arn'] },
      },
    });
  });
});

describe('alarms', () => {
  const alarms = () => ofType('AWS::CloudWatch::Alarm').map(([, r]) => r.Properties as Json);
  const topicRef = () => ({ Ref: logicalId(stack.monitoring.topic) });

  it('alarms on failed and timed-out executions of every state machine', () => {
    for (const name of workflowNames) {
      const arn = { Ref: logicalId(stack.workflows.byName[name]) };
      for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut']) {
        const found = alarms().filter(
          (a) =>
            a.MetricName === metric &&
            a.Namespace === 'AWS/States' &&
            JSON.stringify(a.Dimensions) === JSON.stringify([{ Name: 'StateMachineArn', Value: arn }]),
        );
        expect(found, `${name} ${metric}`).toHaveLength(1);
        expect(found[0]?.AlarmActions).toEqual([topicRef()]);
      }
    }
  });

  it("names every alarm with the deployment's prefix, which only the health page may describe", () => {
    const prefix = alarmNamePrefix(stack.stackName);
    for (const a of alarms()) expect(String(a.AlarmName)).toMatch(new RegExp(`^${prefix}`));
    const describers = functionNames.filter((n) =>
      actionsOf(roleStatements(logicalId(stack.functions.roles[n]))).has('cloudwatch:DescribeAlarms'),
    );
    expect(describers).toEqual(['system-health']);
    const [statement] = roleStatements(logicalId(stack.functions.roles['system-health'])).filter((st) =>
      list(st.Action).includes('cloudwatch:DescribeAlarms'),
    );
    expect(JSON.stringify(statement?.Resource)).toContain(`:alarm:${prefix}*`);
  });

  it('alarms on errors of every function', () => {
    for (const name of functionNames) {
      const ref = { Ref: logicalId(stack.functions.byName[name]) };
      const found = alarms().filter(
        (a) =>
          a.MetricName === 'Errors' &&
          a.Namespace === 'AWS/Lambda' &&
          JSON.stringify(a.Dimensions) === JSON.stringify([{ Name: 'FunctionName', Value: ref }]),
      );
      expect(found, name).toHaveLength(1);
      expect(found[0]?.AlarmActions).toEqual([topicRef()]);
    }
  });

  it('alarms on any fixity mismatch the retention sweep counts, and runs the sweep daily', () => {
    const fixity = alarms().filter((a) => a.Namespace === 'Dangan' && a.MetricName === 'FixityMismatches');
    expect(fixity).toHaveLength(1);
    expect(fixity[0]).toMatchObject({ Statistic: 'Sum', Threshold: 1, AlarmActions: [topicRef()] });
    const schedules = ofType('AWS::Scheduler::Schedule');
    expect(schedules.map(([, r]) => r.Properties?.ScheduleExpression)).toEqual([
      SWEEP_SCHEDULE,
      WATCH_SCHEDULE,
      NOTIFY_SCHEDULE,
    ]);
    const sweep = schedules.slice(0, 1);
    expect(sweep[0]?.[1].Properties?.ScheduleExpressionTimezone).toBe('Etc/UTC');
    expect(
      mentions(sweep[0]?.[1].Properties?.Target, logicalId(stack.functions.byName['retention-sweep'])),
    ).toBe(true);
    // The stuck check, hourly, and an alarm on what it finds and on archiving that failed for good.
    expect(
      mentions(schedules[1]?.[1].Properties?.Target, logicalId(stack.functions.byName['workflow-watch'])),
    ).toBe(true);
    for (const metric of ['StuckRecords', 'ArchiveFailures']) {
      const found = alarms().filter((a) => a.Namespace === 'Dangan' && a.MetricName === metric);
      expect(found, metric).toHaveLength(1);
      expect(found[0]).toMatchObject({ Statistic: 'Sum', Threshold: 1, AlarmActions: [topicRef()] });
    }
    // No EventBridge rule runs it a second time.
    expect(ofType('AWS::Events::Rule').filter(([, r]) => r.Properties?.ScheduleExpression)).toEqual([]);
  });

  it('sends alarms to a topic encrypted with the key', () => {
    expect(props(logicalId(stack.monitoring.topic)).KmsMasterKeyId).toEqual({
      'Fn::GetAtt': [logicalId(stack.storage.key), 'Arn'],
    });
  });
});

describe('notifications', () => {
  const notifier = () => logicalId(stack.functions.byName.notify);

  it('sends as the SES identity from configuration, with a configuration set whose bounces and complaints reach the notifier', () => {
    const [identity] = ofType('AWS::SES::EmailIdentity');
    expect(identity?.[1].Properties).toMatchObject({
      EmailIdentity: 'dangan.example.com',
      ConfigurationSetAttributes: {
        ConfigurationSetName: { Ref: logicalId(stack.notifications.configurationSet) },
      },
    });
    const [configurationSet] = ofType('AWS::SES::ConfigurationSet');
    expect(configurationSet?.[1].Properties).toMatchObject({
      Name: 'Dangan-notifications',
      DeliveryOptions: { TlsPolicy: 'REQUIRE' },
      SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
    });
    const [destination] = ofType('AWS::SES::ConfigurationSetEventDestination');
    const d = destination?.[1].Properties?.EventDestination as Json;
    expect(d).toMatchObject({ Enabled: true, MatchingEventTypes: ['bounce', 'complaint'] });
    expect(JSON.stringify(d.EventBridgeDestination)).toContain(':event-bus/default');
    const rules = ofType('AWS::Events::Rule').filter(([, r]) =>
      mentions((r.Properties?.EventPattern as { source?: unknown })?.source, 'aws.ses'),
    );
    expect(rules).toHaveLength(1);
    expect(mentions(rules[0]?.[1].Properties?.Targets, notifier())).toBe(true);
  });

  it('lets only the notifier send, only as that identity with that configuration set', () => {
    for (const name of functionNames) {
      const statements = roleStatements(logicalId(stack.functions.roles[name]));
      const sending = statements.filter((s) => list(s.Action).some((a) => a.startsWith('ses:')));
      if (name !== 'notify') {
        expect(sending, name).toEqual([]);
        continue;
      }
      expect(sending).toHaveLength(1);
      expect(list(sending[0]?.Action).sort()).toEqual(['ses:SendEmail', 'ses:SendRawEmail']);
      const resources = JSON.stringify(sending[0]?.Resource);
      expect(resources).not.toContain('"*"');
      expect(resources).toContain(':identity/');
      expect(resources).toContain(':configuration-set/');
    }
  });

  it('feeds the notifier the tasks of the records table stream and runs it daily', () => {
    const mappings = ofType('AWS::Lambda::EventSourceMapping').filter(([, r]) =>
      mentions(r.Properties?.FunctionName, notifier()),
    );
    expect(mappings).toHaveLength(1);
    expect(JSON.stringify(mappings[0]?.[1].Properties?.FilterCriteria)).toContain('TASK#');
    const daily = ofType('AWS::Scheduler::Schedule').filter(([, r]) =>
      mentions(r.Properties?.Target, notifier()),
    );
    expect(daily.map(([, r]) => r.Properties?.ScheduleExpression)).toEqual([NOTIFY_SCHEDULE]);
  });
});

describe('outputs', () => {
  it('exports what clients and operators need', () => {
    const { outputs } = templates;
    for (const name of [
      'ApiUrl',
      'UserPoolId',
      'UserPoolClientId',
      'IntakeBucketName',
      'ArchiveBucketName',
      'RecordsTableName',
      'AuditTableName',
      'IntakeReviewArchiveStateMachineArn',
    ]) {
      expect(outputs, name).toHaveProperty(name);
    }
  });
});

describe('least privilege', () => {
  const identityPolicies = (): Statement[] => [
    ...ofType('AWS::IAM::Policy').flatMap(([, r]) => policyStatements(r)),
    ...ofType('AWS::IAM::ManagedPolicy').flatMap(([, r]) => policyStatements(r)),
    ...ofType('AWS::IAM::Role').flatMap(([, r]) =>
      list(r.Properties?.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap((p) =>
        list(p.PolicyDocument.Statement),
      ),
    ),
  ];
  const resourcePolicies = (): Statement[] =>
    [...ofType('AWS::S3::BucketPolicy'), ...ofType('AWS::SNS::TopicPolicy')].flatMap(([, r]) =>
      policyStatements(r),
    );
  const wildcard = (action: string) => action === '*' || /^[A-Za-z0-9-]+:\*$/.test(action);

  it('allows no action `*` or `service:*` in any IAM or resource policy', () => {
    const allows = [...identityPolicies(), ...resourcePolicies()].filter((s) => s.Effect === 'Allow');
    expect(allows.length).toBeGreaterThan(0);
    for (const s of allows) for (const a of list(s.Action)) expect(wildcard(a), a).toBe(false);
  });

  it("keeps the key policy's `kms:*` to the account root, which delegates to IAM, and nothing else", () => {
    const keyPolicy = props(logicalId(stack.storage.key)).KeyPolicy as { Statement: Statement[] };
    const wide = keyPolicy.Statement.filter((s) => s.Effect === 'Allow' && list(s.Action).some(wildcard));
    expect(wide).toHaveLength(1);
    expect(JSON.stringify(wide[0]?.Principal)).toContain(':root');
  });

  it('lets every AWS service the key policy names act for this account only', () => {
    const keyPolicy = props(logicalId(stack.storage.key)).KeyPolicy as { Statement: Statement[] };
    const services = keyPolicy.Statement.filter(
      (s) => s.Effect === 'Allow' && JSON.stringify(s.Principal).includes('Service'),
    );
    expect(JSON.stringify(services)).toContain('logging.s3.amazonaws.com');
    for (const s of services) {
      const bound = JSON.stringify(s.Condition ?? {});
      expect(
        bound.includes('aws:SourceAccount') || bound.includes('kms:EncryptionContext:aws:logs:arn'),
        JSON.stringify(s.Principal),
      ).toBe(true);
    }
  });

  it('uses no AWS managed policies on function roles', () => {
    for (const name of functionNames) {
      expect(props(logicalId(stack.functions.roles[name])).ManagedPolicyArns, name).toBeUndefined();
    }
  });

  it('grants nothing but PutItem on the audit table to anyone that appends', () => {
    const auditId = logicalId(stack.storage.tables.Audit);
    const statements = on(
      identityPolicies().filter((s) => s.Effect === 'Allow'),
      auditId,
    );
    expect(statements.length).toBeGreaterThan(0);
    const readers = functionNames.filter((n) => accessOf(n).audit === 'read-append');
    const readActions = [
      'dynamodb:GetItem',
      'dynamodb:BatchGetItem',
      'dynamodb:Query',
      'dynamodb:DescribeTable',
    ];
    for (const s of statements) {
      for (const a of list(s.Action)) {
        expect(['dynamodb:PutItem', ...(readers.length ? readActions : []), ...STREAM_READ], a).toContain(a);
      }
    }
  });

  describe.each(functionNames)('%s', (name) => {
    const a = accessOf(name);
    const statements = () => roleStatements(logicalId(stack.functions.roles[name]));
    const records = () => logicalId(stack.storage.tables.Records);
    const audit = () => logicalId(stack.storage.tables.Audit);
    const intake = () => logicalId(stack.storage.intake);
    const archive = () => logicalId(stack.storage.archive);

    it('touches the records table only as declared', () => {
      // A function fed by the records table's stream reads the stream, not the table.
      const readsStream = TABLE_STREAMS.some((s) => s.table === 'Records' && s.function === name);
      const actions = new Set(
        [...actionsOf(on(statements(), records()))].filter((x) => !(readsStream && STREAM_READ.includes(x))),
      );
      if (!a.table) expect([...actions]).toEqual([]);
      const writes = [
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:BatchWriteItem',
      ];
      const canWrite = a.table === 'write' || a.table === 'readwrite';
      for (const w of writes) expect(actions.has(w), w).toBe(canWrite);
      const canRead = a.table === 'read' || a.table === 'readwrite';
      for (const r of ['dynamodb:GetItem', 'dynamodb:Query']) expect(actions.has(r), r).toBe(canRead);
      expect(actions.has('dynamodb:Scan')).toBe(false);
    });

    it('touches the audit table only as declared', () => {
      // A function fed by the audit table's stream reads the stream, not the table.
      const readsStream = TABLE_STREAMS.some((s) => s.table === 'Audit' && s.function === name);
      const actions = [...actionsOf(on(statements(), audit()))]
        .filter((x) => !(readsStream && STREAM_READ.includes(x)))
        .sort();
      if (a.audit === 'append') expect(actions).toEqual(['dynamodb:PutItem']);
      else if (a.audit === 'read-append')
        expect(actions).toEqual([
          'dynamodb:BatchGetItem',
          'dynamodb:DescribeTable',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
        ]);
      else expect(actions).toEqual([]);
    });

    it('touches the buckets only as declared', () => {
      const all = actionsOf(statements());
      const s3 = [...all].filter((x) => x.startsWith('s3:'));
      const disposal = new Set(a.disposal ?? []);
      if (!a.intake && !a.archive && !a.handovers && !a.history && disposal.size === 0)
        expect(s3).toEqual([]);
      const intakeActions = actionsOf(on(statements(), intake()));
      const archiveActions = actionsOf(on(statements(), archive()));
      if (!a.intake) expect([...intakeActions]).toEqual([]);
      if (!a.archive && !a.handovers && !a.history && disposal.size === 0)
        expect([...archiveActions]).toEqual([]);
      expect(intakeActions.has('s3:PutObject')).toBe(a.intake === 'presign' || a.intake === 'readwrite');
      expect(intakeActions.has('s3:GetObject')).toBe(a.intake !== undefined && a.intake !== 'presign');
      // A previewer reads an object only while GuardDuty's tag says it is clean.
      const reads = on(statements(), intake()).filter((s) => list(s.Action).includes('s3:GetObject'));
      for (const s of reads) {
        if (a.intake === 'preview') {
          expect(s.Condition).toEqual({
            StringEquals: { [`s3:ExistingObjectTag/${MALWARE_SCAN_TAG}`]: 'NO_THREATS_FOUND' },
          });
        } else expect(s.Condition).toBeUndefined();
      }
      // Only disposal removes the scan left of a destroyed original.
      expect(intakeActions.has('s3:DeleteObject')).toBe(disposal.has('destroy'));
      const archiveWriter = a.archive === 'write' || a.archive === 'readwrite';
      const locksCopies = archiveWriter || a.archive === 'audit-copy';
      expect(archiveActions.has('s3:PutObjectRetention')).toBe(
        locksCopies || ['extend', 'write-lists', 'extend-lists'].some((k) => disposal.has(k as never)),
      );
      expect(archiveActions.has('s3:PutObject')).toBe(
        locksCopies || disposal.has('write-lists') || a.handovers === 'write' || a.history === 'write',
      );
      // Document versions: their own prefix; appended (never deleted) or read, and listed by prefix.
      const versions = on(statements(), archive()).filter((st) =>
        JSON.stringify(st.Resource).includes('/history/'),
      );
      expect(versions.length > 0).toBe(a.history !== undefined);
      expect(actionsOf(versions)).toEqual(
        new Set(a.history === 'write' ? ['s3:PutObject'] : a.history === 'read' ? ['s3:GetObject'] : []),
      );
      // Listings by prefix: a document's versions, a day of the audit trail's copies.
      const prefixListing = on(statements(), archive()).filter(
        (st) => list(st.Action).includes('s3:ListBucket') && st.Condition !== undefined,
      );
      expect(prefixListing.map((st) => st.Condition)).toEqual([
        ...(a.archive === 'audit-read' ? [{ StringLike: { 's3:prefix': ['audit/*'] } }] : []),
        ...(a.history === 'read' ? [{ StringLike: { 's3:prefix': ['history/*'] } }] : []),
      ]);
      // The audit trail's copies: appended under lock by their writer, read by the auditor's function.
      const auditCopies = on(statements(), archive()).filter((st) =>
        JSON.stringify(st.Resource).includes('/audit/'),
      );
      expect(actionsOf(auditCopies)).toEqual(
        new Set(
          a.archive === 'audit-copy'
            ? ['s3:PutObject', 's3:PutObjectRetention']
            : a.archive === 'audit-read'
              ? ['s3:GetObject']
              : [],
        ),
      );
      // Handover packages: their own prefix, and nothing else of the bucket for that grant.
      const packages = on(statements(), archive()).filter((st) =>
        JSON.stringify(st.Resource).includes('/handovers/'),
      );
      expect(packages.length > 0).toBe(a.handovers !== undefined);
      expect(actionsOf(packages).has('s3:AbortMultipartUpload')).toBe(a.handovers === 'write');
      expect(archiveActions.has('s3:AbortMultipartUpload')).toBe(a.handovers === 'write');
      for (const st of packages) {
        expect(JSON.stringify(st.Resource), name).not.toContain('/originals/');
        expect(list(st.Action).sort()).toEqual(
          a.handovers === 'write' ? ['s3:AbortMultipartUpload', 's3:PutObject'] : ['s3:GetObject'],
        );
      }
      // Legal holds are the holds functions' alone (test/infra/permanence.test.ts).
      expect(archiveActions.has('s3:PutObjectLegalHold')).toBe(disposal.has('hold'));
      expect(archiveActions.has('s3:GetObjectVersion')).toBe(
        a.archive === 'presign' ||
          a.archive === 'read' ||
          a.archive === 'readwrite' ||
          ['verify', 'destroy', 'read-lists'].some((k) => disposal.has(k as never)),
      );
      // Deleting a version of an original: disposal's, and the archive step's for a copy that failed
      // its checksum before it was locked; S3 refuses it while a lock holds.
      expect(archiveActions.has('s3:DeleteObjectVersion')).toBe(disposal.has('destroy') || archiveWriter);
      for (const never of ['s3:DeleteObject', 's3:BypassGovernanceRetention']) {
        expect(archiveActions.has(never), never).toBe(false);
      }
    });

    it('starts and answers workflows only as declared', () => {
      const actions = actionsOf(statements());
      expect(actions.has('states:StartExecution')).toBe((a.startWorkflows ?? []).length > 0);
      expect(actions.has('states:SendTaskSuccess')).toBe(a.answerTasks === true);
      expect(actions.has('states:SendTaskFailure')).toBe(a.answerTasks === true);
      // Listing executions: on each state machine, never an execution's history or input.
      const listing = statements().filter((s) => list(s.Action).includes('states:ListExecutions'));
      const machines = Object.values(stack.workflows.byName).map((m) => ({ Ref: logicalId(m) }));
      const listed = listing.flatMap((s) => list(s.Resource));
      expect(listed).toHaveLength(a.listExecutions ? machines.length : 0);
      if (a.listExecutions) expect(listed).toEqual(expect.arrayContaining(machines));
      expect(actions.has('states:GetExecutionHistory')).toBe(false);
      for (const wf of a.startWorkflows ?? []) {
        const start = statements().filter((s) => list(s.Action).includes('states:StartExecution'));
        expect(start.flatMap((s) => list(s.Resource))).toEqual([
          { Ref: logicalId(stack.workflows.byName[wf]) },
        ]);
      }
    });

    it('uses the key only when it touches data', () => {
      const kms = [...actionsOf(statements())].filter((x) => x.startsWith('kms:'));
      if (!a.table && !a.audit && !a.accounts && !a.intake && !a.archive && !a.history)
        expect(kms).toEqual([]);
      else expect(kms.length).toBeGreaterThan(0);
    });

    it('writes logs to its own log group only', () => {
      const fn = props(logicalId(stack.functions.byName[name]));
      const logGroup = (fn.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      const logStatements = statements().filter((s) => list(s.Action).some((x) => x.startsWith('logs:')));
      expect(logStatements.length).toBeGreaterThan(0);
      for (const s of logStatements) expect(list(s.Resource)).toEqual([{ 'Fn::GetAtt': [logGroup, 'Arn'] }]);
    });
  });

  it('keeps tasks-list away from S3 and from writing, and keeps workflow rights where they belong', () => {
    const statements = roleStatements(logicalId(stack.functions.roles['tasks-list']));
    const tasksList = actionsOf(statements);
    expect([...tasksList].filter((x) => x.startsWith('s3:'))).toEqual([]);
    // Its only write: the audit event of a request it refuses, on the audit table alone.
    const puts = statements.filter((s) => list(s.Action).includes('dynamodb:PutItem'));
    expect(puts.length).toBeGreaterThan(0);
    for (const s of puts) expect(JSON.stringify(s.Resource)).toContain(logicalId(stack.storage.tables.Audit));
    expect(tasksList.has('dynamodb:UpdateItem')).toBe(false);
    const starters = functionNames.filter((n) =>
      actionsOf(roleStatements(logicalId(stack.functions.roles[n]))).has('states:StartExecution'),
    );
    expect(starters).toEqual(functionNames.filter((n) => (accessOf(n).startWorkflows ?? []).length > 0));
    expect(starters).toContain('submissions-submit');
    expect(starters).toContain('retention-sweep');
    const answerers = functionNames.filter((n) =>
      actionsOf(roleStatements(logicalId(stack.functions.roles[n]))).has('states:SendTaskSuccess'),
    );
    expect(answerers).toEqual(['tasks-decide']);
  });
});

describe('AWS Solutions checks (cdk-nag)', () => {
  interface ReportFile {
    pluginReports: { pluginName: string; conclusion: string; violations: unknown[] }[];
  }

  it(
    'synthesizes with no unacknowledged finding',
    () => {
      // A finding fails the synthesis; only then walk the app again to name the findings.
      if (synthError) {
        const report = new AwsSolutionsChecks().validateScope(app);
        expect(report.violations.map((v) => `${v.ruleName} ${JSON.stringify(v.violatingResources)}`)).toEqual(
          [],
        );
      }
      expect(synthError?.message).toBeUndefined();
      const file = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as ReportFile;
      expect(file.pluginReports.filter((r) => r.conclusion !== 'success')).toEqual([]);
      // The errors the synthesis recorded (Annotations.fromStack would synthesize the app again,
      // cdk-nag and Guard included, to read the same messages).
      const messages = assembly?.getStackArtifact(stack.artifactId).messages ?? [];
      expect(messages.filter((m) => m.level === 'error')).toEqual([]);
    },
    CHECKS_TIMEOUT_MS,
  );

  /** Every acknowledgment on the construct tree: path, rule id, reason. */
  const acknowledgments = () => acknowledgmentsOf(app);

  it('gives every acknowledgment a reason', () => {
    const acks = acknowledgments();
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks)
      expect(ack.reason.trim().length, `${ack.path} ${ack.id}`).toBeGreaterThanOrEqual(40);
  });

  it(
    'acknowledges only findings that exist, on the construct that has them',
    () => {
      // The same checks with acknowledgments ignored: every acknowledgment must match a finding at
      // or below the construct it is recorded on (no stale or stack-wide acknowledgments).
      const raw = new AwsSolutionsChecks();
      Object.defineProperty(raw, 'isAcknowledged', { value: () => false });
      // Control Tower acknowledgments are checked against CloudFormation Guard's findings below.
      const findings = raw
        .validateScope(app)
        .violations.flatMap((v) =>
          v.violatingResources.map((r) => ({ id: v.ruleName, path: r.constructPath ?? '' })),
        );
      expect(findings.length).toBeGreaterThan(0);
      for (const ack of acknowledgments().filter((a) => !a.id.startsWith(GUARD))) {
        expect(ack.path.split('/').length, `${ack.path} is too wide a scope`).toBeGreaterThanOrEqual(3);
        const matched = findings.some(
          (f) => f.id === ack.id && (f.path === ack.path || f.path.startsWith(`${ack.path}/`)),
        );
        expect(matched, `${ack.path} ${ack.id}`).toBe(true);
      }
    },
    CHECKS_TIMEOUT_MS,
  );
});

describe('AWS Control Tower proactive controls (CloudFormation Guard)', () => {
  /** Every Guard finding, acknowledged or not: rule and logical id, over every template. */
  let found: GuardFinding[] | undefined;
  const rawFindings = () => {
    found ??= guardFindings(outdir, stack);
    return found;
  };
  const acks = () =>
    acknowledgmentsOf(app)
      .filter((a) => a.id.startsWith(GUARD))
      .map((a) => ({ ...a, rule: a.id.slice(GUARD.length) }));

  it("runs the controls of every service the stack's resource types belong to", () => {
    // CloudFormation's service names where Control Tower's rule folders name them otherwise.
    const folderOf: Record<string, string> = {
      logs: 'cloudwatch',
      kms: 'keymanagementservice',
      iam: 'identityandaccessmanagement',
      apigatewayv2: 'apigateway',
    };
    const folders = new Set(readdirSync(controlTowerRulesDir()));
    const services = new Set(
      Object.values(templates.merged).map((r) => r.Type.split('::')[1]?.toLowerCase() ?? ''),
    );
    for (const service of services) {
      const folder = folderOf[service] ?? service;
      if (folders.has(folder)) expect(CONTROL_TOWER_SERVICES, service).toContain(folder);
    }
  });

  it(
    'finds what it checks for, so the checks can fail',
    () => {
      const rules = new Set(rawFindings().map((f) => f.rule));
      expect(rules).toContain('lambda_inside_vpc_check');
      expect(rules).toContain('cloudfront_custom_ssl_certificate_check');
    },
    CHECKS_TIMEOUT_MS,
  );

  it(
    'leaves no finding unacknowledged, in the parent or the nested stacks',
    () => {
      const acknowledged = acks().flatMap((a) => cfnIdsUnder(a.path).map((id) => `${a.rule} ${id}`));
      const open = rawFindings().filter((f) => !acknowledged.includes(`${f.rule} ${f.logicalId}`));
      expect(open).toEqual([]);
    },
    CHECKS_TIMEOUT_MS,
  );

  it(
    'acknowledges only findings that exist, on the construct that has them, with a reason',
    () => {
      const exists = new Set(rawFindings().map((f) => `${f.rule} ${f.logicalId}`));
      for (const ack of acks()) {
        expect(ack.path.split('/').length, `${ack.path} is too wide a scope`).toBeGreaterThanOrEqual(3);
        expect(ack.reason.trim().length, `${ack.path} ${ack.id}`).toBeGreaterThanOrEqual(40);
        const ids = cfnIdsUnder(ack.path);
        expect(
          ids.some((id) => exists.has(`${ack.rule} ${id}`)),
          `${ack.path} ${ack.rule}`,
        ).toBe(true);
      }
    },
    CHECKS_TIMEOUT_MS,
  );

  /** The logical ids of the CloudFormation resources at or below a construct path. */
  function cfnIdsUnder(path: string): string[] {
    const root = app.node.findAll().find((c) => c.node.path === path);
    if (!root) throw new Error(`no construct ${path}`);
    return root.node
      .findAll()
      .filter((c): c is CfnElement => CfnElement.isCfnElement(c))
      .map((c) => Stack.of(c).getLogicalId(c));
  }
});

describe('audit trail and originals (append-only, locked copy, content readers)', () => {
  const auditId = () => logicalId(stack.storage.tables.Audit);
  const archiveId = () => logicalId(stack.storage.archive);
  const allStatements = (roleId: string): Statement[] => {
    const out: Statement[] = [];
    for (const [, r] of ofType('AWS::IAM::Policy')) {
      if (list(r.Properties?.Roles as unknown[]).some((ref) => mentions(ref, roleId))) {
        out.push(...policyStatements(r));
      }
    }
    return out;
  };
  const WRITES = [
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:BatchWriteItem',
    'dynamodb:PartiQLUpdate',
    'dynamodb:PartiQLDelete',
    'dynamodb:PartiQLInsert',
  ];

  it('lets no role of the stack change or delete an audit item: appending is PutItem alone', () => {
    for (const [roleId] of ofType('AWS::IAM::Role')) {
      const allowed = actionsOf(on(roleStatements(roleId), auditId()));
      for (const w of WRITES) expect(allowed.has(w), `${roleId} ${w}`).toBe(false);
    }
  });

  it.each(functionNames)('%s: its role denies every way of rewriting the audit table', (name) => {
    const denies = allStatements(logicalId(stack.functions.roles[name])).filter(
      (s) => s.Effect === 'Deny' && mentions(s.Resource, auditId()),
    );
    const denied = actionsOf(denies);
    for (const a of ['dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem']) {
      expect(denied.has(a), a).toBe(true);
    }
    expect(denied.has('dynamodb:PutItem')).toBe(false);
  });

  it('denies changes and removals to every principal in the audit table’s own policy', () => {
    const policy = props(auditId()).ResourcePolicy as { PolicyDocument: { Statement: Statement[] } };
    const deny = policy.PolicyDocument.Statement.find((s) => s.Sid === 'AuditIsAppendOnly');
    expect(deny?.Effect).toBe('Deny');
    expect(deny?.Principal).toEqual({ AWS: '*' });
    expect(list(deny?.Action)).toEqual(
      expect.arrayContaining(['dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem']),
    );
  });

  it('streams the audit and records tables to the functions of TABLE_STREAMS', () => {
    for (const id of [auditId(), logicalId(stack.storage.tables.Records)]) {
      expect(props(id).StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
    }
    const mappings = ofType('AWS::Lambda::EventSourceMapping').map(([, r]) => r.Properties as Json);
    for (const s of TABLE_STREAMS) {
      const table = logicalId(stack.storage.tables[s.table]);
      const found = mappings.filter(
        (m) =>
          mentions(m.EventSourceArn, table) &&
          mentions(m.FunctionName, logicalId(stack.functions.byName[s.function])),
      );
      expect(found, s.function).toHaveLength(1);
      expect(found[0]?.StartingPosition).toBe('TRIM_HORIZON');
      for (const k of s.keys ?? []) expect(JSON.stringify(found[0]?.FilterCriteria)).toContain(k.pkPrefix);
      expect(found[0]?.BisectBatchOnFunctionError, s.function).toBe(s.bisectOnError ?? true);
    }
  });

  it('lets the audit copy only append locked objects under audit/, and read nothing', () => {
    const copiers = functionNames.filter((n) => accessOf(n).archive === 'audit-copy');
    expect(copiers.length).toBeGreaterThan(0);
    for (const n of copiers) {
      const s = on(roleStatements(logicalId(stack.functions.roles[n])), archiveId());
      expect([...actionsOf(s)].sort()).toEqual(['s3:PutObject', 's3:PutObjectRetention']);
      expect(JSON.stringify(s.map((x) => x.Resource))).toContain('/audit/*');
    }
  });

  it('lets only the content functions read originals, and denies everyone else in the bucket policy', () => {
    const readers = functionNames.filter(
      (n) =>
        ['presign', 'readwrite', 'read'].includes(accessOf(n).archive ?? '') ||
        (accessOf(n).disposal ?? []).some((d) => d === 'verify' || d === 'destroy'),
    );
    const readerRoles = readers.map((n) => logicalId(stack.functions.roles[n]));
    for (const [roleId] of ofType('AWS::IAM::Role')) {
      // Statements on originals (destruction lists, say, are other objects of the bucket).
      const onOriginals = on(roleStatements(roleId), archiveId()).filter((st) =>
        JSON.stringify(st.Resource).includes('/originals/'),
      );
      const reads = actionsOf(onOriginals);
      const readsOriginals = reads.has('s3:GetObject') || reads.has('s3:GetObjectVersion');
      expect(readsOriginals, roleId).toBe(readerRoles.includes(roleId));
    }
    const deny = ofType('AWS::S3::BucketPolicy')
      .filter(([, r]) => mentions(r.Properties?.Bucket, archiveId()))
      .flatMap(([, r]) => policyStatements(r))
      .find((s) => s.Sid === 'OnlyContentFunctionsReadOriginals');
    expect(deny?.Effect).toBe('Deny');
    expect(list(deny?.Action)).toEqual(['s3:GetObject', 's3:GetObjectVersion']);
    const condition = deny?.Condition as { ArnNotEquals: { 'aws:PrincipalArn': unknown } } | undefined;
    const allowed = condition?.ArnNotEquals['aws:PrincipalArn'];
    expect(list(allowed as unknown[])).toEqual(readerRoles.map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] })));
  });

  it('lets only GuardDuty and the intake functions read scans, and denies everyone else in the bucket policy', () => {
    const readers = functionNames.filter((n) =>
      ['read', 'preview', 'readwrite'].includes(accessOf(n).intake ?? ''),
    );
    expect(readers).toEqual(
      expect.arrayContaining([
        'upload-received',
        'intake-open-review',
        'intake-archive',
        'submissions-scan-content',
      ]),
    );
    const intakeId = logicalId(stack.storage.intake);
    const deny = ofType('AWS::S3::BucketPolicy')
      .filter(([, r]) => mentions(r.Properties?.Bucket, intakeId))
      .flatMap(([, r]) => policyStatements(r))
      .find((s) => s.Sid === 'OnlyIntakeFunctionsReadScans');
    expect(deny?.Effect).toBe('Deny');
    expect(list(deny?.Action)).toEqual(['s3:GetObject', 's3:GetObjectVersion']);
    const condition = deny?.Condition as { ArnNotEquals: { 'aws:PrincipalArn': unknown } } | undefined;
    expect(list(condition?.ArnNotEquals['aws:PrincipalArn'] as unknown[])).toEqual([
      { 'Fn::GetAtt': [logicalId(stack.malwareProtection.role), 'Arn'] },
      ...readers.map((n) => ({ 'Fn::GetAtt': [logicalId(stack.functions.roles[n]), 'Arn'] })),
    ]);
  });

  it('sends refused requests (401, 403) from the API access log to the access-denied function', () => {
    const filters = ofType('AWS::Logs::SubscriptionFilter').map(([, r]) => r.Properties as Json);
    expect(filters).toHaveLength(1);
    expect(filters[0]?.FilterPattern).toContain('401');
    expect(filters[0]?.FilterPattern).toContain('403');
    expect(mentions(filters[0]?.LogGroupName, logicalId(stack.api.accessLogs))).toBe(true);
    expect(mentions(filters[0]?.DestinationArn, logicalId(stack.functions.byName['access-denied']))).toBe(
      true,
    );
  });
});
