/**
 * Every key and index entry of the records table, in one place (the layout and why it is so:
 * tables.ts). Repositories build items and queries from these; nothing outside the adapters knows
 * a key or an index name.
 */

import { shardKey, shardKeys } from '../../core/shards.ts';

export interface ItemKey {
  pk: string;
  sk: string;
}

/** Attributes that are the table's business (keys, index entries, entity tag), never the record's. */
export const KEY_ATTRIBUTES = [
  'pk',
  'sk',
  'gsi1pk',
  'gsi1sk',
  'gsi2pk',
  'gsi2sk',
  'gsi3pk',
  'gsi3sk',
  'entity',
] as const;

/** Index names and their key attributes. */
export const INDEX = {
  /** customers by region, submissions by customer, open tasks by role, batches (keys only for records). */
  gsi1: { name: 'gsi1', pk: 'gsi1pk', sk: 'gsi1sk' },
  /** submissions by clerk, documents by customer, tasks by subject, loans by borrower (keys only). */
  gsi2: { name: 'gsi2', pk: 'gsi2pk', sk: 'gsi2sk' },
  /**
   * due dates: documents due by month, loans still out, permanent locks by renewal day (keys only;
   * named apart from the ALL-projected `gsi3` it replaces: DynamoDB cannot change an index in place).
   */
  gsi3: { name: 'dueKeys', pk: 'gsi3pk', sk: 'gsi3sk' },
} as const;

export const keys = {
  customer: (id: string): ItemKey => ({ pk: `CUSTOMER#${id}`, sk: 'CUSTOMER' }),
  customerVersion: (id: string, version: number): ItemKey => ({
    pk: `CUSTOMER#${id}`,
    sk: `V#${String(version).padStart(6, '0')}`,
  }),
  customerNo: (customerNo: string): ItemKey => ({ pk: `CUSTOMERNO#${customerNo}`, sk: 'CUSTOMERNO' }),
  /** A region some customer was registered in or moved to: the regions a name search covers. */
  customerRegion: (region: string): ItemKey => ({ pk: 'REGIONS', sk: `REGION#${region}` }),
  submission: (id: string): ItemKey => ({ pk: `SUBMISSION#${id}`, sk: 'SUBMISSION' }),
  document: (id: string): ItemKey => ({ pk: `DOCUMENT#${id}`, sk: 'DOCUMENT' }),
  task: (id: string): ItemKey => ({ pk: `TASK#${id}`, sk: 'TASK' }),
  archiveCode: (code: string): ItemKey => ({ pk: `ARCHIVECODE#${code}`, sk: 'ARCHIVECODE' }),
  sequence: (key: string): ItemKey => ({ pk: `SEQUENCE#${key}`, sk: 'SEQUENCE' }),
  /**
   * The numbers a submission reserved in one sequence: under the submission's own partition, so
   * the sequence item stays small and releasing never writes it.
   */
  sequenceReservation: (submissionId: string, sequenceKey: string): ItemKey => ({
    pk: `RESERVATION#${submissionId}`,
    sk: `SEQUENCE#${sequenceKey}`,
  }),
  disposalBatch: (id: string): ItemKey => ({ pk: `DISPOSAL#${id}`, sk: 'BATCH' }),
  disposalItem: (batchId: string, documentId: string): ItemKey => ({
    pk: `DISPOSAL#${batchId}`,
    sk: `ITEM#${documentId}`,
  }),
  importBatch: (id: string): ItemKey => ({ pk: `IMPORT#${id}`, sk: 'BATCH' }),
  /** A row of an import batch, numbered so a Query reads the batch's rows in catalogue order. */
  importRow: (importId: string, row: number): ItemKey => ({
    pk: `IMPORT#${importId}`,
    sk: `ROW#${String(row).padStart(9, '0')}`,
  }),
  hold: (documentId: string, holdId: string): ItemKey => ({
    pk: `DOCUMENT#${documentId}`,
    sk: `HOLD#${holdId}`,
  }),
  /** A handover package (移交包) built in the cloud. */
  handover: (id: string): ItemKey => ({ pk: `HANDOVER#${id}`, sk: 'HANDOVER' }),
  sweep: (name: 'retention' | 'fixity' | 'permanence'): ItemKey => ({ pk: `SWEEP#${name}`, sk: 'SWEEP' }),
  loan: (id: string): ItemKey => ({ pk: `LOAN#${id}`, sk: 'LOAN' }),
  /** One per document of a granted loan: the content route queries by document and borrower. */
  loanGrant: (documentId: string, borrowerSub: string, loanId: string): ItemKey => ({
    pk: `LOANGRANT#${documentId}`,
    sk: `${borrowerSub}#${loanId}`,
  }),
  /** A person's notification preferences. */
  notificationPreferences: (sub: string): ItemKey => ({ pk: `NOTIFY#${sub}`, sk: 'PREFERENCES' }),
  /** One event told to one person (sending, sent or queued for the digest): the once-only record. */
  notified: (eventKey: string, sub: string): ItemKey => ({ pk: `NOTIFIED#${eventKey}`, sk: sub }),
  /** An event waiting in one person's daily digest; the digest run reads the one partition. */
  digestEntry: (sub: string, eventKey: string): ItemKey => ({ pk: DIGEST_QUEUE, sk: `${sub}#${eventKey}` }),
  /** An address that bounced for good or complained: nothing more is sent to it. */
  suppressedAddress: (email: string): ItemKey => ({
    pk: `SUPPRESSED#${email.toLowerCase()}`,
    sk: 'SUPPRESSED',
  }),
};

