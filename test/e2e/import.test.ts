/**
 * The import end to end against the local system, `npm run import`'s entry run as a process of
 * its own. The checks: the sample catalogue (every row good: exit 0) and a catalogue with good and
 * bad rows, a scan archived already and a legacy code already taken (exit 1), each report read
 * back; a dry run writes nothing. The import: a run killed halfway and run again ends with every
 * row archived exactly once, after one batch review of a sample whose scans the reviewer opens;
 * the row the reviewer rejected is `failed` with the reason; a legacy code is kept and its
 * sequence continues after it; new codes carry the document's own year; a further run changes
 * nothing.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importIdOf } from '../../functions/core/imports.ts';
import { CsvParser } from '../../shared/import/csv.ts';
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
import { type LocalSystem, until } from './system.ts';

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

/** Starts `npm run import`'s entry; what it wrote to stderr so far can be read while it runs. */
function startImport(args: string[], user = 'archivist1') {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(PROJECT_DIR, 'scripts', 'import.ts'), ...args],
    {
      cwd: PROJECT_DIR,
      env: { ...process.env, DANGAN_API: system.ready.apiUrl, DANGAN_USER: user },
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => {
    stdout += b.toString('utf8');
  });
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString('utf8');
  });
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>(
    (resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done, stderr: () => stderr };
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

describe('import: a batch imported, reviewed by its sample and archived', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dangan-import-batch-'));
  const scans = join(dir, 'scans');
  const catalogue = join(dir, 'batch.csv');
  const journal = join(dir, 'batch.import-journal.jsonl');
  const stamp = Date.now().toString(36).toUpperCase();
  const ROWS = 24;
  /** The row the reviewer rejects, and the legacy-coded row and the one in its sequence after it. */
  const REJECTED = 5;
  const LEGACY = 2;
  const AFTER_LEGACY = 3;
  const legacyCode = 'Z001-KH·2018-D10-JL-0500';

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(() => {
    mkdirSync(scans, { recursive: true });
    const lines = ['客户编号,客户名称,客户类型,区域,业务事项,文件类型,题名,文件,形成日期,原档号'];
    for (let row = 1; row <= ROWS; row++) {
      writeFileSync(
        join(scans, `wo-${row}.pdf`),
        scanFile('application/pdf', `import batch ${stamp} ${row}`),
      );
      const date =
        row === LEGACY ? '2018-05-01' : row === AFTER_LEGACY ? '2018-06-01' : `2015-03-${10 + (row % 9)}`;
      const customer = row % 2 === 0 ? `MIG${stamp}A` : `MIG${stamp}B`;
      lines.push(
        `${customer},迁移客户${row % 2},RES,,METERING,METERWO,装表工作单 ${row},wo-${row}.pdf,${date},${row === LEGACY ? legacyCode : ''}`,
      );
    }
    writeFileSync(catalogue, lines.join('\r\n'));
  });

  it('refuses bad batch requests with a 4xx naming the problem, writing nothing', async () => {
    const bad = await api.call<{ error: { message: string } }>('archivist1', 'POST', '/imports', {
      catalogueSha256: 'xyz',
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('catalogueSha256');
    expect((await api.call('clerk1', 'POST', '/imports', { catalogueSha256: 'c'.repeat(64) })).status).toBe(
      403,
    );
    const batch = await api.expect<{ importId: string; rows: number }>(
      201,
      'archivist1',
      'POST',
      '/imports',
      {
        catalogueSha256: createHash('sha256').update(`bad rows ${stamp}`).digest('hex'),
      },
    );
    const customerId = await createCustomer(api, 'archivist1');
    const doc = scanFile('application/pdf', `bad row ${stamp}`);
    const row = {
      row: 1,
      customerId,
      businessEvent: 'METERING',
      docType: 'METERWO',
      title: '装表工作单',
      fileName: 'wo.pdf',
      contentType: 'application/pdf',
      size: doc.length,
      sha256: createHash('sha256').update(doc).digest('hex'),
      date: '2019-03-05',
    };
    const refusals: [Record<string, unknown>, number, string][] = [
      [{ date: '2019-02-30' }, 400, 'row 1: date 2019-02-30 is not a day / 形成日期 2019-02-30 不是有效日期'],
      [{ legacyCode: 'Z001-KH·2019-D30-JL-0001' }, 400, 'should have retention D10'],
      [{ docType: 'INSPECT' }, 400, 'INSPECT is not filed under METERING'],
      [{ size: 60_000_000 }, 413, 'exceeds the limit'],
      [{ customerId: 'no-such-customer' }, 404, 'no-such-customer'],
    ];
    for (const [change, status, words] of refusals) {
      const r = await api.call<{ error: { message: string } }>(
        'archivist1',
        'POST',
        `/imports/${batch.importId}/rows`,
        {
          rows: [{ ...row, ...change }],
        },
      );
      expect(r.status, JSON.stringify(change)).toBe(status);
      expect(r.body.error.message).toContain(words);
    }
    const after = await api.expect<{ rows: number; status: string }>(
      200,
      'archivist1',
      'GET',
      `/imports/${batch.importId}`,
    );
    expect(after).toMatchObject({ rows: 0, status: 'OPEN' });
    const close = await api.call<{ error: { message: string } }>(
      'archivist1',
      'POST',
      `/imports/${batch.importId}/close`,
    );
    expect(close.status).toBe(409);
    expect(close.body.error.message).toContain('has no rows / 导入批次没有任何行');
  });

  it('is killed halfway through its uploads, leaving its journal', async () => {
    const run = startImport([catalogue, scans, '--concurrency', '1']);
    try {
      await until(
        'a few uploads in the journal',
        () => {
          const text = existsSync(journal) ? readFileSync(journal, 'utf8') : '';
          return (text.match(/"uploaded"/g) ?? []).length >= 3 ? true : undefined;
        },
        120_000,
        5,
      );
    } finally {
      run.child.kill('SIGKILL');
    }
    expect((await run.done).signal).toBe('SIGKILL');
    const uploaded = (readFileSync(journal, 'utf8').match(/"uploaded"/g) ?? []).length;
    expect(uploaded).toBeLessThan(ROWS);
  }, 180_000);

  it('run again, finishes the uploads, waits for one batch review, and archives every row once', async () => {
    const rerun = startImport([catalogue, scans, '--concurrency', '4']);
    // It says which task a reviewer must decide, and waits.
    const taskId = await until(
      'the task the import waits for',
      () => /a reviewer must decide task (\S+)/.exec(rerun.stderr())?.[1],
      120_000,
      100,
    );
    const { items } = await api.expect<{
      items: { taskId: string; kind: string; summary: Record<string, unknown> }[];
    }>(200, 'reviewer1', 'GET', '/tasks');
    const task = items.find((t) => t.taskId === taskId) as (typeof items)[number];
    expect(task).toMatchObject({ kind: 'import-review', summary: { passed: ROWS, failed: 0 } });
    // The archivist who ran it may not decide it; the reviewer sees the sample and opens its scans.
    await api.expect(403, 'archivist1', 'POST', `/tasks/${task.taskId}/decision`, { decision: 'approve' });
    const sample = task.summary.sample as { row: number; submissionId: string; documentId: string }[];
    expect(sample.length).toBe(20);
    const shown = sample[0] as (typeof sample)[number];
    const preview = await api.expect<{ url: string }>(
      200,
      'reviewer1',
      'GET',
      `/submissions/${shown.submissionId}/documents/${shown.documentId}/content`,
    );
    expect((await fetch(preview.url)).status).toBe(200);
    await api.expect(200, 'reviewer1', 'POST', `/tasks/${task.taskId}/decision`, {
      decision: 'reject',
      comment: '扫描模糊 blurred scan',
      rows: [REJECTED],
    });
    const r = await rerun.done;
    expect(r.code).toBe(1);
    const lines = report(join(dir, 'batch.report.csv'));
    expect(lines.map((l) => [l[0], l[2]])).toEqual(
      Array.from({ length: ROWS }, (_, i) => [String(i + 1), i + 1 === REJECTED ? 'failed' : 'archived']),
    );
    const rejected = lines[REJECTED - 1] as string[];
    expect(rejected[3]).toContain('rejected by the batch reviewer reviewer1: 扫描模糊 blurred scan');
    const codeOf = (row: number) => (lines[row - 1] as string[])[5];
    expect(codeOf(LEGACY)).toBe(legacyCode);
    expect(codeOf(AFTER_LEGACY)).toBe('Z001-KH·2018-D10-JL-0501');
    expect(codeOf(1)).toMatch(/^Z001-KH·2015-D10-JL-\d{4}$/);
    expect(new Set(lines.map((l) => l[5]).filter(Boolean)).size).toBe(ROWS - 1);
    expect(existsSync(journal)).toBe(false);

    // Exactly once: each customer holds one document per row of theirs, each scan once.
    for (const [suffix, parity] of [
      ['A', 0],
      ['B', 1],
    ] as const) {
      const found = await api.expect<{ items: { customerId: string; customerNo: string }[] }>(
        200,
        'archivist1',
        'GET',
        `/customers?q=MIG${stamp}${suffix}`,
      );
      const customerId = found.items.find((c) => c.customerNo === `MIG${stamp}${suffix}`)?.customerId;
      const docs = await api.expect<{ items: { sha256: string; status: string }[] }>(
        200,
        'archivist1',
        'GET',
        `/documents?customerId=${customerId}&limit=100`,
      );
      const rows = Array.from({ length: ROWS }, (_, i) => i + 1).filter((n) => n % 2 === parity);
      expect(docs.items.length).toBe(rows.length);
      expect(new Set(docs.items.map((d) => d.sha256)).size).toBe(rows.length);
      expect(docs.items.filter((d) => d.status === 'ARCHIVED').length).toBe(
        rows.filter((n) => n !== REJECTED).length,
      );
    }
  }, 300_000);

  it('run once more, changes nothing', async () => {
    const since = new Date().toISOString();
    const before = readFileSync(join(dir, 'batch.report.csv'), 'utf8');
    const r = await importCommand([catalogue, scans]);
    expect(r.code).toBe(1);
    expect(readFileSync(join(dir, 'batch.report.csv'), 'utf8')).toBe(before);
    for (const action of [
      'customer.created',
      'import.row-registered',
      'submission.archived',
      'import.closed',
    ]) {
      expect(await auditCount(action, since)).toBe(0);
    }
  }, 120_000);
  it('is listed by GET /imports (newest first, audited) with its rows as the catalogue named them', async () => {
    const since = new Date().toISOString();
    const importId = importIdOf(createHash('sha256').update(readFileSync(catalogue)).digest('hex'));
    const listed = await api.expect<{ items: { importId: string; createdAt: string }[] }>(
      200,
      'archivist1',
      'GET',
      '/imports?limit=100',
    );
    expect(listed.items.find((b) => b.importId === importId)).toMatchObject({
      status: 'DONE',
      rows: ROWS,
      archived: ROWS - 1,
      rejected: 1,
      createdBy: 'archivist1',
    });
    const times = listed.items.map((b) => b.createdAt);
    expect(times).toEqual([...times].sort().reverse());
    expect(await auditCount('imports.listed', since)).toBe(1);
    const rows = await api.expect<{
      items: { row: number; title: string; file: string; uploaded: boolean }[];
    }>(200, 'archivist1', 'GET', `/imports/${importId}/rows?limit=3`);
    expect(rows.items.map((r) => [r.row, r.title, r.file, r.uploaded])).toEqual([
      [1, '装表工作单 1', 'wo-1.pdf', true],
      [2, '装表工作单 2', 'wo-2.pdf', true],
      [3, '装表工作单 3', 'wo-3.pdf', true],
    ]);
    const bad = await api.call<{ error: { message: string } }>('archivist1', 'GET', '/imports?limit=0');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('limit');
    expect((await api.call('reviewer1', 'GET', '/imports')).status).toBe(403);
  });
});
