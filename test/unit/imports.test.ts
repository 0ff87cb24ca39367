import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  archivePageCounts,
  dateProblem,
  importIdOf,
  isRejected,
  legacyCodeProblem,
  legacySequence,
  rejectionWords,
  retentionFromOwnDate,
  rowDocumentId,
  rowSubmissionId,
  sampleRows,
} from '../../functions/core/imports.ts';
import { getScheme } from '../../functions/core/scheme.ts';
import { intakeKey, parseIntakeKey } from '../../functions/core/submissions.ts';
import { Journal } from '../../scripts/import/journal.ts';
import { formatDuration, Progress } from '../../scripts/import/progress.ts';

const scheme = getScheme('power-supply');
const TODAY = '2026-12-04';

describe('import batches: ids', () => {
  it('names the batch by its catalogue, and its rows by batch and row, in keys intake takes', () => {
    const sha = 'a'.repeat(64);
    const id = importIdOf(sha);
    expect(importIdOf(sha)).toBe(id);
    expect(importIdOf('b'.repeat(64))).not.toBe(id);
    const sub = rowSubmissionId(id, 12345);
    const doc = rowDocumentId(id, 12345);
    expect(parseIntakeKey(intakeKey(sub, doc))).toEqual({ submissionId: sub, documentId: doc });
  });
});

describe('import batches: legacy codes and their sequences', () => {
  const row = { businessEvent: 'METERING', docType: 'METERWO', date: '2018-05-01' };

  it('keeps a well-formed legacy code and names the sequence new codes continue after', () => {
    const code = 'Z001-KH·2018-D10-JL-0500';
    expect(legacyCodeProblem(scheme, { ...row, legacyCode: code }, TODAY)).toBeUndefined();
    expect(legacySequence(scheme, code)).toEqual({ sequenceKey: 'Z001-KH·2018-D10-JL-', seq: 500 });
    expect(legacyCodeProblem(scheme, row, TODAY)).toBeUndefined();
  });

  it('refuses one of another shape, fonds, retention, class or an impossible year, naming what is wrong', () => {
    const problem = (legacyCode: string) => legacyCodeProblem(scheme, { ...row, legacyCode }, TODAY);
    expect(problem('KH-2018-0500')).toMatch(/does not fit \{fonds\}-\{category\}·\{year\}/);
    expect(problem('Z009-KH·2018-D10-JL-0500')).toMatch(/should have fonds Z001/);
    expect(problem('Z001-KH·2018-D30-JL-0500')).toMatch(/should have retention D10/);
    expect(problem('Z001-KH·2018-D10-YK-0500')).toMatch(/should have class code JL/);
    expect(problem('Z001-KH·2017-D10-JL-0500')).toMatch(/a year from 2018 to 2026/);
    expect(problem('Z001-KH·2030-D10-JL-0500')).toMatch(/a year from 2018 to 2026/);
    expect(legacySequence(scheme, 'KH-2018-0500')).toBeUndefined();
  });

  it('takes only real days from 1900 to today', () => {
    expect(dateProblem('2019-03-05', TODAY)).toBeUndefined();
    expect(dateProblem('2019-02-30', TODAY)).toMatch(/is not a day/);
    expect(dateProblem('1899-12-31', TODAY)).toMatch(/before 1900/);
    expect(dateProblem('2026-12-05', TODAY)).toMatch(/in the future/);
  });
});

describe('import batches: retention from the document’s own date', () => {
  const now = new Date('2026-12-04T10:00:00Z');
  const type = (retention: 'Y' | 'D10' | 'D30', trigger: 'YEAR_END' | 'ARCHIVED') => ({ retention, trigger });

  it('counts from the date the document was made', () => {
    const plan = retentionFromOwnDate(type('D10', 'YEAR_END'), '2018-05-01', now);
    expect(plan.clockStart).toBe('2019-01-01T00:00:00.000Z');
    expect(plan.retainUntil).toBe('2029-01-01T00:00:00.000Z');
  });

  it('locks a period that ran out already for one day more, so it comes up for appraisal', () => {
    const plan = retentionFromOwnDate(type('D10', 'YEAR_END'), '2005-05-01', now);
    expect(plan.retainUntil).toBe('2026-12-05T10:00:00.000Z');
    expect(plan.retentionCode).toBe('D10');
  });

  it('locks a permanent record a century ahead of today, as intake does', () => {
    expect(retentionFromOwnDate(type('Y', 'ARCHIVED'), '1950-01-01', now).retainUntil).toBe(
      '2126-12-04T10:00:00.000Z',
    );
  });
});

