import { GetCommand, QueryCommand, ScanCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ddb, dynamodb } from '../../functions/adapters/clients.ts';
import { encodePageToken } from '../../functions/adapters/dynamo/page-token.ts';
import { handler } from '../../functions/api/customers-search.ts';
import { useAccountSource } from '../../functions/http/account-state.ts';
import { USERS } from '../support/api-event.ts';
import {
  CUSTOMER_ID,
  call,
  errorOf,
  ID_NUMBER,
  itemOf,
  OTHER_ID,
  STORED,
  setEnv,
  TABLE,
} from './customers-fixtures.ts';
import { entries, serveItems } from './keys-only-index.ts';

const ddbMock = mockClient(ddb);
const lowMock = mockClient(dynamodb);
const ROUTE = 'GET /customers';

const SECOND = { ...STORED, customerId: OTHER_ID, customerNo: '1000000002', name: '张三丰' };

beforeEach(() => {
  setEnv();
  ddbMock.onAnyCommand().rejects(new Error('unexpected call'));
  lowMock.onAnyCommand().rejects(new Error('unexpected call'));
});

afterEach(() => {
  useAccountSource(async () => undefined);
  expect(ddbMock.commandCalls(ScanCommand)).toHaveLength(0);
  expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
  ddbMock.reset();
  lowMock.reset();
});

const search = (query: Record<string, string>, user: (typeof USERS)[keyof typeof USERS] = USERS.clerk) =>
  call(handler, { routeKey: ROUTE, query, user });

/** The uniqueness item of `customerNo` names CUSTOMER_ID, whose item is `customer`. */
const numberHeldBy = (customerNo: string, customer: typeof STORED) =>
  ddbMock
    .on(GetCommand, { Key: { pk: `CUSTOMERNO#${customerNo}`, sk: 'CUSTOMERNO' } })
    .resolves({ Item: { customerId: CUSTOMER_ID } })
    .on(GetCommand, { Key: { pk: `CUSTOMER#${CUSTOMER_ID}`, sk: 'CUSTOMER' } })
    .resolves({ Item: itemOf(customer) });

