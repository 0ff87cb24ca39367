/**
 * Intake scans before archiving, end to end over HTTP against the local system: the reviewer
 * deciding a submission (its clerk, archivists) previews each scan through a presigned GET of the
 * intake bucket, bound to that key, shown inline and audited; unscanned and infected scans are
 * never handed out. And a clerk's own list of submissions (`GET /submissions`).
 */
import { DeleteObjectTaggingCommand, GetObjectTaggingCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { EICAR } from '../../infra/local/malware-scan.ts';
import {
  Api,
  changeDocs,
  createCustomer,
  createDraft,
  type Draft,
  localUsers,
  objectOfUrl,
  openTaskFor,
  planDoc,
  s3ClientFor,
  uploadAll,
  waitSubmission,
} from './client.ts';
import { useLocalSystem } from './lifecycle.ts';
import { type LocalSystem, until } from './system.ts';

let system: LocalSystem;
let api: Api;
let s3: S3Client;
let users = new Map<string, string>(); // username → sub

// Accounts are cached for 2 s here, so a change of regions lands while the test waits.
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

interface Link {
  url: string;
  expiresAt: string;
  contentType: string;
}
interface ApiError {
  error: { code: string; message: string; details?: { path: string; message: string }[] };
}
interface AuditEvent {
  action: string;
  actorName: string;
  targetId: string;
  details?: Record<string, unknown>;
}

const previewPath = (draft: Draft, i: number) =>
  `/submissions/${draft.submissionId}/documents/${draft.docs[i]?.documentId}/content`;

async function previewEvents(documentId: string): Promise<AuditEvent[]> {
  const { items } = await api.expect<{ items: AuditEvent[] }>(
    200,
    'auditor1',
    'GET',
    `/audit?targetId=${documentId}`,
  );
  return items.filter((e) => e.action === 'document.scan-preview-url');
}

async function inReview(label: string): Promise<Draft> {
  const customerId = await createCustomer(api);
  const draft = await createDraft(api, customerId, 'CHANGE', changeDocs(label));
  await uploadAll(api, draft);
  await api.expect(202, 'clerk1', 'POST', `/submissions/${draft.submissionId}/submit`);
  await openTaskFor(api, draft.submissionId);
  return draft;
}

describe('previews of intake scans', () => {
  it('shows the reviewer each scan inline, exactly as uploaded, and audits every preview', async () => {
    const draft = await inReview('preview');
    for (const [i, doc] of draft.docs.entries()) {
      const link = await api.expect<Link>(200, 'reviewer1', 'GET', previewPath(draft, i));
      const url = new URL(link.url);
      expect(url.origin).toBe(new URL(system.ready.s3Url).origin);
      // Bound to the version the upload recorded, not to whatever the key holds later.
      expect(objectOfUrl(link.url)).toEqual({
        bucket: system.ready.intakeBucket,
        key: `intake/${draft.submissionId}/${doc.documentId}`,
        versionId: expect.any(String),
      });
      expect(Date.parse(link.expiresAt) - Date.now()).toBeLessThanOrEqual(300_000);
      const res = await fetch(link.url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(doc.contentType);
      expect(res.headers.get('content-disposition')).toMatch(/^inline; filename=/);
      expect(Buffer.from(await res.arrayBuffer()).equals(doc.bytes)).toBe(true);

      const events = await until(`the preview of ${doc.documentId} in the trail`, async () => {
        const e = await previewEvents(doc.documentId);
        return e.length > 0 ? e : undefined;
      });
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        actorName: 'reviewer1',
        targetId: doc.documentId,
        details: { submissionId: draft.submissionId, basis: 'review-task', submissionStatus: 'IN_REVIEW' },
      });
    }

    // The URL opens that one key: pointed at another document it fails the signature check.
    const link = await api.expect<Link>(200, 'reviewer1', 'GET', previewPath(draft, 0));
    const other = link.url.replace(draft.docs[0]?.documentId ?? '-', draft.docs[1]?.documentId ?? '-');
    expect((await fetch(other)).status).toBe(403);
    // The file name, in Chinese too, goes with the download.
    const named = await fetch((await api.expect<Link>(200, 'archivist1', 'GET', previewPath(draft, 2))).url);
    expect(named.headers.get('content-disposition')).toContain(
      `filename*=UTF-8''${encodeURIComponent(draft.docs[2]?.fileName ?? '')}`,
    );
  }, 120_000);

  it('lets the clerk who made it and archivists preview; refuses everyone else, saying why', async () => {
    const customerId = await createCustomer(api);
    const draft = await createDraft(api, customerId, 'CHANGE', changeDocs('who'));
    await uploadAll(api, draft);

    // A draft: its clerk and archivists, but no reviewer yet (there is no review task).
    await api.expect<Link>(200, 'clerk1', 'GET', previewPath(draft, 0));
    await api.expect<Link>(200, 'archivist1', 'GET', previewPath(draft, 0));
    const early = await api.call<ApiError>('reviewer1', 'GET', previewPath(draft, 0));
    expect(early.status).toBe(403);
    expect(early.body.error.message).toBe(
      `submission ${draft.submissionId} has no open review task; its scans are shown to a reviewer only while they may decide it`,
    );
    const other = await api.call<ApiError>('clerk2', 'GET', previewPath(draft, 0));
    expect(other.status).toBe(403);
    expect(other.body.error.message).toBe(`submission ${draft.submissionId} belongs to another clerk`);
    for (const user of ['approver1', 'auditor1', 'sysadmin1', 'secadmin1', 'staff1']) {
      const r = await api.call<ApiError>(user, 'GET', previewPath(draft, 0));
      expect(r.status, user).toBe(403);
      expect(r.body.error.message, user).toMatch(
        /may not call GET \/submissions\/\{submissionId\}\/documents/,
      );
    }
    const events = await previewEvents(draft.docs[0]?.documentId ?? '');
    expect(events.map((e) => [e.actorName, e.details?.basis]).sort()).toEqual([
      ['archivist1', 'archivist'],
      ['clerk1', 'creator'],
    ]);

    // Unknown submission, a document of another submission, a document not uploaded.
    const missing = await api.call<ApiError>('archivist1', 'GET', `/submissions/nope/documents/x/content`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toMatch(/does not exist/);
    const second = await createDraft(api, customerId, 'CHANGE', changeDocs('who-2'));
    const crossed = await api.call<ApiError>(
      'clerk1',
      'GET',
      `/submissions/${draft.submissionId}/documents/${second.docs[0]?.documentId}/content`,
    );
    expect(crossed.status).toBe(404);
    expect(crossed.body.error.message).toBe(
      `document ${second.docs[0]?.documentId} in submission ${draft.submissionId} does not exist`,
    );
    const pending = await api.call<ApiError>('clerk1', 'GET', previewPath(second, 0));
    expect(pending.status).toBe(409);
    expect(pending.body.error.message).toBe(
      `document ${second.docs[0]?.documentId} has not been uploaded yet`,
    );
  }, 120_000);

  it('answers a reviewer limited to other regions as if the document did not exist', async () => {
    const draft = await inReview('region');
    const reviewer2 = users.get('reviewer2') ?? '';
    await api.expect(200, 'reviewer2', 'GET', previewPath(draft, 0));
    await api.expect(200, 'secadmin1', 'PUT', `/users/${reviewer2}/regions`, { regions: ['SOUTH'] });
    try {
      const r = await until('the region limit to land', async () => {
        const res = await api.call<ApiError>('reviewer2', 'GET', previewPath(draft, 0));
        return res.status === 404 ? res : undefined;
      });
      expect(r.body.error.message).toBe(`document ${draft.docs[0]?.documentId} does not exist`);
    } finally {
      await api.expect(200, 'secadmin1', 'PUT', `/users/${reviewer2}/regions`, { regions: [] });
    }
  }, 120_000);

  it('never hands out an infected or an unscanned scan', async () => {
    const customerId = await createCustomer(api);
    const docs = changeDocs('unsafe');
    const infected = docs[1];
    if (!infected) throw new Error('three documents expected');
    infected.bytes = Buffer.concat([infected.bytes, Buffer.from(EICAR, 'latin1')]);
    const draft = await createDraft(api, customerId, 'CHANGE', docs);
    await uploadAll(api, draft);

    // Infected: the scanner tagged it THREATS_FOUND.
    const { bucket, key } = objectOfUrl(draft.docs[1]?.upload.url ?? '');
    await until('the infected scan to be tagged', async () => {
      const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
      return tags.TagSet?.some((t) => t.Value === 'THREATS_FOUND') ? true : undefined;
    });
    for (const user of ['clerk1', 'archivist1']) {
      const r = await api.call<ApiError>(user, 'GET', previewPath(draft, 1));
      expect(r.status).toBe(409);
      expect(r.body.error.message).toBe(
        `the malware scan found a threat in document ${draft.docs[1]?.documentId}; it is never shown`,
      );
    }

    // Unscanned: the scan result is not there (yet).
    const clean = objectOfUrl(draft.docs[0]?.upload.url ?? '');
    await until('the clean scan to be tagged', async () => {
      const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: clean.bucket, Key: clean.key }));
      return tags.TagSet?.some((t) => t.Value === 'NO_THREATS_FOUND') ? true : undefined;
    });
    await s3.send(new DeleteObjectTaggingCommand({ Bucket: clean.bucket, Key: clean.key }));
    const unscanned = await api.call<ApiError>('clerk1', 'GET', previewPath(draft, 0));
    expect(unscanned.status).toBe(409);
    expect(unscanned.body.error.message).toBe(
      `the scan of document ${draft.docs[0]?.documentId} has not been checked for malware yet; try again in a moment`,
    );

    // Neither refusal is on record as a preview.
    expect(await previewEvents(draft.docs[1]?.documentId ?? '')).toEqual([]);
    expect(await previewEvents(draft.docs[0]?.documentId ?? '')).toEqual([]);
  }, 120_000);

  it('sends archived documents to the content route, and a decided review ends the reviewer’s preview', async () => {
    const draft = await inReview('archived');
    const task = await openTaskFor(api, draft.submissionId);
    await api.expect(200, 'reviewer1', 'POST', `/tasks/${task.taskId}/decision`, { decision: 'approve' });
    const done = await api.call<ApiError>('reviewer1', 'GET', previewPath(draft, 0));
    expect(done.status).toBe(403);
    expect(done.body.error.message).toMatch(/has no open review task/);
    await waitSubmission(api, draft.submissionId, 'ARCHIVED', (s) => s.status === 'ARCHIVED');
    const archived = await api.call<ApiError>('archivist1', 'GET', previewPath(draft, 0));
    expect(archived.status).toBe(409);
    const id = draft.docs[0]?.documentId;
    expect(archived.body.error.message).toBe(
      `document ${id} is ARCHIVED; read the archived original through GET /documents/${id}/content`,
    );
  }, 120_000);
});

