import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/api/submissions-create.ts';
import { besidesRefusalAudit, USERS } from '../support/api-event.ts';
import {
  AUDIT_TABLE,
  CUSTOMER_ID,
  CUSTOMER_ITEM,
  call,
  ddbMock,
  errorOf,
  INTAKE,
  resetMocks,
  setEnv,
  sha,
  strictMocks,
  TABLE,
  transactItems,
  writesAttempted,
} from './intake-fixtures.ts';

const ROUTE = 'POST /submissions';

const doc = (overrides: Record<string, unknown> = {}) => ({
  docType: 'APPFORM',
  title: 'Application for supply',
  fileName: 'appform.pdf',
  contentType: 'application/pdf',
  size: 123_456,
  sha256: sha(0xab),
  ...overrides,
});

const body = (overrides: Record<string, unknown> = {}) => ({
  customerId: CUSTOMER_ID,
  businessEvent: 'NEWCONN',
  documents: [
    doc(),
    doc({
      docType: 'IDCOPY',
      title: 'ID card',
      fileName: 'id.jpg',
      contentType: 'image/jpeg',
      sha256: sha(0xcd),
    }),
  ],
  ...overrides,
});

/** Characters no title or file name may contain: [what, the character, its code point]. */
const BAD_CHARACTERS: [string, string, string][] = [
  ['NUL', '\u0000', '0000'],
  ['CR', '\r', '000D'],
  ['LF', '\n', '000A'],
  ['a tab', '\t', '0009'],
  ['DEL', '\u007f', '007F'],
  ['a right-to-left override', '\u202e', '202E'],
  ['a C1 next-line', '\u0085', '0085'],
  ['a right-to-left isolate', '\u2067', '2067'],
  ['a byte order mark', '\ufeff', 'FEFF'],
];

