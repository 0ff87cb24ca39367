import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteItem,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { firstDayAfter } from '../core/disposal.ts';
import type { DocumentRecord } from '../core/documents.ts';
import type { IntakeCheckOutcome } from '../core/intake-checks.ts';
import type { RetentionPlan } from '../core/retention.ts';
import type { Rejection, Submission } from '../core/submissions.ts';
import type { Decision, TaskRecord } from '../core/tasks.ts';
import { type AuditInput, auditPut, SYSTEM_ACTOR } from './audit.ts';
import { batchGetItems, tableKeys } from './batch-get.ts';
import { ddb } from './clients.ts';
import { tableName } from './env.ts';
import { dueIndexKeys } from './tables.ts';
import { watchPut } from './watch-repo.ts';

/**
 * Submissions, documents, tasks, archive codes and code sequences in the records table (layout
 * in tables.ts). The only code that builds DynamoDB commands for these items. Every change is
 * conditional on the state it starts from, and goes into one transaction with its audit event.
 */

export const keys = {
  customer: (id: string) => ({ pk: `CUSTOMER#${id}`, sk: 'CUSTOMER' }),
  submission: (id: string) => ({ pk: `SUBMISSION#${id}`, sk: 'SUBMISSION' }),
  document: (id: string) => ({ pk: `DOCUMENT#${id}`, sk: 'DOCUMENT' }),
  task: (id: string) => ({ pk: `TASK#${id}`, sk: 'TASK' }),
  archiveCode: (code: string) => ({ pk: `ARCHIVECODE#${code}`, sk: 'ARCHIVECODE' }),
  sequence: (key: string) => ({ pk: `SEQUENCE#${key}`, sk: 'SEQUENCE' }),
};

const INDEX_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'gsi3pk', 'gsi3sk', 'entity'];

/** An item without its key and index attributes: the record as the domain sees it. */
export function strip<T>(item: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!INDEX_ATTRIBUTES.includes(k)) out[k] = v;
  return out as T;
}

// ---- Transactions -----------------------------------------------------------------------------

export type { TransactWriteItem };

/**
 * Runs one transaction. A cancellation caused only by a concurrent transaction on the same items
 * (TransactionConflict, nothing written) is retried a few times, so the caller sees the outcome
 * of its conditions rather than the collision.
 */
export async function transact(items: TransactWriteItem[]): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await ddb.send(new TransactWriteCommand({ TransactItems: items }));
      return;
    } catch (err) {
      const reasons = cancellationReasons(err);
      const conflictOnly =
        reasons?.includes('TransactionConflict') && !reasons.includes('ConditionalCheckFailed');
      if (!conflictOnly || attempt >= 3) throw err;
      await new Promise((r) => setTimeout(r, 20 * 2 ** attempt + Math.random() * 20));
    }
  }
}

/** Cancellation reason codes, in item order, when `err` is a cancelled transaction. */
export function cancellationReasons(err: unknown): string[] | undefined {
  if (
    err instanceof TransactionCanceledException ||
    (err as Error | undefined)?.name === 'TransactionCanceledException'
  ) {
    const reasons = (err as TransactionCanceledException).CancellationReasons ?? [];
    return reasons.map((r) => r.Code ?? 'None');
  }
  return undefined;
}

/** True when the transaction was cancelled only because a condition failed (a lost race or a stale state). */
export function lostCondition(err: unknown): boolean {
  const reasons = cancellationReasons(err);
  return (
    reasons?.includes('ConditionalCheckFailed') === true &&
    reasons.every((r) => r === 'ConditionalCheckFailed' || r === 'None')
  );
}

/**
 * Runs one transaction whose conditions guard a state change: true when it was written, false
 * when a condition failed (another request got there first, or the state moved on; nothing written).
 */
export async function transactUnlessLost(items: TransactWriteItem[]): Promise<boolean> {
  try {
    await transact(items);
    return true;
  } catch (err) {
    if (lostCondition(err)) return false;
    throw err;
  }
}

/**
 * One conditional UpdateItem guarding a state change: true when it was written, false when its
 * condition failed (nothing written).
 */
export async function updateUnlessLost(input: UpdateCommandInput): Promise<boolean> {
  try {
    await ddb.send(new UpdateCommand(input));
    return true;
  } catch (err) {
    if (isConditionalCheckFailed(err)) return false;
    throw err;
  }
}

