import { SYSTEM_ACTOR } from '../adapters/audit.ts';
import { getCustomer as getCustomerRecord } from '../adapters/customers-repo.ts';
import { logger } from '../adapters/logger.ts';
import {
  type ArchivedCopy,
  assignArchiveCodes,
  completeArchive,
  getDocuments,
  getSequence,
  getSubmission,
  lostCondition,
  type SequenceAdvance,
} from '../adapters/records-repo.ts';
import { accountClosed } from '../adapters/retention-clock.ts';
import { copyToArchive, headArchiveObject } from '../adapters/storage.ts';
import { now } from '../core/clock.ts';
import {
  archiveObjectKey,
  archiveObjectMetadata,
  assignCodes,
  CodeAllocationConflict,
  type CodeAssignment,
  codeGroups,
  type DocumentRecord,
} from '../core/documents.ts';
import { retentionPlan } from '../core/retention.ts';
import { documentType, getScheme, type Scheme } from '../core/scheme.ts';
import { type Submission, TransientError, WorkflowStateError } from '../core/submissions.ts';

/**
 * Workflow step Archive, after approval, in three parts, each safe to run again:
 * 1. allocate archive codes: per sequence, the numbers after the last one used, claimed in one
 *    transaction with the code items and the documents (a lost race re-reads and retries, then
 *    fails with CodeAllocationConflict, which the workflow retries); documents with a code keep it;
 * 2. copy each original into the archive bucket under Object Lock (an existing copy of the same
 *    document and checksum is reused) and verify the copy's SHA-256;
 * 3. mark documents and submission ARCHIVED in one transaction.
 * Codes are never reused and sequences have no gaps: a number is only ever taken together with
 * the document that carries it.
 */

export interface ArchiveInput {
  submissionId: string;
  decidedBy: string;
  executionId: string;
}

export interface ArchiveOutput {
  archived: { documentId: string; archiveCode: string }[];
}

const ALLOCATION_ROUNDS = 5;
const COPY_CONCURRENCY = 4;

const archivedList = (docs: readonly DocumentRecord[]) =>
  docs.flatMap((d) => (d.archiveCode ? [{ documentId: d.documentId, archiveCode: d.archiveCode }] : []));

async function allocateCodes(scheme: Scheme, submission: Submission): Promise<DocumentRecord[]> {
  for (let round = 0; ; round++) {
    const docs = await getDocuments(submission.documentIds);
    if (docs.length !== submission.documentIds.length) {
      throw new WorkflowStateError(`submission ${submission.submissionId} has documents without records`);
    }
    const pending = docs.filter((d) => !d.archiveCode);
    if (pending.length === 0) return docs;
    if (round >= ALLOCATION_ROUNDS) {
      throw new CodeAllocationConflict(
        `archive codes for ${submission.submissionId} lost ${ALLOCATION_ROUNDS} races; retry later`,
      );
    }
    const at = now();
    const groups = codeGroups(scheme, submission.businessEvent, pending, at);
    const sequences: SequenceAdvance[] = [];
    const assignments: CodeAssignment[] = [];
    for (const group of groups) {
      const seen = await getSequence(group.sequenceKey);
      const planned = assignCodes(scheme.codeTemplate, group, seen);
      sequences.push({ sequenceKey: group.sequenceKey, seen, last: planned.last });
      assignments.push(...planned.assignments);
    }
    try {
      await assignArchiveCodes(submission, sequences, assignments, at.toISOString(), {
        action: 'submission.codes-assigned',
        actor: SYSTEM_ACTOR,
        targetType: 'submission',
        targetId: submission.submissionId,
        at: at.toISOString(),
        details: {
          codes: assignments.map((a) => ({ documentId: a.documentId, archiveCode: a.archiveCode })),
        },
      });
    } catch (err) {
      if (!lostCondition(err)) throw err;
      logger.info('archive code allocation lost a race; reading again', {
        round,
        submissionId: submission.submissionId,
      });
      await new Promise((r) => setTimeout(r, 25 * 2 ** round + Math.random() * 50));
    }
  }
}

