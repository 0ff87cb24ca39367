import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler as content } from '../../functions/api/documents-content.ts';
import { handler as getDoc } from '../../functions/api/documents-get.ts';
import { handler as search } from '../../functions/api/documents-search.ts';
import { canReadContent } from '../../functions/core/documents.ts';
import type { Actor } from '../../functions/core/roles.ts';
import { besidesRefusalAudit, USERS } from '../support/api-event.ts';
import {
  ARCHIVE,
  AUDIT_TABLE,
  CUSTOMER_ID,
  call,
  DOC_IDS,
  ddbMock,
  document,
  documentRow,
  errorOf,
  resetMocks,
  setEnv,
  strictMocks,
  writesAttempted,
} from './intake-fixtures.ts';
import { entries, serveItems } from './keys-only-index.ts';

const CODE = 'Z001-KH·2026-D30-YK-0007';
const archived = (i = 0) =>
  document(i, {
    status: 'ARCHIVED',
    archiveCode: CODE,
    archivedAt: '2026-05-10T10:00:00.000Z',
    retentionCode: 'D30',
    retentionTrigger: 'ACCOUNT_CLOSED',
    retainUntil: '2056-05-10T10:00:00.000Z',
    legalHold: false,
    archiveVersionId: 'v-locked',
  });

beforeEach(() => {
  setEnv();
  strictMocks();
});
afterEach(resetMocks);

describe('canReadContent', () => {
  const actor = (...roles: Actor['roles']): Actor => ({ sub: 'u1', username: 'u1', roles });
  const loan = {
    loanId: 'l1',
    borrowerSub: 'u1',
    documentIds: [DOC_IDS[0]],
    status: 'ACTIVE',
    dueAt: '2026-06-01T00:00:00.000Z',
  };
  const now = new Date('2026-05-20T00:00:00.000Z');
  const doc = { documentId: DOC_IDS[0] };

  it('lets archivists read content', () => {
    expect(canReadContent(actor('archivist'), doc)).toBe(true);
  });

  it('lets a borrower read only the documents of their active, unexpired loan', () => {
    expect(canReadContent(actor('staff'), doc, loan, now)).toBe(true);
    expect(canReadContent(actor('staff'), doc)).toBe(false);
    expect(canReadContent(actor('staff'), { documentId: DOC_IDS[1] }, loan, now)).toBe(false);
    expect(canReadContent(actor('staff'), doc, { ...loan, borrowerSub: 'someone-else' }, now)).toBe(false);
    expect(canReadContent(actor('staff'), doc, { ...loan, status: 'RETURNED' }, now)).toBe(false);
    expect(canReadContent(actor('staff'), doc, loan, new Date('2026-06-02T00:00:00.000Z'))).toBe(false);
  });

  it('never lets the system administrator read content', () => {
    expect(canReadContent(actor('sysadmin', 'archivist'), doc)).toBe(false);
  });
});

