import { RETENTION_WORDS } from '../../functions/core/retention-words.ts';

/**
 * The classification scheme as `GET /scheme` publishes it, and how a catalogue names its terms:
 * a customer type, business event, document type or retention period may be given as the scheme's
 * code (`RES`, any case) or its Chinese name (`居民客户`); a retention period also as DA/T 22
 * words it (`定期30年`).
 */

interface Named {
  code: string;
  name: { zh: string; en: string };
}

export interface ImportScheme {
  id: string;
  fonds: string;
  category: string;
  codeTemplate: string;
  limits: { maxDocumentBytes: number };
  contentTypes: string[];
  sensitiveFields: string[];
  customerTypes: Named[];
  businessEvents: (Named & { classCode: string; required: string[]; optional: string[] })[];
  documentTypes: (Named & { retention: string; sensitive: boolean; paper: boolean })[];
}

/** The term a catalogue's text names: by code, whatever its case, or by Chinese name. */
export function termOf<T extends Named>(terms: readonly T[], text: string): T | undefined {
  const t = text.normalize('NFKC').trim();
  return terms.find((term) => term.code === t.toUpperCase() || term.name.zh === t);
}

/** What a catalogue may write for a list of terms, for messages: `RES 居民客户, LV 低压非居民客户`. */
export const termList = (terms: readonly Named[]): string =>
  terms.map((t) => `${t.code} ${t.name.zh}`).join(', ');

/** The retention code a catalogue's text names (`D30`, `d30`, `定期30年`), or undefined. */
export function retentionOf(text: string): string | undefined {
  const t = text.normalize('NFKC').replace(/\s+/g, '').toUpperCase();
  if (t in RETENTION_WORDS) return t;
  return Object.entries(RETENTION_WORDS).find(([, words]) => words === t)?.[0];
}