export function isConditionalCheckFailed(err: unknown): boolean {
  return (err as Error | undefined)?.name === 'ConditionalCheckFailedException';
}

// ---- Reads ----------------------------------------------------------------------------------------

export interface CustomerSnapshot {
  customerId: string;
  customerNo?: string;
  name?: string;
}

/** Reads the current customer item directly from the table layout. */
export async function getCustomer(customerId: string): Promise<CustomerSnapshot | undefined> {
  const res = await ddb.send(
    new GetCommand({
      TableName: tableName(),
      Key: keys.customer(customerId),
      ProjectionExpression: 'customerId, customerNo, #name',
      ExpressionAttributeNames: { '#name': 'name' },
    }),
  );
  if (!res.Item) return undefined;
  const item = res.Item as Partial<CustomerSnapshot>;
  return {
    customerId,
    ...(typeof item.customerNo === 'string' ? { customerNo: item.customerNo } : {}),
    ...(typeof item.name === 'string' ? { name: item.name } : {}),
  };
}

async function getItem<T>(key: { pk: string; sk: string }): Promise<T | undefined> {
  const res = await ddb.send(new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: true }));
  return res.Item ? strip<T>(res.Item) : undefined;
}

export const getSubmission = (id: string) => getItem<Submission>(keys.submission(id));
export const getDocument = (id: string) => getItem<DocumentRecord>(keys.document(id));
export const getTask = (id: string) => getItem<TaskRecord>(keys.task(id));

/** The named documents (strongly consistent), in the order of `ids`; missing ones are left out. */
export async function getDocuments(ids: readonly string[]): Promise<DocumentRecord[]> {
  const found = new Map<string, DocumentRecord>();
  const table = tableName();
  for (let i = 0; i < ids.length; i += 100) {
    let pending: Record<string, unknown>[] | undefined = ids.slice(i, i + 100).map((id) => keys.document(id));
    for (let round = 0; pending && pending.length > 0; round++) {
      if (round >= 6) throw new Error('documents could not be read: DynamoDB kept keys unprocessed');
      if (round > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** round));
      const res: BatchGetCommandOutput = await ddb.send(
        new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }),
      );
      for (const item of res.Responses?.[table] ?? []) {
        const doc = strip<DocumentRecord>(item);
        found.set(doc.documentId, doc);
      }
      pending = res.UnprocessedKeys?.[table]?.Keys;
    }
  }
  return ids.flatMap((id) => {
    const d = found.get(id);
    return d ? [d] : [];
  });
}

/** Open tasks of one role (sparse index), newest first, without their tokens. */
export async function queryOpenTasks(role: string, max = 200): Promise<TaskRecord[]> {
  const out: TaskRecord[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const res = await ddb.send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': `OPENTASKS#${role}` },
        ScanIndexForward: false,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    // gsi1 holds keys only: the tasks are read from the table (never their tokens); one decided
    // since its index entry was read no longer carries the entry and is left out.
    const items = await batchGetItems(tableKeys(res.Items), {
      projection: {
        expression:
          'taskId, kind, #role, #status, subjectType, subjectId, summary, createdAt, dueAt, requesterSub, excludedSubs, #level, attempt, gsi1pk',
        names: { '#role': 'role', '#status': 'status', '#level': 'level' },
      },
    });
    for (const item of items) if (item.gsi1pk === `OPENTASKS#${role}`) out.push(strip<TaskRecord>(item));
    startKey = res.LastEvaluatedKey;
  } while (startKey && out.length < max);
  return out.slice(0, max);
}

/** Documents of a customer, newest first, optionally filtered; one page. */
export async function queryCustomerDocuments(
  customerId: string,
  filters: { docType?: string; status?: string },
  limit: number,
  startKey?: Record<string, unknown>,
): Promise<{ items: DocumentRecord[]; lastKey?: Record<string, unknown> }> {
  const matches = (d: DocumentRecord) =>
    (filters.docType === undefined || d.docType === filters.docType) &&
    (filters.status === undefined || d.status === filters.status);
  const items: DocumentRecord[] = [];
  let key = startKey;
  // A filter can empty a page; keep reading until the page is full or the index is exhausted.
  for (let page = 0; page < 20; page++) {
    const res = await ddb.send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :pk AND begins_with(gsi2sk, :doc)',
        ExpressionAttributeValues: { ':pk': `CUSTOMER#${customerId}`, ':doc': 'DOCUMENT#' },
        ScanIndexForward: false,
        Limit: limit - items.length,
        ...(key ? { ExclusiveStartKey: key } : {}),
      }),
    );
    // gsi2 holds keys only: the documents are read from the table and filtered there, as a
    // FilterExpression would (the page's limit counts index entries read, matching or not).
    for (const item of await batchGetItems(tableKeys(res.Items))) {
      const doc = strip<DocumentRecord>(item);
      if (matches(doc)) items.push(doc);
    }
    key = res.LastEvaluatedKey;
    if (!key || items.length >= limit) break;
  }
  return { items, ...(key ? { lastKey: key } : {}) };
}

