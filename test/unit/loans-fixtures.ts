import { grantItem, loanItem } from '../../functions/adapters/loans-repo.ts';
import type { DocumentRecord } from '../../functions/core/documents.ts';
import type { Loan, LoanGrant } from '../../functions/core/loans.ts';
import { USERS } from '../support/api-event.ts';
import { DOC_IDS, document } from './intake-fixtures.ts';

/** Shared data of the loan tests. */

export const BORROW_WORKFLOW_ARN =
  'arn:aws:states:us-east-1:000000000000:stateMachine:dangan-borrow-approval';
export const LOAN_ID = '7c1e0f4a-2b3d-4e5f-8a9b-0c1d2e3f4a5b';
export const LOAN_EXECUTION_ARN = `arn:aws:states:us-east-1:000000000000:execution:dangan-borrow-approval:${LOAN_ID}`;

export function setLoanEnv(): void {
  process.env.BORROW_WORKFLOW_ARN = BORROW_WORKFLOW_ARN;
}

/** An archived document; index 1 is an ID copy (sensitive), 0 an application form. */
export function archived(i: number, overrides: Partial<DocumentRecord> = {}): DocumentRecord {
  return document(i, {
    status: 'ARCHIVED',
    archiveCode: `Z001-KH·2026-D30-YK-000${i + 1}`,
    archiveVersionId: `v${i}`,
    archivedAt: '2026-03-03T08:00:00.000Z',
    ...overrides,
  });
}

/** A granted loan of document 0 (not sensitive, not paper) to staff1. */
export function loan(overrides: Partial<Loan> = {}): Loan {
  return {
    loanId: LOAN_ID,
    schemeId: 'power-supply',
    borrowerSub: USERS.staff.sub,
    borrowerName: USERS.staff.username,
    purpose: 'meter dispute 2026-117',
    days: 7,
    documentIds: [DOC_IDS[0]],
    documents: [
      {
        documentId: DOC_IDS[0],
        docType: 'APPFORM',
        archiveCode: 'Z001-KH·2026-D30-YK-0001',
        sensitive: false,
        paper: false,
      },
    ],
    sensitive: false,
    paper: false,
    status: 'ACTIVE',
    createdAt: '2026-03-10T08:00:00.000Z',
    updatedAt: '2026-03-10T09:00:00.000Z',
    executionArn: LOAN_EXECUTION_ARN,
    approvedBy: ['approver1'],
    grantedAt: '2026-03-10T09:00:00.000Z',
    dueAt: '2026-03-17T09:00:00Z',
    ...overrides,
  };
}

/** A loan of a paper original (document 0 as PAPERBOX, shelved in room A). */
export function paperLoan(overrides: Partial<Loan> = {}): Loan {
  return loan({
    documents: [
      {
        documentId: DOC_IDS[0],
        docType: 'PAPERBOX',
        archiveCode: 'Z001-KH·2026-D30-YK-0001',
        sensitive: false,
        paper: true,
        location: { room: 'A', cabinet: '3', box: '17' },
      },
    ],
    paper: true,
    ...overrides,
  });
}

export function grant(overrides: Partial<LoanGrant> = {}): LoanGrant {
  return {
    loanId: LOAN_ID,
    documentId: DOC_IDS[0],
    borrowerSub: USERS.staff.sub,
    purpose: 'meter dispute 2026-117',
    dueAt: '2026-03-17T09:00:00Z',
    status: 'ACTIVE',
    paper: false,
    ...overrides,
  };
}

export const loanRow = (l: Loan) => loanItem(l);
export const grantRow = (g: LoanGrant) => grantItem(g);
