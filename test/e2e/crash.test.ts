/**
 * Crash consistency, end to end against the local system: an intake step or the upload handler
 * dies (the local Lambda runtime's fault seam: before its handler runs, or after all its writes,
 * as AWS reports a runtime that died) and the retry converges: the submission is archived once,
 * with one code per document, no number skipped or given twice, one review task. And an archiving
 * that fails for good (the reviewed scan gone before its copy) returns the submission to its clerk
 * and its reserved numbers to the sequences, which give them to the resubmission. Then the
 * sequence adapter itself against the system's DynamoDB Local: many reservations in flight leave
 * the sequence item as small as none, and releasing them does not write it.
 */

import { randomUUID } from 'node:crypto';
import { DeleteObjectCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
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
import { type LocalSystem, until } from './system.ts';

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

describe('archive-code sequences in DynamoDB', () => {
  /** The functions' DynamoDB client and the sequence adapter, pointed at this system's tables. */
  async function adapters() {
    Object.assign(process.env, {
      TABLE_NAME: system.ready.tables.records,
      AWS_ENDPOINT_URL_DYNAMODB: system.ready.dynamodbUrl,
      AWS_REGION: system.ready.region,
      AWS_ACCESS_KEY_ID: system.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: system.credentials.secretAccessKey,
    });
    const { ddb } = await import('../../functions/adapters/clients.ts');
    const sequences = await import('../../functions/adapters/code-sequences.ts');
    return { ddb, ...sequences };
  }

  /** Runs a reservation again while it answers TransientError, as the workflow's Retry does. */
  async function asTheWorkflowRetries<T>(reserve: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await reserve();
      } catch (err) {
        if ((err as Error).name !== 'TransientError' || attempt >= 6) throw err;
      }
    }
  }

  it('left no reservation behind after the archivings above', async () => {
    const { ddb } = await adapters();
    expect(allCodes.length).toBeGreaterThan(0);
    // The archive step releases its reservations just after the submission shows ARCHIVED.
    await until(
      'every reservation released',
      async () => {
        const left = await ddb.send(
          new ScanCommand({
            TableName: system.ready.tables.records,
            FilterExpression: 'begins_with(pk, :reservation)',
            ExpressionAttributeValues: { ':reservation': 'RESERVATION#' },
          }),
        );
        return left.Items?.length === 0 ? true : undefined;
      },
      10_000,
      200,
    );
  });

  it('keeps a sequence item as small with 50 reservations in flight as with none, takes every number once, and releases without writing it', async () => {
    const { ddb, reserveSequenceNumbers, releaseSequenceRange, returnSequenceNumbers } = await adapters();
    const key = `TEST-${randomUUID().slice(0, 8)}-`;
    const at = () => new Date().toISOString();
    const sequenceItem = async () =>
      (
        await ddb.send(
          new GetCommand({
            TableName: system.ready.tables.records,
            Key: { pk: `SEQUENCE#${key}`, sk: 'SEQUENCE' },
            ConsistentRead: true,
          }),
        )
      ).Item ?? {};
    // DynamoDB's item size: attribute names and values (numbers by their digits).
    const size = (item: Record<string, unknown>) =>
      Object.entries(item).reduce(
        (sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(String(v)),
        0,
      );

    // One reservation taken and released: the sequence as nothing in flight leaves it.
    expect(await reserveSequenceNumbers(key, 'first', 10, at())).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await releaseSequenceRange(key, 'first');
    const idle = await sequenceItem();

    // 50 submissions reserve two numbers each, all at once.
    const submissions = Array.from({ length: 50 }, (_, i) => `submission-${i}`);
    const taken = await Promise.all(
      submissions.map((id) => asTheWorkflowRetries(() => reserveSequenceNumbers(key, id, 2, at()))),
    );
    const inFlight = await sequenceItem();
    expect(
      taken.flat().sort((a, b) => a - b),
      'each number once, none skipped',
    ).toEqual(Array.from({ length: 100 }, (_, i) => i + 11));
    expect(inFlight.last).toBe(110);
    expect(Object.keys(inFlight).sort()).toEqual(Object.keys(idle).sort());
    // Only the last number's digits differ (10 and 110).
    expect(Math.abs(size(inFlight) - size(idle))).toBeLessThanOrEqual(1);

    // A repeated reservation finds the same numbers and takes none.
    expect(await reserveSequenceNumbers(key, 'submission-7', 2, at())).toEqual(taken[7]);
    expect(await sequenceItem()).toEqual(inFlight);

    // Releasing leaves the sequence item exactly as it was (not even written).
    for (const id of submissions.slice(2)) await releaseSequenceRange(key, id);
    expect(await sequenceItem()).toEqual(inFlight);

    // A failed archiving gives its numbers back, once; the next reservation takes them first.
    expect(await returnSequenceNumbers(key, 'submission-1')).toEqual(taken[1]);
    expect(await returnSequenceNumbers(key, 'submission-1')).toEqual([]);
    expect(await reserveSequenceNumbers(key, 'next', 3, at())).toEqual([...(taken[1] ?? []), 111]);
    expect(await sequenceItem()).toMatchObject({ last: 111 });
    expect((await sequenceItem()).free).toBeUndefined();
    for (const id of ['submission-0', 'next']) await releaseSequenceRange(key, id);
  }, 60_000);
});