describe('GET /customers by customer number', () => {
  it('finds the customer through the uniqueness item, masked', async () => {
    ddbMock
      .on(GetCommand, { Key: { pk: 'CUSTOMERNO#1000000001', sk: 'CUSTOMERNO' } })
      .resolves({ Item: { pk: 'CUSTOMERNO#1000000001', sk: 'CUSTOMERNO', customerId: CUSTOMER_ID } })
      .on(GetCommand, { Key: { pk: `CUSTOMER#${CUSTOMER_ID}`, sk: 'CUSTOMER' } })
      .resolves({ Item: itemOf(STORED) });

    const res = await search({ q: ' 1000000001 ', region: 'HZ01' });

    expect(res.statusCode).toBe(200);
    expect(res.body.matchedBy).toBe('customerNo');
    const items = res.body.items as Record<string, unknown>[];
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ customerId: CUSTOMER_ID, idNumber: '110***********1233' });
    expect(items[0]).not.toHaveProperty('pk');
    expect(ddbMock.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it('masks listings even for a role that may read in clear (listings are not audited)', async () => {
    numberHeldBy('AB-0001', STORED);
    const res = await search({ q: 'ab-0001', region: 'HZ01' }, USERS.archivist);
    expect(res.statusCode).toBe(200);
    expect(JSON.stringify(res.body)).not.toContain(ID_NUMBER);
  });

  it('finds a number without digits, then the names it begins, the number first', async () => {
    const LETTERS = { ...STORED, customerNo: 'KHABCD' };
    const NAMED = { ...SECOND, name: 'khabcd trading' };
    numberHeldBy('KHABCD', LETTERS)
      .on(QueryCommand)
      .resolves({ Items: entries('gsi1', [itemOf(NAMED)]) });
    serveItems(ddbMock, [itemOf(LETTERS), itemOf(NAMED)]);

    const res = await search({ q: 'khabcd', region: 'HZ01', limit: '5' });

    expect(res.statusCode).toBe(200);
    expect(res.body.matchedBy).toBe('customerNo');
    expect((res.body.items as Record<string, unknown>[]).map((i) => i.customerId)).toEqual([
      CUSTOMER_ID,
      OTHER_ID,
    ]);
    // The number's customer takes one place of the page of five.
    expect(ddbMock.commandCalls(QueryCommand)[0]?.args[0].input.Limit).toBe(4);

    const one = await search({ q: 'KHABCD', region: 'HZ01', limit: '1' });
    expect((one.body.items as Record<string, unknown>[]).map((i) => i.customerId)).toEqual([CUSTOMER_ID]);
  });

  it("leaves the number's customer out of later pages, where its name comes up again", async () => {
    const LETTERS = { ...STORED, customerNo: 'KHABCD', name: 'khabcd 甲' };
    const NAMED = { ...SECOND, name: 'khabcd trading' };
    const lastKey = {
      pk: `CUSTOMER#${OTHER_ID}`,
      sk: 'CUSTOMER',
      gsi1pk: 'CUSTOMERS#HZ01',
      gsi1sk: `khabcd trading#${OTHER_ID}`,
    };
    numberHeldBy('KHABCD', LETTERS)
      .on(QueryCommand)
      .resolvesOnce({ Items: entries('gsi1', [itemOf(NAMED)]), LastEvaluatedKey: lastKey })
      .resolvesOnce({ Items: entries('gsi1', [itemOf(LETTERS)]) });
    serveItems(ddbMock, [itemOf(LETTERS), itemOf(NAMED)]);

    const first = await search({ q: 'khabcd', region: 'HZ01', limit: '2' });
    expect((first.body.items as Record<string, unknown>[]).map((i) => i.customerId)).toEqual([
      CUSTOMER_ID,
      OTHER_ID,
    ]);
    const second = await search({
      q: 'khabcd',
      region: 'HZ01',
      limit: '2',
      cursor: first.body.nextCursor as string,
    });
    expect(second.statusCode).toBe(200);
    expect(second.body).toMatchObject({ items: [], matchedBy: 'name' });
    expect(ddbMock.commandCalls(QueryCommand)[1]?.args[0].input.Limit).toBe(2);
  });

  it('falls back to a name search when no customer holds the number', async () => {
    ddbMock
      .on(GetCommand, { Key: { pk: 'CUSTOMERNO#2024', sk: 'CUSTOMERNO' } })
      .resolves({})
      .on(QueryCommand)
      .resolves({ Items: [] });
    const res = await search({ q: '2024', region: 'DEFAULT' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toEqual({ items: [], matchedBy: 'name', regions: ['DEFAULT'] });
    expect(ddbMock.commandCalls(QueryCommand)[0]?.args[0].input.ExpressionAttributeValues).toEqual({
      ':pk': 'CUSTOMERS#DEFAULT',
      ':prefix': '2024',
    });
  });
});

describe('GET /customers by name prefix', () => {
  it('queries gsi1 within the region, by normalised prefix, and pages with an opaque cursor', async () => {
    const lastKey = {
      pk: `CUSTOMER#${CUSTOMER_ID}`,
      sk: 'CUSTOMER',
      gsi1pk: 'CUSTOMERS#HZ01',
      gsi1sk: `张三#${CUSTOMER_ID}`,
    };
    ddbMock
      .on(QueryCommand)
      .resolvesOnce({ Items: entries('gsi1', [itemOf(STORED)]), LastEvaluatedKey: lastKey })
      .resolvesOnce({ Items: entries('gsi1', [itemOf(SECOND)]) });
    serveItems(ddbMock, [itemOf(STORED), itemOf(SECOND)]);

    const first = await search({ q: '张三', region: 'hz01', limit: '1' });

    expect(first.statusCode).toBe(200);
    expect(first.body.matchedBy).toBe('name');
    expect((first.body.items as Record<string, unknown>[])[0]).toMatchObject({
      customerId: CUSTOMER_ID,
      phone: '138****5678',
    });
    const cursor = first.body.nextCursor as string;
    expect(typeof cursor).toBe('string');
    expect(cursor).not.toContain('CUSTOMER');
    const q1 = ddbMock.commandCalls(QueryCommand)[0]?.args[0].input;
    expect(q1).toMatchObject({
      TableName: TABLE,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)',
      ExpressionAttributeValues: { ':pk': 'CUSTOMERS#HZ01', ':prefix': '张三' },
      Limit: 1,
    });
    expect(q1?.ExclusiveStartKey).toBeUndefined();

    const second = await search({ q: '张三', region: 'HZ01', limit: '1', cursor });
    expect(second.statusCode).toBe(200);
    expect((second.body.items as Record<string, unknown>[]).map((i) => i.customerId)).toEqual([OTHER_ID]);
    expect(second.body).not.toHaveProperty('nextCursor');
    expect(ddbMock.commandCalls(QueryCommand)[1]?.args[0].input.ExclusiveStartKey).toEqual(lastKey);
    // A cursor continues a name search; it never turns into a customer-number lookup.
    expect(ddbMock.commandCalls(GetCommand)).toHaveLength(0);
  });

  it('leaves out a customer renamed since its index entry was read', async () => {
    const renamed = { ...itemOf(STORED), gsi1sk: `李四#${CUSTOMER_ID}` };
    ddbMock.on(QueryCommand).resolves({ Items: entries('gsi1', [itemOf(STORED), itemOf(SECOND)]) });
    serveItems(ddbMock, [renamed, itemOf(SECOND)]);
    const res = await search({ region: 'HZ01' });
    expect((res.body.items as Record<string, unknown>[]).map((i) => i.customerId)).toEqual([OTHER_ID]);
  });

  it('ignores case and full-width letters in the prefix', async () => {
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    const res = await search({ q: 'ＬＩ Lei', region: 'DEFAULT' });
    expect(res.statusCode).toBe(200);
    expect(ddbMock.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({
      ExpressionAttributeValues: { ':pk': 'CUSTOMERS#DEFAULT', ':prefix': 'li lei' },
      Limit: 20,
    });
  });

  it('lists a whole region by name when q is empty', async () => {
    ddbMock.on(QueryCommand).resolves({ Items: entries('gsi1', [itemOf(STORED), itemOf(SECOND)]) });
    serveItems(ddbMock, [itemOf(STORED), itemOf(SECOND)]);
    const res = await search({ region: 'HZ01' });
    expect(res.statusCode).toBe(200);
    expect(res.body.items).toHaveLength(2);
    expect((res.body.items as Record<string, unknown>[])[0]).toMatchObject({ customerId: CUSTOMER_ID });
    const input = ddbMock.commandCalls(QueryCommand)[0]?.args[0].input;
    expect(input?.KeyConditionExpression).toBe('gsi1pk = :pk');
    expect(input?.ExpressionAttributeValues).toEqual({ ':pk': 'CUSTOMERS#HZ01' });
  });

  describe('without a region, across the regions the caller serves', () => {
    const inRegion = (region: string, name: string, id: string, no: string) =>
      itemOf({ ...STORED, customerId: id, customerNo: no, name, region });
    const HZ_A = inRegion('HZ01', '张一', '00000000-0000-4000-8000-000000000001', '1000000011');
    const HZ_B = inRegion('HZ01', '张三', '00000000-0000-4000-8000-000000000002', '1000000012');
    const SH_A = inRegion('SH02', '张丁', '00000000-0000-4000-8000-000000000003', '1000000013');
    const partition = (input: { ExpressionAttributeValues?: Record<string, unknown> }) =>
      input.ExpressionAttributeValues?.[':pk'];

    /** Each region's gsi1 partition, read in name order from an exclusive start key. */
    function serveRegions(rows: Record<string, unknown>[]) {
      ddbMock.on(QueryCommand).callsFake((input) => {
        const start = input.ExclusiveStartKey?.gsi1sk as string | undefined;
        const mine = rows
          .filter((r) => r.gsi1pk === partition(input))
          .filter((r) =>
            String(r.gsi1sk).startsWith(String(input.ExpressionAttributeValues?.[':prefix'] ?? '')),
          )
          .sort((a, b) => String(a.gsi1sk).localeCompare(String(b.gsi1sk)))
          .filter((r) => start === undefined || String(r.gsi1sk) > start);
        const page = mine.slice(0, input.Limit);
        const last = page[page.length - 1];
        return {
          Items: entries('gsi1', page),
          ...(mine.length > page.length && last ? { LastEvaluatedKey: entries('gsi1', [last])[0] } : {}),
        };
      });
      serveItems(ddbMock, rows);
    }

    it('merges the regions of a caller limited to several, by name, page by page', async () => {
      useAccountSource(async (sub) =>
        sub === USERS.clerk.sub
          ? {
              sub,
              username: USERS.clerk.username,
              status: 'ACTIVE',
              roles: ['clerk'],
              regions: ['SH02', 'HZ01'],
              version: 1,
              updatedAt: '2026-03-01T00:00:00.000Z',
              updatedBy: 'secadmin1',
            }
          : undefined,
      );
      serveRegions([HZ_A, HZ_B, SH_A]);

      const first = await search({ q: '张', limit: '2' });
      expect(first.statusCode).toBe(200);
      // In the order of names' sort keys, as one region's search gives them: 一, 丁, 三.
      expect((first.body.items as Record<string, unknown>[]).map((i) => i.name)).toEqual(['张一', '张丁']);
      expect((first.body.items as Record<string, unknown>[]).map((i) => i.customerNo)).toEqual([
        '1000000011',
        '1000000013',
      ]);
      expect(first.body.regions).toEqual(['HZ01', 'SH02']);
      // Only the caller's regions were read, and no list of every region.
      expect(ddbMock.commandCalls(QueryCommand).map((c) => partition(c.args[0].input))).toEqual([
        'CUSTOMERS#HZ01',
        'CUSTOMERS#SH02',
      ]);
      const cursor = first.body.nextCursor as string;
      expect(cursor).not.toContain('CUSTOMER');

      const second = await search({ q: '张', limit: '2', cursor });
      expect(second.statusCode).toBe(200);
      expect((second.body.items as Record<string, unknown>[]).map((i) => i.customerNo)).toEqual([
        '1000000012',
      ]);
      expect(second.body).not.toHaveProperty('nextCursor');
      expect(second.body.regions).toEqual(['HZ01', 'SH02']);
      // SH02 was read to its end on the first page: the second reads HZ01 alone, after 张一.
      const later = ddbMock.commandCalls(QueryCommand).slice(2);
      expect(later.map((c) => partition(c.args[0].input))).toEqual(['CUSTOMERS#HZ01']);
      expect(later[0]?.args[0].input.ExclusiveStartKey).toEqual(entries('gsi1', [HZ_A])[0]);
    });

    it('searches DEFAULT and every region a customer was registered in for a caller without limits', async () => {
      serveRegions([HZ_B, SH_A]);
      ddbMock.on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'REGIONS' } }).resolves({
        Items: [
          { pk: 'REGIONS', sk: 'REGION#SH02', region: 'SH02' },
          { pk: 'REGIONS', sk: 'REGION#HZ01', region: 'HZ01' },
        ],
      });
      const res = await search({ q: '张三' }, USERS.reviewer);
      expect(res.statusCode).toBe(200);
      expect((res.body.items as Record<string, unknown>[]).map((i) => i.customerNo)).toEqual(['1000000012']);
      expect(res.body.regions).toEqual(['DEFAULT', 'HZ01', 'SH02']);
      expect(res.body).not.toHaveProperty('nextCursor');
    });

    it('refuses the cursor of another prefix, without querying', async () => {
      const cursor = encodePageToken('customers/*/张', { HZ01: null });
      const res = await search({ q: '李', cursor });
      expect(res.statusCode).toBe(400);
      expect(errorOf(res.body).message).toMatch(/cursor is not valid for this query/);
      expect(ddbMock.commandCalls(QueryCommand)).toHaveLength(0);
    });
  });

  describe('refuses', () => {
    // A cursor this API signed for the search of 张 in SH02.
    const otherRegionCursor = encodePageToken('customers/SH02/张', {
      pk: `CUSTOMER#${CUSTOMER_ID}`,
      sk: 'CUSTOMER',
      gsi1pk: 'CUSTOMERS#SH02',
      gsi1sk: `张三#${CUSTOMER_ID}`,
    });
    const cases: [string, Record<string, string>, RegExp][] = [
      ['a zero limit', { q: 'a', limit: '0' }, /limit: must be a whole number from 1 to 100/],
      ['a limit over 100', { q: 'a', limit: '101' }, /limit: must be a whole number from 1 to 100/],
      ['a limit that is no number', { q: 'a', limit: 'ten' }, /limit: must be a whole number from 1 to 100/],
      ['an unknown parameter', { q: 'a', sort: 'name' }, /sort: is not accepted here/],
      ['a malformed region', { q: 'a', region: 'HZ 01' }, /region: must be 1-32 letters/],
      ['a cursor that is not one', { q: 'a', cursor: 'not-a-cursor' }, /cursor is not valid for this query/],
      [
        'a cursor of another region',
        { q: '张', region: 'HZ01', cursor: otherRegionCursor },
        /cursor is not valid for this query/,
      ],
      [
        'a cursor of another prefix',
        { q: '李', region: 'SH02', cursor: otherRegionCursor },
        /cursor is not valid for this query/,
      ],
    ];
    it.each(cases)('400 for %s, without querying', async (_label, query, message) => {
      const res = await search(query);
      expect(res.statusCode).toBe(400);
      expect(errorOf(res.body).message).toMatch(message);
      expect(ddbMock.commandCalls(QueryCommand)).toHaveLength(0);
      expect(ddbMock.commandCalls(GetCommand)).toHaveLength(0);
    });

    it('403 for the security administrator', async () => {
      const res = await search({ q: 'a' }, USERS.secadmin);
      expect(res.statusCode).toBe(403);
      expect(errorOf(res.body).message).toMatch(/role secadmin may not call GET \/customers/);
      expect(ddbMock.commandCalls(QueryCommand)).toHaveLength(0);
    });
  });
});
