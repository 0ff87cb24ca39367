import { type CatalogueRow, type ColumnMap, columnMap, isBlank, rowValues } from './columns.ts';
import { csvRecords } from './csv.ts';
import { ImportFailure } from './errors.ts';
import { xlsxRows } from './xlsx.ts';

/**
 * The catalogue reader: a CSV or .xlsx catalogue as rows of fields, one at a time. The first
 * non-blank line is the header; the rows under it are numbered from 1, blank ones counted but not
 * yielded, so row n of the report is line n + 1 of a catalogue whose header is its first line.
 */

/** Lines as [line number, cells]; the CSV's lines are its records. */
async function* numbered(path: string): AsyncGenerator<{ number: number; cells: string[] }> {
  if (path.toLowerCase().endsWith('.xlsx')) {
    yield* xlsxRows(path);
    return;
  }
  let number = 0;
  for await (const cells of csvRecords(path)) yield { number: ++number, cells };
}

export async function* readCatalogue(path: string): AsyncGenerator<CatalogueRow> {
  let columns: ColumnMap | undefined;
  let headerLine = 0;
  try {
    for await (const line of numbered(path)) {
      if (isBlank(line.cells)) continue;
      if (columns === undefined) {
        columns = columnMap(line.cells);
        headerLine = line.number;
        continue;
      }
      yield { row: line.number - headerLine, values: rowValues(columns, line.cells) };
    }
  } catch (err) {
    if (err instanceof ImportFailure) throw err;
    throw new ImportFailure(
      `无法读取目录清单 ${path}：${err instanceof Error ? err.message : String(err)}`,
      `cannot read the catalogue ${path}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (columns === undefined) {
    throw new ImportFailure(`目录清单 ${path} 是空的`, `the catalogue ${path} is empty`);
  }
}