/**
 * How an item of a kind of record is recognised by its keys alone: the stream filters of the
 * catalog's TABLE_STREAMS and the stream reader (table-changes.ts) use these.
 */
export const RECORD_KEYS = {
  document: { pkPrefix: 'DOCUMENT#', sk: 'DOCUMENT' },
  submission: { pkPrefix: 'SUBMISSION#', sk: 'SUBMISSION' },
  task: { pkPrefix: 'TASK#', sk: 'TASK' },
} as const;

/** Partition keys read with a Query (the items above share them with their siblings). */
export const partitions = {
  holdsOf: (documentId: string) => ({ pk: `DOCUMENT#${documentId}`, skPrefix: 'HOLD#' }),
  batchItems: (batchId: string) => ({ pk: `DISPOSAL#${batchId}`, skPrefix: 'ITEM#' }),
  importRows: (importId: string) => ({ pk: `IMPORT#${importId}`, skPrefix: 'ROW#' }),
  grantsOf: (documentId: string) => ({ pk: `LOANGRANT#${documentId}` }),
  customerRegions: { pk: 'REGIONS', skPrefix: 'REGION#' },
};

/** Index entries: the attributes an item carries to be found through an index. */
export const entries = {
  customerByName: (region: string, nameSortKey: string, customerId: string) => ({
    gsi1pk: `CUSTOMERS#${region}`,
    gsi1sk: `${nameSortKey}#${customerId}`,
  }),
  customersOfRegion: (region: string) => `CUSTOMERS#${region}`,
  submissionOfClerk: (clerkSub: string, createdAt: string) => ({
    gsi2pk: clerksPartition(clerkSub),
    gsi2sk: createdAt,
  }),
  documentOfCustomer: (customerId: string, createdAt: string, documentId: string) => ({
    gsi2pk: customersDocuments(customerId),
    gsi2sk: `DOCUMENT#${createdAt}#${documentId}`,
  }),
  openTask: (role: string, createdAt: string, taskId: string) => ({
    gsi1pk: shardKey(openTasksOf(role), taskId, OPEN_TASK_SHARDS),
    gsi1sk: `${createdAt}#${taskId}`,
  }),
  /** The due-date entry of a document due on `day` (`YYYY-MM-DD`): partitioned by month. */
  due: (day: string, documentId: string) => ({
    gsi3pk: dueMonth(day.slice(0, 7)),
    gsi3sk: `${day}#${documentId}`,
  }),
  batch: (createdAt: string, batchId: string) => ({ gsi1pk: ALL_BATCHES, gsi1sk: `${createdAt}#${batchId}` }),
  importBatch: (createdAt: string, importId: string) => ({
    gsi1pk: ALL_IMPORTS,
    gsi1sk: `${createdAt}#${importId}`,
  }),
  proposedBatch: (createdAt: string, batchId: string) => ({
    gsi2pk: PROPOSED_BATCHES,
    gsi2sk: `${createdAt}#${batchId}`,
  }),
  loanOfBorrower: (borrowerSub: string, createdAt: string, loanId: string) => ({
    gsi2pk: borrowersLoans(borrowerSub),
    gsi2sk: `LOAN#${createdAt}#${loanId}`,
  }),
  handoverOfRequester: (sub: string, createdAt: string, handoverId: string) => ({
    gsi2pk: requestersHandovers(sub),
    gsi2sk: `HANDOVER#${createdAt}#${handoverId}`,
  }),
  loanOut: (loanId: string, dueAt: string) => ({
    gsi3pk: shardKey(LOANS_OUT, loanId, LOANS_OUT_SHARDS),
    gsi3sk: `${dueAt}#${loanId}`,
  }),
  /**
   * A permanent record's lock, filed under the day (`YYYY-MM-DD`) it is due for extension: an
   * original on its document item, a destruction list on its batch item.
   */
  permanentLock: (renewOn: string, record: PermanentRecordRef) => ({
    gsi3pk: PERMANENT_LOCKS,
    gsi3sk: `${renewOn}#${record.kind === 'original' ? 'DOCUMENT' : 'DISPOSAL'}#${record.id}`,
  }),
};

