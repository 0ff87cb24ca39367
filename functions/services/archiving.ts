import { type ArchivedCopy, completeArchive } from '../adapters/archiving-repo.ts';
import { SYSTEM_ACTOR } from '../adapters/audit.ts';
import { releaseSequenceRange, reserveSequenceNumbers } from '../adapters/code-sequences.ts';
import { getCustomer as getCustomerRecord } from '../adapters/customers-repo.ts';
import { getDocuments } from '../adapters/documents-repo.ts';
import { logger } from '../adapters/logger.ts';
import { emitCount } from '../adapters/metrics.ts';
import { copyToArchive, headArchiveObject, lockArchiveCopy } from '../adapters/storage.ts';
import { getSubmission } from '../adapters/submissions-repo.ts';
import {
  parseArchiveCode,
  SEQUENCE_NEAR_FULL_METRIC,
  sequenceAlarmAt,
  sequenceCapacity,
  sequenceKey,
} from '../core/archive-code.ts';
import { isEarlierCopy } from '../core/archive-copies.ts';
import { now } from '../core/clock.ts';
import {
  archiveObjectKey,
  archiveObjectMetadata,
  type CodeAssignment,
  codeGroups,
  type DocumentRecord,
  numberCodes,
} from '../core/documents.ts';
import { legacySequence, retentionFromOwnDate } from '../core/imports.ts';
import { retentionPlan } from '../core/retention.ts';
import { accountClosedOn, waitsForAccountClosure } from '../core/retention-triggers.ts';
import { documentType, getScheme, type Scheme } from '../core/scheme.ts';
import { intakeKeyOf, type Submission } from '../core/submissions.ts';
import { TransientError, WorkflowStateError } from '../core/workflow-errors.ts';
import { accountClosed } from './retention-clock.ts';

/**
 * Archiving a reviewed submission (the intake workflow's Archive step), in four parts, each safe
 * to run again:
 * 1. reserve archive codes: per sequence, as many numbers as the submission has documents for
 *    it, taken by one UpdateItem on the sequence that cannot lose a race and kept in a
 *    reservation item of the submission's that a repeated step finds again (the same range, no
 *    new numbers); the archive date is the time the workflow entered the step, the same for
 *    every attempt, so the code year and sequences are too;
 * 2. copy each original, the intake version its upload recorded, into the archive bucket with
 *    its code, verify the copy's SHA-256 and only then lock it under COMPLIANCE retention,
 *    permanent records far ahead (core/permanence.ts), never under a legal hold (an existing
 *    copy of the same document and checksum is reused and locked);
 * 3. in one transaction: the code items, the documents with their codes ARCHIVED, the
 *    submission ARCHIVED and the audit event with every code;
 * 4. release the reservations, deleting their items without writing the sequences (also when a
 *    repeated step finds the submission archived).
 * Codes are never reused (a code item exists once) and sequences have no gaps: a reserved
 * number belongs to the submission until its archiving gives it to a document.
 */

export interface ArchiveInput {
  submissionId: string;
  decidedBy: string;
  executionId: string;
  /** When the workflow entered the step (`$$.State.EnteredTime`): the archive date. */
  archivedAt?: string;
}

export interface ArchiveOutput {
  archived: { documentId: string; archiveCode: string }[];
}

const COPY_CONCURRENCY = 4;

const archivedList = (docs: readonly DocumentRecord[]) =>
  docs.flatMap((d) => (d.archiveCode ? [{ documentId: d.documentId, archiveCode: d.archiveCode }] : []));

interface Reserved {
  /** The archive date: the code year and the retention clocks start from it. */
  at: string;
  codes: Map<string, CodeAssignment>;
}

/** Reserves the codes of the documents without one, sequence by sequence, in submission order. */
async function reserveCodes(
  scheme: Scheme,
  submission: Submission,
  pending: readonly DocumentRecord[],
  archivedAt: string,
): Promise<Reserved> {
  const codes = new Map<string, CodeAssignment>();
  for (const group of codeGroups(scheme, submission.businessEvent, pending, new Date(archivedAt))) {
    const numbers = await reserveSequenceNumbers(
      group.sequenceKey,
      submission.submissionId,
      group.documentIds.length,
      now().toISOString(),
    );
    for (const a of numberCodes(scheme.codeTemplate, group, numbers)) codes.set(a.documentId, a);
    warnWhenNearlyFull(scheme, group.sequenceKey, numbers);
  }
  return { at: archivedAt, codes };
}

/**
 * A sequence at 80% of its width raises the stack's alarm while there is time to widen the
 * scheme's `{seq}` for the next year; past its width it goes on with wider numbers regardless.
 */
function warnWhenNearlyFull(scheme: Scheme, key: string, numbers: readonly number[]): void {
  const highest = Math.max(...numbers);
  const alarmAt = sequenceAlarmAt(scheme.codeTemplate);
  if (highest < alarmAt) return;
  emitCount(
    SEQUENCE_NEAR_FULL_METRIC,
    numbers.filter((n) => n >= alarmAt).length,
    `archive-code sequence ${key} is at ${highest} of ${sequenceCapacity(scheme.codeTemplate)}`,
    { sequenceKey: key, highest, capacity: sequenceCapacity(scheme.codeTemplate) },
  );
}

