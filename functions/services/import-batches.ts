import type { AuditInput } from '../adapters/audit.ts';
import { documentsUploaded } from '../adapters/documents-repo.ts';
import {
  createImportBatch,
  getImportBatch,
  listImportBatches,
  listImportRows,
  updateImportBatch,
} from '../adapters/import-batches-repo.ts';
import { watchPut } from '../adapters/watch-repo.ts';
import { executionStatus, importExecutionArn, startImportExecution } from '../adapters/workflows.ts';
import { now } from '../core/clock.ts';
import { Conflict, OutOfRegion } from '../core/errors.ts';
import {
  type ImportBatch,
  type ImportRow,
  importExecutionName,
  importIdOf,
  importRowView,
} from '../core/imports.ts';
import { mayAccessRegions } from '../core/regions.ts';
import type { Actor } from '../core/roles.ts';
import type { Scheme } from '../core/scheme.ts';

/**
 * The import batch as the API serves it (`/imports`, archivists): opening a batch for a catalogue,
 * reading it and its rows, and closing it, which starts (or, after it stopped, starts again) the
 * import-batch workflow (services/import-steps.ts). Rows are registered by import-rows.ts.
 */

export async function openImport(actor: Actor, scheme: Scheme, catalogueSha256: string) {
  const importId = importIdOf(catalogueSha256);
  const existing = await getImportBatch(importId);
  if (existing) return { status: 200, batch: visibleBatch(actor, existing) };
  const at = now().toISOString();
  const batch: ImportBatch = {
    importId,
    schemeId: scheme.id,
    catalogueSha256,
    status: 'OPEN',
    createdBy: actor.sub,
    createdByName: actor.username,
    createdAt: at,
    updatedAt: at,
    rows: 0,
    attempt: 0,
    cursor: 0,
    archiveCursor: 0,
    passed: 0,
    failed: 0,
    sample: [],
    archived: 0,
    rejected: 0,
  };
  const audit: AuditInput = {
    action: 'import.opened',
    actor,
    targetType: 'import',
    targetId: importId,
    at,
    details: { catalogueSha256 },
  };
  if (await createImportBatch(batch, audit)) return { status: 201, batch };
  // Opened at the same moment by another run of the same catalogue.
  const raced = await getImportBatch(importId);
  if (!raced) throw new Error(`import batch ${importId} was neither created nor found`);
  return { status: 200, batch: visibleBatch(actor, raced) };
}

function visibleBatch(actor: Actor, batch: ImportBatch): ImportBatch {
  if (!mayAccessRegions(actor, batch.regions)) throw new OutOfRegion('import batch', batch.importId);
  return batch;
}

/** A page of the batch's rows with their outcomes (for the import's report), and whether each scan arrived. */
export async function rowsOf(batch: ImportBatch, after: number, limit: number) {
  const page = await listImportRows(batch.importId, after, limit);
  const waiting = page.rows.filter((r) => r.status === 'REGISTERED').map((r) => r.documentId);
  const arrived = await documentsUploaded(waiting);
  // A row past REGISTERED was checked, which needed its scan.
  const uploaded = (r: ImportRow) => r.status !== 'REGISTERED' || arrived.has(r.documentId);
  return { items: page.rows.map((r) => importRowView(r, uploaded(r))), more: page.more };
}

/** Import batches the caller may reach, newest first. */
export function listImports(actor: Actor, limit: number, nextToken: string | undefined) {
  return listImportBatches((b) => mayAccessRegions(actor, b.regions), limit, nextToken);
}

const STOPPED = new Set(['FAILED', 'TIMED_OUT', 'ABORTED', 'MISSING']);

/**
 * Closes the batch: its workflow starts (execution `<importId>-<attempt>`). Closing again while it
 * runs changes nothing; closing a batch whose workflow stopped (a step failed for good, or it never
 * started) starts it again, and its steps resume where the batch's cursor says.
 */
export async function closeImport(actor: Actor, batch: ImportBatch): Promise<ImportBatch> {
  if (batch.status === 'DONE') return batch;
  if (batch.rows === 0) {
    throw new Conflict(`import batch ${batch.importId} has no rows / 导入批次没有任何行`);
  }
  if (batch.status !== 'OPEN' && batch.executionArn) {
    if (!STOPPED.has(await executionStatus(batch.executionArn))) return batch;
  }
  return startImport(actor, batch);
}

/**
 * Starts the batch's workflow under the next attempt, recorded first with the batch on watch
 * (functions/core/workflow-health.ts): a start that never happens is found and repaired by
 * starting again, as the stuck record's repair does.
 */
export async function startImport(actor: Actor, batch: ImportBatch): Promise<ImportBatch> {
  const attempt = batch.attempt + 1;
  const name = importExecutionName(batch.importId, attempt);
  const executionArn = importExecutionArn(name);
  const at = now().toISOString();
  const status = batch.status === 'OPEN' ? 'CHECKING' : batch.status;
  const recorded = await updateImportBatch(
    batch.importId,
    { status: [batch.status] },
    { status, attempt, executionArn, updatedAt: at, ...(batch.closedAt ? {} : { closedAt: at }) },
    {
      action: batch.status === 'OPEN' ? 'import.closed' : 'import.resumed',
      actor,
      targetType: 'import',
      targetId: batch.importId,
      at,
      details: { attempt, executionArn, rows: batch.rows },
    },
    [watchPut({ kind: 'import', recordId: batch.importId, executionArn, since: at })],
  );
  if (!recorded) throw new Conflict(`import batch ${batch.importId} changed meanwhile; close it again`);
  await startImportExecution(name, { importId: batch.importId });
  return { ...batch, status, attempt, executionArn, closedAt: batch.closedAt ?? at };
}
