import { CLOSED_TASK_KEPT_DAYS, type Decision, type TaskRecord } from '../core/tasks.ts';
import { type AuditInput, auditPut } from './audit.ts';
import { batchGetItems, tableKeys } from './dynamo/batch-get.ts';
import { expiresAtAfter, getRecord, strip } from './dynamo/items.ts';
import { entries, INDEX, keys, openTaskKeys } from './dynamo/keys.ts';
import { queryPage } from './dynamo/query.ts';
import {
  cancellationReasons,
  lostCondition,
  type TransactWriteItem,
  transact,
  transactUnlessLost,
  updateUnlessLost,
} from './dynamo/transactions.ts';
import { tableName } from './env.ts';

/**
 * Workflow tasks in the records table (layout in tables.ts): an open task is in the sparse
 * open-task index of its role until it is decided or expires; its token never leaves the table
 * except to the step that answers the workflow. A task DONE or EXPIRED carries the TTL attribute
 * (`closedTaskExpiry`) and leaves the table CLOSED_TASK_KEPT_DAYS later; reopening takes it off.
 */

/** `expiresAt` of a task closed at `at` (ISO time). */
const closedTaskExpiry = (at: string): number => expiresAtAfter(new Date(at), CLOSED_TASK_KEPT_DAYS);

export const getTask = (id: string) => getRecord<TaskRecord>(keys.task(id));

export function taskItem(t: TaskRecord) {
  return {
    ...keys.task(t.taskId),
    entity: 'task',
    ...(t.status === 'OPEN' ? entries.openTask(t.role, t.createdAt, t.taskId) : {}),
    ...t,
  };
}

/**
 * Open tasks of one role (sparse index), newest first, without their tokens: the newest `max`
 * entries of each of the role's keys (openTaskKeys), merged by creation time, then read from the
 * table.
 */
export async function queryOpenTasks(role: string, max = 200): Promise<TaskRecord[]> {
  const roleKeys = openTaskKeys(role);
  const perKey = await Promise.all(
    roleKeys.map(async (pk) => {
      const page = await queryPage({
        TableName: tableName(),
        IndexName: INDEX.gsi1.name,
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ScanIndexForward: false,
        Limit: max,
      });
      return page.items;
    }),
  );
  const newest = perKey
    .flat()
    .sort((a, b) => (String(a.gsi1sk) < String(b.gsi1sk) ? 1 : -1))
    .slice(0, max);
  // gsi1 holds keys only: the tasks are read from the table (never their tokens); one decided
  // since its index entry was read no longer carries the entry and is left out.
  const items = await batchGetItems(tableKeys(newest), {
    projection: {
      expression:
        'taskId, kind, #role, #status, subjectType, subjectId, summary, createdAt, dueAt, requesterSub, excludedSubs, regions, #level, attempt, gsi1pk, gsi1sk',
      names: { '#role': 'role', '#status': 'status', '#level': 'level' },
    },
  });
  const open = new Set(roleKeys);
  return items
    .filter((item) => open.has(String(item.gsi1pk)))
    .sort((a, b) => (String(a.gsi1sk) < String(b.gsi1sk) ? 1 : -1))
    .map((item) => strip<TaskRecord>(item));
}

export type OpenTaskResult = 'opened' | 'task-exists' | 'submission-not-reviewable';

/**
 * A passing validation not stored yet (services/intake-validation.ts): it is stored with the
 * review task it lets open, so the submission is written once, SUBMITTED → IN_REVIEW.
 */
export interface PassedValidation {
  executionArn: string;
  validatedAt: string;
  audit: AuditInput;
}

/**
 * Creates a review task and moves the submission of the same attempt to IN_REVIEW, with the audit
 * event, in one transaction: from SUBMITTED with the passing validation it carries (and that
 * validation's event), or from VALIDATED (stored by an earlier version) or IN_REVIEW (escalating)
 * without one.
 */