describe('import batches: the sample (抽检)', () => {
  const rows = Array.from({ length: 500 }, (_, i) => i + 1);

  it('keeps every row while fewer passed than the sample size', () => {
    expect(sampleRows({ seen: 0, sample: [] }, [3, 7, 9], 5, 'seed')).toEqual({ seen: 3, sample: [3, 7, 9] });
  });

  it('draws the same sample whatever the pages, and another for another batch', () => {
    const whole = sampleRows({ seen: 0, sample: [] }, rows, 20, 'imp-1');
    let paged = { seen: 0, sample: [] as number[] };
    for (let i = 0; i < rows.length; i += 37) paged = sampleRows(paged, rows.slice(i, i + 37), 20, 'imp-1');
    expect(paged).toEqual(whole);
    expect(whole.seen).toBe(500);
    expect(whole.sample).toHaveLength(20);
    expect(new Set(whole.sample).size).toBe(20);
    expect(sampleRows({ seen: 0, sample: [] }, rows, 20, 'imp-2').sample).not.toEqual(whole.sample);
  });

  it('reaches past the first rows: rows from the whole batch are drawn', () => {
    const { sample } = sampleRows({ seen: 0, sample: [] }, rows, 20, 'imp-1');
    expect(sample.filter((r) => r > 250).length).toBeGreaterThan(0);
    expect(sample.filter((r) => r <= 20).length).toBeLessThan(20);
  });
});

describe('import batches: the state of a page archived', () => {
  const approve = { decision: 'approve' as const, comment: '', decidedBy: 'reviewer1', rows: [] };
  it('counts each row of a page once by where it ends, also when a crashed run ended some', () => {
    const page = [
      { row: 1, status: 'CHECKED' as const },
      { row: 2, status: 'ARCHIVED' as const },
      { row: 3, status: 'FAILED' as const },
      { row: 4, status: 'CHECKED' as const },
      { row: 5, status: 'REJECTED' as const },
    ];
    expect(archivePageCounts(page, approve)).toEqual({ archived: 3, rejected: 1 });
    expect(archivePageCounts(page, { ...approve, decision: 'reject', rows: [4] })).toEqual({
      archived: 2,
      rejected: 2,
    });
    expect(archivePageCounts(page, { ...approve, decision: 'reject', rows: [] })).toEqual({
      archived: 1,
      rejected: 3,
    });
  });
});

describe('import batches: the reviewer’s decision', () => {
  const base = { comment: '扫描模糊', decidedBy: 'reviewer1' };
  it('rejects the named rows only, or the whole batch when none is named; approval rejects none', () => {
    expect(isRejected({ ...base, decision: 'reject', rows: [5] }, 5)).toBe(true);
    expect(isRejected({ ...base, decision: 'reject', rows: [5] }, 6)).toBe(false);
    expect(isRejected({ ...base, decision: 'reject', rows: [] }, 6)).toBe(true);
    expect(isRejected({ ...base, decision: 'approve', rows: [] }, 6)).toBe(false);
    expect(rejectionWords({ ...base, decision: 'reject', rows: [5] })).toEqual({
      zh: '抽检审核人 reviewer1 退回：扫描模糊',
      en: 'rejected by the batch reviewer reviewer1: 扫描模糊',
    });
  });
});

describe('the import command: journal and progress', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dangan-import-journal-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads back what a stopped run did, dropping a line cut short', async () => {
    const path = join(dir, 'j.jsonl');
    const first = await Journal.open(path);
    await first.write({ t: 'batch', importId: 'imp-1' });
    await first.write({ t: 'customer', customerNo: '3300012345', customerId: 'c1' });
    await first.write({ t: 'uploaded', row: 4 });
    writeFileSync(path, `${readFileSync(path, 'utf8')}{"t":"uploaded","ro`);
    const again = await Journal.open(path);
    expect(again.importId).toBe('imp-1');
    expect([...again.customers]).toEqual([['3300012345', 'c1']]);
    expect([...again.uploaded]).toEqual([4]);
    await again.remove();
    expect((await Journal.open(path)).uploaded.size).toBe(0);
  });

  it('writes a plain line every N documents off a terminal, with rate and time left', () => {
    const written: string[] = [];
    let t = 0;
    const progress = new Progress(
      4,
      4 * 1024 * 1024,
      { isTTY: false, write: (s) => written.push(s) },
      2,
      () => t,
    );
    for (let i = 0; i < 4; i++) {
      t += 500;
      progress.add(1024 * 1024);
    }
    expect(written).toHaveLength(2);
    expect(written[0]).toContain('上传 uploaded 2/4  2.0/4.0 MB  2.0 件/docs/s  2.0 MB/s  剩余 left 1s');
    expect(written[1]).toContain('uploaded 4/4');
    expect(formatDuration(3725)).toBe('1h02m');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('?');
  });
});
