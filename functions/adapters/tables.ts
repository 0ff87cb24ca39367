import { INDEX } from './dynamo/keys.ts';

/**
 * Table definitions: keys, indexes and TTL. The CDK stack and the local realisation both
 * create tables from these, so the two cannot drift.
 *
 * Records table (single-table design; every access path is a GetItem or a Query):
 *
 * | item                 | pk                        | sk                 | gsi1 (pk / sk)                           | gsi2 (pk / sk)                         |
 * |----------------------|---------------------------|--------------------|------------------------------------------|----------------------------------------|
 * | customer (current)   | CUSTOMER#<id>             | CUSTOMER           | CUSTOMERS#<region> / <name>#<id>         | -                                      |
 * | customer version     | CUSTOMER#<id>             | V#<000001>         | -                                        | -                                      |
 * | customer number      | CUSTOMERNO#<no>           | CUSTOMERNO         | -                                        | -                                      |
 * | customer region      | REGIONS                   | REGION#<region>    | -                                        | -                                      |
 * | submission           | SUBMISSION#<id>           | SUBMISSION         | -                                        | CLERK#<sub> / <createdAt>              |
 * | document             | DOCUMENT#<id>             | DOCUMENT           | - (its submission lists its ids)         | CUSTOMER#<customerId> / DOCUMENT#<ts>  |
 * | archive code         | ARCHIVECODE#<code>        | ARCHIVECODE        | -                                        | -                                      |
 * | code sequence        | SEQUENCE#<code prefix>    | SEQUENCE           | -                                        | -                                      |
 * | sequence reservation | RESERVATION#<submissionId> | SEQUENCE#<code prefix> | -                                    | -                                      |
 * | task                 | TASK#<id>                 | TASK               | OPENTASKS#<role>#<0..3> / <createdAt>#<id> (sparse: removed when decided; sharded by task id) | -                                      |
 *
 * Every index entry is one a query reads: an entry costs a write unit when its item is put and
 * its bytes as long as the item is kept (a submission's customer and a task's subject are on the
 * items, and nothing lists them by those).
 *
 * An archive code's item holds its document's id alone: it exists so a code is given once, and
 * everything else about the code is on the document. A task DONE or EXPIRED carries `expiresAt`
 * and leaves the table CLOSED_TASK_KEPT_DAYS (functions/core/tasks.ts) after it closed; its
 * decision stays in the audit trail.
 *
 * A code sequence holds `last` (the last item number taken) and `free` (numbers an archiving that
 * failed gave back, taken first by the next reservation), nothing per submission at rest, so it
 * stays small and each write of it costs one unit. What a submission being archived reserved is
 * its reservation item: `reusing` (numbers taken from `free`), `before` and `fresh` (the new
 * numbers run from the one after `before` for `fresh` numbers); the archiving gives them to the
 * documents and then deletes the item, without writing the sequence. Numbers are taken by one
 * UpdateItem that adds to the last number and marks the take on the sequence
 * (`reserved#`, `reusing#`, `fresh#<submissionId>`) until the reservation item is put, a moment
 * later; a take a dead run left is finished by the next run or given back with its archiving
 * (functions/adapters/code-sequences.ts).
 *
 * Workflows on watch and records found stuck: `WATCH#<0..3>` / `<kind>#<recordId>` and `STUCK` /
 * `<kind>#<recordId>` (functions/adapters/watch-repo.ts).
 *
 * Customers in detail: the current item carries `version` (1, 2, ...) and is only updated on the
 * condition that it still holds the version the writer read. `<region>` is `DEFAULT` for a
 * customer registered without one; `<name>` in gsi1sk is the name's sort key (NFKC, lower case,
 * single spaces) so a prefix search ignores case and full-width letters. gsi1 and gsi2 project keys
 * only: every reader queries them for keys and reads the items from the table (BatchGetItem,
 * `batchGetItems` in batch-get.ts). The customer-number item holds `customerId`
 * and exists exactly as long as the number is taken. Version items hold `changedAt`,
 * `changedBy`, `changedBySub`, `changed` (field names) and `values` (new values, null = removed);
 * version 1 holds every field the customer was registered with. A region item is put (plainly,
 * before the customer's transaction, so concurrent registrations never contend for it in one) for
 * every region a customer is registered in or moved to: a name search without a region reads
 * that one partition to know which `CUSTOMERS#<region>` partitions to query. A region whose
 * customers all predate these items is searched when named (`DEFAULT` always is).
 *
 * gsi3 (the index `dueKeys`) holds due dates, sparse, keys only: its readers read the items from
 * the table and skip one that has moved since. Documents whose retention has a known end are filed
 * by due month, `DUE#<yyyy-mm>` / `<yyyy-mm-dd>#<documentId>` (`entries.due` in dynamo/keys.ts),
 * until a disposal batch takes them, a hold stops them or they are disposed of; the retention
 * sweep reads only the months since it last ran, and only up to today, so its cost follows the
 * number of due documents, not the archive size.
 * The dashboard never reads these months: `stats-counter` keeps a count per due day of what they
 * hold, from the entries the stream's images carry (stats-repo.ts, `DUESTATS`).
 * Permanent records, which are never due, are filed in gsi3 by the day their COMPLIANCE retention is
 * due for extension, `LOCKS#PERMANENT` / `<yyyy-mm-dd>#DOCUMENT#<documentId>` on a permanent
 * document and `…#DISPOSAL#<batchId>` on a closed batch for its destruction lists
 * (`entries.permanentLock`, functions/adapters/permanent-locks-repo.ts); the sweep reads it up to
 * today. A hold leaves that entry alone.
 *
 * | disposal batch       | DISPOSAL#<batchId>        | BATCH              | DISPOSALS / <createdAt>#<batchId>        | DISPOSALS#PROPOSED / <createdAt>#<batchId> (sparse: until its workflow runs) |
 * | batch item           | DISPOSAL#<batchId>        | ITEM#<documentId>  | -                                        | -                                      |
 * | import batch         | IMPORT#<importId>         | BATCH              | IMPORTS / <createdAt>#<importId>         | -                                      |
 * | import row           | IMPORT#<importId>         | ROW#<row, 9 digits>| -                                        | -                                      |
 * | hold                 | DOCUMENT#<documentId>     | HOLD#<holdId>      | -                                        | -                                      |
 * | sweep state          | SWEEP#retention, SWEEP#fixity, SWEEP#permanence | SWEEP | -                                        | -                                      |
 * | loan                 | LOAN#<loanId>             | LOAN               | -                                        | BORROWER#<sub> / LOAN#<createdAt>#<loanId> |
 * | loan grant           | LOANGRANT#<documentId>    | <borrowerSub>#<loanId> | -                                    | -                                      |
 * | notification choices | NOTIFY#<sub>              | PREFERENCES        | -                                        | -                                      |
 * | told once (per event and person) | NOTIFIED#<eventKey> | <sub>        | -                                        | -                                      |
 * | digest entry         | DIGEST                    | <sub>#<eventKey>   | -                                        | -                                      |
 * | suppressed address   | SUPPRESSED#<email>        | SUPPRESSED         | -                                        | -                                      |
 * | handover package     | HANDOVER#<handoverId>     | HANDOVER           | -                                        | REQUESTER#<sub> / HANDOVER#<createdAt>#<handoverId> |
 *
 * Notifications (functions/adapters/notifications-repo.ts): `NOTIFIED` is the once-only record
 * of an event told to a person (SENDING while claimed, then SENT, or QUEUED for the digest; a
 * task's expires through `expiresAt` a week later, a loan reminder's stays); the one `DIGEST`
 * partition holds what waits for the daily digest and is emptied by it; a suppressed address (a
 * permanent bounce or a complaint) is mailed no more.
 *
 * Loans (functions/core/loans.ts, functions/adapters/loans-repo.ts): a grant exists per document
 * while its loan is ACTIVE, and (as EXPIRED) while a paper original is still out; the content route
 * (the caller's grants) and disposal's loan check (any grant) Query it by document. A loan with
 * something still out is in gsi3 as `LOANS#OUT#<0..3>` / `<dueAt>#<loanId>` (sharded by loan id);
 * `GET /loans?status=overdue` reads every shard (and the unsharded `LOANS#OUT` of loans out before)
 * up to now and merges them by due time.
 *
 * Audit table (append-only: functions may PutItem, never Update or Delete; Standard-IA class):
 * pk `TARGET#<targetId>`, sk `<iso time>#<eventId>`; index `actorKeys` on gsi1pk `ACTOR#<sub>#<n>` /
 * sk; index `dayKeys` on gsi2pk `DAY#<yyyy-mm-dd>#<n>` / sk (the table's own sort key), write-sharded
 * (n from 0 to 15, from the event id: functions/adapters/audit.ts) so no day and no actor is one
 * hot key; readers merge the shards and the unsharded key of events written before. Both hold
 * the keys, `action` and `actorSub` only (INCLUDE): the reader filters by them in the query and
 * reads a page's events from the table (one BatchGetItem a page), so an event is stored once in
 * full instead of three times, and an index entry costs one write unit whatever the event weighs.
 * Its stream (new and old images) feeds the copy under Object Lock in the archive bucket, which is
 * also its backup (`backup: 'locked-copies'`: no PITR; `npm run restore-audit` puts events back).
 * An event's item carries `expiresAt` (TTL) a week past the year searches reach; the locked copy
 * keeps the event for 30 years and answers for older days.
 *
 * Records table stream (new and old images) feeds document versions, kept as objects in the
 * archive bucket under `history/<documentId>/` (functions/core/document-history.ts), and tasks
 * just opened to the notifier (functions/events/notify.ts).
 *
 * Accounts table (staff accounts, functions/core/accounts.ts): pk `USER#<sub>`, sk `ACCOUNT`;
 * gsi1 `ACCOUNTS` / `<username>` lists them by name.
 */

