/**
 * A change of a record in the records table, as its change stream reports it
 * (adapters/table-changes.ts reads the stream): which kind of record changed and its images
 * before and after, without the table's keys and index entries. The stream consumers (document
 * versions, the dashboard's counters) decide from these alone.
 */
export interface RecordChange {
  kind: 'INSERT' | 'MODIFY' | 'REMOVE';
  /** The kind of record; `other` for every item the consumers have no use for. */
  record: 'document' | 'submission' | 'task' | 'other';
  newImage?: Record<string, unknown>;
  oldImage?: Record<string, unknown>;
  /**
   * The due day a document is filed under in the due-date index before and after the change
   * (absent: filed under none on either side), read from the index entry the images carry.
   */
  dueFiled?: { before?: string; after?: string };
  /** The stream's sequence number: orders changes, makes a redelivered one recognisable. */
  sequence: string;
  approximateAt: Date;
}