export async function getArchiveCodeOwner(code: string): Promise<string | undefined> {
  const res = await ddb.send(
    new GetCommand({ TableName: tableName(), Key: keys.archiveCode(code), ConsistentRead: true }),
  );
  const id = res.Item?.documentId;
  return typeof id === 'string' ? id : undefined;
}

// ---- Item shapes --------------------------------------------------------------------------------

export function submissionItem(s: Submission) {
  return {
    ...keys.submission(s.submissionId),
    entity: 'submission',
    gsi1pk: `CUSTOMER#${s.customerId}`,
    gsi1sk: `SUBMISSION#${s.createdAt}`,
    gsi2pk: `CLERK#${s.createdBy}`,
    gsi2sk: s.createdAt,
    ...s,
  };
}

/** A document item: in gsi2 under its customer (no other index: its submission lists its ids). */
export function documentItem(d: DocumentRecord) {
  return {
    ...keys.document(d.documentId),
    entity: 'document',
    gsi2pk: `CUSTOMER#${d.customerId}`,
    gsi2sk: `DOCUMENT#${d.createdAt}#${d.documentId}`,
    ...d,
  };
}

export function taskItem(t: TaskRecord) {
  return {
    ...keys.task(t.taskId),
    entity: 'task',
    ...(t.status === 'OPEN' ? { gsi1pk: `OPENTASKS#${t.role}`, gsi1sk: `${t.createdAt}#${t.taskId}` } : {}),
    gsi2pk: `SUBJECT#${t.subjectId}`,
    gsi2sk: `TASK#${t.createdAt}#${t.taskId}`,
    ...t,
  };
}

// ---- Writes: submissions -----------------------------------------------------------------------