/** What a permanent lock entry is of: an original (document id) or a destruction list (batch id). */
export interface PermanentRecordRef {
  kind: 'original' | 'destruction-list';
  id: string;
}

/** The record a permanent lock entry's sort key names. */
export function permanentRecordOf(gsi3sk: string): PermanentRecordRef | undefined {
  const [, kind, ...id] = gsi3sk.split('#');
  if (kind === 'DOCUMENT') return { kind: 'original', id: id.join('#') };
  if (kind === 'DISPOSAL') return { kind: 'destruction-list', id: id.join('#') };
  return undefined;
}

export const clerksPartition = (clerkSub: string) => `CLERK#${clerkSub}`;
export const customersDocuments = (customerId: string) => `CUSTOMER#${customerId}`;
export const borrowersLoans = (borrowerSub: string) => `BORROWER#${borrowerSub}`;
export const requestersHandovers = (sub: string) => `REQUESTER#${sub}`;
export const openTasksOf = (role: string) => `OPENTASKS#${role}`;
/**
 * A role's open tasks are written over four shard keys chosen by task id (`OPENTASKS#<role>#<n>`):
 * every submission enters and leaves its reviewers' list, which as one key took two index writes
 * per submission (at one document each, a ceiling of 500 documents/s). Readers query every shard
 * and the unsharded key of tasks opened before (`openTaskKeys`).
 */
export const OPEN_TASK_SHARDS = 4;
export const openTaskKeys = (role: string) => shardKeys(openTasksOf(role), OPEN_TASK_SHARDS);
export const dueMonth = (month: string) => `DUE#${month}`;
/**
 * The day (`YYYY-MM-DD`) an item is filed under in the due-date index, from its stored attributes
 * (`entries.due`); undefined when it is not filed there (held, in a batch, no known due day).
 */
export function dueDayFiled(item: Record<string, unknown> | undefined): string | undefined {
  const pk = item?.gsi3pk;
  const sk = item?.gsi3sk;
  if (typeof pk !== 'string' || typeof sk !== 'string' || !pk.startsWith(dueMonth(''))) return undefined;
  const day = sk.slice(0, sk.indexOf('#'));
  return /^\d{4}-\d{2}-\d{2}$/.test(day) ? day : undefined;
}
export const ALL_BATCHES = 'DISPOSALS';
export const PROPOSED_BATCHES = 'DISPOSALS#PROPOSED';
/** Partition of gsi1 holding every import batch by when it was opened (`GET /imports`). */
export const ALL_IMPORTS = 'IMPORTS';
/** Partition of the due-date index holding every loan with something still out. */
export const LOANS_OUT = 'LOANS#OUT';
/** Loans out are written over four shard keys chosen by loan id; readers merge `loansOutKeys`. */
export const LOANS_OUT_SHARDS = 4;
export const loansOutKeys = () => shardKeys(LOANS_OUT, LOANS_OUT_SHARDS);
/** Partition of the due-date index holding every permanent record's lock by renewal day. */
export const PERMANENT_LOCKS = 'LOCKS#PERMANENT';
/** Partition of every event waiting for a daily digest (small: a day's worth at most). */
export const DIGEST_QUEUE = 'DIGEST';
