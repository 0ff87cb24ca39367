import { join } from 'node:path';
import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  type BundlingOptions,
  NodejsFunction,
  OutputFormat,
  SourceMapMode,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { TABLES, type TableDef } from '../../functions/adapters/tables.ts';
import {
  DEFAULT_MEMORY_MB,
  DEFAULT_TIMEOUT_SECONDS,
  FUNCTIONS,
  type FunctionAccess,
  type FunctionDef,
  type FunctionName,
  functionAccess,
  type WorkflowName,
} from '../../functions/catalog.ts';
import {
  alarmNamePrefix,
  FUNCTION_SYSTEM_LOG_LEVEL,
  functionEntryPath,
  functionEnvironment,
  PROJECT_ROOT,
  stateMachineName,
  WORKFLOW_ENV,
} from '../shared.ts';
import { grantBuckets } from './bucket-grants.ts';
import { NO_VPC, nagResource } from './nag.ts';
import { type MailIdentity, mailSendResources } from './notifications.ts';
import type { Storage } from './storage.ts';

export interface FunctionsProps {
  storage: Storage;
  /** The staff user pool that account changes are kept in step with. */
  userPool: cognito.IUserPool;
  /** Classification scheme the functions apply (SCHEME_ID). */
  schemeId: string;
  logRetention: logs.RetentionDays;
  /** The SES identity and configuration set the notifier sends with. */
  mail: MailIdentity;
  /** The console's address, for the links in messages. */
  consoleUrl: string;
}

/** Every way of changing or removing an audit item; denied to every function role. */
export const AUDIT_DENIED_ACTIONS = [
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
  'dynamodb:UpdateTimeToLive',
  'dynamodb:DeleteTable',
];

/** The module bundled in place of the SDK's default credential chain (path from the project root). */
export const LAMBDA_CREDENTIALS = 'functions/adapters/lambda-credentials.ts';

/** The module every bundle starts with: stack traces mapped on demand (path from the project root). */
export const SOURCE_MAPPED_STACKS = 'functions/adapters/source-mapped-stacks.ts';

/** How every handler is bundled (esbuild, locally; no Docker). */
export const BUNDLING: BundlingOptions = {
  // The handlers are ES modules ("type": "module"); the runtime loads index.mjs as ESM.
  format: OutputFormat.ESM,
  // Prefer the ES module build of dependencies that ship both.
  mainFields: ['module', 'main'],
  // CommonJS dependencies bundled into an ES module still call require().
  banner:
    "import { createRequire as __danganCreateRequire } from 'node:module'; const require = __danganCreateRequire(import.meta.url);",
  target: 'node22',
  // Smaller bundles load faster on a cold start.
  minify: true,
  // Source maps turn stack traces back into TypeScript file and line; sources themselves are
  // left out to keep the bundle small. The map is read when a stack is first formatted, not at
  // every cold start as --enable-source-maps would (functions/adapters/source-mapped-stacks.ts,
  // injected into every bundle).
  sourceMap: true,
  sourceMapMode: SourceMapMode.DEFAULT,
  sourcesContent: false,
  inject: [join(PROJECT_ROOT, SOURCE_MAPPED_STACKS)],
  // Everything is bundled, the AWS SDK included: the versions deployed are the versions
  // in package-lock.json that the tests ran against, not whatever the runtime carries. Except
  // nodemailer, the SMTP transport, which the stack never configures (its functions send through
  // SES): functions/adapters/smtp-mail.ts loads it only for an SMTP URL, and 240 KB of it would
  // otherwise sit unused in the notifier's bundle.
  externalModules: ['nodemailer'],
  esbuildArgs: {
    // The SDK's default credential chain gives way to the links that can answer on Lambda: the
    // role's credentials in the environment, or a container endpoint when one is set
    // (functions/adapters/lambda-credentials.ts). About 130 KB less per function, and no
    // child_process or STS, SSO and token clients loaded at start. Relative to the project root,
    // where esbuild runs.
    '--alias': `@aws-sdk/credential-provider-node=./${LAMBDA_CREDENTIALS}`,
  },
};

/** `customers-create` → `CustomersCreate` (construct ids). */
export const pascal = (name: string): string =>
  name
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

const tableDef = (id: TableDef['id']): TableDef => {
  const def = TABLES.find((t) => t.id === id);
  if (!def) throw new Error(`no table ${id} in functions/adapters/tables.ts`);
  return def;
};

/**
 * One Lambda function per entry of FUNCTIONS in functions/catalog.ts, each with its own role
 * and log group. A role holds exactly what the entry's `access` declares, derived here and
 * nowhere else; workflow grants follow in `connectWorkflows` once the state machines exist
 * (they in turn invoke some of these functions).
 */