describe('GET /documents', () => {
  const find = (query: Record<string, string>, user: (typeof USERS)[keyof typeof USERS] = USERS.archivist) =>
    call(search, { routeKey: 'GET /documents', query, user });

  it('finds a document by archive code through the code item', async () => {
    ddbMock.on(GetCommand, { Key: { pk: `ARCHIVECODE#${CODE}`, sk: 'ARCHIVECODE' } }).resolves({
      Item: { documentId: DOC_IDS[0], archiveCode: CODE },
    });
    ddbMock
      .on(GetCommand, { Key: { pk: `DOCUMENT#${DOC_IDS[0]}`, sk: 'DOCUMENT' } })
      .resolves({ Item: documentRow(archived()) });

    const res = await find({ archiveCode: CODE });

    expect(res.statusCode).toBe(200);
    const items = res.body.items as Record<string, unknown>[];
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      documentId: DOC_IDS[0],
      archiveCode: CODE,
      status: 'ARCHIVED',
      retainUntil: '2056-05-10T10:00:00.000Z',
    });
    expect(items[0]).not.toHaveProperty('archiveKey');
    expect(items[0]).not.toHaveProperty('archiveVersionId');
    expect(items[0]).not.toHaveProperty('intakeKey');
  });

  it('applies the other filters to the code lookup', async () => {
    ddbMock
      .on(GetCommand, { Key: { pk: `ARCHIVECODE#${CODE}`, sk: 'ARCHIVECODE' } })
      .resolves({ Item: { documentId: DOC_IDS[0] } });
    ddbMock
      .on(GetCommand, { Key: { pk: `DOCUMENT#${DOC_IDS[0]}`, sk: 'DOCUMENT' } })
      .resolves({ Item: documentRow(archived()) });
    const res = await find({ archiveCode: CODE, docType: 'CONTRACT' });
    expect(res.body.items).toEqual([]);
  });

  it('answers an unknown code with no items', async () => {
    ddbMock.on(GetCommand).resolves({});
    const res = await find({ archiveCode: 'Z001-KH·2026-D30-YK-9999' });
    expect(res.statusCode).toBe(200);
    expect(res.body.items).toEqual([]);
  });

  it('lists a customer’s documents newest first through gsi2 with filters, and pages with a token', async () => {
    const other = { ...archived(1), documentId: 'doc-other', docType: 'IDCOPY' };
    const third = { ...archived(0), documentId: 'doc-third' };
    const lastKey = {
      pk: 'DOCUMENT#x',
      sk: 'DOCUMENT',
      gsi2pk: `CUSTOMER#${CUSTOMER_ID}`,
      gsi2sk: 'DOCUMENT#t#x',
    };
    ddbMock
      .on(QueryCommand)
      .resolvesOnce({
        Items: entries('gsi2', [documentRow(other), documentRow(archived(0))]),
        LastEvaluatedKey: { ...lastKey, gsi2sk: 'DOCUMENT#t#w' },
      })
      .resolvesOnce({ Items: entries('gsi2', [documentRow(third)]), LastEvaluatedKey: lastKey });
    serveItems(ddbMock, [documentRow(other), documentRow(archived(0)), documentRow(third)]);

    const res = await find({ customerId: CUSTOMER_ID, docType: 'APPFORM', status: 'ARCHIVED', limit: '2' });

    expect(res.statusCode).toBe(200);
    const q = ddbMock.commandCalls(QueryCommand)[0]?.args[0].input;
    // gsi2 holds keys only: the filters are applied to the items read from the table.
    expect(q).toMatchObject({
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :pk AND begins_with(gsi2sk, :doc)',
      ExpressionAttributeValues: { ':pk': `CUSTOMER#${CUSTOMER_ID}`, ':doc': 'DOCUMENT#' },
      ScanIndexForward: false,
      Limit: 2,
    });
    expect(q?.FilterExpression).toBeUndefined();
    // The first page's entry of another type is left out; the second page fills the list.
    expect(ddbMock.commandCalls(QueryCommand)[1]?.args[0].input.Limit).toBe(1);
    expect((res.body.items as Record<string, unknown>[]).map((i) => i.documentId)).toEqual([
      archived(0).documentId,
      'doc-third',
    ]);
    const token = res.body.nextToken as string;
    expect(typeof token).toBe('string');

    ddbMock.on(QueryCommand).resolves({ Items: [] });
    await find({ customerId: CUSTOMER_ID, docType: 'APPFORM', status: 'ARCHIVED', nextToken: token });
    expect(ddbMock.commandCalls(QueryCommand)[2]?.args[0].input.ExclusiveStartKey).toMatchObject({
      gsi2sk: 'DOCUMENT#t#x',
    });
    // The token belongs to its filters: with others it is refused before anything is read.
    const otherFilters = await find({ customerId: CUSTOMER_ID, nextToken: token });
    expect(otherFilters.statusCode).toBe(400);
    expect(JSON.stringify(otherFilters.body)).toContain('nextToken is not valid for this query');
    expect(ddbMock.commandCalls(QueryCommand)).toHaveLength(3);
  });

  it('masks titles of sensitive documents for roles that may not see them unmasked', async () => {
    ddbMock.on(QueryCommand).resolves({ Items: entries('gsi2', [documentRow(document(1))]) });
    serveItems(ddbMock, [documentRow(document(1))]);
    const res = await find({ customerId: CUSTOMER_ID }, USERS.staff);
    expect((res.body.items as Record<string, unknown>[])[0]).toMatchObject({
      docType: 'IDCOPY',
      title: 'D***',
      masked: true,
    });
  });

  it.each([
    ['neither customerId, archiveCode nor year', {}, /customerId: give customerId, archiveCode or year/],
    ['a class code without a year', { classCode: 'YK' }, /classCode: classCode narrows a listing by year/],
    ['an unknown status', { customerId: CUSTOMER_ID, status: 'LOST' }, /status/],
    ['an unknown parameter', { customerId: CUSTOMER_ID, owner: 'me' }, /owner|unrecognized/i],
    ['a limit above 500', { customerId: CUSTOMER_ID, limit: '501' }, /limit/],
  ])('400 for %s, without reading', async (_name, query, message) => {
    const res = await find(query as Record<string, string>);
    expect(res.statusCode).toBe(400);
    expect(errorOf(res.body).message).toMatch(message);
    expect(besidesRefusalAudit(ddbMock.calls())).toHaveLength(0);
  });

  it('400 for a next token it did not issue', async () => {
    const res = await find({ customerId: CUSTOMER_ID, nextToken: 'not-a-token' });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res.body).message).toMatch(/nextToken/);
  });

  it('403 for the system administrator', async () => {
    const res = await find({ customerId: CUSTOMER_ID }, USERS.sysadmin);
    expect(res.statusCode).toBe(403);
    expect(besidesRefusalAudit(ddbMock.calls())).toHaveLength(0);
  });
});

