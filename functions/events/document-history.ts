import type { DynamoDBStreamEvent } from 'aws-lambda';
import { putDocumentVersion } from '../adapters/document-versions.ts';
import { logger } from '../adapters/logger.ts';
import { recordChanges } from '../adapters/table-changes.ts';
import { documentVersion } from '../core/document-history.ts';

/**
 * Fed by the records table's stream (document items only: the event source filter on AWS, the
 * poller's key filter locally): keeps a version of the document for every change. A batch that
 * fails is delivered again; versions already written are found and skipped.
 */
export async function handler(event: DynamoDBStreamEvent): Promise<{ written: number }> {
  let written = 0;
  for (const change of recordChanges(event)) {
    if (change.record !== 'document') continue;
    const version = documentVersion(change);
    if (version && (await putDocumentVersion(version))) written++;
  }
  logger.debug('document versions written', { written });
  return { written };
}
