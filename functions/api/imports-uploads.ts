import { schemeId } from '../adapters/env.ts';
import { uploadsSchema } from '../core/imports.ts';
import { getScheme } from '../core/scheme.ts';
import { apiHandler, parseRequiredBody } from '../http/api.ts';
import { uploadsFor } from '../services/import-uploads.ts';

/**
 * `POST /imports/{importId}/uploads {rows}` (archivists): the presigned uploads of registered rows
 * whose scans have not arrived (services/import-uploads.ts). The `import-region` rule hands over
 * the batch.
 */
export const handler = apiHandler(
  'imports-uploads',
  'POST /imports/{importId}/uploads',
  async function handleImportsUploads({ body, records: { importBatch } }) {
    const input = parseRequiredBody(uploadsSchema, body, '{"rows": [1, 2, ...]}', 'rows');
    return { status: 200, body: { rows: await uploadsFor(getScheme(schemeId()), importBatch, input.rows) } };
  },
);
