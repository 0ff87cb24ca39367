import type { DisposableDocument } from '../core/disposal.ts';
import type { DocumentRecord } from '../core/documents.ts';
import { type AuditInput, auditPut, SYSTEM_ACTOR } from './audit.ts';
import { batchGetItems, tableKeys } from './dynamo/batch-get.ts';
import { getRecord, strip } from './dynamo/items.ts';
import { customersDocuments, entries, INDEX, keys } from './dynamo/keys.ts';
import { decodePageToken, encodePageToken } from './dynamo/page-token.ts';
import { fillPage, type StartKey, startKeyFrom } from './dynamo/query.ts';
import { transactUnlessLost } from './dynamo/transactions.ts';
import { tableName } from './env.ts';

/**
 * Documents in the records table (layout in tables.ts): read one by one, by their submission's
 * list, or by customer; written when storage reports an upload or the clerk declares a new file.
 * Archiving (archiving-repo.ts) and disposal (disposal-batches-repo.ts) change them with the
 * records they move together with.
 */

/**
 * A document as stored: its record and what disposal added to it (all optional), so the services
 * read both without a cast.
 */
export const getDocument = (id: string) => getRecord<DisposableDocument>(keys.document(id));

export function documentItem(d: DocumentRecord) {
  return {
    ...keys.document(d.documentId),
    entity: 'document',
    ...entries.documentOfCustomer(d.customerId, d.createdAt, d.documentId),
    ...d,
  };
}

/** The named documents (strongly consistent), in the order of `ids`; missing ones are left out. */
export async function getDocuments(ids: readonly string[]): Promise<DisposableDocument[]> {
  const items = await batchGetItems(
    ids.map((id) => keys.document(id)),
    { consistent: true },
  );
  return items.map((item) => strip<DisposableDocument>(item));
}

/** Which of the named documents' scans have arrived (status past PENDING_UPLOAD); only their status is read. */
export async function documentsUploaded(ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const items = await batchGetItems(
    ids.map((id) => keys.document(id)),
    { projection: { expression: 'documentId, #status', names: { '#status': 'status' } } },
  );
  return new Set(items.filter((i) => i.status !== 'PENDING_UPLOAD').map((i) => String(i.documentId)));
}

/**
 * Documents of a customer, newest first, optionally filtered; one page, and the token of the next
 * (`nextToken`, for clients) when there is more.
 */
export async function queryCustomerDocuments(
  customerId: string,
  filters: DocumentFilters,
  limit: number,
  pageToken?: string,
): Promise<{ items: DocumentRecord[]; nextToken?: string }> {
  const scope = `documents/${customerId}/${filters.docType ?? ''}/${filters.status ?? ''}`;
  const start =
    pageToken === undefined ? undefined : startKeyFrom(decodePageToken(scope, pageToken, 'nextToken'));
  const page = await readCustomerDocuments(customerId, filters, limit, start);
  return {
    items: page.items,
    ...(page.lastKey ? { nextToken: encodePageToken(scope, page.lastKey) } : {}),
  };
}

/** Every document of a customer that passes the filters, page by page (for the services). */
export async function* customerDocuments(
  customerId: string,
  filters: DocumentFilters,
): AsyncGenerator<DisposableDocument[]> {
  let key: StartKey | undefined;
  do {
    const page = await readCustomerDocuments(customerId, filters, 100, key);
    yield page.items;
    key = page.lastKey;
  } while (key);
}

interface DocumentFilters {
  docType?: string;
  status?: string;
}

function readCustomerDocuments(
  customerId: string,
  filters: DocumentFilters,
  limit: number,
  startKey?: StartKey,
) {
  const matches = (d: DocumentRecord) =>
    (filters.docType === undefined || d.docType === filters.docType) &&
    (filters.status === undefined || d.status === filters.status);
  // gsi2 holds keys only: the documents are read from the table and filtered there, as a
  // FilterExpression would (the page's limit counts index entries read, matching or not).
  return fillPage(
    {
      TableName: tableName(),
      IndexName: INDEX.gsi2.name,
      KeyConditionExpression: 'gsi2pk = :pk AND begins_with(gsi2sk, :doc)',
      ExpressionAttributeValues: { ':pk': customersDocuments(customerId), ':doc': 'DOCUMENT#' },
      ScanIndexForward: false,
    },
    limit,
    async (entries) =>
      (await batchGetItems(tableKeys(entries)))
        .map((item) => strip<DisposableDocument>(item))
        .filter(matches),
    startKey,
  );
}

/** The documents archive codes were given to, by code; codes never given are left out. */
export async function archiveCodeOwners(codes: readonly string[]): Promise<Map<string, string>> {
  const items = await batchGetItems(codes.map((c) => keys.archiveCode(c)));
  const prefix = keys.archiveCode('').pk;
  return new Map(
    items.flatMap((item) =>
      typeof item.documentId === 'string' ? [[String(item.pk).slice(prefix.length), item.documentId]] : [],
    ),
  );
}

/** The document an archive code was given to (codes are never reused). */
export async function getArchiveCodeOwner(code: string): Promise<string | undefined> {
  const item = await getRecord<{ documentId?: unknown }>(keys.archiveCode(code));
  return typeof item?.documentId === 'string' ? item.documentId : undefined;
}

export interface UploadFacts {
  /** The object version storage reported; absent only for objects of an unversioned bucket. */
  versionId?: string;
  /** The upload URL the object came through (its signed `x-amz-meta-upload-id`), if any. */
  uploadId?: string;
  receivedSize: number;
  receivedSha256?: string;
  sniffedType: string;
  uploadedAt: string;
  /**
   * The storage event that reported the upload: its time and S3's sequencer for the key, so
   * the same event delivered twice makes the same audit event (written once), and an event older
   * than the one recorded never replaces it.
   */
  event: { time: string; sequencer: string };
}

