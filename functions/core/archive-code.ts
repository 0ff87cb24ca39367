/**
 * Archive codes (档号) in the DA/T 22 shape `全宗号-门类代码·年度-保管期限-机构(问题)代码-件号`,
 * e.g. `Z001-KH·2026-D30-YK-0007`. A scheme writes the shape as a template:
 * `{fonds}-{category}·{year}-{retention}-{classCode}-{seq:4}`. The item number (件号) runs per
 * sequence: every other part of the code together names the sequence, so numbers restart for
 * each year, retention period and class, as DA/T 22 expects.
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
        const text = String(parts.seq);
        if (!Number.isInteger(parts.seq) || parts.seq < 1 || text.length > width) {
          throw new Error(`item number ${parts.seq} does not fit ${width} digits`);
        }
        return text.padStart(width, '0');
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

/** Largest item number the template can express. */
export function maxSequence(template: string): number {
  const seq = parseCodeTemplate(template).find((t) => 'field' in t && t.field === 'seq');
  const width = seq && 'field' in seq ? (seq.width ?? 4) : 4;
  return 10 ** width - 1;
}

/** Reads a code back into its parts; returns undefined when it does not match the template. */
export function parseArchiveCode(template: string, code: string): ArchiveCodeParts | undefined {
  const tokens = parseCodeTemplate(template);
  const pattern = tokens
    .map((t) => {
      if ('literal' in t) return t.literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      if (t.field === 'seq') return `(?<seq>\\d{${t.width ?? 4}})`;
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
