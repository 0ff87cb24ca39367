import type { ReportLine } from '../../../shared/import/report.ts';

/**
 * The report lines of rows an import started in this tab kept out of its batch (failed the
 * checks, or already archived): the API holds only the rows it was given, so the batch's page
 * adds these to its report, in this tab (sessionStorage, like the forms kept across a sign-in).
 * A batch followed in another tab, or one the command ran, shows the rows its batch holds.
 */

const key = (importId: string) => `dangan.import-report.${importId}`;

export function keepLines(importId: string, lines: readonly ReportLine[]): void {
  try {
    sessionStorage.setItem(key(importId), JSON.stringify(lines));
  } catch {
    // Too many to keep in this tab: the batch's page shows the rows its batch holds.
  }
}

export function keptLines(importId: string): ReportLine[] {
  try {
    return JSON.parse(sessionStorage.getItem(key(importId)) ?? '[]') as ReportLine[];
  } catch {
    return [];
  }
}
