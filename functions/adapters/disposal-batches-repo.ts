import { type BatchItem, type BatchStatus, type DisposalBatch, MAX_BATCH_ITEMS } from '../core/disposal.ts';
import type { TaskRecord } from '../core/tasks.ts';
import { type AuditInput, auditPut } from './audit.ts';
import type { DueEntry } from './due-index-repo.ts';
import { batchGetItems, tableKeys } from './dynamo/batch-get.ts';
import { getRecord, recordsUnder, strip } from './dynamo/items.ts';
import {
  ALL_BATCHES,
  INDEX,
  entries as indexEntries,
  keys,
  PROPOSED_BATCHES,
  partitions,
} from './dynamo/keys.ts';
import { decodePageToken, encodePageToken } from './dynamo/page-token.ts';
import { fillPage, queryAll, startKeyFrom } from './dynamo/query.ts';
import {
  cancellationReasons,
  lostCondition,
  type TransactWriteItem,
  transact,
  transactUnlessLost,
} from './dynamo/transactions.ts';
import { tableName } from './env.ts';
import { taskItem } from './tasks-repo.ts';

/**
 * Disposal batches in the records table (layout in tables.ts): claimed from the due-date index,
 * moved through appraisal and approval, listed newest first. Every change is conditional on the
 * state it starts from, so a step run twice, or two sweeps at once, cannot claim a document twice
 * or move a batch backwards.
 */

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
    ...(batch.region === undefined ? {} : { region: batch.region }),
    part: batch.part,
    createdAt: batch.createdAt,
    entity: 'disposal-batch',
    ...indexEntries.batch(batch.createdAt, batch.batchId),
    ...indexEntries.proposedBatch(batch.createdAt, batch.batchId),
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
        Key: keys.disposalBatch(batch.batchId),
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
        Item: { ...keys.disposalItem(batch.batchId, item.documentId), entity: 'disposal-item', ...item },
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
  return getRecord<DisposalBatch>(keys.disposalBatch(batchId));
}

export async function getBatchItems(batchId: string): Promise<BatchItem[]> {
  const of = partitions.batchItems(batchId);
  return recordsUnder<BatchItem>(of.pk, of.skPrefix);
}

export async function getBatchItem(batchId: string, documentId: string): Promise<BatchItem | undefined> {
  return getRecord<BatchItem>(keys.disposalItem(batchId, documentId));
}

/**
 * Batches newest first, optionally of one status: one page, and the token of the next
 * (`nextToken`) when there is more.
 */
export async function listBatches(
  filter: { status?: BatchStatus; visible?: (batch: DisposalBatch) => boolean },
  limit: number,
  pageToken?: string,
): Promise<{ items: DisposalBatch[]; nextToken?: string }> {
  const scope = `disposals/${filter.status ?? ''}`;
  const page = await fillPage(
    {
      TableName: tableName(),
      IndexName: INDEX.gsi1.name,
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': ALL_BATCHES },
      ScanIndexForward: false,
    },
    limit,
    // gsi1 holds keys only: the batches are read from the table, and filtered there.
    async (entries) =>
      (await batchGetItems(tableKeys(entries)))
        .map((i) => strip<DisposalBatch>(i))
        .filter((b) => filter.status === undefined || b.status === filter.status)
        .filter((b) => filter.visible === undefined || filter.visible(b)),
    pageToken === undefined ? undefined : startKeyFrom(decodePageToken(scope, pageToken, 'nextToken')),
  );
  return {
    items: page.items,
    ...(page.lastKey ? { nextToken: encodePageToken(scope, page.lastKey) } : {}),
  };
}

/** Every batch, oldest first (the one-off locking of destruction lists written under a legal hold). */
export async function everyBatch(): Promise<DisposalBatch[]> {
  const items = await queryAll({
    TableName: tableName(),
    IndexName: INDEX.gsi1.name,
    KeyConditionExpression: 'gsi1pk = :pk',
    ExpressionAttributeValues: { ':pk': ALL_BATCHES },
  });
  return (await batchGetItems(tableKeys(items))).map((i) => strip<DisposalBatch>(i));
}

/** Batches whose workflow has not picked them up yet (a sweep that stopped after proposing). */
export async function proposedBatches(): Promise<DisposalBatch[]> {
  const items = await queryAll({
    TableName: tableName(),
    IndexName: INDEX.gsi2.name,
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
    Key: keys.disposalBatch(batchId),
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
          Key: keys.disposalBatch(batchId),
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
