/**
 * Document versions (履历): one per change of a document item, derived from the records table's
 * change stream, so every change is kept whichever function made it: upload, checks, archiving,
 * a replaced file, holds, disposal. A version names the fields that changed with their values
 * before and after; storage locations and index keys are left out.
 */

/**
 * Versions are kept in the archive bucket, one small JSON object each, under
 * `history/<documentId>/<changedAt, digits>-<sequence, 40 digits>.json`: written once and read
 * only when someone opens a document's history or a handover takes it along, they cost S3
 * Standard's storage instead of a DynamoDB table's with its continuous backups (about a twentieth),
 * and the key lists a document's versions in order (every `changedAt` is an ISO time with
 * milliseconds, so its digits sort as the time does).
 */
export const HISTORY_PREFIX = 'history/';

/** The key prefix of one document's versions. */
export const documentHistoryPrefix = (documentId: string): string => `${HISTORY_PREFIX}${documentId}/`;

/** The object key of a version (the time's digits only: `:` and `.` would need escaping in a URL). */
export const documentVersionKey = (
  v: Pick<DocumentVersion, 'documentId' | 'changedAt' | 'sequence'>,
): string =>
  `${documentHistoryPrefix(v.documentId)}${v.changedAt.replace(/[^0-9TZ]/g, '')}-${v.sequence.padStart(40, '0')}.json`;

/**
 * Attributes that are not the document's data: storage locations, bookkeeping (the table's keys
 * never reach here: core/record-change.ts).
 */
const NOT_DATA = new Set([
  'intakeKey',
  'archiveKey',
  'archiveVersionId',
  'updatedAt',
  'updatedBy',
  'updatedBySub',
]);

export interface DocumentVersion {
  documentId: string;
  changedAt: string;
  /** Who made the change: the item's `updatedBy`, its creator for the first version, else `system`. */
  changedBy: string;
  /** INSERT for the first version, MODIFY for a change, REMOVE when the item went away. */
  kind: 'INSERT' | 'MODIFY' | 'REMOVE';
  statusBefore?: string;
  statusAfter?: string;
  changed: string[];
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  /** Stream sequence number: orders versions and makes a redelivered change write nothing new. */
  sequence: string;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The version a change makes, or undefined when no data field changed. */
export function documentVersion(args: {
  kind: DocumentVersion['kind'];
  oldImage?: Record<string, unknown>;
  newImage?: Record<string, unknown>;
  sequence: string;
  approximateAt: Date;
}): DocumentVersion | undefined {
  const before = args.oldImage ?? {};
  const after = args.newImage ?? {};
  const documentId = String(after.documentId ?? before.documentId ?? '');
  if (documentId === '') return undefined;
  const names = new Set([...Object.keys(before), ...Object.keys(after)].filter((k) => !NOT_DATA.has(k)));
  const changed = [...names].filter((k) => !same(before[k], after[k])).sort();
  if (changed.length === 0) return undefined;
  const pick = (img: Record<string, unknown>) =>
    Object.fromEntries(changed.filter((k) => img[k] !== undefined).map((k) => [k, img[k]]));
  const updatedBy = after.updatedBy ?? (args.kind === 'INSERT' ? after.createdBy : undefined);
  const changedAt =
    typeof after.updatedAt === 'string' && args.kind !== 'REMOVE'
      ? after.updatedAt
      : args.approximateAt.toISOString();
  return {
    documentId,
    changedAt,
    changedBy: typeof updatedBy === 'string' ? updatedBy : 'system',
    kind: args.kind,
    ...(typeof before.status === 'string' ? { statusBefore: before.status } : {}),
    ...(typeof after.status === 'string' ? { statusAfter: after.status } : {}),
    changed,
    before: pick(before),
    after: pick(after),
    sequence: args.sequence,
  };
}

/** A version as `GET /documents/{id}/history` shows it. */
export function documentVersionView(v: DocumentVersion) {
  return {
    changedAt: v.changedAt,
    changedBy: v.changedBy,
    kind: v.kind,
    ...(v.statusBefore !== v.statusAfter
      ? { status: { ...(v.statusBefore ? { from: v.statusBefore } : {}), to: v.statusAfter ?? null } }
      : {}),
    changed: v.changed,
    before: v.before,
    after: v.after,
  };
}

/**
 * A document's versions as its history shows them: titles and file names masked exactly when the
 * document's own view masks them (`masked`), so the history tells no more than the document.
 */
export function documentHistoryItems(versions: readonly DocumentVersion[], masked: boolean) {
  const hide = (values: Record<string, unknown>) => {
    const out = { ...values };
    for (const f of ['title', 'fileName']) {
      if (typeof out[f] === 'string') out[f] = `${Array.from(out[f] as string)[0] ?? ''}***`;
    }
    return out;
  };
  return versions.map((v) => {
    const view = documentVersionView(v);
    return masked ? { ...view, before: hide(view.before), after: hide(view.after) } : view;
  });
}
