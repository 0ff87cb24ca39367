import { type DisposableDocument, nextDay } from '../core/disposal.ts';
import { type AuditInput, auditPut } from './audit.ts';
import { batchGetItems, tableKeys } from './dynamo/batch-get.ts';
import { strip } from './dynamo/items.ts';
import { dueMonth, entries, INDEX, keys } from './dynamo/keys.ts';
import { queryAll } from './dynamo/query.ts';
import { transactUnlessLost, updateUnlessLost } from './dynamo/transactions.ts';
import { tableName } from './env.ts';

/**
 * The due-date index (records table gsi3, layout in tables.ts): documents whose retention has a
 * known end are filed by due day until a disposal batch takes them, a hold stops them or they are
 * disposed of. Every move is conditional on the entry the document was found under.
 */

export interface IndexKey {
  gsi3pk: string;
  gsi3sk: string;
}

/** A document as found in the due-date index, with the index entry it was found under. */
export interface DueEntry {
  doc: DisposableDocument;
  index: IndexKey;
}

// ---- The due-date index ---------------------------------------------------------------------------

/** Documents filed in one due month up to and including `throughDay`. */
export async function queryDue(month: string, throughDay: string): Promise<DueEntry[]> {
  const found = await queryAll({
    TableName: tableName(),
    IndexName: INDEX.gsi3.name,
    KeyConditionExpression: 'gsi3pk = :pk AND gsi3sk < :next',
    ExpressionAttributeValues: { ':pk': dueMonth(month), ':next': nextDay(throughDay) },
  });
  return (await stillFiledItems(found)).map(({ item, index }) => ({
    doc: strip<DisposableDocument>(item),
    index,
  }));
}

/**
 * The items behind entries of the due-date index (which holds keys only), each with the entry it
 * was found under, in the entries' order; an item no longer filed there (moved or gone since the
 * index was read: the index lags the table) is left out: whatever moved it filed it where it belongs.
 */
export async function stillFiledItems(
  found: readonly Record<string, unknown>[],
): Promise<{ item: Record<string, unknown>; index: IndexKey }[]> {
  const entryOf = new Map(found.map((f) => [`${String(f.pk)}\u0000${String(f.sk)}`, f]));
  // Read strongly: a sweep that skipped an item on a stale copy would not come back for it.
  const items = await batchGetItems(tableKeys(found), { consistent: true });
  return items.flatMap((item) => {
    const entry = entryOf.get(`${String(item.pk)}\u0000${String(item.sk)}`);
    const filed = entry && item.gsi3pk === entry.gsi3pk && item.gsi3sk === entry.gsi3sk;
    return filed ? [{ item, index: { gsi3pk: String(item.gsi3pk), gsi3sk: String(item.gsi3sk) } }] : [];
  });
}

const stillFiled = (index: IndexKey) => ({
  ConditionExpression: 'gsi3pk = :gpk AND gsi3sk = :gsk',
  values: { ':gpk': index.gsi3pk, ':gsk': index.gsi3sk },
});

/** Takes a document out of the due-date index (it is held, or can never be due); false if it moved. */
export async function dropFromDueIndex(documentId: string, index: IndexKey): Promise<boolean> {
  const c = stillFiled(index);
  return updateUnlessLost({
    TableName: tableName(),
    Key: keys.document(documentId),
    ConditionExpression: c.ConditionExpression,
    UpdateExpression: 'REMOVE gsi3pk, gsi3sk',
    ExpressionAttributeValues: c.values,
  });
}

/** Files a document under a later day (it is out on loan until then); false if it moved. */
export async function refileDue(documentId: string, index: IndexKey, day: string): Promise<boolean> {
  const c = stillFiled(index);
  const next = entries.due(day, documentId);
  return updateUnlessLost({
    TableName: tableName(),
    Key: keys.document(documentId),
    ConditionExpression: c.ConditionExpression,
    UpdateExpression: 'SET gsi3pk = :npk, gsi3sk = :nsk',
    ExpressionAttributeValues: { ...c.values, ':npk': next.gsi3pk, ':nsk': next.gsi3sk },
  });
}

/** A retention clock to write: its start, due day and due-date index day, when, and its event. */
export interface ClockWrite {
  clockStart: string;
  dueOn: string;
  indexDay: string;
  at: string;
  audit: AuditInput;
}

/**
 * Starts the retention clock of an archived document whose trigger just happened, with its audit
 * event: `clockStart` and `dueOn` are set, and the document is filed in the due-date index unless
 * it is held or already in a batch. Returns false when the clock had started meanwhile, the
 * document is no longer ARCHIVED, or its holds changed (nothing written).
 */
export const startDocumentClock = (doc: DisposableDocument, clock: ClockWrite): Promise<boolean> =>
  writeClock(doc, clock, { condition: 'attribute_not_exists(clockStart)', values: {} });

/**
 * Re-dates a started clock (a corrected closure), with its audit event: the document must still
 * be ARCHIVED, unclaimed by any disposal batch, with the clock start it was read with and as
 * many holds; an unheld one is filed under its new due day. False when it changed meanwhile.
 */
export const redateDocumentClock = (doc: DisposableDocument, clock: ClockWrite): Promise<boolean> =>
  writeClock(doc, clock, {
    condition:
      'clockStart = :before AND attribute_not_exists(disposalBatchId) AND attribute_not_exists(destroying)',
    values: { ':before': doc.clockStart },
  });

/**
 * Writes a clock on the condition that the document is still ARCHIVED with as many holds as it
 * was read with, and `precondition`; files it in the due-date index unless it is held or in a batch.
 */
async function writeClock(
  doc: DisposableDocument,
  clock: ClockWrite,
  precondition: { condition: string; values: Record<string, unknown> },
): Promise<boolean> {
  const holds = doc.activeHolds ?? 0;
  const file = holds === 0 && !doc.disposalBatchId;
  const index = entries.due(clock.indexDay, doc.documentId);
  return transactUnlessLost([
    {
      Update: {
        TableName: tableName(),
        Key: keys.document(doc.documentId),
        ConditionExpression:
          `#status = :archived AND ${precondition.condition} AND ` +
          (holds === 0
            ? '(attribute_not_exists(activeHolds) OR activeHolds = :zero)'
            : 'activeHolds = :holds'),
        UpdateExpression: `SET clockStart = :start, dueOn = :due, updatedAt = :at${file ? ', gsi3pk = :gpk, gsi3sk = :gsk' : ''}`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':archived': 'ARCHIVED',
          ':start': clock.clockStart,
          ':due': clock.dueOn,
          ':at': clock.at,
          ...precondition.values,
          ...(holds === 0 ? { ':zero': 0 } : { ':holds': holds }),
          ...(file ? { ':gpk': index.gsi3pk, ':gsk': index.gsi3sk } : {}),
        },
      },
    },
    auditPut(clock.audit),
  ]);
}
