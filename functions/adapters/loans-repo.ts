import type { Loan, LoanGrant, LoanRejection, LoanStatus } from '../core/loans.ts';
import type { TaskRecord } from '../core/tasks.ts';
import { type AuditInput, auditPut } from './audit.ts';
import { stillFiledItems } from './due-index-repo.ts';
import { batchGetItems, tableKeys } from './dynamo/batch-get.ts';
import { getRecord, recordsUnder, strip } from './dynamo/items.ts';
import { borrowersLoans, entries, INDEX, keys, loansOutKeys, partitions } from './dynamo/keys.ts';
import { fillPage } from './dynamo/query.ts';
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

export function loanItem(loan: Loan) {
  return {
    ...keys.loan(loan.loanId),
    entity: 'loan',
    ...entries.loanOfBorrower(loan.borrowerSub, loan.createdAt, loan.loanId),
    ...loan,
  };
}

export function grantItem(g: LoanGrant) {
  return { ...keys.loanGrant(g.documentId, g.borrowerSub, g.loanId), entity: 'loan-grant', ...g };
}

// ---- Reads ------------------------------------------------------------------------------------

export async function getLoan(loanId: string): Promise<Loan | undefined> {
  return getRecord<Loan>(keys.loan(loanId));
}

/** The caller's grants for one document (strongly consistent): one Query, never a scan. */
export async function queryGrants(documentId: string, borrowerSub: string): Promise<LoanGrant[]> {
  return recordsUnder<LoanGrant>(partitions.grantsOf(documentId).pk, `${borrowerSub}#`);
}

/** A borrower's loans, newest first, optionally of one status. */
export async function queryBorrowerLoans(
  borrowerSub: string,
  limit: number,
  status?: LoanStatus,
): Promise<Loan[]> {
  // A status filter can empty a page; read on until the page is full or the index ends. gsi2
  // holds keys only: the loans are read from the table and filtered there.
  const page = await fillPage(
    {
      TableName: tableName(),
      IndexName: INDEX.gsi2.name,
      KeyConditionExpression: 'gsi2pk = :pk AND begins_with(gsi2sk, :loan)',
      ExpressionAttributeValues: { ':pk': borrowersLoans(borrowerSub), ':loan': 'LOAN#' },
      ScanIndexForward: false,
    },
    limit,
    async (entries) =>
      (await batchGetItems(tableKeys(entries)))
        .map((item) => strip<Loan>(item))
        .filter((loan) => status === undefined || loan.status === status),
  );
  return page.items;
}

/**
 * Loans with something still out whose due time is before `now`, longest overdue first: the first
 * `limit` of each shard key of the loans-out index, merged by due time.
 */
export async function queryLoansOutDueBefore(now: string, limit: number): Promise<Loan[]> {
  const perKey = await Promise.all(
    loansOutKeys().map(async (pk) => {
      const page = await fillPage(
        {
          TableName: tableName(),
          IndexName: INDEX.gsi3.name,
          KeyConditionExpression: 'gsi3pk = :pk AND gsi3sk < :now',
          ExpressionAttributeValues: { ':pk': pk, ':now': now },
          ScanIndexForward: true,
        },
        limit,
        (items) => items,
      );
      return page.items;
    }),
  );
  // The index holds keys only: the loans of the merged first `limit` entries are read from the table.
  const first = perKey
    .flat()
    .sort((a, b) => (String(a.gsi3sk) < String(b.gsi3sk) ? -1 : 1))
    .slice(0, limit);
  return (await stillFiledItems(first)).map(({ item }) => strip<Loan>(item));
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
  const idx = entries.loanOut(loan.loanId, args.dueAt);
  return transactUnlessLost([
    {
      Update: {
        TableName: table,
        Key: keys.loan(loan.loanId),
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
        Key: keys.loan(loanId),
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
        Key: keys.loan(loan.loanId),
        ConditionExpression: '#status = :active',
        UpdateExpression: `SET #status = :expired, expiredAt = :at, updatedAt = :at${loan.paper ? '' : ' REMOVE gsi3pk, gsi3sk'}`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':active': 'ACTIVE', ':expired': 'EXPIRED', ':at': at },
      },
    },
    ...loan.documents.map((d): TransactWriteItem => {
      const Key = keys.loanGrant(d.documentId, loan.borrowerSub, loan.loanId);
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
        Key: keys.loan(loan.loanId),
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
        Delete: { TableName: table, Key: keys.loanGrant(d.documentId, loan.borrowerSub, loan.loanId) },
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
          Key: keys.loan(task.subjectId),
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