export interface KeyDef {
  name: string;
  type: 'S' | 'N';
}

export interface IndexDef {
  indexName: string;
  partitionKey: KeyDef;
  sortKey: KeyDef;
  /**
   * What the index holds besides its keys. KEYS_ONLY: the index and table keys only, so a write
   * that leaves the index keys as they were writes nothing to the index, and an entry costs one
   * write unit whatever the item's size; readers that need more read the items from the table.
   * INCLUDE: the keys and `nonKeyAttributes`, what a query filters on.
   */
  projection: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  /** The attributes an INCLUDE index holds besides the keys. */
  nonKeyAttributes?: readonly string[];
}

export interface TableDef {
  /** Construct id in the stack; also the base of the local table name. */
  id: 'Records' | 'Audit' | 'Accounts';
  partitionKey: KeyDef;
  sortKey: KeyDef;
  indexes: IndexDef[];
  timeToLiveAttribute?: string;
  /** A change stream with the item's images before and after each change. */
  stream?: 'NEW_AND_OLD_IMAGES';
  /**
   * Standard-Infrequent Access for a table whose storage outweighs its requests: its storage costs
   * 60% less, each request unit 25% more (bench/RESULTS.md weighs it table by table). Standard
   * when not given. DynamoDB Local has no table classes; the stack sets it.
   */
  tableClass?: 'STANDARD_INFREQUENT_ACCESS';
  /**
   * What the table's backup is. `pitr` (when not given): continuous backups, a restore to any
   * second of the last 35 days. `locked-copies`: every item is copied, as its stream delivers it,
   * into objects under S3 Object Lock in COMPLIANCE mode that nobody can change or delete for
   * decades, and `npm run restore-audit` puts them back; for a table whose items never change,
   * that is a better backup than PITR, so it has none (PITR would double its storage bill).
   */
  backup?: 'pitr' | 'locked-copies';
}

