import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Loan, LoanGrant, LoanRejection, LoanStatus } from '../core/loans.ts';
import type { TaskRecord } from '../core/tasks.ts';
import { type AuditInput, auditPut } from './audit.ts';
import { ddb } from './clients.ts';
import { batchGetItems, tableKeys } from './dynamo/batch-get.ts';
import { strip } from './dynamo/items.ts';
import {
  cancellationReasons,
  type TransactWriteItem,
  transact,
  transactUnlessLost,
} from './dynamo/transactions.ts';
import { tableName } from './env.ts';
import { taskItem } from './tasks-repo.ts';
import { watchPut } from './watch-repo.ts';

/**
 * Loans and their grants in the records table (layout in tables.ts). The only code that builds
 * DynamoDB commands for them. Every change is conditional on the state it starts from and goes
 * into one transaction with its audit event; the grants a loan's documents are read through
 * appear and disappear in the same transaction as the loan's ACTIVE status.
 */

export const loanKeys = {
  loan: (id: string) => ({ pk: `LOAN#${id}`, sk: 'LOAN' }),
  /** One per document of a granted loan: `GET /documents/{id}/content` queries by document and borrower. */
  grant: (documentId: string, borrowerSub: string, loanId: string) => ({
    pk: `LOANGRANT#${documentId}`,
    sk: `${borrowerSub}#${loanId}`,
  }),
};

/** Partition of the due-date index (gsi3) that holds every loan with something still out. */
export const LOANS_OUT = 'LOANS#OUT';

const outIndex = (loanId: string, dueAt: string) => ({ gsi3pk: LOANS_OUT, gsi3sk: `${dueAt}#${loanId}` });

export function loanItem(loan: Loan) {
  return {
    ...loanKeys.loan(loan.loanId),
    entity: 'loan',
    gsi2pk: `BORROWER#${loan.borrowerSub}`,
    gsi2sk: `LOAN#${loan.createdAt}#${loan.loanId}`,
    ...loan,
  };
}

export function grantItem(g: LoanGrant) {
  return { ...loanKeys.grant(g.documentId, g.borrowerSub, g.loanId), entity: 'loan-grant', ...g };
}

// ---- Reads ------------------------------------------------------------------------------------

export async function getLoan(loanId: string): Promise<Loan | undefined> {
  const res = await ddb.send(
    new GetCommand({ TableName: tableName(), Key: loanKeys.loan(loanId), ConsistentRead: true }),
  );
  return res.Item ? strip<Loan>(res.Item) : undefined;
}

/** The caller's grants for one document (strongly consistent): one Query, never a scan. */
export async function queryGrants(documentId: string, borrowerSub: string): Promise<LoanGrant[]> {
  const res = await ddb.send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sub)',
      ExpressionAttributeValues: { ':pk': `LOANGRANT#${documentId}`, ':sub': `${borrowerSub}#` },
      ConsistentRead: true,
    }),
  );
  return (res.Items ?? []).map((i) => strip<LoanGrant>(i));
}

/** A borrower's loans, newest first, optionally of one status. */
export async function queryBorrowerLoans(
  borrowerSub: string,
  limit: number,
  status?: LoanStatus,
): Promise<Loan[]> {
  const out: Loan[] = [];
  let startKey: Record<string, unknown> | undefined;
  // A status filter can empty a page; read on until the page is full or the index ends.
  for (let page = 0; page < 20; page++) {
    const res = await ddb.send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :pk AND begins_with(gsi2sk, :loan)',
        ExpressionAttributeValues: { ':pk': `BORROWER#${borrowerSub}`, ':loan': 'LOAN#' },
        ScanIndexForward: false,
        Limit: limit,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    // gsi2 holds keys only: the loans are read from the table and filtered there.
    for (const item of await batchGetItems(tableKeys(res.Items))) {
      const loan = strip<Loan>(item);
      if (status === undefined || loan.status === status) out.push(loan);
    }
    startKey = res.LastEvaluatedKey;
    if (!startKey || out.length >= limit) break;
  }
  return out.slice(0, limit);
}

/** Loans with something still out whose due time is before `now`, longest overdue first. */
export async function queryLoansOutDueBefore(now: string, limit: number): Promise<Loan[]> {
  const out: Loan[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const res = await ddb.send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: 'gsi3',
        KeyConditionExpression: 'gsi3pk = :pk AND gsi3sk < :now',
        ExpressionAttributeValues: { ':pk': LOANS_OUT, ':now': now },
        ScanIndexForward: true,
        Limit: limit,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const item of res.Items ?? []) out.push(strip<Loan>(item));
    startKey = res.LastEvaluatedKey;
  } while (startKey && out.length < limit);
  return out.slice(0, limit);
}

// ---- Writes ------------------------------------------------------------------------------------

export async function createLoan(loan: Loan, audit: AuditInput): Promise<void> {
  await transact([
    {
      Put: { TableName: tableName(), Item: loanItem(loan), ConditionExpression: 'attribute_not_exists(pk)' },
    },
    // Watched until it ends: no loan waits (or stays active) on an execution that is gone.
    watchPut({ kind: 'loan', recordId: loan.loanId, executionArn: loan.executionArn, since: loan.createdAt }),
    auditPut(audit),
  ]);
}

const PENDING_OF_EXECUTION = '#status = :pending AND executionArn = :arn';

/**
 * PENDING_APPROVAL → ACTIVE with its due time, the loan enters the out index, and one grant per
 * document appears, in one transaction. False when the loan was not pending under this execution.
 */
