import { CatalogueFailure } from './problems.ts';

/**
 * The catalogue's columns (目录清单的列): one row per document, each column headed in Chinese or in
 * English (`客户编号` or `customerNo`, or both: `客户编号 customerNo`, `客户编号/customerNo`).
 * English headers are matched whatever their case. A column the catalogue lacks or a header
 * nobody knows stops the import before any row is read: a misspelt optional column (原档号)
 * would otherwise be dropped without a word.
 */

export const FIELDS = [
  { key: 'customerNo', zh: '客户编号', required: true },
  { key: 'customerName', zh: '客户名称', required: true },
  { key: 'customerType', zh: '客户类型', required: true },
  { key: 'region', zh: '区域', required: false },
  { key: 'businessEvent', zh: '业务事项', required: true },
  { key: 'docType', zh: '文件类型', required: true },
  { key: 'title', zh: '题名', required: true },
  { key: 'file', zh: '文件', required: true },
  { key: 'date', zh: '形成日期', required: true },
  { key: 'legacyCode', zh: '原档号', required: false },
  { key: 'retention', zh: '保管期限', required: false },
] as const;

export type FieldKey = (typeof FIELDS)[number]['key'];

/** A catalogue row as read: each column's text, trimmed (an empty cell is absent). */
export type RawRow = Partial<Record<FieldKey, string>>;

/** A row of the catalogue with its number: the first row under the header is 1. */
export interface CatalogueRow {
  row: number;
  values: RawRow;
}

const fieldOf = (name: string) =>
  FIELDS.find((f) => f.zh === name || f.key.toLowerCase() === name.toLowerCase());

/** The field a header names, or undefined: `客户编号`, `customerNo`, `客户编号 customerNo`, `客户编号/customerNo`. */
export function fieldOfHeader(header: string): FieldKey | undefined {
  const parts = header
    .normalize('NFKC')
    .trim()
    .split(/[\s/|]+/)
    .filter((p) => p !== '');
  const fields = new Set(parts.map((p) => fieldOf(p)?.key));
  if (parts.length === 0 || fields.size !== 1) return undefined;
  return [...fields][0];
}

/** Which cell holds which field: column index per field. */
export type ColumnMap = ReadonlyMap<FieldKey, number>;

/**
 * The column map of a header row; a CatalogueFailure naming the unknown headers, the columns named
 * twice or the columns missing. Blank header cells are allowed (a spreadsheet's empty columns).
 */
export function columnMap(headers: readonly string[]): ColumnMap {
  const map = new Map<FieldKey, number>();
  const unknown: string[] = [];
  const twice: string[] = [];
  headers.forEach((header, i) => {
    if (header.trim() === '') return;
    const key = fieldOfHeader(header);
    if (key === undefined) unknown.push(header.trim());
    else if (map.has(key)) twice.push(header.trim());
    else map.set(key, i);
  });
  const missing = FIELDS.filter((f) => f.required && !map.has(f.key));
  const known = FIELDS.map((f) => `${f.zh}/${f.key}`).join(', ');
  if (unknown.length > 0) {
    throw new CatalogueFailure(
      `目录清单有不认识的列：${unknown.join('，')}；可用的列：${known}`,
      `the catalogue has columns nobody knows: ${unknown.join(', ')}; the columns are: ${known}`,
    );
  }
  if (twice.length > 0) {
    throw new CatalogueFailure(
      `目录清单中这些列重复：${twice.join('，')}`,
      `the catalogue names these columns twice: ${twice.join(', ')}`,
    );
  }
  if (missing.length > 0) {
    const names = missing.map((f) => `${f.zh}/${f.key}`).join(', ');
    throw new CatalogueFailure(`目录清单缺少这些列：${names}`, `the catalogue lacks these columns: ${names}`);
  }
  return map;
}

/** A row's cells as fields, each trimmed; empty cells are left out. */
export function rowValues(columns: ColumnMap, cells: readonly string[]): RawRow {
  const values: RawRow = {};
  for (const [key, i] of columns) {
    const text = (cells[i] ?? '').trim();
    if (text !== '') values[key] = text;
  }
  return values;
}

/** Whether every cell of a row is empty (a blank line, a spreadsheet's empty row). */
export const isBlank = (cells: readonly string[]): boolean => cells.every((c) => c.trim() === '');
