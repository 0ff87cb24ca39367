import ExcelJS from 'exceljs';
import { cellText, type SheetRow } from '../../shared/import/cells.ts';

/**
 * Catalogues as .xlsx, read with exceljs's streaming reader: rows come one at a time from the
 * first worksheet and are not kept. What the reader does keep is the workbook's shared-strings
 * table (each distinct text once) and its styles, which tell a date cell from a number.
 */

/** The rows of the workbook's first worksheet, in order. */
export async function* xlsxRows(path: string): AsyncGenerator<SheetRow> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookReader(path, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  // exceljs (4.4) streams a worksheet as soon as it has the shared strings and the workbook's
  // relationships, and then looks the sheet up in the workbook's model, which is only set once
  // `xl/workbook.xml` is read: a file whose zip holds that entry after the worksheets (exceljs's
  // own writer orders its entries as they finish) failed with "reading 'sheets'". An empty model
  // until then leaves such a sheet unnamed, which nothing here reads.
  const reader = workbook as unknown as { model?: { sheets?: unknown[] } };
  reader.model ??= { sheets: [] };
  for await (const sheet of workbook) {
    for await (const row of sheet) {
      // exceljs numbers cells from 1 and leaves index 0 empty.
      const values = (row.values as unknown[]).slice(1);
      yield { number: row.number, cells: Array.from(values, cellText) };
    }
    return; // the first worksheet only
  }
}
