import { describe, expect, it } from 'vitest';
import { isEarlierCopy } from '../../functions/core/archive-copies.ts';

const expected = {
  documentId: 'd1',
  archiveCodeMetadata: 'Z001-KH%C2%B72026-D30-YK-0007',
  sha256: 'ab'.repeat(32),
};
const found = {
  versionId: 'v1',
  metadata: { 'document-id': 'd1', 'archive-code': 'Z001-KH%C2%B72026-D30-YK-0007' },
  sha256Hex: 'ab'.repeat(32),
};

describe('an object found under a document archive key', () => {
  it('is the earlier copy when document, code and SHA-256 agree and it has a version', () => {
    expect(isEarlierCopy(found, expected)).toBe(true);
  });

  it('is not when nothing is there, it has no version, or anything differs', () => {
    expect(isEarlierCopy(undefined, expected)).toBe(false);
    expect(isEarlierCopy({ ...found, versionId: undefined }, expected)).toBe(false);
    expect(isEarlierCopy({ ...found, metadata: { ...found.metadata, 'document-id': 'd2' } }, expected)).toBe(
      false,
    );
    expect(isEarlierCopy({ ...found, metadata: { 'document-id': 'd1' } }, expected)).toBe(false);
    expect(isEarlierCopy({ ...found, sha256Hex: 'cd'.repeat(32) }, expected)).toBe(false);
    expect(isEarlierCopy({ ...found, sha256Hex: undefined }, expected)).toBe(false);
  });
});
