import type { SheetRow } from './cells.ts';
import { type CatalogueRow, type ColumnMap, columnMap, isBlank, rowValues } from './columns.ts';
import { CatalogueFailure } from './problems.ts';

/**
 * A catalogue's lines (a CSV's records or a worksheet's rows) as rows of fields, one at a time.
 * The first non-blank line is the header; the rows under it are numbered from 1, blank ones
 * counted but not yielded, so row n of the report is line n + 1 of a catalogue whose header is
 * its first line. A header nobody knows, or an empty catalogue, is a CatalogueFailure.
 */
export async function* catalogueRows(lines: AsyncIterable<SheetRow>): AsyncGenerator<CatalogueRow> {
  let columns: ColumnMap | undefined;
  let headerLine = 0;
  for await (const line of lines) {
    if (isBlank(line.cells)) continue;
    if (columns === undefined) {
      columns = columnMap(line.cells);
      headerLine = line.number;
      continue;
    }
    yield { row: line.number - headerLine, values: rowValues(columns, line.cells) };
  }
  if (columns === undefined) throw new CatalogueFailure('目录清单是空的', 'the catalogue is empty');
}
