import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bagNameOf } from '../../functions/core/bag-contents.ts';
import {
  BAGIT_TXT,
  bagInfoText,
  bagSize,
  decodeManifestPath,
  manifestLine,
  manifestPath,
  parseManifestLine,
  payloadOxum,
} from '../../functions/core/bagit.ts';
import { parseArgs } from '../../scripts/export/args.ts';
import { saveVerified } from '../../scripts/export/files.ts';
import { Journal, type StartEntry } from '../../scripts/export/journal.ts';
import { seal, verifyBag } from '../../scripts/export/seal.ts';

const sha = (text: string) => execFileSync('sha256sum', { input: text }).toString().split(' ')[0] as string;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dangan-bag-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('BagIt text (RFC 8493)', () => {
  it('declares version 1.0 in UTF-8', () => {
    expect(BAGIT_TXT).toBe('BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n');
  });

  it('writes a manifest line as checksum, two spaces, path, and reads it back', () => {
    const line = manifestLine('a'.repeat(64), 'data/K1/Z001-KH·2026-D30-YK-0001/原件.pdf');
    expect(line).toBe(`${'a'.repeat(64)}  data/K1/Z001-KH·2026-D30-YK-0001/原件.pdf\n`);
    expect(parseManifestLine(line.trimEnd())).toEqual({
      sha256: 'a'.repeat(64),
      path: 'data/K1/Z001-KH·2026-D30-YK-0001/原件.pdf',
    });
  });

  it('percent-encodes CR, LF and % in paths so that a line names one file', () => {
    expect(manifestPath('data/a%b\nc\rd')).toBe('data/a%25b%0Ac%0Dd');
    expect(decodeManifestPath('data/a%25b%0Ac%0Dd')).toBe('data/a%b\nc\rd');
    // Only those three: a name that merely looks encoded stays as it is.
    expect(decodeManifestPath(manifestPath('data/%41'))).toBe('data/%41');
  });

  it('refuses a path outside the bag and a checksum that is not SHA-256 hex', () => {
    for (const p of ['/etc/passwd', 'data/../x', 'data//x', './data/x'])
      expect(() => manifestPath(p)).toThrow();
    expect(() => manifestLine('ABC', 'data/x')).toThrow();
    expect(parseManifestLine('not a line')).toBeUndefined();
  });

  it('Payload-Oxum is octets.files, and Bag-Size reads for people', () => {
    expect(payloadOxum(72021, 27)).toBe('72021.27');
    expect(payloadOxum(0, 0)).toBe('0.0');
    expect(() => payloadOxum(-1, 1)).toThrow();
    expect(bagSize(999)).toBe('999 B');
    expect(bagSize(72021)).toBe('72.0 KB');
    expect(bagSize(3_500_000_000)).toBe('3.5 GB');
  });

  it('bag-info values stay on one line, whatever a record holds', () => {
    const text = bagInfoText([
      ['Contact-Name', 'archivist1'],
      ['External-Description', '张三\nPayload-Oxum: 1.1\u2028x'],
    ]);
    expect(text).toBe('Contact-Name: archivist1\nExternal-Description: 张三 Payload-Oxum: 1.1 x\n');
    expect(() => bagInfoText([['Bad Label', 'x']])).toThrow();
  });
});

describe('a sealed bag', () => {
  async function sealedBag(name = 'bag') {
    const bagDir = join(dir, name);
    const files = {
      'data/K1/customer.json': '{"profile":{}}\n',
      'data/K1/Z1/Z1.pdf': '%PDF-1.4 original\n',
    } as const;
    for (const [path, text] of Object.entries(files)) {
      const full = join(bagDir, path);
      mkdirSync(join(full, '..'), { recursive: true });
      writeFileSync(full, text);
    }
    const journal = await Journal.open(bagDir);
    const start: StartEntry = {
      t: 'start',
      exportId: 'e1',
      startedAt: '2026-05-01T08:00:00.000Z',
      bag: 'dangan-export_K1',
      selection: { customers: ['K1'] },
      exportedBy: 'archivist1',
      source: '全宗 fonds Z001',
    };
    await journal.append(start);
    const entry = (path: keyof typeof files) => ({
      path,
      sha256: sha(files[path]),
      bytes: files[path].length,
    });
    await journal.append({
      t: 'customer',
      customerId: 'c1',
      customerNo: 'K1',
      files: [entry('data/K1/customer.json')],
    });
    await journal.append({
      t: 'doc',
      documentId: 'd1',
      customerId: 'c1',
      customerNo: 'K1',
      archiveCode: 'Z1',
      title: '=HYPERLINK("x")',
      docType: '用电申请书',
      date: '2026-05-01',
      retentionCode: 'D30',
      bytes: files['data/K1/Z1/Z1.pdf'].length,
      sha256: sha(files['data/K1/Z1/Z1.pdf']),
      original: 'data/K1/Z1/Z1.pdf',
      files: [entry('data/K1/Z1/Z1.pdf')],
    });
    const sealed = await seal(bagDir, journal, start, '2026-05-02T09:00:00.000Z');
    return { bagDir, sealed };
  }

  it('lists every payload file in the manifest, sums them in Payload-Oxum and lists the tag files', async () => {
    const { bagDir, sealed } = await sealedBag();
    expect(sealed).toMatchObject({ customers: 1, documents: 1, payloadFiles: 4 });
    const manifest = readFileSync(join(bagDir, 'manifest-sha256.txt'), 'utf8');
    expect(
      manifest
        .trimEnd()
        .split('\n')
        .map((l) => l.split('  ')[1]),
    ).toEqual([
      'data/K1/customer.json',
      'data/K1/Z1/Z1.pdf',
      'data/handover-list.csv',
      'data/handover-list.html',
    ]);
    const info = readFileSync(join(bagDir, 'bag-info.txt'), 'utf8');
    expect(info).toContain(`Payload-Oxum: ${sealed.payloadBytes}.4\n`);
    expect(info).toContain('Bagging-Date: 2026-05-02\n');
    expect(info).toContain('Bag-Count: 1 of 1\n');
    const tags = readFileSync(join(bagDir, 'tagmanifest-sha256.txt'), 'utf8');
    expect(
      tags
        .trimEnd()
        .split('\n')
        .map((l) => l.split('  ')[1]),
    ).toEqual(['bagit.txt', 'bag-info.txt', 'manifest-sha256.txt']);
    // What a receiver runs: coreutils alone checks both manifests.
    execFileSync('sha256sum', ['--strict', '-c', 'manifest-sha256.txt'], { cwd: bagDir });
    execFileSync('sha256sum', ['--strict', '-c', 'tagmanifest-sha256.txt'], { cwd: bagDir });
    await expect(verifyBag(bagDir)).resolves.toMatchObject({ customers: 1, documents: 1, payloadFiles: 4 });
  });

  it('fails verification for a changed payload file and for a file the manifest leaves out', async () => {
    const { bagDir } = await sealedBag();
    writeFileSync(join(bagDir, 'data/K1/Z1/Z1.pdf'), '%PDF-1.4 changed!\n');
    await expect(verifyBag(bagDir)).rejects.toThrow(/data\/K1\/Z1\/Z1.pdf does not match/);
    const again = await sealedBag('another');
    writeFileSync(join(again.bagDir, 'data/extra.txt'), 'x');
    await expect(verifyBag(again.bagDir)).rejects.toThrow(/data\/ holds 5 files, the manifest lists 4/);
  });
});

