/**
 * Access control, sensitive data, the audit trail and history, end to end over HTTP against the
 * local system: the route × caller matrix (plus missing, expired, foreign and forged tokens),
 * accounts disabled and roles revoked at once, masking per field and role, one audit event per
 * audited action, the append-only data layer, concurrent changes, document history and the
 * locked copy of the trail.
 */

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectRetentionCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateScan,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_INDEX_SHARDS, auditItem } from '../../functions/adapters/audit.ts';
import { AUDIT_TABLE } from '../../functions/adapters/tables.ts';
import { API_SCOPE, ROUTES } from '../../functions/catalog.ts';
import { ensureTables } from '../../infra/local/dynamodb.ts';
import { PROJECT_ROOT } from '../../infra/shared.ts';
import { type RestoreCounts, restoreAuditTrail } from '../../scripts/restore-audit/restore.ts';
import { CALLERS, type Caller, CONTENT, MATRIX } from './access-matrix.ts';
import {
  Api,
  changeDocs,
  createDraft,
  type Draft,
  localUsers,
  openTaskFor,
  planDoc,
  s3ClientFor,
  stuckSubmission,
  uploadAll,
  waitSubmission,
} from './client.ts';
import { unsubscribeTokenOf, waitForMail } from './inbox.ts';
import { useLocalSystem } from './lifecycle.ts';
import { type LocalSystem, until } from './system.ts';

let system: LocalSystem;
let api: Api;
let s3: S3Client;
let users = new Map<string, string>(); // username → sub

// Accounts are cached for 2 s here (5 s on AWS), so the tests can wait for a change to land.
useLocalSystem(
  async (started) => {
    system = started;
    api = new Api(system.ready.apiUrl);
    s3 = s3ClientFor(system);
    users = await localUsers(system.ready.apiUrl);
  },
  { env: { DANGAN_ACCOUNT_CACHE_SECONDS: '2' } },
);

afterAll(() => {
  s3?.destroy();
});

const sub = (username: string) => users.get(username) ?? '';

/** An approved, ACTIVE loan of one document to `borrower` (approved by an approver who is not them). */
async function activeLoan(borrower: string, documentId: string): Promise<string> {
  const { loanId } = await api.expect<{ loanId: string }>(202, borrower, 'POST', '/loans', {
    documentIds: [documentId],
    purpose: 'access matrix',
    days: 30,
  });
  const approver = borrower === 'approver1' ? 'approver2' : 'approver1';
  const task = await until(`the approval task of loan ${loanId}`, async () => {
    const { items } = await api.expect<{ items: { taskId: string; subjectId: string }[] }>(
      200,
      approver,
      'GET',
      '/tasks',
    );
    return items.find((t) => t.subjectId === loanId);
  });
  await api.expect(200, approver, 'POST', `/tasks/${task.taskId}/decision`, { decision: 'approve' });
  await until(`loan ${loanId} to be ACTIVE`, async () => {
    const loan = await api.expect<{ status: string }>(200, borrower, 'GET', `/loans/${loanId}`);
    return loan.status === 'ACTIVE' ? true : undefined;
  });
  return loanId;
}
const MATRIX_BATCH = 'KH-2026-01-20260101-1';

/** Signs a token with the local identity's own key (a valid signature, any claims). */
async function localToken(claims: Record<string, unknown>, expSeconds: number): Promise<string> {
  const stored = JSON.parse(readFileSync(join(system.dataDir, 'identity', 'signing-key.json'), 'utf8')) as {
    kid: string;
    privateJwk: JWK;
  };
  const key = await importJWK(stored.privateJwk, 'RS256');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    token_use: 'access',
    client_id: 'dangan-local-console',
    scope: API_SCOPE.claim,
    ...claims,
  })
    .setProtectedHeader({ alg: 'RS256', kid: stored.kid })
    .setIssuer('https://identity.dangan.local')
    .setIssuedAt(now - 7200)
    .setExpirationTime(now + expSeconds)
    .sign(key);
}

async function raw(token: string | null, method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${system.ready.apiUrl}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  await res.text();
  return res.status;
}

/** Runs `work` over `items` with at most `n` at a time. */
async function pool<T>(items: readonly T[], n: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: n }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
    }),
  );
}

let customerNo = 0;
const newCustomerBody = () => ({
  customerNo: `ACC${Date.now().toString(36).toUpperCase()}${++customerNo}`,
  name: '李四',
  type: 'RES',
  idNumber: '11010519491231002X',
  phone: '13912345678',
  address: '北京市东城区某某胡同 8 号',
  bankAccount: '6222020200112233445',
});

async function newCustomer(user = 'clerk1'): Promise<string> {
  return (await api.expect<{ customerId: string }>(201, user, 'POST', '/customers', newCustomerBody()))
    .customerId;
}

