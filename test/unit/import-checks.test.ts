import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importIdOf } from '../../functions/core/imports.ts';
import { mapPooled } from '../../functions/core/pool.ts';
import { getScheme } from '../../functions/core/scheme.ts';
import { parseImportArgs, reportPathOf } from '../../scripts/import/args.ts';
import { scansIn } from '../../scripts/import/file-check.ts';
import { runImport } from '../../scripts/import/run.ts';
import { type ApiClient, connect } from '../../scripts/shared/api-client.ts';
import { ApiError } from '../../scripts/shared/errors.ts';
import { ArchiveLookup } from '../../shared/import/archive-lookup.ts';
import { type CheckedResult, checkCatalogue } from '../../shared/import/check.ts';
import type { CatalogueRow, RawRow } from '../../shared/import/columns.ts';
import { parseDay } from '../../shared/import/dates.ts';
import { CatalogueDuplicates } from '../../shared/import/duplicates.ts';
import { FingerprintTable } from '../../shared/import/fingerprints.ts';
import { importIdFor } from '../../shared/import/import-id.ts';
import { reportHead, reportLine, Summary } from '../../shared/import/report.ts';
import { checkRow } from '../../shared/import/row-check.ts';
import type { ImportScheme } from '../../shared/import/scheme-terms.ts';

const scheme = getScheme('power-supply') as unknown as ImportScheme;
const TODAY = '2026-05-01';

const GOOD: RawRow = {
  customerNo: '3300012345',
  customerName: '张三',
  customerType: 'RES',
  region: 'HZ',
  businessEvent: 'METERING',
  docType: 'METERWO',
  title: '装表工作单',
  file: '2019/wo.pdf',
  date: '2019-03-05',
};

const check = (values: RawRow, row = 1) => checkRow(scheme, { row, values }, TODAY);
const codes = (values: RawRow) => check(values).problems.map((p) => p.code);