export class Functions extends Construct {
  readonly byName: Record<FunctionName, NodejsFunction>;
  readonly roles: Record<FunctionName, iam.Role>;
  /**
   * The key page tokens are signed with. CloudFormation resolves it into the environment of the
   * functions that page (`pageTokens` in the catalog) at deploy time, so no function reads
   * Secrets Manager at run time; replacing it only ends the page tokens clients hold.
   */
  private readonly pageTokenKey: secretsmanager.Secret;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: FunctionsProps,
  ) {
    super(scope, id);
    this.pageTokenKey = new secretsmanager.Secret(this, 'PageTokenKey', {
      description: 'Dangan: the key page tokens of list responses are signed with',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    Validations.of(this.pageTokenKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'A signing key for page tokens, not a credential: replacing it (a new deploy of the secret) only ends the page tokens clients hold; nothing to rotate against.',
    });
    const byName: Partial<Record<FunctionName, NodejsFunction>> = {};
    const roles: Partial<Record<FunctionName, iam.Role>> = {};
    for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
      const { fn, role } = this.build(name);
      byName[name] = fn;
      roles[name] = role;
    }
    this.byName = byName as Record<FunctionName, NodejsFunction>;
    this.roles = roles as Record<FunctionName, iam.Role>;
  }

  /** Workflow ARNs in the environment, and the rights to start and to answer workflows. */
  connectWorkflows(workflows: Record<WorkflowName, sfn.StateMachine>): void {
    for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
      const access: FunctionAccess = FUNCTIONS[name].access;
      const fn = this.byName[name];
      const role = this.roles[name];
      for (const workflow of access.startWorkflows ?? []) {
        fn.addEnvironment(WORKFLOW_ENV[workflow], workflows[workflow].stateMachineArn);
        workflows[workflow].grantStartExecution(role);
      }
      if (access.listExecutions) {
        // Names, statuses and times of each workflow's executions (ListExecutions returns no input).
        for (const [workflow, machine] of Object.entries(workflows) as [WorkflowName, sfn.StateMachine][]) {
          fn.addEnvironment(WORKFLOW_ENV[workflow], machine.stateMachineArn);
          role.addToPrincipalPolicy(
            new iam.PolicyStatement({
              actions: ['states:ListExecutions'],
              resources: [machine.stateMachineArn],
            }),
          );
        }
      }
      if (access.answerTasks) {
        for (const machine of Object.values(workflows)) machine.grantTaskResponse(role);
      }
      if (access.describeExecutions) {
        // The status of an execution, nothing more (not its history or input).
        for (const workflow of Object.keys(workflows) as WorkflowName[]) {
          const executions = Stack.of(this).formatArn({
            service: 'states',
            resource: 'execution',
            // The name as written, not a reference: the acknowledgment below names it exactly.
            resourceName: `${stateMachineName(Stack.of(this).stackName, workflow)}:*`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          });
          role.addToPrincipalPolicy(
            new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executions] }),
          );
          Validations.of(role).acknowledge({
            id: `AwsSolutions-IAM5[Resource::${nagResource(this, executions)}]`,
            reason:
              'Executions are named per submission, loan or batch at runtime; only their status is read.',
          });
        }
      }
    }
  }

  private build(name: FunctionName): { fn: NodejsFunction; role: iam.Role } {
    const def: FunctionDef = FUNCTIONS[name];
    const { storage } = this.props;
    const scope = new Construct(this, pascal(name));

    const logGroup = new logs.LogGroup(scope, 'Logs', {
      retention: this.props.logRetention,
      encryptionKey: this.props.storage.key,
    });
    // An own role instead of AWSLambdaBasicExecutionRole: logs go to this function's group only.
    const role = new iam.Role(scope, 'Role', {
      description: `Dangan ${name}`,
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    logGroup.grantWrite(role);

    const fn = new NodejsFunction(scope, 'Function', {
      entry: functionEntryPath(name),
      handler: 'handler',
      description: def.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: def.memoryMB ?? DEFAULT_MEMORY_MB,
      timeout: Duration.seconds(def.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS),
      // A trace only when the caller's is sampled (WORKFLOW_TRACE_RATE in infra/shared.ts).
      tracing: lambda.Tracing.PASS_THROUGH,
      logGroup,
      // JSON logs filtered by level (FUNCTION_SYSTEM_LOG_LEVEL). Duration, memory and errors stay
      // in Lambda's metrics.
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel[FUNCTION_SYSTEM_LOG_LEVEL],
      role,
      environment: functionEnvironment(name, {
        table: storage.tables.Records.tableName,
        auditTable: storage.tables.Audit.tableName,
        accountsTable: storage.tables.Accounts.tableName,
        userPoolId: this.props.userPool.userPoolId,
        intakeBucket: storage.intake.bucketName,
        archiveBucket: storage.archive.bucketName,
        schemeId: this.props.schemeId,
        pageTokenKey: this.pageTokenKey.secretValue.unsafeUnwrap(),
        alarmNamePrefix: alarmNamePrefix(Stack.of(this).stackName),
        mail: {
          transport: 'ses',
          from: this.props.mail.mailFrom,
          configurationSet: this.props.mail.configurationSetName,
          consoleUrl: this.props.consoleUrl,
        },
      }),
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      bundling: BUNDLING,
    });
    Validations.of(fn).acknowledge(NO_VPC);
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Dangan pins Node.js 22 (package.json engines, the node@22 dev dependency); the handlers are built and tested on it and move to a newer runtime together with the toolchain.',
    });

    this.grantData(name, role);
    if (FUNCTIONS[name].access.readAlarms) {
      // The states of this deployment's alarms, named by their prefix (Monitoring names them).
      const alarms = Stack.of(this).formatArn({
        service: 'cloudwatch',
        resource: 'alarm',
        resourceName: `${alarmNamePrefix(Stack.of(this).stackName)}*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['cloudwatch:DescribeAlarms'], resources: [alarms] }),
      );
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagResource(this, alarms)}]`,
        reason: "The deployment's alarms, named by its prefix; their states only.",
      });
    }
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Tracing (passed through from a sampled workflow) lets the function send segments to X-Ray; xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions.',
    });
    return { fn, role };
  }

  /** The table, bucket and key permissions the catalog entry declares, and no others. */
  private grantData(name: FunctionName, role: iam.Role): void {
    const access: FunctionAccess = functionAccess(name);
    const { storage } = this.props;
    const kmsActions = new Set<string>();
    const allow = (sid: string, actions: string[], resources: string[]) =>
      role.addToPrincipalPolicy(new iam.PolicyStatement({ sid, actions, resources }));
    const tableArns = (id: TableDef['id']) => {
      const table = storage.tables[id];
      return [table.tableArn, ...tableDef(id).indexes.map((i) => `${table.tableArn}/index/${i.indexName}`)];
    };
    const readKey = () => {
      kmsActions.add('kms:Decrypt');
      kmsActions.add('kms:DescribeKey');
    };
    const writeKey = () => {
      readKey();
      kmsActions.add('kms:Encrypt');
      kmsActions.add('kms:GenerateDataKey');
    };

    // Records table: every access path is a GetItem or a Query (no Scan).
    if (access.table === 'read' || access.table === 'readwrite') {
      allow(
        'RecordsRead',
        [
          'dynamodb:GetItem',
          'dynamodb:BatchGetItem',
          'dynamodb:Query',
          'dynamodb:ConditionCheckItem',
          'dynamodb:DescribeTable',
        ],
        tableArns('Records'),
      );
      readKey();
    }
    if (access.table === 'write' || access.table === 'readwrite') {
      allow(
        'RecordsWrite',
        [
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:BatchWriteItem',
          'dynamodb:ConditionCheckItem',
        ],
        [storage.tables.Records.tableArn],
      );
      writeKey();
    }

    // Mail: sending as the stack's identity with its configuration set, nothing else of SES.
    if (access.notifications === 'send') {
      allow('SendMail', ['ses:SendEmail', 'ses:SendRawEmail'], mailSendResources(this, this.props.mail));
    }

    // Audit table: appending is PutItem alone, never UpdateItem or DeleteItem.
    if (access.audit) {
      allow('AuditAppend', ['dynamodb:PutItem'], [storage.tables.Audit.tableArn]);
      writeKey();
    }
    if (access.audit === 'read-append') {
      allow(
        'AuditRead',
        ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:DescribeTable'],
        tableArns('Audit'),
      );
      readKey();
    }
    // Whatever else a role is ever given, nothing rewrites or removes an audit event: IAM cannot
    // require PutItem's `attribute_not_exists` condition, so every way of changing or deleting
    // an item (and of expiring items through TTL) is denied outright.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AuditIsAppendOnly',
        effect: iam.Effect.DENY,
        actions: AUDIT_DENIED_ACTIONS,
        resources: tableArns('Audit'),
      }),
    );

    // Accounts table: read by the handler chain on every request; written by the security
    // administrator's functions only.
    if (access.accounts === 'read' || access.accounts === 'readwrite') {
      allow('AccountsRead', ['dynamodb:GetItem', 'dynamodb:Query'], tableArns('Accounts'));
      readKey();
    }
    if (access.accounts === 'readwrite') {
      allow(
        'AccountsWrite',
        ['dynamodb:PutItem', 'dynamodb:ConditionCheckItem'],
        [storage.tables.Accounts.tableArn],
      );
      writeKey();
    }
    // The staff user pool, kept in step with account changes.
    const pool = this.props.userPool.userPoolArn;
    if (access.directory === 'read' || access.directory === 'admin') {
      allow(
        'DirectoryRead',
        ['cognito-idp:ListUsers', 'cognito-idp:ListUsersInGroup', 'cognito-idp:AdminGetUser'],
        [pool],
      );
    }
    if (access.directory === 'admin') {
      allow(
        'DirectoryAdmin',
        [
          'cognito-idp:AdminDisableUser',
          'cognito-idp:AdminEnableUser',
          'cognito-idp:AdminUserGlobalSignOut',
          'cognito-idp:AdminAddUserToGroup',
          'cognito-idp:AdminRemoveUserFromGroup',
        ],
        [pool],
      );
    }

    grantBuckets({ scope: this, role, access, storage, allow, kmsActions, readKey, writeKey });

    if (kmsActions.size > 0) allow('DataKey', [...kmsActions].sort(), [storage.key.keyArn]);
  }
}
