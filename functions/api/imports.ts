import { schemeId } from '../adapters/env.ts';
import { BadRequest } from '../core/errors.ts';
import { importView, openImportSchema, registerRowsSchema } from '../core/imports.ts';
import { getScheme } from '../core/scheme.ts';
import { type ApiRequest, type ApiResponse, apiHandler, parseRequiredBody } from '../http/api.ts';
import type { RouteRecords } from '../http/rules.ts';
import { closeImport, openImport, registerRows, rowsOf } from '../services/import-batches.ts';

/**
 * Import batches (archivists; `npm run import` is their client):
 * - `POST /imports {catalogueSha256}`: opens the catalogue's batch, or finds it (200);
 * - `POST /imports/{importId}/rows {rows}`: registers rows, each answered with its upload URL;
 * - `POST /imports/{importId}/close`: starts the batch's checks, review and archiving (again,
 *   when its workflow stopped);
 * - `GET /imports/{importId}` and `GET /imports/{importId}/rows?after=&limit=`: the batch and its
 *   rows' outcomes.
 * The `import-region` rule reads the batch the path names (services/import-batches.ts).
 */
export const handler = apiHandler('imports', async function handleImports(req) {
  if (req.routeKey === 'POST /imports') return open(req);
  // The chain ran the route's `import-region` rule, which hands over the batch it read.
  const { importBatch: batch } = (req as ApiRequest & { records: RouteRecords<'GET /imports/{importId}'> })
    .records;
  if (req.routeKey === 'POST /imports/{importId}/rows') {
    const scheme = getScheme(schemeId());
    const input = parseRequiredBody(
      registerRowsSchema,
      req.body,
      '{"rows": [{"row", "customerId", ...}]}',
      'rows',
    );
    return {
      status: 200,
      body: { importId: batch.importId, rows: await registerRows(req.actor, scheme, batch, input) },
    };
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
