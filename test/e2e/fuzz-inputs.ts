/**
 * What the route fuzz test (fuzz.test.ts) sends: fast-check arbitraries of requests to one route
 * of the catalog, and how such a request becomes an HTTP request. A generated request is a small
 * description (a huge body is its size, not its bytes), so fast-check prints a failing one whole.
 */
import fc from 'fast-check';
import type { RouteDef } from '../../functions/catalog.ts';
import { ROLES, type Role } from '../../functions/core/roles.ts';

/** Ids and tokens of the records the test made before fuzzing, by kind. */
export interface Fixtures {
  customerIds: string[];
  submissionIds: string[];
  documentIds: string[];
  /** An archived document's loan, still waiting for approval, and its approval task. */
  loanIds: string[];
  taskIds: string[];
  /** A user the fuzzing may change (never one it calls as), and the security administrator. */
  userIds: string[];
  /** Page tokens and cursors real queries returned (valid for their own query only). */
  pageTokens: string[];
}

/** The seeded callers with their one role each; clerk2 and approver2 are limited to regions. */
export const CALLER_ROLES: Readonly<Record<string, Role>> = {
  clerk1: 'clerk',
  clerk2: 'clerk',
  reviewer1: 'reviewer',
  archivist1: 'archivist',
  approver1: 'approver',
  approver2: 'approver',
  auditor1: 'auditor',
  sysadmin1: 'sysadmin',
  secadmin1: 'secadmin',
  staff1: 'staff',
};

/** Who calls: a seeded user, nobody, or a bearer value that is no token. */
export type Caller = { user: string } | { none: true } | { bearer: string };

export type BodySpec =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown; contentType?: string }
  | { kind: 'text'; text: string; contentType?: string }
  /** `{field: <unit repeated>}`, or the bare string, of about `bytes` bytes. */
  | { kind: 'huge'; bytes: number; unit: string; field?: string }
  /** `{field: <value nested depth times>}`, or the bare nesting. */
  | { kind: 'deep'; depth: number; shape: 'array' | 'object'; field?: string };

export interface FuzzRequest {
  caller: Caller;
  /** Path parameter values, by name. */
  params: Record<string, string>;
  /** Values put into the path as they are (no percent-encoding), by name. */
  raw: string[];
  query: [string, string][];
  headers: Record<string, string>;
  body: BodySpec;
}

// ---- Hostile values ----------------------------------------------------------------------------

const HOSTILE_STRINGS = [
  '',
  ' ',
  '.',
  '..',
  '../',
  '../../etc/passwd',
  '..%2f..%2f',
  '%00',
  '\u0000',
  'a\u0000b',
  '\n',
  '\r\nx-injected: 1',
  '\t',
  '\u007f',
  '\u202e\u2066abc',
  '\ufeff',
  '😀',
  '档案',
  'İ',
  '#',
  'CUSTOMER#x',
  'DOCUMENT#',
  'SUBMISSION',
  '?',
  '&',
  '=',
  '*',
  '%',
  '%%',
  '%zz',
  '+',
  "' OR '1'='1",
  '<script>alert(1)</script>',
  '{documentId}',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  '0',
  '-1',
  '1e309',
  'NaN',
  'Infinity',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  'FFFFFFFF-FFFF-4FFF-8FFF-FFFFFFFFFFFF',
  'KH-2026-01-20260101-1',
  'Z001-KH·2026-D30-YK-0007',
];

/**
 * Strings past DynamoDB's key limits (1024 bytes for a sort key, 2048 for a partition key) and
 * past every field limit, kept short enough that the request line stays under 8 KiB encoded.
 */
const longString = fc
  .tuple(
    fc.constantFrom(
      { unit: 'a', max: 2600 },
      { unit: '9', max: 2600 },
      { unit: 'é', max: 700 },
      { unit: '档', max: 800 },
      { unit: '😀', max: 600 },
      { unit: '-', max: 2600 },
    ),
    fc.double({ min: 0, max: 1, noNaN: true }),
  )
  .map(([{ unit, max }, f]) => unit.repeat(1 + Math.floor(f * (max - 1))));

