import { type DisposableDocument, type DisposalBatch, nextDay } from '../core/disposal.ts';
import { type AuditInput, auditPut } from './audit.ts';
import { type IndexKey, stillFiledItems } from './due-index-repo.ts';
import { strip } from './dynamo/items.ts';
import {
  entries,
  INDEX,
  keys,
  PERMANENT_LOCKS,
  type PermanentRecordRef,
  permanentRecordOf,
} from './dynamo/keys.ts';
import { queryAll } from './dynamo/query.ts';
import { transactUnlessLost } from './dynamo/transactions.ts';
import { tableName } from './env.ts';

/**
 * The register of permanent locks (records table gsi3, layout in tables.ts): every permanent
 * original (on its document item) and every destruction list (on its batch item) is filed under
 * the day its COMPLIANCE retention is due for extension, `LOCKS#PERMANENT` / `<yyyy-mm-dd>#…`. The
 * sweep reads only the entries up to today, so its cost follows the locks to extend, not the
 * archive. Permanent documents never enter the due-date index, and batches never did, so the
 * index entry is theirs alone.
 */

export type LockEntry =
  | { kind: 'original'; doc: DisposableDocument; index: IndexKey }
  | { kind: 'destruction-list'; batch: DisposalBatch; index: IndexKey };

/** The permanent locks due for extension on or before `throughDay`. */
export async function locksDue(throughDay: string): Promise<LockEntry[]> {
  const found = await queryAll({
    TableName: tableName(),
    IndexName: INDEX.gsi3.name,
    KeyConditionExpression: 'gsi3pk = :pk AND gsi3sk < :next',
    ExpressionAttributeValues: { ':pk': PERMANENT_LOCKS, ':next': nextDay(throughDay) },
  });
  return (await stillFiledItems(found)).flatMap(({ item, index }): LockEntry[] => {
    const ref = permanentRecordOf(index.gsi3sk);
    if (ref?.kind === 'original') return [{ kind: 'original', doc: strip(item), index }];
    if (ref?.kind === 'destruction-list') return [{ kind: 'destruction-list', batch: strip(item), index }];
    return [];
  });
}

/**
 * Records a permanent record's lock, with its audit event: its retain-until date and its entry
 * under the day it is due for extension. `from` is the entry it was found under, or none for a
 * record never filed (archived under a legal hold); the write is conditional on it, so a second
 * run that finds it moved writes nothing (false).
 */
export async function recordPermanentLock(
  ref: PermanentRecordRef,
  from: IndexKey | undefined,
  lock: { retainUntil: string; renewOn: string },
  at: string,
  audit: AuditInput,
): Promise<boolean> {
  const next = entries.permanentLock(lock.renewOn, ref);
  const original = ref.kind === 'original';
  return transactUnlessLost([
    {
      Update: {
        TableName: tableName(),
        Key: original ? keys.document(ref.id) : keys.disposalBatch(ref.id),
        ConditionExpression:
          (from ? 'gsi3pk = :gpk AND gsi3sk = :gsk' : 'attribute_not_exists(gsi3pk)') +
          (original ? ' AND #status = :archived' : ' AND attribute_exists(#list)'),
        UpdateExpression: `SET ${original ? 'retainUntil' : '#list.retainUntil'} = :until, gsi3pk = :npk, gsi3sk = :nsk, updatedAt = :at`,
        ExpressionAttributeNames: original ? { '#status': 'status' } : { '#list': 'list' },
        ExpressionAttributeValues: {
          ...(from ? { ':gpk': from.gsi3pk, ':gsk': from.gsi3sk } : {}),
          ...(original ? { ':archived': 'ARCHIVED' } : {}),
          ':until': lock.retainUntil,
          ':npk': next.gsi3pk,
          ':nsk': next.gsi3sk,
          ':at': at,
        },
      },
    },
    auditPut(audit),
  ]);
}
