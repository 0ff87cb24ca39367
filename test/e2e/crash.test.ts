/**
 * Crash consistency, end to end against the local system: an intake step or the upload handler
 * dies (the local Lambda runtime's fault seam: before its handler runs, or after all its writes,
 * as AWS reports a runtime that died) and the retry converges: the submission is archived once,
 * with one code per document, no number skipped or given twice, one review task. And an archiving
 * that fails for good (the reviewed scan gone before its copy) returns the submission to its clerk
 * and its reserved numbers to the sequences, which give them to the resubmission.
 */

import { DeleteObjectCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Api,
  archiveDraft,
  callLocal,
  changeDocs,
  createCustomer,
  createDraft,
  type Draft,
  declare,
  openTaskFor,
  s3ClientFor,
  type Upload,
  uploadAll,
  waitSubmission,
} from './client.ts';

/** The body of a replacement upload URL for a planned file. */
function declareFile(d: Draft['docs'][number]) {
  const { fileName, contentType, size, sha256 } = declare(d);
  return { fileName, contentType, size, sha256 };
}

import { useLocalSystem } from './lifecycle.ts';
import type { LocalSystem } from './system.ts';

let system: LocalSystem;
let api: Api;

useLocalSystem(async (started) => {
  system = started;
  api = new Api(system.ready.apiUrl);
});

interface Faults {
  faults: { function: string; remaining: number | string; fired: number }[];
  invocations: Record<string, number>;
}
const faults = (method: string, body?: unknown) => callLocal<Faults>(system, method, '/local/faults', body);

afterEach(async () => {
  await faults('DELETE');
});

/** Every code given in this system (only these tests archive in it). */
const allCodes: string[] = [];
const seqOf = (code: string) => Number(code.slice(-4));
const prefixOf = (code: string) => code.slice(0, -4);

describe('a step that dies is run again and converges', () => {
  it.each([
    ['intake-archive', 'after'],
    ['intake-archive', 'before'],
    ['intake-open-review', 'after'],
    ['upload-received', 'before'],
    ['upload-received', 'after'],
  ] as const)(
    '%s dying %s its writes',
    async (fn, when) => {
      const customerId = await createCustomer(api);
      const draft = await createDraft(api, customerId, 'CHANGE', changeDocs(`${fn}-${when}`));
      const before = (await faults('GET')).invocations[fn] ?? 0;
      await faults('POST', { function: fn, invocation: 1, when });

      const archived = await archiveDraft(api, draft);

      const armed = await faults('GET');
      // The fault fired, and the function ran again after it.
      expect(armed.faults.filter((f) => f.function === fn)).toEqual([]);
      expect((armed.invocations[fn] ?? 0) - before).toBeGreaterThanOrEqual(1);
      const codes = archived.documents.map((d) => (d as { archiveCode?: string }).archiveCode ?? '');
      expect(codes.every((c) => /-\d{4}$/.test(c))).toBe(true);
      expect(new Set(codes).size).toBe(codes.length);
      // One review task for the submission, decided.
      const tasks = await api.expect<{ items: { subjectId: string }[] }>(200, 'reviewer1', 'GET', '/tasks');
      expect(tasks.items.filter((t) => t.subjectId === draft.submissionId)).toEqual([]);
      allCodes.push(...codes);
      // No orphan object: one locked copy per document in the archive bucket, however often the
      // step ran.
      const s3 = s3ClientFor(system);
      try {
        for (const d of archived.documents) {
          const key = `originals/${d.documentId}`;
          const listed = await s3.send(
            new ListObjectVersionsCommand({ Bucket: system.ready.archiveBucket, Prefix: key }),
          );
          expect(
            (listed.Versions ?? []).filter((v) => v.Key === key),
            key,
          ).toHaveLength(1);
        }
      } finally {
        s3.destroy();
      }
    },
    120_000,
  );

  it('returns a submission whose archiving fails for good to its clerk, and its numbers to the next documents', async () => {
    const customerId = await createCustomer(api);
    const draft = await createDraft(api, customerId, 'CHANGE', changeDocs('归档失败'));
    await uploadAll(api, draft);
    await api.expect(202, 'clerk1', 'POST', `/submissions/${draft.submissionId}/submit`);
    const task = await openTaskFor(api, draft.submissionId);
    // The reviewed version of one scan disappears before it is copied (as a lifecycle rule or an
    // operator could make it): the copy fails for good after the codes were reserved.
    const first = draft.docs[0] as Draft['docs'][number];
    const key = `intake/${draft.submissionId}/${first.documentId}`;
    const s3 = s3ClientFor(system);
    try {
      const listed = await s3.send(
        new ListObjectVersionsCommand({ Bucket: system.ready.intakeBucket, Prefix: key }),
      );
      for (const v of listed.Versions ?? []) {
        await s3.send(
          new DeleteObjectCommand({ Bucket: system.ready.intakeBucket, Key: key, VersionId: v.VersionId }),
        );
      }
    } finally {
      s3.destroy();
    }
    await api.expect(200, 'reviewer1', 'POST', `/tasks/${task.taskId}/decision`, { decision: 'approve' });
    const back = await waitSubmission(api, draft.submissionId, 'REJECTED', (s) => s.status === 'REJECTED');
    expect((back as unknown as { rejection: { reason: string } }).rejection.reason).toMatch(
      /^归档失败（.+），批次已退回经办人.* \/ Archiving failed \(.+\); the submission is back with its clerk/,
    );
    // The same, as a code with the failure it names, for a reader in any language.
    expect((back as unknown as { rejection: unknown }).rejection).toMatchObject({
      code: 'archive-failed',
      params: { error: expect.stringMatching(/\w/) },
      decidedBy: 'system',
    });
    expect(back.documents.every((d) => (d as { archiveCode?: string }).archiveCode === undefined)).toBe(true);

    // The clerk uploads the scan again and resubmits; the numbers given back are given again, so
    // the check below finds every sequence without a gap.
    const again = await api.expect<{ upload: Upload }>(
      200,
      'clerk1',
      'POST',
      `/submissions/${draft.submissionId}/documents/${first.documentId}/upload-url`,
      declareFile(first),
    );
    const put = await fetch(again.upload.url, {
      method: 'PUT',
      headers: again.upload.headers,
      body: new Uint8Array(first.bytes),
    });
    expect(put.status).toBe(200);
    await waitSubmission(api, draft.submissionId, 'UPLOADED again', (s) =>
      s.documents.every((d) => d.status === 'UPLOADED'),
    );
    await api.expect(202, 'clerk1', 'POST', `/submissions/${draft.submissionId}/submit`);
    const retry = await openTaskFor(api, draft.submissionId);
    await api.expect(200, 'reviewer1', 'POST', `/tasks/${retry.taskId}/decision`, { decision: 'approve' });
    const archived = await waitSubmission(
      api,
      draft.submissionId,
      'ARCHIVED',
      (s) => s.status === 'ARCHIVED',
    );
    allCodes.push(...archived.documents.map((d) => (d as { archiveCode?: string }).archiveCode ?? ''));
  }, 120_000);

  it('skipped no number and gave none twice, in any sequence', () => {
    expect(allCodes.length).toBeGreaterThan(0);
    expect(new Set(allCodes).size).toBe(allCodes.length);
    for (const prefix of new Set(allCodes.map(prefixOf))) {
      const numbers = allCodes
        .filter((c) => prefixOf(c) === prefix)
        .map(seqOf)
        .sort((a, b) => a - b);
      expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, k) => k + 1));
    }
  });
});
