/**
 * No input makes the API answer 5xx (issue 18, point 5). One local system; for every route of
 * the catalog, fast-check sends generated requests (fuzz-inputs.ts): as a caller the route admits
 * (and sometimes one it refuses, or no valid token), with hostile path parameters (very long,
 * unicode, traversal, NULs, control characters, ids of the right shape that do not exist, ids of
 * other kinds, malformed escapes), query parameters (unknown, repeated, huge or negative numbers,
 * forged and foreign page tokens), headers (If-Match, Accept) and bodies (wrong JSON types,
 * templates with fields dropped, replaced or added, nesting up to 3000 deep, strings up to past
 * the body limit, invalid JSON, other content types, empty).
 *
 * Every answer must be 2xx, 3xx or 4xx, and a 4xx must carry the API's error shape
 * `{error: {code, message}}` with a non-empty message. The fixtures (three customers, two in
 * regions two callers are limited to; one archived submission and one draft; a loan waiting for
 * approval and its task; page tokens of four lists) give ids of every kind, so some requests get
 * past the record rules to the handlers' own checks.
 *
 * The runs are reproducible: seed SEED + the route's index, RUNS_PER_ROUTE requests per route
 * (40 routes, 4,000 requests; about 35 s for the whole file on two cores, the start of the system
 * and the fixtures included). A failure names the seed, the route, the request and the answer, with
 * fast-check's shrunk counterexample. DANGAN_FUZZ_SEED and DANGAN_FUZZ_RUNS run other seeds or
 * more cases (400 runs: about 70 s).
 */
import fc from 'fast-check';
import { expect, describe as group, it } from 'vitest';
import { routeKey } from '../../functions/access.ts';
import { ROUTES, type RouteDef } from '../../functions/catalog.ts';
import { Api, archiveDraft, changeDocs, createDraft, localUsers } from './client.ts';
import {
  bodyOf,
  type Fixtures,
  type FuzzRequest,
  requestArb,
  describe as show,
  urlOf,
} from './fuzz-inputs.ts';
import { useLocalSystem } from './lifecycle.ts';
import { until } from './system.ts';

/** Fixed, so `npm test` is reproducible; DANGAN_FUZZ_SEED and DANGAN_FUZZ_RUNS explore further. */
const SEED = Number(process.env.DANGAN_FUZZ_SEED ?? 18_005);
const RUNS_PER_ROUTE = Number(process.env.DANGAN_FUZZ_RUNS ?? 100);
/** Per route: its runs (about 0.5 s), and room for fast-check to shrink a failure. */
const ROUTE_TIMEOUT_MS = 60_000 + RUNS_PER_ROUTE * 50;

let api: Api;
let baseUrl = '';
let fixtures: Fixtures;

