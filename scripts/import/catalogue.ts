import { createReadStream } from 'node:fs';
import { catalogueRows } from '../../shared/import/catalogue.ts';
import type { CatalogueRow } from '../../shared/import/columns.ts';
import { csvLines } from '../../shared/import/csv.ts';
import { CatalogueFailure } from '../../shared/import/problems.ts';
import { ImportFailure } from './errors.ts';
import { xlsxRows } from './xlsx.ts';

/**
 * The catalogue reader of the command: a CSV or .xlsx file on disk as rows of fields, one at a
 * time (shared/import/catalogue.ts reads the header and numbers the rows, as the console does).
 */
export async function* readCatalogue(path: string): AsyncGenerator<CatalogueRow> {
  const lines = path.toLowerCase().endsWith('.xlsx')
    ? xlsxRows(path)
    : csvLines(() => createReadStream(path));
  try {
    yield* catalogueRows(lines);
  } catch (err) {
    if (err instanceof CatalogueFailure) throw new ImportFailure(err.zh, err.en);
    throw new ImportFailure(
      `无法读取目录清单 ${path}：${err instanceof Error ? err.message : String(err)}`,
      `cannot read the catalogue ${path}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
