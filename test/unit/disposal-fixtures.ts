import type { BatchItem, DisposableDocument, DisposalBatch, Hold } from '../../functions/core/disposal.ts';
import { document, setEnv as setIntakeEnv } from './intake-fixtures.ts';

/** Shared data of the retention and disposal tests. */

export const DISPOSAL_WORKFLOW_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:disposal';
export const BATCH_ID = 'KH-2036-04-20360410-1';

export function setEnv(): void {
  setIntakeEnv();
  process.env.DISPOSAL_WORKFLOW_ARN = DISPOSAL_WORKFLOW_ARN;
  delete process.env.DANGAN_CLOCK_OFFSET_SECONDS;
}

/** An archived ID copy (D10, ACCOUNT_CLOSED) of the intake fixtures' submission. */
export function archived(i: number, overrides: Partial<DisposableDocument> = {}): DisposableDocument {
  return {
    ...document(i),
    docType: 'IDCOPY',
    status: 'ARCHIVED',
    archiveCode: `Z001-KH·2026-D10-YK-000${i + 1}`,
    archivedAt: '2026-03-15T09:30:00.000Z',
    codeAssignedAt: '2026-03-15T09:30:00.000Z',
    retentionCode: 'D10',
    retentionTrigger: 'ACCOUNT_CLOSED',
    retainUntil: '2036-03-15T09:30:00.000Z',
    legalHold: false,
    archiveVersionId: `v-${i}`,
    ...overrides,
  };
}

/** Archived, clock started on 2026-04-01, due 2036-04-01. */
export const due = (i: number, overrides: Partial<DisposableDocument> = {}) =>
  archived(i, { clockStart: '2026-04-01T00:00:00.000Z', dueOn: '2036-04-01', ...overrides });

export const docRow = (d: DisposableDocument, index?: { day: string }) => ({
  pk: `DOCUMENT#${d.documentId}`,
  sk: 'DOCUMENT',
  entity: 'document',
  ...(index ? { gsi3pk: `DUE#${index.day.slice(0, 7)}`, gsi3sk: `${index.day}#${d.documentId}` } : {}),
  ...d,
});

export function batch(overrides: Partial<DisposalBatch> = {}): DisposalBatch {
  return {
    batchId: BATCH_ID,
    schemeId: 'power-supply',
    fonds: 'Z001',
    category: 'KH',
    dueMonth: '2036-04',
    sweepDate: '2036-04-10',
    part: 1,
    status: 'DESTROYING',
    itemCount: 2,
    createdAt: '2036-04-10T18:00:00.000Z',
    updatedAt: '2036-04-10T18:00:00.000Z',
    round: 1,
    appraisedBy: 'archivist1',
    appraisedBySub: 'sub-archivist1',
    approvedBy: 'approver1',
    approvedBySub: 'sub-approver1',
    ...overrides,
  };
}

export const batchRow = (b: DisposalBatch) => ({
  pk: `DISPOSAL#${b.batchId}`,
  sk: 'BATCH',
  entity: 'disposal-batch',
  ...b,
});

export function item(i: number, overrides: Partial<BatchItem> = {}): BatchItem {
  const d = due(i);
  return {
    batchId: BATCH_ID,
    documentId: d.documentId,
    status: 'PROPOSED',
    archiveCode: d.archiveCode as string,
    title: d.title,
    docType: d.docType,
    customerId: d.customerId,
    retentionCode: 'D10',
    retentionYears: 10,
    clockStart: '2026-04-01T00:00:00.000Z',
    dueOn: '2036-04-01',
    archivedAt: '2026-03-15T09:30:00.000Z',
    proposedAt: '2036-04-10T18:00:00.000Z',
    ...overrides,
  };
}

export const itemRow = (it: BatchItem) => ({
  pk: `DISPOSAL#${it.batchId}`,
  sk: `ITEM#${it.documentId}`,
  entity: 'disposal-item',
  ...it,
});

export function hold(documentId: string, overrides: Partial<Hold> = {}): Hold {
  return {
    holdId: 'b7e1f0c2-0000-4000-8000-00000000h001',
    documentId,
    reason: '诉讼保全 litigation',
    status: 'ACTIVE',
    placedBy: 'archivist1',
    placedBySub: 'sub-archivist1',
    placedAt: '2036-04-05T08:00:00.000Z',
    ...overrides,
  };
}

export const holdRow = (h: Hold) => ({
  pk: `DOCUMENT#${h.documentId}`,
  sk: `HOLD#${h.holdId}`,
  entity: 'hold',
  ...h,
});

/** Sets the functions' clock (the local realisation's offset) so that `now()` is `iso`. */
export function clockAt(iso: string): void {
  process.env.DANGAN_CLOCK_OFFSET_SECONDS = String((Date.parse(iso) - Date.now()) / 1000);
}
