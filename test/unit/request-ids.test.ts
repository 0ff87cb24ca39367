import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler as documentsSearch } from '../../functions/api/documents-search.ts';
import { handler as holdsRelease } from '../../functions/api/holds-release.ts';
import { handler as loansGet } from '../../functions/api/loans-get.ts';
import { handler as submissionsCreate } from '../../functions/api/submissions-create.ts';
import { handler as uploadUrl } from '../../functions/api/submissions-upload-url.ts';
import { BadRequest } from '../../functions/core/errors.ts';
import { checkPathIds, isRequestId, keyText, requestId } from '../../functions/core/request-ids.ts';
import { useAccountSource } from '../../functions/http/account-state.ts';
import { USERS } from '../support/api-event.ts';
import {
  CUSTOMER_ID,
  call,
  DOC_IDS,
  ddbMock,
  errorOf,
  resetMocks,
  setEnv,
  strictMocks,
} from './intake-fixtures.ts';
import { setLoanEnv } from './loans-fixtures.ts';

/**
 * Ids a request names are checked before any is part of a DynamoDB key (issue 18, point 5). Each
 * request below answered 500 before: DynamoDB refuses a partition key over 2048 bytes (a sort key
 * over 1024) with a ValidationException. Now each is a 400 naming the parameter, and nothing is
 * read (the mocks refuse every call, so a read would still be a 500).
 */

const LONG = 'a'.repeat(2049);

function thrown(f: () => unknown): BadRequest {
  try {
    f();
  } catch (err) {
    if (err instanceof BadRequest) return err;
    throw err;
  }
  throw new Error('nothing thrown');
}

describe('request ids (core/request-ids.ts)', () => {
  it('takes every shape of id Dangan issues', () => {
    for (const id of [
      '3d0f8a52-1c4b-4e8e-9a57-6b2d9c1e7f30',
      'review-3d0f8a52-1c4b-4e8e-9a57-6b2d9c1e7f30-1-review',
      'appraisal-KH-2036-04-20360410-1-1',
      'KH-2036-01-20361115-1',
      'clerk',
      'a'.repeat(128),
    ]) {
      expect(isRequestId(id), id).toBe(true);
    }
  });

  it('refuses over-long, empty, traversal, control, key-separator and non-ASCII values', () => {
    for (const bad of [
      'a'.repeat(129),
      LONG,
      '',
      '../',
      '..',
      'a/b',
      'a\u0000',
      '%00',
      'x#y',
      '档案',
      'a b',
      'é',
    ]) {
      expect(isRequestId(bad), JSON.stringify(bad)).toBe(false);
    }
  });

  it('names the parameter and shows an over-long value cut, with its length', () => {
    const err = thrown(() => requestId('submissionId', LONG));
    expect(err.status).toBe(400);
    expect(err.message).toBe(
      `submissionId "${'a'.repeat(40)}"… (2049 characters) is not an id: ids are 1 to 128 letters, digits, hyphens or underscores`,
    );
    expect(err.details).toEqual([
      { path: 'submissionId', message: 'must be 1 to 128 letters, digits, hyphens or underscores' },
    ]);
  });

  it('checks every path parameter, in the words of its own format where it has one', () => {
    expect(() => checkPathIds({ documentId: DOC_IDS[0] ?? '', holdId: 'h-1' })).not.toThrow();
    expect(thrown(() => checkPathIds({ documentId: DOC_IDS[0] ?? '', holdId: '../x' })).message).toMatch(
      /^holdId "\.\.\/x" is not an id/,
    );
    expect(thrown(() => checkPathIds({ customerId: LONG })).message).toMatch(/is not a valid customer id/);
    expect(thrown(() => checkPathIds({ batchId: 'KH/2036' })).message).toMatch(/is not a disposal batch id/);
    // An id-shaped value of the wrong format is the handler's to refuse.
    expect(() => checkPathIds({ customerId: 'c1', batchId: 'x' })).not.toThrow();
  });

  it('keyText bounds a free-form value looked up by key', () => {
    expect(keyText('archiveCode', 'Z001-KH·2026-D30-YK-0007', 100)).toBe('Z001-KH·2026-D30-YK-0007');
    const err = thrown(() => keyText('archiveCode', '档'.repeat(1000), 100));
    expect(err.message).toMatch(
      /^archiveCode "档{40}"… \(1000 characters\) is too long: at most 100 characters$/,
    );
  });
});