/** Hostile text for a path segment, a query value or a string field. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: longString },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.uuid() },
);

const uuidV4 = fc.uuid({ version: 4 });
const batchIdShape = fc
  .tuple(
    fc.integer({ min: 2000, max: 2100 }),
    fc.integer({ min: 1, max: 12 }),
    fc.integer({ min: 1, max: 99 }),
  )
  .map(([y, m, n]) => `KH-${y}-${String(m).padStart(2, '0')}-${y}0101-${n}`);

/** A path parameter: its own kind (existing or not), another kind, or hostile. */
function paramValue(name: string, fx: Fixtures): fc.Arbitrary<string> {
  const own: Record<string, fc.Arbitrary<string>> = {
    customerId: fc.constantFrom(...fx.customerIds),
    submissionId: fc.constantFrom(...fx.submissionIds),
    documentId: fc.constantFrom(...fx.documentIds),
    recordId: fc.constantFrom(...fx.submissionIds, ...fx.loanIds),
    loanId: fc.constantFrom(...fx.loanIds),
    taskId: fc.constantFrom(...fx.taskIds),
    userId: fc.constantFrom(...fx.userIds),
    role: fc.constantFrom<string>(...ROLES),
    kind: fc.constantFrom('submission', 'loan', 'disposal'),
    batchId: batchIdShape,
  };
  const everyId = [
    ...fx.customerIds,
    ...fx.submissionIds,
    ...fx.documentIds,
    ...fx.loanIds,
    ...fx.taskIds,
    ...fx.userIds,
  ];
  return fc.oneof(
    { weight: 2, arbitrary: own[name] ?? uuidV4 },
    { weight: 2, arbitrary: name === 'batchId' ? batchIdShape : uuidV4 },
    { weight: 1, arbitrary: fc.constantFrom(...everyId) },
    { weight: 6, arbitrary: hostileString },
  );
}

/** Segments sent without percent-encoding: traversal, malformed escapes, encoded NULs. */
const RAW_SEGMENTS = [
  '..',
  '.',
  '%2e%2e',
  '%00',
  '%zz',
  '%E0%A4%A',
  '%C0%AF',
  '%2F',
  '%u0041',
  'a%2fb',
  '%ff',
];

// ---- Query parameters -------------------------------------------------------------------------

const QUERY_KEYS = [
  'limit',
  'cursor',
  'nextToken',
  'status',
  'q',
  'region',
  'customerId',
  'archiveCode',
  'docType',
  'from',
  'to',
  'actor',
  'action',
  'targetId',
  'format',
  'mine',
  'year',
  'dueWithinDays',
];

const numberText = fc.oneof(
  fc.constantFrom('0', '-1', '1', '100', '101', '1000', '1001', '1e3', '1.5', ' 5', '0x10', 'NaN', '-0'),
  fc.constantFrom('99999999999999999999999', '1e309', '9007199254740993', 'Infinity', '', 'abc'),
  fc.integer().map(String),
);

/** Page tokens that this API did not issue for the query they are sent with. */
function forgedToken(fx: Fixtures): fc.Arbitrary<string> {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return fc.oneof(
    fc.constantFrom(...fx.pageTokens),
    fc.constantFrom(...fx.pageTokens).map((t) => `${t.slice(0, -2)}AA`),
    fc.constantFrom(...fx.pageTokens).map((t) => `${t}.x`),
    fc.jsonValue({ maxDepth: 2 }).map((v) => b64(v)),
    fc.jsonValue({ maxDepth: 2 }).map((v) => `${b64(v)}.${b64('signature')}`),
    fc.constantFrom(
      b64({ pk: 'CUSTOMER#x', sk: 'CUSTOMER' }),
      `${b64({ pk: { S: 'a'.repeat(3000) } })}.AAAAAAAAAAAAAAAAAAAAAA`,
      '.',
      '..',
      'a.b.c',
      '====',
    ),
    fc.base64String({ maxLength: 200 }),
    hostileString,
  );
}

function queryValue(key: string, fx: Fixtures): fc.Arbitrary<string> {
  if (key === 'limit' || key === 'year' || key === 'dueWithinDays') {
    return fc.oneof({ weight: 3, arbitrary: numberText }, { weight: 1, arbitrary: hostileString });
  }
  if (key === 'cursor' || key === 'nextToken') {
    return fc.oneof({ weight: 3, arbitrary: forgedToken(fx) }, { weight: 1, arbitrary: hostileString });
  }
  if (key === 'customerId' || key === 'targetId') {
    return fc.oneof(fc.constantFrom(...fx.customerIds, ...fx.documentIds), uuidV4, hostileString);
  }
  if (key === 'status') {
    return fc.oneof(
      fc.constantFrom('DRAFT', 'ARCHIVED', 'ACTIVE', 'overdue', 'PROPOSED', 'UPLOADED', 'draft'),
      hostileString,
    );
  }
  if (key === 'from' || key === 'to') {
    return fc.oneof(
      fc.constantFrom('2026-01-01', '1901-01-01', '9999-12-31', '2026-13-45', '2026-01-01T00:00:00Z'),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      hostileString,
    );
  }
  if (key === 'format') return fc.oneof(fc.constantFrom('json', 'csv', 'xml'), hostileString);
  return hostileString;
}

