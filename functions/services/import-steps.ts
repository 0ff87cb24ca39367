import { type AuditInput, SYSTEM_ACTOR } from '../adapters/audit.ts';
import { raiseSequence } from '../adapters/code-sequences.ts';
import { getDocuments } from '../adapters/documents-repo.ts';
import {
  getImportBatch,
  getImportRow,
  listImportRows,
  markRowArchived,
  markRowChecked,
  markRowFailed,
  markRowRejected,
  openImportReview,
  updateImportBatch,
} from '../adapters/import-batches-repo.ts';
import { logger } from '../adapters/logger.ts';
import { scanStatus } from '../adapters/scanner.ts';
import { getSubmission } from '../adapters/submissions-repo.ts';
import { getTask } from '../adapters/tasks-repo.ts';
import { now } from '../core/clock.ts';
import type { DocumentRecord } from '../core/documents.ts';
import {
  archivePageCounts,
  checkWords,
  type ImportBatch,
  type ImportDecision,
  type ImportRow,
  importTaskId,
  isRejected,
  legacySequence,
  ROWS_AT_ONCE,
  ROWS_PER_ARCHIVE_STEP,
  ROWS_PER_CHECK_STEP,
  rejectionWords,
  SCAN_GRACE_SECONDS,
  SCAN_NEVER_ARRIVED,
  sampleRows,
} from '../core/imports.ts';
import { type Problem, runIntakeChecks } from '../core/intake-checks.ts';
import { mapPooled } from '../core/pool.ts';
import { getScheme, type Scheme } from '../core/scheme.ts';
import { intakeKeyOf } from '../core/submissions.ts';
import { dueAt, type TaskRecord } from '../core/tasks.ts';
import { NothingToReview, ScanPending, TransientError, WorkflowStateError } from '../core/workflow-errors.ts';
import { archiveSubmission } from './archiving.ts';
import { keepExistingTask, taskOpenedEvent } from './open-task.ts';

/**
 * The import-batch workflow's steps (statemachines/import-batch.asl.json), each bounded to a page
 * of rows and safe to run again: Check runs intake's four checks on the next rows and feeds the
 * random sample; Review opens one task for the batch; Archive archives (or, as the reviewer
 * decided, rejects) the next rows through intake's own archiving. Each step moves the batch's
 * cursor only after its rows are written, conditionally on the cursor it started from, so a step
 * that died is run again over the same rows, which it finds done.
 */

async function batchOfExecution(importId: string, executionId: string): Promise<ImportBatch> {
  const batch = await getImportBatch(importId);
  if (!batch) throw new WorkflowStateError(`import batch ${importId} does not exist`);
  if (batch.executionArn !== executionId) {
    throw new WorkflowStateError(`import batch ${importId} belongs to another execution`);
  }
  return batch;
}

const audit = (
  importId: string,
  action: string,
  at: string,
  details: Record<string, unknown>,
): AuditInput => ({
  action,
  actor: SYSTEM_ACTOR,
  targetType: 'import',
  targetId: importId,
  at,
  details,
});

type Checked = 'passed' | 'failed' | 'pending';

async function checkRow(
  scheme: Scheme,
  batch: ImportBatch,
  row: ImportRow,
  doc: DocumentRecord | undefined,
  late: boolean,
): Promise<Checked> {
  if (row.status === 'CHECKED') return 'passed';
  if (row.status !== 'REGISTERED') return 'failed';
  const at = now().toISOString();
  const scan =
    doc && doc.status !== 'PENDING_UPLOAD'
      ? await scanStatus(intakeKeyOf(doc), doc.receivedVersionId)
      : undefined;
  const fail = async (problems: Problem[], words = checkWords(problems)) => {
    const rejection = { reason: words.en, problems, decidedBy: 'system', at, attempt: 1 };
    const written = await markRowFailed(
      row,
      rejection,
      problems,
      words,
      audit(batch.importId, 'import.row-failed', at, {
        row: row.row,
        submissionId: row.submissionId,
        problems,
      }),
    );
    if (!written) throw new TransientError(`import row ${row.row} changed while it was checked`);
    return 'failed' as const;
  };
  if (!doc || scan === undefined) {
    if (!late) return 'pending';
    return fail([{ check: 'integrity', message: SCAN_NEVER_ARRIVED.en }], SCAN_NEVER_ARRIVED);
  }
  const outcome = runIntakeChecks({
    scheme,
    submission: { businessEvent: doc.businessEvent, documentIds: [doc.documentId] },
    documents: [doc],
    scans: { [doc.documentId]: scan },
    migrated: true,
  });
  if (!outcome.valid) return fail(outcome.problems);
  const written = await markRowChecked(
    row,
    batch.executionArn ?? '',
    at,
    audit(batch.importId, 'import.row-checked', at, { row: row.row, submissionId: row.submissionId }),
  );
  if (!written) throw new TransientError(`import row ${row.row} changed while it was checked`);
  return 'passed';
}

