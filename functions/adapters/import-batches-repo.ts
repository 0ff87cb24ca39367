import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DocumentRecord } from '../core/documents.ts';
import type { ImportBatch, ImportRow, ImportRowStatus, ImportStatus, Words } from '../core/imports.ts';
import type { Problem } from '../core/intake-checks.ts';
import type { Rejection, Submission } from '../core/submissions.ts';
import type { TaskRecord } from '../core/tasks.ts';
import { type AuditInput, auditPut } from './audit.ts';
import { ddb } from './clients.ts';
import { documentItem } from './documents-repo.ts';
import { batchGetItems, tableKeys } from './dynamo/batch-get.ts';
import { getRecord, strip } from './dynamo/items.ts';
import { ALL_IMPORTS, entries, INDEX, keys, partitions } from './dynamo/keys.ts';
import { decodePageToken, encodePageToken } from './dynamo/page-token.ts';
import { fillPage, startKeyFrom } from './dynamo/query.ts';
import { type TransactWriteItem, transactUnlessLost } from './dynamo/transactions.ts';
import { tableName } from './env.ts';
import { submissionItem } from './submissions-repo.ts';
import { taskItem } from './tasks-repo.ts';

/**
 * Import batches and their rows in the records table (layout in tables.ts): the batch item and
 * one item per registered row under the batch's partition, in row order. A row's submission and
 * document are intake's own records (submissions-repo, documents-repo); the transactions here
 * move a row and its submission together, each with its audit event.
 */

type StoredBatch = Omit<ImportBatch, 'regions'> & { regionSet?: Set<string> };

function fromStored(item: StoredBatch): ImportBatch {
  const { regionSet, ...rest } = item;
  return { ...rest, ...(regionSet && regionSet.size > 0 ? { regions: [...regionSet].sort() } : {}) };
}

export async function getImportBatch(importId: string): Promise<ImportBatch | undefined> {
  const item = await getRecord<StoredBatch>(keys.importBatch(importId));
  return item ? fromStored(item) : undefined;
}

/** Import batches, newest first, `limit` of those `visible` to the caller, and where the next page starts. */
export async function listImportBatches(
  visible: (batch: ImportBatch) => boolean,
  limit: number,
  pageToken?: string,
): Promise<{ items: ImportBatch[]; nextToken?: string }> {
  const scope = 'imports';
  const page = await fillPage(
    {
      TableName: tableName(),
      IndexName: INDEX.gsi1.name,
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': ALL_IMPORTS },
      ScanIndexForward: false,
    },
    limit,
    // gsi1 holds keys only: the batches are read from the table, and filtered there.
    async (found) =>
      (await batchGetItems(tableKeys(found))).map((i) => fromStored(strip<StoredBatch>(i))).filter(visible),
    pageToken === undefined ? undefined : startKeyFrom(decodePageToken(scope, pageToken, 'nextToken')),
  );
  return {
    items: page.items,
    ...(page.lastKey ? { nextToken: encodePageToken(scope, page.lastKey) } : {}),
  };
}