describe('a row against the scheme', () => {
  it('takes codes, Chinese names and retention words, and says what it would file', () => {
    const r = check({
      ...GOOD,
      customerType: '居民客户',
      businessEvent: '电能计量',
      docType: '装拆表工作单',
      retention: '定期10年',
      date: '2019年3月5日',
      region: 'hz',
      file: '2019\\wo.PDF',
    });
    expect(r.problems).toEqual([]);
    expect(r.fields).toEqual({
      row: 1,
      customerNo: '3300012345',
      customerName: '张三',
      customerType: 'RES',
      region: 'HZ',
      businessEvent: 'METERING',
      docType: 'METERWO',
      retention: 'D10',
      title: '装表工作单',
      date: '2019-03-05',
      file: '2019/wo.PDF',
      contentType: 'application/pdf',
    });
  });

  it('names an unknown type, event or document type, with what the scheme knows', () => {
    const r = check({ ...GOOD, customerType: '大客户', businessEvent: 'X', docType: '合同书' });
    expect(r.problems.map((p) => p.code)).toEqual(['unknown-code', 'unknown-code', 'unknown-code']);
    expect(r.problems[0]?.en).toBe(
      'customer type "大客户" is not in the scheme; known: RES 居民客户, LV 低压非居民客户, HV 高压客户',
    );
  });

  it('lists the required fields left empty, in both languages', () => {
    const { title: _t, date: _d, ...rest } = GOOD;
    const r = check(rest);
    expect(r.problems).toEqual([
      { code: 'missing-field', zh: '缺少 题名、形成日期', en: 'title, date are empty' },
    ]);
  });

  it('refuses a day that does not exist, one in the future and one before 1900', () => {
    expect(check({ ...GOOD, date: '2019-02-29' }).problems[0]?.en).toBe(
      'date "2019-02-29" is not a real day (e.g. 2019-03-05)',
    );
    expect(check({ ...GOOD, date: '2026-05-02' }).problems[0]?.en).toBe('date 2026-05-02 is in the future');
    expect(codes({ ...GOOD, date: '1899-12-31' })).toEqual(['bad-date']);
    expect(codes({ ...GOOD, date: '2026-05-01' })).toEqual([]);
  });

  it('reads the date shapes catalogues use', () => {
    expect(['2019-03-05', '2019/3/5', '2019.3.5', '20190305', '2019年3月5日'].map(parseDay)).toEqual(
      Array(5).fill('2019-03-05'),
    );
    expect(['2019-13-01', '05/03/2019', '2019-3', ''].map(parseDay)).toEqual(Array(4).fill(undefined));
  });

  it('refuses a document type not filed under the event, a paper original, a retention that disagrees', () => {
    expect(codes({ ...GOOD, docType: 'CONTRACT' })).toEqual(['type-not-in-event']);
    expect(codes({ ...GOOD, businessEvent: 'CHANGE', docType: 'PAPERBOX' })).toEqual(['paper-original']);
    expect(check({ ...GOOD, retention: 'D30' }).problems[0]?.en).toBe(
      'retention D30 disagrees with the scheme: METERWO is kept D10',
    );
    expect(codes({ ...GOOD, retention: '长期' })).toEqual(['retention-mismatch']);
  });

  it('refuses a title or file name intake would refuse, and a path leaving the scans folder', () => {
    expect(codes({ ...GOOD, title: '工作单\u202Efdp.exe' })).toEqual(['bad-title']);
    expect(codes({ ...GOOD, file: '../etc/wo.pdf' })).toEqual(['bad-path']);
    expect(codes({ ...GOOD, file: '/scans/wo.pdf' })).toEqual(['bad-path']);
    expect(codes({ ...GOOD, file: 'C:\\scans\\wo.pdf' })).toEqual(['bad-path']);
    expect(check({ ...GOOD, file: 'wo.docx' }).problems[0]?.en).toBe(
      'file "wo.docx" must end in one of .pdf .jpg .jpeg .png .tif .tiff',
    );
  });

  it('takes a legacy code of this scheme, event, retention and a year from the date on', () => {
    expect(check({ ...GOOD, legacyCode: 'Z001-KH·2019-D10-JL-0007' }).fields.legacyCode).toBe(
      'Z001-KH·2019-D10-JL-0007',
    );
    expect(check({ ...GOOD, legacyCode: 'Z001-KH-2019-D10-JL-7' }).problems[0]?.en).toBe(
      'legacy code "Z001-KH-2019-D10-JL-7" does not fit the archive-code template {fonds}-{category}·{year}-{retention}-{classCode}-{seq:4}',
    );
    expect(check({ ...GOOD, legacyCode: 'Z002-KH·2018-D30-YK-0007' }).problems[0]?.en).toBe(
      'legacy code "Z002-KH·2018-D30-YK-0007": fonds should be Z001, retention should be D10, class code should be JL, year should be 2019–2026',
    );
    expect(codes({ ...GOOD, legacyCode: 'Z001-KH·2019-D10-JL-0000' })).toEqual(['bad-legacy-code']);
  });

  it('refuses a malformed customer number, name or region', () => {
    expect(codes({ ...GOOD, customerNo: '33 0001', customerName: 'a\u0007b', region: 'H Z' })).toEqual([
      'bad-customer',
      'bad-customer',
      'bad-customer',
    ]);
  });
});

