import { Duration, IgnoreMode, Names, RemovalPolicy, Size, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import { ENV } from '../../functions/catalog/environment.ts';
import {
  DEFINITIONS_AGE_METRIC,
  DEFINITIONS_MAX_AGE_DAYS,
  SCAN_ATTEMPTS,
} from '../../functions/core/clamav.ts';
import { METRICS_NAMESPACE } from '../../functions/core/disposal.ts';
import { INTAKE_PREFIX, MALWARE_SCAN_TAG } from '../../functions/core/intake-bucket.ts';
import { PROJECT_ROOT } from '../shared.ts';
import { guardRule, NO_VPC, nagResource } from './nag.ts';
import { denyUploadReadsExcept, type MalwareScanner, reserveScanTag } from './security.ts';

export interface ClamavScannerProps {
  intake: s3.IBucket;
  key: kms.IKey;
  accessLogs: s3.IBucket;
  logRetention: logs.RetentionDays;
}

/** The Dockerfile of the scanner's image, from the repository root (its build context). */
export const CLAMAV_DOCKERFILE = 'infra/scanner/Dockerfile';
/** What the image's build reads of the repository; the rest is never sent to Docker. */
const IMAGE_CONTEXT = ['package.json', 'package-lock.json', 'functions', 'infra/scanner'];
/** Where clamd and freshclam keep the databases (infra/scanner/clamd.conf, freshclam.conf). */
export const CLAMAV_DATABASE_DIR = '/tmp/clamav';
/** The image's scripts around clamdscan, clamd and freshclam (infra/scanner/bin). */
const IMAGE_BIN = '/opt/dangan-clamav/bin';

/**
 * How long events gather before one invocation scans them: a submission's files are uploaded
 * by the console one after another within seconds, so they are scanned by one ClamAV run.
 */
export const SCAN_BATCHING_WINDOW = Duration.seconds(20);
/** Upload events one invocation takes at most (a submission holds at most 40 documents). */
export const SCAN_BATCH_SIZE = 100;
/**
 * Containers scanning at once, at most: each new one loads every signature (about 20 s), so
 * fewer, longer-lived containers cost less; ten keep up with 500 uploads a minute.
 */
export const SCAN_MAX_CONCURRENCY = 10;
/** 3 GB: clamd holds the databases (about 1.3 GB) beside Node.js and the scan threads. */
export const SCANNER_MEMORY_MB = 3008;
const SCAN_TIMEOUT = Duration.minutes(5);
/** How often freshclam runs: ClamAV publishes the daily database a few times a day. */
export const DEFINITIONS_UPDATE_SCHEDULE = 'rate(4 hours)';

/**
 * Malware scanning with ClamAV instead of GuardDuty (`-c malwareScanner=clamav`), in a nested
 * stack of its own. The intake bucket's "Object Created" events (EventBridge, the bus the bucket
 * already sends to) wait in an SQS queue for SCAN_BATCHING_WINDOW; the scanner function
 * (functions/events/malware-scan.ts, a container image with ClamAV) scans each batch in one
 * ClamAV run and writes GuardDuty's tag. The signature databases live in a bucket of their own,
 * brought up to date by the updater (functions/events/definitions-update.ts, same image) every
 * four hours and copied to each scanner container when it starts: no VPC, no EFS (README,
 * "Malware scanning", has the arithmetic). Alarms: definitions older than
 * DEFINITIONS_MAX_AGE_DAYS (or no update at all), an upload its scans never settled, a backlog,
 * and either function failing.
 */
export class ClamavScanner extends Construct implements MalwareScanner {
  readonly role: iam.Role;
  readonly scanner: lambda.DockerImageFunction;
  readonly updater: lambda.DockerImageFunction;
  readonly updaterRole: iam.Role;
  readonly queue: sqs.Queue;
  readonly deadLetters: sqs.Queue;
  readonly definitions: s3.Bucket;
  readonly rule: events.Rule;
  readonly alarms: cloudwatch.Alarm[] = [];
  private readonly intake: s3.IBucket;

  constructor(scope: Construct, id: string, props: ClamavScannerProps) {
    super(scope, id);
    const { intake, key } = props;
    this.intake = intake;
    const uploads = intake.arnForObjects(`${INTAKE_PREFIX}*`);

    this.definitions = new s3.Bucket(this, 'Definitions', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'clamav-definitions/',
      // A bad update can be rolled back to yesterday's databases for a week.
      lifecycleRules: [{ id: 'ExpireOldDefinitions', noncurrentVersionExpiration: Duration.days(7) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.definitions).acknowledge(
      guardRule(
        's3_bucket_object_lock_enabled_check',
        "ClamAV's public signature databases, replaced every few hours and versioned for a week: nothing of record is kept here.",
      ),
      guardRule(
        's3_bucket_logging_enabled_check',
        "Logs its access to the stack's access-log bucket, which the parent stack passes in as a parameter; Guard's rule accepts only a bucket in the same template.",
      ),
      guardRule(
        's3_event_notifications_enabled_check',
        'Scanner containers read the databases when they start and hourly after; nothing acts on an object arriving.',
      ),
    );

    const code = (cmd: string) =>
      lambda.DockerImageCode.fromImageAsset(PROJECT_ROOT, {
        file: CLAMAV_DOCKERFILE,
        platform: Platform.LINUX_ARM64,
        cmd: [cmd],
        // Only what the image build reads is copied into the assembly and sent to Docker.
        ignoreMode: IgnoreMode.DOCKER,
        exclude: ['*', ...IMAGE_CONTEXT.map((p) => `!${p}`)],
      });
    const environment = {
      [ENV.clamavDefinitionsBucket]: this.definitions.bucketName,
      [ENV.clamavDefinitionsDir]: CLAMAV_DATABASE_DIR,
      [ENV.malwareTag]: MALWARE_SCAN_TAG,
    };

    // Scanner: reads intake uploads and their tags, writes the tag; reads the databases.
    this.role = this.functionRole('Scanner', 'Dangan ClamAV scanner: reads and tags intake uploads');
    this.scanner = new lambda.DockerImageFunction(this, 'Scanner', {
      description: 'Scans intake uploads with ClamAV and tags each GuardDutyMalwareScanStatus',
      code: code('malware-scan.handler'),
      architecture: lambda.Architecture.ARM_64,
      memorySize: SCANNER_MEMORY_MB,
      // The databases (about 400 MB) and at most 1 GB of uploads scanned together.
      ephemeralStorageSize: SCAN_DISK,
      timeout: SCAN_TIMEOUT,
      role: this.role,
      logGroup: this.logGroup('ScannerLogs', this.role, props),
      environment: {
        ...environment,
        [ENV.clamavScanCommand]: `${IMAGE_BIN}/scan`,
        [ENV.clamavStartCommand]: `${IMAGE_BIN}/start`,
      },
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadAndTagUploads',
        actions: [
          's3:GetObject',
          's3:GetObjectVersion',
          's3:GetObjectTagging',
          's3:GetObjectVersionTagging',
          's3:PutObjectTagging',
          's3:PutObjectVersionTagging',
        ],
        resources: [uploads],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadDefinitions',
        actions: ['s3:ListBucket', 's3:GetObject'],
        resources: [this.definitions.bucketArn, this.definitions.arnForObjects('*')],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DecryptUploadsAndDefinitions',
        actions: ['kms:Decrypt'],
        resources: [key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );
    Validations.of(this.role).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::${parentArn(intake)}/${INTAKE_PREFIX}*]`,
        reason:
          'The scanner reads and tags every new upload under the intake prefix, as GuardDuty would; upload keys are generated per submission and document.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::${nagResource(this, this.definitions.arnForObjects('*'))}]`,
        reason:
          "The definitions bucket holds only ClamAV's databases, named by ClamAV (main, daily, bytecode).",
      },
    );

    this.deadLetters = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetters).acknowledge(
      {
        id: 'AwsSolutions-SQS3',
        reason: 'This is the dead-letter queue of the scan queue; an alarm fires on its first message.',
      },
      guardRule(
        'sqs_dlq_check',
        'This is the dead-letter queue of the scan queue; an alarm fires on its first message.',
      ),
    );
    this.queue = new sqs.Queue(this, 'Uploads', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Six times the function's timeout, as Lambda advises for a queue it polls.
      visibilityTimeout: Duration.seconds(SCAN_TIMEOUT.toSeconds() * 6),
      // An attempt more than the handler makes: the last one only tags FAILED.
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: SCAN_ATTEMPTS + 1 },
    });
    this.rule = new events.Rule(this, 'UploadToScan', {
      description: 'An upload to scan arrived in the intake bucket',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [intake.bucketName] }, object: { key: [{ prefix: INTAKE_PREFIX }] } },
      },
      targets: [new targets.SqsQueue(this.queue, { retryAttempts: 10, maxEventAge: Duration.hours(2) })],
    });
    this.scanner.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: SCAN_BATCH_SIZE,
        maxBatchingWindow: SCAN_BATCHING_WINDOW,
        maxConcurrency: SCAN_MAX_CONCURRENCY,
        reportBatchItemFailures: true,
      }),
    );

    // Updater: freshclam into the definitions bucket, on a schedule.
    this.updaterRole = this.functionRole(
      'Updater',
      'Dangan ClamAV updater: keeps the signature databases fresh',
    );
    this.updater = new lambda.DockerImageFunction(this, 'Updater', {
      description: 'Brings the ClamAV signature databases up to date with freshclam',
      code: code('definitions-update.handler'),
      architecture: lambda.Architecture.ARM_64,
      memorySize: 1024,
      ephemeralStorageSize: SCAN_DISK,
      timeout: Duration.minutes(15),
      role: this.updaterRole,
      logGroup: this.logGroup('UpdaterLogs', this.updaterRole, props),
      environment: { ...environment, [ENV.clamavUpdateCommand]: `${IMAGE_BIN}/update` },
    });
    this.updaterRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'KeepDefinitions',
        actions: ['s3:ListBucket', 's3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        resources: [this.definitions.bucketArn, this.definitions.arnForObjects('*')],
      }),
    );
    this.updaterRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EncryptDefinitions',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );
    Validations.of(this.updaterRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagResource(this, this.definitions.arnForObjects('*'))}]`,
      reason:
        "The definitions bucket holds only ClamAV's databases, named by ClamAV (main, daily, bytecode).",
    });
    new events.Rule(this, 'UpdateDefinitions', {
      description: 'Bring the ClamAV databases up to date',
      schedule: events.Schedule.expression(DEFINITIONS_UPDATE_SCHEDULE),
      targets: [new targets.LambdaFunction(this.updater, { retryAttempts: 2 })],
    });

    for (const fn of [this.scanner, this.updater]) Validations.of(fn).acknowledge(NO_VPC);

    reserveScanTag(intake, this.role, 'OnlyTheScannerTagsUploads');
  }

  onlyTheseReadUploads(readers: readonly iam.IRole[]): void {
    denyUploadReadsExcept(this.intake, [this.role, ...readers]);
  }

  /** The scanner's alarms, to the stack's alarm topic. */
  alarmTo(topic: sns.ITopic, namePrefix: string): void {
    const alarm = (
      alarmId: string,
      metric: cloudwatch.IMetric,
      threshold: number,
      description: string,
      missing = cloudwatch.TreatMissingData.NOT_BREACHING,
    ) => {
      const a = new cloudwatch.Alarm(this, alarmId, {
        alarmName: `${namePrefix}${alarmId}`,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: missing,
        alarmDescription: description,
      });
      a.addAlarmAction(new actions.SnsAction(topic));
      this.alarms.push(a);
    };
    const period = Duration.minutes(5);
    alarm(
      'ClamavDefinitionsStale',
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: DEFINITIONS_AGE_METRIC,
        statistic: 'Minimum',
        period: Duration.days(1),
      }),
      DEFINITIONS_MAX_AGE_DAYS * 24,
      `ClamAV's signature databases are older than ${DEFINITIONS_MAX_AGE_DAYS} days, or no update reported in a day: uploads are scanned against old signatures`,
      cloudwatch.TreatMissingData.BREACHING,
    );
    alarm(
      'ClamavUnscannedUploads',
      this.deadLetters.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      1,
      'An upload was neither scanned nor tagged FAILED; its submission waits for a verdict (the message is in the dead-letter queue)',
    );
    alarm(
      'ClamavScanBacklog',
      this.queue.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum' }),
      3600,
      'Uploads have waited more than an hour to be scanned',
    );
    alarm(
      'ClamavScannerErrors',
      this.scanner.metricErrors({ period, statistic: 'Sum' }),
      1,
      'the ClamAV scanner failed',
    );
    alarm(
      'ClamavUpdaterErrors',
      this.updater.metricErrors({ period, statistic: 'Sum' }),
      1,
      'the ClamAV update failed',
    );
  }

  /** A function's own role, whose logs go to its own group only (granted by `logGroup`). */
  private functionRole(id: string, description: string): iam.Role {
    return new iam.Role(this, `${id}Role`, {
      description,
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
  }

  private logGroup(id: string, role: iam.IRole, props: ClamavScannerProps): logs.LogGroup {
    const group = new logs.LogGroup(this, id, { retention: props.logRetention, encryptionKey: props.key });
    group.grantWrite(role);
    Validations.of(group).acknowledge(
      guardRule(
        'cloudwatch_log_group_encrypted_check',
        "Encrypted with the stack's key, which the parent stack passes in as a parameter; Guard's rule accepts only a literal or a key in the same template.",
      ),
    );
    return group;
  }
}

/**
 * How cdk-nag writes the ARN of a parent stack's bucket inside this nested stack: the parameter
 * CDK passes it through (`referenceto<unique id of the bucket's resource>Arn`).
 */
function parentArn(bucket: s3.IBucket): string {
  return `<referenceto${Names.uniqueId(bucket.node.defaultChild as IConstruct)}Arn>`;
}

/** Disk for the databases (about 400 MB, twice while a new copy is written) and a scan group. */
const SCAN_DISK = Size.gibibytes(3);