/** Releases the reservations of the sequences the documents' codes come from. */
async function releaseCodes(scheme: Scheme, submissionId: string, codes: readonly string[]): Promise<void> {
  const keys = new Set(
    codes.flatMap((code) => {
      const parts = parseArchiveCode(scheme.codeTemplate, code);
      return parts ? [sequenceKey(scheme.codeTemplate, parts)] : [];
    }),
  );
  for (const key of keys) await releaseSequenceRange(key, submissionId);
}

async function lockOriginal(scheme: Scheme, doc: DocumentRecord, reserved: Reserved): Promise<ArchivedCopy> {
  const type = documentType(scheme, doc.docType);
  if (!type) throw new WorkflowStateError(`document type ${doc.docType} is not in scheme ${scheme.id}`);
  // A migrated document keeps its legacy code, whose code item is written like a new one's.
  const legacy = doc.legacyCode === undefined ? undefined : legacySequence(scheme, doc.legacyCode);
  const code =
    legacy && doc.legacyCode
      ? { archiveCode: doc.legacyCode, ...legacy }
      : reserved.codes.get(doc.documentId);
  // A document that already carries a code (given by an earlier version of this step) keeps it.
  const archiveCode = doc.archiveCode ?? code?.archiveCode;
  const archivedAt = doc.codeAssignedAt ?? reserved.at;
  if (!archiveCode) throw new Error(`document ${doc.documentId} has no archive code`);
  // A migrated document's retention counts from its own date (a lock is never in the past).
  const retention = doc.documentDate
    ? retentionFromOwnDate(type, doc.documentDate, now())
    : retentionPlan(type, archivedAt);
  const key = archiveObjectKey(doc.documentId);
  const base = {
    documentId: doc.documentId,
    archiveCode,
    ...(doc.archiveCode === undefined && code ? { sequenceKey: code.sequenceKey, seq: code.seq } : {}),
    archivedAt,
    retention,
  };

  const metadata = archiveObjectMetadata({ ...doc, archiveCode });
  const existing = await headArchiveObject(key);
  if (
    isEarlierCopy(existing, {
      documentId: doc.documentId,
      archiveCodeMetadata: metadata['archive-code'],
      sha256: doc.sha256,
    })
  ) {
    // A step that died between copying and locking left it unlocked: lock it now (the same lock
    // again is accepted when it is locked already).
    await lockArchiveCopy(key, existing.versionId, retention);
    logger.info('original already in the archive; reused', { documentId: doc.documentId });
    return { ...base, archiveVersionId: existing.versionId };
  }
  const copy = await copyToArchive({
    sourceKey: intakeKeyOf(doc),
    // The version the checks and the reviewer saw, never what the key holds now.
    ...(doc.receivedVersionId ? { sourceVersionId: doc.receivedVersionId } : {}),
    destKey: key,
    contentType: doc.contentType,
    metadata,
    retention,
    expectedSha256Hex: doc.sha256,
  });
  return { ...base, archiveVersionId: copy.versionId };
}

export async function archiveSubmission(input: ArchiveInput): Promise<ArchiveOutput> {
  const submission = await getSubmission(input.submissionId);
  if (!submission) throw new WorkflowStateError(`submission ${input.submissionId} does not exist`);
  if (submission.executionArn !== input.executionId) {
    throw new WorkflowStateError(`submission ${input.submissionId} belongs to another execution`);
  }
  if (submission.status === 'ARCHIVED') {
    const archived = await getDocuments(submission.documentIds);
    const scheme = getScheme(submission.schemeId);
    await releaseCodes(
      scheme,
      submission.submissionId,
      archivedList(archived).map((a) => a.archiveCode),
    );
    await startClocksOfClosedAccount(scheme, submission.customerId, archived);
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
    toLock.filter((d) => !d.archiveCode && !d.legacyCode),
    input.archivedAt ?? now().toISOString(),
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
  await releaseCodes(
    scheme,
    submission.submissionId,
    copies.map((c) => c.archiveCode),
  );
  const codes = new Map(copies.map((c) => [c.documentId, c.archiveCode]));
  const archived = docs.map((d) => ({ ...d, archiveCode: d.archiveCode ?? codes.get(d.documentId) }));
  await startClocksOfClosedAccount(scheme, submission.customerId, archived);
  logger.info('submission archived', { submissionId: submission.submissionId, documents: docs.length });
  return { archived: archivedList(archived) };
}

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
  if (!waitsForAccountClosure(scheme, docs)) return;
  const closedOn = accountClosedOn(await getCustomerRecord(customerId));
  if (!closedOn) return;
  await accountClosed(customerId, closedOn, SYSTEM_ACTOR, now());
}
