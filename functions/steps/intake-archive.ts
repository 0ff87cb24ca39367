import { type ArchiveInput, type ArchiveOutput, archiveSubmission } from '../services/archiving.ts';

/**
 * Workflow step Archive of intake-review-archive, after approval: reserves the codes, copies,
 * verifies and locks each original, and archives the submission (services/archiving.ts). Safe to
 * run again; TransientError is retried by the state, anything else is caught and rejects.
 */

export type { ArchiveInput, ArchiveOutput };

export async function handler(input: ArchiveInput): Promise<ArchiveOutput> {
  return archiveSubmission(input);
}