export async function createSubmission(
  submission: Submission,
  documents: readonly DocumentRecord[],
  audit: AuditInput,
): Promise<void> {
  const table = tableName();
  await transact([
    {
      Put: {
        TableName: table,
        Item: submissionItem(submission),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    ...documents.map((d) => ({
      Put: { TableName: table, Item: documentItem(d), ConditionExpression: 'attribute_not_exists(pk)' },
    })),
    auditPut(audit),
  ]);
}

export interface UploadFacts {
  /** The object version storage reported; absent only for objects of an unversioned bucket. */
  versionId?: string;
  /** The upload URL the object came through (its signed `x-amz-meta-upload-id`), if any. */
  uploadId?: string;
  receivedSize: number;
  receivedSha256?: string;
  sniffedType: string;
  uploadedAt: string;
  /**
   * The storage event that reported the upload: its time and S3's sequencer for the key, so
   * the same event delivered twice makes the same audit event (written once), and an event older
   * than the one recorded never replaces it.
   */
  event: { time: string; sequencer: string };
}

/**
 * S3 sequencers of one key grow with time but differ in length: compared after left-padding
 * with zeros (as S3 documents), so they are kept padded.
 */
export const comparableSequencer = (sequencer: string): string => sequencer.toUpperCase().padStart(32, '0');

/**
 * Records what storage saw of an upload, if the document still takes it: the submission is DRAFT
 * or REJECTED, the document belongs to it and is PENDING_UPLOAD or UPLOADED, the object came
 * through the document's current upload URL (its upload id; a document made before upload ids
 * existed takes an object whose checksum is the declared one), and no later upload of the key was
 * recorded already (sequencer). The version is recorded, so everything after reads that version.
 * Checks of an earlier attempt are dropped: they were about the file this one replaces. The change
 * and its audit event (`document.uploaded`, by the system, with what storage saw) are one
 * transaction. Returns false when any condition fails (nothing written).
 */
export async function recordUpload(
  submissionId: string,
  documentId: string,
  facts: UploadFacts,
): Promise<boolean> {
  const table = tableName();
  const sequencer = comparableSequencer(facts.event.sequencer);
  const fromCurrentUrl =
    facts.uploadId === undefined ? 'attribute_not_exists(uploadId) AND sha256 = :sha' : 'uploadId = :uid';
  const set = [
    '#status = :uploaded',
    'receivedSize = :size',
    'sniffedType = :type',
    'uploadedAt = :at',
    'updatedAt = :at',
    'uploadSequencer = :seq',
    ...(facts.receivedSha256 ? ['receivedSha256 = :sha'] : []),
    ...(facts.versionId ? ['receivedVersionId = :version'] : []),
  ];
  const remove = [
    'checks',
    'checkedAt',
    ...(facts.receivedSha256 ? [] : ['receivedSha256']),
    ...(facts.versionId ? [] : ['receivedVersionId']),
  ];
  return transactUnlessLost([
    {
      ConditionCheck: {
        TableName: table,
        Key: keys.submission(submissionId),
        ConditionExpression: '#status IN (:draft, :rejected)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':draft': 'DRAFT', ':rejected': 'REJECTED' },
      },
    },
    {
      Update: {
        TableName: table,
        Key: keys.document(documentId),
        ConditionExpression:
          `submissionId = :sid AND #status IN (:pending, :uploaded) AND (${fromCurrentUrl}) ` +
          'AND (attribute_not_exists(uploadSequencer) OR uploadSequencer < :seq)',
        UpdateExpression: `SET ${set.join(', ')} REMOVE ${remove.join(', ')}`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':sid': submissionId,
          ':pending': 'PENDING_UPLOAD',
          ':uploaded': 'UPLOADED',
          ':size': facts.receivedSize,
          ':type': facts.sniffedType,
          ':at': facts.uploadedAt,
          ':seq': sequencer,
          ...(facts.uploadId === undefined ? {} : { ':uid': facts.uploadId }),
          ...(facts.receivedSha256 || facts.uploadId === undefined
            ? { ':sha': facts.receivedSha256 ?? '' }
            : {}),
          ...(facts.versionId ? { ':version': facts.versionId } : {}),
        },
      },
    },
    auditPut({
      action: 'document.uploaded',
      actor: SYSTEM_ACTOR,
      targetType: 'document',
      targetId: documentId,
      at: facts.event.time,
      eventId: `upload-${documentId}-${facts.event.sequencer}`,
      details: {
        submissionId,
        receivedSize: facts.receivedSize,
        ...(facts.receivedSha256 ? { receivedSha256: facts.receivedSha256 } : {}),
        ...(facts.versionId ? { versionId: facts.versionId } : {}),
        sniffedType: facts.sniffedType,
      },
    }),
  ]);
}

/**
 * The clerk declared a new file for a document: the new type, size and checksum replace the old
 * ones and the document waits for its upload again (what storage saw of the old file and its
 * checks are dropped). Only while the submission is the clerk's and open for changes, and the
 * document takes uploads. Returns false when that no longer holds (nothing written).
 */
export async function replaceDeclaredFile(
  doc: DocumentRecord,
  clerkSub: string,
  file: { fileName?: string; contentType: string; size: number; sha256: string; uploadId: string },
  at: string,
  audit: AuditInput,
): Promise<boolean> {
  const table = tableName();
  return transactUnlessLost([
    {
      ConditionCheck: {
        TableName: table,
        Key: keys.submission(doc.submissionId),
        ConditionExpression: '#status IN (:draft, :rejected) AND createdBy = :clerk',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':draft': 'DRAFT', ':rejected': 'REJECTED', ':clerk': clerkSub },
      },
    },
    {
      Update: {
        TableName: table,
        Key: keys.document(doc.documentId),
        ConditionExpression: 'submissionId = :sid AND #status IN (:pending, :uploaded)',
        UpdateExpression:
          'SET #status = :pending, contentType = :type, #size = :size, sha256 = :sha, fileName = :name, ' +
          'uploadId = :uid, updatedAt = :at ' +
          'REMOVE receivedSize, receivedSha256, receivedVersionId, sniffedType, uploadedAt, checks, checkedAt',
        ExpressionAttributeNames: { '#status': 'status', '#size': 'size' },
        ExpressionAttributeValues: {
          ':sid': doc.submissionId,
          ':pending': 'PENDING_UPLOAD',
          ':uploaded': 'UPLOADED',
          ':type': file.contentType,
          ':size': file.size,
          ':sha': file.sha256,
          ':name': file.fileName ?? doc.fileName,
          ':uid': file.uploadId,
          ':at': at,
        },
      },
    },
    auditPut(audit),
  ]);
}