describe('routes answer 400 for ids that could not be a key, reading nothing', () => {
  beforeEach(() => {
    setEnv();
    setLoanEnv();
    strictMocks();
  });
  afterEach(() => {
    useAccountSource(async () => undefined);
    resetMocks();
  });

  /** clerk1 limited to region NORTH, so the region rule reads what the request names. */
  function limitClerk() {
    useAccountSource(async (sub) =>
      sub === USERS.clerk.sub
        ? {
            sub,
            username: USERS.clerk.username,
            status: 'ACTIVE',
            roles: ['clerk'],
            regions: ['NORTH'],
            version: 1,
            updatedAt: '2026-03-01T00:00:00.000Z',
            updatedBy: 'secadmin1',
          }
        : undefined,
    );
  }

  async function expect400(
    res: Promise<{ statusCode: number; body: Record<string, unknown> }>,
    message: RegExp,
  ) {
    const { statusCode, body } = await res;
    expect(statusCode).toBe(400);
    expect(errorOf(body).code).toBe('BadRequest');
    expect(errorOf(body).message).toMatch(message);
    expect(ddbMock.calls()).toHaveLength(0);
  }

  it('POST /submissions/{submissionId}/documents/{documentId}/upload-url with a 2049-character submissionId', async () => {
    await expect400(
      call(uploadUrl, {
        routeKey: 'POST /submissions/{submissionId}/documents/{documentId}/upload-url',
        pathParameters: { submissionId: LONG, documentId: '=' },
        body: { contentType: 'application/pdf', size: 10, sha256: 'a'.repeat(64) },
        user: USERS.clerk,
      }),
      /^submissionId "a{40}"… \(2049 characters\) is not an id/,
    );
  });

  it('GET /loans/{loanId} with a 2049-character loanId', async () => {
    await expect400(
      call(loansGet, {
        routeKey: 'GET /loans/{loanId}',
        pathParameters: { loanId: LONG },
        user: USERS.clerk,
      }),
      /^loanId "a{40}"… \(2049 characters\) is not an id/,
    );
  });

  it('DELETE /documents/{documentId}/holds/{holdId} (a route without record rules) with a NUL in holdId', async () => {
    await expect400(
      call(holdsRelease, {
        routeKey: 'DELETE /documents/{documentId}/holds/{holdId}',
        pathParameters: { documentId: DOC_IDS[0] ?? '', holdId: 'h\u0000' },
        user: USERS.archivist,
      }),
      /^holdId "h\\u0000" is not an id/,
    );
  });

  it('POST /submissions by a clerk limited to regions, naming a 3000-character customerId', async () => {
    limitClerk();
    await expect400(
      call(submissionsCreate, {
        routeKey: 'POST /submissions',
        body: { customerId: 'a'.repeat(3000), businessEvent: 'CHANGE', documents: [] },
        user: USERS.clerk,
      }),
      /^customerId "a{40}"… \(3000 characters\) is not an id/,
    );
  });

  it('GET /documents?customerId= by a clerk limited to regions, naming a customerId that is no id', async () => {
    limitClerk();
    await expect400(
      call(documentsSearch, {
        routeKey: 'GET /documents',
        query: { customerId: `${CUSTOMER_ID}#x` },
        user: USERS.clerk,
      }),
      /^customerId ".*#x" is not an id/,
    );
  });

  it('GET /documents?archiveCode= by a clerk limited to regions, naming a 1000-character archive code', async () => {
    limitClerk();
    await expect400(
      call(documentsSearch, {
        routeKey: 'GET /documents',
        query: { archiveCode: '档'.repeat(1000) },
        user: USERS.clerk,
      }),
      /^archiveCode "档{40}"… \(1000 characters\) is too long: at most 100 characters/,
    );
  });
});