describe('POST /submissions', () => {
  beforeEach(() => {
    setEnv();
    strictMocks();
  });
  afterEach(resetMocks);

  function customerExists() {
    ddbMock
      .on(GetCommand, { Key: { pk: `CUSTOMER#${CUSTOMER_ID}`, sk: 'CUSTOMER' } })
      .resolves({ Item: CUSTOMER_ITEM });
  }

  it('creates a draft, its documents and the audit event in one transaction, with one bound upload URL per document', async () => {
    customerExists();
    ddbMock.on(TransactWriteCommand).resolves({});

    const res = await call(handler, { routeKey: ROUTE, body: body() });

    expect(res.statusCode).toBe(201);
    const out = res.body as {
      submissionId: string;
      status: string;
      documents: {
        documentId: string;
        docType: string;
        upload: { method: string; url: string; headers: Record<string, string>; expiresAt: string };
      }[];
    };
    expect(out.status).toBe('DRAFT');
    expect(out.documents).toHaveLength(2);

    const items = transactItems();
    expect(items).toHaveLength(4);
    const sub = items[0]?.Put;
    expect(sub?.TableName).toBe(TABLE);
    expect(sub?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(sub?.Item).toMatchObject({
      pk: `SUBMISSION#${out.submissionId}`,
      sk: 'SUBMISSION',
      status: 'DRAFT',
      attempt: 0,
      createdBy: USERS.clerk.sub,
      customerId: CUSTOMER_ID,
      customerNo: '1000000001',
      businessEvent: 'NEWCONN',
      documentIds: out.documents.map((d) => d.documentId),
      gsi2pk: `CLERK#${USERS.clerk.sub}`,
    });
    // Listed by its clerk only: no entry by customer, which nothing reads.
    expect(sub?.Item?.gsi1pk).toBeUndefined();
    for (const [i, d] of out.documents.entries()) {
      const put = items[i + 1]?.Put;
      expect(put?.ConditionExpression).toBe('attribute_not_exists(pk)');
      expect(put?.Item).toMatchObject({
        pk: `DOCUMENT#${d.documentId}`,
        status: 'PENDING_UPLOAD',
        submissionId: out.submissionId,
        gsi2pk: `CUSTOMER#${CUSTOMER_ID}`,
      });
      // Its intake key follows from its ids (intakeKeyOf); the item does not repeat it.
      expect(put?.Item).not.toHaveProperty('intakeKey');
      // Its submission lists it: a document is in no index by submission.
      expect(put?.Item?.gsi1pk).toBeUndefined();
    }
    expect(items[1]?.Put?.Item).toMatchObject({ docType: 'APPFORM', sha256: sha(0xab), size: 123_456 });
    const audit = items[3]?.Put;
    expect(audit?.TableName).toBe(AUDIT_TABLE);
    expect(audit?.Item).toMatchObject({
      action: 'submission.created',
      actorSub: USERS.clerk.sub,
      targetId: out.submissionId,
    });
  });

  it('signs each URL for its key, content type and checksum, valid for the scheme time', async () => {
    customerExists();
    ddbMock.on(TransactWriteCommand).resolves({});
    const before = Date.now();

    const res = await call(handler, { routeKey: ROUTE, body: body() });

    const out = res.body as {
      submissionId: string;
      documents: {
        documentId: string;
        upload: { method: string; url: string; headers: Record<string, string>; expiresAt: string };
      }[];
    };
    const first = out.documents[0];
    if (!first) throw new Error('no document');
    const { upload } = first;
    expect(upload.method).toBe('PUT');
    const url = new URL(upload.url);
    expect(url.pathname).toBe(`/${INTAKE}/intake/${out.submissionId}/${first.documentId}`);
    const signed = (url.searchParams.get('X-Amz-SignedHeaders') ?? '').split(';');
    // Type, length, checksum and upload id are all signed: S3 refuses any other body.
    expect(signed).toEqual(
      expect.arrayContaining([
        'content-length',
        'content-type',
        'x-amz-checksum-sha256',
        'x-amz-meta-upload-id',
        'host',
      ]),
    );
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    // The checksum must travel as a header (signed), not as a query parameter anyone could drop.
    expect(url.searchParams.has('x-amz-checksum-sha256')).toBe(false);
    expect(upload.headers).toEqual({
      'content-type': 'application/pdf',
      'x-amz-checksum-sha256': Buffer.from(sha(0xab), 'hex').toString('base64'),
      'x-amz-meta-upload-id': expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    // The document remembers which URL is in force.
    const created = transactItems().find((i) => i.Put?.Item?.documentId === first.documentId);
    expect(created?.Put?.Item?.uploadId).toBe(upload.headers['x-amz-meta-upload-id']);
    expect(out.documents[1]?.upload.headers['x-amz-meta-upload-id']).not.toBe(
      upload.headers['x-amz-meta-upload-id'],
    );
    const expires = Date.parse(upload.expiresAt);
    expect(expires).toBeGreaterThanOrEqual(before + 900_000 - 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 900_000 + 1000);
    expect(out.documents[1]?.upload.headers['content-type']).toBe('image/jpeg');
  });

  it('accepts upper-case hex and stores it lower-case', async () => {
    customerExists();
    ddbMock.on(TransactWriteCommand).resolves({});
    const res = await call(handler, {
      routeKey: ROUTE,
      body: body({ documents: [doc({ sha256: 'AB'.repeat(32) })] }),
    });
    expect(res.statusCode).toBe(201);
    expect(transactItems()[1]?.Put?.Item?.sha256).toBe('ab'.repeat(32));
  });

  it.each([
    ['an upper-case extension', doc({ fileName: 'A.PDF' }), 'A.PDF'],
    [
      'a Chinese name ending in .jpeg for a JPEG',
      doc({ docType: 'IDCOPY', fileName: '扫描件.jpeg', contentType: 'image/jpeg' }),
      '扫描件.jpeg',
    ],
    [
      'a name of exactly 255 bytes in UTF-8',
      doc({ fileName: `${'扫'.repeat(83)}ab.pdf` }),
      `${'扫'.repeat(83)}ab.pdf`,
    ],
    ['surrounding spaces, which are dropped', doc({ fileName: '  appform.pdf ' }), 'appform.pdf'],
  ])('accepts %s', async (_name, document, stored) => {
    customerExists();
    ddbMock.on(TransactWriteCommand).resolves({});
    const res = await call(handler, { routeKey: ROUTE, body: body({ documents: [document] }) });
    expect(res.statusCode).toBe(201);
    expect(transactItems()[1]?.Put?.Item?.fileName).toBe(stored);
  });

  describe('rejects bad input without writing anything', () => {
    const cases: [string, unknown, number, RegExp][] = [
      ['a missing customerId', { businessEvent: 'NEWCONN', documents: [doc()] }, 400, /customerId/],
      ['an unknown top-level field', body({ priority: 'high' }), 400, /priority|unrecognized/i],
      [
        'an unknown document field',
        body({ documents: [doc({ colour: 'red' })] }),
        400,
        /documents\.0.*colour|colour/,
      ],
      [
        'a missing document title',
        body({ documents: [doc({ title: undefined })] }),
        400,
        /documents\.0\.title/,
      ],
      ['no documents', body({ documents: [] }), 400, /documents/],
      [
        'more documents than the scheme allows',
        body({ documents: Array.from({ length: 41 }, () => doc()) }),
        400,
        /documents/,
      ],
      [
        'a business event not in the scheme',
        body({ businessEvent: 'DEMOLISH' }),
        400,
        /businessEvent: unknown business event DEMOLISH/,
      ],
      [
        'a document type not in the scheme',
        body({ documents: [doc({ docType: 'PASSPORT' })] }),
        400,
        /documents\.0\.docType: unknown document type PASSPORT/,
      ],
      [
        'a document type not filed under the event',
        body({ documents: [doc({ docType: 'METERWO' })] }),
        400,
        /documents\.0\.docType: METERWO is not filed under NEWCONN/,
      ],
      [
        'a content type off the list',
        body({ documents: [doc({ contentType: 'application/zip' })] }),
        400,
        /documents\.0\.contentType: content type application\/zip is not accepted/,
      ],
      ['size 0', body({ documents: [doc({ size: 0 })] }), 400, /documents\.0\.size/],
      ['a fractional size', body({ documents: [doc({ size: 1.5 })] }), 400, /documents\.0\.size/],
      [
        'a size above the limit',
        body({ documents: [doc(), doc({ size: 52_428_801 })] }),
        413,
        /documents\.1\.size: 52428801 bytes exceeds the limit of 52428800/,
      ],
      [
        'a sha256 of 63 characters',
        body({ documents: [doc({ sha256: 'a'.repeat(63) })] }),
        400,
        /documents\.0\.sha256: sha256 must be 64 hex/,
      ],
      [
        'a sha256 with non-hex characters',
        body({ documents: [doc({ sha256: 'g'.repeat(64) })] }),
        400,
        /documents\.0\.sha256/,
      ],
      // Titles and file names are data: a control or bidirectional character is refused, never cleaned up.
      ...BAD_CHARACTERS.flatMap(([what, c, code]): [string, unknown, number, RegExp][] => [
        [
          `${what} in a title`,
          body({ documents: [doc(), doc({ title: `Applica${c}tion` })] }),
          400,
          new RegExp(`documents\\.1\\.title: title contains U\\+${code} .* at character 8`),
        ],
        [
          `${what} in a file name`,
          body({ documents: [doc({ fileName: `scan${c}.pdf` })] }),
          400,
          new RegExp(`documents\\.0\\.fileName: fileName contains U\\+${code} .* at character 5`),
        ],
        [
          `${what} at the end of a title (not trimmed away)`,
          body({ documents: [doc({ title: `Application${c}` })] }),
          400,
          new RegExp(`documents\\.0\\.title: title contains U\\+${code}`),
        ],
      ]),
      [
        'a title of 201 characters',
        body({ documents: [doc({ title: '申'.repeat(201) })] }),
        400,
        /documents\.0\.title: title has 201 characters; at most 200 are allowed/,
      ],
      [
        'a file name of 84 Chinese characters and .pdf: 88 characters but 256 bytes in UTF-8',
        body({ documents: [doc({ fileName: `${'扫'.repeat(84)}.pdf` })] }),
        400,
        /documents\.0\.fileName: fileName is 256 bytes in UTF-8; at most 255 are allowed/,
      ],
      [
        'a file name of 256 characters',
        body({ documents: [doc({ fileName: `${'a'.repeat(252)}.pdf` })] }),
        400,
        /documents\.0\.fileName: fileName has 256 characters; at most 255 are allowed/,
      ],
      [
        'a file name with a folder',
        body({ documents: [doc({ fileName: '../appform.pdf' })] }),
        400,
        /documents\.0\.fileName: fileName "\.\.\/appform\.pdf" contains "\/"; give the file's own name, without a folder/,
      ],
      [
        'a file name with a backslash',
        body({ documents: [doc({ fileName: 'C:\\scans\\appform.pdf' })] }),
        400,
        /documents\.0\.fileName: fileName "C:\\scans\\appform\.pdf" contains "\\"/,
      ],
      [
        'the file name ..',
        body({ documents: [doc({ fileName: '..' })] }),
        400,
        /documents\.0\.fileName: .*starts with a dot/,
      ],
      [
        'a file name that is only an extension',
        body({ documents: [doc({ fileName: '.pdf' })] }),
        400,
        /documents\.0\.fileName: fileName "\.pdf" starts with a dot/,
      ],
      [
        'an HTML file name for a PDF',
        body({ documents: [doc({ fileName: 'a.html' })] }),
        400,
        /documents\.0\.fileName: fileName "a\.html" does not agree with contentType application\/pdf; expected \.pdf/,
      ],
      [
        'a file name without an extension',
        body({ documents: [doc(), doc({ docType: 'IDCOPY', fileName: 'id', contentType: 'image/jpeg' })] }),
        400,
        /documents\.1\.fileName: fileName "id" does not agree with contentType image\/jpeg; expected \.jpg or \.jpeg/,
      ],
    ];

    it.each(cases)('%s', async (_name, input, status, message) => {
      const res = await call(handler, { routeKey: ROUTE, body: input });
      expect(res.statusCode).toBe(status);
      expect(errorOf(res.body).message).toMatch(message);
      expect(writesAttempted()).toBe(0);
      expect(ddbMock.commandCalls(GetCommand)).toHaveLength(0);
    });

    it('malformed JSON', async () => {
      const res = await call(handler, { routeKey: ROUTE, rawBody: '{"customerId": "x",' });
      expect(res.statusCode).toBe(400);
      expect(errorOf(res.body).message).toMatch(/not valid JSON/);
      expect(writesAttempted()).toBe(0);
    });

    it('a customer that does not exist (404)', async () => {
      ddbMock.on(GetCommand).resolves({});
      const res = await call(handler, { routeKey: ROUTE, body: body() });
      expect(res.statusCode).toBe(404);
      expect(errorOf(res.body).message).toBe(`customer ${CUSTOMER_ID} does not exist`);
      expect(writesAttempted()).toBe(0);
    });

    it.each([
      ['reviewer', USERS.reviewer],
      ['archivist', USERS.archivist],
      ['auditor', USERS.auditor],
    ])('a %s (403: only clerks create submissions)', async (_name, user) => {
      const res = await call(handler, { routeKey: ROUTE, body: body(), user });
      expect(res.statusCode).toBe(403);
      expect(errorOf(res.body).message).toMatch(/may not call POST \/submissions/);
      expect(besidesRefusalAudit(ddbMock.calls())).toHaveLength(0);
    });

    it('no token (401)', async () => {
      const res = await call(handler, { routeKey: ROUTE, body: body(), user: null });
      expect(res.statusCode).toBe(401);
      expect(besidesRefusalAudit(ddbMock.calls())).toHaveLength(0);
    });
  });
});