describe('duplicates inside the catalogue', () => {
  it('names the earlier row of the same customer and file, scan, legacy code, or another name', () => {
    const d = new CatalogueDuplicates();
    const fields = (values: RawRow, row: number) => check(values, row).fields;
    expect(
      d.check(1, fields({ ...GOOD, legacyCode: 'Z001-KH·2019-D10-JL-0001' }, 1), 'a'.repeat(64)),
    ).toEqual([]);
    expect(d.check(2, fields({ ...GOOD, file: 'other.pdf' }, 2), 'b'.repeat(64))).toEqual([]);
    const again = d.check(3, fields({ ...GOOD, customerName: '李四' }, 3), 'b'.repeat(64));
    expect(again.map((p) => p.en)).toEqual([
      'row 1 has the same customer 3300012345 and file "2019/wo.pdf"',
      'the same scan as row 2 (SHA-256 bbbbbbbbbbbb…)',
      'customer 3300012345 has another name, type or region on row 1',
    ]);
    const code = d.check(
      4,
      fields({ ...GOOD, file: 'x.pdf', legacyCode: 'Z001-KH·2019-D10-JL-0001' }, 4),
      undefined,
    );
    expect(code.map((p) => p.zh)).toEqual(['原档号 Z001-KH·2019-D10-JL-0001 在第 1 行已用']);
  });

  it('keeps many keys in a table that grows, each found again with its row', () => {
    const table = new FingerprintTable();
    const claimed = Array.from({ length: 20_000 }, (_, i) => table.claim(`key ${i + 1}`, i + 1, (i + 1) % 7));
    expect(claimed.every((seen) => seen === undefined)).toBe(true);
    expect(table.size).toBe(20_000);
    expect(table.claim('key 12345', 99_999)).toEqual({ row: 12345, tag: 12345 % 7 });
  });
});

// ---------------------------------------------------------------------------------------------
// The checker over files and a fake API

const dir = mkdtempSync(join(tmpdir(), 'dangan-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const scans = join(dir, 'scans');
mkdirSync(join(scans, '2019'), { recursive: true });
const pdf = (label: string) => Buffer.from(`%PDF-1.4\n% ${label}\n%%EOF\n`, 'latin1');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const FILES: Record<string, Buffer> = {
  '2019/wo.pdf': pdf('wo'),
  '2019/archived.pdf': pdf('archived'),
  '2019/in-intake.pdf': pdf('in intake'),
  '2019/png.pdf': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2]),
  '2019/empty.pdf': Buffer.alloc(0),
  '2019/new.pdf': pdf('new'),
};
for (const [name, bytes] of Object.entries(FILES)) writeFileSync(join(scans, name), bytes);

const HELD_CODE = 'Z001-KH·2019-D10-JL-0003';
const OTHER_REGION_CODE = 'Z001-KH·2019-D10-JL-0004';

/** The API as the import sees it: one customer on record with two documents. */
function fakeApi(groups: string[] = ['archivist']): ApiClient & { calls: string[] } {
  const calls: string[] = [];
  const customer = { customerId: 'c1', customerNo: '3300012345', name: '张三', type: 'RES', region: 'HZ' };
  const docs = [
    {
      documentId: 'd1',
      customerId: 'c1',
      submissionId: 's1',
      status: 'ARCHIVED',
      sha256: sha(FILES['2019/archived.pdf'] as Buffer),
      archiveCode: HELD_CODE,
    },
    {
      documentId: 'd2',
      customerId: 'c1',
      submissionId: 's2',
      status: 'UPLOADED',
      sha256: sha(FILES['2019/in-intake.pdf'] as Buffer),
    },
  ];
  return {
    calls,
    baseUrl: 'http://api.test',
    username: 'archivist1',
    groups,
    async get<T>(path: string): Promise<T> {
      calls.push(path);
      const url = new URL(path, 'http://api.test');
      const p = url.searchParams;
      if (url.pathname === '/scheme') return scheme as T;
      if (url.pathname === '/customers') {
        const hit = p.get('q') === customer.customerNo;
        return { items: hit ? [customer] : [], matchedBy: hit ? 'customerNo' : 'name' } as T;
      }
      if (url.pathname === '/documents' && p.has('archiveCode')) {
        if (p.get('archiveCode') === OTHER_REGION_CODE)
          throw new ApiError({ zh: '', en: '' }, 404, 'GET /documents', 'no');
        return { items: docs.filter((d) => d.archiveCode === p.get('archiveCode')) } as T;
      }
      if (url.pathname === '/documents') return { items: p.get('customerId') === 'c1' ? docs : [] } as T;
      throw new Error(`unexpected GET ${path}`);
    },
    post: () => Promise.reject(new Error('the checks write nothing')),
    download: () => Promise.reject(new Error('the checks download nothing')),
  };
}

