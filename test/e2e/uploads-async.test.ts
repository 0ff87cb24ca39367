/**
 * The record path under late and repeated deliveries, end to end against the local system with
 * its deliveries held and released by the test (`/local/deliveries`): the object-created event
 * and the malware scan arrive after the PUT, in either order, for whichever version. Whatever
 * arrives when, the bytes reviewed are the bytes archived, a late upload changes nothing, and no
 * archive-code number is skipped. The test clock (`/local/clock`) runs the Review state's
 * ScanPending retries.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  Api,
  callLocal,
  changeDocs,
  createCustomer,
  createDraft,
  type Draft,
  declare,
  openTaskFor,
  type PlannedDoc,
  planDoc,
  sha256Hex,
  type Upload,
  waitSubmission,
} from './client.ts';
import { useLocalSystem } from './lifecycle.ts';
import { type LocalSystem, until } from './system.ts';

let system: LocalSystem;
let api: Api;

useLocalSystem(async (started) => {
  system = started;
  api = new Api(system.ready.apiUrl);
});

const local = (method: string, path: string, body?: unknown) => callLocal(system, method, path, body);

const NOW = { minMs: 0, maxMs: 0 };
afterEach(async () => {
  await local('POST', '/local/deliveries', { event: NOW, scan: NOW });
});

/** PUTs through a presigned upload; the version S3 made. */
async function putVersion(upload: Upload, body: Buffer): Promise<string> {
  const res = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: new Uint8Array(body) });
  if (res.status !== 200) throw new Error(`PUT: ${res.status} ${await res.text()}`);
  const version = res.headers.get('x-amz-version-id');
  if (!version) throw new Error('the intake bucket answered without a version');
  return version;
}

const keyOf = (draft: Draft, i: number) => `intake/${draft.submissionId}/${draft.docs[i]?.documentId}`;

/** A new URL for document `i`, declaring `file` instead. */
async function replace(draft: Draft, i: number, file: PlannedDoc): Promise<Upload> {
  const { fileName, contentType, size, sha256 } = declare(file);
  const res = await api.expect<{ upload: Upload }>(
    200,
    'clerk1',
    'POST',
    `/submissions/${draft.submissionId}/documents/${draft.docs[i]?.documentId}/upload-url`,
    { fileName, contentType, size, sha256 },
  );
  return res.upload;
}

const documentsOf = async (id: string) =>
  (
    await api.expect<{ documents: { documentId: string; status: string; archiveCode?: string }[] }>(
      200,
      'clerk1',
      'GET',
      `/submissions/${id}`,
    )
  ).documents;

const waitUploaded = (draft: Draft) =>
  waitSubmission(api, draft.submissionId, 'with every document UPLOADED', (s) =>
    s.documents.every((d) => d.status === 'UPLOADED'),
  );

/** How many times the Review state's function has run (the local runtime counts invocations). */
const reviewRuns = async () =>
  ((await local('GET', '/local/faults')).invocations as Record<string, number>)['intake-open-review'] ?? 0;

const advance = (seconds: number) => local('POST', '/local/clock', { advanceSeconds: seconds });

async function fetchBytes(url: string): Promise<Buffer> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

/** The reviewer's preview of document `i` and, once archived, the archivist's original. */
const previewOf = async (draft: Draft, i: number) =>
  fetchBytes(
    (
      await api.expect<{ url: string }>(
        200,
        'reviewer1',
        'GET',
        `/submissions/${draft.submissionId}/documents/${draft.docs[i]?.documentId}/content`,
      )
    ).url,
  );
const originalOf = async (documentId: string) =>
  fetchBytes(
    (await api.expect<{ url: string }>(200, 'archivist1', 'GET', `/documents/${documentId}/content`)).url,
  );

async function approve(draft: Draft): Promise<void> {
  const task = await openTaskFor(api, draft.submissionId);
  await api.expect(200, 'reviewer1', 'POST', `/tasks/${task.taskId}/decision`, { decision: 'approve' });
  await waitSubmission(api, draft.submissionId, 'ARCHIVED', (s) => s.status === 'ARCHIVED');
}

const auditOf = (documentId: string) =>
  api
    .expect<{ items: { action: string; details?: Record<string, unknown> }[] }>(
      200,
      'auditor1',
      'GET',
      `/audit?targetId=${documentId}`,
    )
    .then((r) => r.items);

