import { describe, expect, it } from 'vitest';
import type { ImportOutcome } from '../../scripts/import/batch.ts';
import { finalLines } from '../../scripts/import/run.ts';
import type { ReportLine, RowOutcome } from '../../shared/import/report.ts';

const line = (row: number, outcome: ReportLine['outcome'] = 'waiting'): ReportLine => ({
  row,
  file: `scans/${row}.pdf`,
  title: `第${row}件`,
  outcome,
  zh: '',
  en: '',
});

async function* from<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

describe("the import report's last pass (scripts/import/run.ts finalLines)", () => {
  it("merges the check's lines with the batch's rows as both are read, in row order", async () => {
    // 3,001 rows, as the API pages them; row 2 failed its check (not in the batch), row 4 could not
    // be uploaded here, row 6 was rejected by the reviewer, one row archived before (not waiting).
    const rows: RowOutcome[] = [];
    for (let row = 1; row <= 3001; row++) {
      if (row === 2 || row === 4 || row === 5) continue;
      rows.push(
        row === 6
          ? { row, status: 'REJECTED', documentId: `d${row}`, reason: { zh: '退回', en: 'rejected' } }
          : { row, status: 'ARCHIVED', documentId: `d${row}`, archiveCode: `Z-${row}` },
      );
    }
    let read = 0;
    const outcome: ImportOutcome = {
      importId: 'imp-1',
      rows: async function* () {
        for (const r of rows) {
          read++;
          yield r;
        }
      },
      failures: new Map([[4, { zh: '扫描件在检查后被改动', en: 'the scan changed after it was checked' }]]),
    };
    const lines = Array.from({ length: 3001 }, (_, i) =>
      line(i + 1, i + 1 === 2 ? 'failed' : i + 1 === 5 ? 'already' : 'waiting'),
    );
    const out: { line: ReportLine; final: ReportLine }[] = [];
    for await (const pair of finalLines(from(lines), outcome)) {
      out.push(pair);
      // The batch's rows are read along with the lines, never ahead of them all.
      expect(read).toBeLessThanOrEqual(pair.line.row);
    }
    expect(out.map((p) => p.final.outcome).slice(0, 7)).toEqual([
      'archived',
      'failed',
      'archived',
      'failed',
      'already',
      'failed',
      'archived',
    ]);
    expect(out[3]?.final.en).toBe('the scan changed after it was checked');
    expect(out[5]?.final.en).toBe('rejected');
    expect(out[3000]?.final).toMatchObject({
      row: 3001,
      outcome: 'archived',
      archiveCode: 'Z-3001',
      documentId: 'd3001',
    });
    expect(out.filter((p) => p.final.outcome === 'archived')).toHaveLength(2997);
  });

  it('leaves a waiting row waiting when the batch does not hold it', async () => {
    const outcome: ImportOutcome = { importId: 'imp-2', rows: () => from([]), failures: new Map() };
    const out = [];
    for await (const pair of finalLines(from([line(1), line(2)]), outcome)) out.push(pair.final.outcome);
    expect(out).toEqual(['waiting', 'waiting']);
  });
});