/**
 * S3 sequencers of one key grow with time but differ in length: compared after left-padding
 * with zeros (as S3 documents), so they are kept padded.
 */
export const comparableSequencer = (sequencer: string): string => sequencer.toUpperCase().padStart(32, '0');

/**
 * Records what storage saw of an upload, if the document still takes it: the submission is DRAFT
 * or REJECTED, the document belongs to it and is PENDING_UPLOAD or UPLOADED, the object came
 * through the document's current upload URL (its upload id; a document made before upload ids
 * existed takes an object whose checksum is the declared one), and no later upload of the key was
 * recorded already (sequencer). The version is recorded, so everything after reads that version.
 * Checks of an earlier attempt are dropped: they were about the file this one replaces. The change
 * and its audit event (`document.uploaded`, by the system, with what storage saw) are one
 * transaction. Returns false when any condition fails (nothing written).
 */
export async function recordUpload(
  submissionId: string,
  documentId: string,
  facts: UploadFacts,
): Promise<boolean> {
  const table = tableName();
  const sequencer = comparableSequencer(facts.event.sequencer);
  const fromCurrentUrl =
    facts.uploadId === undefined ? 'attribute_not_exists(uploadId) AND sha256 = :sha' : 'uploadId = :uid';
  const set = [
    '#status = :uploaded',
    'receivedSize = :size',
    'sniffedType = :type',
    'uploadedAt = :at',
    'updatedAt = :at',
    'uploadSequencer = :seq',
    ...(facts.receivedSha256 ? ['receivedSha256 = :sha'] : []),
    ...(facts.versionId ? ['receivedVersionId = :version'] : []),
  ];
  const remove = [
    'checks',
    'checkedAt',
    ...(facts.receivedSha256 ? [] : ['receivedSha256']),
    ...(facts.versionId ? [] : ['receivedVersionId']),
  ];
  return transactUnlessLost([
    {
      ConditionCheck: {
        TableName: table,
        Key: keys.submission(submissionId),
        ConditionExpression: '#status IN (:draft, :rejected)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':draft': 'DRAFT', ':rejected': 'REJECTED' },
      },
    },
    {
      Update: {
        TableName: table,
        Key: keys.document(documentId),
        ConditionExpression:
          `submissionId = :sid AND #status IN (:pending, :uploaded) AND (${fromCurrentUrl}) ` +
          'AND (attribute_not_exists(uploadSequencer) OR uploadSequencer < :seq)',
        UpdateExpression: `SET ${set.join(', ')} REMOVE ${remove.join(', ')}`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':sid': submissionId,
          ':pending': 'PENDING_UPLOAD',
          ':uploaded': 'UPLOADED',
          ':size': facts.receivedSize,
          ':type': facts.sniffedType,
          ':at': facts.uploadedAt,
          ':seq': sequencer,
          ...(facts.uploadId === undefined ? {} : { ':uid': facts.uploadId }),
          ...(facts.receivedSha256 || facts.uploadId === undefined
            ? { ':sha': facts.receivedSha256 ?? '' }
            : {}),
          ...(facts.versionId ? { ':version': facts.versionId } : {}),
        },
      },
    },
    auditPut({
      action: 'document.uploaded',
      actor: SYSTEM_ACTOR,
      targetType: 'document',
      targetId: documentId,
      at: facts.event.time,
      eventId: `upload-${documentId}-${facts.event.sequencer}`,
      details: {
        submissionId,
        receivedSize: facts.receivedSize,
        ...(facts.receivedSha256 ? { receivedSha256: facts.receivedSha256 } : {}),
        ...(facts.versionId ? { versionId: facts.versionId } : {}),
        sniffedType: facts.sniffedType,
      },
    }),
  ]);
}

/**
 * The clerk declared a new file for a document: the new type, size and checksum replace the old
 * ones and the document waits for its upload again (what storage saw of the old file and its
 * checks are dropped). Only while the submission is the clerk's and open for changes, and the
 * document takes uploads. Returns false when that no longer holds (nothing written).
 */
export async function replaceDeclaredFile(
  doc: DocumentRecord,
  clerkSub: string,
  file: { fileName?: string; contentType: string; size: number; sha256: string; uploadId: string },
  at: string,
  audit: AuditInput,
): Promise<boolean> {
  const table = tableName();
  return transactUnlessLost([
    {
      ConditionCheck: {
        TableName: table,
        Key: keys.submission(doc.submissionId),
        ConditionExpression: '#status IN (:draft, :rejected) AND createdBy = :clerk',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':draft': 'DRAFT', ':rejected': 'REJECTED', ':clerk': clerkSub },
      },
    },
    {
      Update: {
        TableName: table,
        Key: keys.document(doc.documentId),
        ConditionExpression: 'submissionId = :sid AND #status IN (:pending, :uploaded)',
        UpdateExpression:
          'SET #status = :pending, contentType = :type, #size = :size, sha256 = :sha, fileName = :name, ' +
          'uploadId = :uid, updatedAt = :at ' +
          'REMOVE receivedSize, receivedSha256, receivedVersionId, sniffedType, uploadedAt, checks, checkedAt',
        ExpressionAttributeNames: { '#status': 'status', '#size': 'size' },
        ExpressionAttributeValues: {
          ':sid': doc.submissionId,
          ':pending': 'PENDING_UPLOAD',
          ':uploaded': 'UPLOADED',
          ':type': file.contentType,
          ':size': file.size,
          ':sha': file.sha256,
          ':name': file.fileName ?? doc.fileName,
          ':uid': file.uploadId,
          ':at': at,
        },
      },
    },
    auditPut(audit),
  ]);
}
