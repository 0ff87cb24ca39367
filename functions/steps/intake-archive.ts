import { SYSTEM_ACTOR } from '../adapters/audit.ts';
import { getCustomer as getCustomerRecord } from '../adapters/customers-repo.ts';
import { logger } from '../adapters/logger.ts';
import {
  type ArchivedCopy,
  completeArchive,
  getDocuments,
  getSequence,
  getSubmission,
  reserveArchiveCodes,
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
 * 1. reserve archive codes: per sequence, the numbers after the last one used, taken in one
 *    small transaction that records the first number of each range on the submission (a lost
 *    race re-reads the sequences and retries with backoff, then fails with
 *    CodeAllocationConflict, which the workflow retries); a submission that has its reservation
 *    keeps it, so a repeated step takes no new numbers;
 * 2. copy each original into the archive bucket under Object Lock, with its code (an existing
 *    copy of the same document and checksum is reused), and verify the copy's SHA-256;
 * 3. in one transaction: the code items, the documents with their codes ARCHIVED, the
 *    submission ARCHIVED and the audit event.
 * Codes are never reused (a code item exists once) and sequences have no gaps: a number is only
 * taken for a submission under review whose archiving then completes with it, whatever
 * crashes and retries come between.
 */

export interface ArchiveInput {
  submissionId: string;
  decidedBy: string;
  executionId: string;
}

export interface ArchiveOutput {
  archived: { documentId: string; archiveCode: string }[];
}

const RESERVATION_ROUNDS = 6;
const COPY_CONCURRENCY = 4;

const archivedList = (docs: readonly DocumentRecord[]) =>
  docs.flatMap((d) => (d.archiveCode ? [{ documentId: d.documentId, archiveCode: d.archiveCode }] : []));

interface Reserved {
  /** The archive date: the code year and the retention clocks start from it. */
  at: string;
  codes: Map<string, CodeAssignment>;
}

/** The codes a reservation gives the documents without one, in submission order. */
function codesOf(scheme: Scheme, submission: Submission, pending: readonly DocumentRecord[]): Reserved {
  const at = submission.codesReservedAt as string;
  const ranges = submission.codeRanges ?? {};
  const codes = new Map<string, CodeAssignment>();
  for (const group of codeGroups(scheme, submission.businessEvent, pending, new Date(at))) {
    const first = ranges[group.sequenceKey];
    if (first === undefined) {
      throw new WorkflowStateError(
        `submission ${submission.submissionId} has no reservation in sequence ${group.sequenceKey}`,
      );
    }
    for (const a of assignCodes(scheme.codeTemplate, group, first - 1).assignments)
      codes.set(a.documentId, a);
  }
  return { at, codes };
}

async function reserveCodes(
  scheme: Scheme,
  submission: Submission,
  pending: readonly DocumentRecord[],
  executionArn: string,
): Promise<Reserved> {
  let current = submission;
  for (let round = 0; ; round++) {
    if (current.codeRanges && current.codesReservedAt) return codesOf(scheme, current, pending);
    if (pending.length === 0) return { at: now().toISOString(), codes: new Map() };
    if (round >= RESERVATION_ROUNDS) {
      throw new CodeAllocationConflict(
        `archive codes for ${submission.submissionId} lost ${RESERVATION_ROUNDS} races; retry later`,
      );
    }
    const at = now();
    const sequences: SequenceAdvance[] = [];
    const planned: CodeAssignment[] = [];
    for (const group of codeGroups(scheme, submission.businessEvent, pending, at)) {
      const seen = await getSequence(group.sequenceKey);
      const plan = assignCodes(scheme.codeTemplate, group, seen);
      sequences.push({ sequenceKey: group.sequenceKey, seen, last: plan.last });
      planned.push(...plan.assignments);
    }
    const result = await reserveArchiveCodes(
      submission.submissionId,
      executionArn,
      sequences,
      at.toISOString(),
      {
        action: 'submission.codes-reserved',
        actor: SYSTEM_ACTOR,
        targetType: 'submission',
        targetId: submission.submissionId,
        at: at.toISOString(),
        details: { codes: planned.map((a) => ({ documentId: a.documentId, archiveCode: a.archiveCode })) },
      },
    );
    if (result === 'reserved') {
      return codesOf(
        scheme,
        {
          ...submission,
          codesReservedAt: at.toISOString(),
          codeRanges: Object.fromEntries(sequences.map((s) => [s.sequenceKey, s.seen + 1])),
        },
        pending,
      );
    }
    if (result === 'submission-moved') {
      // Another run of this step reserved first, or the submission left review.
      const again = await getSubmission(submission.submissionId);
      if (again?.status !== 'IN_REVIEW' || again.executionArn !== executionArn) {
        throw new TransientError(`submission ${submission.submissionId} changed while codes were reserved`);
      }
      current = again;
      continue;
    }
    logger.info('archive code reservation lost a race; reading the sequences again', {
      round,
      submissionId: submission.submissionId,
    });
    await new Promise((r) => setTimeout(r, 15 * 2 ** round * (1 + Math.random())));
  }
}

async function lockOriginal(scheme: Scheme, doc: DocumentRecord, reserved: Reserved): Promise<ArchivedCopy> {
  const type = documentType(scheme, doc.docType);
  if (!type) throw new WorkflowStateError(`document type ${doc.docType} is not in scheme ${scheme.id}`);
  const code = reserved.codes.get(doc.documentId);
  // A document that already carries a code (given by an earlier version of this step) keeps it.
  const archiveCode = doc.archiveCode ?? code?.archiveCode;
  const archivedAt = doc.codeAssignedAt ?? reserved.at;
  if (!archiveCode) throw new Error(`document ${doc.documentId} has no archive code`);
  const retention = retentionPlan(type, archivedAt);
  const key = archiveObjectKey(doc.documentId);
  const base = {
    documentId: doc.documentId,
    archiveCode,
    ...(doc.archiveCode === undefined && code ? { sequenceKey: code.sequenceKey, seq: code.seq } : {}),
    archivedAt,
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
    metadata: archiveObjectMetadata({ ...doc, archiveCode }),
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

  const docs = await getDocuments(submission.documentIds);
  if (docs.length !== submission.documentIds.length) {
    throw new WorkflowStateError(`submission ${submission.submissionId} has documents without records`);
  }
  const toLock = docs.filter((d) => d.status === 'UPLOADED');
  const reserved = await reserveCodes(
    scheme,
    submission,
    toLock.filter((d) => !d.archiveCode),
    input.executionId,
  );

  const copies: ArchivedCopy[] = [];
  for (let i = 0; i < toLock.length; i += COPY_CONCURRENCY) {
    copies.push(
      ...(await Promise.all(
        toLock.slice(i, i + COPY_CONCURRENCY).map((d) => lockOriginal(scheme, d, reserved)),
      )),
    );
  }

  const at = now().toISOString();
  const done = await completeArchive(submission, input.executionId, copies, input.decidedBy, at, {
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
  });
  if (!done) {
    const now = await getSubmission(input.submissionId);
    if (now?.status !== 'ARCHIVED') {
      throw new TransientError(`submission ${input.submissionId} changed while it was archived`);
    }
  }
  const codes = new Map(copies.map((c) => [c.documentId, c.archiveCode]));
  const archived = docs.map((d) => ({ ...d, archiveCode: d.archiveCode ?? codes.get(d.documentId) }));
  await startClocksOfClosedAccount(scheme, submission.customerId, archived);
  logger.info('submission archived', { submissionId: submission.submissionId, documents: docs.length });
  return { archived: archivedList(archived) };
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
