import { BatchGetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeListCursor, encodeListCursor } from '../../functions/adapters/submissions-list.ts';
import { handler } from '../../functions/api/submissions-list.ts';
import { fillPage, submissionListItem } from '../../functions/core/submission-list.ts';
import type { Submission } from '../../functions/core/submissions.ts';
import { USERS } from '../support/api-event.ts';
import {
  CUSTOMER_ID,
  CUSTOMER_ITEM,
  call,
  ddbMock,
  errorOf,
  resetMocks,
  setEnv,
  strictMocks,
  submission,
  submissionRow,
  TABLE,
} from './intake-fixtures.ts';

const ROUTE = 'GET /submissions';
const at = (n: number) => new Date(Date.UTC(2026, 2, 10) - n * 3_600_000).toISOString();
/** Submission n, created n hours before 2026-03-10: lower n is newer. */
const sub = (n: number, over: Partial<Submission> = {}) =>
  submission({ submissionId: `s-${n}`, createdAt: at(n), updatedAt: at(n), ...over });

describe('the list of own submissions', () => {
  it('shows status, event, customer, document count and the reason of a rejection', () => {
    const rejected = sub(1, {
      status: 'REJECTED',
      attempt: 1,
      rejection: {
        code: 'reviewer',
        reason: '身份证复印件不清晰',
        problems: [{ check: 'usability', message: 'unreadable' }],
        decidedBy: 'reviewer1',
        at: at(0),
        attempt: 1,
      },
    });
    expect(submissionListItem(rejected, { customerId: CUSTOMER_ID, name: '张三' })).toEqual({
      submissionId: 's-1',
      status: 'REJECTED',
      businessEvent: 'NEWCONN',
      customerId: CUSTOMER_ID,
      customerNo: '1000000001',
      customerName: '张三',
      documentCount: 4,
      attempt: 1,
      createdAt: at(1),
      updatedAt: at(1),
      rejection: {
        code: 'reviewer',
        reason: '身份证复印件不清晰',
        problemCount: 1,
        decidedBy: 'reviewer1',
        at: at(0),
      },
    });
    // A rejection fixed and submitted again is history, not the status.
    expect(submissionListItem({ ...rejected, status: 'SUBMITTED' }, undefined)).not.toHaveProperty(
      'rejection',
    );
  });

  it('fills a page with the matching submissions and says where it stopped', () => {
    const list = [
      sub(1, { status: 'DRAFT' }),
      sub(2, { status: 'REJECTED' }),
      sub(3, { status: 'REJECTED' }),
    ];
    expect(fillPage(list, 'REJECTED', 1)).toEqual({
      taken: [list[1]],
      full: { createdAt: at(2), submissionId: 's-2' },
    });
    expect(fillPage(list, 'ARCHIVED', 5)).toEqual({ taken: [] });
    expect(fillPage(list, undefined, 5)).toEqual({ taken: list });
  });

  it('reads back its own cursors, for the same filter only', () => {
    const c = encodeListCursor('sub-clerk1', { createdAt: at(2), submissionId: 's-2' }, 'REJECTED');
    expect(decodeListCursor('sub-clerk1', c, 'REJECTED')).toEqual({ createdAt: at(2), submissionId: 's-2' });
    expect(() => decodeListCursor('sub-clerk1', c, undefined)).toThrow(
      /cursor: was made for status=REJECTED, not no status filter/,
    );
    // Another clerk's cursor, one made by hand, one altered: none is this list's.
    expect(() => decodeListCursor('sub-clerk2', c, 'REJECTED')).toThrow(
      /cursor: is not a cursor this list returned/,
    );
    expect(() => decodeListCursor('sub-clerk1', 'not-a-cursor', undefined)).toThrow(
      /cursor: is not a cursor this list returned/,
    );
    const forged = Buffer.from(JSON.stringify({ s: '', t: 'yesterday', id: 's-2' })).toString('base64url');
    const signature = c.split('.')[1];
    expect(() => decodeListCursor('sub-clerk1', `${forged}.${signature}`, undefined)).toThrow(
      /is not a cursor this list returned/,
    );
  });
});

