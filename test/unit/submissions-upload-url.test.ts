import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/api/submissions-upload-url.ts';
import { USERS } from '../support/api-event.ts';
import {
  AUDIT_TABLE,
  call,
  cancelled,
  DOC_IDS,
  ddbMock,
  document,
  documentRow,
  errorOf,
  INTAKE,
  resetMocks,
  SUBMISSION_ID,
  setEnv,
  sha,
  strictMocks,
  submission,
  submissionRow,
  transactItems,
  writesAttempted,
} from './intake-fixtures.ts';

const ROUTE = 'POST /submissions/{submissionId}/documents/{documentId}/upload-url';
const DOC = DOC_IDS[1];
const file = { fileName: 'id-rescan.png', contentType: 'image/png', size: 2048, sha256: sha(0x77) };
const ask = (
  body: unknown,
  user: (typeof USERS)[keyof typeof USERS] = USERS.clerk,
  documentId: string = DOC,
) =>
  call(handler, { routeKey: ROUTE, pathParameters: { submissionId: SUBMISSION_ID, documentId }, body, user });

describe('POST /submissions/{id}/documents/{documentId}/upload-url', () => {
  beforeEach(() => {
    setEnv();
    strictMocks();
  });
  afterEach(resetMocks);

  function stored(status: 'DRAFT' | 'REJECTED' | 'IN_REVIEW' = 'REJECTED', doc = document(1)) {
    ddbMock
      .on(GetCommand, { Key: { pk: `SUBMISSION#${SUBMISSION_ID}`, sk: 'SUBMISSION' } })
      .resolves({ Item: submissionRow(submission({ status, attempt: 1 })) });
    ddbMock
      .on(GetCommand, { Key: { pk: `DOCUMENT#${DOC}`, sk: 'DOCUMENT' } })
      .resolves({ Item: documentRow(doc) });
  }

  it('declares the new file, puts the document back to PENDING_UPLOAD and issues a URL bound to it', async () => {
    stored();
    ddbMock.on(TransactWriteCommand).resolves({});

    const res = await ask(file);

    expect(res.statusCode).toBe(200);
    const upload = res.body.upload as { url: string; headers: Record<string, string> };
    expect(new URL(upload.url).pathname).toBe(`/${INTAKE}/intake/${SUBMISSION_ID}/${DOC}`);
    expect(upload.headers).toEqual({
      'content-type': 'image/png',
      'x-amz-checksum-sha256': Buffer.from(sha(0x77), 'hex').toString('base64'),
      // A new URL carries a new upload id: uploads through the document's older URLs are inert.
      'x-amz-meta-upload-id': expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    const signed = new URL(upload.url).searchParams.get('X-Amz-SignedHeaders')?.split(';');
    expect(signed).toEqual(expect.arrayContaining(['content-length', 'x-amz-meta-upload-id']));
    const [check, update, audit] = transactItems();
    expect(check?.ConditionCheck?.ConditionExpression).toBe(
      '#status IN (:draft, :rejected) AND createdBy = :clerk',
    );
    expect(update?.Update?.UpdateExpression).toMatch(
      /REMOVE receivedSize, receivedSha256, receivedVersionId, sniffedType, uploadedAt, checks, checkedAt$/,
    );
    expect(update?.Update?.ExpressionAttributeValues).toMatchObject({
      ':pending': 'PENDING_UPLOAD',
      ':type': 'image/png',
      ':size': 2048,
      ':sha': sha(0x77),
      ':name': 'id-rescan.png',
      ':uid': upload.headers['x-amz-meta-upload-id'],
    });
    expect(audit?.Put?.TableName).toBe(AUDIT_TABLE);
    expect(audit?.Put?.Item).toMatchObject({
      action: 'document.file-replaced',
      targetId: DOC,
      before: { sha256: document(1).sha256 },
      after: { sha256: sha(0x77) },
    });
  });

  it.each([
    [
      'a content type off the list',
      { ...file, contentType: 'text/plain' },
      400,
      /contentType: content type text\/plain is not accepted/,
    ],
    ['a size above the limit', { ...file, size: 52_428_801 }, 413, /size: 52428801 bytes exceeds the limit/],
    ['a bad checksum', { ...file, sha256: 'xyz' }, 400, /sha256: sha256 must be 64 hex/],
    ['an unknown field', { ...file, docType: 'IDCOPY' }, 400, /docType|unrecognized/i],
    ...(
      [
        ['NUL', '\u0000', '0000'],
        ['CR', '\r', '000D'],
        ['LF', '\n', '000A'],
        ['a tab', '\t', '0009'],
        ['DEL', '\u007f', '007F'],
        ['a right-to-left override', '\u202e', '202E'],
      ] as const
    ).map(([what, c, code]): [string, unknown, number, RegExp] => [
      `${what} in the file name`,
      { ...file, fileName: `id${c}-rescan.png` },
      400,
      new RegExp(`fileName: fileName contains U\\+${code} .* at character 3`),
    ]),
    [
      'a file name of 256 bytes in UTF-8 (84 Chinese characters and .png)',
      { ...file, fileName: `${'扫'.repeat(84)}.png` },
      400,
      /fileName: fileName is 256 bytes in UTF-8; at most 255 are allowed/,
    ],
    [
      'an HTML file name for a PNG',
      { ...file, fileName: 'a.html' },
      400,
      /fileName: fileName "a\.html" does not agree with contentType image\/png; expected \.png/,
    ],
    [
      'a new content type the kept name does not agree with (scan-1.pdf as image/png)',
      { contentType: 'image/png', size: 2048, sha256: sha(0x77) },
      400,
      /fileName: the document's fileName "scan-1\.pdf" does not agree with contentType image\/png; expected \.png; send the new file's fileName too/,
    ],
  ])('refuses %s without writing', async (_name, body, status, message) => {
    stored();
    const res = await ask(body);
    expect(res.statusCode).toBe(status);
    expect(errorOf(res.body).message).toMatch(message);
    expect(writesAttempted()).toBe(0);
  });

  it('refuses a new type without a new name when the kept name is x.pdf, naming fileName', async () => {
    stored('REJECTED', document(1, { fileName: 'x.pdf' }));
    const res = await ask({ contentType: 'image/png', size: 2048, sha256: sha(0x77) });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res.body).message).toBe(
      `invalid request: fileName: the document's fileName "x.pdf" does not agree with contentType image/png; expected .png; send the new file's fileName too`,
    );
    expect(errorOf(res.body).details).toEqual([
      {
        path: 'fileName',
        code: 'invalid',
        message: `the document's fileName "x.pdf" does not agree with contentType image/png; expected .png; send the new file's fileName too`,
      },
    ]);
    expect(writesAttempted()).toBe(0);
  });

  it.each([
    [
      'keeps its name (scan-1.pdf) when the type is unchanged',
      { contentType: 'application/pdf' },
      'scan-1.pdf',
    ],
    ['takes an upper-case extension', { fileName: 'RESCAN.PNG', contentType: 'image/png' }, 'RESCAN.PNG'],
    [
      'takes a Chinese name ending in .jpeg for a JPEG',
      { fileName: '扫描件.jpeg', contentType: 'image/jpeg' },
      '扫描件.jpeg',
    ],
  ])('%s', async (_name, change, name) => {
    stored();
    ddbMock.on(TransactWriteCommand).resolves({});
    const res = await ask({ size: 2048, sha256: sha(0x77), ...change });
    expect(res.statusCode).toBe(200);
    const values = transactItems()[1]?.Update?.ExpressionAttributeValues;
    expect(values?.[':type']).toBe(change.contentType);
    expect(values?.[':name']).toBe(name);
  });

  it('403 for another clerk', async () => {
    stored();
    const res = await ask(file, USERS.clerk2);
    expect(res.statusCode).toBe(403);
    expect(writesAttempted()).toBe(0);
  });

  it('404 for a document of another submission', async () => {
    stored('REJECTED', document(1, { submissionId: 'another' }));
    const res = await ask(file);
    expect(res.statusCode).toBe(404);
    expect(errorOf(res.body).message).toBe(`document ${DOC} in submission ${SUBMISSION_ID} does not exist`);
  });

  it('409 while the submission is in review', async () => {
    stored('IN_REVIEW');
    const res = await ask(file);
    expect(res.statusCode).toBe(409);
    expect(errorOf(res.body).message).toMatch(/files can only be replaced in DRAFT or REJECTED/);
    expect(writesAttempted()).toBe(0);
  });

  it('409 for an archived document', async () => {
    stored('REJECTED', document(1, { status: 'ARCHIVED' }));
    const res = await ask(file);
    expect(res.statusCode).toBe(409);
    expect(writesAttempted()).toBe(0);
  });

  it('409 when the submission was submitted meanwhile', async () => {
    stored();
    ddbMock.on(TransactWriteCommand).rejects(cancelled(['ConditionalCheckFailed', 'None', 'None']));
    const res = await ask(file);
    expect(res.statusCode).toBe(409);
    expect(errorOf(res.body).message).toMatch(/changed meanwhile/);
  });
});