useLocalSystem(async (system) => {
  baseUrl = system.ready.apiUrl;
  api = new Api(baseUrl);
  const users = await localUsers(baseUrl);
  const sub = (u: string) => users.get(u) ?? '';
  // Two callers limited to regions, so the region rules read the records a request names.
  await api.expect(200, 'secadmin1', 'PUT', `/users/${sub('clerk2')}/regions`, { regions: ['HZ'] });
  await api.expect(200, 'secadmin1', 'PUT', `/users/${sub('approver2')}/regions`, { regions: ['NB'] });
  const customer = async (no: string, region: string) =>
    (
      await api.expect<{ customerId: string }>(201, 'clerk1', 'POST', '/customers', {
        customerNo: no,
        name: `模糊测试 ${no}`,
        type: 'RES',
        region,
      })
    ).customerId;
  const customerIds = [
    await customer('FUZZ0001', 'HZ'),
    await customer('FUZZ0002', 'NB'),
    await customer('FUZZ0003', 'HZ'),
  ];
  const first = await createDraft(api, customerIds[0] ?? '', 'CHANGE', changeDocs('fuzz 1'));
  const second = await createDraft(api, customerIds[0] ?? '', 'CHANGE', changeDocs('fuzz 2'));
  // The first archived, so content, holds, contract ends and loans reach past their state checks.
  await archiveDraft(api, first);
  const archivedId = first.docs[0]?.documentId ?? '';
  const { loanId } = await api.expect<{ loanId: string }>(202, 'staff1', 'POST', '/loans', {
    documentIds: [archivedId],
    purpose: 'fuzz',
    days: 7,
  });
  const approval = await until(`the approval task of loan ${loanId}`, async () => {
    const { items } = await api.expect<{ items: { taskId: string; subjectId: string }[] }>(
      200,
      'approver1',
      'GET',
      '/tasks',
    );
    return items.find((t) => t.subjectId === loanId);
  });
  const tokens = [
    (await api.expect<{ nextCursor?: string }>(200, 'clerk1', 'GET', '/customers?region=HZ&limit=1'))
      .nextCursor,
    (await api.expect<{ nextCursor?: string }>(200, 'clerk1', 'GET', '/submissions?limit=1')).nextCursor,
    (
      await api.expect<{ nextToken?: string }>(
        200,
        'archivist1',
        'GET',
        `/documents?customerId=${customerIds[0]}&limit=1`,
      )
    ).nextToken,
    (
      await api.expect<{ nextCursor?: string }>(
        200,
        'auditor1',
        'GET',
        `/audit?from=${new Date().toISOString().slice(0, 10)}&limit=1`,
      )
    ).nextCursor,
  ];
  fixtures = {
    customerIds,
    submissionIds: [first.submissionId, second.submissionId],
    documentIds: [...first.docs, ...second.docs].map((d) => d.documentId),
    loanIds: [loanId],
    taskIds: [approval.taskId],
    // reviewer2 is never a caller here, so changing its account changes nothing the test relies on.
    userIds: [sub('reviewer2'), sub('secadmin1')],
    pageTokens: tokens.filter((t): t is string => typeof t === 'string'),
  };
  expect(fixtures.pageTokens.length).toBeGreaterThanOrEqual(3);
});

interface Answer {
  status: number;
  text: string;
}

async function send(route: RouteDef, req: FuzzRequest, url: string): Promise<Answer> {
  const body = bodyOf(req.body);
  const headers: Record<string, string> = { ...req.headers };
  if (body?.contentType !== undefined) headers['content-type'] = body.contentType;
  if ('user' in req.caller) headers.authorization = `Bearer ${await api.token(req.caller.user)}`;
  if ('bearer' in req.caller) headers.authorization = `Bearer ${req.caller.bearer}`;
  const res = await fetch(url, {
    method: route.method,
    headers,
    redirect: 'manual',
    ...(body === undefined ? {} : { body: body.text }),
  });
  return { status: res.status, text: await res.text() };
}

/** Why the answer breaks the rule, or undefined when it keeps it. */
function problemOf(answer: Answer): string | undefined {
  if (answer.status >= 500) return `answered ${answer.status}`;
  if (answer.status < 400) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.text);
  } catch {
    return `a ${answer.status} whose body is not JSON`;
  }
  const error = (parsed as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (typeof error?.code !== 'string' || error.code === '') return `a ${answer.status} without error.code`;
  if (typeof error.message !== 'string' || error.message.trim() === '') {
    return `a ${answer.status} without an error.message`;
  }
  return undefined;
}

group(
  `every route answers 2xx-4xx to generated requests (seed ${SEED}, ${RUNS_PER_ROUTE} runs per route)`,
  () => {
    ROUTES.forEach((route, index) => {
      const seed = SEED + index;
      it(
        `${routeKey(route)} (seed ${seed})`,
        async () => {
          const property = fc.asyncProperty(requestArb(route, fixtures), async (req) => {
            const url = urlOf(baseUrl, route, req);
            const answer = await send(route, req, url);
            const problem = problemOf(answer);
            if (problem !== undefined) {
              throw new Error(
                `${problem} (seed ${seed})\n${show(route, req, url)}\nanswer ${answer.text.slice(0, 500)}`,
              );
            }
          });
          await fc.assert(property, { seed, numRuns: RUNS_PER_ROUTE });
        },
        ROUTE_TIMEOUT_MS,
      );
    });
  },
);