export async function openReviewTask(
  task: TaskRecord,
  audit: AuditInput,
  validation?: PassedValidation,
): Promise<OpenTaskResult> {
  const table = tableName();
  const opened = {
    ':review': 'IN_REVIEW',
    ':attempt': task.attempt,
    ':task': task.taskId,
    ':at': task.createdAt,
  };
  const submission: Omit<NonNullable<TransactWriteItem['Update']>, 'TableName' | 'Key'> = validation
    ? {
        ConditionExpression:
          '#status IN (:submitted, :validated) AND attempt = :attempt AND executionArn = :arn',
        UpdateExpression:
          'SET #status = :review, #valid = :valid, problems = :problems, validatedAt = :validatedAt, ' +
          'reviewTaskId = :task, reviewOpenedAt = :at, updatedAt = :at',
        ExpressionAttributeNames: { '#status': 'status', '#valid': 'valid' },
        ExpressionAttributeValues: {
          ...opened,
          ':submitted': 'SUBMITTED',
          ':validated': 'VALIDATED',
          ':arn': validation.executionArn,
          ':valid': true,
          ':problems': [],
          ':validatedAt': validation.validatedAt,
        },
      }
    : {
        ConditionExpression: '#status IN (:validated, :review) AND attempt = :attempt',
        UpdateExpression:
          'SET #status = :review, reviewTaskId = :task, reviewOpenedAt = :at, updatedAt = :at',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ...opened, ':validated': 'VALIDATED' },
      };
  try {
    await transact([
      { Put: { TableName: table, Item: taskItem(task), ConditionExpression: 'attribute_not_exists(pk)' } },
      { Update: { TableName: table, Key: keys.submission(task.subjectId), ...submission } },
      ...(validation ? [auditPut(validation.audit)] : []),
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
    UpdateExpression: 'SET #status = :expired, expiredAt = :at, expiresAt = :ttl REMOVE gsi1pk, gsi1sk',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ':open': 'OPEN',
      ':expired': 'EXPIRED',
      ':at': at,
      ':ttl': closedTaskExpiry(at),
    },
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
          'SET #status = :done, decision = :decision, #comment = :comment, decidedBy = :by, decidedBySub = :sub, decidedAt = :at, expiresAt = :ttl' +
          // The rows an import batch's reviewer rejected, kept with the decision.
          (decision.rows === undefined ? '' : ', #rows = :rows') +
          ' REMOVE gsi1pk, gsi1sk',
        ExpressionAttributeNames: {
          '#status': 'status',
          '#comment': 'comment',
          ...(decision.rows === undefined ? {} : { '#rows': 'rows' }),
        },
        ExpressionAttributeValues: {
          ...(decision.rows === undefined ? {} : { ':rows': decision.rows }),
          ':open': 'OPEN',
          ':done': 'DONE',
          ':decision': decision.decision,
          ':comment': decision.comment ?? '',
          ':by': by.username,
          ':sub': by.sub,
          ':at': at,
          ':ttl': closedTaskExpiry(at),
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
          UpdateExpression: 'SET #status = :expired, expiredAt = :at, expiresAt = :ttl',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':done': 'DONE',
            ':expired': 'EXPIRED',
            ':sub': deciderSub,
            ':at': at,
            ':ttl': closedTaskExpiry(at),
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
  const reopened = entries.openTask(task.role, task.createdAt, task.taskId);
  try {
    await transact([
      {
        Update: {
          TableName: tableName(),
          Key: keys.task(task.taskId),
          ConditionExpression: '#status = :done AND decidedBySub = :sub',
          UpdateExpression:
            'SET #status = :open, gsi1pk = :gpk, gsi1sk = :gsk REMOVE decision, #comment, decidedBy, decidedBySub, decidedAt, expiresAt',
          ExpressionAttributeNames: { '#status': 'status', '#comment': 'comment' },
          ExpressionAttributeValues: {
            ':done': 'DONE',
            ':open': 'OPEN',
            ':sub': deciderSub,
            ':gpk': reopened.gsi1pk,
            ':gsk': reopened.gsi1sk,
          },
        },
      },
      auditPut(audit),
    ]);
  } catch (err) {
    if (!lostCondition(err)) throw err;
  }
}