interface ListItem {
  submissionId: string;
  status: string;
  businessEvent: string;
  customerId: string;
  customerNo?: string;
  customerName?: string;
  documentCount: number;
  rejection?: { reason: string; problemCount: number; decidedBy: string };
}
interface ListPage {
  items: ListItem[];
  nextCursor?: string;
}

describe("a clerk's own submissions", () => {
  it('lists them newest first with status, event, customer, count and reason; filters and pages', async () => {
    const customerId = await createCustomer(api, 'clerk2');
    const drafts: Draft[] = [];
    for (const label of ['one', 'two', 'three']) {
      drafts.push(
        await createDraft(
          api,
          customerId,
          'METERING',
          [planDoc('METERWO', 'application/pdf', `装拆表工作单 ${label}`)],
          'clerk2',
        ),
      );
    }
    const [first, second, third] = drafts as [Draft, Draft, Draft];
    // The second one is submitted and rejected with a reason.
    await uploadAll(api, second, 'clerk2');
    await api.expect(202, 'clerk2', 'POST', `/submissions/${second.submissionId}/submit`);
    const task = await openTaskFor(api, second.submissionId);
    await api.expect(200, 'reviewer1', 'POST', `/tasks/${task.taskId}/decision`, {
      decision: 'reject',
      comment: '工作单缺少签字',
    });
    await waitSubmission(
      api,
      second.submissionId,
      'REJECTED',
      (s) => s.status === 'REJECTED',
      60_000,
      'clerk2',
    );

    const all = await api.expect<ListPage>(200, 'clerk2', 'GET', '/submissions');
    expect(all.items.map((i) => i.submissionId)).toEqual([
      third.submissionId,
      second.submissionId,
      first.submissionId,
    ]);
    expect(all.nextCursor).toBeUndefined();
    expect(all.items[0]).toMatchObject({
      status: 'DRAFT',
      businessEvent: 'METERING',
      customerId,
      customerName: expect.stringContaining('测试客户'),
      documentCount: 1,
    });
    expect(all.items[1]).toMatchObject({
      status: 'REJECTED',
      rejection: { reason: expect.stringContaining('工作单缺少签字'), decidedBy: 'reviewer1' },
    });

    const rejected = await api.expect<ListPage>(200, 'clerk2', 'GET', '/submissions?status=REJECTED');
    expect(rejected.items.map((i) => i.submissionId)).toEqual([second.submissionId]);

    // One at a time, with the cursor, to the end.
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 5; page++) {
      const p = await api.expect<ListPage>(
        200,
        'clerk2',
        'GET',
        `/submissions?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      seen.push(...p.items.map((i) => i.submissionId));
      cursor = p.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual(all.items.map((i) => i.submissionId));

    // Another clerk's list holds none of them; a reviewer has no list.
    const mine = await api.expect<ListPage>(200, 'clerk1', 'GET', '/submissions?limit=100');
    expect(mine.items.map((i) => i.submissionId)).not.toContain(first.submissionId);
    const reviewer = await api.call<ApiError>('reviewer1', 'GET', '/submissions');
    expect(reviewer.status).toBe(403);
    expect(reviewer.body.error.message).toMatch(/may not call GET \/submissions/);
  }, 180_000);

  it.each([
    [
      'status=LOST',
      'status',
      /status: must be one of DRAFT, SUBMITTED, VALIDATED, IN_REVIEW, ARCHIVED, REJECTED/,
    ],
    ['limit=0', 'limit', /limit: must be a whole number from 1 to 100/],
    ['limit=500', 'limit', /limit: must be a whole number from 1 to 100/],
    ['limit=abc', 'limit', /limit: must be a whole number from 1 to 100/],
    ['cursor=bm90LWEtY3Vyc29y', 'cursor', /cursor: is not a cursor this list returned/],
  ])('refuses ?%s with 400 naming %s', async (query, field, message) => {
    const r = await api.call<ApiError>('clerk1', 'GET', `/submissions?${query}`);
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(message);
    expect(r.body.error.details?.map((d) => d.path)).toEqual([field]);
  });

  it('refuses a cursor made for another filter', async () => {
    const customerId = await createCustomer(api);
    for (const label of ['c1', 'c2']) {
      await createDraft(api, customerId, 'METERING', [planDoc('METERWO', 'application/pdf', label)]);
    }
    const page = await api.expect<ListPage>(200, 'clerk1', 'GET', '/submissions?status=DRAFT&limit=1');
    expect(page.nextCursor).toBeDefined();
    const r = await api.call<ApiError>(
      'clerk1',
      'GET',
      `/submissions?status=REJECTED&cursor=${encodeURIComponent(page.nextCursor ?? '')}`,
    );
    expect(r.status).toBe(400);
    expect(r.body.error.message).toBe(
      'invalid request: cursor: was made for status=DRAFT, not status=REJECTED; start again without it',
    );
  });
});
