import { describe, expect, it } from 'vitest';
import { versionItem, versionOf } from '../../functions/adapters/document-versions.ts';
import { type DocumentVersion, documentVersion } from '../../functions/core/document-history.ts';

const DOC = '6b9ce053-6fa4-4186-94c4-1e2d749d409a';
const at = new Date('2026-12-05T15:01:37.053Z');
const registered = {
  documentId: DOC,
  status: 'PENDING_UPLOAD',
  title: '开户申请表',
  createdBy: 'clerk1',
  updatedAt: '2026-12-05T15:00:00.000Z',
};
const uploaded = {
  ...registered,
  status: 'UPLOADED',
  receivedSize: 204787,
  updatedAt: '2026-12-05T15:01:00.000Z',
  updatedBy: 'system',
};
const retitled = {
  ...uploaded,
  title: '开户申请表（补）',
  updatedAt: '2026-12-05T15:02:00.000Z',
  updatedBy: 'clerk1',
};

const versions: DocumentVersion[] = [
  documentVersion({
    kind: 'INSERT',
    newImage: registered,
    sequence: '000000000000000002301',
    approximateAt: at,
  }),
  documentVersion({
    kind: 'MODIFY',
    oldImage: registered,
    newImage: uploaded,
    sequence: '111100000000000000000000001',
    approximateAt: at,
  }),
  documentVersion({
    kind: 'MODIFY',
    oldImage: uploaded,
    newImage: retitled,
    sequence: '2404',
    approximateAt: at,
  }),
  documentVersion({ kind: 'REMOVE', oldImage: retitled, sequence: '2405', approximateAt: at }),
].flatMap((v) => (v ? [v] : []));

describe('document versions as stored', () => {
  it('reads back every version as it was made, the sequence as its key sorts it', () => {
    expect(versions).toHaveLength(4);
    for (const v of versions) {
      expect(versionOf(versionItem(v))).toEqual({ ...v, sequence: v.sequence.padStart(40, '0') });
    }
  });

  it('keeps nothing its keys or its values already say', () => {
    for (const v of versions) {
      const item = versionItem(v);
      for (const said of ['documentId', 'changedAt', 'sequence', 'changed', 'entity']) {
        expect(item, said).not.toHaveProperty(said);
      }
    }
    // A status that changed is in before/after; one that did not is kept on the item.
    expect(versionItem(versions[1] as DocumentVersion)).not.toHaveProperty('statusAfter');
    expect(versionItem(versions[2] as DocumentVersion)).toMatchObject({
      statusBefore: 'UPLOADED',
      statusAfter: 'UPLOADED',
    });
  });

  it('reads a version written whole, as versions were before', () => {
    const v = versions[1] as DocumentVersion;
    const whole = {
      pk: `DOCUMENT#${DOC}`,
      sk: `V#${v.changedAt}#${v.sequence.padStart(40, '0')}`,
      entity: 'document-version',
      ...v,
    };
    expect(versionOf(whole)).toEqual(v);
  });
});