describe('clear reads of sensitive names', () => {
  const auditEvents = () =>
    ddbMock
      .commandCalls(PutCommand)
      .map((c) => c.args[0].input)
      .filter((i) => i.TableName === AUDIT_TABLE)
      .map((i) => i.Item as Record<string, unknown>);

  it('audits an archivist reading a sensitive document’s title in clear, and not its own clerk', async () => {
    ddbMock.on(PutCommand, { TableName: AUDIT_TABLE }).resolves({});
    ddbMock.on(GetCommand).resolves({ Item: documentRow(document(1)) });
    const read = (user: (typeof USERS)[keyof typeof USERS]) =>
      call(getDoc, {
        routeKey: 'GET /documents/{documentId}',
        pathParameters: { documentId: document(1).documentId },
        user,
      });
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    const res = await read(USERS.archivist);
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatchObject({ docType: 'IDCOPY', masked: false });
    expect(auditEvents()).toEqual([
      expect.objectContaining({
        action: 'document.read-unmasked',
        targetType: 'document',
        targetId: document(1).documentId,
        actorSub: USERS.archivist.sub,
        details: expect.objectContaining({ fields: ['title', 'fileName'] }),
      }),
    ]);
    const own = await read(USERS.clerk);
    expect(own.statusCode).toBe(200);
    expect(auditEvents()).toHaveLength(1);
  });

  it('audits a list that shows sensitive names in clear, once, naming the documents', async () => {
    ddbMock.on(PutCommand, { TableName: AUDIT_TABLE }).resolves({});
    ddbMock
      .on(QueryCommand)
      .resolves({ Items: entries('gsi2', [documentRow(document(1)), documentRow(archived())]) });
    serveItems(ddbMock, [documentRow(document(1)), documentRow(archived())]);
    const res = await call(search, {
      routeKey: 'GET /documents',
      query: { customerId: CUSTOMER_ID },
      user: USERS.archivist,
    });
    expect(res.statusCode).toBe(200);
    expect(auditEvents()).toEqual([
      expect.objectContaining({
        action: 'documents.listed-unmasked',
        targetType: 'customer',
        targetId: CUSTOMER_ID,
        details: expect.objectContaining({ documentIds: [document(1).documentId] }),
      }),
    ]);
  });
});

