import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GetObjectTaggingCommand, HeadObjectCommand } from '../../functions/adapters/s3-commands.ts';
import { handler } from '../../functions/api/submissions-scan-content.ts';
import { archivedFileName } from '../../functions/core/file-names.ts';
import {
  assertPreviewable,
  contentDispositionFileName,
  previewHeaders,
  scanReaderBasis,
} from '../../functions/core/submission-scans.ts';
import { intakeKeyOf } from '../../functions/core/submissions.ts';
import { besidesRefusalAudit, USERS } from '../support/api-event.ts';
import {
  AUDIT_TABLE,
  call,
  DOC_IDS,
  ddbMock,
  document,
  documentRow,
  errorOf,
  INTAKE,
  resetMocks,
  SUBMISSION_ID,
  s3Mock,
  setEnv,
  strictMocks,
  submission,
  submissionRow,
  task,
  taskRow,
} from './intake-fixtures.ts';

const actor = (u: (typeof USERS)[keyof typeof USERS]) => ({
  sub: u.sub,
  username: u.username,
  roles: [...u.groups],
});
/** Control, bidirectional formatting and BOM characters in a header value, as code points. */
const unsafeCharacters = (value: string): number[] =>
  Array.from(value, (c) => c.codePointAt(0) ?? 0).filter(
    (n) =>
      n < 0x20 ||
      (n >= 0x7f && n <= 0x9f) ||
      n === 0x200e ||
      n === 0x200f ||
      (n >= 0x202a && n <= 0x202e) ||
      (n >= 0x2066 && n <= 0x2069) ||
      (n >= 0xd800 && n <= 0xdfff) ||
      n === 0xfeff,
  );
const inReview = submission({ status: 'IN_REVIEW', attempt: 1, reviewTaskId: task().taskId });

describe('who sees the scans of a submission', () => {
  it('lets the clerk who made it, an archivist and the reviewer who may decide its open review task', () => {
    expect(scanReaderBasis(actor(USERS.clerk), inReview, task())).toBe('creator');
    expect(scanReaderBasis(actor(USERS.archivist), inReview, task())).toBe('archivist');
    expect(scanReaderBasis(actor(USERS.reviewer), inReview, task())).toBe('review-task');
  });

  it('refuses another clerk, and a reviewer without an open review task they may decide', () => {
    expect(() => scanReaderBasis(actor(USERS.clerk2), inReview, task())).toThrow(
      `submission ${SUBMISSION_ID} belongs to another clerk`,
    );
    for (const t of [
      undefined,
      task({ status: 'DONE' }),
      task({ status: 'EXPIRED' }),
      task({ subjectId: 'another' }),
      task({ attempt: 0 }),
      task({ kind: 'loan-approval' }),
    ]) {
      expect(() => scanReaderBasis(actor(USERS.reviewer), inReview, t)).toThrow(/has no open review task/);
    }
    // Escalated to archivists: the task is no longer the reviewer's to decide.
    expect(() => scanReaderBasis(actor(USERS.reviewer), inReview, task({ role: 'archivist' }))).toThrow(
      /is for role archivist/,
    );
    // Four eyes: a reviewer who asked for it may not decide it, so may not preview it either.
    const own = { ...actor(USERS.reviewer), roles: ['reviewer' as const] };
    expect(() => scanReaderBasis(own, inReview, task({ requesterSub: USERS.reviewer.sub }))).toThrow(
      /concerns your own request/,
    );
  });
});

