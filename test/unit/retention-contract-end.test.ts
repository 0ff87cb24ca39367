import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler as contractEnd } from '../../functions/api/documents-contract-end.ts';
import { USERS } from '../support/api-event.ts';
import { archived, clockAt, docRow, setEnv } from './disposal-fixtures.ts';
import {
  call,
  ddbMock,
  errorOf,
  resetMocks,
  s3Mock,
  strictMocks,
  transactItems,
  writesAttempted,
} from './intake-fixtures.ts';

/** `PUT /documents/{documentId}/contract-end`: the day is checked against the clock and the document's history. */

beforeEach(() => {
  setEnv();
  strictMocks();
});
afterEach(() => {
  resetMocks();
  delete process.env.DANGAN_CLOCK_OFFSET_SECONDS;
});

// Archived (code given) 2026-03-15T09:30Z, i.e. on 2026-03-14 in the latest time zone (UTC-12).
const contract = archived(3, { docType: 'CONTRACT', retentionCode: 'D30', retentionTrigger: 'CONTRACT_END' });

const put = (endedOn: string) =>
  call(contractEnd, {
    routeKey: 'PUT /documents/{documentId}/contract-end',
    pathParameters: { documentId: contract.documentId },
    body: { endedOn },
    user: USERS.clerk,
  });

describe('a contract end dated against the document', () => {
  it.each([['1901-01-01'], ['2026-03-13']])(
    'refuses %s, before the document was archived, naming the earliest day; nothing written',
    async (day) => {
      clockAt('2030-06-01T10:00:00.000Z');
      ddbMock.on(GetCommand).resolves({ Item: docRow(contract) });
      const res = await put(day);
      expect(res.statusCode).toBe(400);
      expect(errorOf(res.body).message).toBe(
        `endedOn ${day} is before document ${contract.archiveCode} was archived on 2026-03-14: the earliest contract end allowed is 2026-03-14`,
      );
      expect(errorOf(res.body).details).toEqual([
        {
          path: 'endedOn',
          code: 'invalid',
          message: `must not be before 2026-03-14, the day document ${contract.archiveCode} was archived`,
        },
      ]);
      expect(writesAttempted()).toBe(0);
      expect(s3Mock.calls()).toHaveLength(0);
    },
  );

  it('takes the archiving day itself', async () => {
    clockAt('2030-06-01T10:00:00.000Z');
    ddbMock.on(GetCommand).resolves({ Item: docRow(contract) });
    ddbMock.on(TransactWriteCommand).resolves({});
    const res = await put('2026-03-14');
    expect(res.statusCode).toBe(200);
    expect(transactItems()[0]?.Update?.ExpressionAttributeValues).toMatchObject({
      ':start': '2026-03-14T00:00:00.000Z',
      ':due': '2056-03-14',
    });
  });

  it("takes today's date in Beijing while it is still yesterday in UTC", async () => {
    // 07:00 in Beijing on 1 June is 23:00 UTC on 31 May.
    clockAt('2030-05-31T23:00:00.000Z');
    ddbMock.on(GetCommand).resolves({ Item: docRow(contract) });
    ddbMock.on(TransactWriteCommand).resolves({});
    const res = await put('2030-06-01');
    expect(res.statusCode).toBe(200);
    expect(transactItems()[0]?.Update?.ExpressionAttributeValues?.[':start']).toBe(
      '2030-06-01T00:00:00.000Z',
    );
    const tomorrow = await put('2030-06-02');
    expect(tomorrow.statusCode).toBe(400);
    expect(errorOf(tomorrow.body).message).toBe('endedOn 2030-06-02 is in the future');
  });
});
