import ExcelJS from 'exceljs';

/**
 * Catalogues as .xlsx, read with exceljs's streaming reader: rows come one at a time from the
 * first worksheet and are not kept. What the reader does keep is the workbook's shared-strings
 * table (each distinct text once) and its styles, which tell a date cell from a number.
 */

/** One spreadsheet row: its number in the sheet (1 for the first line) and its cells as text. */
export interface SheetRow {
  number: number;
  cells: string[];
}

/** A cell as the text a person sees: dates as YYYY-MM-DD, formulas as their result, rich text joined. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString().slice(0, 10);
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'object') {
    const v = value as {
      richText?: { text?: string }[];
      text?: unknown;
      result?: unknown;
      formula?: unknown;
      error?: unknown;
    };
    if (Array.isArray(v.richText)) return v.richText.map((r) => r.text ?? '').join('');
    if (v.text !== undefined) return cellText(v.text);
    if ('result' in v || 'formula' in v) return cellText(v.result);
    if (v.error !== undefined) return String(v.error);
  }
  return String(value);
}

/** The rows of the workbook's first worksheet, in order. */
export async function* xlsxRows(path: string): AsyncGenerator<SheetRow> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookReader(path, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  for await (const sheet of workbook) {
    for await (const row of sheet) {
      // exceljs numbers cells from 1 and leaves index 0 empty.
      const values = (row.values as unknown[]).slice(1);
      yield { number: row.number, cells: Array.from(values, cellText) };
    }
    return; // the first worksheet only
  }
}