describe('originals and the journal', () => {
  it('keeps a download only when its SHA-256 and length are the recorded ones', async () => {
    const path = join(dir, 'a', 'x.pdf');
    const body = '%PDF-1.4 the archived bytes\n';
    await saveVerified(
      Readable.from([Buffer.from(body)]),
      path,
      { sha256: sha(body), bytes: body.length },
      'Z1',
    );
    expect(readFileSync(path, 'utf8')).toBe(body);
    const other = join(dir, 'a', 'y.pdf');
    await expect(
      saveVerified(
        Readable.from([Buffer.from('tampered')]),
        other,
        { sha256: sha(body), bytes: body.length },
        'Z2',
      ),
    ).rejects.toThrow(/the original of Z2 is not the archived one/);
    expect(await readdir(join(dir, 'a'))).toEqual(['x.pdf']);
  });

  it('reads back what is done, and drops a line a stop cut short', async () => {
    const journal = await Journal.open(dir);
    await journal.append({ t: 'customer', customerId: 'c1', customerNo: 'K1', files: [] });
    await journal.append({ t: 'part', customerId: 'c1', part: 1, documents: 0 });
    writeFileSync(Journal.at(dir), `${readFileSync(Journal.at(dir), 'utf8')}{"t":"doc","documentId":"d`);
    const reopened = await Journal.open(dir);
    expect(reopened.state.customersDone).toEqual(new Set(['c1']));
    expect(reopened.state.parts.get('c1')).toBe(1);
    expect(reopened.state.documentsDone.size).toBe(0);
    await reopened.append({ t: 'sealing', at: '2026-05-02T09:00:00.000Z' });
    expect((await Journal.open(dir)).state.sealingAt).toBe('2026-05-02T09:00:00.000Z');
  });
});

describe('the command line', () => {
  it('reads the selection, and names the bag after it', () => {
    const args = parseArgs([
      '--out',
      '/tmp/x',
      '--customer',
      'k100',
      '--customer=K099',
      '--year',
      '2026',
      '--category=yk',
    ]);
    expect(args).toEqual({
      out: '/tmp/x',
      selection: { customers: ['K100', 'K099'], year: 2026, category: 'YK' },
    });
    expect(bagNameOf(args.selection, () => 'f'.repeat(64))).toBe('dangan-export_K099+K100_2026_YK');
    const many = { customers: Array.from({ length: 20 }, (_, i) => `C${1000 + i}`) };
    expect(bagNameOf(many, () => 'abcdef0123456789')).toBe('dangan-export_C1000+19-more-abcdef012345');
    // A whole archive year, every customer.
    const year = parseArgs(['--out', '/tmp/x', '--year', '2025']);
    expect(year.selection).toEqual({ customers: [], year: 2025 });
    expect(bagNameOf(year.selection, () => 'f'.repeat(64))).toBe('dangan-export_all_2025');
  });

  it.each([
    [[], '--out <dir> is required'],
    [['--out', 'x'], 'give --customer <customerNo> (one or more) or --year YYYY'],
    [['--out', 'x', '--category', 'YK'], 'give --customer <customerNo> (one or more) or --year YYYY'],
    [['--out', 'x', '--customer', 'x'], 'is not a customer number'],
    [['--out', 'x', '--customer', 'K100', '--year', '26'], 'must be a four-digit year'],
    [['--out', 'x', '--customer', 'K100', '--category', 'a b'], 'must be 1 to 16 letters or digits'],
    [['--out', 'x', '--customer', 'K100', '--since', '2020'], 'unknown argument "--since"'],
    [['--out'], '--out needs a value'],
  ])('%j is a usage error (exit 2) saying so in Chinese and English', (argv, message) => {
    try {
      parseArgs(argv);
      expect.unreachable();
    } catch (err) {
      expect((err as { exitCode: number }).exitCode).toBe(2);
      expect((err as Error).message).toContain('用法错误');
      expect((err as Error).message).toContain(message);
    }
  });
});