async function* rowsOf(list: RawRow[]): AsyncGenerator<CatalogueRow> {
  let row = 0;
  for (const values of list) yield { row: ++row, values };
}

async function checkAll(list: RawRow[], concurrency = 3): Promise<CheckedResult[]> {
  const api = fakeApi();
  const out: CheckedResult[] = [];
  const lookup = new ArchiveLookup(api, scheme);
  for await (const r of checkCatalogue(rowsOf(list), {
    scheme,
    scan: scansIn(scans, scheme.limits.maxDocumentBytes),
    lookup,
    today: TODAY,
    concurrency,
  })) {
    out.push(r);
  }
  return out;
}

describe('the checker', () => {
  it('reads each scan: missing, empty, of another type than its extension, over the limit', async () => {
    const results = await checkAll([
      GOOD,
      { ...GOOD, file: '2019/none.pdf' },
      { ...GOOD, file: '2019/empty.pdf' },
      { ...GOOD, file: '2019/png.pdf' },
    ]);
    expect(results.map((r) => r.outcome)).toEqual(['ok', 'failed', 'failed', 'failed']);
    expect(results[0]).toMatchObject({
      sha256: sha(FILES['2019/wo.pdf'] as Buffer),
      size: FILES['2019/wo.pdf']?.length,
    });
    expect(results.slice(1).map((r) => r.problems[0]?.en)).toEqual([
      'file "2019/none.pdf" is missing or unreadable (ENOENT)',
      'file "2019/empty.pdf" is empty',
      'file "2019/png.pdf" is image/png by its bytes, application/pdf by its extension',
    ]);
    const tiny = { ...scheme, limits: { maxDocumentBytes: 5 } };
    const lookup = new ArchiveLookup(fakeApi(), tiny);
    const over: CheckedResult[] = [];
    for await (const r of checkCatalogue(rowsOf([GOOD]), {
      scheme: tiny,
      scan: scansIn(scans, tiny.limits.maxDocumentBytes),
      lookup,
      today: TODAY,
      concurrency: 1,
    }))
      over.push(r);
    expect(over[0]?.problems.map((p) => p.code)).toEqual(['file-size']);
  });

  it('finds what the archive holds: the scan archived already, one in intake, a legacy code taken', async () => {
    const results = await checkAll([
      { ...GOOD, file: '2019/archived.pdf', legacyCode: HELD_CODE },
      { ...GOOD, file: '2019/in-intake.pdf' },
      { ...GOOD, customerNo: '3300099999', file: '2019/new.pdf', legacyCode: HELD_CODE },
      { ...GOOD, customerNo: '3300099998', file: '2019/wo.pdf', legacyCode: OTHER_REGION_CODE },
      { ...GOOD, file: 'x/../2019/wo.pdf' },
    ]);
    expect(results[0]).toMatchObject({
      outcome: 'already',
      documentId: 'd1',
      archiveCode: HELD_CODE,
      problems: [],
    });
    expect(results[1]?.problems.map((p) => p.en)).toEqual([
      'the same scan is already in intake (submission s2, UPLOADED)',
    ]);
    expect(results[2]?.problems.map((p) => p.en)).toEqual([
      'legacy code Z001-KH·2019-D10-JL-0003 is on row 1 too',
      'legacy code Z001-KH·2019-D10-JL-0003 is held by document d1',
    ]);
    expect(results[2]?.note).toBeUndefined();
    expect(results[3]?.problems.map((p) => p.code)).toEqual(['legacy-code-taken']);
    expect(results[4]?.problems.map((p) => p.code)).toEqual(['bad-path']);
  });

  it('flags a customer on record with another name or type', async () => {
    const [r] = await checkAll([{ ...GOOD, customerName: '张三丰', customerType: '低压非居民客户' }]);
    expect(r?.problems.map((p) => p.en)).toEqual([
      'customer 3300012345 is on record with name 张三, the catalogue gives 张三丰; type RES, the catalogue gives LV',
    ]);
  });

  it('keeps row order whatever order the scans are read in, asking about each customer once', async () => {
    const api = fakeApi();
    const lookup = new ArchiveLookup(api, scheme);
    const list = Array.from({ length: 40 }, (_, i) => ({
      ...GOOD,
      customerNo: `330009${String(i % 3).padStart(4, '0')}`,
      file: i % 2 ? '2019/new.pdf' : '2019/wo.pdf',
    }));
    const rows: number[] = [];
    for await (const r of checkCatalogue(rowsOf(list), {
      scheme,
      scan: scansIn(scans, scheme.limits.maxDocumentBytes),
      lookup,
      today: TODAY,
      concurrency: 8,
    }))
      rows.push(r.row);
    expect(rows).toEqual(list.map((_, i) => i + 1));
    expect(api.calls.filter((c) => c.startsWith('/customers')).length).toBe(3);
  });
});