describe('GET /documents/{documentId}', () => {
  it('returns metadata without storage locations', async () => {
    ddbMock.on(GetCommand).resolves({ Item: documentRow(archived()) });
    const res = await call(getDoc, {
      routeKey: 'GET /documents/{documentId}',
      pathParameters: { documentId: DOC_IDS[0] },
      user: USERS.reviewer,
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatchObject({
      documentId: DOC_IDS[0],
      archiveCode: CODE,
      docTypeName: { en: 'Application for supply' },
    });
    expect(JSON.stringify(res.body)).not.toMatch(/originals\/|intake\/|v-locked/);
    // Holds are for archivists: no query of them for anyone else.
    expect(res.body).not.toHaveProperty('holds');
    expect(ddbMock.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it('shows archivists the holds of the document, newest first, without account ids', async () => {
    ddbMock.on(GetCommand).resolves({ Item: documentRow(archived()) });
    const hold = (holdId: string, placedAt: string, extra: Record<string, unknown> = {}) => ({
      pk: `DOCUMENT#${DOC_IDS[0]}`,
      sk: `HOLD#${holdId}`,
      entity: 'hold',
      holdId,
      documentId: DOC_IDS[0],
      reason: `reason ${holdId}`,
      status: 'ACTIVE',
      placedBy: 'archivist1',
      placedBySub: USERS.archivist.sub,
      placedAt,
      ...extra,
    });
    ddbMock
      .on(QueryCommand, {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': `DOCUMENT#${DOC_IDS[0]}`, ':prefix': 'HOLD#' },
      })
      .resolves({
        Items: [
          hold('h-old', '2026-05-11T09:00:00.000Z', {
            status: 'RELEASED',
            releasedBy: 'archivist1',
            releasedBySub: USERS.archivist.sub,
            releasedAt: '2026-05-12T09:00:00.000Z',
          }),
          hold('h-new', '2026-05-13T09:00:00.000Z'),
        ],
      });

    const res = await call(getDoc, {
      routeKey: 'GET /documents/{documentId}',
      pathParameters: { documentId: DOC_IDS[0] },
      user: USERS.archivist,
    });

    expect(res.statusCode).toBe(200);
    expect(res.body.holds).toEqual([
      {
        holdId: 'h-new',
        documentId: DOC_IDS[0],
        reason: 'reason h-new',
        status: 'ACTIVE',
        placedBy: 'archivist1',
        placedAt: '2026-05-13T09:00:00.000Z',
      },
      {
        holdId: 'h-old',
        documentId: DOC_IDS[0],
        reason: 'reason h-old',
        status: 'RELEASED',
        placedBy: 'archivist1',
        placedAt: '2026-05-11T09:00:00.000Z',
        releasedBy: 'archivist1',
        releasedAt: '2026-05-12T09:00:00.000Z',
      },
    ]);
    expect(JSON.stringify(res.body)).not.toContain(USERS.archivist.sub);
  });

  it('404 for an unknown document', async () => {
    ddbMock.on(GetCommand).resolves({});
    const res = await call(getDoc, {
      routeKey: 'GET /documents/{documentId}',
      pathParameters: { documentId: 'nope' },
      user: USERS.reviewer,
    });
    expect(res.statusCode).toBe(404);
    expect(errorOf(res.body).message).toBe('document nope does not exist');
  });
});

describe('GET /documents/{documentId}/content', () => {
  const read = (user: (typeof USERS)[keyof typeof USERS], documentId: string = DOC_IDS[0]) =>
    call(content, { routeKey: 'GET /documents/{documentId}/content', pathParameters: { documentId }, user });

  it('gives an archivist a short-lived URL of the locked version, and audits it first', async () => {
    ddbMock.on(GetCommand).resolves({ Item: documentRow(archived()) });
    ddbMock.on(PutCommand).resolves({});
    const before = Date.now();

    const res = await read(USERS.archivist);

    expect(res.statusCode).toBe(200);
    const url = new URL(res.body.url as string);
    expect(url.pathname).toBe(`/${ARCHIVE}/originals/${DOC_IDS[0]}`);
    expect(url.searchParams.get('versionId')).toBe('v-locked');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('300');
    // Served as what its bytes are, under its archive code, whatever name the clerk gave it.
    expect(url.searchParams.get('response-content-type')).toBe('application/pdf');
    const disposition = url.searchParams.get('response-content-disposition') ?? '';
    expect(disposition).toMatch(/^inline; filename="[^"]+\.pdf"; filename\*=UTF-8''/);
    expect(disposition).toContain(encodeURIComponent(CODE));
    expect(res.body.contentType).toBe('application/pdf');
    expect(Date.parse(res.body.expiresAt as string)).toBeGreaterThanOrEqual(before + 300_000 - 1000);
    const audit = ddbMock.commandCalls(PutCommand)[0]?.args[0].input;
    expect(audit?.TableName).toBe(AUDIT_TABLE);
    expect(audit?.Item).toMatchObject({
      action: 'document.content-url',
      actorSub: USERS.archivist.sub,
      actorName: 'archivist1',
      targetId: DOC_IDS[0],
      details: { archiveCode: CODE },
    });
  });

  it('gives no URL when the audit event cannot be written', async () => {
    ddbMock.on(GetCommand).resolves({ Item: documentRow(archived()) });
    ddbMock.on(PutCommand).rejects(new Error('audit table unavailable'));
    const res = await read(USERS.archivist);
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toHaveProperty('url');
  });

  it.each([
    ['reviewer', USERS.reviewer],
    ['clerk', USERS.clerk],
    ['auditor', USERS.auditor],
    ['sysadmin', USERS.sysadmin],
  ])('403 for a %s without a loan', async (_name, user) => {
    ddbMock.on(GetCommand).resolves({ Item: documentRow(archived()) });
    // The caller's grants for the document: none.
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    const res = await read(user);
    expect(res.statusCode).toBe(403);
    // The route itself refuses the auditor and the system administrator (三员分立).
    expect(errorOf(res.body).message).toMatch(/may not read the content|may not call/);
    expect(writesAttempted()).toBe(0);
  });

  it('409 for a document not archived yet', async () => {
    ddbMock.on(GetCommand).resolves({ Item: documentRow(document(0)) });
    const res = await read(USERS.archivist);
    expect(res.statusCode).toBe(409);
    expect(errorOf(res.body).message).toMatch(/is UPLOADED; only archived documents can be read/);
    expect(writesAttempted()).toBe(0);
  });

  it('404 for an unknown document', async () => {
    ddbMock.on(GetCommand).resolves({});
    const res = await read(USERS.archivist, 'nope');
    expect(res.statusCode).toBe(404);
  });
});
