import {
  GetCommand,
  PutCommand,
  QueryCommand,
  type TransactWriteItem,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  type BatchItem,
  type BatchStatus,
  type DestructionListRef,
  type DisposableDocument,
  type DisposalBatch,
  type Extension,
  type Hold,
  type ItemStatus,
  MAX_BATCH_ITEMS,
  nextDay,
} from '../core/disposal.ts';
import type { TaskRecord } from '../core/tasks.ts';
import { type AuditInput, auditPut } from './audit.ts';
import { batchGetItems, tableKeys } from './batch-get.ts';
import { ddb } from './clients.ts';
import { tableName } from './env.ts';
import {
  cancellationReasons,
  isConditionalCheckFailed,
  keys,
  lostCondition,
  taskItem,
  transact,
  transactUnlessLost,
  updateUnlessLost,
} from './records-repo.ts';
import { dueIndexKeys } from './tables.ts';

/**
 * Disposal batches, their items, holds, the sweep's own state and the due-date index of documents,
 * in the records table (layout in tables.ts). The only code that builds DynamoDB commands for
 * them. Every change is conditional on the state it starts from, so a step run twice, or two
 * sweeps at once, cannot claim a document twice or move a batch backwards.
 */

export const disposalKeys = {
  batch: (id: string) => ({ pk: `DISPOSAL#${id}`, sk: 'BATCH' }),
  item: (batchId: string, documentId: string) => ({ pk: `DISPOSAL#${batchId}`, sk: `ITEM#${documentId}` }),
  hold: (documentId: string, holdId: string) => ({ pk: `DOCUMENT#${documentId}`, sk: `HOLD#${holdId}` }),
  sweep: (name: 'retention' | 'fixity') => ({ pk: `SWEEP#${name}`, sk: 'SWEEP' }),
};

const ALL_BATCHES = 'DISPOSALS';
const PROPOSED_BATCHES = 'DISPOSALS#PROPOSED';
const INDEX_ATTRIBUTES = new Set([
  'pk',
  'sk',
  'gsi1pk',
  'gsi1sk',
  'gsi2pk',
  'gsi2sk',
  'gsi3pk',
  'gsi3sk',
  'entity',
]);

function strip<T>(item: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!INDEX_ATTRIBUTES.has(k)) out[k] = v;
  return out as T;
}

export interface IndexKey {
  gsi3pk: string;
  gsi3sk: string;
}

/** A document as found in the due-date index, with the index entry it was found under. */
export interface DueEntry {
  doc: DisposableDocument;
  index: IndexKey;
}

async function queryAll(
  input: ConstructorParameters<typeof QueryCommand>[0],
): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const res = await ddb.send(
      new QueryCommand({ ...input, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
    );
    out.push(...((res.Items ?? []) as Record<string, unknown>[]));
    startKey = res.LastEvaluatedKey;
  } while (startKey);
  return out;
}

// ---- The due-date index ---------------------------------------------------------------------------

/** Documents filed in one due month up to and including `throughDay`. */
export async function queryDue(month: string, throughDay: string): Promise<DueEntry[]> {
  const items = await queryAll({
    TableName: tableName(),
    IndexName: 'gsi3',
    KeyConditionExpression: 'gsi3pk = :pk AND gsi3sk < :next',
    ExpressionAttributeValues: { ':pk': `DUE#${month}`, ':next': nextDay(throughDay) },
  });
  return items.map((item) => ({
    doc: strip<DisposableDocument>(item),
    index: { gsi3pk: String(item.gsi3pk), gsi3sk: String(item.gsi3sk) },
  }));
}

const stillFiled = (index: IndexKey) => ({
  ConditionExpression: 'gsi3pk = :gpk AND gsi3sk = :gsk',
  values: { ':gpk': index.gsi3pk, ':gsk': index.gsi3sk },
});

/** Takes a document out of the due-date index (it is held, or can never be due); false if it moved. */
export async function dropFromDueIndex(documentId: string, index: IndexKey): Promise<boolean> {
  const c = stillFiled(index);
  return updateUnlessLost({
    TableName: tableName(),
    Key: keys.document(documentId),
    ConditionExpression: c.ConditionExpression,
    UpdateExpression: 'REMOVE gsi3pk, gsi3sk',
    ExpressionAttributeValues: c.values,
  });
}

