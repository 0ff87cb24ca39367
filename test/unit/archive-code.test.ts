import { describe, expect, it } from 'vitest';
import {
  formatArchiveCode,
  parseArchiveCode,
  parseCodeTemplate,
  sequenceAlarmAt,
  sequenceCapacity,
  sequenceKey,
} from '../../functions/core/archive-code.ts';

const TEMPLATE = '{fonds}-{category}·{year}-{retention}-{classCode}-{seq:4}';
const PARTS = { fonds: 'Z001', category: 'KH', year: 2026, retention: 'D30', classCode: 'YK', seq: 7 };

describe('archive codes', () => {
  it('formats the DA/T 22 shape with a padded item number', () => {
    expect(formatArchiveCode(TEMPLATE, PARTS)).toBe('Z001-KH·2026-D30-YK-0007');
    expect(formatArchiveCode(TEMPLATE, { ...PARTS, retention: 'Y', seq: 9999 })).toBe(
      'Z001-KH·2026-Y-YK-9999',
    );
  });

  it('reads a code back into its parts', () => {
    expect(parseArchiveCode(TEMPLATE, 'Z001-KH·2026-D30-YK-0007')).toEqual(PARTS);
  });

  it.each([
    'Z001-KH·2026-D30-YK-007',
    'Z001-KH-2026-D30-YK-0007',
    'z001-KH·2026-D30-YK-0007',
    'Z001-KH·26-D30-YK-0007',
    '',
  ])('does not read %s', (code) => expect(parseArchiveCode(TEMPLATE, code)).toBeUndefined());

  it('names a sequence by every part except the number', () => {
    expect(sequenceKey(TEMPLATE, PARTS)).toBe('Z001-KH·2026-D30-YK-');
    expect(sequenceKey(TEMPLATE, { ...PARTS, year: 2027 })).not.toBe(sequenceKey(TEMPLATE, PARTS));
    expect(sequenceKey(TEMPLATE, { ...PARTS, classCode: 'BG' })).not.toBe(sequenceKey(TEMPLATE, PARTS));
  });

  it("knows the largest number the template's width holds, and alarms at 80% of it", () => {
    expect(sequenceCapacity(TEMPLATE)).toBe(9999);
    expect(sequenceCapacity(TEMPLATE.replace('{seq:4}', '{seq:5}'))).toBe(99999);
    expect(sequenceAlarmAt(TEMPLATE)).toBe(8000);
    expect(sequenceAlarmAt(TEMPLATE.replace('{seq:4}', '{seq:3}'))).toBe(800);
  });

  it('goes on past the width with wider numbers, which read back and stay distinct', () => {
    const at = (seq: number) => formatArchiveCode(TEMPLATE, { ...PARTS, seq });
    expect(at(9999)).toBe('Z001-KH·2026-D30-YK-9999');
    expect(at(10000)).toBe('Z001-KH·2026-D30-YK-10000');
    expect(at(123456)).toBe('Z001-KH·2026-D30-YK-123456');
    for (const seq of [9999, 10000, 10001, 123456]) {
      expect(parseArchiveCode(TEMPLATE, at(seq))).toEqual({ ...PARTS, seq });
    }
    // A wider number is never written with a leading zero: 01000 is not a code of the template.
    expect(parseArchiveCode(TEMPLATE, 'Z001-KH·2026-D30-YK-01000')).toBeUndefined();
  });

  it.each([
    [0, /item number 0 is not a whole number from 1/],
    [-3, /item number -3 is not a whole number/],
    [1.5, /item number 1.5 is not a whole number/],
  ])('refuses item number %s', (seq, message) => {
    expect(() => formatArchiveCode(TEMPLATE, { ...PARTS, seq })).toThrow(message);
  });

  it('refuses parts that are not upper-case letters or digits', () => {
    expect(() => formatArchiveCode(TEMPLATE, { ...PARTS, classCode: 'yk' })).toThrow(
      'classCode "yk" must be upper-case letters or digits',
    );
    expect(() => formatArchiveCode(TEMPLATE, { ...PARTS, fonds: 'Z-1' })).toThrow(/fonds/);
  });
});

describe('code templates', () => {
  it('tokenises literals and placeholders', () => {
    expect(parseCodeTemplate('{fonds}/{category}/{year}/{retention}/{classCode}/{seq:3}')).toEqual([
      { field: 'fonds' },
      { literal: '/' },
      { field: 'category' },
      { literal: '/' },
      { field: 'year' },
      { literal: '/' },
      { field: 'retention' },
      { literal: '/' },
      { field: 'classCode' },
      { literal: '/' },
      { field: 'seq', width: 3 },
    ]);
  });

  it.each([
    ['{fonds}-{category}·{year}-{retention}-{classCode}-{seq:4}-{unit}', /unknown placeholder \{unit\}/],
    [
      '{fonds}-{fonds}-{category}·{year}-{retention}-{classCode}-{seq:4}',
      /placeholder \{fonds\} appears twice/,
    ],
    ['{fonds}-{category}·{year}-{retention}-{seq:4}', /lacks \{classCode\}/],
    ['{fonds}-{category}·{year}-{retention}-{classCode}-{seq}', /must give \{seq\} a width from 3 to 8/],
    ['{fonds}-{category}·{year}-{retention}-{classCode}-{seq:2}', /must give \{seq\} a width from 3 to 8/],
    ['{fonds}-{category}·{year}-{retention}-{classCode}-{seq:9}', /must give \{seq\} a width from 3 to 8/],
  ])('refuses %s', (template, message) => {
    expect(() => parseCodeTemplate(template)).toThrow(message);
  });
});