/**
 * DRAFT/REJECTED → SUBMITTED for the attempt the caller saw. Returns false when another request
 * changed the submission first (nothing written).
 */
export async function markSubmitted(
  submission: Submission,
  executionArn: string,
  at: string,
  audit: AuditInput,
): Promise<boolean> {
  return transactUnlessLost([
    {
      Update: {
        TableName: tableName(),
        Key: keys.submission(submission.submissionId),
        ConditionExpression: '#status IN (:draft, :rejected) AND attempt = :seen',
        UpdateExpression:
          'SET #status = :submitted, executionArn = :arn, attempt = :next, submittedAt = :at, updatedAt = :at ' +
          'REMOVE #valid, problems, validatedAt, reviewTaskId, reviewOpenedAt, rejection',
        ExpressionAttributeNames: { '#status': 'status', '#valid': 'valid' },
        ExpressionAttributeValues: {
          ':draft': 'DRAFT',
          ':rejected': 'REJECTED',
          ':submitted': 'SUBMITTED',
          ':seen': submission.attempt,
          ':next': submission.attempt + 1,
          ':arn': executionArn,
          ':at': at,
        },
      },
    },
    // Watched until it is archived or rejected: no submission waits on an execution that is gone.
    watchPut({ kind: 'submission', recordId: submission.submissionId, executionArn, since: at }),
    auditPut(audit),
  ]);
}

/**
 * Gives back an attempt whose execution could not start under its name (the name was used
 * before the attempt was recorded): SUBMITTED with that execution → `backTo` (the status it was
 * submitted from), keeping the attempt number so the next submit uses a fresh name, with the
 * audit event. False when the submission moved on (nothing written).
 */
export async function abandonSubmitted(
  submissionId: string,
  executionArn: string,
  backTo: 'DRAFT' | 'REJECTED',
  at: string,
  audit: AuditInput,
): Promise<boolean> {
  return transactUnlessLost([
    {
      Update: {
        TableName: tableName(),
        Key: keys.submission(submissionId),
        ConditionExpression: '#status = :submitted AND executionArn = :arn',
        UpdateExpression: 'SET #status = :back, updatedAt = :at REMOVE executionArn, submittedAt',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':submitted': 'SUBMITTED',
          ':arn': executionArn,
          ':back': backTo,
          ':at': at,
        },
      },
    },
    auditPut(audit),
  ]);
}

/**
 * Stores the outcome of the intake checks on the submission (VALIDATED when valid, else it stays
 * SUBMITTED for the reject step), if it is still at this execution's validation. The problems
 * name the document and check of every failure, so each document's four checks are read from
 * them (`documentChecks`) and the documents are not rewritten. Returns false when the
 * submission moved on (nothing written).
 */
export async function recordValidation(
  submission: Submission,
  executionArn: string,
  outcome: Pick<IntakeCheckOutcome, 'valid' | 'problems'>,
  at: string,
  audit: AuditInput,
): Promise<boolean> {
  return transactUnlessLost([
    {
      Update: {
        TableName: tableName(),
        Key: keys.submission(submission.submissionId),
        ConditionExpression: '#status IN (:submitted, :validated) AND executionArn = :arn',
        UpdateExpression:
          'SET #status = :next, #valid = :valid, problems = :problems, validatedAt = :at, updatedAt = :at',
        ExpressionAttributeNames: { '#status': 'status', '#valid': 'valid' },
        ExpressionAttributeValues: {
          ':submitted': 'SUBMITTED',
          ':validated': 'VALIDATED',
          ':arn': executionArn,
          ':next': outcome.valid ? 'VALIDATED' : 'SUBMITTED',
          ':valid': outcome.valid,
          ':problems': outcome.problems,
          ':at': at,
        },
      },
    },
    auditPut(audit),
  ]);
}

