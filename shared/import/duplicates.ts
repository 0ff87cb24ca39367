import { FingerprintTable } from './fingerprints.ts';
import { type Problem, problem, q } from './problems.ts';
import type { CheckedRow } from './row-check.ts';

/**
 * Duplicates inside the catalogue, found in row order so the first row of a pair is the one kept
 * and the later one is named: the same customer and file twice, the same scan (by SHA-256) twice,
 * the same legacy code twice, and one customer number given with different names, types or regions.
 */
export class CatalogueDuplicates {
  private readonly files = new FingerprintTable();
  private readonly scans = new FingerprintTable();
  private readonly codes = new FingerprintTable();
  private readonly customers = new FingerprintTable();

  check(row: number, fields: Partial<CheckedRow>, sha256: string | undefined): Problem[] {
    const problems: Problem[] = [];
    const { customerNo, file, legacyCode } = fields;
    if (customerNo !== undefined && file !== undefined) {
      const seen = this.files.claim(`${customerNo}\n${file}`, row);
      if (seen)
        problems.push(
          problem(
            'duplicate-in-catalogue',
            `第 ${seen.row} 行已有客户 ${customerNo} 的文件 ${q(file)}`,
            `row ${seen.row} has the same customer ${customerNo} and file ${q(file)}`,
          ),
        );
    }
    if (sha256 !== undefined) {
      const seen = this.scans.claim(sha256, row);
      if (seen)
        problems.push(
          problem(
            'duplicate-in-catalogue',
            `与第 ${seen.row} 行是同一扫描件（SHA-256 ${sha256.slice(0, 12)}…）`,
            `the same scan as row ${seen.row} (SHA-256 ${sha256.slice(0, 12)}…)`,
          ),
        );
    }
    if (legacyCode !== undefined) {
      const seen = this.codes.claim(legacyCode, row);
      if (seen)
        problems.push(
          problem(
            'duplicate-in-catalogue',
            `原档号 ${legacyCode} 在第 ${seen.row} 行已用`,
            `legacy code ${legacyCode} is on row ${seen.row} too`,
          ),
        );
    }
    if (customerNo !== undefined && fields.customerName !== undefined && fields.customerType !== undefined) {
      const tag = FingerprintTable.tagOf(
        `${fields.customerName}\n${fields.customerType}\n${fields.region ?? ''}`,
      );
      const seen = this.customers.claim(customerNo, row, tag);
      if (seen && seen.tag !== tag) {
        problems.push(
          problem(
            'duplicate-in-catalogue',
            `客户 ${customerNo} 在第 ${seen.row} 行的名称、类型或区域与此不同`,
            `customer ${customerNo} has another name, type or region on row ${seen.row}`,
          ),
        );
      }
    }
    return problems;
  }
}