/** Creates the batch; false when it exists already (the same catalogue opened it before). */
export async function createImportBatch(batch: ImportBatch, audit: AuditInput): Promise<boolean> {
  const { regions: _regions, ...stored } = batch;
  return transactUnlessLost([
    {
      Put: {
        TableName: tableName(),
        Item: {
          ...keys.importBatch(batch.importId),
          ...entries.importBatch(batch.createdAt, batch.importId),
          entity: 'import-batch',
          ...stored,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    auditPut(audit),
  ]);
}

const rowItem = (r: ImportRow) => ({ ...keys.importRow(r.importId, r.row), entity: 'import-row', ...r });

/** What registering one row writes: its submission, its document and the row, with the audit event. */
export interface RowRegistration {
  submission: Submission;
  document: DocumentRecord;
  row: ImportRow;
  audit: AuditInput;
}

/**
 * Rows registered in one transaction: four items each (submission, document, row, audit event)
 * and the batch's count, within DynamoDB's 100 actions per transaction.
 */
export const ROWS_PER_TRANSACTION = 24;

/**
 * Registers rows of one batch together: their submissions and documents (DRAFT, waiting for the
 * upload), the row items, and the batch's count and regions, while the batch is OPEN. All or
 * nothing: false when any of the rows exists already or the batch is no longer open (nothing
 * written); the caller reads which. One transaction instead of one per row, because every row
 * raises the batch's count: concurrent transactions on that one item would collide.
 */
export async function registerImportRows(rows: readonly RowRegistration[]): Promise<boolean> {
  const first = rows[0];
  if (!first) return true;
  if (rows.length > ROWS_PER_TRANSACTION) {
    throw new Error(`at most ${ROWS_PER_TRANSACTION} rows per transaction, not ${rows.length}`);
  }
  const table = tableName();
  const absent = 'attribute_not_exists(pk)';
  return transactUnlessLost([
    ...rows.flatMap(({ submission, document, row, audit }): TransactWriteItem[] => [
      { Put: { TableName: table, Item: submissionItem(submission), ConditionExpression: absent } },
      { Put: { TableName: table, Item: documentItem(document), ConditionExpression: absent } },
      { Put: { TableName: table, Item: rowItem(row), ConditionExpression: absent } },
      auditPut(audit),
    ]),
    {
      Update: {
        TableName: table,
        Key: keys.importBatch(first.row.importId),
        ConditionExpression: '#status = :open',
        UpdateExpression: 'SET #rows = #rows + :added, updatedAt = :at ADD regionSet :regions',
        ExpressionAttributeNames: { '#status': 'status', '#rows': 'rows' },
        ExpressionAttributeValues: {
          ':open': 'OPEN',
          ':added': rows.length,
          ':at': first.submission.createdAt,
          ':regions': new Set(rows.map((r) => r.row.region)),
        },
      },
    },
  ]);
}

export const getImportRow = (importId: string, row: number) =>
  getRecord<ImportRow>(keys.importRow(importId, row));

/** The rows of `numbers` that are registered (strongly consistent), in that order; the others left out. */
export async function getImportRows(importId: string, numbers: readonly number[]): Promise<ImportRow[]> {
  const items = await batchGetItems(
    numbers.map((n) => keys.importRow(importId, n)),
    { consistent: true },
  );
  return items.map((item) => strip<ImportRow>(item));
}

/** Up to `limit` rows after row `after`, in row order, and whether more follow. */
export async function listImportRows(
  importId: string,
  after: number,
  limit: number,
): Promise<{ rows: ImportRow[]; more: boolean }> {
  const of = partitions.importRows(importId);
  const from = keys.importRow(importId, after).sk;
  const res = await ddb.send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': of.pk, ':from': `${from}!`, ':to': `${of.skPrefix}~` },
      Limit: limit,
      ConsistentRead: true,
    }),
  );
  const rows = (res.Items ?? []).map((i) => strip<ImportRow>(i));
  return { rows, more: res.LastEvaluatedKey !== undefined };
}