describe('uploads, events and scans arriving late', () => {
  it('archives the reviewed bytes when a stale URL stores other bytes after submit, and skips no number', async () => {
    const customerId = await createCustomer(api);
    const draft = await createDraft(api, customerId, 'CHANGE', changeDocs('旧链接'));
    const fileA = draft.docs[0] as Draft['docs'][number];
    const fileB = planDoc('APPFORM', 'application/pdf', '更换后的申请表');
    const uploadB = await replace(draft, 0, fileB);
    await putVersion(uploadB, fileB.bytes);
    for (const d of draft.docs.slice(1)) await putVersion(d.upload, d.bytes);
    await waitUploaded(draft);
    await api.expect(202, 'clerk1', 'POST', `/submissions/${draft.submissionId}/submit`);

    // The old URL is still within its time: S3 stores A, and nothing that is read changes.
    const versionA = await putVersion(fileA.upload, fileA.bytes);
    const ignored = await until('the late upload on record', async () =>
      (await auditOf(fileA.documentId)).find((e) => e.action === 'document.upload-ignored'),
    );
    expect(ignored.details).toMatchObject({
      versionId: versionA,
      receivedSha256: sha256Hex(fileA.bytes),
      // Refused first for the submission having left DRAFT (its URL was replaced too).
      reason: expect.stringMatching(/^the submission is (SUBMITTED|VALIDATED|IN_REVIEW)/),
    });
    await openTaskFor(api, draft.submissionId);
    expect(sha256Hex(await previewOf(draft, 0))).toBe(sha256Hex(fileB.bytes));

    await approve(draft);
    expect(sha256Hex(await originalOf(fileA.documentId))).toBe(sha256Hex(fileB.bytes));

    // The next submission's documents take the next numbers: every sequence runs 1..n, no gap.
    const next = await createDraft(api, customerId, 'CHANGE', changeDocs('下一件'));
    for (const d of next.docs) await putVersion(d.upload, d.bytes);
    await waitUploaded(next);
    await api.expect(202, 'clerk1', 'POST', `/submissions/${next.submissionId}/submit`);
    await approve(next);
    const codes = [...(await documentsOf(draft.submissionId)), ...(await documentsOf(next.submissionId))].map(
      (d) => d.archiveCode ?? '',
    );
    expect(codes).toHaveLength(6);
    for (const prefix of new Set(codes.map((c) => c.slice(0, -4)))) {
      const numbers = codes
        .filter((c) => c.startsWith(prefix))
        .map((c) => Number(c.slice(-4)))
        .sort((a, b) => a - b);
      expect(numbers).toEqual(numbers.map((_, k) => k + 1));
    }
  }, 120_000);

  it('waits for a scan that arrives after the Review state started, then opens the review', async () => {
    await local('POST', '/local/deliveries', { scan: 'hold' });
    const draft = await createDraft(api, await createCustomer(api), 'CHANGE', changeDocs('迟到的扫描'));
    for (const d of draft.docs) await putVersion(d.upload, d.bytes);
    await waitUploaded(draft);
    const runs = await reviewRuns();
    await api.expect(202, 'clerk1', 'POST', `/submissions/${draft.submissionId}/submit`);
    await until('Review to find the scans pending', async () =>
      (await reviewRuns()) > runs ? true : undefined,
    );
    const waiting = await api.expect<{ status: string }>(
      200,
      'clerk1',
      'GET',
      `/submissions/${draft.submissionId}`,
    );
    expect(waiting.status).toBe('SUBMITTED');

    await local(
      'POST',
      '/local/deliveries/release',
      draft.docs.map((_, i) => ({ kind: 'scan', key: keyOf(draft, i) })),
    );
    await advance(30); // past the ScanPending retry interval
    await approve(draft);
  }, 120_000);

  it('rejects the submission with the reason when no scan result ever comes', async () => {
    await local('POST', '/local/deliveries', { scan: 'never' });
    const draft = await createDraft(api, await createCustomer(api), 'CHANGE', changeDocs('无扫描'));
    for (const d of draft.docs) await putVersion(d.upload, d.bytes);
    await waitUploaded(draft);
    await api.expect(202, 'clerk1', 'POST', `/submissions/${draft.submissionId}/submit`);
    const rejected = await until(
      'the submission rejected once the scan retries are spent',
      async () => {
        await advance(600);
        const s = await api.expect<{ status: string; rejection?: { reason: string } }>(
          200,
          'clerk1',
          'GET',
          `/submissions/${draft.submissionId}`,
        );
        return s.status === 'REJECTED' ? s : undefined;
      },
      90_000,
      300,
    );
    expect(rejected.rejection?.reason).toMatch(/malware scan/);
  }, 120_000);

  it('takes the newer upload when the older one’s event arrives after it', async () => {
    await local('POST', '/local/deliveries', { event: 'hold' });
    const draft = await createDraft(api, await createCustomer(api), 'CHANGE', changeDocs('迟到的事件'));
    const fileA = draft.docs[0] as Draft['docs'][number];
    const versionA = await putVersion(fileA.upload, fileA.bytes);
    const fileB = planDoc('APPFORM', 'application/pdf', '第二次上传');
    const versionB = await putVersion(await replace(draft, 0, fileB), fileB.bytes);
    for (const d of draft.docs.slice(1)) await putVersion(d.upload, d.bytes);

    // B's event first, A's after it; the others in any order.
    await local('POST', '/local/deliveries/release', [
      { kind: 'event', key: keyOf(draft, 0), versionId: versionB },
      { kind: 'event', key: keyOf(draft, 0), versionId: versionA },
      { kind: 'event', key: keyOf(draft, 1) },
      { kind: 'event', key: keyOf(draft, 2) },
    ]);
    await waitUploaded(draft);
    await until('the older upload on record as ignored', async () =>
      (await auditOf(fileA.documentId)).find(
        (e) => e.action === 'document.upload-ignored' && e.details?.versionId === versionA,
      ),
    );
    await api.expect(202, 'clerk1', 'POST', `/submissions/${draft.submissionId}/submit`);
    await openTaskFor(api, draft.submissionId);
    expect(sha256Hex(await previewOf(draft, 0))).toBe(sha256Hex(fileB.bytes));
    await approve(draft);
    expect(sha256Hex(await originalOf(fileA.documentId))).toBe(sha256Hex(fileB.bytes));
  }, 120_000);

  it('judges the version it reviews by that version’s scan, whatever an older version’s scan says', async () => {
    await local('POST', '/local/deliveries', { scan: 'hold' });
    const draft = await createDraft(api, await createCustomer(api), 'CHANGE', changeDocs('旧版本扫描'));
    const fileA = draft.docs[0] as Draft['docs'][number];
    const versionA = await putVersion(fileA.upload, fileA.bytes);
    await waitSubmission(
      api,
      draft.submissionId,
      'with A recorded',
      (s) => s.documents[0]?.status === 'UPLOADED',
    );
    const fileB = planDoc('APPFORM', 'application/pdf', '新版本');
    const versionB = await putVersion(await replace(draft, 0, fileB), fileB.bytes);
    for (const d of draft.docs.slice(1)) await putVersion(d.upload, d.bytes);
    await waitUploaded(draft);

    // The older version is found clean; the one recorded (B) is not scanned yet.
    await local('POST', '/local/deliveries/release', [
      { kind: 'scan', key: keyOf(draft, 0), versionId: versionA },
      { kind: 'scan', key: keyOf(draft, 1) },
      { kind: 'scan', key: keyOf(draft, 2) },
    ]);
    const runs = await reviewRuns();
    await api.expect(202, 'clerk1', 'POST', `/submissions/${draft.submissionId}/submit`);
    await until('Review to find B unscanned', async () => ((await reviewRuns()) > runs ? true : undefined));
    expect(
      (await api.expect<{ status: string }>(200, 'clerk1', 'GET', `/submissions/${draft.submissionId}`))
        .status,
    ).toBe('SUBMITTED');

    await local('POST', '/local/deliveries/release', [
      { kind: 'scan', key: keyOf(draft, 0), versionId: versionB },
    ]);
    await advance(30);
    await approve(draft);
    expect(sha256Hex(await originalOf(fileA.documentId))).toBe(sha256Hex(fileB.bytes));
  }, 120_000);
});
