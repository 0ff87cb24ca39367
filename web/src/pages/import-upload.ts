import type { CheckedResult } from '../../../shared/import/check.ts';
import { sha256Hex } from '../../../shared/import/import-id.ts';
import type { CheckedRow } from '../../../shared/import/row-check.ts';
import { ApiError, api, qs } from '../api.ts';
import { errorText } from '../app.ts';
import { h, render } from '../dom.ts';
import { t } from '../i18n.ts';
import { putWithRetry } from '../upload.ts';
import type { Checked } from './import-start.ts';
import type { ImportBatchView } from './imports.ts';

/**
 * The import of the rows that passed the checks, through the API the command uses and as it does
 * (scripts/import/batch.ts): the catalogue's batch opened or found again (it is named by the
 * catalogue's SHA-256), customers found by number or created, rows registered 50 at a time, each
 * scan that has not arrived uploaded through the presigned PUT the API signs for it (its SHA-256
 * computed again and compared with the one checked), then the batch closed. Every step is
 * idempotent on the server, so leaving the page and choosing the same files again carries on:
 * registered rows answer whether their scan arrived, and only the others are signed and sent.
 */

/** Rows registered per request (the API takes up to 50), and scans sent at once. */
const ROWS_PER_REQUEST = 50;
const UPLOADS_AT_ONCE = 4;

interface RegisteredRow {
  row: number;
  uploaded: boolean;
  upload?: { url: string; headers: Record<string, string> };
}

type Good = CheckedResult & { check: { fields: CheckedRow } };

/** The customer's id: found by number as the checks saw it, or created with the catalogue's details. */
async function customerId(r: Good, known: Map<string, Promise<string>>): Promise<string> {
  const f = r.check.fields;
  let found = known.get(f.customerNo);
  if (!found) {
    found = (async () => {
      const match = async () =>
        (
          await api<{ items: { customerId: string; customerNo: string }[] }>(
            'GET',
            `/customers${qs({ q: f.customerNo, limit: '1' })}`,
          )
        ).items.find((c) => c.customerNo === f.customerNo)?.customerId;
      const id = await match();
      if (id) return id;
      try {
        const made = await api<{ customerId: string }>('POST', '/customers', {
          customerNo: f.customerNo,
          name: f.customerName,
          type: f.customerType,
          ...(f.region ? { region: f.region } : {}),
        });
        return made.customerId;
      } catch (err) {
        // Created meanwhile (a run that stopped after creating it): find it.
        const again = err instanceof ApiError && err.status === 409 ? await match() : undefined;
        if (again) return again;
        throw err;
      }
    })();
    known.set(f.customerNo, found);
  }
  return found;
}

/** Progress as the command shows it: documents, bytes, rate. */
function progressView(el: HTMLElement, total: { docs: number; bytes: number }) {
  const started = performance.now();
  const done = { docs: 0, bytes: 0 };
  const bar = h('progress', { max: Math.max(total.docs, 1), value: 0, 'data-testid': 'import-bar' });
  const text = h('span', { 'data-testid': 'import-progress-text' });
  const step = h('p', { class: 'hint', 'data-testid': 'import-step' });
  render(el, h('div', { class: 'overall' }, bar, text), step);
  const MB = 1024 * 1024;
  const draw = () => {
    const seconds = Math.max((performance.now() - started) / 1000, 0.001);
    bar.value = done.docs;
    text.textContent = t('impProgress', {
      docs: done.docs,
      total: total.docs,
      mb: (done.bytes / MB).toFixed(1),
      totalMb: (total.bytes / MB).toFixed(1),
      rate: (done.docs / seconds).toFixed(1),
      mbRate: (done.bytes / MB / seconds).toFixed(1),
    });
  };
  draw();
  return {
    add(bytes: number) {
      done.docs++;
      done.bytes += bytes;
      draw();
    },
    step(words: string) {
      step.textContent = words;
    },
  };
}

/** One row's scan, read again and sent if it is still the one checked. */
async function send(r: Good, target: RegisteredRow, file: File): Promise<number> {
  if (target.uploaded || !target.upload) return 0;
  const bytes = await file.arrayBuffer();
  if ((await sha256Hex(bytes)) !== r.sha256) throw new Error(t('impScanChanged', { row: r.row }));
  const upload = {
    method: 'PUT' as const,
    url: target.upload.url,
    headers: target.upload.headers,
    expiresAt: '',
  };
  try {
    await putWithRetry(upload, file, () => undefined);
  } catch (err) {
    throw new Error(t('impUploadFailed', { row: r.row, why: errorText(err) }));
  }
  return bytes.byteLength;
}

export async function importRows(
  c: Checked,
  el: HTMLElement,
  files: ReadonlyMap<string, File>,
): Promise<ImportBatchView> {
  const good = c.good as Good[];
  if (good.length === 0) throw new Error(t('impNoRows'));
  const progress = progressView(el, {
    docs: good.length,
    bytes: good.reduce((n, r) => n + (r.size ?? 0), 0),
  });
  const batch = await api<ImportBatchView>('POST', '/imports', { catalogueSha256: c.catalogueSha256 });
  const path = `/imports/${batch.importId}`;
  if (batch.status === 'OPEN') {
    const customers = new Map<string, Promise<string>>();
    for (let i = 0; i < good.length; i += ROWS_PER_REQUEST) {
      const chunk = good.slice(i, i + ROWS_PER_REQUEST);
      progress.step(t('impRegistering', { from: chunk[0]?.row ?? 0, to: chunk.at(-1)?.row ?? 0 }));
      const rows = await Promise.all(
        chunk.map(async (r) => {
          const f = r.check.fields;
          return {
            row: r.row,
            customerId: await customerId(r, customers),
            businessEvent: f.businessEvent,
            docType: f.docType,
            title: f.title,
            fileName: f.file.split('/').at(-1) ?? f.file,
            file: f.file,
            contentType: f.contentType,
            size: r.size,
            sha256: r.sha256,
            date: f.date,
            ...(f.legacyCode ? { legacyCode: f.legacyCode } : {}),
          };
        }),
      );
      const registered = await api<{ rows: RegisteredRow[] }>('POST', `${path}/rows`, { rows });
      const waiting = registered.rows.filter((r) => !r.uploaded).map((r) => r.row);
      const signed =
        waiting.length === 0
          ? []
          : (await api<{ rows: RegisteredRow[] }>('POST', `${path}/uploads`, { rows: waiting })).rows;
      const byRow = new Map([...registered.rows, ...signed].map((r) => [r.row, r]));
      let next = 0;
      const worker = async () => {
        while (next < chunk.length) {
          const r = chunk[next++] as Good;
          const file = files.get(r.check.fields.file) as File;
          progress.add(await send(r, byRow.get(r.row) as RegisteredRow, file));
        }
      };
      await Promise.all(Array.from({ length: Math.min(UPLOADS_AT_ONCE, chunk.length) }, worker));
    }
  }
  progress.step(t('impClosing'));
  // Closing starts the batch's workflow, or again when it stopped; a running one is left alone.
  return batch.status === 'DONE' ? batch : api<ImportBatchView>('POST', `${path}/close`, {});
}
