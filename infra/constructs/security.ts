import { Stack, Validations } from 'aws-cdk-lib';
import * as guardduty from 'aws-cdk-lib/aws-guardduty';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { INTAKE_PREFIX } from '../../functions/core/intake-bucket.ts';
import { nagResource } from './nag.ts';

/** The scanners a deployment may choose (`-c malwareScanner=...`); the first is the default. */
export const MALWARE_SCANNERS = ['guardduty', 'clamav'] as const;
export type MalwareScannerChoice = (typeof MALWARE_SCANNERS)[number];

/**
 * Whatever scans intake uploads and writes their `GuardDutyMalwareScanStatus` tag: GuardDuty
 * Malware Protection (below) or the deployment's own ClamAV (clamav-scanner.ts). Its role is
 * the only principal that may tag uploads, and one of the few that may read them.
 */
export interface MalwareScanner {
  readonly role: iam.IRole;
  /** Denies reading uploads to every principal but the scanner and `readers`. */
  onlyTheseReadUploads(readers: readonly iam.IRole[]): void;
}

export interface MalwareProtectionProps {
  bucket: s3.Bucket;
  key: kms.IKey;
}

/**
 * GuardDuty Malware Protection for S3 on the intake bucket: every new upload is scanned and
 * tagged `GuardDutyMalwareScanStatus` (NO_THREATS_FOUND, THREATS_FOUND, ...), which the intake
 * security check reads. The role carries the permissions GuardDuty documents for a protected
 * bucket ("Create or update IAM role policy"), scoped to this bucket, its upload prefix and key.
 */
export class MalwareProtection extends Construct implements MalwareScanner {
  readonly plan: guardduty.CfnMalwareProtectionPlan;
  readonly role: iam.Role;
  private readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: MalwareProtectionProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { bucket, key } = props;
    this.bucket = bucket;
    const uploads = bucket.arnForObjects(`${INTAKE_PREFIX}*`);
    const managedRules = stack.formatArn({
      service: 'events',
      resource: 'rule',
      resourceName: 'DO-NOT-DELETE-AmazonGuardDutyMalwareProtectionS3*',
    });

    this.role = new iam.Role(this, 'Role', {
      description: 'GuardDuty Malware Protection for S3 scans and tags uploads in the intake bucket',
      assumedBy: new iam.ServicePrincipal('malware-protection-plan.guardduty.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    });
    const statements = [
      new iam.PolicyStatement({
        sid: 'AllowManagedRuleToSendS3EventsToGuardDuty',
        actions: ['events:PutRule', 'events:DeleteRule', 'events:PutTargets', 'events:RemoveTargets'],
        resources: [managedRules],
        conditions: { StringLike: { 'events:ManagedBy': 'malware-protection-plan.guardduty.amazonaws.com' } },
      }),
      new iam.PolicyStatement({
        sid: 'AllowGuardDutyToMonitorEventBridgeManagedRule',
        actions: ['events:DescribeRule', 'events:ListTargetsByRule'],
        resources: [managedRules],
      }),
      new iam.PolicyStatement({
        sid: 'AllowPostScanTag',
        actions: [
          's3:PutObjectTagging',
          's3:GetObjectTagging',
          's3:PutObjectVersionTagging',
          's3:GetObjectVersionTagging',
        ],
        resources: [uploads],
      }),
      new iam.PolicyStatement({
        sid: 'AllowEnableS3EventBridgeEvents',
        actions: ['s3:PutBucketNotification', 's3:GetBucketNotification'],
        resources: [bucket.bucketArn],
      }),
      new iam.PolicyStatement({
        sid: 'AllowPutValidationObject',
        actions: ['s3:PutObject'],
        resources: [bucket.arnForObjects('malware-protection-resource-validation-object')],
      }),
      new iam.PolicyStatement({
        sid: 'AllowCheckBucketOwnership',
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
      }),
      new iam.PolicyStatement({
        sid: 'AllowMalwareScan',
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [uploads],
      }),
      new iam.PolicyStatement({
        sid: 'AllowDecryptForMalwareScan',
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [key.keyArn],
        conditions: { StringLike: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
      }),
    ];
    for (const statement of statements) this.role.addToPrincipalPolicy(statement);

    Validations.of(this.role).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::${nagResource(this, managedRules)}]`,
        reason:
          'GuardDuty names its managed EventBridge rule per protected bucket with this documented prefix; the rule management actions are further limited by the events:ManagedBy condition.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::${nagResource(this, uploads)}]`,
        reason:
          'GuardDuty reads and tags every new upload under the intake prefix; upload keys are generated per submission and document.',
      },
    );

    reserveScanTag(bucket, this.role, 'OnlyGuardDutyTagsUploads');

    this.plan = new guardduty.CfnMalwareProtectionPlan(this, 'Plan', {
      role: this.role.roleArn,
      protectedResource: { s3Bucket: { bucketName: bucket.bucketName, objectPrefixes: [INTAKE_PREFIX] } },
      // The intake security check requires GuardDutyMalwareScanStatus=NO_THREATS_FOUND.
      actions: { tagging: { status: 'ENABLED' } },
    });
    // GuardDuty validates the role when the plan is created: the policy must exist by then.
    this.plan.node.addDependency(this.role);
  }

  onlyTheseReadUploads(readers: readonly iam.IRole[]): void {
    denyUploadReadsExcept(this.bucket, [this.role, ...readers]);
  }
}

/**
 * The scan verdict is only as good as its tag: nobody but the scanner's role may tag uploads
 * (AWS's advice for tag-based access with Malware Protection). Uploading with tags needs
 * s3:PutObjectTagging too, so a client cannot bring its own verdict either.
 */
export function reserveScanTag(bucket: s3.IBucket, scanner: iam.IRole, sid: string): void {
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid,
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: [
        's3:PutObjectTagging',
        's3:PutObjectVersionTagging',
        's3:DeleteObjectTagging',
        's3:DeleteObjectVersionTagging',
      ],
      resources: [bucket.arnForObjects(`${INTAKE_PREFIX}*`)],
      conditions: { ArnNotEquals: { 'aws:PrincipalArn': scanner.roleArn } },
    }),
  );
}

/**
 * Nobody reads a scan but the malware scanner and the functions that check, preview or archive
 * it (`roles`, the scanner's first): the intake bucket keeps every version of an upload (ID
 * copies included) until its lifecycle expires it, so its objects are denied to every other
 * principal of the account, as the archive bucket's originals are.
 */
export function denyUploadReadsExcept(bucket: s3.IBucket, roles: readonly iam.IRole[]): void {
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'OnlyIntakeFunctionsReadScans',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:GetObject', 's3:GetObjectVersion'],
      resources: [bucket.arnForObjects(`${INTAKE_PREFIX}*`)],
      conditions: { ArnNotEquals: { 'aws:PrincipalArn': roles.map((r) => r.roleArn) } },
    }),
  );
}
