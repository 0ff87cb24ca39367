import { getDocuments } from '../adapters/documents-repo.ts';
import { getImportRow } from '../adapters/import-batches-repo.ts';
import { presignUpload } from '../adapters/presign.ts';
import { now } from '../core/clock.ts';
import { BadRequest } from '../core/errors.ts';
import type { ImportBatch } from '../core/imports.ts';
import type { Scheme } from '../core/scheme.ts';
import { intakeKeyOf } from '../core/submissions.ts';

/**
 * Upload URLs of registered rows (`POST /imports/{importId}/uploads {rows}`): for each row whose
 * scan has not arrived, a presigned PUT bound like a submission's (key, type, length, SHA-256 and
 * the document's upload id, so a URL signed again for a stopped import's row is as good as the
 * first); a row whose scan arrived needs none. Only while the batch is open. Apart from the other
 * routes of the batch, so only this function carries the S3 client.
 */
export async function uploadsFor(scheme: Scheme, batch: ImportBatch, rows: readonly number[]) {
  const found = await Promise.all(rows.map((n) => getImportRow(batch.importId, n)));
  const unknown = rows.filter((_, i) => !found[i]);
  if (unknown.length > 0) {
    throw new BadRequest(
      `rows ${unknown.join(', ')} are not registered in import batch ${batch.importId} / 第 ${unknown.join('、')} 行未登记`,
      [{ path: 'rows', message: `not registered: ${unknown.join(', ')}` }],
    );
  }
  const docs = new Map(
    (await getDocuments(found.flatMap((r) => (r ? [r.documentId] : [])))).map((d) => [d.documentId, d]),
  );
  const time = now();
  return Promise.all(
    found.map(async (r) => {
      const row = r as NonNullable<typeof r>;
      const doc = docs.get(row.documentId);
      if (doc?.status !== 'PENDING_UPLOAD' || batch.status !== 'OPEN') {
        return { row: row.row, uploaded: doc !== undefined && doc.status !== 'PENDING_UPLOAD' };
      }
      const upload = await presignUpload({
        key: intakeKeyOf(doc),
        contentType: doc.contentType,
        size: doc.size,
        sha256Hex: doc.sha256,
        uploadId: doc.uploadId ?? '',
        expiresIn: scheme.limits.uploadUrlSeconds,
        now: time,
      });
      return { row: row.row, uploaded: false, upload };
    }),
  );
}
