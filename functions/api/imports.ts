import { appendAudit } from '../adapters/audit.ts';
import { schemeId } from '../adapters/env.ts';
import { BadRequest } from '../core/errors.ts';
import {
  type ImportBatch,
  importListSchema,
  importView,
  openImportSchema,
  registerRowsSchema,
} from '../core/imports.ts';
import { getScheme } from '../core/scheme.ts';
import { type ApiRequest, type ApiResponse, apiHandler, parseInput, parseRequiredBody } from '../http/api.ts';
import { closeImport, listImports, openImport, rowsOf } from '../services/import-batches.ts';
import { registerRows } from '../services/import-rows.ts';

/**
 * Import batches (archivists; `npm run import` and the console are their clients):
 * - `GET /imports?limit=&nextToken=`: the batches the caller may reach, newest first (audited);
 * - `POST /imports {catalogueSha256}`: opens the catalogue's batch, or finds it (200);
 * - `POST /imports/{importId}/rows {rows}`: registers up to 50 rows (services/import-rows.ts);
 * - `GET /imports/{importId}` and `GET /imports/{importId}/rows?after=&limit=`: the batch and its
 *   rows' outcomes;
 * - `POST /imports/{importId}/close`: starts the batch's checks, review and archiving, or, when its
 *   workflow stopped, starts it again (it resumes); while it runs, closing again changes nothing.
 * Upload URLs come from imports-uploads (the one function of the batch that signs them). The `import-region` rule
 * reads the batch the path names and hands it over.
 */
export const handler = apiHandler('imports', async function handleImports(req) {
  if (req.routeKey === 'POST /imports') return open(req);
  if (req.routeKey === 'GET /imports') return list(req);
  const { importBatch: batch } = (req as ApiRequest & { records: { importBatch: ImportBatch } }).records;
  if (req.routeKey === 'POST /imports/{importId}/rows') {
    const input = parseRequiredBody(
      registerRowsSchema,
      req.body,
      '{"rows": [{"row", "customerId", ...}]}',
      'rows',
    );
    const rows = await registerRows(req.actor, getScheme(schemeId()), batch, input);
    return { status: 200, body: { importId: batch.importId, rows } };
  }
  if (req.routeKey === 'POST /imports/{importId}/close') {
    return { status: 200, body: importView(await closeImport(req.actor, batch)) };
  }
  if (req.routeKey === 'GET /imports/{importId}/rows') {
    const after = pageNumber('after', req.query.after, 0);
    const limit = pageNumber('limit', req.query.limit, 500);
    if (limit < 1 || limit > 1000) throw new BadRequest('limit must be 1 to 1000 / limit 须为 1 到 1000');
    return { status: 200, body: await rowsOf(batch, after, limit) };
  }
  return { status: 200, body: importView(batch) };
});

/** `GET /imports?limit=&nextToken=`: the batches the caller may reach, newest first; the read is audited. */
async function list({ actor, query }: ApiRequest): Promise<ApiResponse> {
  const q = parseInput(importListSchema, query, 'query');
  const page = await listImports(actor, q.limit ?? 50, q.nextToken);
  await appendAudit({
    action: 'imports.listed',
    actor,
    targetType: 'import',
    targetId: 'imports',
    details: { batches: page.items.map((b) => b.importId) },
  });
  return {
    status: 200,
    body: {
      items: page.items.map(importView),
      ...(page.nextToken ? { nextToken: page.nextToken } : {}),
    },
  };
}

async function open({ actor, body }: ApiRequest): Promise<ApiResponse> {
  const input = parseRequiredBody(
    openImportSchema,
    body,
    '{"catalogueSha256": "<64 hex>"}',
    'catalogueSha256',
  );
  const { status, batch } = await openImport(actor, getScheme(schemeId()), input.catalogueSha256);
  return { status, body: importView(batch) };
}

function pageNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,9}$/.test(value)) {
    throw new BadRequest(`${name} must be a whole number / ${name} 须为非负整数`, [
      { path: name, message: 'a whole number' },
    ]);
  }
  return Number(value);
}
