import ExcelJS from 'exceljs';
import { cellText, type SheetRow } from '../../shared/import/cells.ts';
import { zipWithEntriesFirst } from './zip-order.ts';

/**
 * Catalogues as .xlsx, read with exceljs's streaming reader: rows come one at a time from the
 * workbook's first worksheet and are not kept. What the reader does keep is the workbook's
 * shared-strings table (each distinct text once) and its styles, which tell a date cell from a
 * number.
 */

/**
 * The parts exceljs must have read before a worksheet: the sheets' names and order, their files,
 * the shared strings and the styles. Excel writes them first; other writers (exceljs's own among
 * them) may write them after the worksheets, and then exceljs (4.4) sets the worksheets aside and
 * reads them at the end, which now and then (one read in a few hundred, the same file every
 * time) began before those parts were read: cells came as "[object Object]" or the read failed.
 * The file is therefore read with these parts moved to the front (zip-order.ts).
 */
const WORKBOOK_PARTS = [
  'xl/workbook.xml',
  'xl/_rels/workbook.xml.rels',
  'xl/sharedStrings.xml',
  'xl/styles.xml',
];

/** The rows of the workbook's first worksheet (the first tab, whatever its file), in order. */
export async function* xlsxRows(path: string): AsyncGenerator<SheetRow> {
  const input = await zipWithEntriesFirst(path, WORKBOOK_PARTS);
  try {
    yield* firstSheetRows(
      new ExcelJS.stream.xlsx.WorkbookReader(input, {
        worksheets: 'emit',
        sharedStrings: 'cache',
        styles: 'cache',
        hyperlinks: 'ignore',
        entries: 'ignore',
      }),
    );
  } finally {
    // The rest of the file is not wanted: its reads stop and the file is closed.
    input.destroy();
  }
}

async function* firstSheetRows(workbook: ExcelJS.stream.xlsx.WorkbookReader): AsyncGenerator<SheetRow> {
  // A file zip-order.ts cannot reorder (ZIP64) may still bring xl/workbook.xml late, and exceljs
  // looks each worksheet up in the workbook's model: an empty model until then.
  const reader = workbook as unknown as { model?: { sheets?: { name?: string }[] } };
  reader.model ??= { sheets: [] };
  for await (const sheet of workbook) {
    const firstTab = reader.model?.sheets?.[0]?.name;
    if (firstTab !== undefined && (sheet as unknown as { name?: string }).name !== firstTab) continue;
    for await (const row of sheet) {
      // exceljs numbers cells from 1 and leaves index 0 empty.
      const values = (row.values as unknown[]).slice(1);
      yield { number: row.number, cells: Array.from(values, cellText) };
    }
    return;
  }
}