function queryArb(fx: Fixtures): fc.Arbitrary<[string, string][]> {
  const key = fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...QUERY_KEYS) },
    { weight: 1, arbitrary: fc.constantFrom('unknown', '__proto__', 'limit[]', 'a.b', 'LIMIT') },
    { weight: 1, arbitrary: hostileString.filter((s) => s.length < 200) },
  );
  const pair = key.chain((k) => queryValue(k, fx).map((v): [string, string] => [k, v]));
  // Repeated keys come from the array naming a key twice.
  return fc.array(pair, { maxLength: 5 });
}

// ---- Bodies ------------------------------------------------------------------------------------

const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, '', ' ', [], {}, ['x'], [null]),
  fc.constantFrom({ $ne: null }, { S: 'x' }, [[[[]]]], '2026-02-30', '9999-99-99', 'approve '),
  hostileString,
  fc.jsonValue({ maxDepth: 3 }),
);

/**
 * A plausible body for each route (so a mutation reaches the handler past its first check), with
 * ids taken from the fixtures.
 */
function templateOf(route: RouteDef, fx: Fixtures): Record<string, unknown> | undefined {
  const customerId = fx.customerIds[0];
  switch (`${route.method} ${route.path}`) {
    case 'POST /customers':
      return { customerNo: '3300012345', name: '张三', type: 'RES', region: 'HZ', phone: '13812345678' };
    case 'PATCH /customers/{customerId}':
      return { name: '李四', region: 'HZ', accountStatus: 'CLOSED', closedAt: '2026-01-01' };
    case 'PUT /customers/{customerId}/closure':
      return { closedAt: '2026-01-01', reason: '更正' };
    case 'POST /submissions':
      return {
        customerId,
        businessEvent: 'CHANGE',
        documents: [
          {
            docType: 'APPFORM',
            title: '申请表',
            fileName: 'a.pdf',
            contentType: 'application/pdf',
            size: 100,
            sha256: 'a'.repeat(64),
          },
        ],
      };
    case 'POST /submissions/{submissionId}/documents/{documentId}/upload-url':
      return { fileName: 'b.pdf', contentType: 'application/pdf', size: 100, sha256: 'b'.repeat(64) };
    case 'POST /tasks/{taskId}/decision':
      return {
        decision: 'approve',
        comment: 'ok',
        extendYears: 5,
        reason: 'keep',
        documentIds: fx.documentIds,
      };
    case 'POST /loans':
      return { documentIds: fx.documentIds.slice(0, 2), purpose: 'audit', days: 7, paper: false };
    case 'POST /users/{userId}/disable':
      return { reason: 'left the company' };
    case 'POST /users/{userId}/roles':
      return { role: 'staff' };
    case 'PUT /users/{userId}/regions':
      return { regions: ['HZ', 'NB'] };
    case 'POST /documents/{documentId}/holds':
      return { reason: 'litigation' };
    case 'PUT /documents/{documentId}/contract-end':
      return { endedOn: '2026-01-01' };
    case 'POST /exports':
      return {
        exportId: 'fuzz-export',
        bag: 'dangan-export_3300012345',
        customerId,
        part: 1,
        selection: { customers: ['3300012345'], year: 2026, category: 'YK' },
        documents: fx.documentIds.slice(0, 2).map((documentId) => ({
          documentId,
          archiveCode: 'Z001-KH·2026-D30-BG-0001',
          sha256: 'a'.repeat(64),
        })),
      };
    default:
      return undefined;
  }
}

