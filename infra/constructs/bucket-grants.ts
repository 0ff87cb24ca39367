import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { FunctionAccess } from '../../functions/catalog/functions.ts';
import { AUDIT_COPY_PREFIX } from '../../functions/core/audit-trail.ts';
import { DESTRUCTION_LIST_PREFIX } from '../../functions/core/destruction-list.ts';
import { HISTORY_PREFIX } from '../../functions/core/document-history.ts';
import { archiveObjectKey } from '../../functions/core/documents.ts';
import { HANDOVER_PREFIX } from '../../functions/core/handovers.ts';
import { INTAKE_PREFIX, MALWARE_SCAN_TAG } from '../../functions/core/intake-bucket.ts';
import { CLEAN_SCAN } from '../../functions/core/intake-checks.ts';
import { nagResource } from './nag.ts';
import type { Storage } from './storage.ts';

/**
 * A function's grants on the two buckets, from its catalog access (functions/catalog/functions.ts):
 * each prefix (uploads, originals, audit copies, handover packages, document versions,
 * destruction lists) with exactly the actions its kind of access needs. The bucket key's grants
 * are collected through `readKey`/`writeKey` and given once by the caller.
 */
export function grantBuckets(args: {
  scope: Construct;
  role: iam.Role;
  access: FunctionAccess;
  storage: Storage;
  allow: (sid: string, actions: string[], resources: string[]) => void;
  /** The bucket key's actions the grants need, given once by the caller; `readKey`/`writeKey` add sets. */
  kmsActions: Set<string>;
  readKey: () => void;
  writeKey: () => void;
}): void {
  const { scope, role, access, storage, allow, kmsActions, readKey, writeKey } = args;
  const uploads = storage.intake.arnForObjects(`${INTAKE_PREFIX}*`);
  const originals = storage.archive.arnForObjects(archiveObjectKey('*'));
  const auditCopies = storage.archive.arnForObjects(`${AUDIT_COPY_PREFIX}*`);
  /** Listing the archive bucket under one prefix, and nothing else of it. */
  const listArchiveUnder = (sid: string, prefix: string) =>
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid,
        actions: ['s3:ListBucket'],
        resources: [storage.archive.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
      }),
    );
  const acknowledged = new Set<string>();
  const acknowledge = (resource: string, reason: string) => {
    const id = `AwsSolutions-IAM5[Resource::${nagResource(scope, resource)}]`;
    if (acknowledged.has(id)) return;
    acknowledged.add(id);
    Validations.of(role).acknowledge({ id, reason });
  };

  // Intake bucket.
  if (access.intake === 'presign' || access.intake === 'readwrite') {
    // A presigned PUT is made with this role's credentials: the role must be able to put.
    allow('IntakeUpload', ['s3:PutObject'], [uploads]);
    kmsActions.add('kms:GenerateDataKey');
    acknowledge(
      uploads,
      'Upload keys are intake/<submissionId>/<documentId>, minted per document at runtime.',
    );
  }
  if (access.intake === 'read' || access.intake === 'readwrite') {
    // GetObject also covers HeadObject; the tagging read gets the malware scan status. The
    // Version actions read the one version an upload recorded (the intake bucket is versioned).
    allow(
      'IntakeRead',
      ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging', 's3:GetObjectVersionTagging'],
      [uploads],
    );
    // With ListBucket a missing upload answers 404 instead of 403.
    allow('IntakeList', ['s3:ListBucket'], [storage.intake.bucketArn]);
    readKey();
    acknowledge(
      uploads,
      'Uploads are read by key intake/<submissionId>/<documentId>, known only at runtime.',
    );
  }
  if (access.intake === 'preview') {
    // The scan tag is read first; the object itself only while GuardDuty's tag says it is
    // clean. A presigned GET is authorised with this role when the browser fetches it, so a
    // preview URL stops working the moment its key holds an object not (yet) found clean,
    // such as a replacement the clerk uploads while the URL is live.
    allow('IntakeScanTags', ['s3:GetObjectTagging', 's3:GetObjectVersionTagging'], [uploads]);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'IntakePreviewClean',
        // The preview URL names the version its upload recorded; the condition is on its tags.
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [uploads],
        conditions: {
          StringEquals: { [`s3:ExistingObjectTag/${MALWARE_SCAN_TAG}`]: CLEAN_SCAN },
        },
      }),
    );
    allow('IntakeList', ['s3:ListBucket'], [storage.intake.bucketArn]);
    readKey();
    acknowledge(
      uploads,
      'Scans are previewed by key intake/<submissionId>/<documentId>, known only at runtime.',
    );
  }
  if (access.intake === 'readwrite') {
    // Tagging an upload (the bucket policy reserves the malware scan tag to GuardDuty).
    allow('IntakeTag', ['s3:PutObjectTagging'], [uploads]);
  }

  // Archive bucket.
  if (access.archive === 'presign' || access.archive === 'readwrite' || access.archive === 'read') {
    // A presigned GET of one version of an original is made with this role's credentials; a
    // handover package reads the locked version itself.
    allow('ArchiveContent', ['s3:GetObject', 's3:GetObjectVersion'], [originals]);
    readKey();
    acknowledge(originals, 'Originals are stored under archive codes assigned at runtime.');
  }
  if (access.archive === 'write' || access.archive === 'readwrite') {
    // Copies land under Object Lock: COMPLIANCE retention per original (permanent ones too, far
    // ahead), set once the copy's checksum is verified; never a legal hold, which only the holds
    // functions may set or lift. A copy that fails the check is deleted before any lock
    // (DeleteObjectVersion; S3 refuses it on a locked version, so no original can be removed).
    allow('ArchiveWrite', ['s3:PutObject', 's3:PutObjectRetention', 's3:DeleteObjectVersion'], [originals]);
    // HeadObject lets a retried archive step find the copy it already made (a missing one
    // answers 404 with ListBucket rather than 403).
    allow('ArchiveFind', ['s3:GetObject'], [originals]);
    allow('ArchiveList', ['s3:ListBucket'], [storage.archive.bucketArn]);
    writeKey();
    acknowledge(originals, 'Originals are stored under archive codes assigned at runtime.');
  }

  if (access.archive === 'audit-copy') {
    // Appends locked copies of the audit trail; reads nothing, deletes nothing.
    allow('AuditCopy', ['s3:PutObject', 's3:PutObjectRetention'], [auditCopies]);
    writeKey();
    acknowledge(
      auditCopies,
      'Audit copies are keyed by day and stream sequence numbers, known only at runtime.',
    );
  }

  if (access.archive === 'audit-read') {
    // Reads a day of the locked copies; lists under `audit/` only, changes nothing.
    allow('AuditCopyRead', ['s3:GetObject'], [auditCopies]);
    listArchiveUnder('AuditCopyList', AUDIT_COPY_PREFIX);
    readKey();
    acknowledge(auditCopies, 'Audit copies are read by day, a day named in the query at runtime.');
  }

  // Handover packages: their own prefix, never the originals.
  const packages = storage.archive.arnForObjects(`${HANDOVER_PREFIX}*`);
  if (access.handovers === 'write') {
    // A multipart upload: PutObject covers its create, parts and completion; Abort drops the
    // parts of a package that failed. Nothing here is locked, and nothing else is deleted.
    allow('HandoverPackagesWrite', ['s3:PutObject', 's3:AbortMultipartUpload'], [packages]);
    writeKey();
    acknowledge(packages, 'Handover packages are keyed handovers/<handoverId>/<bag>.zip, named at runtime.');
  }
  if (access.handovers === 'presign') {
    // The download link of a package is made with this role's credentials.
    allow('HandoverPackagesRead', ['s3:GetObject'], [packages]);
    readKey();
    acknowledge(packages, 'Handover packages are keyed handovers/<handoverId>/<bag>.zip, named at runtime.');
  }

  // Document versions: their own prefix, written once each, never replaced or deleted.
  const history = storage.archive.arnForObjects(`${HISTORY_PREFIX}*`);
  if (access.history === 'write') {
    // Put with If-None-Match: * (a redelivered change finds its version there); no grant to
    // delete, and PutObject alone cannot replace an object the condition found.
    allow('HistoryAppend', ['s3:PutObject'], [history]);
    writeKey();
    acknowledge(history, 'Versions are keyed history/<documentId>/<time>-<sequence>.json, named at runtime.');
  }
  if (access.history === 'read') {
    allow('HistoryRead', ['s3:GetObject'], [history]);
    // Listing a document's versions, and nothing else of the bucket.
    listArchiveUnder('HistoryList', HISTORY_PREFIX);
    readKey();
    acknowledge(history, 'Versions are keyed history/<documentId>/<time>-<sequence>.json, named at runtime.');
  }

  // Retention sweeps and disposal: each kind the catalog names, and nothing more.
  const disposal = new Set(access.disposal ?? []);
  const lists = storage.archive.arnForObjects(`${DESTRUCTION_LIST_PREFIX}*`);
  if (disposal.has('hold')) {
    // The only grant of PutObjectLegalHold: placing and releasing holds. Permanent records are
    // kept by COMPLIANCE retention, which no grant can lift.
    allow('OriginalsLegalHold', ['s3:PutObjectLegalHold'], [originals]);
    writeKey();
    acknowledge(originals, 'Originals are keyed by document id, known only at runtime.');
  }
  if (disposal.has('extend')) {
    // COMPLIANCE retention can only ever be extended, never shortened or removed.
    allow('OriginalsExtendLock', ['s3:PutObjectRetention'], [originals]);
    writeKey();
    acknowledge(originals, 'Originals are keyed by document id, known only at runtime.');
  }
  if (disposal.has('verify')) {
    // Fixity: a rotating sample of originals is listed in key order and read back.
    allow('OriginalsRead', ['s3:GetObject', 's3:GetObjectVersion'], [originals]);
    allow('OriginalsList', ['s3:ListBucket'], [storage.archive.bucketArn]);
    readKey();
    acknowledge(originals, 'Originals are keyed by document id, known only at runtime.');
  }
  if (disposal.has('destroy')) {
    // Deleting versions is refused by S3 while Object Lock retention or a legal hold holds them;
    // BypassGovernanceRetention is never granted (originals use COMPLIANCE mode anyway).
    allow(
      'OriginalsDestroy',
      [
        's3:DeleteObjectVersion',
        's3:GetObject',
        's3:GetObjectVersion',
        's3:GetObjectRetention',
        's3:GetObjectLegalHold',
      ],
      [originals],
    );
    allow('OriginalsVersions', ['s3:ListBucketVersions', 's3:ListBucket'], [storage.archive.bucketArn]);
    // Every version of the scan in the (versioned) intake bucket goes with the original.
    allow('IntakeRemove', ['s3:DeleteObject', 's3:DeleteObjectVersion'], [uploads]);
    allow('IntakeVersions', ['s3:ListBucketVersions'], [storage.intake.bucketArn]);
    writeKey();
    acknowledge(originals, 'Originals are keyed by document id, known only at runtime.');
    acknowledge(uploads, 'Uploads are keyed intake/<submissionId>/<documentId>, known only at runtime.');
  }
  if (disposal.has('write-lists')) {
    // Written under COMPLIANCE retention (the PutObject's lock headers need PutObjectRetention).
    allow('DestructionListsWrite', ['s3:PutObject', 's3:PutObjectRetention', 's3:GetObject'], [lists]);
    allow('DestructionListsFind', ['s3:ListBucket'], [storage.archive.bucketArn]);
    writeKey();
    acknowledge(lists, 'Destruction lists are keyed by batch id, known only at runtime.');
  }
  if (disposal.has('extend-lists')) {
    // COMPLIANCE retention can only ever be extended, never shortened or removed.
    allow('DestructionListsExtendLock', ['s3:PutObjectRetention'], [lists]);
    writeKey();
    acknowledge(lists, 'Destruction lists are keyed by batch id, known only at runtime.');
  }
  if (disposal.has('read-lists')) {
    allow('DestructionListsRead', ['s3:GetObject', 's3:GetObjectVersion'], [lists]);
    readKey();
    acknowledge(lists, 'Destruction lists are keyed by batch id, known only at runtime.');
  }
}