/** Files a document under a later day (it is out on loan until then); false if it moved. */
export async function refileDue(documentId: string, index: IndexKey, day: string): Promise<boolean> {
  const c = stillFiled(index);
  const next = dueIndexKeys(day, documentId);
  return updateUnlessLost({
    TableName: tableName(),
    Key: keys.document(documentId),
    ConditionExpression: c.ConditionExpression,
    UpdateExpression: 'SET gsi3pk = :npk, gsi3sk = :nsk',
    ExpressionAttributeValues: { ...c.values, ':npk': next.gsi3pk, ':nsk': next.gsi3sk },
  });
}

/**
 * Starts the retention clock of an archived document whose trigger just happened, with its audit
 * event: `clockStart` and `dueOn` are set, and the document is filed in the due-date index unless
 * it is held or already in a batch. Returns false when the clock had started meanwhile, the
 * document is no longer ARCHIVED, or its holds changed (nothing written).
 */
export async function startDocumentClock(
  doc: DisposableDocument,
  clockStart: string,
  dueOn: string,
  indexDay: string,
  at: string,
  audit: AuditInput,
): Promise<boolean> {
  const holds = doc.activeHolds ?? 0;
  const file = holds === 0 && !doc.disposalBatchId;
  const index = dueIndexKeys(indexDay, doc.documentId);
  return transactUnlessLost([
    {
      Update: {
        TableName: tableName(),
        Key: keys.document(doc.documentId),
        ConditionExpression:
          '#status = :archived AND attribute_not_exists(clockStart) AND ' +
          (holds === 0
            ? '(attribute_not_exists(activeHolds) OR activeHolds = :zero)'
            : 'activeHolds = :holds'),
        UpdateExpression: `SET clockStart = :start, dueOn = :due, updatedAt = :at${file ? ', gsi3pk = :gpk, gsi3sk = :gsk' : ''}`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':archived': 'ARCHIVED',
          ':start': clockStart,
          ':due': dueOn,
          ':at': at,
          ...(holds === 0 ? { ':zero': 0 } : { ':holds': holds }),
          ...(file ? { ':gpk': index.gsi3pk, ':gsk': index.gsi3sk } : {}),
        },
      },
    },
    auditPut(audit),
  ]);
}

// ---- Sweep state ----------------------------------------------------------------------------------

export interface SweepState {
  /** The last day (`YYYY-MM-DD`) the sweep went through. */
  sweptThrough?: string;
  /** Fixity: the last original checked, in key order; the next run starts after it. */
  cursor?: string;
  lastRunAt?: string;
  [key: string]: unknown;
}

export async function getSweepState(name: 'retention' | 'fixity'): Promise<SweepState | undefined> {
  const res = await ddb.send(
    new GetCommand({ TableName: tableName(), Key: disposalKeys.sweep(name), ConsistentRead: true }),
  );
  return res.Item ? strip<SweepState>(res.Item) : undefined;
}

/** Moves the watermark forward to `day`; never backwards (a late, slower run changes nothing). */
export async function advanceWatermark(day: string, at: string, summary: Record<string, unknown>) {
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: disposalKeys.sweep('retention'),
        ConditionExpression: 'attribute_not_exists(sweptThrough) OR sweptThrough <= :day',
        UpdateExpression: 'SET sweptThrough = :day, lastRunAt = :at, lastRun = :summary, entity = :entity',
        ExpressionAttributeValues: { ':day': day, ':at': at, ':summary': summary, ':entity': 'sweep-state' },
      }),
    );
  } catch (err) {
    if (!isConditionalCheckFailed(err)) throw err;
  }
}

export async function saveFixityCursor(
  cursor: string | undefined,
  at: string,
  summary: Record<string, unknown>,
) {
  await ddb.send(
    new PutCommand({
      TableName: tableName(),
      Item: {
        ...disposalKeys.sweep('fixity'),
        entity: 'sweep-state',
        ...(cursor ? { cursor } : {}),
        lastRunAt: at,
        lastRun: summary,
      },
    }),
  );
}

// ---- Batches ------------------------------------------------------------------------------------

export type ClaimResult =
  | { kind: 'claimed' }
  /** The batch is full or its workflow has started: the documents go into a further part. */
  | { kind: 'batch-closed' }
  /** These documents changed since they were read (claimed, held, moved): leave them out. */
  | { kind: 'documents-moved'; documentIds: string[] };

/**
 * Puts documents into a batch in one transaction: the batch is created (or, while still
 * PROPOSED and with room, grows), each document leaves the due-date index on the condition that
 * it is still filed where it was found, unheld and unclaimed, and gets its item row.
 */
