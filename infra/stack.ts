import { CfnOutput, Lazy, NestedStack, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { FUNCTIONS, type FunctionName, functionAccess } from '../functions/catalog.ts';
import { Api } from './constructs/api.ts';
import { AuditTrail } from './constructs/audit-trail.ts';
import { Auth } from './constructs/auth.ts';
import { ClamavScanner } from './constructs/clamav-scanner.ts';
import { ConsoleHosting } from './constructs/console.ts';
import { Functions, pascal } from './constructs/functions.ts';
import { Monitoring } from './constructs/monitoring.ts';
import { guardRule, NO_VPC } from './constructs/nag.ts';
import { type MailIdentity, Notifications } from './constructs/notifications.ts';
import { Schedules } from './constructs/schedules.ts';
import { MalwareProtection, type MalwareScannerChoice } from './constructs/security.ts';
import { type RecordsTableClassChoice, Storage } from './constructs/storage.ts';
import { Workflows } from './constructs/workflows.ts';
import { alarmNamePrefix } from './shared.ts';

export interface DanganStackProps extends StackProps {
  /** Classification scheme in force (schemes/<id>.json). */
  schemeId: string;
  /** Origins the console is served from (CORS, OAuth callbacks). */
  consoleOrigins: readonly string[];
  /** Hosted sign-in domain prefix; `dangan-<account>` when omitted. */
  authDomainPrefix?: string;
  /** The sender of notifications (an address of `mailIdentity`). */
  mailFrom: string;
  /** The SES identity: the sender's domain, or the one address; the sender's domain when omitted. */
  mailIdentity?: string;
  /** What scans intake uploads for malware: GuardDuty Malware Protection (default) or ClamAV. */
  malwareScanner?: MalwareScannerChoice;
  /** The records table's class: Standard (default) or Standard-IA. */
  recordsTableClass?: RecordsTableClassChoice;
}

/** The function the intake bucket notifies when an upload arrives. */
const UPLOAD_RECEIVER: FunctionName = 'upload-received';
/** The function that mails people and hears SES's bounces and complaints. */
const NOTIFIER: FunctionName = 'notify';

/**
 * Dangan on AWS: storage, identities, one function per catalog entry, the workflows, the HTTP
 * API, malware scanning of uploads, schedules, alarms and the console.
 *
 * CloudFormation holds at most 500 resources per template, and what grows with the system is
 * split by how it grows: each route adds a route, an integration and an invoke permission, kept
 * in the nested stack `ApiStack`; each function adds an alarm, kept in `MonitoringStack`; the
 * functions themselves (function, role, policy, log group), the data and the workflows stay here.
 * test/infra/stack.test.ts fails when any template passes 300 resources.
 */
export class DanganStack extends Stack {
  readonly storage: Storage;
  readonly auth: Auth;
  readonly console: ConsoleHosting;
  readonly functions: Functions;
  readonly workflows: Workflows;
  readonly api: Api;
  /** GuardDuty Malware Protection, or the ClamAV scanner (`-c malwareScanner=clamav`). */
  readonly malwareProtection: MalwareProtection | ClamavScanner;
  readonly schedules: Schedules;
  readonly monitoring: Monitoring;
  readonly notifications: Notifications;

  constructor(scope: Construct, id: string, props: DanganStackProps) {
    super(scope, id, props);

    // The console's own origin joins the configured ones; it exists once the console's
    // distribution does, which logs to the storage's access-log bucket.
    const consoleOrigins = [...props.consoleOrigins, Lazy.string({ produce: () => this.console.origin })];
    this.storage = new Storage(this, 'Storage', {
      consoleOrigins,
      ...(props.recordsTableClass ? { recordsTableClass: props.recordsTableClass } : {}),
    });
    this.console = new ConsoleHosting(this, 'Console', { accessLogs: this.storage.accessLogs });
    // ClamAV's queue, functions, databases bucket and alarms in a nested stack of their own.
    this.malwareProtection =
      props.malwareScanner === 'clamav'
        ? new ClamavScanner(
            new NestedStack(this, 'MalwareScannerStack', { description: 'Dangan ClamAV malware scanner' }),
            'ClamavScanner',
            {
              intake: this.storage.intake,
              key: this.storage.key,
              accessLogs: this.storage.accessLogs,
              logRetention: logs.RetentionDays.ONE_YEAR,
            },
          )
        : new MalwareProtection(this, 'MalwareProtection', {
            bucket: this.storage.intake,
            key: this.storage.key,
          });
    // Identities in a nested stack of their own (the user pool, a group per role, the console's
    // client, its domain and the API's scope): the parent keeps its room for functions.
    this.auth = new Auth(
      new NestedStack(this, 'AuthStack', { description: 'Dangan staff identities' }),
      'Auth',
      {
        consoleOrigins,
        ...(props.authDomainPrefix ? { domainPrefix: props.authDomainPrefix } : {}),
      },
    );

    const mail: MailIdentity = {
      mailFrom: props.mailFrom,
      identity: props.mailIdentity ?? props.mailFrom.slice(props.mailFrom.lastIndexOf('@') + 1),
      configurationSetName: `${this.stackName}-notifications`,
    };

    // Functions first, then the workflows that invoke some of them, then the workflow ARNs and
    // rights of the functions that start or answer workflows: no cycle in the template.
    this.functions = new Functions(this, 'Functions', {
      storage: this.storage,
      userPool: this.auth.userPool,
      schemeId: props.schemeId,
      // A year: CloudWatch Logs keeps what the functions log (Control Tower CT.CLOUDWATCH.PR.2).
      logRetention: logs.RetentionDays.ONE_YEAR,
      mail,
      consoleUrl: Lazy.string({ produce: () => `${this.console.origin}/` }),
    });
    // SES's identity and configuration set, and their bounces to the notifier, in a nested stack:
    // the parent stays under its 300 resources.
    this.notifications = new Notifications(
      new NestedStack(this, 'NotificationsStack', { description: 'Dangan mail (SES)' }),
      'Notifications',
      { ...mail, notifier: this.functions.byName[NOTIFIER] },
    );
    // The workflows in a nested stack of their own: a workflow adds its state machine, role,
    // policy and log group there, and the parent keeps its room for functions (four each).
    this.workflows = new Workflows(
      new NestedStack(this, 'WorkflowsStack', { description: 'Dangan workflows' }),
      'Workflows',
      {
        namePrefix: this.stackName,
        functions: this.functions.byName,
        logRetention: logs.RetentionDays.ONE_YEAR,
        logKey: this.storage.key,
      },
    );
    this.functions.connectWorkflows(this.workflows.byName);

    this.storage.onUpload(this.functions.byName[UPLOAD_RECEIVER]);
    this.malwareProtection.onlyTheseReadUploads(
      (Object.keys(FUNCTIONS) as FunctionName[])
        .filter((n) => ['read', 'preview', 'readwrite'].includes(functionAccess(n).intake ?? ''))
        .map((n) => this.functions.roles[n]),
    );

    this.api = new Api(new NestedStack(this, 'ApiStack', { description: 'Dangan HTTP API' }), 'Api', {
      functions: this.functions.byName,
      userPool: this.auth.userPool,
      client: this.auth.consoleClient,
      consoleOrigins,
      logRetention: logs.RetentionDays.ONE_YEAR,
      logKey: this.storage.key,
    });

    this.console.publish({
      apiUrl: this.api.url,
      userPool: this.auth.userPool,
      client: this.auth.consoleClient,
      domain: this.auth.domain,
    });

    // The schedules too (apart from the workflows: a scheduled function may start a workflow).
    this.schedules = new Schedules(
      new NestedStack(this, 'SchedulesStack', { description: 'Dangan schedules' }),
      'Schedules',
      { functions: this.functions.byName },
    );

    new AuditTrail(this, 'AuditTrail', {
      storage: this.storage,
      functions: this.functions.byName,
      roles: this.functions.roles,
      accessLogs: this.api.accessLogs,
    });

    this.storage.allowAlarmPublishing();
    this.storage.allowLogEncryption();
    this.storage.bindServicesToAccount();
    const monitoringStack = new NestedStack(this, 'MonitoringStack', { description: 'Dangan alarms' });
    this.monitoring = new Monitoring(monitoringStack, 'Monitoring', {
      namePrefix: alarmNamePrefix(this.stackName),
      key: this.storage.key,
      functions: this.functions.byName,
      workflows: this.workflows.byName,
      api: this.api.httpApi,
    });
    if (this.malwareProtection instanceof ClamavScanner) {
      this.malwareProtection.alarmTo(this.monitoring.topic, alarmNamePrefix(this.stackName));
    }

    // CDK's console deployment handler (one per stack): outside a VPC like every function, and
    // its log records only the copying of public code.
    for (const handler of this.node.children.filter((c) =>
      c.node.id.startsWith('Custom::CDKBucketDeployment'),
    )) {
      Validations.of(handler.node.findChild('Resource')).acknowledge(NO_VPC);
      Validations.of(handler.node.findChild('LogGroup')).acknowledge(
        guardRule(
          'cloudwatch_log_group_encrypted_check',
          "The console deployment handler's log records the copying of the public console code, no customer data; every Dangan log group is encrypted with the stack's key.",
        ),
      );
    }

    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    output('ApiUrl', this.api.url, 'Base URL of the HTTP API');
    output('UserPoolId', this.auth.userPool.userPoolId, 'Cognito user pool of the staff');
    output('UserPoolClientId', this.auth.consoleClient.userPoolClientId, 'App client of the console');
    output('AuthDomain', this.auth.domain.baseUrl(), 'Hosted sign-in of the console');
    output('ConsoleUrl', `${this.console.origin}/`, 'The console');
    output('IntakeBucketName', this.storage.intake.bucketName, 'Bucket of uploaded scans');
    output('ArchiveBucketName', this.storage.archive.bucketName, 'Bucket of archived originals');
    output('AccessLogBucketName', this.storage.accessLogs.bucketName, 'Bucket of S3 access logs');
    for (const [id, table] of Object.entries(this.storage.tables)) {
      output(`${id}TableName`, table.tableName, `DynamoDB table ${id}`);
    }
    for (const [name, machine] of Object.entries(this.workflows.byName)) {
      output(`${pascal(name)}StateMachineArn`, machine.stateMachineArn, `State machine ${name}`);
    }
    output('AlarmTopicArn', this.monitoring.topic.topicArn, 'SNS topic of the alarms');
    if (this.malwareProtection instanceof ClamavScanner) {
      output(
        'ClamavUpdaterFunctionName',
        this.malwareProtection.updater.functionName,
        'Run once after the first deploy: it puts the ClamAV databases in place',
      );
    }
  }
}
