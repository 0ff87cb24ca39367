import { csvField } from '../../functions/core/csv-field.ts';
import { REASONS, type ReasonCode } from './problems.ts';

/**
 * The report written beside the catalogue (`<name>.report.csv`): one line per catalogue row, in
 * row order, saying what became of it and why, in Chinese and English. UTF-8 with a byte-order
 * mark so spreadsheets read the Chinese; fields a spreadsheet would run as formulas neutralised
 * as in the audit trail's CSV and the handover list. Written a line at a time.
 */

/** `ok`: may be imported (dry run); `waiting`: may be imported, not yet done; `archived`, `already`, `failed`. */
export type Outcome = 'ok' | 'archived' | 'already' | 'failed' | 'waiting';

export interface ReportLine {
  row: number;
  file: string;
  title: string;
  outcome: Outcome;
  zh: string;
  en: string;
  documentId?: string;
  archiveCode?: string;
}

const COLUMNS: readonly (readonly [string, (l: ReportLine) => string | number])[] = [
  ['行 row', (l) => l.row],
  ['文件 file', (l) => l.file],
  ['题名 title', (l) => l.title],
  ['结果 outcome', (l) => l.outcome],
  ['原因', (l) => l.zh],
  ['reason', (l) => l.en],
  ['文件编号 document id', (l) => l.documentId ?? ''],
  ['档号 archive code', (l) => l.archiveCode ?? ''],
];

export const reportHead = (): string => `\ufeff${COLUMNS.map(([name]) => csvField(name)).join(',')}\r\n`;

export const reportLine = (l: ReportLine): string =>
  `${COLUMNS.map(([, get]) => csvField(get(l))).join(',')}\r\n`;

/** A row that passed the checks and is on its way into the archive. */
export const WAITING = { zh: '检查通过，等待导入', en: 'checks passed, waiting to be imported' };

/** Where a row ended in its batch (`GET /imports/{importId}/rows`). */
export interface RowOutcome {
  row: number;
  status: 'REGISTERED' | 'CHECKED' | 'FAILED' | 'ARCHIVED' | 'REJECTED';
  documentId: string;
  archiveCode?: string;
  reason?: { zh: string; en: string };
}

/** The report's line for a row its batch holds: archived, failed (checks or reviewer), or still `line`. */
export function batchRowLine(line: ReportLine, r: RowOutcome, importId: string): ReportLine {
  if (r.status === 'ARCHIVED') {
    return {
      ...line,
      outcome: 'archived',
      zh: `已归档为 ${r.archiveCode}（导入批次 ${importId}）`,
      en: `archived as ${r.archiveCode} (import batch ${importId})`,
      documentId: r.documentId,
      ...(r.archiveCode ? { archiveCode: r.archiveCode } : {}),
    };
  }
  if (r.status === 'FAILED' || r.status === 'REJECTED') {
    return { ...line, outcome: 'failed', ...(r.reason ?? { zh: '', en: '' }), documentId: r.documentId };
  }
  return line;
}

/** What the run comes to: rows by outcome, and failed rows by reason (a row with two reasons counts in both). */
export class Summary {
  rows = 0;
  readonly outcomes: Record<Outcome, number> = { ok: 0, archived: 0, already: 0, failed: 0, waiting: 0 };
  readonly failedBy = new Map<ReasonCode, number>();

  add(outcome: Outcome, reasons: readonly ReasonCode[]): void {
    this.rows++;
    this.outcomes[outcome]++;
    for (const code of new Set(reasons)) this.failedBy.set(code, (this.failedBy.get(code) ?? 0) + 1);
  }

  /** For a person: counts and the reasons rows failed, in Chinese and English. */
  text(): string {
    const o = this.outcomes;
    const lines = [
      `行 rows: ${this.rows}   可导入 ok: ${o.ok + o.waiting}   已在档案中 already: ${o.already}   已归档 archived: ${o.archived}   有误 failed: ${o.failed}`,
    ];
    if (this.failedBy.size > 0) lines.push('有误原因 failed by reason:');
    for (const [code, n] of [...this.failedBy].sort((a, b) => b[1] - a[1])) {
      lines.push(`  ${REASONS[code].zh} / ${REASONS[code].en} (${code}): ${n}`);
    }
    return lines.join('\n');
  }

  /** For a script: the same as one JSON object. */
  json(): Record<string, unknown> {
    return { rows: this.rows, ...this.outcomes, failedBy: Object.fromEntries(this.failedBy) };
  }
}
