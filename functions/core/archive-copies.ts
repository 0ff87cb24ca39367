/**
 * Whether an object found under a document's archive key is the copy an earlier run of the
 * archive step made (and may have died before locking): the same document, archive code and
 * SHA-256, and a version to lock. Such a copy is locked and reused instead of copied again.
 */
export function isEarlierCopy(
  found: { versionId?: string; metadata: Record<string, string>; sha256Hex?: string } | undefined,
  expected: { documentId: string; archiveCodeMetadata: string | undefined; sha256: string | undefined },
): found is { versionId: string; metadata: Record<string, string>; sha256Hex?: string } {
  return (
    found?.versionId !== undefined &&
    found.versionId !== '' &&
    found.metadata['document-id'] === expected.documentId &&
    found.metadata['archive-code'] === expected.archiveCodeMetadata &&
    found.sha256Hex === expected.sha256
  );
}