const s = (name: string): KeyDef => ({ name, type: 'S' });
const gsi = (
  n: number,
  projection: IndexDef['projection'] = 'ALL',
  options: { indexName?: string; nonKeyAttributes?: readonly string[]; sortKey?: string } = {},
): IndexDef => ({
  indexName: options.indexName ?? `gsi${n}`,
  partitionKey: s(`gsi${n}pk`),
  sortKey: s(options.sortKey ?? `gsi${n}sk`),
  projection,
  ...(options.nonKeyAttributes ? { nonKeyAttributes: options.nonKeyAttributes } : {}),
});

/**
 * The audit indexes hold the keys and what a search filters on; the reader reads the events of a
 * page from the table. They sort on the table's own `sk` (`<iso time>#<eventId>`), so an event
 * carries its time once instead of a copy per index. (Named apart from the ALL-projected
 * `gsi1`/`gsi2` they replace: DynamoDB cannot change an index in place.)
 */
const AUDIT_INDEX_FILTERS = ['action', 'actorSub'] as const;
export const AUDIT_ACTOR_INDEX = 'actorKeys';
export const AUDIT_DAY_INDEX = 'dayKeys';

export const RECORDS_TABLE: TableDef = {
  id: 'Records',
  partitionKey: s('pk'),
  sortKey: s('sk'),
  // Every index holds keys only: submissions, documents and tasks change several times while
  // their index keys stay put, and each change would otherwise rewrite their index copies; a
  // document's copy in the due-date index would also be stored twice for all its years.
  indexes: [gsi(1, 'KEYS_ONLY'), gsi(2, 'KEYS_ONLY'), gsi(3, 'KEYS_ONLY', { indexName: INDEX.gsi3.name })],
  timeToLiveAttribute: 'expiresAt',
  stream: 'NEW_AND_OLD_IMAGES',
};

export const AUDIT_TABLE: TableDef = {
  id: 'Audit',
  partitionKey: s('pk'),
  sortKey: s('sk'),
  indexes: [
    gsi(1, 'INCLUDE', { indexName: AUDIT_ACTOR_INDEX, nonKeyAttributes: AUDIT_INDEX_FILTERS, sortKey: 'sk' }),
    gsi(2, 'INCLUDE', { indexName: AUDIT_DAY_INDEX, nonKeyAttributes: AUDIT_INDEX_FILTERS, sortKey: 'sk' }),
  ],
  // An event leaves the table a week after its searchable year (core/audit-trail.ts); its locked
  // copy keeps it for decades and answers for older days (`GET /audit/copies`).
  timeToLiveAttribute: 'expiresAt',
  stream: 'NEW_AND_OLD_IMAGES',
  // Written once per event, kept a year, read by auditors now and then: storage is its bill.
  tableClass: 'STANDARD_INFREQUENT_ACCESS',
  // Every event is in the archive bucket's locked copy (functions/events/audit-archive.ts).
  backup: 'locked-copies',
};

export const ACCOUNTS_TABLE: TableDef = {
  id: 'Accounts',
  partitionKey: s('pk'),
  sortKey: s('sk'),
  indexes: [gsi(1)],
};

export const TABLES: readonly TableDef[] = [RECORDS_TABLE, AUDIT_TABLE, ACCOUNTS_TABLE];