export async function grantLoan(
  loan: Loan,
  grants: readonly LoanGrant[],
  args: { executionArn: string; grantedAt: string; dueAt: string; approvedBy: string[] },
  audit: AuditInput,
): Promise<boolean> {
  const table = tableName();
  const idx = outIndex(loan.loanId, args.dueAt);
  return transactUnlessLost([
    {
      Update: {
        TableName: table,
        Key: loanKeys.loan(loan.loanId),
        ConditionExpression: PENDING_OF_EXECUTION,
        UpdateExpression:
          'SET #status = :active, grantedAt = :at, dueAt = :due, approvedBy = :by, updatedAt = :at, gsi3pk = :gpk, gsi3sk = :gsk',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':pending': 'PENDING_APPROVAL',
          ':arn': args.executionArn,
          ':active': 'ACTIVE',
          ':at': args.grantedAt,
          ':due': args.dueAt,
          ':by': args.approvedBy,
          ':gpk': idx.gsi3pk,
          ':gsk': idx.gsi3sk,
        },
      },
    },
    ...grants.map((g) => ({ Put: { TableName: table, Item: grantItem(g) } })),
    auditPut(audit),
  ]);
}

/** PENDING_APPROVAL → REJECTED with the reason; false when the loan was not pending under this execution. */
export async function rejectLoan(
  loanId: string,
  executionArn: string,
  rejection: LoanRejection,
  audit: AuditInput,
): Promise<boolean> {
  return transactUnlessLost([
    {
      Update: {
        TableName: tableName(),
        Key: loanKeys.loan(loanId),
        ConditionExpression: PENDING_OF_EXECUTION,
        UpdateExpression: 'SET #status = :rejected, rejection = :rejection, updatedAt = :at',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':pending': 'PENDING_APPROVAL',
          ':arn': executionArn,
          ':rejected': 'REJECTED',
          ':rejection': rejection,
          ':at': rejection.at,
        },
      },
    },
    auditPut(audit),
  ]);
}

/**
 * ACTIVE → EXPIRED at the due time. Digital access ends: the grants go, except those of paper
 * originals, which stay (as EXPIRED) with the loan in the out index until the archivist records
 * their return. False when the loan was not ACTIVE (returned early, or expired already).
 */
export async function expireLoan(loan: Loan, at: string, audit: AuditInput): Promise<boolean> {
  const table = tableName();
  const items: TransactWriteItem[] = [
    {
      Update: {
        TableName: table,
        Key: loanKeys.loan(loan.loanId),
        ConditionExpression: '#status = :active',
        UpdateExpression: `SET #status = :expired, expiredAt = :at, updatedAt = :at${loan.paper ? '' : ' REMOVE gsi3pk, gsi3sk'}`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':active': 'ACTIVE', ':expired': 'EXPIRED', ':at': at },
      },
    },
    ...loan.documents.map((d): TransactWriteItem => {
      const Key = loanKeys.grant(d.documentId, loan.borrowerSub, loan.loanId);
      return d.paper
        ? {
            Update: {
              TableName: table,
              Key,
              UpdateExpression: 'SET #status = :expired',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':expired': 'EXPIRED' },
            },
          }
        : { Delete: { TableName: table, Key } };
    }),
    auditPut(audit),
  ];
  return transactUnlessLost(items);
}

/**
 * Records a return: an ACTIVE loan becomes RETURNED; an EXPIRED loan with paper originals out
 * stays EXPIRED and records that they are back. Either way every grant goes and the loan leaves
 * the out index at once. False when someone else returned it, or its state moved, meanwhile.
 */
export async function returnLoan(
  loan: Loan,
  by: { username: string; sub: string },
  at: string,
  audit: AuditInput,
): Promise<boolean> {
  const table = tableName();
  const wasActive = loan.status === 'ACTIVE';
  return transactUnlessLost([
    {
      Update: {
        TableName: table,
        Key: loanKeys.loan(loan.loanId),
        ConditionExpression: '#status = :from AND attribute_not_exists(returnedAt)',
        UpdateExpression:
          'SET #status = :to, returnedAt = :at, returnedBy = :by, returnedBySub = :sub, updatedAt = :at REMOVE gsi3pk, gsi3sk',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':from': loan.status,
          ':to': wasActive ? 'RETURNED' : loan.status,
          ':at': at,
          ':by': by.username,
          ':sub': by.sub,
        },
      },
    },
    ...loan.documents.map(
      (d): TransactWriteItem => ({
        Delete: { TableName: table, Key: loanKeys.grant(d.documentId, loan.borrowerSub, loan.loanId) },
      }),
    ),
    auditPut(audit),
  ]);
}

export type OpenLoanTaskResult = 'opened' | 'task-exists' | 'loan-not-pending';

/** Creates an approval task while the loan is PENDING_APPROVAL, with its audit event. */
export async function openLoanTask(task: TaskRecord, audit: AuditInput): Promise<OpenLoanTaskResult> {
  const table = tableName();
  try {
    await transact([
      { Put: { TableName: table, Item: taskItem(task), ConditionExpression: 'attribute_not_exists(pk)' } },
      {
        ConditionCheck: {
          TableName: table,
          Key: loanKeys.loan(task.subjectId),
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pending': 'PENDING_APPROVAL' },
        },
      },
      auditPut(audit),
    ]);
    return 'opened';
  } catch (err) {
    const reasons = cancellationReasons(err);
    if (reasons?.[0] === 'ConditionalCheckFailed') return 'task-exists';
    if (reasons?.[1] === 'ConditionalCheckFailed') return 'loan-not-pending';
    throw err;
  }
}