describe('which scans are shown', () => {
  const doc = document(0);
  const stored = { sha256Hex: doc.sha256, size: doc.size };

  it('shows an uploaded scan that is the declared file and passed the malware scan', () => {
    expect(() => assertPreviewable(doc, stored, 'NO_THREATS_FOUND')).not.toThrow();
  });

  it.each([
    [
      'a document not uploaded yet',
      { status: 'PENDING_UPLOAD' as const },
      stored,
      'NO_THREATS_FOUND',
      /has not been uploaded yet/,
    ],
    [
      'an archived document',
      { status: 'ARCHIVED' as const },
      stored,
      'NO_THREATS_FOUND',
      /is ARCHIVED; read the archived original through GET \/documents\/.+\/content/,
    ],
    ['an object gone from storage', {}, undefined, 'NO_THREATS_FOUND', /has no scan in storage/],
    [
      'another file under the key',
      {},
      { sha256Hex: 'ab'.repeat(32), size: doc.size },
      'NO_THREATS_FOUND',
      /is not the declared file/,
    ],
    [
      'a file of another size',
      {},
      { sha256Hex: doc.sha256, size: 1 },
      'NO_THREATS_FOUND',
      /is not the declared file/,
    ],
    ['an unscanned scan', {}, stored, undefined, /has not been checked for malware yet/],
    [
      'an infected scan',
      {},
      stored,
      'THREATS_FOUND',
      /the malware scan found a threat .*; it is never shown/,
    ],
    ['a scan that failed', {}, stored, 'FAILED', /did not complete \(FAILED\)/],
    ['an unsupported scan', {}, stored, 'UNSUPPORTED', /did not complete \(UNSUPPORTED\)/],
  ])('refuses %s with 409', (_name, over, s, scan, message) => {
    const err = (() => {
      try {
        assertPreviewable({ ...doc, ...over }, s, scan);
      } catch (e) {
        return e as { status: number; message: string };
      }
      return undefined;
    })();
    expect(err?.status).toBe(409);
    expect(err?.message).toMatch(message);
  });

  it('serves what the file really is, inline when a browser shows it, else as a download', () => {
    expect(
      previewHeaders({ fileName: 'a.pdf', contentType: 'application/pdf', sniffedType: 'application/pdf' }),
    ).toEqual({
      contentType: 'application/pdf',
      disposition: `inline; filename="a.pdf"; filename*=UTF-8''a.pdf`,
    });
    // Declared as an image, but the bytes are something else: never served as what was declared,
    // nor under its extension.
    expect(
      previewHeaders({
        fileName: 'x.png',
        contentType: 'image/png',
        sniffedType: 'application/octet-stream',
      }),
    ).toEqual({
      contentType: 'application/octet-stream',
      disposition: `attachment; filename="x.bin"; filename*=UTF-8''x.bin`,
    });
    // A download of a type no browser shows keeps its name when the extension agrees with the bytes.
    expect(
      previewHeaders({ fileName: 't.tif', contentType: 'image/tiff', sniffedType: 'image/tiff' }).disposition,
    ).toBe(`attachment; filename="t.tif"; filename*=UTF-8''t.tif`);
    expect(
      previewHeaders({ fileName: 't.png', contentType: 'image/png', sniffedType: 'image/tiff' }).disposition,
    ).toBe(`attachment; filename="t.bin"; filename*=UTF-8''t.bin`);
    // Quotes and backslashes never reach the header, in either form.
    expect(contentDispositionFileName('身份证 "copy"\\.png', 'image/png')).toBe(
      `filename="___ _copy__.png"; filename*=UTF-8''%E8%BA%AB%E4%BB%BD%E8%AF%81%20_copy__.png`,
    );
  });

  it('hands out a stored name made safe: no control or bidirectional characters, the extension of what is served', () => {
    // Records written before the file name rules may carry anything.
    const { disposition } = previewHeaders({
      fileName: 'a\n.html',
      contentType: 'application/pdf',
      sniffedType: 'application/pdf',
    });
    expect(disposition).toBe(`inline; filename="a_.pdf"; filename*=UTF-8''a_.pdf`);
    expect(unsafeCharacters(disposition)).toEqual([]);

    // `scan<RLO>fdp.html` would show as `scanlmth.pdf`: the override goes, and a PNG is a .png.
    const disguised = previewHeaders({
      fileName: 'scan\u202efdp.html',
      contentType: 'image/png',
      sniffedType: 'image/png',
    }).disposition;
    expect(disguised).toBe(`inline; filename="scan_fdp.png"; filename*=UTF-8''scan_fdp.png`);

    for (const name of [
      '\u0000.pdf',
      'a\r\nContent-Type: text/html',
      '\ufeff..\\..\\x.pdf',
      '\ud800.pdf',
      '',
    ]) {
      const d = contentDispositionFileName(name, 'application/pdf');
      expect(unsafeCharacters(d)).toEqual([]);
      expect(d).toMatch(/^filename="[^"\\]+\.pdf"; filename\*=UTF-8''[A-Za-z0-9%._~!-]+\.pdf$/);
    }
  });

  it("names an archived original by its archive code, '·' percent-encoded and replaced in the ASCII fallback", () => {
    expect(
      contentDispositionFileName(
        archivedFileName('Z001-KH·2026-D30-YK-0007', 'application/pdf'),
        'application/pdf',
      ),
    ).toBe(`filename="Z001-KH_2026-D30-YK-0007.pdf"; filename*=UTF-8''Z001-KH%C2%B72026-D30-YK-0007.pdf`);
  });
});