export async function claimForBatch(
  batch: DisposalBatch,
  entries: readonly DueEntry[],
  items: readonly BatchItem[],
  audit: AuditInput,
): Promise<ClaimResult> {
  const table = tableName();
  const n = entries.length;
  const immutable: Record<string, unknown> = {
    batchId: batch.batchId,
    schemeId: batch.schemeId,
    fonds: batch.fonds,
    category: batch.category,
    dueMonth: batch.dueMonth,
    sweepDate: batch.sweepDate,
    part: batch.part,
    createdAt: batch.createdAt,
    entity: 'disposal-batch',
    gsi1pk: ALL_BATCHES,
    gsi1sk: `${batch.createdAt}#${batch.batchId}`,
    gsi2pk: PROPOSED_BATCHES,
    gsi2sk: `${batch.createdAt}#${batch.batchId}`,
  };
  const names: Record<string, string> = { '#status': 'status' };
  const values: Record<string, unknown> = {
    ':proposed': 'PROPOSED',
    ':n': n,
    ':room': MAX_BATCH_ITEMS - n,
    ':at': batch.updatedAt,
  };
  const sets = Object.keys(immutable).map((k, i) => {
    names[`#a${i}`] = k;
    values[`:a${i}`] = immutable[k];
    return `#a${i} = if_not_exists(#a${i}, :a${i})`;
  });
  const tx: TransactWriteItem[] = [
    {
      Update: {
        TableName: table,
        Key: disposalKeys.batch(batch.batchId),
        ConditionExpression: 'attribute_not_exists(pk) OR (#status = :proposed AND itemCount <= :room)',
        UpdateExpression: `SET ${sets.join(', ')}, #status = :proposed, updatedAt = :at ADD itemCount :n`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    },
  ];
  entries.forEach((e, i) => {
    const item = items[i] as BatchItem;
    tx.push({
      Update: {
        TableName: table,
        Key: keys.document(e.doc.documentId),
        ConditionExpression:
          '#status = :archived AND gsi3pk = :gpk AND gsi3sk = :gsk AND attribute_not_exists(disposalBatchId) ' +
          'AND (attribute_not_exists(activeHolds) OR activeHolds = :zero)',
        UpdateExpression:
          'SET disposalBatchId = :batch, clockStart = :start, dueOn = :due, updatedAt = :at REMOVE gsi3pk, gsi3sk',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':archived': 'ARCHIVED',
          ':gpk': e.index.gsi3pk,
          ':gsk': e.index.gsi3sk,
          ':zero': 0,
          ':batch': batch.batchId,
          ':start': item.clockStart,
          ':due': item.dueOn,
          ':at': batch.updatedAt,
        },
      },
    });
    tx.push({
      Put: {
        TableName: table,
        Item: { ...disposalKeys.item(batch.batchId, item.documentId), entity: 'disposal-item', ...item },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
  });
  tx.push(auditPut(audit));
  try {
    await transact(tx);
    return { kind: 'claimed' };
  } catch (err) {
    const reasons = cancellationReasons(err);
    if (!reasons || !lostCondition(err)) throw err;
    if (reasons[0] === 'ConditionalCheckFailed') return { kind: 'batch-closed' };
    const moved = entries
      .filter(
        (_, i) =>
          reasons[1 + 2 * i] === 'ConditionalCheckFailed' || reasons[2 + 2 * i] === 'ConditionalCheckFailed',
      )
      .map((e) => e.doc.documentId);
    return { kind: 'documents-moved', documentIds: moved };
  }
}

export async function getBatch(batchId: string): Promise<DisposalBatch | undefined> {
  const res = await ddb.send(
    new GetCommand({ TableName: tableName(), Key: disposalKeys.batch(batchId), ConsistentRead: true }),
  );
  return res.Item ? strip<DisposalBatch>(res.Item) : undefined;
}

export async function getBatchItems(batchId: string): Promise<BatchItem[]> {
  const items = await queryAll({
    TableName: tableName(),
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :item)',
    ExpressionAttributeValues: { ':pk': `DISPOSAL#${batchId}`, ':item': 'ITEM#' },
    ConsistentRead: true,
  });
  return items.map((i) => strip<BatchItem>(i));
}

export async function getBatchItem(batchId: string, documentId: string): Promise<BatchItem | undefined> {
  const res = await ddb.send(
    new GetCommand({
      TableName: tableName(),
      Key: disposalKeys.item(batchId, documentId),
      ConsistentRead: true,
    }),
  );
  return res.Item ? strip<BatchItem>(res.Item) : undefined;
}

/** Batches newest first, one page. */
export async function listBatches(
  limit: number,
  startKey?: Record<string, unknown>,
): Promise<{ items: DisposalBatch[]; lastKey?: Record<string, unknown> }> {
  const res = await ddb.send(
    new QueryCommand({
      TableName: tableName(),
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': ALL_BATCHES },
      ScanIndexForward: false,
      Limit: limit,
      ...(startKey ? { ExclusiveStartKey: startKey } : {}),
    }),
  );
  // gsi1 holds keys only: the batches are read from the table.
  return {
    items: (await batchGetItems(tableKeys(res.Items))).map((i) => strip<DisposalBatch>(i)),
    ...(res.LastEvaluatedKey ? { lastKey: res.LastEvaluatedKey } : {}),
  };
}

/** Batches whose workflow has not picked them up yet (a sweep that stopped after proposing). */
export async function proposedBatches(): Promise<DisposalBatch[]> {
  const items = await queryAll({
    TableName: tableName(),
    IndexName: 'gsi2',
    KeyConditionExpression: 'gsi2pk = :pk',
    ExpressionAttributeValues: { ':pk': PROPOSED_BATCHES },
  });
  // gsi2 holds keys only: the batches are read from the table (strongly consistent), and one
  // whose workflow took it since its entry was read is left out.
  return (await batchGetItems(tableKeys(items), { consistent: true }))
    .filter((i) => i.gsi2pk === PROPOSED_BATCHES)
    .map((i) => strip<DisposalBatch>(i));
}

/**
 * Moves a batch from one of `from` to `to`, setting `fields`, optionally with an audit event.
 * Leaving PROPOSED takes the batch out of the proposed list. Returns false when the batch was in
 * none of `from` (nothing written).
 */
export async function moveBatch(
  batchId: string,
  from: readonly BatchStatus[],
  to: BatchStatus,
  fields: Record<string, unknown>,
  at: string,
  audit?: AuditInput,
): Promise<boolean> {
  const names: Record<string, string> = { '#status': 'status' };
  const values: Record<string, unknown> = { ':to': to, ':at': at };
  const sets = ['#status = :to', 'updatedAt = :at'];
  Object.entries(fields).forEach(([k, v], i) => {
    names[`#f${i}`] = k;
    values[`:f${i}`] = v;
    sets.push(`#f${i} = :f${i}`);
  });
  const fromList = from.map((s, i) => {
    values[`:from${i}`] = s;
    return `:from${i}`;
  });
  const update = {
    TableName: tableName(),
    Key: disposalKeys.batch(batchId),
    ConditionExpression: `#status IN (${fromList.join(', ')})`,
    UpdateExpression: `SET ${sets.join(', ')}${to === 'PROPOSED' ? '' : ' REMOVE gsi2pk, gsi2sk'}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
  return transactUnlessLost([{ Update: update }, ...(audit ? [auditPut(audit)] : [])]);
}

export type OpenDisposalTaskResult = 'opened' | 'task-exists' | 'batch-moved';

/** Creates a disposal task and moves its batch to the task's stage, with the audit event, at once. */
export async function openDisposalTask(
  task: TaskRecord,
  batchId: string,
  from: readonly BatchStatus[],
  to: BatchStatus,
  round: number,
  fields: Record<string, unknown>,
  audit: AuditInput,
): Promise<OpenDisposalTaskResult> {
  const table = tableName();
  const names: Record<string, string> = { '#status': 'status' };
  const values: Record<string, unknown> = { ':to': to, ':at': task.createdAt, ':round': round };
  const fromList = from.map((s, i) => {
    values[`:from${i}`] = s;
    return `:from${i}`;
  });
  const sets = ['#status = :to', 'round = :round', 'updatedAt = :at'];
  Object.entries(fields).forEach(([k, v], i) => {
    names[`#f${i}`] = k;
    values[`:f${i}`] = v;
    sets.push(`#f${i} = :f${i}`);
  });
  try {
    await transact([
      { Put: { TableName: table, Item: taskItem(task), ConditionExpression: 'attribute_not_exists(pk)' } },
      {
        Update: {
          TableName: table,
          Key: disposalKeys.batch(batchId),
          ConditionExpression: `#status IN (${fromList.join(', ')})`,
          UpdateExpression: `SET ${sets.join(', ')} REMOVE gsi2pk, gsi2sk`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      },
      auditPut(audit),
    ]);
    return 'opened';
  } catch (err) {
    const reasons = cancellationReasons(err);
    if (reasons?.[0] === 'ConditionalCheckFailed') return 'task-exists';
    if (reasons?.[1] === 'ConditionalCheckFailed') return 'batch-moved';
    throw err;
  }
}

// ---- Items ----------------------------------------------------------------------------------------

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
      Key: disposalKeys.item(batchId, documentId),
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
  const index = dueIndexKeys(extension.dueOn, doc.documentId);
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
  const index = refileDay ? dueIndexKeys(refileDay, documentId) : undefined;
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
  const index = dueIndexKeys(refileDay, documentId);
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
  return moveBatch(batchId, ['DESTROYING'], 'DONE', { list, counts, closedAt: at }, at, audit);
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

// ---- Holds ----------------------------------------------------------------------------------------

export function holdItem(h: Hold) {
  return { ...disposalKeys.hold(h.documentId, h.holdId), entity: 'hold', ...h };
}

export async function getHold(documentId: string, holdId: string): Promise<Hold | undefined> {
  const res = await ddb.send(
    new GetCommand({
      TableName: tableName(),
      Key: disposalKeys.hold(documentId, holdId),
      ConsistentRead: true,
    }),
  );
  return res.Item ? strip<Hold>(res.Item) : undefined;
}

export async function listHolds(documentId: string): Promise<Hold[]> {
  const items = await queryAll({
    TableName: tableName(),
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :hold)',
    ExpressionAttributeValues: { ':pk': `DOCUMENT#${documentId}`, ':hold': 'HOLD#' },
    ConsistentRead: true,
  });
  return items.map((i) => strip<Hold>(i));
}

/**
 * Records a hold: the hold item, one more active hold on the document, and the document out of
 * the due-date index, with the audit event. Only an ARCHIVED document that is not being destroyed
 * can be held; false otherwise (nothing written).
 */
export async function placeHold(hold: Hold, audit: AuditInput): Promise<boolean> {
  return transactUnlessLost([
    {
      Put: {
        TableName: tableName(),
        Item: holdItem(hold),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    {
      Update: {
        TableName: tableName(),
        Key: keys.document(hold.documentId),
        ConditionExpression: '#status = :archived AND attribute_not_exists(destroying)',
        UpdateExpression: 'SET updatedAt = :at ADD activeHolds :one REMOVE gsi3pk, gsi3sk',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':archived': 'ARCHIVED', ':at': hold.placedAt, ':one': 1 },
      },
    },
    auditPut(audit),
  ]);
}

/**
 * ACTIVE → RELEASED, one active hold fewer on the document (which held `activeHolds` when read),
 * and, when `refileDay` is given (the last hold went and the document is due-dated and in no
 * batch), the document back in the due-date index, with the audit event. False when the hold or
 * the count changed meanwhile (nothing written; read again and retry).
 */
export async function releaseHold(
  hold: Hold,
  activeHolds: number,
  refileDay: string | undefined,
  by: { sub: string; username: string },
  at: string,
  audit: AuditInput,
): Promise<boolean> {
  const index = refileDay ? dueIndexKeys(refileDay, hold.documentId) : undefined;
  return transactUnlessLost([
    {
      Update: {
        TableName: tableName(),
        Key: disposalKeys.hold(hold.documentId, hold.holdId),
        ConditionExpression: '#status = :active',
        UpdateExpression: 'SET #status = :released, releasedAt = :at, releasedBy = :by, releasedBySub = :sub',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':active': 'ACTIVE',
          ':released': 'RELEASED',
          ':at': at,
          ':by': by.username,
          ':sub': by.sub,
        },
      },
    },
    {
      Update: {
        TableName: tableName(),
        Key: keys.document(hold.documentId),
        ConditionExpression: 'activeHolds = :seen',
        UpdateExpression: `SET activeHolds = :next, updatedAt = :at${index ? ', gsi3pk = :gpk, gsi3sk = :gsk' : ''}`,
        ExpressionAttributeValues: {
          ':seen': activeHolds,
          ':next': activeHolds - 1,
          ':at': at,
          ...(index ? { ':gpk': index.gsi3pk, ':gsk': index.gsi3sk } : {}),
        },
      },
    },
    auditPut(audit),
  ]);
}
