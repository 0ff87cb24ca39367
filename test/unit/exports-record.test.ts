import { BatchGetCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { auditItem } from '../../functions/adapters/audit.ts';
import { handler } from '../../functions/api/documents-history.ts';
import type { DocumentRecord } from '../../functions/core/documents.ts';
import { exportEventDetails, MAX_EXPORT_PART_DOCUMENTS } from '../../functions/core/exports.ts';
import { besidesRefusalAudit, USERS } from '../support/api-event.ts';
import { call, errorOf } from './customers-fixtures.ts';
import { archived, docRow, setEnv } from './disposal-fixtures.ts';
import { CUSTOMER_ID, CUSTOMER_ITEM, ddbMock, resetMocks, sha } from './intake-fixtures.ts';

const ROUTE = 'POST /exports';
const DOCS = [archived(0), archived(1)];

const part = (overrides: Record<string, unknown> = {}) => ({
  exportId: 'e2b4c6d8-0000-4000-8000-000000000001',
  bag: 'dangan-export_1000000001',
  customerId: CUSTOMER_ID,
  part: 1,
  selection: { customers: ['1000000001'], year: 2026 },
  documents: DOCS.map((d) => ({ documentId: d.documentId, archiveCode: d.archiveCode, sha256: d.sha256 })),
  ...overrides,
});

const post = (body: unknown, user: (typeof USERS)[keyof typeof USERS] = USERS.archivist) =>
  call(handler, { routeKey: ROUTE, body, user });

function stored(docs: readonly DocumentRecord[] = DOCS) {
  ddbMock.on(GetCommand).resolves({ Item: CUSTOMER_ITEM });
  ddbMock.on(BatchGetCommand).callsFake((input: { RequestItems: Record<string, { Keys: unknown[] }> }) => {
    const [table] = Object.keys(input.RequestItems);
    return { Responses: { [table as string]: docs.map((d) => docRow(d as never)) } };
  });
  ddbMock.on(PutCommand).resolves({});
}

const writes = () => besidesRefusalAudit(ddbMock.commandCalls(PutCommand));

beforeEach(() => {
  resetMocks();
  setEnv();
  ddbMock.onAnyCommand().rejects(new Error('unexpected call'));
});

describe('POST /exports', () => {
  it("appends export.created under the customer with the part's documents, their checksums and bytes", async () => {
    stored();
    const res = await post(part());
    expect(res.statusCode).toBe(201);
    expect(res.body).toMatchObject({ part: 1, documentCount: 2, bytes: 1000 + 1001 });
    const [put] = writes();
    const item = put?.args[0].input.Item as Record<string, unknown>;
    expect(item).toMatchObject({
      action: 'export.created',
      actorName: 'archivist1',
      targetType: 'customer',
      targetId: CUSTOMER_ID,
      details: {
        exportId: part().exportId,
        bag: 'dangan-export_1000000001',
        customerNo: '1000000001',
        selection: { customers: ['1000000001'], year: 2026 },
        documents: part().documents,
      },
    });
  });

  it('records a part naming no documents (a customer whose profile alone was exported)', async () => {
    stored([]);
    const res = await post(part({ documents: [] }));
    expect(res.statusCode).toBe(201);
    expect(ddbMock.commandCalls(BatchGetCommand)).toHaveLength(0);
    expect(writes()).toHaveLength(1);
  });

  it('is for archivists only', async () => {
    stored();
    for (const user of [USERS.clerk, USERS.auditor, USERS.approver, USERS.secadmin]) {
      expect((await post(part(), user)).statusCode).toBe(403);
    }
    expect(writes()).toHaveLength(0);
  });

  it.each([
    ['no body', undefined, '(body)'],
    ['an unknown field', part({ extra: 1 }), 'extra'],
    [
      'a bad checksum',
      part({ documents: [{ ...part().documents[0], sha256: 'ABC' }] }),
      'documents.0.sha256',
    ],
    ['a document twice', part({ documents: [part().documents[0], part().documents[0]] }), 'documents'],
    ['a bag name with a slash', part({ bag: '../x' }), 'bag'],
    ['part 0', part({ part: 0 }), 'part'],
    ['no customer in the selection', part({ selection: { customers: [] } }), 'selection.customers'],
    [
      'too many documents',
      part({
        documents: Array.from({ length: MAX_EXPORT_PART_DOCUMENTS + 1 }, (_, i) => ({
          documentId: `d${i}`,
          archiveCode: 'X',
          sha256: sha(1),
        })),
      }),
      'documents',
    ],
  ])('refuses %s with a 400 naming the field, writing nothing', async (_label, body, field) => {
    stored();
    const res = await post(body);
    expect(res.statusCode).toBe(400);
    const error = errorOf(res.body);
    if (field !== '(body)') expect(error.message).toContain(field);
    expect(writes()).toHaveLength(0);
  });

  it("answers a document that is not the customer's, or unknown, as unknown (404)", async () => {
    stored([DOCS[0] as DocumentRecord, archived(1, { customerId: 'someone-else' })]);
    const res = await post(part());
    expect(res.statusCode).toBe(404);
    expect(errorOf(res.body).message).toContain((DOCS[1] as DocumentRecord).documentId);
    expect(writes()).toHaveLength(0);
  });

  it('refuses a checksum or archive code that is not the recorded one, and a document not archived (409)', async () => {
    stored();
    const wrongSha = part({ documents: [{ ...part().documents[0], sha256: sha(9) }] });
    const r1 = await post(wrongSha);
    expect(r1.statusCode).toBe(409);
    expect(errorOf(r1.body).message).toContain('not the one recorded at intake');
    const wrongCode = part({
      documents: [{ ...part().documents[0], archiveCode: 'Z001-KH·2026-D10-YK-0099' }],
    });
    expect((await post(wrongCode)).statusCode).toBe(409);
    stored([archived(0, { status: 'DISPOSED' }), DOCS[1] as DocumentRecord]);
    expect((await post(part())).statusCode).toBe(409);
    expect(writes()).toHaveLength(0);
  });

  it('an unknown customer is a 404', async () => {
    stored();
    ddbMock.on(GetCommand).resolves({});
    expect((await post(part())).statusCode).toBe(404);
    expect(writes()).toHaveLength(0);
  });

  it("keeps the largest part's audit item well inside DynamoDB's 400 KB", () => {
    const docs = Array.from({ length: MAX_EXPORT_PART_DOCUMENTS }, (_, i) =>
      archived(0, {
        documentId: `a1000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        archiveCode: `Z001-KH·2026-D30-YK-${String(i).padStart(8, '0')}`,
      }),
    );
    const input = part({
      bag: `x${'y'.repeat(199)}`,
      selection: { customers: Array.from({ length: 1000 }, (_, i) => `C${String(i).padStart(31, '0')}`) },
      documents: docs.map((d) => ({
        documentId: d.documentId,
        archiveCode: d.archiveCode,
        sha256: d.sha256,
      })),
    });
    const details = exportEventDetails(input as never, '1000000001', docs, 'req-1');
    const item = auditItem({
      action: 'export.created',
      actor: { sub: 'x'.repeat(64), username: 'archivist1', roles: ['archivist'] },
      targetType: 'customer',
      targetId: CUSTOMER_ID,
      details,
    });
    const bytes = Buffer.byteLength(JSON.stringify(item));
    expect(bytes).toBeLessThan(200 * 1024);
  });
});