/** Step Check: the next page of rows through the intake checks; `more` while rows remain. */
export async function checkImportRows(input: { importId: string; executionId: string }) {
  const batch = await batchOfExecution(input.importId, input.executionId);
  if (batch.status !== 'CHECKING') return { more: false };
  const scheme = getScheme(batch.schemeId);
  const page = await listImportRows(batch.importId, batch.cursor, ROWS_PER_CHECK_STEP);
  const docs = new Map(
    (await getDocuments(page.rows.map((r) => r.documentId))).map((d) => [d.documentId, d]),
  );
  const closedAt = Date.parse(batch.closedAt ?? batch.updatedAt);
  const late = now().getTime() - closedAt > SCAN_GRACE_SECONDS * 1000;
  const outcomes = await mapPooled(page.rows, ROWS_AT_ONCE, (row) =>
    checkRow(scheme, batch, row, docs.get(row.documentId), late),
  );
  const pending = page.rows.filter((_, i) => outcomes[i] === 'pending');
  if (pending.length > 0) {
    throw new ScanPending(
      `import ${batch.importId}: waiting for the scans of rows ${pending.map((r) => r.row).join(', ')}`,
    );
  }
  const passed = page.rows.filter((_, i) => outcomes[i] === 'passed');
  const at = now().toISOString();
  // New codes of a sequence continue after the highest legacy number the batch brings.
  for (const r of passed) {
    const legacy = r.legacyCode ? legacySequence(scheme, r.legacyCode) : undefined;
    if (legacy) await raiseSequence(legacy.sequenceKey, legacy.seq, at);
  }
  const sampled = sampleRows(
    { seen: batch.passed, sample: batch.sample },
    passed.map((r) => r.row),
    scheme.limits.importSampleSize,
    batch.importId,
  );
  const last = page.rows.at(-1)?.row ?? batch.cursor;
  const moved = await updateImportBatch(
    batch.importId,
    { status: ['CHECKING'], cursor: batch.cursor },
    {
      cursor: last,
      passed: sampled.seen,
      failed: batch.failed + outcomes.filter((o) => o === 'failed').length,
      sample: sampled.sample,
      updatedAt: at,
    },
    undefined,
  );
  if (!moved) throw new TransientError(`import ${batch.importId} moved while its rows were checked`);
  return { more: page.more };
}

/**
 * Step Review (`.waitForTaskToken`): one review task for the batch, for reviewers in its regions
 * and never its importer, showing the sample (whose scans its decider may open). A batch with no
 * row left to review, or whose task was decided before the workflow was started again, throws
 * NothingToReview: Archive follows with the decision kept on the batch.
 */
export async function openImportBatchReview(input: {
  importId: string;
  executionId: string;
  taskToken: string;
  enteredAt: string;
}) {
  const batch = await batchOfExecution(input.importId, input.executionId);
  const taskId = importTaskId(batch.importId);
  if (batch.status === 'IN_REVIEW') {
    const task = await getTask(taskId);
    if (task?.status === 'DONE' && task.decision) {
      await recordDecision(batch, {
        decision: task.decision,
        comment: task.comment ?? '',
        decidedBy: task.decidedBy ?? 'unknown',
        rows: task.rows ?? [],
      });
      throw new NothingToReview(`import ${batch.importId}: its review was decided before`);
    }
    return keepExistingTask(taskId, input.taskToken, 'import review task');
  }
  if (batch.status !== 'CHECKING' || batch.passed === 0) {
    throw new NothingToReview(`import ${batch.importId} has no rows to review (${batch.status})`);
  }
  const scheme = getScheme(batch.schemeId);
  const sample = [...batch.sample].sort((a, b) => a - b);
  const rows = (await Promise.all(sample.map((n) => getImportRow(batch.importId, n)))).flatMap((r) =>
    r ? [r] : [],
  );
  const at = now().toISOString();
  const task: TaskRecord = {
    taskId,
    kind: 'import-review',
    role: 'reviewer',
    status: 'OPEN',
    subjectType: 'import',
    subjectId: batch.importId,
    summary: {
      text: `Import ${batch.importId}: ${batch.passed} rows passed the checks, ${batch.failed} failed; a sample of ${rows.length} to inspect`,
      importId: batch.importId,
      importedBy: batch.createdByName,
      rows: batch.rows,
      passed: batch.passed,
      failed: batch.failed,
      sample: rows.map((r) => ({ row: r.row, submissionId: r.submissionId, documentId: r.documentId })),
    },
    createdAt: at,
    dueAt: dueAt(input.enteredAt, scheme.limits.reviewTimeoutHours * 3600),
    taskToken: input.taskToken,
    requesterSub: batch.createdBy,
    ...(batch.regions ? { regions: batch.regions } : {}),
    executionId: input.executionId,
  };
  const opened = await openImportReview(
    task,
    rows.map((r) => r.submissionId),
    at,
    taskOpenedEvent(task, at, { importId: batch.importId, sample: rows.map((r) => r.row) }),
  );
  if (opened) return { taskId };
  return keepExistingTask(taskId, input.taskToken, 'import review task');
}

