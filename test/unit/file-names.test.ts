import { describe, expect, it } from 'vitest';
import {
  archivedFileName,
  EXTENSIONS,
  extensionAgrees,
  extensionOf,
  extensionProblem,
  FILE_NAME_MAX_BYTES,
  fileNameProblem,
  forbiddenCharacter,
  quoted,
  safeFileName,
  TITLE_MAX_CHARACTERS,
  titleProblem,
  utf8Bytes,
} from '../../functions/core/file-names.ts';
import { sniffContentType } from '../../functions/core/file-type.ts';
import { getScheme, SCHEME_IDS } from '../../functions/core/scheme.ts';

const bytes = (...b: number[]) => Uint8Array.from(b);

/** Every character the rules name, by code point. */
const FORBIDDEN_CODE_POINTS = [
  ...Array.from({ length: 0x20 }, (_, i) => i),
  0x7f,
  ...Array.from({ length: 0x20 }, (_, i) => 0x80 + i),
  0x200e,
  0x200f,
  0x202a,
  0x202b,
  0x202c,
  0x202d,
  0x202e,
  0x2066,
  0x2067,
  0x2068,
  0x2069,
  0xfeff,
];

describe('characters a title or file name may not contain', () => {
  it.each(FORBIDDEN_CODE_POINTS.map((n) => [n.toString(16).toUpperCase().padStart(4, '0'), n] as const))(
    'refuses U+%s in a title and a file name, naming the field and the character',
    (hex, n) => {
      const c = String.fromCodePoint(n);
      expect(titleProblem(`Ab${c}c`)).toMatch(
        new RegExp(`^title contains U\\+${hex} \\(.*\\) at character 3;`),
      );
      expect(fileNameProblem(`ab${c}.pdf`)).toMatch(
        new RegExp(`^fileName contains U\\+${hex} .* at character 3;`),
      );
      // At either end too: nothing is trimmed away before it is checked.
      expect(titleProblem(`${c}Ab`)).toMatch(/^title contains/);
      expect(fileNameProblem(`ab.pdf${c}`)).toMatch(/^fileName contains/);
    },
  );

  it('says what kind of character it is', () => {
    expect(fileNameProblem('a\u0000.pdf')).toMatch(/U\+0000 \(a control character\)/);
    expect(fileNameProblem('a\u202e.pdf')).toMatch(
      /U\+202E \(a bidirectional formatting character, which can disguise an extension\)/,
    );
    expect(fileNameProblem('a\ud800.pdf')).toMatch(/U\+D800 \(an unpaired surrogate/);
  });

  it('takes ordinary text in any script, spaces and punctuation', () => {
    for (const ok of [
      '装拆表工作单',
      'Application (2) – final',
      '身份证 复印件·正面',
      'Zoë’s scan #1',
      '😀 emoji',
    ]) {
      expect(titleProblem(ok)).toBeUndefined();
      expect(fileNameProblem(`${ok}.pdf`)).toBeUndefined();
    }
    expect(forbiddenCharacter('\u00a0\u3000\u2028ok')).toBeUndefined();
  });

  it('names a refused field as the caller says', () => {
    expect(titleProblem('a\nb', 'documents.0.title')).toMatch(/^documents\.0\.title contains U\+000A/);
  });

  it('quotes a name with every forbidden character shown as an escape', () => {
    expect(quoted('a\u202efdp.html\u0000')).toBe('"a\\u{202E}fdp.html\\u{0}"');
  });
});

describe('length bounds', () => {
  it('takes a title of 200 characters and refuses 201; an empty title is refused', () => {
    expect(titleProblem('题'.repeat(TITLE_MAX_CHARACTERS))).toBeUndefined();
    expect(titleProblem('题'.repeat(201))).toBe('title has 201 characters; at most 200 are allowed');
    // Characters, not UTF-16 units: 200 emoji are 200 characters.
    expect(titleProblem('😀'.repeat(200))).toBeUndefined();
    expect(titleProblem('   ')).toBe('title is empty');
  });

  it('counts a file name in characters and in UTF-8 bytes', () => {
    expect(utf8Bytes('a')).toBe(1);
    expect(utf8Bytes('é')).toBe(2);
    expect(utf8Bytes('扫')).toBe(3);
    expect(utf8Bytes('😀')).toBe(4);
    expect(fileNameProblem(`${'a'.repeat(251)}.pdf`)).toBeUndefined();
    expect(fileNameProblem(`${'a'.repeat(252)}.pdf`)).toBe(
      'fileName has 256 characters; at most 255 are allowed',
    );
    // 84 Chinese characters and ".pdf": 88 characters, but 256 bytes.
    const chinese = `${'扫'.repeat(84)}.pdf`;
    expect(Array.from(chinese)).toHaveLength(88);
    expect(utf8Bytes(chinese)).toBe(FILE_NAME_MAX_BYTES + 1);
    expect(fileNameProblem(chinese)).toBe(
      'fileName is 256 bytes in UTF-8; at most 255 are allowed (a Chinese character takes 3)',
    );
    expect(fileNameProblem(`${'扫'.repeat(83)}ab.pdf`)).toBeUndefined();
    expect(fileNameProblem(' ')).toBe('fileName is empty');
  });
});

describe('file name shape', () => {
  it.each([
    ['a/b.pdf', /contains "\/"; give the file's own name, without a folder/],
    ['..\\b.pdf', /contains "\\"/],
    ['.', /starts with a dot/],
    ['..', /starts with a dot/],
    ['...', /starts with a dot/],
    ['.pdf', /^fileName "\.pdf" starts with a dot; give the file a name before its extension/],
    ['..pdf', /starts with a dot/],
  ])('refuses %j', (name, message) => {
    expect(fileNameProblem(name)).toMatch(message);
  });

  it('takes a name with several dots', () => {
    expect(fileNameProblem('contract.v2.final.pdf')).toBeUndefined();
  });
});

describe('extensions and content types', () => {
  it('knows an extension for every content type a scheme accepts and every type the sniffer recognises', () => {
    for (const id of SCHEME_IDS) {
      for (const type of getScheme(id).contentTypes) expect(EXTENSIONS[type], `${id}: ${type}`).toBeDefined();
    }
    const sniffed = [
      sniffContentType(new TextEncoder().encode('%PDF-1.7')),
      sniffContentType(bytes(0xff, 0xd8, 0xff, 0xe0)),
      sniffContentType(bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)),
      sniffContentType(bytes(0x49, 0x49, 0x2a, 0x00)),
    ];
    expect(sniffed).toEqual(['application/pdf', 'image/jpeg', 'image/png', 'image/tiff']);
    for (const type of sniffed) expect(EXTENSIONS[type], type).toBeDefined();
  });

  it('reads the last extension, in lower case', () => {
    expect(extensionOf('A.PDF')).toBe('.pdf');
    expect(extensionOf('x.tar.GZ')).toBe('.gz');
    expect(extensionOf('noext')).toBeUndefined();
    expect(extensionOf('trailing.')).toBeUndefined();
    expect(extensionOf('.hidden')).toBeUndefined();
  });

  it.each([
    ['A.PDF', 'application/pdf'],
    ['a.pdf', 'application/pdf'],
    ['扫描件.jpeg', 'image/jpeg'],
    ['扫描件.JPG', 'image/jpeg'],
    ['x.png', 'image/png'],
    ['x.tif', 'image/tiff'],
    ['x.TIFF', 'image/tiff'],
  ])('%s agrees with %s', (name, type) => {
    expect(extensionAgrees(name, type)).toBe(true);
    expect(extensionProblem(name, type)).toBeUndefined();
  });

  it.each([
    [
      'a.html',
      'application/pdf',
      'fileName "a.html" does not agree with contentType application/pdf; expected .pdf',
    ],
    [
      'scan.html',
      'application/pdf',
      'fileName "scan.html" does not agree with contentType application/pdf; expected .pdf',
    ],
    ['x.pdf', 'image/png', 'fileName "x.pdf" does not agree with contentType image/png; expected .png'],
    ['id', 'image/jpeg', 'fileName "id" does not agree with contentType image/jpeg; expected .jpg or .jpeg'],
    [
      'x.png',
      'image/tiff',
      'fileName "x.png" does not agree with contentType image/tiff; expected .tif or .tiff',
    ],
    [
      'pdf',
      'application/pdf',
      'fileName "pdf" does not agree with contentType application/pdf; expected .pdf',
    ],
  ])('%s does not agree with %s', (name, type, message) => {
    expect(extensionAgrees(name, type)).toBe(false);
    expect(extensionProblem(name, type)).toBe(message);
  });

  it('refuses a content type with no known extension rather than let any name through', () => {
    expect(extensionProblem('x.ofd', 'application/ofd')).toBe(
      'fileName "x.ofd" cannot be checked: no file name extension is known for contentType application/ofd',
    );
  });
});

describe('safe names for what is handed out', () => {
  it.each([
    ['a\n.html', 'application/pdf', 'a_.pdf'],
    ['a.pdf', 'application/pdf', 'a.pdf'],
    ['A.PDF', 'application/pdf', 'A.PDF'],
    ['scan\u202efdp.html', 'image/png', 'scan_fdp.png'],
    ['身份证 "copy".png', 'image/png', '身份证 _copy_.png'],
    ['..\\..\\etc/passwd', 'application/pdf', '_.pdf'],
    ['x..html', 'application/pdf', 'x.pdf'],
    ['\u0000', 'application/pdf', '_.pdf'],
    ['', 'image/jpeg', 'document.jpg'],
    ['.pdf', 'application/pdf', 'pdf.pdf'],
    ['x.png', 'application/octet-stream', 'x.bin'],
    ['report.2024', 'application/pdf', 'report.pdf'],
    ['\ud800.pdf', 'application/pdf', '_.pdf'],
  ])('%j as %s is %j', (name, type, safe) => {
    expect(safeFileName(name, type)).toBe(safe);
  });

  it('stays within 255 characters and 255 bytes, keeping the extension', () => {
    const long = safeFileName(`${'扫'.repeat(300)}.html`, 'application/pdf');
    expect(long.endsWith('.pdf')).toBe(true);
    expect(utf8Bytes(long)).toBeLessThanOrEqual(255);
    expect(fileNameProblem(long)).toBeUndefined();
    const ascii = safeFileName(`${'a'.repeat(400)}.tiff`, 'image/tiff');
    expect(ascii).toBe(`${'a'.repeat(250)}.tiff`);
  });

  it('names an archived original by its archive code and the extension of what it is', () => {
    expect(archivedFileName('Z001-KH·2026-D30-YK-0007', 'application/pdf')).toBe(
      'Z001-KH·2026-D30-YK-0007.pdf',
    );
    expect(archivedFileName('Z001-KH·2026-D30-YK-0008', 'image/jpeg')).toBe('Z001-KH·2026-D30-YK-0008.jpg');
    expect(archivedFileName('Z001.2026-0001', 'image/png')).toBe('Z001.2026-0001.png');
    expect(archivedFileName('Z001-0009', 'application/octet-stream')).toBe('Z001-0009.bin');
  });
});
