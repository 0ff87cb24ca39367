/**
 * The import's checks end to end against the local system: `npm run import`'s entry run as a
 * process of its own on the sample catalogue (every row good: exit 0) and on a catalogue with good
 * and bad rows, a scan archived already and a legacy code already taken (exit 1), each report read
 * back; without --dry-run it checks the same and says importing is not available yet. Nothing is
 * written: no customer, no submission, no audit event of either.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CsvParser } from '../../scripts/import/csv.ts';
import {
  Api,
  archiveDraft,
  changeDocs,
  createCustomer,
  createDraft,
  type PlannedDoc,
  scanFile,
} from './client.ts';
import { useLocalSystem } from './lifecycle.ts';
import type { LocalSystem } from './system.ts';

const PROJECT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

let system: LocalSystem;
let api: Api;

useLocalSystem(async (started) => {
  system = started;
  api = new Api(system.ready.apiUrl);
});

/** Runs `npm run import`'s entry as a process of its own. */
function importCommand(args: string[], user = 'archivist1') {
  return new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(PROJECT_DIR, 'scripts', 'import.ts'), ...args],
      { cwd: PROJECT_DIR, env: { ...process.env, DANGAN_API: system.ready.apiUrl, DANGAN_USER: user } },
      (err, stdout, stderr) => done({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The report's lines as [row, file, outcome, reason in English, document id, archive code]. */
function report(path: string): string[][] {
  const text = readFileSync(path, 'utf8');
  expect(text.startsWith('\ufeff行 row,')).toBe(true);
  const parser = new CsvParser();
  const records = [...parser.push(text.slice(1)), ...parser.end()];
  return records.slice(1).map((cells) => [0, 1, 3, 5, 6, 7].map((i) => cells[i] ?? ''));
}

const auditCount = async (action: string, from: string) =>
  (
    await api.expect<{ items: unknown[] }>(
      200,
      'auditor1',
      'GET',
      `/audit?action=${action}&from=${encodeURIComponent(from)}&limit=1000`,
    )
  ).items.length;

describe('import: the checks and the dry run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dangan-import-'));
  const scans = join(dir, 'scans');
  let held: {
    customerNo: string;
    name: string;
    archived: PlannedDoc;
    archiveCode: string;
    documentId: string;
  };
  let since: string;
  let setupBegan: string;
  const newNo = `IMP${Date.now().toString(36).toUpperCase()}`;

  beforeAll(async () => {
    setupBegan = new Date().toISOString();
    const customerId = await createCustomer(api);
    const draft = await createDraft(api, customerId, 'CHANGE', changeDocs('迁移'));
    const archived = await archiveDraft(api, draft);
    const infochg = archived.documents.find((d) => d.docType === 'INFOCHG');
    const customer = await api.expect<{ customerNo: string; name: string }>(
      200,
      'archivist1',
      'GET',
      `/customers/${customerId}`,
    );
    held = {
      customerNo: customer.customerNo,
      name: customer.name,
      archived: draft.docs.find((d) => d.docType === 'INFOCHG') as PlannedDoc,
      archiveCode: infochg?.archiveCode as string,
      documentId: infochg?.documentId as string,
    };
    mkdirSync(join(scans, 'a'), { recursive: true });
    writeFileSync(join(scans, 'a', 'wo.pdf'), scanFile('application/pdf', 'import wo'));
    writeFileSync(join(scans, 'a', 'info.png'), scanFile('image/png', 'import info'));
    writeFileSync(join(scans, 'a', 'other.pdf'), scanFile('application/pdf', 'import other'));
    writeFileSync(join(scans, 'a', 'png-named.pdf'), scanFile('image/png', 'import png'));
    writeFileSync(join(scans, 'a', 'archived.pdf'), held.archived.bytes);
    since = new Date().toISOString();
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds every row of the sample catalogue good (exit 0), writing only its report', async () => {
    const sample = join(dir, 'sample');
    cpSync(join(PROJECT_DIR, 'docs', 'import-sample'), sample, { recursive: true });
    const r = await importCommand([join(sample, 'catalogue.csv'), join(sample, 'scans'), '--dry-run']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1) as string)).toMatchObject({
      rows: 2,
      ok: 2,
      failed: 0,
    });
    expect(report(join(sample, 'catalogue.report.csv')).map((l) => l.slice(0, 3))).toEqual([
      ['1', '2019/meterwo-3300098765.pdf', 'ok'],
      ['2', '2020/infochg-3300098765.png', 'ok'],
    ]);
  });

  it('reports each bad row with its reasons, the scan held already and the legacy code taken (exit 1)', async () => {
    const code = held.archiveCode;
    const year = code.match(/·(\d{4})-/)?.[1] as string;
    const catalogue = join(dir, '迁移目录.csv');
    writeFileSync(
      catalogue,
      [
        '客户编号 customerNo,客户名称,客户类型,区域,业务事项,文件类型,题名,文件,形成日期,原档号,保管期限',
        `${newNo},王五,居民客户,,电能计量,装拆表工作单,装表工作单,a/wo.pdf,2019-03-05,,`,
        `${newNo},王五,RES,,CHANGE,INFOCHG,信息变更单,a/info.png,2020/7/1,,D30`,
        `${newNo}X,赵六,大客户,,METERING,METERWO,工作单,a/other.pdf,2019-03-05,,`,
        `${newNo},王五,RES,,METERING,METERWO,,a/other.pdf,2019-03-05,,`,
        `${newNo},王五,RES,,METERING,METERWO,工作单,a/other.pdf,2019-02-30,,`,
        `${newNo},王五,RES,,METERING,METERWO,装表工作单,a/wo.pdf,2019-03-05,,`,
        `${newNo}Y,钱七,RES,,CHANGE,INFOCHG,变更单,a/other.pdf,${year}-01-02,${code},`,
        `${held.customerNo},${held.name},RES,,CHANGE,INFOCHG,变更单,a/archived.pdf,${year}-01-02,,`,
        `${newNo},王五,RES,,METERING,METERWO,工作单,a/missing.pdf,2019-03-05,,`,
        `${newNo},王五,RES,,METERING,METERWO,工作单,a/png-named.pdf,2019-03-05,,`,
      ].join('\r\n'),
    );
    const r = await importCommand([catalogue, scans, '--dry-run', '--concurrency', '3']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('有误 failed: 7');
    expect(report(join(dir, '迁移目录.report.csv'))).toEqual([
      ['1', 'a/wo.pdf', 'ok', `customer ${newNo} will be created`, '', ''],
      ['2', 'a/info.png', 'ok', `customer ${newNo} will be created`, '', ''],
      [
        '3',
        'a/other.pdf',
        'failed',
        'customer type "大客户" is not in the scheme; known: RES 居民客户, LV 低压非居民客户, HV 高压客户',
        '',
        '',
      ],
      [
        '4',
        'a/other.pdf',
        'failed',
        expect.stringMatching(/^title is empty; the same scan as row 3 \(SHA-256 /),
        '',
        '',
      ],
      ['5', 'a/other.pdf', 'failed', expect.stringMatching(/^date "2019-02-30" is not a real day/), '', ''],
      [
        '6',
        'a/wo.pdf',
        'failed',
        expect.stringMatching(/^row 1 has the same customer .* and file "a\/wo.pdf"; the same scan as row 1/),
        '',
        '',
      ],
      [
        '7',
        'a/other.pdf',
        'failed',
        expect.stringMatching(
          new RegExp(
            `the same scan as row 3 .*; legacy code ${code} is held by document ${held.documentId}$`,
          ),
        ),
        '',
        '',
      ],
      ['8', 'a/archived.pdf', 'already', `already archived as ${code}`, held.documentId, code],
      ['9', 'a/missing.pdf', 'failed', 'file "a/missing.pdf" is missing or unreadable (ENOENT)', '', ''],
      [
        '10',
        'a/png-named.pdf',
        'failed',
        'file "a/png-named.pdf" is image/png by its bytes, application/pdf by its extension',
        '',
        '',
      ],
    ]);
  });

  it('without --dry-run checks the same, says importing is not available yet (exit 1), rows waiting', async () => {
    const r = await importCommand([join(dir, '迁移目录.csv'), scans]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('导入失败：导入功能尚未提供');
    expect(r.stderr).toContain('import failed: importing is not available yet');
    const lines = report(join(dir, '迁移目录.report.csv'));
    expect(lines.map((l) => l[2])).toEqual([
      'waiting',
      'waiting',
      ...Array(5).fill('failed'),
      'already',
      'failed',
      'failed',
    ]);
  });

  it('wrote nothing: no customer, no submission, no audit event of either', async () => {
    const found = await api.expect<{ matchedBy: string }>(200, 'archivist1', 'GET', `/customers?q=${newNo}`);
    expect(found.matchedBy).toBe('name');
    // The same queries do find what the setup wrote before the runs.
    expect(await auditCount('customer.created', setupBegan)).toBeGreaterThan(0);
    expect(await auditCount('submission.archived', setupBegan)).toBeGreaterThan(0);
    expect(await auditCount('customer.created', since)).toBe(0);
    for (const action of ['submission.created', 'submission.submitted', 'submission.archived']) {
      expect(await auditCount(action, since)).toBe(0);
    }
  });

  it('refuses a non-archivist (exit 1) and a wrong call (exit 2), writing no report', async () => {
    const catalogue = join(dir, 'clerk.csv');
    writeFileSync(catalogue, readFileSync(join(dir, '迁移目录.csv')));
    const clerk = await importCommand([catalogue, scans, '--dry-run'], 'clerk1');
    expect(clerk.code).toBe(1);
    expect(clerk.stderr).toContain('only archivists may import');
    const usage = await importCommand([catalogue, '--dry-run']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('用法错误');
    expect(() => readFileSync(join(dir, 'clerk.report.csv'))).toThrow();
  });
});
