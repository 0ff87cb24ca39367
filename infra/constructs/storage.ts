import { Duration, type IResolveContext, Lazy, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { type KeyDef, TABLES, type TableDef } from '../../functions/adapters/tables.ts';
import { HANDOVER_KEEP_DAYS, HANDOVER_PREFIX } from '../../functions/core/handovers.ts';
import { INTAKE_PREFIX } from '../../functions/core/intake-bucket.ts';
import { ARCHIVE_TRANSITION_DAYS, INTAKE_EXPIRY_DAYS } from '../shared.ts';
import { guardRule } from './nag.ts';

export interface StorageProps {
  /** Origins of the console, allowed to PUT uploads and GET originals from the browser. */
  consoleOrigins: readonly string[];
  /** The records table's class (`-c recordsTableClass=...`); `infrequent-access` when not given. */
  recordsTableClass?: RecordsTableClassChoice;
}

/**
 * The records table's classes a deployment may choose; the first is the default. Standard-IA
 * stores for 60% less and charges 25% more a request unit: over a record's years of keeping it
 * costs less (its write premium is repaid within about four years; records are kept ten and
 * more), at intake more (README, "Storage, all in", has the arithmetic).
 */
export const RECORDS_TABLE_CLASSES = ['infrequent-access', 'standard'] as const;
export type RecordsTableClassChoice = (typeof RECORDS_TABLE_CLASSES)[number];

/** The DynamoDB class of the records table a choice gives (the default when none is made). */
export const recordsTableClass = (
  choice: RecordsTableClassChoice = RECORDS_TABLE_CLASSES[0],
): 'STANDARD' | 'STANDARD_INFREQUENT_ACCESS' =>
  choice === 'infrequent-access' ? 'STANDARD_INFREQUENT_ACCESS' : 'STANDARD';

export type TableId = TableDef['id'];

/**
 * Where Dangan keeps its data: one customer-managed KMS key, the tables defined in
 * functions/adapters/tables.ts, the intake bucket (scans as uploaded), the archive bucket
 * (originals under Object Lock) and the bucket their access logs go to. Data is retained when
 * the stack is deleted.
 */
export class Storage extends Construct {
  readonly key: kms.Key;
  readonly tables: Record<TableId, dynamodb.Table>;
  readonly accessLogs: s3.Bucket;
  readonly intake: s3.Bucket;
  readonly archive: s3.Bucket;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);

    this.key = new kms.Key(this, 'Key', {
      description: 'Dangan: customer records, audit trail, scans and originals',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Grants on the key only for AWS services acting for AWS resources (DynamoDB, S3): nobody
    // can hand the key's use to someone else by a grant (Control Tower CT.KMS.PR.3).
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'GrantsOnlyForAwsResources',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: {
          BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
        },
      }),
    );

    const tables: Partial<Record<TableId, dynamodb.Table>> = {};
    for (const def of TABLES) {
      const infrequent =
        def.id === 'Records' && recordsTableClass(props.recordsTableClass) === 'STANDARD_INFREQUENT_ACCESS';
      tables[def.id] = this.table(infrequent ? { ...def, tableClass: 'STANDARD_INFREQUENT_ACCESS' } : def);
    }
    this.tables = tables as Record<TableId, dynamodb.Table>;

    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      lifecycleRules: [{ id: 'ExpireAccessLogs', expiration: Duration.days(400) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.accessLogs).acknowledge(
      guardRule(
        's3_bucket_logging_enabled_check',
        'This is the access-log bucket: logging it into itself would loop.',
      ),
      guardRule(
        's3_bucket_versioning_enabled_check',
        'S3 writes each access-log object once and never replaces it; versions would only double the objects.',
      ),
      guardRule(
        's3_bucket_object_lock_enabled_check',
        'Access logs expire after 400 days by lifecycle; the audit trail, not these logs, is the locked record of who did what.',
      ),
      guardRule(
        's3_event_notifications_enabled_check',
        'Nothing acts on access-log objects arriving; they are read when investigating.',
      ),
    );
    const cors = (methods: s3.HttpMethods[], headers: string[]): s3.CorsRule[] => [
      {
        allowedOrigins: [...props.consoleOrigins],
        allowedMethods: methods,
        allowedHeaders: headers,
        exposedHeaders: ['ETag'],
        maxAge: 3600,
      },
    ];

    this.intake = new s3.Bucket(this, 'Intake', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      // One data key per bucket instead of one KMS call per object.
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'intake-bucket/',
      // The console PUTs scans straight to presigned URLs; the signed headers must be allowed.
      cors: cors(
        [s3.HttpMethods.PUT, s3.HttpMethods.GET, s3.HttpMethods.HEAD],
        ['content-type', 'x-amz-checksum-sha256', 'x-amz-meta-upload-id'],
      ),
      // Versioned: an upload is recorded by its version, and the checks, preview, review and
      // archive copy all read that version, so a later PUT to the key never becomes the record.
      versioned: true,
      lifecycleRules: [
        {
          id: 'ExpireUnarchivedUploads',
          prefix: INTAKE_PREFIX,
          expiration: Duration.days(INTAKE_EXPIRY_DAYS),
          noncurrentVersionExpiration: Duration.days(INTAKE_EXPIRY_DAYS),
        },
        { id: 'RemoveExpiredDeleteMarkers', prefix: INTAKE_PREFIX, expiredObjectDeleteMarker: true },
        { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // S3 sends its events to EventBridge (set on the bucket itself rather than through the
    // notifications custom resource; GuardDuty Malware Protection reads the same events).
    const cfnIntake = this.intake.node.defaultChild as s3.CfnBucket;
    cfnIntake.notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
    Validations.of(this.intake).acknowledge(
      guardRule(
        's3_bucket_object_lock_enabled_check',
        'Scans leave the intake bucket once archived or after 30 days; the archive bucket, under Object Lock, keeps the record.',
      ),
    );

    this.archive = new s3.Bucket(this, 'Archive', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      // Object Lock without a default retention: the archive step sets COMPLIANCE retention on
      // each original from its own retention period (a century ahead for permanent records).
      objectLockEnabled: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'archive-bucket/',
      // The console may fetch an original from a presigned GET (e.g. to render a PDF).
      cors: cors([s3.HttpMethods.GET, s3.HttpMethods.HEAD], ['range']),
      lifecycleRules: [
        {
          id: 'OriginalsToGlacierInstantRetrieval',
          // Instant Retrieval keeps presigned GETs working (Deep Archive would need a restore).
          transitions: [
            {
              storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
              transitionAfter: Duration.days(ARCHIVE_TRANSITION_DAYS),
            },
          ],
          noncurrentVersionTransitions: [
            {
              storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
              transitionAfter: Duration.days(30),
            },
          ],
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        {
          // Handover packages are copies for download, not records: gone after a few days
          // (core/handovers.ts says why), their versions with them.
          id: 'ExpireHandoverPackages',
          prefix: HANDOVER_PREFIX,
          expiration: Duration.days(HANDOVER_KEEP_DAYS),
          noncurrentVersionExpiration: Duration.days(1),
        },
        { id: 'RemoveExpiredPackageMarkers', prefix: HANDOVER_PREFIX, expiredObjectDeleteMarker: true },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Its events go to EventBridge's default bus too (no charge without a rule): a hook for
    // whoever must be told of a change to an original, beside the audit trail.
    (this.archive.node.defaultChild as s3.CfnBucket).notificationConfiguration = {
      eventBridgeConfiguration: { eventBridgeEnabled: true },
    };
  }

  /**
   * Invokes `fn` for every object created under the intake prefix (an upload arriving). Events
   * that fail are retried by EventBridge for up to two hours.
   */
  onUpload(fn: lambda.IFunction): events.Rule {
    return new events.Rule(this, 'UploadReceived', {
      description: 'A scan arrived in the intake bucket',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [this.intake.bucketName] },
          object: { key: [{ prefix: INTAKE_PREFIX }] },
        },
      },
      targets: [new targets.LambdaFunction(fn, { retryAttempts: 10, maxEventAge: Duration.hours(2) })],
    });
  }

  /** Lets CloudWatch alarms publish to a topic encrypted with the key. */
  /**
   * CloudWatch Logs may encrypt this account's log groups with the key (every log group of the
   * stack is: logs name people and records). Bound to log groups of this account and region by
   * the encryption context CloudWatch Logs sends.
   */
  allowLogEncryption(): void {
    const { account, region, partition } = Stack.of(this);
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchLogsEncryptLogGroups',
        principals: [new iam.ServicePrincipal(`logs.${region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${partition}:logs:${region}:${account}:log-group:*`,
          },
        },
      }),
    );
  }

  /**
   * Every AWS service the key policy names acts for this account only. CDK adds the statement
   * that lets S3 server access logging write to the KMS-encrypted log bucket without one; this
   * adds `aws:SourceAccount` to it (and to any other service statement lacking a condition), so
   * another account's bucket cannot have S3 log into ours with our key.
   */
  bindServicesToAccount(): void {
    const cfnKey = this.key.node.defaultChild as kms.CfnKey;
    const policy: unknown = cfnKey.keyPolicy;
    const account = Stack.of(this).account;
    cfnKey.keyPolicy = Lazy.uncachedAny({
      produce: (context: IResolveContext) => {
        const doc = context.resolve(policy) as { Statement: Record<string, unknown>[] };
        for (const statement of doc.Statement) {
          const service = (statement.Principal as { Service?: unknown } | undefined)?.Service;
          if (service !== undefined && statement.Effect === 'Allow' && statement.Condition === undefined) {
            statement.Condition = { StringEquals: { 'aws:SourceAccount': context.resolve(account) } };
          }
        }
        return doc;
      },
    });
  }

  allowAlarmPublishing(): void {
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsToEncryptedTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
  }

  private table(def: TableDef): dynamodb.Table {
    const attr = (k: KeyDef): dynamodb.Attribute => ({
      name: k.name,
      type: k.type === 'N' ? dynamodb.AttributeType.NUMBER : dynamodb.AttributeType.STRING,
    });
    const table = new dynamodb.Table(this, `${def.id}Table`, {
      partitionKey: attr(def.partitionKey),
      sortKey: attr(def.sortKey),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: def.backup !== 'locked-copies' },
      deletionProtection: true,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      ...(def.timeToLiveAttribute ? { timeToLiveAttribute: def.timeToLiveAttribute } : {}),
      ...(def.stream ? { stream: dynamodb.StreamViewType[def.stream] } : {}),
      ...(def.tableClass ? { tableClass: dynamodb.TableClass[def.tableClass] } : {}),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    if (def.backup === 'locked-copies') {
      const reason =
        'Its items never change and each is copied, from the table stream, into the archive bucket under COMPLIANCE Object Lock for 30 years: a backup nobody can alter, restored with npm run restore-audit. PITR would keep 35 days at twice the storage bill.';
      Validations.of(table).acknowledge(
        { id: 'AwsSolutions-DDB3', reason },
        guardRule('dynamodb_table_pitr_enabled_check', reason),
      );
    }
    for (const index of def.indexes) {
      table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: attr(index.partitionKey),
        sortKey: attr(index.sortKey),
        projectionType: dynamodb.ProjectionType[index.projection],
        ...(index.nonKeyAttributes ? { nonKeyAttributes: [...index.nonKeyAttributes] } : {}),
      });
    }
    return table;
  }
}
