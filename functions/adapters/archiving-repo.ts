import { firstDayAfter } from '../core/disposal.ts';
import { renewalDay } from '../core/permanence.ts';
import type { RetentionPlan } from '../core/retention.ts';
import type { Submission } from '../core/submissions.ts';
import { type AuditInput, auditPut } from './audit.ts';
import { entries, keys } from './dynamo/keys.ts';
import { type TransactWriteItem, transactUnlessLost } from './dynamo/transactions.ts';
import { tableName } from './env.ts';

/**
 * The archiving transaction (layout in tables.ts): archive codes, documents, the submission and
 * the audit event change together or not at all.
 */

export interface ArchivedCopy {
  documentId: string;
  archiveCode: string;
  /** The sequence and item number of the code; absent for a code a document already carries. */
  sequenceKey?: string;
  seq?: number;
  archivedAt: string;
  retention: RetentionPlan;
  archiveVersionId: string;
}

/**
 * Archives a submission in one transaction: each archive code item is created (fails if the
 * code exists: codes are never reused), each document UPLOADED → ARCHIVED with its code,
 * retention and archive object's version, the submission IN_REVIEW → ARCHIVED, and the audit
 * event. The archived document drops what only its intake needed: the upload URL's id and the
 * upload's sequencer (an archived document takes no upload; a storage event delivered again is
 * known by its object version, `receivedVersionId`, which stays with what storage saw).
 * Returns false when the state had moved on (nothing written). Documents whose disposal date is
 * already known enter the due-date index (gsi3).
 */
export async function completeArchive(
  submission: Pick<Submission, 'submissionId'>,
  executionArn: string,
  copies: readonly ArchivedCopy[],
  decidedBy: string,
  at: string,
  audit: AuditInput,
): Promise<boolean> {
  const table = tableName();
  const submissionId = submission.submissionId;
  const items: TransactWriteItem[] = [];
  for (const c of copies) {
    if (c.sequenceKey !== undefined && c.seq !== undefined) {
      items.push({
        Put: {
          TableName: table,
          // The guard that makes a code unique, kept as long as the archive: it names its
          // document and nothing else (the code, its sequence and when it was given are on the
          // document, in the same transaction).
          Item: { ...keys.archiveCode(c.archiveCode), documentId: c.documentId },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
    }
    const r = c.retention;
    // The first whole day past the lock: S3 refuses the delete any earlier.
    const due = r.dueDateKnown && r.retainUntil ? firstDayAfter(r.retainUntil) : undefined;
    // Permanent originals are filed by the day their lock is due for extension instead.
    const index = due
      ? entries.due(due, c.documentId)
      : r.retentionCode === 'Y'
        ? entries.permanentLock(renewalDay(r.retainUntil), { kind: 'original', id: c.documentId })
        : undefined;
    items.push({
      Update: {
        TableName: table,
        Key: keys.document(c.documentId),
        ConditionExpression:
          'submissionId = :sid AND #status = :uploaded AND (attribute_not_exists(archiveCode) OR archiveCode = :code)',
        UpdateExpression:
          'SET #status = :archived, archiveCode = :code, archivedAt = :archivedAt, ' +
          'retentionCode = :rc, retentionTrigger = :rt, retainUntil = :until, ' +
          'archiveVersionId = :version, updatedAt = :now' +
          (index ? ', gsi3pk = :gsi3pk, gsi3sk = :gsi3sk' : '') +
          ' REMOVE uploadId, uploadSequencer',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':sid': submissionId,
          ':uploaded': 'UPLOADED',
          ':archived': 'ARCHIVED',
          ':code': c.archiveCode,
          ':archivedAt': c.archivedAt,
          ':rc': r.retentionCode,
          ':rt': r.retentionTrigger,
          ':version': c.archiveVersionId,
          ':now': at,
          ':until': r.retainUntil,
          ...(index ? { ':gsi3pk': index.gsi3pk, ':gsi3sk': index.gsi3sk } : {}),
        },
      },
    });
  }
  return transactUnlessLost([
    {
      Update: {
        TableName: table,
        Key: keys.submission(submissionId),
        ConditionExpression: '#status = :review AND executionArn = :arn',
        UpdateExpression: 'SET #status = :archived, archivedAt = :at, decidedBy = :by, updatedAt = :at',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':review': 'IN_REVIEW',
          ':archived': 'ARCHIVED',
          ':arn': executionArn,
          ':by': decidedBy,
          ':at': at,
        },
      },
    },
    ...items,
    auditPut(audit),
  ]);
}