/** Changes the batch if it is still in `expect` (status, and cursor when given); false when it moved on. */
export async function updateImportBatch(
  importId: string,
  expect: { status: readonly ImportStatus[]; cursor?: number; archiveCursor?: number },
  set: Partial<Omit<ImportBatch, 'importId' | 'regions'>>,
  audit: AuditInput | undefined,
  /** Written in the same transaction (the watch entry of an execution started). */
  also: readonly TransactWriteItem[] = [],
): Promise<boolean> {
  const names: Record<string, string> = { '#status': 'status' };
  const values: Record<string, unknown> = {};
  expect.status.forEach((s, i) => {
    values[`:s${i}`] = s;
  });
  let condition = `#status IN (${expect.status.map((_, i) => `:s${i}`).join(', ')})`;
  for (const field of ['cursor', 'archiveCursor'] as const) {
    if (expect[field] === undefined) continue;
    condition += ` AND #${field} = :seen${field}`;
    names[`#${field}`] = field;
    values[`:seen${field}`] = expect[field];
  }
  const sets = Object.entries(set).map(([field, value], i) => {
    names[`#f${i}`] = field;
    values[`:v${i}`] = value;
    return `#f${i} = :v${i}`;
  });
  return transactUnlessLost([
    {
      Update: {
        TableName: tableName(),
        Key: keys.importBatch(importId),
        ConditionExpression: condition,
        UpdateExpression: `SET ${sets.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    },
    ...also,
    ...(audit ? [auditPut(audit)] : []),
  ]);
}

function rowUpdate(r: ImportRow, from: ImportRowStatus, to: ImportRowStatus, more: Record<string, unknown>) {
  const names: Record<string, string> = { '#status': 'status' };
  const values: Record<string, unknown> = { ':from': from, ':to': to };
  const sets = ['#status = :to'];
  Object.entries(more).forEach(([field, value], i) => {
    names[`#m${i}`] = field;
    values[`:m${i}`] = value;
    sets.push(`#m${i} = :m${i}`);
  });
  return {
    Update: {
      TableName: tableName(),
      Key: keys.importRow(r.importId, r.row),
      ConditionExpression: '#status = :from',
      UpdateExpression: `SET ${sets.join(', ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  } satisfies TransactWriteItem;
}

/**
 * A row passed intake's checks: its submission DRAFT → IN_REVIEW under the batch's execution (as
 * a submission the review of its batch decides), the row REGISTERED → CHECKED.
 */
export function markRowChecked(r: ImportRow, executionArn: string, at: string, audit: AuditInput) {
  return transactUnlessLost([
    {
      Update: {
        TableName: tableName(),
        Key: keys.submission(r.submissionId),
        ConditionExpression: '#status = :draft',
        UpdateExpression:
          'SET #status = :review, executionArn = :arn, attempt = :one, submittedAt = :at, #valid = :true, ' +
          'problems = :none, validatedAt = :at, reviewOpenedAt = :at, updatedAt = :at',
        ExpressionAttributeNames: { '#status': 'status', '#valid': 'valid' },
        ExpressionAttributeValues: {
          ':draft': 'DRAFT',
          ':review': 'IN_REVIEW',
          ':arn': executionArn,
          ':one': 1,
          ':at': at,
          ':true': true,
          ':none': [],
        },
      },
    },
    rowUpdate(r, 'REGISTERED', 'CHECKED', {}),
    auditPut(audit),
  ]);
}

/** A row failed the checks (or its scan never came): submission DRAFT → REJECTED, row → FAILED. */
export function markRowFailed(
  r: ImportRow,
  rejection: Rejection,
  problems: readonly Problem[],
  reason: Words,
  audit: AuditInput,
) {
  return transactUnlessLost([
    {
      Update: {
        TableName: tableName(),
        Key: keys.submission(r.submissionId),
        ConditionExpression: '#status = :draft',
        UpdateExpression:
          'SET #status = :rejected, #valid = :false, problems = :problems, validatedAt = :at, rejection = :rejection, ' +
          'decidedBy = :by, updatedAt = :at',
        ExpressionAttributeNames: { '#status': 'status', '#valid': 'valid' },
        ExpressionAttributeValues: {
          ':draft': 'DRAFT',
          ':rejected': 'REJECTED',
          ':false': false,
          ':problems': problems,
          ':at': rejection.at,
          ':rejection': rejection,
          ':by': rejection.decidedBy,
        },
      },
    },
    rowUpdate(r, 'REGISTERED', 'FAILED', { reason }),
    auditPut(audit),
  ]);
}

/** The reviewer rejected the row: submission IN_REVIEW → REJECTED, row CHECKED → REJECTED. */
export function markRowRejected(r: ImportRow, rejection: Rejection, reason: Words, audit: AuditInput) {
  return transactUnlessLost([
    {
      Update: {
        TableName: tableName(),
        Key: keys.submission(r.submissionId),
        ConditionExpression: '#status = :review',
        UpdateExpression: 'SET #status = :rejected, rejection = :rejection, decidedBy = :by, updatedAt = :at',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':review': 'IN_REVIEW',
          ':rejected': 'REJECTED',
          ':rejection': rejection,
          ':by': rejection.decidedBy,
          ':at': rejection.at,
        },
      },
    },
    rowUpdate(r, 'CHECKED', 'REJECTED', { reason }),
    auditPut(audit),
  ]);
}

/** The row's document is archived (its submission's archiving wrote the code): the row says so. */
export function markRowArchived(r: ImportRow, archiveCode: string) {
  return transactUnlessLost([rowUpdate(r, 'CHECKED', 'ARCHIVED', { archiveCode })]);
}

/**
 * Opens the batch's review task: the task, the batch CHECKING → IN_REVIEW with the task and its
 * sample, and each sampled row's submission pointing at the task (so its scans are shown to
 * whoever may decide it, as for any review), with the audit event.
 */
export function openImportReview(
  task: TaskRecord,
  sampleSubmissionIds: readonly string[],
  at: string,
  audit: AuditInput,
) {
  const table = tableName();
  return transactUnlessLost([
    { Put: { TableName: table, Item: taskItem(task), ConditionExpression: 'attribute_not_exists(pk)' } },
    {
      Update: {
        TableName: table,
        Key: keys.importBatch(task.subjectId),
        ConditionExpression: '#status = :checking',
        UpdateExpression: 'SET #status = :review, reviewTaskId = :task, updatedAt = :at',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':checking': 'CHECKING',
          ':review': 'IN_REVIEW',
          ':task': task.taskId,
          ':at': at,
        },
      },
    },
    ...sampleSubmissionIds.map(
      (id): TransactWriteItem => ({
        Update: {
          TableName: table,
          Key: keys.submission(id),
          ConditionExpression: '#status = :review',
          UpdateExpression: 'SET reviewTaskId = :task',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':review': 'IN_REVIEW', ':task': task.taskId },
        },
      }),
    ),
    auditPut(audit),
  ]);
}