/** The template with fields kept, dropped or replaced, one nested level mutated too, extras added. */
function mutated(template: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const field = (v: unknown): fc.Arbitrary<unknown> => {
    const inner =
      Array.isArray(v) && v.length > 0 && typeof v[0] === 'object' && v[0] !== null
        ? mutated(v[0] as Record<string, unknown>).map((o) => [o, ...v.slice(1)])
        : fc.constant(v);
    return fc.oneof(
      { weight: 4, arbitrary: fc.constant(v) },
      { weight: 1, arbitrary: inner },
      { weight: 1, arbitrary: fc.constant(undefined) },
      { weight: 2, arbitrary: hostileJson },
    );
  };
  const fields = Object.fromEntries(Object.entries(template).map(([k, v]) => [k, field(v)]));
  const extras = fc.array(
    fc.tuple(fc.oneof(fc.constantFrom('__proto__', 'extra', 'pk', 'constructor'), fc.string()), hostileJson),
    { maxLength: 2 },
  );
  return fc.tuple(fc.record(fields), extras).map(([kept, more]) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(kept)) if (v !== undefined) out[k] = v;
    // Own properties, `__proto__` included (JSON.stringify sends them as keys).
    for (const [k, v] of more) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true });
    return out;
  });
}

const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=latin1',
  'application/jsonx',
  'APPLICATION/JSON',
  '',
];

const INVALID_JSON = [
  '{',
  '{"a":',
  'nul',
  '[1,]',
  "{'a':1}",
  '\u0000',
  '{"a":1}{',
  '"\\ud800"',
  '1e999999',
  ' ',
  '\ufeff{}',
];

/** The largest body the API reads is 256 KiB; the gateway's is 10 MiB. */
const HUGE_SIZES = [16 * 1024, 200 * 1024, 256 * 1024 - 64, 256 * 1024 + 1, 1024 * 1024];

function bodyArb(route: RouteDef, fx: Fixtures): fc.Arbitrary<BodySpec> {
  const template = templateOf(route, fx);
  const fieldName = fc.option(fc.constantFrom(...(template ? Object.keys(template) : ['reason', 'x'])), {
    nil: undefined,
  });
  const withField = <T extends object>(spec: T, field: string | undefined): T =>
    field === undefined ? spec : { ...spec, field };
  const arbs: { weight: number; arbitrary: fc.Arbitrary<BodySpec> }[] = [
    { weight: 2, arbitrary: fc.constant({ kind: 'none' }) },
    { weight: 2, arbitrary: hostileJson.map((value) => ({ kind: 'json', value })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom(...INVALID_JSON, ''),
          fc.option(fc.constantFrom(...CONTENT_TYPES), { nil: undefined }),
        )
        .map(([text, contentType]) =>
          contentType === undefined ? { kind: 'text', text } : { kind: 'text', text, contentType },
        ),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...HUGE_SIZES), fc.constantFrom('a', '档', '\\', '"'), fieldName)
        .map(([bytes, unit, field]) => withField({ kind: 'huge' as const, bytes, unit }, field)),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.integer({ min: 1, max: 3000 }),
          fc.constantFrom<'array' | 'object'>('array', 'object'),
          fieldName,
        )
        .map(([depth, shape, field]) => withField({ kind: 'deep' as const, depth, shape }, field)),
    },
  ];
  if (template) {
    arbs.push({
      weight: 8,
      arbitrary: fc
        .tuple(mutated(template), fc.option(fc.constantFrom(...CONTENT_TYPES), { freq: 6, nil: undefined }))
        .map(([value, contentType]) =>
          contentType === undefined ? { kind: 'json', value } : { kind: 'json', value, contentType },
        ),
    });
  }
  return fc.oneof(...arbs);
}

// ---- Whole requests ----------------------------------------------------------------------------

function callerArb(route: RouteDef): fc.Arbitrary<Caller> {
  const users = Object.keys(CALLER_ROLES);
  if (route.roles === 'public') return fc.constantFrom<Caller>({ none: true }, { user: 'clerk1' });
  const roles = route.roles;
  const allowed = users.filter((u) => roles.includes(CALLER_ROLES[u] as Role));
  const refused = users.filter((u) => !allowed.includes(u));
  return fc.oneof(
    { weight: 16, arbitrary: fc.constantFrom(...allowed).map((user) => ({ user })) },
    {
      weight: refused.length > 0 ? 2 : 0,
      arbitrary: fc.constantFrom(...(refused.length > 0 ? refused : allowed)).map((user) => ({ user })),
    },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc.constant<Caller>({ none: true }),
        fc.constantFrom('x', 'a.b.c', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.').map((bearer) => ({ bearer })),
      ),
    },
  );
}

