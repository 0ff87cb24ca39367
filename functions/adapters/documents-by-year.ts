import { formatArchiveCode } from '../core/archive-code.ts';
import { type DocumentRecord, sequencesOfYear } from '../core/documents.ts';
import type { Scheme } from '../core/scheme.ts';
import { lastNumbers } from './code-sequences.ts';
import { archiveCodeOwners, getDocuments } from './documents-repo.ts';
import { decodePageToken, encodePageToken } from './dynamo/page-token.ts';

/**
 * The whole archive by archive year: every code of the year's sequences, in code order, read back
 * to its document (`sequencesOfYear`). A page looks at no more than `SCAN_LIMIT` codes, so a
 * request's cost is bounded whatever the filters leave: a page may hold fewer items than asked,
 * even none, with a `nextToken` to go on (clients page until there is none).
 */

const SCAN_LIMIT = 1000;
const CHUNK = 100;

/** Where a listing stands: the index of a sequence of the year, and the next item number in it. */
interface Position {
  s: number;
  n: number;
}

export interface YearQuery {
  year: number;
  classCode?: string;
  docType?: string;
  status?: string;
}

export async function documentsOfYear(
  scheme: Scheme,
  q: YearQuery,
  limit: number,
  pageToken?: string,
): Promise<{ items: DocumentRecord[]; nextToken?: string }> {
  const scope = `documents-year/${q.year}/${q.classCode ?? ''}/${q.docType ?? ''}/${q.status ?? ''}`;
  const sequences = sequencesOfYear(scheme, q.year, q.classCode);
  const last = await lastNumbers(sequences.map((x) => x.key));
  const lastOf = (s: number) => last.get(sequences[s]?.key ?? '') ?? 0;
  /** The position itself, or the first after it that has a code (past the end when none). */
  const settle = (p: Position): Position => {
    let at = p;
    while (at.s < sequences.length && at.n > lastOf(at.s)) at = { s: at.s + 1, n: 1 };
    return at;
  };

  let at = settle(
    pageToken === undefined ? { s: 0, n: 1 } : toPosition(decodePageToken(scope, pageToken, 'nextToken')),
  );
  const items: DocumentRecord[] = [];
  let scanned = 0;
  while (at.s < sequences.length && items.length < limit && scanned < SCAN_LIMIT) {
    const { parts } = sequences[at.s] as (typeof sequences)[number];
    const count = Math.min(CHUNK, lastOf(at.s) - at.n + 1, SCAN_LIMIT - scanned);
    const codes = Array.from({ length: count }, (_, i) =>
      formatArchiveCode(scheme.codeTemplate, { ...parts, seq: at.n + i }),
    );
    const owners = await archiveCodeOwners(codes);
    const docs = new Map((await getDocuments([...owners.values()])).map((d) => [d.documentId, d]));
    // Codes are taken one at a time, so the page ends right after its last item.
    let used = 0;
    for (const code of codes) {
      used++;
      const doc = docs.get(owners.get(code) ?? '');
      if (doc && doc.archiveCode === code && matches(doc, q)) items.push(doc);
      if (items.length >= limit) break;
    }
    scanned += used;
    at = settle({ s: at.s, n: at.n + used });
  }
  return { items, ...(at.s < sequences.length ? { nextToken: encodePageToken(scope, at) } : {}) };
}

const matches = (doc: DocumentRecord, q: YearQuery) =>
  (q.docType === undefined || doc.docType === q.docType) &&
  (q.status === undefined || doc.status === q.status);

function toPosition(v: unknown): Position {
  const p = v as Partial<Position> | null;
  if (Number.isInteger(p?.s) && Number.isInteger(p?.n)) return { s: p?.s as number, n: p?.n as number };
  throw new Error('the page token holds no position');
}