async function recordDecision(batch: ImportBatch, decision: ImportDecision): Promise<void> {
  const at = now().toISOString();
  const moved = await updateImportBatch(
    batch.importId,
    { status: ['IN_REVIEW', 'CHECKING'] },
    { status: 'ARCHIVING', decision, updatedAt: at },
    audit(batch.importId, 'import.decided', at, {
      ...decision,
      sample: batch.sample,
      importedBy: batch.createdByName,
    }),
  );
  if (!moved) throw new TransientError(`import ${batch.importId} moved while its decision was recorded`);
}

async function archiveRow(batch: ImportBatch, row: ImportRow, decision: ImportDecision): Promise<void> {
  if (row.status !== 'CHECKED') return;
  const at = now().toISOString();
  if (isRejected(decision, row.row)) {
    const words = rejectionWords(decision);
    const rejection = { reason: words.en, problems: [], decidedBy: decision.decidedBy, at, attempt: 1 };
    await markRowRejected(
      row,
      rejection,
      words,
      audit(batch.importId, 'import.row-rejected', at, {
        row: row.row,
        submissionId: row.submissionId,
        ...decision,
      }),
    );
    return;
  }
  const submission = await getSubmission(row.submissionId);
  if (!submission?.executionArn)
    throw new WorkflowStateError(`import row ${row.row} has no submission in review`);
  // The row's submission was put in review by this batch's workflow; the batch guards the execution.
  const result = await archiveSubmission({
    submissionId: row.submissionId,
    decidedBy: decision.decidedBy,
    executionId: submission.executionArn,
  });
  const code = result.archived.find((a) => a.documentId === row.documentId)?.archiveCode;
  if (!code) throw new WorkflowStateError(`import row ${row.row} was archived without a code`);
  await markRowArchived(row, code);
}

/**
 * Step Archive: the next page of rows archived under Object Lock (intake's archiving: codes, the
 * verified copy, the lock, one transaction), or rejected as the reviewer named them; `more` while
 * rows remain, and the batch DONE after the last page.
 */
export async function archiveImportRows(input: {
  importId: string;
  executionId: string;
  decision?: { decision: 'approve' | 'reject'; comment?: string; decidedBy: string; rows?: number[] };
}) {
  let batch = await batchOfExecution(input.importId, input.executionId);
  if (batch.status === 'DONE') return { more: false };
  if (batch.status === 'IN_REVIEW' || batch.status === 'CHECKING') {
    const given = input.decision;
    await recordDecision(batch, {
      decision: given?.decision ?? 'approve',
      comment: given?.comment ?? '',
      decidedBy: given?.decidedBy ?? 'system',
      rows: given?.rows ?? [],
    });
    batch = await batchOfExecution(input.importId, input.executionId);
  }
  const decision = batch.decision;
  if (batch.status !== 'ARCHIVING' || !decision) {
    throw new WorkflowStateError(`import ${batch.importId} is ${batch.status}, not ARCHIVING`);
  }
  const page = await listImportRows(batch.importId, batch.archiveCursor, ROWS_PER_ARCHIVE_STEP);
  await mapPooled(page.rows, ROWS_AT_ONCE, (r) => archiveRow(batch, r, decision));
  const counted = archivePageCounts(page.rows, decision);
  const archived = batch.archived + counted.archived;
  const rejected = batch.rejected + counted.rejected;
  const at = now().toISOString();
  const last = page.rows.at(-1)?.row ?? batch.archiveCursor;
  const done = !page.more;
  const moved = await updateImportBatch(
    batch.importId,
    { status: ['ARCHIVING'], archiveCursor: batch.archiveCursor },
    {
      archiveCursor: last,
      archived,
      rejected,
      updatedAt: at,
      ...(done ? { status: 'DONE' as const, finishedAt: at } : {}),
    },
    done
      ? audit(batch.importId, 'import.finished', at, {
          rows: batch.rows,
          archived,
          rejected,
          failed: batch.failed,
          decidedBy: decision.decidedBy,
          importedBy: batch.createdByName,
        })
      : undefined,
  );
  if (!moved) throw new TransientError(`import ${batch.importId} moved while its rows were archived`);
  if (done) logger.info('import batch archived', { importId: batch.importId, archived });
  return { more: page.more };
}