describe('the route × caller matrix', () => {
  interface Fixtures {
    customerId: string;
    readSubmission: Draft;
    submitSubmission: Draft;
    taskId: string;
    /** In review, its task open: scans previewed by the matrix. */
    previewed: Draft;
    archived: Draft;
    /** A document each content reader holds an ACTIVE loan of (not the one the content row reads). */
    loanDoc: string;
    loans: Record<string, string>;
  }
  let f: Fixtures;
  let stuckId: Promise<string> | undefined;
  /** Import batches by label, opened (and given one row when asked) by the archivist. */
  const imports = new Map<string, Promise<string>>();
  const importRow = (row: number) => ({
    row,
    customerId: f.customerId,
    businessEvent: 'METERING',
    docType: 'METERWO',
    title: '装表工作单',
    fileName: 'matrix.pdf',
    contentType: 'application/pdf',
    size: 100,
    sha256: createHash('sha256').update(`matrix import ${row}`).digest('hex'),
    date: '2019-03-05',
  });
  const importBatch = (label: string, withRow: boolean): Promise<string> => {
    let p = imports.get(label);
    if (!p) {
      p = (async () => {
        const catalogueSha256 = createHash('sha256').update(`matrix ${label}`).digest('hex');
        const b = await api.expect<{ importId: string }>(201, 'archivist1', 'POST', '/imports', {
          catalogueSha256,
        });
        if (withRow) {
          await api.expect(200, 'archivist1', 'POST', `/imports/${b.importId}/rows`, {
            rows: [importRow(1)],
          });
        }
        return b.importId;
      })();
      imports.set(label, p);
    }
    return p;
  };

  /** A handover package of this year's archived records, asked for by the archivist once. */
  let handover: Promise<string> | undefined;
  const handoverOfTheYear = (): Promise<string> => {
    handover ??= api
      .expect<{ handoverId: string }>(202, 'archivist1', 'POST', '/handovers', {
        year: new Date().getUTCFullYear(),
      })
      .then((h) => h.handoverId);
    return handover;
  };
  beforeAll(async () => {
    const customerId = await newCustomer();
    const readSubmission = await createDraft(api, customerId, 'CHANGE', changeDocs('matrix-read'));
    const submitSubmission = await createDraft(api, customerId, 'CHANGE', changeDocs('matrix-submit'));
    const reviewed = await createDraft(api, customerId, 'CHANGE', changeDocs('matrix-review'));
    const previewed = await createDraft(api, customerId, 'CHANGE', changeDocs('matrix-preview'));
    const archived = await createDraft(api, customerId, 'CHANGE', [
      ...changeDocs('matrix-archive'),
      planDoc('CONTRACT', 'application/pdf', '供用电合同 matrix'),
    ]);
    await Promise.all([
      uploadAll(api, submitSubmission),
      uploadAll(api, reviewed),
      uploadAll(api, archived),
      uploadAll(api, previewed),
    ]);
    await api.expect(202, 'clerk1', 'POST', `/submissions/${previewed.submissionId}/submit`);
    await openTaskFor(api, previewed.submissionId);
    await api.expect(202, 'clerk1', 'POST', `/submissions/${archived.submissionId}/submit`);
    const archiveTask = await openTaskFor(api, archived.submissionId);
    await api.expect(200, 'reviewer2', 'POST', `/tasks/${archiveTask.taskId}/decision`, {
      decision: 'approve',
    });
    await api.expect(202, 'clerk1', 'POST', `/submissions/${reviewed.submissionId}/submit`);
    const task = await openTaskFor(api, reviewed.submissionId);
    await waitSubmission(api, archived.submissionId, 'ARCHIVED', (s) => s.status === 'ARCHIVED');
    const loanDoc = archived.docs[2]?.documentId ?? '';
    const loans: Record<string, string> = {};
    for (const borrower of CONTENT) loans[borrower] = await activeLoan(borrower, loanDoc);
    f = {
      customerId,
      readSubmission,
      submitSubmission,
      taskId: task.taskId,
      previewed,
      archived,
      loanDoc,
      loans,
    };
    // A closed disposal batch, as the disposal workflow leaves one, for GET /disposals/{batchId}.
    const ddb = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: system.ready.dynamodbUrl,
        region: system.ready.region,
        credentials: system.credentials,
      }),
    );
    await ddb.send(
      new PutCommand({
        TableName: system.ready.tables.records,
        Item: {
          pk: `DISPOSAL#${MATRIX_BATCH}`,
          sk: 'BATCH',
          gsi1pk: 'DISPOSALS',
          gsi1sk: `2026-01-01T00:00:00.000Z#${MATRIX_BATCH}`,
          batchId: MATRIX_BATCH,
          schemeId: 'power-supply',
          fonds: 'Z001',
          category: 'KH',
          dueMonth: '2026-01',
          sweepDate: '2026-01-01',
          part: 1,
          status: 'EXTENDED',
          itemCount: 0,
          createdAt: '2026-01-01T00:00:00.000Z',
          updatedAt: '2026-01-01T00:00:00.000Z',
        },
      }),
    );
    ddb.destroy();
  }, 180_000);

  interface Request {
    path: string;
    body?: unknown;
    headers?: Record<string, string>;
  }

  /** The request each route gets in the matrix: real records, so an allowed caller gets 2xx. */
  async function requestFor(route: string, caller: Caller): Promise<Request> {
    const doc = f.archived.docs[0]?.documentId ?? '';
    const contract = f.archived.docs.find((d) => d.docType === 'CONTRACT')?.documentId ?? '';
    const target = sub('approver2');
    const byRoute: Record<string, () => Promise<Request> | Request> = {
      'GET /health': () => ({ path: '/health' }),
      'GET /scheme': () => ({ path: '/scheme' }),
      'GET /people': () => ({ path: '/people' }),
      'POST /customers': () => ({ path: '/customers', body: newCustomerBody() }),
      'GET /customers': () => ({ path: '/customers?q=%E6%9D%8E' }),
      'GET /customers/{customerId}': () => ({ path: `/customers/${f.customerId}` }),
      'PATCH /customers/{customerId}': async () => {
        const r = await api.call('archivist1', 'GET', `/customers/${f.customerId}`);
        return {
          path: `/customers/${f.customerId}`,
          body: { address: `北京市东城区 ${caller} 改` },
          headers: { 'if-match': r.headers.get('etag') ?? '1' },
        };
      },
      'GET /customers/{customerId}/history': () => ({ path: `/customers/${f.customerId}/history` }),
      // A customer registered closed (files digitised after the closure), its closure re-dated.
      'PUT /customers/{customerId}/closure': async () => {
        const closed = { ...newCustomerBody(), accountStatus: 'CLOSED', closedAt: '2020-01-01' };
        const { customerId } = await api.expect<{ customerId: string }>(
          201,
          'clerk1',
          'POST',
          '/customers',
          closed,
        );
        return {
          path: `/customers/${customerId}/closure`,
          body: { closedAt: '2020-02-01', reason: `${caller} 更正销户日期` },
          headers: { 'if-match': '1' },
        };
      },
      'POST /submissions': () => ({
        path: '/submissions',
        body: {
          customerId: f.customerId,
          businessEvent: 'CHANGE',
          documents: [
            {
              docType: 'APPFORM',
              title: 't',
              fileName: 'a.pdf',
              contentType: 'application/pdf',
              size: 10,
              sha256: 'a'.repeat(64),
            },
          ],
        },
      }),
      'GET /submissions/{submissionId}': () => ({ path: `/submissions/${f.readSubmission.submissionId}` }),
      'POST /submissions/{submissionId}/submit': () => ({
        path: `/submissions/${f.submitSubmission.submissionId}/submit`,
      }),
      'POST /submissions/{submissionId}/documents/{documentId}/upload-url': () => ({
        path: `/submissions/${f.readSubmission.submissionId}/documents/${f.readSubmission.docs[0]?.documentId}/upload-url`,
        body: { contentType: 'application/pdf', size: 20, sha256: 'b'.repeat(64) },
      }),
      'GET /submissions': () => ({ path: '/submissions?limit=5' }),
      'GET /submissions/{submissionId}/documents/{documentId}/content': () => ({
        path: `/submissions/${f.previewed.submissionId}/documents/${f.previewed.docs[1]?.documentId}/content`,
      }),
      'GET /tasks': () => ({ path: '/tasks' }),
      'POST /tasks/{taskId}/decision': () => ({
        path: `/tasks/${f.taskId}/decision`,
        body: { decision: 'approve' },
      }),
      'GET /documents': () => ({ path: `/documents?customerId=${f.customerId}` }),
      'GET /documents/{documentId}': () => ({ path: `/documents/${doc}` }),
      'GET /documents/{documentId}/content': () => ({ path: `/documents/${doc}/content` }),
      'GET /documents/{documentId}/history': () => ({ path: `/documents/${doc}/history` }),
      // A part naming no documents: the customer's profile alone was exported.
      'POST /exports': () => ({
        path: '/exports',
        body: {
          exportId: `matrix-${caller}`,
          bag: 'dangan-export_MATRIX',
          customerId: f.customerId,
          part: 1,
          selection: { customers: ['MATRIX01'] },
          documents: [],
        },
      }),
      'GET /audit': () => ({ path: `/audit?targetId=${f.customerId}` }),
      'GET /audit/export': () => ({ path: `/audit/export?targetId=${f.customerId}` }),
      // A day with no copies: the matrix checks who may read, not what a busy day holds.
      'GET /audit/copies': () => ({ path: '/audit/copies?day=2020-01-01' }),
      'GET /users': () => ({ path: '/users' }),
      'GET /users/{userId}': () => ({ path: `/users/${target}` }),
      'GET /groups': () => ({ path: '/groups' }),
      'POST /users/{userId}/disable': () => ({
        path: `/users/${target}/disable`,
        body: { reason: 'matrix' },
      }),
      'POST /users/{userId}/enable': () => ({ path: `/users/${target}/enable` }),
      'POST /users/{userId}/roles': () => ({ path: `/users/${target}/roles`, body: { role: 'approver' } }),
      'DELETE /users/{userId}/roles/{role}': () => ({ path: `/users/${target}/roles/staff` }),
      'PUT /users/{userId}/regions': () => ({ path: `/users/${target}/regions`, body: { regions: [] } }),
      'POST /loans': () => ({
        path: '/loans',
        body: { documentIds: [f.loanDoc], purpose: 'matrix', days: 1 },
      }),
      'GET /loans': () => ({ path: '/loans?mine' }),
      'GET /loans/{loanId}': () => ({ path: `/loans/${f.loans[caller] ?? f.loans.clerk1}` }),
      'POST /loans/{loanId}/return': () => ({ path: `/loans/${f.loans[caller] ?? f.loans.clerk1}/return` }),
      'POST /documents/{documentId}/holds': () => ({
        path: `/documents/${doc}/holds`,
        body: { reason: 'matrix' },
      }),
      'DELETE /documents/{documentId}/holds/{holdId}': async () => {
        const hold = await api.expect<{ holdId: string }>(
          201,
          'archivist1',
          'POST',
          `/documents/${doc}/holds`,
          {
            reason: 'matrix release',
          },
        );
        return { path: `/documents/${doc}/holds/${hold.holdId}` };
      },
      'PUT /documents/{documentId}/contract-end': () => ({
        path: `/documents/${contract}/contract-end`,
        // Today: a contract end may not be before the document was archived (this run).
        body: { endedOn: new Date().toISOString().slice(0, 10) },
      }),
      'GET /disposals': () => ({ path: '/disposals' }),
      'GET /disposals/{batchId}': () => ({ path: `/disposals/${MATRIX_BATCH}` }),
      'GET /stats': () => ({ path: '/stats' }),
      'GET /system/health': () => ({ path: '/system/health' }),
      'GET /me/notifications': () => ({ path: '/me/notifications' }),
      'PUT /me/notifications': () => ({ path: '/me/notifications', body: { 'loan-due': 'digest' } }),
      // The footer link of a mail the fixtures' review task sent to reviewer1.
      'POST /notifications/unsubscribe': async () => {
        const mail = await waitForMail(system.ready.mailInboxUrl, 'reviewer1@dangan.local', '#/unsubscribe/');
        return { path: '/notifications/unsubscribe', body: { token: unsubscribeTokenOf(mail) } };
      },
      // A submission the stuck check found (its execution stopped): the archivist repairs it.
      'POST /stuck/{kind}/{recordId}/repair': async () => {
        stuckId ??= stuckSubmission(api, system, 'matrix-stuck');
        return { path: `/stuck/submission/${await stuckId}/repair` };
      },
      'POST /imports': () => ({
        path: '/imports',
        body: { catalogueSha256: createHash('sha256').update(`matrix open ${caller}`).digest('hex') },
      }),
      'GET /imports': () => ({ path: '/imports' }),
      'GET /imports/{importId}': async () => ({ path: `/imports/${await importBatch('read', false)}` }),
      'GET /imports/{importId}/rows': async () => ({
        path: `/imports/${await importBatch('read', false)}/rows`,
      }),
      'POST /imports/{importId}/rows': async () => ({
        path: `/imports/${await importBatch('register', false)}/rows`,
        body: { rows: [importRow(CALLERS.indexOf(caller) + 1)] },
      }),
      'POST /imports/{importId}/uploads': async () => ({
        path: `/imports/${await importBatch('uploads', true)}/uploads`,
        body: { rows: [1] },
      }),
      'POST /imports/{importId}/close': async () => ({
        path: `/imports/${await importBatch('close', true)}/close`,
      }),
      'POST /handovers': () => ({ path: '/handovers', body: { year: new Date().getUTCFullYear() } }),
      'GET /handovers': () => ({ path: '/handovers' }),
      'GET /handovers/{handoverId}': async () => ({ path: `/handovers/${await handoverOfTheYear()}` }),
    };
    const build = byRoute[route];
    if (!build) throw new Error(`no request for ${route}: add it here and a row to access-matrix.ts`);
    return build();
  }

  it('has a row for every route of the catalog and no other', () => {
    expect(Object.keys(MATRIX).sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('answers every caller on every route as the matrix says', async () => {
    const failures: string[] = [];
    const keys = ROUTES.map((r) => `${r.method} ${r.path}`);
    await pool(keys, 4, async (key) => {
      const [method = 'GET'] = key.split(' ');
      const allowed = MATRIX[key];
      // Callers in order, one at a time per route, so state-changing calls see each other's results.
      for (const caller of CALLERS) {
        const req = await requestFor(key, caller);
        const r = await api.call(caller, method, req.path, req.body, req.headers);
        const ok = allowed === 'public' || allowed?.includes(caller);
        const pass = ok ? r.status >= 200 && r.status < 300 : r.status === 403;
        if (!pass) failures.push(`${key} as ${caller}: ${r.status} ${JSON.stringify(r.body).slice(0, 160)}`);
      }
    });
    expect(failures).toEqual([]);
  }, 180_000);

  it('refuses a missing, an expired and a foreign token with 401, an ID token and a forged group with 403', async () => {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const foreign = await new SignJWT({
      username: 'archivist1',
      'cognito:groups': ['archivist'],
      token_use: 'access',
      client_id: 'dangan-local-console',
      scope: API_SCOPE.claim,
    })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer('https://identity.dangan.local')
      .setSubject(sub('archivist1'))
      .setExpirationTime('1h')
      .sign(privateKey);
    const expired = await localToken(
      { sub: sub('archivist1'), username: 'archivist1', 'cognito:groups': ['archivist'] },
      -60,
    );
    // Signed by the right key, but claiming every role staff1 was never granted.
    const forged = await localToken(
      {
        sub: sub('staff1'),
        username: 'staff1',
        'cognito:groups': ['clerk', 'reviewer', 'archivist', 'approver', 'auditor', 'sysadmin', 'secadmin'],
      },
      600,
    );
    // The ID token Cognito hands out beside the access token: valid, but without the API's scope.
    const issued = await fetch(`${system.ready.apiUrl}/local/token`, {
      method: 'POST',
      body: JSON.stringify({ username: 'archivist1' }),
    });
    const { idToken } = (await issued.json()) as { idToken: string };
    const failures: string[] = [];
    await pool(
      ROUTES.filter((r) => r.roles !== 'public'),
      4,
      async (route) => {
        const path = route.path.replace(/\{[^}]+\}/g, 'x0');
        for (const [label, token, want] of [
          ['no token', null, 401],
          ['expired', expired, 401],
          ['foreign key', foreign, 401],
          ['ID token', idToken, 403],
          ['forged group', forged, 403],
        ] as const) {
          const status = await raw(token, route.method, path, route.method === 'GET' ? undefined : {});
          if (status !== want)
            failures.push(`${route.method} ${route.path} ${label}: ${status}, not ${want}`);
        }
      },
    );
    expect(failures).toEqual([]);
  }, 120_000);
});

