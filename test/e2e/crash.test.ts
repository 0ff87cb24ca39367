/**
 * Crash consistency, end to end against the local system: an intake step or the upload handler
 * dies (the local Lambda runtime's fault seam: before its handler runs, or after all its writes,
 * as AWS reports a runtime that died) and the retry converges: the submission is archived once,
 * with one code per document, no number skipped or given twice, one review task.
 */

import { ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { Api, archiveDraft, changeDocs, createCustomer, createDraft, s3ClientFor } from './client.ts';
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
const faults = async (method: string, body?: unknown): Promise<Faults> => {
  const res = await fetch(`${system.ready.apiUrl}/local/faults`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status !== 200) throw new Error(`${method} /local/faults: ${res.status} ${await res.text()}`);
  return (await res.json()) as Faults;
};

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