/** Whichever submission state a rejected step may leave; false when the submission moved on. */
export async function markRejected(
  submissionId: string,
  executionArn: string,
  rejection: Rejection,
  audit: AuditInput,
): Promise<boolean> {
  return transactUnlessLost([
    {
      Update: {
        TableName: tableName(),
        Key: keys.submission(submissionId),
        ConditionExpression: '#status IN (:submitted, :validated, :review) AND executionArn = :arn',
        UpdateExpression: 'SET #status = :rejected, rejection = :rejection, decidedBy = :by, updatedAt = :at',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':submitted': 'SUBMITTED',
          ':validated': 'VALIDATED',
          ':review': 'IN_REVIEW',
          ':rejected': 'REJECTED',
          ':arn': executionArn,
          ':rejection': rejection,
          ':by': rejection.decidedBy,
          ':at': rejection.at,
        },
      },
    },
    auditPut(audit),
  ]);
}

// ---- Writes: tasks -------------------------------------------------------------------------------

export type OpenTaskResult = 'opened' | 'task-exists' | 'submission-not-reviewable';

/**
 * Creates a review task and moves the submission (VALIDATED, or IN_REVIEW when escalating) of
 * the same attempt to IN_REVIEW, with the audit event, in one transaction.
 */
export async function openReviewTask(task: TaskRecord, audit: AuditInput): Promise<OpenTaskResult> {
  const table = tableName();
  try {
    await transact([
      { Put: { TableName: table, Item: taskItem(task), ConditionExpression: 'attribute_not_exists(pk)' } },
      {
        Update: {
          TableName: table,
          Key: keys.submission(task.subjectId),
          ConditionExpression: '#status IN (:validated, :review) AND attempt = :attempt',
          UpdateExpression:
            'SET #status = :review, reviewTaskId = :task, reviewOpenedAt = :at, updatedAt = :at',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':validated': 'VALIDATED',
            ':review': 'IN_REVIEW',
            ':attempt': task.attempt,
            ':task': task.taskId,
            ':at': task.createdAt,
          },
        },
      },
      auditPut(audit),
    ]);
    return 'opened';
  } catch (err) {
    const reasons = cancellationReasons(err);
    if (reasons?.[0] === 'ConditionalCheckFailed') return 'task-exists';
    if (reasons?.[1] === 'ConditionalCheckFailed') return 'submission-not-reviewable';
    throw err;
  }
}

/** A retried step got a new token for the same task; false when the task is no longer open. */
export async function replaceTaskToken(taskId: string, taskToken: string): Promise<boolean> {
  return updateUnlessLost({
    TableName: tableName(),
    Key: keys.task(taskId),
    ConditionExpression: '#status IN (:open, :done)',
    UpdateExpression: 'SET taskToken = :token',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':open': 'OPEN', ':done': 'DONE', ':token': taskToken },
  });
}

/** OPEN → EXPIRED (leaves the open-task index); false when the task is missing or not open. */
export async function expireOpenTask(taskId: string, at: string): Promise<boolean> {
  return updateUnlessLost({
    TableName: tableName(),
    Key: keys.task(taskId),
    ConditionExpression: '#status = :open',
    UpdateExpression: 'SET #status = :expired, expiredAt = :at REMOVE gsi1pk, gsi1sk',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':open': 'OPEN', ':expired': 'EXPIRED', ':at': at },
  });
}

/**
 * OPEN → DONE with the decision, leaving the open-task index, with its audit event. Returns
 * false when someone else decided first or the task expired (nothing written).
 */
export async function decideTask(
  taskId: string,
  decision: Decision,
  by: { sub: string; username: string },
  at: string,
  audit: AuditInput,
): Promise<boolean> {
  return transactUnlessLost([
    {
      Update: {
        TableName: tableName(),
        Key: keys.task(taskId),
        ConditionExpression: '#status = :open',
        UpdateExpression:
          'SET #status = :done, decision = :decision, #comment = :comment, decidedBy = :by, decidedBySub = :sub, decidedAt = :at ' +
          'REMOVE gsi1pk, gsi1sk',
        ExpressionAttributeNames: { '#status': 'status', '#comment': 'comment' },
        ExpressionAttributeValues: {
          ':open': 'OPEN',
          ':done': 'DONE',
          ':decision': decision.decision,
          ':comment': decision.comment ?? '',
          ':by': by.username,
          ':sub': by.sub,
          ':at': at,
        },
      },
    },
    auditPut(audit),
  ]);
}