describe('accounts', () => {
  it('refuses a disabled account on its next request and gives it no new token; enabling restores it', async () => {
    const target = sub('clerk2');
    const token = await api.token('clerk2');
    expect(await raw(token, 'GET', '/scheme')).toBe(200);
    const disabled = await api.expect<{ status: string }>(
      200,
      'secadmin1',
      'POST',
      `/users/${target}/disable`,
      {
        reason: 'left the company',
      },
    );
    expect(disabled.status).toBe('DISABLED');
    await until('the disabled token to be refused', async () =>
      (await raw(token, 'GET', '/scheme')) === 401 ? true : undefined,
    );
    const again = await fetch(`${system.ready.apiUrl}/local/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'clerk2' }),
    });
    expect(again.status).toBe(403);
    await api.expect(200, 'secadmin1', 'POST', `/users/${target}/enable`);
    await until('the token to work again', async () =>
      (await raw(token, 'GET', '/scheme')) === 200 ? true : undefined,
    );
  });

  it('drops a revoked role from tokens already issued, and a granted one comes with the next token', async () => {
    const target = sub('staff1');
    const token = await api.token('staff1');
    expect(await raw(token, 'GET', '/customers?q=x')).toBe(200);
    await api.expect(200, 'secadmin1', 'DELETE', `/users/${target}/roles/staff`);
    await until('the revoked role to stop working', async () =>
      (await raw(token, 'GET', '/customers?q=x')) === 403 ? true : undefined,
    );
    await api.expect(200, 'secadmin1', 'POST', `/users/${target}/roles`, { role: 'staff' });
    await until('the role to work again', async () =>
      (await raw(token, 'GET', '/customers?q=x')) === 200 ? true : undefined,
    );
  });

  it('keeps 三员分立: no admin role combines with another, and nobody changes their own account', async () => {
    const r = await api.call('secadmin1', 'POST', `/users/${sub('auditor1')}/roles`, { role: 'archivist' });
    expect(r.status).toBe(409);
    expect(JSON.stringify(r.body)).toContain('三员分立');
    expect(
      (await api.call('secadmin1', 'POST', `/users/${sub('secadmin1')}/roles`, { role: 'archivist' })).status,
    ).toBe(403);
  });

  it('refuses a token combining secadmin and archivist, managed or never managed, with the conflict named, does nothing and audits the refusal', async () => {
    const neverManaged = '0b0b0b0b-0000-4000-8000-00000000b0b0';
    const staff = sub('staff1');
    const before = await api.expect<{ version: number; roles: string[] }>(
      200,
      'secadmin1',
      'GET',
      `/users/${staff}`,
    );
    const tokens = [
      [
        'both1',
        await localToken(
          { sub: neverManaged, username: 'both1', 'cognito:groups': ['secadmin', 'archivist'] },
          600,
        ),
      ],
      [
        'secadmin1',
        await localToken(
          { sub: sub('secadmin1'), username: 'secadmin1', 'cognito:groups': ['secadmin', 'archivist'] },
          600,
        ),
      ],
    ] as const;
    for (const [username, token] of tokens) {
      const body = newCustomerBody();
      const as = { authorization: `Bearer ${token}` };
      const refused = [
        await api.call(null, 'GET', '/tasks', undefined, as),
        await api.call(null, 'POST', '/customers', body, as),
        await api.call(null, 'POST', `/users/${staff}/roles`, { role: 'clerk' }, as),
      ];
      for (const r of refused) {
        expect(r.status, username).toBe(403);
        expect((r.body as { error: { message: string } }).error.message).toBe(
          `the token of ${username} carries the groups archivist, secadmin: secadmin may not be combined with another role (三员分立), so no request is served with them; ask the security administrator to leave ${username} one administrator role or none`,
        );
      }
      // Nothing done: no customer, staff1's account as it was.
      const found = await api.expect<{ items: unknown[] }>(
        200,
        'archivist1',
        'GET',
        `/customers?q=${body.customerNo}`,
      );
      expect(found.items).toEqual([]);
      const after = await api.expect<{ version: number; roles: string[] }>(
        200,
        'secadmin1',
        'GET',
        `/users/${staff}`,
      );
      expect(after).toMatchObject({ version: before.version, roles: before.roles });
      // Each refusal is in the trail as access.denied, with the caller and the route.
      for (const [r, route] of refused.map(
        (x, i) => [x, ['GET /tasks', 'POST /customers', 'POST /users/{userId}/roles'][i]] as const,
      )) {
        const requestId = r.headers.get('apigw-requestid');
        const event = await until(`access.denied of ${route} for ${username}`, async () => {
          const { items } = await api.expect<{
            items: { requestId?: string; action: string; actorName: string; details?: { status?: number } }[];
          }>(
            200,
            'auditor1',
            'GET',
            `/audit?targetId=${encodeURIComponent(route ?? '')}&action=access.denied`,
          );
          return items.find((e) => e.requestId === requestId);
        });
        expect(event).toMatchObject({
          action: 'access.denied',
          actorName: username,
          details: { status: 403 },
        });
      }
    }
    // A never-managed person with one role acts with it, as the identity provider says.
    const single = await localToken(
      { sub: neverManaged, username: 'both1', 'cognito:groups': ['archivist'] },
      600,
    );
    expect(await raw(single, 'GET', '/tasks')).toBe(200);
  });

  it('lists users and groups for the security administrator, and narrows a clerk to their regions', async () => {
    const list = await api.expect<{ items: { username: string; roles: string[] }[] }>(
      200,
      'secadmin1',
      'GET',
      '/users',
    );
    expect(list.items.find((u) => u.username === 'clerk1')?.roles).toEqual(['clerk']);
    const groups = await api.expect<{ items: { group: string; members: { username: string }[] }[] }>(
      200,
      'secadmin1',
      'GET',
      '/groups',
    );
    expect(groups.items.find((g) => g.group === 'auditor')?.members.map((m) => m.username)).toEqual([
      'auditor1',
    ]);

    const customerId = await newCustomer('clerk1');
    await api.expect(200, 'secadmin1', 'PUT', `/users/${sub('clerk2')}/regions`, { regions: ['NORTH'] });
    await until('the region limit to apply', async () =>
      (await api.call('clerk2', 'GET', `/customers/${customerId}`)).status === 404 ? true : undefined,
    );
    await api.expect(200, 'secadmin1', 'PUT', `/users/${sub('clerk2')}/regions`, { regions: [] });
    await until('the region limit to lift', async () =>
      (await api.call('clerk2', 'GET', `/customers/${customerId}`)).status === 200 ? true : undefined,
    );
  });
});

describe('sensitive fields', () => {
  const FIELDS = ['idNumber', 'phone', 'address', 'bankAccount'] as const;

  it('are masked field by field for every role but the archivist, whose read is audited', async () => {
    const body = newCustomerBody();
    const { customerId } = await api.expect<{ customerId: string }>(
      201,
      'clerk1',
      'POST',
      '/customers',
      body,
    );
    for (const caller of ['clerk1', 'reviewer1', 'archivist1', 'approver1', 'auditor1', 'staff1']) {
      const c = await api.expect<Record<string, string>>(200, caller, 'GET', `/customers/${customerId}`);
      for (const field of FIELDS) {
        if (caller === 'archivist1') expect(c[field], `${caller} ${field}`).toBe(body[field]);
        else {
          expect(c[field], `${caller} ${field}`).not.toBe(body[field]);
          expect(c[field], `${caller} ${field}`).toContain('*');
        }
      }
    }
    const trail = await api.expect<{
      items: { action: string; actorName: string; after?: Record<string, string> }[];
    }>(200, 'auditor1', 'GET', `/audit?targetId=${customerId}`);
    expect(trail.items.filter((e) => e.action === 'customer.read-unmasked').map((e) => e.actorName)).toEqual([
      'archivist1',
    ]);
    // The auditor reads the trail, but the records in it masked.
    const created = trail.items.find((e) => e.action === 'customer.created');
    for (const field of FIELDS) expect(created?.after?.[field], field).toContain('*');
  });
});

describe('audit trail', () => {
  interface Event {
    eventId: string;
    action: string;
    actorName: string;
    actorSub: string;
    targetId: string;
    at: string;
    requestId?: string;
  }
  const eventsOf = async (query: string) =>
    (await api.expect<{ items: Event[] }>(200, 'auditor1', 'GET', `/audit?${query}`)).items;

  async function exactlyOne(query: string, requestId: string | null, action: string, actor: string) {
    const found = await until(`${action} for request ${requestId}`, async () => {
      const items = (await eventsOf(query)).filter((e) => e.requestId === requestId);
      return items.length > 0 ? items : undefined;
    });
    expect(found.map((e) => e.action)).toEqual([action]);
    const [e] = found;
    expect(e?.actorName).toBe(actor);
    expect(e?.at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(e?.targetId).toBeTruthy();
  }

  it('keeps exactly one event, with actor, target, time and request id, for each audited action', async () => {
    const created = await api.call('clerk1', 'POST', '/customers', newCustomerBody());
    const customerId = (created.body as { customerId: string }).customerId;
    await exactlyOne(
      `targetId=${customerId}`,
      created.headers.get('apigw-requestid'),
      'customer.created',
      'clerk1',
    );

    const patched = await api.call(
      'clerk1',
      'PATCH',
      `/customers/${customerId}`,
      { phone: '13700000000' },
      {
        'if-match': '1',
      },
    );
    expect(patched.status).toBe(200);
    await exactlyOne(
      `targetId=${customerId}`,
      patched.headers.get('apigw-requestid'),
      'customer.updated',
      'clerk1',
    );

    const unmasked = await api.call('archivist1', 'GET', `/customers/${customerId}`);
    await exactlyOne(
      `targetId=${customerId}`,
      unmasked.headers.get('apigw-requestid'),
      'customer.read-unmasked',
      'archivist1',
    );

    const denied = await api.call('staff1', 'POST', '/customers', newCustomerBody());
    expect(denied.status).toBe(403);
    await exactlyOne(
      'targetId=POST%20%2Fcustomers',
      denied.headers.get('apigw-requestid'),
      'access.denied',
      'staff1',
    );

    const res = await fetch(`${system.ready.apiUrl}/customers/${customerId}`, {
      headers: { authorization: 'Bearer not-a-token' },
    });
    expect(res.status).toBe(401);
    await exactlyOne(
      `targetId=${encodeURIComponent('GET /customers/{customerId}')}`,
      res.headers.get('apigw-requestid'),
      'access.unauthenticated',
      'anonymous',
    );

    const disabled = await api.call('secadmin1', 'POST', `/users/${sub('reviewer2')}/disable`, {
      reason: 'audit test',
    });
    await exactlyOne(
      `targetId=${sub('reviewer2')}`,
      disabled.headers.get('apigw-requestid'),
      'account.disabled',
      'secadmin1',
    );
    await api.expect(200, 'secadmin1', 'POST', `/users/${sub('reviewer2')}/enable`);
  });

  it('exports the same query as CSV', async () => {
    const customerId = await newCustomer();
    const res = await fetch(`${system.ready.apiUrl}/audit/export?targetId=${customerId}`, {
      headers: { authorization: `Bearer ${await api.token('auditor1')}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const lines = (await res.text()).trim().split('\r\n');
    expect(lines[0]).toBe(
      'at,eventId,action,actorName,actorSub,actorRoles,targetType,targetId,requestId,before,after,details',
    );
    expect(lines.some((l) => l.includes('customer.created'))).toBe(true);
    expect(lines.join('\n')).not.toContain('6222020200112233445');
  });

  it('reads a day and an actor over every shard of their index keys, newest first and page by page, events from before the sharding included', async () => {
    const from = new Date(Date.now() - 1000).toISOString();
    for (let i = 0; i < 6; i++) await newCustomer('clerk2');
    // An event as written before the day and actor keys were sharded: one key each.
    const legacy = auditItem({
      action: 'customer.viewed',
      actor: { sub: sub('clerk2'), username: 'clerk2', roles: ['clerk'] },
      targetType: 'customer',
      targetId: 'LEGACY-UNSHARDED',
    });
    const plain = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: system.ready.dynamodbUrl,
        region: system.ready.region,
        credentials: system.credentials,
      }),
    );
    const table = system.ready.tables.audit;
    await plain.send(
      new PutCommand({
        TableName: table,
        Item: { ...legacy, gsi1pk: `ACTOR#${legacy.actorSub}`, gsi2pk: `DAY#${legacy.at.slice(0, 10)}` },
      }),
    );
    // Up to now: the auditor's own searches that follow stay out of the range read.
    const to = new Date().toISOString();
    const range = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
    const newestFirst = (items: Event[]) =>
      items.every(
        (e, i) => i === 0 || `${e.at}#${e.eventId}` < `${items[i - 1]?.at}#${items[i - 1]?.eventId}`,
      );

    for (const query of [range, `actor=clerk2&${range}`]) {
      const whole = await eventsOf(`${query}&limit=1000`);
      expect(whole.map((e) => e.eventId)).toContain(legacy.eventId);
      expect(whole.filter((e) => e.action === 'customer.created' && e.actorName === 'clerk2')).toHaveLength(
        6,
      );
      expect(newestFirst(whole)).toBe(true);
      const paged: Event[] = [];
      let cursor: string | undefined;
      do {
        const page = await api.expect<{ items: Event[]; nextCursor?: string }>(
          200,
          'auditor1',
          'GET',
          `/audit?${query}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        expect(page.items.length).toBeLessThanOrEqual(2);
        paged.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      expect(paged.map((e) => e.eventId)).toEqual(whole.map((e) => e.eventId));
    }

    // The new events are spread over the shard keys of the day and of the actor.
    const clerkEvents = (await eventsOf(`actor=clerk2&${range}&limit=1000`)).filter(
      (e) => e.eventId !== legacy.eventId,
    );
    const stored = await Promise.all(
      clerkEvents.map(async (e) => {
        const res = await plain.send(
          new GetCommand({
            TableName: table,
            Key: { pk: `TARGET#${e.targetId}`, sk: `${e.at}#${e.eventId}` },
          }),
        );
        return res.Item as { gsi1pk: string; gsi2pk: string };
      }),
    );
    const shardOf = (key: string, base: RegExp): number => {
      const m = new RegExp(`^${base.source}#(\\d+)$`).exec(key);
      return m ? Number(m[1]) : -1;
    };
    for (const item of stored) {
      expect(shardOf(item.gsi1pk, new RegExp(`ACTOR#${sub('clerk2')}`))).toBeGreaterThanOrEqual(0);
      expect(shardOf(item.gsi1pk, new RegExp(`ACTOR#${sub('clerk2')}`))).toBeLessThan(AUDIT_INDEX_SHARDS);
      expect(shardOf(item.gsi2pk, /DAY#\d{4}-\d\d-\d\d/)).toBeGreaterThanOrEqual(0);
      expect(shardOf(item.gsi2pk, /DAY#\d{4}-\d\d-\d\d/)).toBeLessThan(AUDIT_INDEX_SHARDS);
    }
    expect(new Set(stored.map((i) => i.gsi2pk)).size).toBeGreaterThan(1);
  });

  it('answers a year from the table and older days from the locked copies, each read on record', async () => {
    const customerId = await newCustomer('clerk2');
    const day = (t: number) => new Date(t).toISOString().slice(0, 10);
    // An event of 400 days ago still in the table: DynamoDB lets an item go some time after its
    // expiry (and DynamoDB Local never does), so the search must leave it out by itself.
    const old = auditItem({
      action: 'customer.viewed',
      actor: { sub: sub('clerk2'), username: 'clerk2', roles: ['clerk'] },
      targetType: 'customer',
      targetId: customerId,
      at: new Date(Date.now() - 400 * 86_400_000).toISOString(),
    });
    expect(old.expiresAt).toBe(Math.floor(Date.parse(old.at) / 1000) + 372 * 86_400);
    // And another actor's change of it that day: the copies' filters have two events to tell apart.
    const oldChange = auditItem({
      action: 'customer.updated',
      actor: { sub: sub('clerk1'), username: 'clerk1', roles: ['clerk'] },
      targetType: 'customer',
      targetId: customerId,
      at: new Date(Date.parse(old.at) + 1000).toISOString(),
    });
    const plain = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: system.ready.dynamodbUrl,
        region: system.ready.region,
        credentials: system.credentials,
      }),
    );
    for (const Item of [old, oldChange]) {
      await plain.send(new PutCommand({ TableName: system.ready.tables.audit, Item }));
    }

    const searched = await api.expect<{ items: Event[]; searchableFrom: string }>(
      200,
      'auditor1',
      'GET',
      `/audit?targetId=${customerId}`,
    );
    expect(searched.items.map((e) => e.action)).toEqual(['customer.created']);
    expect(Date.parse(searched.searchableFrom)).toBeGreaterThan(Date.now() - 366 * 86_400_000);
    expect(Date.parse(searched.searchableFrom)).toBeLessThan(Date.now() - 364 * 86_400_000);
    expect(searched.items[0]).not.toHaveProperty('expiresAt');

    // A range that ends before the year is refused with the way to the copies, in both languages.
    const before = await api.call<{ error: { message: string } }>(
      'auditor1',
      'GET',
      `/audit?targetId=${customerId}&from=${day(Date.parse(old.at))}&to=${day(Date.parse(old.at) + 86_400_000)}`,
    );
    expect(before.status).toBe(400);
    expect(before.body.error.message).toContain(`GET /audit/copies?day=${day(Date.parse(old.at))}`);
    expect(before.body.error.message).toMatch(/锁定副本/);
    // A search by day still names its start.
    const unbounded = await api.call<{ error: { message: string } }>(
      'auditor1',
      'GET',
      '/audit?action=customer.viewed',
    );
    expect(unbounded.status).toBe(400);
    expect(unbounded.body.error.message).toContain('needs a start');

    // The copies answer for that day, filtered, without storage keys: every page of it (a day
    // as busy as this file's today would take several; the old day holds these two alone).
    const oldDay = day(Date.parse(old.at));
    const copies = async (query: string) => {
      const items: (Event & { change?: string })[] = [];
      let cursor: string | undefined;
      do {
        const page = await api.expect<{ items: (Event & { change?: string })[]; nextCursor?: string }>(
          200,
          'auditor1',
          'GET',
          `/audit/copies?day=${oldDay}&targetId=${customerId}&${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        items.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      return items;
    };
    const both = await until("the old events in their day's copies", async () => {
      const items = await copies('');
      return items.length >= 2 ? items : undefined;
    });
    expect(both).toEqual([
      expect.objectContaining({ eventId: old.eventId, action: 'customer.viewed', actorName: 'clerk2' }),
      expect.objectContaining({
        eventId: oldChange.eventId,
        action: 'customer.updated',
        actorName: 'clerk1',
      }),
    ]);
    for (const e of both) {
      expect(e).not.toHaveProperty('pk');
      expect(e).not.toHaveProperty('expiresAt');
      expect(e).not.toHaveProperty('change');
    }
    expect((await copies('actor=clerk2')).map((e) => e.eventId)).toEqual([old.eventId]);
    expect((await copies('action=customer.updated')).map((e) => e.eventId)).toEqual([oldChange.eventId]);
    // Whenever DynamoDB's TTL lets the items go (within two days on AWS, at its own pace locally),
    // the removal comes in DynamoDB's name and is not copied as tampering (test/unit/audit-year.test.ts).

    // Tomorrow has no copies to read; a malformed day is named.
    const tomorrow = await api.call<{ error: { message: string } }>(
      'auditor1',
      'GET',
      `/audit/copies?day=${day(Date.now() + 2 * 86_400_000)}`,
    );
    expect(tomorrow.status).toBe(400);
    expect(tomorrow.body.error.message).toMatch(/after today[\s\S]*晚于今天/);
    expect((await api.call('auditor1', 'GET', '/audit/copies?day=2026-02-30')).status).toBe(400);
    expect((await api.call('clerk2', 'GET', `/audit/copies?day=${oldDay}`)).status).toBe(403);

    // Each read of the copies is on record with its query.
    const record = await until('the copies read on record', async () => {
      const items = (
        await api.expect<{ items: (Event & { details?: { query?: Record<string, string> } })[] }>(
          200,
          'auditor1',
          'GET',
          `/audit?targetId=AUDIT-TRAIL&action=audit-copies-read&limit=1000`,
        )
      ).items.filter((e) => e.details?.query?.targetId === customerId);
      return items.length >= 3 ? items : undefined;
    });
    expect(record.map((e) => e.details?.query?.day)).toContain(oldDay);
    expect(record.map((e) => e.details?.query?.actor)).toContain('clerk2');
  }, 90_000);

  it("puts the auditor's own searches and exports on record, with their filters", async () => {
    const customerId = await newCustomer();
    const searched = await api.call(
      'auditor1',
      'GET',
      `/audit?targetId=${customerId}&action=customer.created`,
    );
    expect(searched.status).toBe(200);
    const exported = await fetch(`${system.ready.apiUrl}/audit/export?targetId=${customerId}`, {
      headers: { authorization: `Bearer ${await api.token('auditor1')}` },
    });
    expect(exported.status).toBe(200);
    const csvLines = (await exported.text()).trim().split('\r\n').length - 1;
    type QueryEvent = Event & { details?: { query?: { [k: string]: string }; returned?: number } };
    const onRecord = async (requestId: string | null) =>
      until(`the audit query ${requestId} on record`, async () => {
        const items = (
          await api.expect<{ items: QueryEvent[] }>(
            200,
            'auditor1',
            'GET',
            '/audit?targetId=AUDIT-TRAIL&limit=50',
          )
        ).items.filter((e) => e.requestId === requestId);
        return items.length > 0 ? items : undefined;
      });
    const [search] = await onRecord(searched.headers.get('apigw-requestid'));
    expect(search).toMatchObject({
      action: 'audit-searched',
      actorName: 'auditor1',
      details: { query: { targetId: customerId, action: 'customer.created' }, returned: 1 },
    });
    const [exportEvent] = await onRecord(exported.headers.get('apigw-requestid'));
    expect(exportEvent).toMatchObject({
      action: 'audit-exported',
      actorName: 'auditor1',
      details: { query: { targetId: customerId }, returned: csvLines },
    });
  });

  it('refuses to change or delete an audit item through the data layer', async () => {
    Object.assign(process.env, {
      AUDIT_TABLE_NAME: system.ready.tables.audit,
      AWS_ENDPOINT_URL_DYNAMODB: system.ready.dynamodbUrl,
      AWS_REGION: system.ready.region,
      AWS_ACCESS_KEY_ID: system.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: system.credentials.secretAccessKey,
    });
    const { ddb } = await import('../../functions/adapters/clients.ts');
    const { DeleteCommand, PutCommand, UpdateCommand, TransactWriteCommand } = await import(
      '@aws-sdk/lib-dynamodb'
    );
    const [event] = await eventsOf(`targetId=${await newCustomer()}`);
    const key = { pk: `TARGET#${event?.targetId}`, sk: `${event?.at}#${event?.eventId}` };
    const table = system.ready.tables.audit;
    await expect(
      ddb.send(
        new UpdateCommand({
          TableName: table,
          Key: key,
          UpdateExpression: 'SET actorName = :x',
          ExpressionAttributeValues: { ':x': 'nobody' },
        }),
      ),
    ).rejects.toThrow(/append-only/);
    await expect(ddb.send(new DeleteCommand({ TableName: table, Key: key }))).rejects.toThrow(/append-only/);
    await expect(
      ddb.send(new PutCommand({ TableName: table, Item: { ...key, action: 'forged' } })),
    ).rejects.toThrow(/append-only/);
    await expect(
      ddb.send(new TransactWriteCommand({ TransactItems: [{ Delete: { TableName: table, Key: key } }] })),
    ).rejects.toThrow(/append-only/);
    // Appending over an existing event fails on its condition.
    await expect(
      ddb.send(
        new PutCommand({
          TableName: table,
          Item: { ...key, action: 'forged' },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    ).rejects.toThrow(/conditional/i);
    const after = await eventsOf(`targetId=${event?.targetId}`);
    expect(after.find((e) => e.eventId === event?.eventId)?.action).toBe(event?.action);
  });

  it('copies the trail to the archive bucket under COMPLIANCE Object Lock', async () => {
    const objects = await until('audit copies in the archive bucket', async () => {
      const r = await s3.send(
        new ListObjectsV2Command({ Bucket: system.ready.archiveBucket, Prefix: 'audit/' }),
      );
      return (r.Contents ?? []).length > 0 ? r.Contents : undefined;
    });
    const key = objects?.[0]?.Key ?? '';
    expect(key).toMatch(/^audit\/\d{4}\/\d\d\/\d\d\/.+\.jsonl$/);
    const retention = await s3.send(
      new GetObjectRetentionCommand({ Bucket: system.ready.archiveBucket, Key: key }),
    );
    expect(retention.Retention?.Mode).toBe('COMPLIANCE');
    expect(retention.Retention?.RetainUntilDate?.getTime()).toBeGreaterThan(Date.now() + 365 * 86_400_000);
  });

  it('puts the trail back from its locked copies into an empty table, each event once, as it was', async () => {
    await newCustomer();
    const dynamo = new DynamoDBClient({
      endpoint: system.ready.dynamodbUrl,
      region: system.ready.region,
      credentials: system.credentials,
    });
    const doc = DynamoDBDocumentClient.from(dynamo);
    try {
      const [table = ''] = await ensureTables(
        dynamo,
        [AUDIT_TABLE],
        () => `dangan-audit-restored-${Date.now()}`,
      );
      const scanAll = async (name: string) => {
        const items: Record<string, unknown>[] = [];
        for await (const page of paginateScan({ client: doc }, { TableName: name }))
          items.push(...(page.Items ?? []));
        return new Map(items.map((i) => [`${i.pk}|${i.sk}`, i]));
      };
      // The events the table keeps (one put in 400 days ago, past its year, stays in the copies only).
      const trail = new Map(
        [...(await scanAll(system.ready.tables.audit))].filter(
          ([, i]) => Number(i.expiresAt) > Date.now() / 1000,
        ),
      );
      // The copies follow the table's stream a moment behind: restore until every event is back.
      const restored = await until(
        'every audit event restored from the copies',
        async () => {
          await restoreAuditTrail({ s3, ddb: doc, bucket: system.ready.archiveBucket, table });
          const back = await scanAll(table);
          return [...trail.keys()].every((k) => back.has(k)) ? back : undefined;
        },
        60_000,
        500,
      );
      for (const [key, event] of trail) expect(restored.get(key), key).toEqual(event);
      // The command, run again, finds every event there and puts nothing; into a table that does
      // not exist it fails, saying so in both languages.
      const restoreCommand = (into: string) =>
        new Promise<{ code: number; stdout: string; stderr: string }>((done) =>
          execFile(
            process.execPath,
            [
              '--import',
              'tsx',
              'scripts/restore-audit.ts',
              '--bucket',
              system.ready.archiveBucket,
              '--table',
              into,
            ],
            {
              cwd: PROJECT_ROOT,
              env: {
                ...process.env,
                AWS_ENDPOINT_URL_S3: system.ready.s3Url,
                AWS_ENDPOINT_URL_DYNAMODB: system.ready.dynamodbUrl,
                AWS_REGION: system.ready.region,
                AWS_ACCESS_KEY_ID: system.credentials.accessKeyId,
                AWS_SECRET_ACCESS_KEY: system.credentials.secretAccessKey,
              },
            },
            (err, stdout, stderr) => done({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
          ),
        );
      const [again, nowhere] = await Promise.all([
        restoreCommand(table),
        restoreCommand('dangan-no-such-table'),
      ]);
      expect(nowhere.code).toBe(1);
      expect(nowhere.stderr).toMatch(/审计恢复失败[\s\S]*audit restore failed: ResourceNotFoundException/);
      expect(again.code).toBe(0);
      const counts = JSON.parse(again.stdout) as RestoreCounts;
      expect(counts.restored).toBe(0);
      expect(counts.present).toBeGreaterThanOrEqual(trail.size);
      expect(counts.objects).toBeGreaterThan(0);
    } finally {
      doc.destroy();
    }
  }, 120_000);
});

describe('history and optimistic locking', () => {
  it('lets one of two concurrent changes win and keeps both versions that were made', async () => {
    const customerId = await newCustomer();
    const [a, b] = await Promise.all([
      api.call('clerk1', 'PATCH', `/customers/${customerId}`, { phone: '13600000001' }, { 'if-match': '1' }),
      api.call(
        'archivist1',
        'PATCH',
        `/customers/${customerId}`,
        { phone: '13600000002' },
        { 'if-match': '1' },
      ),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const loser = a.status === 409 ? a : b;
    expect(JSON.stringify(loser.body)).toContain('version');
    // The loser reads again and reapplies its change on the new version.
    const again = await api.call(
      a.status === 409 ? 'clerk1' : 'archivist1',
      'PATCH',
      `/customers/${customerId}`,
      { phone: a.status === 409 ? '13600000001' : '13600000002' },
      { 'if-match': '2' },
    );
    expect(again.status).toBe(200);
    const history = await api.expect<{ items: { version: number; changedBy: string }[] }>(
      200,
      'auditor1',
      'GET',
      `/customers/${customerId}/history`,
    );
    expect(history.items.map((v) => v.version)).toEqual([1, 2, 3]);
    expect(new Set(history.items.slice(1).map((v) => v.changedBy))).toEqual(
      new Set(['clerk1', 'archivist1']),
    );
  });

  it('keeps a version of a document for each change of status and metadata', async () => {
    const customerId = await newCustomer();
    const draft = await createDraft(api, customerId, 'CHANGE', changeDocs('history'));
    await uploadAll(api, draft);
    const id = draft.docs[0]?.documentId ?? '';
    const history = await until('versions up to UPLOADED', async () => {
      const h = await api.expect<{
        items: { kind: string; status?: { to: string }; changedBy: string; changed: string[] }[];
      }>(200, 'archivist1', 'GET', `/documents/${id}/history`);
      return h.items.some((v) => v.status?.to === 'UPLOADED') ? h : undefined;
    });
    expect(history.items[0]?.kind).toBe('INSERT');
    expect(history.items[0]?.status?.to).toBe('PENDING_UPLOAD');
    expect(history.items.find((v) => v.status?.to === 'UPLOADED')?.changed).toContain('status');
    // Each version is one object in the archive bucket, none an item of the records table.
    const objects = await s3.send(
      new ListObjectsV2Command({ Bucket: system.ready.archiveBucket, Prefix: `history/${id}/` }),
    );
    expect((objects.Contents ?? []).length).toBe(history.items.length);
    const ddb = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: system.ready.dynamodbUrl,
        region: system.ready.region,
        credentials: system.credentials,
      }),
    );
    const partition = await ddb.send(
      new QueryCommand({
        TableName: system.ready.tables.records,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `DOCUMENT#${id}` },
      }),
    );
    ddb.destroy();
    expect(partition.Items?.map((i) => i.sk)).toEqual(['DOCUMENT']);
    // The auditor sees the history too; a clerk does not.
    expect((await api.call('auditor1', 'GET', `/documents/${id}/history`)).status).toBe(200);
    expect((await api.call('clerk1', 'GET', `/documents/${id}/history`)).status).toBe(403);
  });
});