describe('GET /submissions/{submissionId}/documents/{documentId}/content', () => {
  const ROUTE = 'GET /submissions/{submissionId}/documents/{documentId}/content';
  const DOC = DOC_IDS[1];
  const ask = (user: (typeof USERS)[keyof typeof USERS] = USERS.reviewer, documentId: string = DOC) =>
    call(handler, { routeKey: ROUTE, pathParameters: { submissionId: SUBMISSION_ID, documentId }, user });

  beforeEach(() => {
    setEnv();
    process.env.MALWARE_SCAN_TAG = 'GuardDutyMalwareScanStatus';
    strictMocks();
  });
  afterEach(resetMocks);

  function stored(
    opts: { doc?: ReturnType<typeof document>; scan?: string; task?: ReturnType<typeof task> } = {},
  ) {
    const doc =
      opts.doc ?? document(1, { fileName: '身份证.png', contentType: 'image/png', sniffedType: 'image/png' });
    ddbMock
      .on(GetCommand, { Key: { pk: `SUBMISSION#${SUBMISSION_ID}`, sk: 'SUBMISSION' } })
      .resolves({ Item: submissionRow(inReview) });
    ddbMock
      .on(GetCommand, { Key: { pk: `TASK#${task().taskId}`, sk: 'TASK' } })
      .resolves({ Item: taskRow(opts.task ?? task()) });
    ddbMock
      .on(GetCommand, { Key: { pk: `DOCUMENT#${DOC}`, sk: 'DOCUMENT' } })
      .resolves({ Item: documentRow(doc) });
    s3Mock.on(HeadObjectCommand).resolves({
      ContentLength: doc.size,
      ChecksumSHA256: Buffer.from(doc.sha256, 'hex').toString('base64'),
    });
    s3Mock.on(GetObjectTaggingCommand).resolves({
      TagSet: opts.scan === undefined ? [] : [{ Key: 'GuardDutyMalwareScanStatus', Value: opts.scan }],
    });
    ddbMock.on(PutCommand).resolves({});
    return doc;
  }

  it('gives the reviewer a short-lived URL of that one scan, inline, and audits it first', async () => {
    const doc = stored({ scan: 'NO_THREATS_FOUND' });
    const res = await ask();
    expect(res.statusCode).toBe(200);
    const url = new URL(res.body.url as string);
    expect(url.pathname).toBe(`/${INTAKE}/intake/${SUBMISSION_ID}/${DOC}`);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('300');
    expect(url.searchParams.get('response-content-type')).toBe('image/png');
    expect(url.searchParams.get('response-content-disposition')).toMatch(/^inline; filename=/);
    expect(res.body.contentType).toBe('image/png');
    // The version the upload recorded, never what the key holds now: tag, size and checksum of
    // that version, and the URL bound to it.
    expect(url.searchParams.get('versionId')).toBe(doc.receivedVersionId);
    expect(s3Mock.commandCalls(GetObjectTaggingCommand)[0]?.args[0].input).toEqual({
      Bucket: INTAKE,
      Key: intakeKeyOf(doc),
      VersionId: doc.receivedVersionId,
    });
    expect(s3Mock.commandCalls(HeadObjectCommand)[0]?.args[0].input).toMatchObject({
      VersionId: doc.receivedVersionId,
    });
    const audit = ddbMock.commandCalls(PutCommand)[0]?.args[0].input;
    expect(audit?.TableName).toBe(AUDIT_TABLE);
    expect(audit?.Item).toMatchObject({
      action: 'document.scan-preview-url',
      actorName: 'reviewer1',
      targetType: 'document',
      targetId: DOC,
      details: {
        submissionId: SUBMISSION_ID,
        basis: 'review-task',
        taskId: task().taskId,
        sha256: doc.sha256,
      },
    });
  });

  it('signs a safe name into the URL for a name stored before the file name rules', async () => {
    stored({
      scan: 'NO_THREATS_FOUND',
      doc: document(1, {
        fileName: 'a\n.html',
        contentType: 'application/pdf',
        sniffedType: 'application/pdf',
      }),
    });
    const res = await ask();
    expect(res.statusCode).toBe(200);
    const url = new URL(res.body.url as string);
    expect(url.searchParams.get('response-content-type')).toBe('application/pdf');
    expect(url.searchParams.get('response-content-disposition')).toBe(
      `inline; filename="a_.pdf"; filename*=UTF-8''a_.pdf`,
    );
  });

  it.each([
    ['unscanned', undefined, /has not been checked for malware yet/],
    ['infected', 'THREATS_FOUND', /found a threat/],
  ])('refuses an %s scan with 409 and hands out nothing', async (_name, scan, message) => {
    stored({ ...(scan === undefined ? {} : { scan }) });
    const res = await ask();
    expect(res.statusCode).toBe(409);
    expect(errorOf(res.body).message).toMatch(message);
    expect(besidesRefusalAudit(ddbMock.commandCalls(PutCommand))).toHaveLength(0);
  });

  it('refuses a reviewer once the task is decided, another clerk, and a document of another submission', async () => {
    stored({ scan: 'NO_THREATS_FOUND', task: task({ status: 'DONE' }) });
    const decided = await ask();
    expect(decided.statusCode).toBe(403);
    expect(errorOf(decided.body).message).toMatch(/has no open review task/);

    const other = await ask(USERS.clerk2);
    expect(other.statusCode).toBe(403);
    expect(errorOf(other.body).message).toBe(`submission ${SUBMISSION_ID} belongs to another clerk`);

    stored({ scan: 'NO_THREATS_FOUND', doc: document(1, { submissionId: 'another' }) });
    const foreign = await ask(USERS.archivist);
    expect(foreign.statusCode).toBe(404);
    expect(errorOf(foreign.body).message).toBe(
      `document ${DOC} in submission ${SUBMISSION_ID} does not exist`,
    );
    expect(besidesRefusalAudit(ddbMock.commandCalls(PutCommand))).toHaveLength(0);
  });
});
