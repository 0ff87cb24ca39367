/**
 * Catalogue lines as the checks read them, from a CSV or a spreadsheet: numbered rows of cells as
 * text. A spreadsheet cell becomes the text a person sees in it.
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