async function lockOriginal(scheme: Scheme, doc: DocumentRecord): Promise<ArchivedCopy> {
  const type = documentType(scheme, doc.docType);
  if (!type) throw new WorkflowStateError(`document type ${doc.docType} is not in scheme ${scheme.id}`);
  if (!doc.archiveCode || !doc.codeAssignedAt)
    throw new Error(`document ${doc.documentId} has no archive code`);
  const retention = retentionPlan(type, doc.codeAssignedAt);
  const key = archiveObjectKey(doc.documentId);
  const base = {
    documentId: doc.documentId,
    archiveCode: doc.archiveCode,
    archivedAt: doc.codeAssignedAt,
    retention,
    archiveKey: key,
  };

  const existing = await headArchiveObject(key);
  if (
    existing?.versionId &&
    existing.metadata['document-id'] === doc.documentId &&
    existing.sha256Hex === doc.sha256
  ) {
    logger.info('original already in the archive; reused', { documentId: doc.documentId });
    return { ...base, archiveVersionId: existing.versionId };
  }
  const copy = await copyToArchive({
    sourceKey: doc.intakeKey,
    destKey: key,
    contentType: doc.contentType,
    metadata: archiveObjectMetadata(doc),
    retention,
    expectedSha256Hex: doc.sha256,
  });
  return { ...base, archiveVersionId: copy.versionId };
}

export const handler = async (input: ArchiveInput): Promise<ArchiveOutput> => {
  const submission = await getSubmission(input.submissionId);
  if (!submission) throw new WorkflowStateError(`submission ${input.submissionId} does not exist`);
  if (submission.executionArn !== input.executionId) {
    throw new WorkflowStateError(`submission ${input.submissionId} belongs to another execution`);
  }
  if (submission.status === 'ARCHIVED') {
    const archived = await getDocuments(submission.documentIds);
    await startClocksOfClosedAccount(getScheme(submission.schemeId), submission.customerId, archived);
    return { archived: archivedList(archived) };
  }
  if (submission.status !== 'IN_REVIEW') {
    throw new WorkflowStateError(`submission ${input.submissionId} is ${submission.status}, not IN_REVIEW`);
  }
  const scheme = getScheme(submission.schemeId);

  const docs = await allocateCodes(scheme, submission);

  const toLock = docs.filter((d) => d.status === 'UPLOADED');
  const copies: ArchivedCopy[] = [];
  for (let i = 0; i < toLock.length; i += COPY_CONCURRENCY) {
    copies.push(
      ...(await Promise.all(toLock.slice(i, i + COPY_CONCURRENCY).map((d) => lockOriginal(scheme, d)))),
    );
  }

  const at = now().toISOString();
  const done = await completeArchive(
    submission.submissionId,
    input.executionId,
    copies,
    input.decidedBy,
    at,
    {
      action: 'submission.archived',
      actor: SYSTEM_ACTOR,
      targetType: 'submission',
      targetId: submission.submissionId,
      at,
      details: {
        decidedBy: input.decidedBy,
        documents: copies.map((c) => ({
          documentId: c.documentId,
          archiveCode: c.archiveCode,
          retainUntil: c.retention.retainUntil,
          legalHold: c.retention.legalHold,
          archiveVersionId: c.archiveVersionId,
        })),
      },
    },
  );
  if (!done) {
    const now = await getSubmission(input.submissionId);
    if (now?.status !== 'ARCHIVED') {
      throw new TransientError(`submission ${input.submissionId} changed while it was archived`);
    }
  }
  await startClocksOfClosedAccount(scheme, submission.customerId, docs);
  logger.info('submission archived', { submissionId: submission.submissionId, documents: docs.length });
  return { archived: archivedList(docs) };
};

/**
 * Documents filed for an account that has already closed: their ACCOUNT_CLOSED (and unended
 * CONTRACT_END) retention clocks start from the closing date now, as closing the account started
 * those of the documents archived before it. Safe to repeat.
 */
async function startClocksOfClosedAccount(
  scheme: Scheme,
  customerId: string,
  docs: readonly DocumentRecord[],
): Promise<void> {
  const waiting = docs.some((d) => {
    const trigger = documentType(scheme, d.docType)?.trigger;
    return trigger === 'ACCOUNT_CLOSED' || trigger === 'CONTRACT_END';
  });
  if (!waiting) return;
  const customer = await getCustomerRecord(customerId);
  if (customer?.accountStatus !== 'CLOSED' || !customer.closedAt) return;
  await accountClosed(customerId, customer.closedAt, SYSTEM_ACTOR, now());
}