describe('the report and the run', () => {
  it('starts with a byte-order mark and neutralises formulas', () => {
    expect(reportHead()).toBe(
      '\ufeff行 row,文件 file,题名 title,结果 outcome,原因,reason,文件编号 document id,档号 archive code\r\n',
    );
    expect(
      reportLine({
        row: 3,
        file: 'a,b.pdf',
        title: '=HYPERLINK("x")',
        outcome: 'failed',
        zh: '原因',
        en: 'why',
      }),
    ).toBe('3,"a,b.pdf","\'=HYPERLINK(""x"")",failed,原因,why,,\r\n');
    const s = new Summary();
    s.add('ok', []);
    s.add('failed', ['bad-date', 'bad-date', 'file-missing']);
    s.add('failed', ['bad-date']);
    expect(s.json()).toEqual({
      rows: 3,
      ok: 1,
      archived: 0,
      already: 0,
      failed: 2,
      waiting: 0,
      failedBy: { 'bad-date': 2, 'file-missing': 1 },
    });
    expect(s.text()).toContain('形成日期有误 / date wrong (bad-date): 2');
  });

  it('reads its arguments, refusing anything else as a usage error', () => {
    expect(parseImportArgs(['c.xlsx', 'scans', '--dry-run', '--concurrency=8'])).toEqual({
      catalogue: 'c.xlsx',
      scansDir: 'scans',
      dryRun: true,
      concurrency: 8,
    });
    expect(parseImportArgs(['c.csv', 'scans']).concurrency).toBe(4);
    for (const bad of [
      ['c.csv'],
      ['c.txt', 's'],
      ['c.csv', 's', 'x'],
      ['c.csv', 's', '--concurrency', '0'],
      ['c.csv', 's', '--force'],
    ]) {
      expect(() => parseImportArgs(bad)).toThrow(/^用法错误：/);
    }
    expect(reportPathOf('/a/b/目录.v2.csv')).toBe('/a/b/目录.v2.report.csv');
  });

  it('writes the report beside the catalogue: ok on a dry run, waiting before an import', async () => {
    const catalogue = join(dir, 'run.csv');
    writeFileSync(
      catalogue,
      `customerNo,customerName,customerType,businessEvent,docType,title,file,date\n3300012345,张三,RES,METERING,METERWO,装表,2019/wo.pdf,2019-03-05\n3300012345,张三,RES,METERING,METERWO,,2019/new.pdf,2019-03-05\n`,
    );
    const dry = await runImport({ catalogue, scansDir: scans, dryRun: true, concurrency: 2, api: fakeApi() });
    expect(dry.reportPath).toBe(join(dir, 'run.report.csv'));
    expect(dry.summary.json()).toMatchObject({ rows: 2, ok: 1, failed: 1, failedBy: { 'missing-field': 1 } });
    const lines = readFileSync(dry.reportPath, 'utf8').trim().split('\r\n');
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 4).join(','))).toEqual([
      '1,2019/wo.pdf,装表,ok',
      '2,2019/new.pdf,,failed',
    ]);
    // Without --dry-run the report is written (rows waiting) before anything is imported: an
    // import that cannot start (here the API refuses every POST) leaves that report and no spool.
    await expect(
      runImport({ catalogue, scansDir: scans, dryRun: false, concurrency: 2, api: fakeApi(), say: () => {} }),
    ).rejects.toThrow('the checks write nothing');
    expect(readFileSync(join(dir, 'run.report.csv'), 'utf8')).toContain(
      '1,2019/wo.pdf,装表,waiting,检查通过，等待导入',
    );
    expect(existsSync(join(dir, 'run.report.csv.rows.jsonl'))).toBe(false);
  });

  it('refuses a caller who is not an archivist before reading anything', async () => {
    const api = fakeApi(['clerk']);
    await expect(
      runImport({ catalogue: join(dir, 'none.csv'), scansDir: scans, dryRun: true, concurrency: 1, api }),
    ).rejects.toThrow('only archivists may import');
    expect(api.calls).toEqual([]);
  });
});

