import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { readCatalogue } from '../../scripts/import/catalogue.ts';
import { ImportFailure } from '../../scripts/import/errors.ts';
import { zipWithEntriesFirst } from '../../scripts/import/zip-order.ts';
import { cellText } from '../../shared/import/cells.ts';
import { type CatalogueRow, fieldOfHeader } from '../../shared/import/columns.ts';
import { CsvParser, detectEncoding } from '../../shared/import/csv.ts';

const dir = mkdtempSync(join(tmpdir(), 'dangan-catalogue-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ZH_HEADER = '客户编号,客户名称,客户类型,区域,业务事项,文件类型,题名,文件,形成日期,原档号,保管期限';
const EN_HEADER =
  'customerNo,CustomerName,customertype,region,businessEvent,docType,title,file,date,legacyCode,retention';
const ROW = '3300012345,张三,居民客户,HZ,电能计量,装拆表工作单,装表工作单,2019/wo.pdf,2019-03-05,,定期10年';

async function read(name: string, content: string | Buffer): Promise<CatalogueRow[]> {
  const path = join(dir, name);
  writeFileSync(path, content);
  const rows: CatalogueRow[] = [];
  for await (const row of readCatalogue(path)) rows.push(row);
  return rows;
}

/** GB18030 bytes of a text, by looking each character up in Node's own GB18030 decoder. */
function gb18030(text: string): Buffer {
  const decoder = new TextDecoder('gb18030');
  const table = new Map<string, number[]>();
  for (let lead = 0x81; lead <= 0xfe; lead++) {
    for (let trail = 0x40; trail <= 0xfe; trail++) {
      if (trail === 0x7f) continue;
      const c = decoder.decode(new Uint8Array([lead, trail]));
      if (!table.has(c)) table.set(c, [lead, trail]);
    }
  }
  const bytes: number[] = [];
  for (const c of text) {
    if (c.charCodeAt(0) < 0x80) bytes.push(c.charCodeAt(0));
    else bytes.push(...(table.get(c) ?? []));
  }
  return Buffer.from(bytes);
}

const EXPECTED = {
  customerNo: '3300012345',
  customerName: '张三',
  customerType: '居民客户',
  region: 'HZ',
  businessEvent: '电能计量',
  docType: '装拆表工作单',
  title: '装表工作单',
  file: '2019/wo.pdf',
  date: '2019-03-05',
  retention: '定期10年',
};

describe('the catalogue reader: CSV', () => {
  it('reads UTF-8 with a byte-order mark and Chinese headers, numbering rows from 1', async () => {
    const rows = await read('bom.csv', `\ufeff${ZH_HEADER}\r\n${ROW}\r\n`);
    expect(rows).toEqual([{ row: 1, values: EXPECTED }]);
  });

  it('reads UTF-8 without a mark and English headers in any case; an empty cell is absent', async () => {
    const rows = await read('plain.csv', `${EN_HEADER}\n${ROW}\n${ROW.replace('HZ', '')}`);
    expect(rows).toHaveLength(2);
    expect(rows[0]?.values).toEqual(EXPECTED);
    expect(rows[1]).toEqual({ row: 2, values: { ...EXPECTED, region: undefined } });
    expect(rows[1]?.values).not.toHaveProperty('region');
  });

  it('reads GB18030, told from UTF-8 by its bytes', async () => {
    const bytes = gb18030(`${ZH_HEADER}\r\n${ROW}\r\n`);
    expect(bytes.toString('utf8')).not.toContain('张三');
    const rows = await read('gb.csv', bytes);
    expect(await detectEncoding(() => createReadStream(join(dir, 'gb.csv')))).toBe('gb18030');
    expect(rows).toEqual([{ row: 1, values: EXPECTED }]);
  });

  it('keeps commas, quotes and line breaks inside quoted fields; blank lines keep their numbers', async () => {
    const quoted = ROW.replace('装表工作单', '"装表, ""一""\n工作单"');
    const rows = await read('quoted.csv', `${ZH_HEADER}\n\n${quoted}\n,,,,,,,,,,\n${ROW}`);
    expect(rows.map((r) => r.row)).toEqual([2, 4]);
    expect(rows[0]?.values.title).toBe('装表, "一"\n工作单');
  });

  it('takes headers in both languages at once', () => {
    expect(fieldOfHeader('客户编号 customerNo')).toBe('customerNo');
    expect(fieldOfHeader('形成日期/date')).toBe('date');
    expect(fieldOfHeader('客户编号 title')).toBeUndefined();
    expect(fieldOfHeader('题目')).toBeUndefined();
  });

  it('refuses a catalogue with an unknown, missing or doubled column, or none at all', async () => {
    await expect(read('unknown.csv', `${ZH_HEADER},备注\n${ROW}`)).rejects.toThrow(
      /columns nobody knows: 备注/,
    );
    await expect(read('missing.csv', `${ZH_HEADER.replace(',题名', '')}\n`)).rejects.toThrow(
      /lacks these columns: 题名\/title/,
    );
    await expect(read('twice.csv', `${ZH_HEADER},title\n`)).rejects.toThrow(
      /names these columns twice: title/,
    );
    await expect(read('empty.csv', '\ufeff\r\n')).rejects.toThrow(ImportFailure);
  });

  it('parses text fed in any pieces, CR LF split between them', () => {
    const parser = new CsvParser();
    const text = 'a,"b\r\nc",d\r\ne,f\r\n"g""h"';
    const records: string[][] = [];
    for (const piece of text.match(/.{1,3}/gs) ?? []) records.push(...parser.push(piece));
    records.push(...parser.end());
    expect(records).toEqual([['a', 'b\r\nc', 'd'], ['e', 'f'], ['g"h']]);
  });
});

describe('the catalogue reader: .xlsx', () => {
  it('reads the first sheet: dates, numbers and rich text as a person sees them', async () => {
    const path = join(dir, 'catalogue.xlsx');
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('目录');
    sheet.addRow(ZH_HEADER.split(','));
    const cells: unknown[] = ROW.split(',');
    cells[0] = 3300012345;
    cells[6] = { richText: [{ text: '装表' }, { text: '工作单' }] };
    cells[8] = new Date(Date.UTC(2019, 2, 5));
    sheet.addRow(cells);
    sheet.addRow([]);
    sheet.addRow(ROW.split(','));
    workbook.addWorksheet('其他').addRow(['不读 not read']);
    await workbook.xlsx.writeFile(path);
    const rows: CatalogueRow[] = [];
    for await (const row of readCatalogue(path)) rows.push(row);
    expect(rows).toEqual([
      { row: 1, values: EXPECTED },
      { row: 3, values: EXPECTED },
    ]);
  });

  /** The test's workbook with its parts rewritten and its entries stored in `order` (the rest after). */
  async function rezipped(
    order: string[],
    edit: (name: string, text: string) => string = (_n, t) => t,
  ): Promise<string> {
    const source = join(dir, 'source.xlsx');
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('目录').addRow(ZH_HEADER.split(','));
    workbook.getWorksheet('目录')?.addRow(ROW.split(','));
    workbook.addWorksheet('其他').addRow(['不读 not read']);
    await workbook.xlsx.writeFile(source);
    const parts = unzipSync(readFileSync(source));
    const names = [
      ...order.filter((n) => n in parts),
      ...Object.keys(parts).filter((n) => !order.includes(n)),
    ];
    const files = Object.fromEntries(
      names.map((n) => [
        n,
        n.endsWith('.xml') ? strToU8(edit(n, strFromU8(parts[n] as Uint8Array))) : parts[n],
      ]),
    ) as Record<string, Uint8Array>;
    const path = join(dir, `rezipped-${order.length}-${names.join('').length}.xlsx`);
    writeFileSync(path, zipSync(files));
    return path;
  }

  /** The entries' names in the order a streaming reader meets them (local headers, front to back). */
  async function streamedNames(stream: Readable): Promise<string[]> {
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    const bytes = Buffer.concat(chunks);
    const names: string[] = [];
    for (let p = 0; bytes.readUInt32LE(p) === 0x04034b50; ) {
      const stored = bytes.readUInt32LE(p + 18);
      const nameLength = bytes.readUInt16LE(p + 26);
      const extraLength = bytes.readUInt16LE(p + 28);
      names.push(bytes.toString('utf8', p + 30, p + 30 + nameLength));
      p += 30 + nameLength + extraLength + stored;
    }
    return names;
  }

  it('hands the reader the workbook’s parts before its worksheets, whatever order the file holds them in', async () => {
    const late = [
      'xl/worksheets/sheet2.xml',
      'xl/worksheets/sheet1.xml',
      'xl/sharedStrings.xml',
      'xl/styles.xml',
    ];
    const path = await rezipped(late);
    const inFile = await streamedNames(createReadStream(path));
    expect(inFile.indexOf('xl/workbook.xml')).toBeGreaterThan(inFile.indexOf('xl/worksheets/sheet1.xml'));
    const parts = ['xl/workbook.xml', 'xl/_rels/workbook.xml.rels', 'xl/sharedStrings.xml', 'xl/styles.xml'];
    const streamed = await streamedNames(await zipWithEntriesFirst(path, parts));
    expect(streamed.slice(0, 4)).toEqual(parts);
    // Every entry once; the others keep the file's order.
    expect([...streamed].sort()).toEqual([...inFile].sort());
    expect(streamed.slice(4)).toEqual(inFile.filter((n) => !parts.includes(n)));
    const rows: CatalogueRow[] = [];
    for await (const row of readCatalogue(path)) rows.push(row);
    expect(rows.map((r) => r.values.customerName)).toEqual(['张三']);
  });

  it('reads the first tab, whichever worksheet file holds it', async () => {
    // The tabs swapped in xl/workbook.xml: 其他 (sheet2.xml) first, 目录 (sheet1.xml) second.
    const path = await rezipped([], (name, text) =>
      name === 'xl/workbook.xml'
        ? text.replace(/(<sheet [^>]*name="目录"[^>]*\/>)(<sheet [^>]*name="其他"[^>]*\/>)/, '$2$1')
        : text,
    );
    await expect(async () => {
      for await (const _ of readCatalogue(path));
    }).rejects.toThrow(/不读 not read/);
  });

  it('turns formulas into their results and errors into their text', () => {
    expect(cellText({ formula: 'A1', result: 7 })).toBe('7');
    expect(cellText({ text: '链接', hyperlink: 'https://example.com' })).toBe('链接');
    expect(cellText({ error: '#N/A' })).toBe('#N/A');
    expect(cellText(null)).toBe('');
  });
});
