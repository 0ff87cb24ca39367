import { beforeEach, describe, expect, it } from 'vitest';
import {
  listDocumentVersions,
  putDocumentVersion,
  versionBody,
  versionOf,
} from '../../functions/adapters/document-versions.ts';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '../../functions/adapters/s3-commands.ts';
import {
  type DocumentVersion,
  documentVersion,
  documentVersionKey,
} from '../../functions/core/document-history.ts';
import { ARCHIVE, objectBody, s3Mock, setEnv, strictMocks } from './intake-fixtures.ts';

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
  it('reads back every version as it was made', () => {
    expect(versions).toHaveLength(4);
    for (const v of versions) {
      expect(versionOf(DOC, JSON.parse(JSON.stringify(versionBody(v))))).toEqual(v);
    }
  });

  it('keeps nothing its key or its values already say', () => {
    for (const v of versions) {
      const body = versionBody(v);
      for (const said of ['documentId', 'changed', 'entity', 'pk', 'sk']) {
        expect(body, said).not.toHaveProperty(said);
      }
    }
    // A status that changed is in before/after; one that did not is kept in the body.
    expect(versionBody(versions[1] as DocumentVersion)).not.toHaveProperty('statusAfter');
    expect(versionBody(versions[2] as DocumentVersion)).toMatchObject({
      statusBefore: 'UPLOADED',
      statusAfter: 'UPLOADED',
    });
  });

  it('keys a version under its document, its time and its sequence, so a listing is in order', () => {
    const key = documentVersionKey(versions[0] as DocumentVersion);
    expect(key).toBe(`history/${DOC}/20261205T150000000Z-${'2301'.padStart(40, '0')}.json`);
    // Sequences of different lengths sort by value once padded.
    const sameTime = [
      { documentId: DOC, changedAt: '2026-12-05T15:00:00.000Z', sequence: '99' },
      { documentId: DOC, changedAt: '2026-12-05T15:00:00.000Z', sequence: '100' },
    ].map(documentVersionKey);
    expect([...sameTime].sort()).toEqual([sameTime[0], sameTime[1]]);
  });
});

describe('document versions in the archive bucket', () => {
  beforeEach(() => {
    setEnv();
    strictMocks();
  });

  it('puts a version once: only where its key holds nothing (a redelivered change writes nothing)', async () => {
    const v = versions[1] as DocumentVersion;
    s3Mock
      .on(PutObjectCommand)
      .resolvesOnce({})
      .rejects(
        Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), {
          name: 'PreconditionFailed',
        }),
      );

    await expect(putDocumentVersion(v)).resolves.toBe(true);
    await expect(putDocumentVersion(v)).resolves.toBe(false);

    const put = s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put).toMatchObject({ Bucket: ARCHIVE, Key: documentVersionKey(v), IfNoneMatch: '*' });
    expect(JSON.parse(String(put?.Body))).toEqual(versionBody(v));
  });

  it('fails on any other refusal, so the stream delivers the change again', async () => {
    s3Mock.on(PutObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    await expect(putDocumentVersion(versions[0] as DocumentVersion)).rejects.toThrow('Access Denied');
  });

  it('lists every page of a document’s versions and returns them oldest first', async () => {
    const stored = new Map(versions.map((v) => [documentVersionKey(v), v]));
    const [first, ...others] = [...stored.keys()].reverse();
    s3Mock
      .on(ListObjectsV2Command, { Bucket: ARCHIVE, Prefix: `history/${DOC}/` })
      .resolvesOnce({ Contents: [{ Key: first, Size: 1 }], IsTruncated: true, NextContinuationToken: 'next' })
      .resolvesOnce({ Contents: others.map((Key) => ({ Key, Size: 1 })), IsTruncated: false });
    s3Mock.on(GetObjectCommand).callsFake((input: { Key: string }) => {
      const v = stored.get(input.Key);
      if (!v) throw Object.assign(new Error('no such key'), { name: 'NoSuchKey' });
      return { Body: objectBody(Buffer.from(JSON.stringify(versionBody(v)))) };
    });

    const listed = await listDocumentVersions(DOC);

    // By time (the removal's stream time falls before the retitling's own time), then sequence.
    expect(listed.map((v) => v.sequence)).toEqual([
      '000000000000000002301',
      '111100000000000000000000001',
      '2405',
      '2404',
    ]);
    expect(listed).toEqual(expect.arrayContaining(versions));
    expect(s3Mock.commandCalls(ListObjectsV2Command)[1]?.args[0].input.ContinuationToken).toBe('next');
  });
});