describe('the batch a catalogue makes', () => {
  it('is named the same by the console (WebCrypto) and the API', async () => {
    for (const catalogue of ['a', '目录清单 2019']) {
      const sha = createHash('sha256').update(catalogue).digest('hex');
      expect(await importIdFor(sha)).toBe(importIdOf(sha));
    }
  });
});

describe("the import's connection to the API", () => {
  const answers = (statuses: number[]) => {
    const seen: string[] = [];
    const fetchImpl = (async (url: string | URL | Request) => {
      seen.push(String(url));
      const status = statuses.shift() ?? 200;
      return new Response(JSON.stringify(status === 200 ? { ok: true } : { error: { message: 'busy' } }), {
        status,
      });
    }) as typeof fetch;
    return { seen, fetchImpl };
  };
  const env = { DANGAN_API: 'http://api.test', DANGAN_TOKEN: 'a.e30.b' };
  const heading = { zh: '导入失败', en: 'import failed' };

  it('repeats a request the API could not answer for now (throttled, timed out), then has its answer', async () => {
    const { seen, fetchImpl } = answers([429, 503, 500, 200]);
    const api = await connect(env, heading, fetchImpl, { times: 4, firstDelayMs: 1 });
    await expect(api.post('/imports/x/rows', { rows: [] })).resolves.toEqual({ ok: true });
    expect(seen).toHaveLength(4);
  });

  it('gives up after its repeats, and never repeats a refusal (4xx) or by default', async () => {
    const busy = answers([503, 503, 503]);
    const api = await connect(env, heading, busy.fetchImpl, { times: 2, firstDelayMs: 1 });
    await expect(api.get('/imports/x')).rejects.toThrow('answered 503: busy');
    expect(busy.seen).toHaveLength(3);
    const refused = answers([409]);
    const strict = await connect(env, heading, refused.fetchImpl, { times: 4, firstDelayMs: 1 });
    await expect(strict.post('/customers', {})).rejects.toThrow('answered 409');
    expect(refused.seen).toHaveLength(1);
    const plain = answers([503]);
    await expect((await connect(env, heading, plain.fetchImpl)).get('/imports/x')).rejects.toThrow('503');
    expect(plain.seen).toHaveLength(1);
  });
});

describe('a pool of calls over the rows of a step', () => {
  it('keeps at most its limit running, and hands back every result in order', async () => {
    let running = 0;
    let most = 0;
    const out = await mapPooled([5, 1, 4, 2, 3, 0], 3, async (ms, i) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, ms));
      running--;
      return `${i}:${ms}`;
    });
    expect(out).toEqual(['0:5', '1:1', '2:4', '3:2', '4:3', '5:0']);
    expect(most).toBe(3);
  });

  it('throws the first failure once the calls already running have ended, starting no new one', async () => {
    const started: number[] = [];
    let ended = 0;
    const failing = mapPooled([1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n);
      await new Promise((r) => setTimeout(r, n === 1 ? 1 : 10));
      ended++;
      if (n === 1) throw new Error('row 1 failed');
      return n;
    });
    await expect(failing).rejects.toThrow('row 1 failed');
    expect(started).toEqual([1, 2]);
    expect(ended).toBe(2);
  });
});