describe('GET /submissions', () => {
  beforeEach(() => {
    setEnv();
    strictMocks();
  });
  afterEach(resetMocks);

  const indexItems = (ns: number[]) => ns.map((n) => ({ pk: `SUBMISSION#s-${n}`, gsi2sk: at(n) }));

  /** The clerk has submissions 1..n; `status` gives each one's status. */
  function clerkHas(n: number, status: (i: number) => Submission['status'] = () => 'DRAFT') {
    const all = Array.from({ length: n }, (_, i) => sub(i + 1, { status: status(i + 1) }));
    ddbMock.on(QueryCommand).callsFake((input) => {
      const start = input.ExclusiveStartKey?.gsi2sk as string | undefined;
      const after = start === undefined ? 0 : all.findIndex((s) => s.createdAt === start) + 1;
      const slice = all.slice(after, after + input.Limit);
      return {
        Items: indexItems(slice.map((s) => Number(s.submissionId.slice(2)))),
        ...(after + input.Limit < all.length ? { LastEvaluatedKey: { pk: 'x' } } : {}),
      };
    });
    ddbMock.on(BatchGetCommand).callsFake((input) => {
      const keys = input.RequestItems[TABLE].Keys as { pk: string }[];
      if (keys[0]?.pk.startsWith('CUSTOMER#'))
        return { Responses: { [TABLE]: [{ ...CUSTOMER_ITEM, region: 'NORTH' }] } };
      // Out of order, as BatchGetItem answers.
      const found = all.filter((s) => keys.some((k) => k.pk === `SUBMISSION#${s.submissionId}`)).reverse();
      return { Responses: { [TABLE]: found.map(submissionRow) } };
    });
    return all;
  }

  const list = (query?: Record<string, string>, user: (typeof USERS)[keyof typeof USERS] = USERS.clerk) =>
    call(handler, { routeKey: ROUTE, ...(query ? { query } : {}), user });

  it("reads the caller's own index partition newest first, keys only, then the items", async () => {
    clerkHas(3);
    const res = await list();
    expect(res.statusCode).toBe(200);
    const items = res.body.items as { submissionId: string; customerName?: string }[];
    expect(items.map((i) => i.submissionId)).toEqual(['s-1', 's-2', 's-3']);
    expect(items[0]?.customerName).toBe('张三');
    expect(res.body).not.toHaveProperty('nextCursor');
    const query = ddbMock.commandCalls(QueryCommand)[0]?.args[0].input;
    expect(query).toMatchObject({
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': `CLERK#${USERS.clerk.sub}` },
      ProjectionExpression: 'pk, gsi2sk',
      ScanIndexForward: false,
      Limit: 20,
    });
  });

  it('pages with a cursor until the list ends', async () => {
    clerkHas(5);
    const first = await list({ limit: '2' });
    expect((first.body.items as { submissionId: string }[]).map((i) => i.submissionId)).toEqual([
      's-1',
      's-2',
    ]);
    const second = await list({ limit: '2', cursor: first.body.nextCursor as string });
    expect((second.body.items as { submissionId: string }[]).map((i) => i.submissionId)).toEqual([
      's-3',
      's-4',
    ]);
    const third = await list({ limit: '2', cursor: second.body.nextCursor as string });
    expect((third.body.items as { submissionId: string }[]).map((i) => i.submissionId)).toEqual(['s-5']);
    expect(third.body).not.toHaveProperty('nextCursor');
  });

  it('filters by status across index pages', async () => {
    clerkHas(250, (i) => (i % 100 === 0 ? 'REJECTED' : 'ARCHIVED'));
    const res = await list({ status: 'REJECTED', limit: '1' });
    expect((res.body.items as { submissionId: string }[]).map((i) => i.submissionId)).toEqual(['s-100']);
    const next = await list({ status: 'REJECTED', limit: '5', cursor: res.body.nextCursor as string });
    expect((next.body.items as { submissionId: string }[]).map((i) => i.submissionId)).toEqual(['s-200']);
    expect(next.body).not.toHaveProperty('nextCursor');
  });

  it('leaves out the name of a customer outside the caller’s regions', async () => {
    clerkHas(1);
    const { handler: h } = await import('../../functions/api/submissions-list.ts');
    const { useAccountSource } = await import('../../functions/http/account-state.ts');
    useAccountSource(async (s) => ({
      sub: s,
      username: 'clerk1',
      status: 'ACTIVE',
      roles: ['clerk'],
      regions: ['SOUTH'],
      version: 1,
      updatedAt: at(0),
      updatedBy: 'secadmin1',
    }));
    try {
      const res = await call(h, { routeKey: ROUTE, user: USERS.clerk });
      const [item] = res.body.items as { customerNo?: string; customerName?: string }[];
      expect(item?.customerNo).toBe('1000000001');
      expect(item).not.toHaveProperty('customerName');
    } finally {
      useAccountSource(async () => undefined);
    }
  });

  it.each([
    [{ status: 'LOST' }, 'status', /status: must be one of DRAFT, SUBMITTED/],
    [{ limit: '0' }, 'limit', /limit: must be a whole number from 1 to 100/],
    [{ limit: '101' }, 'limit', /limit: must be a whole number from 1 to 100/],
    [{ limit: 'ten' }, 'limit', /limit: must be a whole number from 1 to 100/],
    [{ cursor: 'garbage' }, 'cursor', /cursor: is not a cursor this list returned/],
    [{ customerId: 'c1' }, '', /unrecognized|customerId/i],
  ])('refuses %o with 400 naming the parameter, reading nothing', async (query, field, message) => {
    const res = await list(query);
    expect(res.statusCode).toBe(400);
    expect(errorOf(res.body).message).toMatch(message);
    if (field) expect(JSON.stringify(errorOf(res.body).details)).toContain(`"path":"${field}"`);
    expect(ddbMock.calls()).toHaveLength(0);
  });
});
