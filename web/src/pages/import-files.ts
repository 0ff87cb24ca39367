import type { SheetRow } from '../../../shared/import/cells.ts';
import { cellText } from '../../../shared/import/cells.ts';
import { csvLines } from '../../../shared/import/csv.ts';
import { sha256Hex } from '../../../shared/import/import-id.ts';
import {
  judgeScan,
  type ScanCheck,
  SNIFF_BYTES_FOR_CHECKS,
  scanMissing,
  sizeProblem,
} from '../../../shared/import/scan-check.ts';
import { t } from '../i18n.ts';

/**
 * The files a person chose for an import, read as the command reads its catalogue and folder
 * (shared/import/ judges them): the catalogue's lines from a CSV (UTF-8 or GB18030, told apart
 * by its bytes) or the first worksheet of an .xlsx (exceljs, loaded only when one is chosen, so
 * the console's main bundle does not carry it); the scans by their path under the chosen folder.
 */

/** A blob's bytes a chunk at a time, read afresh each time. */
export const chunksOf = (blob: Blob) =>
  async function* chunks(): AsyncGenerator<Uint8Array> {
    const reader = blob.stream().getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  };

/** The first worksheet's rows, each cell as the text a person sees in it. */
async function* xlsxLines(file: File): AsyncGenerator<SheetRow> {
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(await file.arrayBuffer());
  const sheet = workbook.worksheets[0];
  if (!sheet) return;
  for (let n = 1; n <= sheet.rowCount; n++) {
    const values = sheet.getRow(n).values as unknown[];
    // exceljs numbers cells from 1 and leaves index 0 empty.
    yield { number: n, cells: Array.from(values.slice(1), cellText) };
  }
}

export const catalogueLines = (file: File): AsyncIterable<SheetRow> =>
  file.name.toLowerCase().endsWith('.xlsx') ? xlsxLines(file) : csvLines(chunksOf(file));

/**
 * The chosen scans by their path under the chosen folder (`2019/wo-1.pdf`: the folder's own name,
 * which the browser puts first, left off) or, for files chosen one by one, by their names.
 */
export function scansByPath(files: Iterable<File>): Map<string, File> {
  const out = new Map<string, File>();
  for (const f of files) {
    const path = f.webkitRelativePath ? f.webkitRelativePath.split('/').slice(1).join('/') : f.name;
    out.set(path, f);
  }
  return out;
}

/** A row's scan read from the chosen files and judged as the command judges one on disk. */
export function scanReader(scans: ReadonlyMap<string, File>, maxBytes: number) {
  return async (file: string, contentType: string): Promise<ScanCheck> => {
    const chosen = scans.get(file);
    if (!chosen) return scanMissing(file, t('impNotChosen'));
    const bad = sizeProblem(file, chosen.size, maxBytes);
    if (bad) return bad;
    let bytes: ArrayBuffer;
    try {
      bytes = await chosen.arrayBuffer();
    } catch (err) {
      return scanMissing(file, err instanceof Error ? err.message : String(err));
    }
    const head = new Uint8Array(bytes, 0, Math.min(bytes.byteLength, SNIFF_BYTES_FOR_CHECKS));
    return judgeScan(file, contentType, head, { size: bytes.byteLength, sha256: await sha256Hex(bytes) });
  };
}