const headersArb: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    // Header values are visible ASCII: fetch refuses others before sending.
    'if-match': fc.oneof(
      fc.constantFrom('1', '"1"', '0', '-1', 'W/"1"', '*', '99999999999999999999', '1e3', ''),
      fc.string({ unit: 'grapheme-ascii', maxLength: 60 }),
    ),
    accept: fc.constantFrom('text/csv', 'application/xml', '*/*', 'text/html'),
  },
  { requiredKeys: [] },
);

export function requestArb(route: RouteDef, fx: Fixtures): fc.Arbitrary<FuzzRequest> {
  const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
  const params = fc.record(Object.fromEntries(names.map((n) => [n, paramValue(n, fx)])));
  const raw =
    names.length > 0
      ? fc.option(fc.constantFrom(...names), { freq: 8, nil: undefined })
      : fc.constant(undefined);
  // fetch sends no body with a GET.
  const hasBody = route.method !== 'GET';
  return fc
    .record({
      caller: callerArb(route),
      params,
      rawName: raw,
      rawValue: fc.constantFrom(...RAW_SEGMENTS),
      query:
        route.method === 'GET' ? queryArb(fx) : fc.oneof(fc.constant<[string, string][]>([]), queryArb(fx)),
      headers: headersArb,
      body: hasBody ? bodyArb(route, fx) : fc.constant<BodySpec>({ kind: 'none' }),
    })
    .map(({ rawName, rawValue, params: p, ...rest }) => ({
      ...rest,
      params: rawName === undefined ? p : { ...p, [rawName]: rawValue },
      raw: rawName === undefined ? [] : [rawName],
    }));
}

// ---- To HTTP -----------------------------------------------------------------------------------

/** The string with lone surrogates (which `encodeURIComponent` refuses) as U+FFFD. */
const wellFormed = (value: string): string =>
  value.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');

export function pathOf(route: RouteDef, req: FuzzRequest): string {
  return route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = req.params[name] ?? '';
    return req.raw.includes(name) ? value : encodeURIComponent(wellFormed(value));
  });
}

export function urlOf(base: string, route: RouteDef, req: FuzzRequest): string {
  const search = new URLSearchParams();
  for (const [k, v] of req.query) search.append(wellFormed(k), wellFormed(v));
  const qs = search.toString();
  return `${base}${pathOf(route, req)}${qs === '' ? '' : `?${qs}`}`;
}

function nested(depth: number, shape: 'array' | 'object'): string {
  return shape === 'array'
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** The body's bytes and content type (undefined: no body, no content type). */
export function bodyOf(spec: BodySpec): { text: string; contentType?: string } | undefined {
  const json = 'application/json';
  switch (spec.kind) {
    case 'none':
      return undefined;
    case 'json':
      return { text: JSON.stringify(spec.value) ?? 'null', contentType: spec.contentType ?? json };
    case 'text':
      return spec.contentType === undefined
        ? { text: spec.text, contentType: json }
        : { text: spec.text, contentType: spec.contentType };
    case 'huge': {
      const unitBytes = Buffer.byteLength(JSON.stringify(spec.unit)) - 2;
      const s = spec.unit.repeat(Math.max(1, Math.floor(spec.bytes / unitBytes)));
      return { text: JSON.stringify(spec.field === undefined ? s : { [spec.field]: s }), contentType: json };
    }
    case 'deep': {
      const inner = nested(spec.depth, spec.shape);
      return {
        text: spec.field === undefined ? inner : `{${JSON.stringify(spec.field)}:${inner}}`,
        contentType: json,
      };
    }
  }
}

/** A line or two saying what was sent, for a failure message. */
export function describe(route: RouteDef, req: FuzzRequest, url: string): string {
  const body = bodyOf(req.body);
  const shown =
    body === undefined
      ? '(none)'
      : body.text.length > 300
        ? `${body.text.slice(0, 300)}… (${body.text.length} chars)`
        : body.text;
  const caller =
    'user' in req.caller
      ? req.caller.user
      : 'none' in req.caller
        ? '(no token)'
        : `Bearer ${req.caller.bearer}`;
  return [
    `${route.method} ${url.length > 400 ? `${url.slice(0, 400)}… (${url.length} chars)` : url} as ${caller}`,
    `headers ${JSON.stringify({ ...req.headers, ...(body?.contentType === undefined ? {} : { 'content-type': body.contentType }) })}`,
    `body ${shown}`,
  ].join('\n');
}