/** The workflow no longer waited for a decision just recorded: DONE (by this caller) → EXPIRED. */
export async function expireDecidedTask(
  taskId: string,
  deciderSub: string,
  at: string,
  audit: AuditInput,
): Promise<void> {
  try {
    await transact([
      {
        Update: {
          TableName: tableName(),
          Key: keys.task(taskId),
          ConditionExpression: '#status = :done AND decidedBySub = :sub',
          UpdateExpression: 'SET #status = :expired, expiredAt = :at',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':done': 'DONE',
            ':expired': 'EXPIRED',
            ':sub': deciderSub,
            ':at': at,
          },
        },
      },
      auditPut(audit),
    ]);
  } catch (err) {
    if (!lostCondition(err)) throw err;
  }
}

/**
 * Undoes a recorded decision the workflow never received (Step Functions failed for another
 * reason than an expired token), so the task can be decided again: DONE (by this caller) → OPEN.
 */
export async function reopenTask(task: TaskRecord, deciderSub: string, audit: AuditInput): Promise<void> {
  try {
    await transact([
      {
        Update: {
          TableName: tableName(),
          Key: keys.task(task.taskId),
          ConditionExpression: '#status = :done AND decidedBySub = :sub',
          UpdateExpression:
            'SET #status = :open, gsi1pk = :gpk, gsi1sk = :gsk REMOVE decision, #comment, decidedBy, decidedBySub, decidedAt',
          ExpressionAttributeNames: { '#status': 'status', '#comment': 'comment' },
          ExpressionAttributeValues: {
            ':done': 'DONE',
            ':open': 'OPEN',
            ':sub': deciderSub,
            ':gpk': `OPENTASKS#${task.role}`,
            ':gsk': `${task.createdAt}#${task.taskId}`,
          },
        },
      },
      auditPut(audit),
    ]);
  } catch (err) {
    if (!lostCondition(err)) throw err;
  }
}

// ---- Writes: archiving ----------------------------------------------------------------------------

export interface ArchivedCopy {
  documentId: string;
  archiveCode: string;
  /** The sequence and item number of the code; absent for a code a document already carries. */
  sequenceKey?: string;
  seq?: number;
  archivedAt: string;
  retention: RetentionPlan;
  archiveKey: string;
  archiveVersionId: string;
}

/**
 * Archives a submission in one transaction: each archive code item is created (fails if the
 * code exists: codes are never reused), each document UPLOADED → ARCHIVED with its code,
 * retention and archive object, the submission IN_REVIEW → ARCHIVED, and the audit event.
 * Returns false when the state had moved on (nothing written). Documents whose disposal date is
 * already known enter the due-date index (gsi3).
 */
export async function completeArchive(
  submission: Pick<Submission, 'submissionId' | 'customerId'>,
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
          Item: {
            ...keys.archiveCode(c.archiveCode),
            entity: 'archive-code',
            archiveCode: c.archiveCode,
            documentId: c.documentId,
            submissionId,
            customerId: submission.customerId,
            sequenceKey: c.sequenceKey,
            seq: c.seq,
            assignedAt: c.archivedAt,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
    }
    const r = c.retention;
    // The first whole day past the lock: S3 refuses the delete any earlier.
    const due = r.dueDateKnown && r.retainUntil ? firstDayAfter(r.retainUntil) : undefined;
    const index = due ? dueIndexKeys(due, c.documentId) : undefined;
    items.push({
      Update: {
        TableName: table,
        Key: keys.document(c.documentId),
        ConditionExpression:
          'submissionId = :sid AND #status = :uploaded AND (attribute_not_exists(archiveCode) OR archiveCode = :code)',
        UpdateExpression:
          'SET #status = :archived, archiveCode = :code, codeAssignedAt = :archivedAt, archivedAt = :archivedAt, ' +
          'retentionCode = :rc, retentionTrigger = :rt, legalHold = :hold, ' +
          'archiveKey = :key, archiveVersionId = :version, updatedAt = :now' +
          (r.retainUntil ? ', retainUntil = :until' : '') +
          (due ? ', gsi3pk = :gsi3pk, gsi3sk = :gsi3sk' : ''),
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':sid': submissionId,
          ':uploaded': 'UPLOADED',
          ':archived': 'ARCHIVED',
          ':code': c.archiveCode,
          ':archivedAt': c.archivedAt,
          ':rc': r.retentionCode,
          ':rt': r.retentionTrigger,
          ':hold': r.legalHold,
          ':key': c.archiveKey,
          ':version': c.archiveVersionId,
          ':now': at,
          ...(r.retainUntil ? { ':until': r.retainUntil } : {}),
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
