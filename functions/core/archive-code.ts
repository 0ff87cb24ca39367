/**
 * Archive codes (档号) in the DA/T 22 shape `全宗号-门类代码·年度-保管期限-机构(问题)代码-件号`,
 * e.g. `Z001-KH·2026-D30-YK-0007`. A scheme writes the shape as a template:
 * `{fonds}-{category}·{year}-{retention}-{classCode}-{seq:4}`. The item number (件号) runs per
 * sequence: every other part of the code together names the sequence, so numbers restart for
 * each year, retention period and class, as DA/T 22 expects.
 *
 * `{seq:4}` is the least number of digits, as DA/T 22 pads the item number to at least four: a
 * sequence that outgrows it goes on with wider numbers (`…-9999`, then `…-10000`) rather than
 * stopping the archive. A code stays unique and reads back; the stack alarms when a sequence
 * reaches 80% of its width (`SEQUENCE_ALARM_SHARE`), so the scheme can be widened for the next
 * year before numbers change width.
 */

export interface ArchiveCodeParts {
  fonds: string;
  category: string;
  year: number;
  retention: string;
  classCode: string;
  seq: number;
}

const FIELDS = ['fonds', 'category', 'year', 'retention', 'classCode', 'seq'] as const;
type Field = (typeof FIELDS)[number];

type Token = { literal: string } | { field: Field; width?: number };

const PLACEHOLDER = /\{([a-zA-Z]+)(?::(\d+))?\}/g;

export function parseCodeTemplate(template: string): Token[] {
  const tokens: Token[] = [];
  let last = 0;
  const seen = new Set<string>();
  for (const m of template.matchAll(PLACEHOLDER)) {
    const name = m[1] ?? '';
    if (!(FIELDS as readonly string[]).includes(name)) {
      throw new Error(`unknown placeholder {${name}} in archive-code template`);
    }
    if (seen.has(name)) throw new Error(`placeholder {${name}} appears twice in archive-code template`);
    seen.add(name);
    if (m.index > last) tokens.push({ literal: template.slice(last, m.index) });
    const width = m[2] === undefined ? undefined : Number(m[2]);
    tokens.push(width === undefined ? { field: name as Field } : { field: name as Field, width });
    last = m.index + m[0].length;
  }
  if (last < template.length) tokens.push({ literal: template.slice(last) });
  for (const f of FIELDS) {
    if (!seen.has(f)) throw new Error(`archive-code template lacks {${f}}`);
  }
  const seqToken = tokens.find(
    (t): t is { field: Field; width?: number } => 'field' in t && t.field === 'seq',
  );
  if (!seqToken?.width || seqToken.width < 3 || seqToken.width > 8) {
    throw new Error('archive-code template must give {seq} a width from 3 to 8, e.g. {seq:4}');
  }
  return tokens;
}

function render(tokens: Token[], parts: ArchiveCodeParts, withSeq: boolean): string {
  return tokens
    .map((t) => {
      if ('literal' in t) return t.literal;
      if (t.field === 'seq') {
        if (!withSeq) return '';
        const width = t.width ?? 4;
        if (!Number.isInteger(parts.seq) || parts.seq < 1) {
          throw new Error(`item number ${parts.seq} is not a whole number from 1`);
        }
        return String(parts.seq).padStart(width, '0');
      }
      const value = String(parts[t.field]);
      if (!/^[A-Z0-9]+$/.test(value))
        throw new Error(`${t.field} "${value}" must be upper-case letters or digits`);
      return value;
    })
    .join('');
}

export function formatArchiveCode(template: string, parts: ArchiveCodeParts): string {
  return render(parseCodeTemplate(template), parts, true);
}

/** The name of the sequence a code's item number is drawn from: the code without its number. */
export function sequenceKey(template: string, parts: Omit<ArchiveCodeParts, 'seq'>): string {
  return render(parseCodeTemplate(template), { ...parts, seq: 1 }, false);
}

/** The largest item number the template's width holds; past it numbers are written wider. */
export function sequenceCapacity(template: string): number {
  const seq = parseCodeTemplate(template).find((t) => 'field' in t && t.field === 'seq');
  const width = seq && 'field' in seq ? (seq.width ?? 4) : 4;
  return 10 ** width - 1;
}

/** Counted each time a sequence hands out numbers at or past its alarm point. */
export const SEQUENCE_NEAR_FULL_METRIC = 'SequenceNearFull';

/** The share of a sequence's capacity at which the stack alarms. */
export const SEQUENCE_ALARM_SHARE = 0.8;

/** The first item number at which a sequence counts as nearly full (8000 for `{seq:4}`). */
export const sequenceAlarmAt = (template: string): number =>
  Math.ceil((sequenceCapacity(template) + 1) * SEQUENCE_ALARM_SHARE);

/** Reads a code back into its parts; returns undefined when it does not match the template. */
export function parseArchiveCode(template: string, code: string): ArchiveCodeParts | undefined {
  const tokens = parseCodeTemplate(template);
  const pattern = tokens
    .map((t) => {
      if ('literal' in t) return t.literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      // Exactly the width, or wider without a leading zero (a sequence past its capacity).
      if (t.field === 'seq') return `(?<seq>\\d{${t.width ?? 4}}|[1-9]\\d{${t.width ?? 4},})`;
      if (t.field === 'year') return '(?<year>\\d{4})';
      return `(?<${t.field}>[A-Z0-9]+)`;
    })
    .join('');
  const m = new RegExp(`^${pattern}$`).exec(code);
  const g = m?.groups;
  if (!g) return undefined;
  return {
    fonds: g.fonds ?? '',
    category: g.category ?? '',
    year: Number(g.year),
    retention: g.retention ?? '',
    classCode: g.classCode ?? '',
    seq: Number(g.seq),
  };
}
