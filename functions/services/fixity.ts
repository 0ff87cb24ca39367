import { hashVersion, listKeysAfter } from '../adapters/archive-lifecycle.ts';
import { appendAudit, SYSTEM_ACTOR } from '../adapters/audit.ts';
import { getDocument } from '../adapters/documents-repo.ts';
import { emitCount, FIXITY_MISMATCH_METRIC } from '../adapters/metrics.ts';
import { getSweepState, saveFixityCursor } from '../adapters/sweep-state-repo.ts';
import { archiveObjectKey } from '../core/documents.ts';
import { fixityRound } from '../core/fixity.ts';

/**
 * Fixity: a rotating sample of archived originals is read back and re-hashed against the SHA-256
 * recorded at intake, a day's sample after the last; a mismatch is audited and counted as a
 * CloudWatch metric (the stack alarms on it).
 */

/** Originals re-hashed per run (a day): about 9,000 a year, each read in full. */
export const FIXITY_SAMPLE = 25;

export interface FixitySummary {
  checked: number;
  mismatches: string[];
  skipped: number;
  cursor?: string;
}

const ORIGINALS = archiveObjectKey('');

/** Re-hashes the next `sample` archived originals after the stored cursor, wrapping around. */
export async function checkFixity(at: Date, sample = FIXITY_SAMPLE): Promise<FixitySummary> {
  const state = await getSweepState('fixity');
  const first = await listKeysAfter(ORIGINALS, state?.cursor, sample);
  // At the end of the bucket: go on from its beginning, up to where this round started.
  const again =
    first.keys.length < sample && state?.cursor
      ? await listKeysAfter(ORIGINALS, undefined, sample - first.keys.length)
      : undefined;
  const { keys, cursor } = fixityRound(sample, state?.cursor, first.keys, again?.keys);
  const summary: FixitySummary = { checked: 0, mismatches: [], skipped: 0, ...(cursor ? { cursor } : {}) };
  const stamp = at.toISOString();
  for (const key of keys) {
    const documentId = key.slice(ORIGINALS.length);
    const doc = await getDocument(documentId);
    if (doc?.status !== 'ARCHIVED' || !doc.archiveVersionId) {
      summary.skipped++;
      continue;
    }
    const actual = await hashVersion(key, doc.archiveVersionId);
    summary.checked++;
    if (actual === doc.sha256) continue;
    summary.mismatches.push(documentId);
    await appendAudit({
      action: 'document.fixity-failed',
      actor: SYSTEM_ACTOR,
      targetType: 'document',
      targetId: documentId,
      at: stamp,
      details: {
        archiveCode: doc.archiveCode,
        archiveKey: key,
        archiveVersionId: doc.archiveVersionId,
        recordedSha256: doc.sha256,
        actualSha256: actual ?? null,
      },
    });
    emitCount(
      FIXITY_MISMATCH_METRIC,
      1,
      'fixity check failed: an archived original does not match its SHA-256',
      {
        documentId,
        archiveCode: doc.archiveCode,
        archiveKey: key,
        recordedSha256: doc.sha256,
        actualSha256: actual ?? null,
      },
    );
  }
  await saveFixityCursor(cursor, stamp, { checked: summary.checked, mismatches: summary.mismatches.length });
  return summary;
}
