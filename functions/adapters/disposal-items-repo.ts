import type { DestructionListRef, DisposableDocument, Extension, ItemStatus } from '../core/disposal.ts';
import { renewalDay } from '../core/permanence.ts';
import { type AuditInput, auditPut } from './audit.ts';
import { moveBatch } from './disposal-batches-repo.ts';
import { entries, keys } from './dynamo/keys.ts';
import { type TransactWriteItem, transactUnlessLost, updateUnlessLost } from './dynamo/transactions.ts';
import { tableName } from './env.ts';

/**
 * The documents of a disposal batch (records table, layout in tables.ts): each item is extended,
 * pulled, destroyed or failed together with its document, in one transaction with the audit event.
 */

const itemUpdate = (
  batchId: string,
  documentId: string,
  to: ItemStatus,
  fields: Record<string, unknown>,
): TransactWriteItem => {
  const names: Record<string, string> = { '#status': 'status' };
  const values: Record<string, unknown> = { ':proposed': 'PROPOSED', ':to': to };
  const sets = ['#status = :to'];
  Object.entries(fields).forEach(([k, v], i) => {
    names[`#f${i}`] = k;
    values[`:f${i}`] = v;
    sets.push(`#f${i} = :f${i}`);
  });
  return {
    Update: {
      TableName: tableName(),
      Key: keys.disposalItem(batchId, documentId),
      ConditionExpression: '#status = :proposed',
      UpdateExpression: `SET ${sets.join(', ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
};

/**
 * An appraisal kept an item: the item becomes EXTENDED, the document leaves the batch with its
 * new period and due day, and is filed under that day (unless held). False when the item was no
 * longer proposed (nothing written).
 */
export async function extendItem(
  batchId: string,
  doc: DisposableDocument,
  extension: Extension,
  retainUntil: string | undefined,
  at: string,
  audit: AuditInput,
): Promise<boolean> {
  const held = (doc.activeHolds ?? 0) > 0;
  const index = entries.due(extension.dueOn, doc.documentId);
  return transactUnlessLost([
    itemUpdate(batchId, doc.documentId, 'EXTENDED', {
      extension: {
        years: extension.years,
        dueOn: extension.dueOn,
        reason: extension.reason,
        by: extension.by,
        at: extension.at,
      },
    }),
    {
      Update: {
        TableName: tableName(),
        Key: keys.document(doc.documentId),
        ConditionExpression: 'disposalBatchId = :batch AND attribute_not_exists(destroying)',
        UpdateExpression:
          'SET retentionYears = :years, dueOn = :due, extensions = list_append(if_not_exists(extensions, :none), :ext), updatedAt = :at' +
          (retainUntil ? ', retainUntil = :until' : '') +
          (held ? '' : ', gsi3pk = :gpk, gsi3sk = :gsk') +
          ' REMOVE disposalBatchId',
        ExpressionAttributeValues: {
          ':batch': batchId,
          ':years': extension.years,
          ':due': extension.dueOn,
          ':none': [],
          ':ext': [extension],
          ':at': at,
          ...(retainUntil ? { ':until': retainUntil } : {}),
          ...(held ? {} : { ':gpk': index.gsi3pk, ':gsk': index.gsi3sk }),
        },
      },
    },
    auditPut(audit),
  ]);
}

/**
 * Takes an item out of its batch before destruction (held, or out on loan): the item becomes
 * PULLED with the reason; the document leaves the batch and, when `refileDay` is given, goes back
 * into the due-date index on that day (a held document is filed again when its last hold goes).
 */
export async function pullItem(
  batchId: string,
  documentId: string,
  reason: string,
  refileDay: string | undefined,
  at: string,
  audit: AuditInput,
): Promise<boolean> {
  const index = refileDay ? entries.due(refileDay, documentId) : undefined;
  return transactUnlessLost([
    itemUpdate(batchId, documentId, 'PULLED', { reason }),
    {
      Update: {
        TableName: tableName(),
        Key: keys.document(documentId),
        ConditionExpression: 'disposalBatchId = :batch AND attribute_not_exists(destroying)',
        UpdateExpression: `SET updatedAt = :at${index ? ', gsi3pk = :gpk, gsi3sk = :gsk' : ''} REMOVE disposalBatchId`,
        ExpressionAttributeValues: {
          ':batch': batchId,
          ':at': at,
          ...(index ? { ':gpk': index.gsi3pk, ':gsk': index.gsi3sk } : {}),
        },
      },
    },
    auditPut(audit),
  ]);
}

/**
 * Marks a document as being destroyed by its batch, on the condition that it is ARCHIVED, still in
 * the batch and holds nothing; from then on no hold can be placed. Safe to repeat. False when the
 * condition does not hold (nothing written).
 */
export async function beginDestroy(batchId: string, documentId: string, at: string): Promise<boolean> {
  return updateUnlessLost({
    TableName: tableName(),
    Key: keys.document(documentId),
    ConditionExpression:
      '#status = :archived AND disposalBatchId = :batch AND (attribute_not_exists(activeHolds) OR activeHolds = :zero) ' +
      'AND (attribute_not_exists(destroying) OR destroying = :batch)',
    UpdateExpression: 'SET destroying = :batch, updatedAt = :at',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':archived': 'ARCHIVED', ':batch': batchId, ':zero': 0, ':at': at },
  });
}

/**
 * S3 refused to delete the original: the item becomes FAILED with the reason, the document stays
 * ARCHIVED, leaves the batch and is filed under `refileDay` (when its lock will have passed).
 */
export async function failItem(
  batchId: string,
  documentId: string,
  reason: string,
  versionsDeleted: number,
  refileDay: string,
  at: string,
  audit: AuditInput,
): Promise<boolean> {
  const index = entries.due(refileDay, documentId);
  return transactUnlessLost([
    itemUpdate(batchId, documentId, 'FAILED', { reason, versionsDeleted, failedAt: at }),
    {
      Update: {
        TableName: tableName(),
        Key: keys.document(documentId),
        ConditionExpression: '#status = :archived AND disposalBatchId = :batch',
        UpdateExpression:
          'SET updatedAt = :at, gsi3pk = :gpk, gsi3sk = :gsk REMOVE disposalBatchId, destroying',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':archived': 'ARCHIVED',
          ':batch': batchId,
          ':at': at,
          ':gpk': index.gsi3pk,
          ':gsk': index.gsi3sk,
        },
      },
    },
    auditPut(audit),
  ]);
}

/**
 * The content is gone: the document becomes a DISPOSED tombstone (its metadata stays: archive
 * code, title, type, dates, who appraised and approved) and the item DESTROYED, with the audit
 * event, in one transaction. False when the document was not being destroyed by this batch.
 */
export async function writeTombstone(
  batchId: string,
  documentId: string,
  tomb: { disposedAt: string; appraisedBy: string; approvedBy: string; versionsDeleted: number },
  audit: AuditInput,
): Promise<boolean> {
  return transactUnlessLost([
    itemUpdate(batchId, documentId, 'DESTROYED', {
      destroyedAt: tomb.disposedAt,
      versionsDeleted: tomb.versionsDeleted,
    }),
    {
      Update: {
        TableName: tableName(),
        Key: keys.document(documentId),
        ConditionExpression: '#status = :archived AND destroying = :batch',
        UpdateExpression:
          'SET #status = :disposed, disposedAt = :at, disposalAppraisedBy = :appraiser, disposalApprovedBy = :approver, updatedAt = :at ' +
          'REMOVE destroying, gsi3pk, gsi3sk',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':archived': 'ARCHIVED',
          ':disposed': 'DISPOSED',
          ':batch': batchId,
          ':at': tomb.disposedAt,
          ':appraiser': tomb.appraisedBy,
          ':approver': tomb.approvedBy,
        },
      },
    },
    auditPut(audit),
  ]);
}

/** DESTROYING → DONE with the destruction list and the counts, and its audit event. */
export async function closeBatch(
  batchId: string,
  list: DestructionListRef,
  counts: Partial<Record<ItemStatus, number>>,
  at: string,
  audit: AuditInput,
): Promise<boolean> {
  // Lists under COMPLIANCE retention are filed among the permanent locks the sweep extends.
  const lock = list.retainUntil
    ? entries.permanentLock(renewalDay(list.retainUntil), { kind: 'destruction-list', id: batchId })
    : {};
  return moveBatch(batchId, ['DESTROYING'], 'DONE', { list, counts, closedAt: at, ...lock }, at, audit);
}

/**
 * Gives a batch's proposed items back to the due-date index (filed under `day`) when its workflow
 * gave up waiting; each document leaves the batch. Items already settled stay as they are.
 */
export async function releaseItem(
  batchId: string,
  documentId: string,
  day: string,
  reason: string,
  at: string,
  audit: AuditInput,
): Promise<boolean> {
  return pullItem(batchId, documentId, reason, day, at, audit);
}
