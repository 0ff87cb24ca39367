import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ddb, dynamodb } from '../../functions/adapters/clients.ts';
import { handler } from '../../functions/api/scheme-get.ts';
import {
  businessEvent,
  documentType,
  getScheme,
  parseScheme,
  SCHEME_IDS,
  SchemeError,
} from '../../functions/core/scheme.ts';
import powerSupplyRaw from '../../schemes/power-supply.json' with { type: 'json' };
import { USERS } from '../support/api-event.ts';
import { call, errorOf, setEnv } from './customers-fixtures.ts';

type Raw = typeof powerSupplyRaw;
const raw = (): Raw => structuredClone(powerSupplyRaw);

function issuesOf(value: unknown): { path: string; message: string }[] {
  try {
    parseScheme(value, 'test');
  } catch (err) {
    expect(err).toBeInstanceOf(SchemeError);
    return (err as SchemeError).issues;
  }
  throw new Error('expected the scheme to be refused');
}

describe('built-in schemes', () => {
  it.each(SCHEME_IDS)('%s is valid and every required document type exists', (id) => {
    const s = getScheme(id);
    expect(s.id).toBe(id);
    for (const e of s.businessEvents) {
      for (const t of [...e.required, ...e.optional]) expect(documentType(s, t)).toBeDefined();
    }
  });

  it('validates once per process', () => {
    expect(getScheme('power-supply')).toBe(getScheme('power-supply'));
  });

  it('refuses an unknown scheme id by name', () => {
    expect(() => getScheme('bank-loans')).toThrow('no scheme named bank-loans');
  });

  it('looks up document types and business events', () => {
    const s = getScheme('power-supply');
    expect(documentType(s, 'IDCOPY')).toMatchObject({
      retention: 'D10',
      trigger: 'ACCOUNT_CLOSED',
      sensitive: true,
    });
    expect(documentType(s, 'PAPERBOX')?.paper).toBe(true);
    expect(documentType(s, 'APPFORM')?.paper).toBe(false);
    expect(documentType(s, 'NOPE')).toBeUndefined();
    expect(businessEvent(s, 'NEWCONN')).toMatchObject({
      classCode: 'YK',
      required: ['APPFORM', 'IDCOPY', 'LANDCERT', 'CONTRACT'],
    });
    expect(businessEvent(s, 'METERING')?.optional).toEqual([]);
    expect(businessEvent(s, 'NOPE')).toBeUndefined();
  });
});

describe('parseScheme refuses bad schemes, naming the path', () => {
  it('a bad retention code', () => {
    const r = raw();
    (r.documentTypes[3] as { retention: string }).retention = 'D99';
    expect(issuesOf(r).map((i) => i.path)).toEqual(['documentTypes.3.retention']);
  });

  it('a duplicate document type', () => {
    const r = raw();
    r.documentTypes.push({ ...r.documentTypes[0]! });
    expect(issuesOf(r)).toContainEqual({
      path: `documentTypes.${r.documentTypes.length - 1}.code`,
      message: 'duplicate APPFORM',
    });
  });

  it('a duplicate business event', () => {
    const r = raw();
    r.businessEvents.push({ ...r.businessEvents[1]! });
    expect(issuesOf(r)).toContainEqual({
      path: `businessEvents.${r.businessEvents.length - 1}.code`,
      message: 'duplicate CHANGE',
    });
  });

  it('a required document type that does not exist', () => {
    const r = raw();
    r.businessEvents[0]!.required.push('PASSPORT');
    expect(issuesOf(r)).toContainEqual({
      path: 'businessEvents.0.required.4',
      message: 'unknown document type PASSPORT',
    });
  });

  it('an archive-code template without an item number width', () => {
    const r = raw();
    r.codeTemplate = '{fonds}-{category}·{year}-{retention}-{classCode}-{seq}';
    expect(issuesOf(r)).toContainEqual({
      path: 'codeTemplate',
      message: expect.stringContaining('{seq} a width'),
    });
  });

  it('an unknown field', () => {
    const r = { ...raw(), colour: 'blue' };
    expect(
      issuesOf(r)
        .map((i) => i.message)
        .join(),
    ).toContain('colour');
  });

  it('a sensitive field the customer record does not have', () => {
    const r = raw() as unknown as { sensitiveFields: string[] };
    r.sensitiveFields.push('email');
    expect(issuesOf(r).map((i) => i.path)).toEqual(['sensitiveFields.4']);
  });

  it('puts the scheme name and the paths in the message', () => {
    const r = raw();
    r.limits.maxDocumentsPerSubmission = 41;
    expect(() => parseScheme(r, 'my-scheme')).toThrow(
      /^scheme my-scheme is invalid: limits.maxDocumentsPerSubmission: /,
    );
  });
});

describe('GET /scheme', () => {
  const ddbMock = mockClient(ddb);
  const lowMock = mockClient(dynamodb);

  beforeEach(() => {
    setEnv();
    ddbMock.onAnyCommand().rejects(new Error('unexpected call'));
    lowMock.onAnyCommand().rejects(new Error('unexpected call'));
  });

  afterEach(() => {
    ddbMock.reset();
    lowMock.reset();
    process.env.SCHEME_ID = 'power-supply';
  });

  it('returns the scheme in force to any staff role, without touching the table', async () => {
    const res = await call(handler, { routeKey: 'GET /scheme', user: USERS.sysadmin });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('private, max-age=300');
    expect(res.body).toMatchObject({
      id: 'power-supply',
      name: { zh: '供电客户档案分类方案', en: 'Power-supply customer files' },
      fonds: 'Z001',
      category: 'KH',
      limits: { maxDocumentBytes: 52428800, maxLoanDays: 30 },
      contentTypes: ['application/pdf', 'image/jpeg', 'image/png', 'image/tiff'],
      sensitiveFields: ['idNumber', 'phone', 'address', 'bankAccount'],
    });
    expect((res.body.customerTypes as { code: string }[]).map((t) => t.code)).toEqual(['RES', 'LV', 'HV']);
    const events = res.body.businessEvents as { code: string; required: string[]; optional: string[] }[];
    expect(events.find((e) => e.code === 'INSPECTION')).toEqual({
      code: 'INSPECTION',
      classCode: 'JC',
      name: { zh: '用电检查', en: 'Inspection' },
      required: ['INSPECT'],
      optional: ['VIOLATION'],
    });
    const types = res.body.documentTypes as { code: string }[];
    expect(types).toHaveLength(13);
    expect(types.find((t) => t.code === 'COMPLETION')).toEqual({
      code: 'COMPLETION',
      name: { zh: '受电工程竣工验收单', en: 'Completion acceptance of customer works' },
      retention: 'Y',
      trigger: 'ARCHIVED',
      sensitive: false,
      paper: false,
    });
    expect(ddbMock.calls()).toHaveLength(0);
  });

  it('serves the scheme named by SCHEME_ID', async () => {
    process.env.SCHEME_ID = 'hotel-guest';
    const res = await call(handler, { routeKey: 'GET /scheme', user: USERS.clerk });
    expect(res.statusCode).toBe(200);
    expect(res.body.id).toBe('hotel-guest');
    expect((res.body.customerTypes as { code: string }[]).map((t) => t.code)).toEqual(['GUEST', 'CORP']);
  });

  it('401 without a token', async () => {
    const res = await call(handler, { routeKey: 'GET /scheme', user: null });
    expect(res.statusCode).toBe(401);
    expect(errorOf(res.body).code).toBe('Unauthorized');
  });

  it('hides a missing SCHEME_ID behind a fixed 500', async () => {
    delete process.env.SCHEME_ID;
    const res = await call(handler, { routeKey: 'GET /scheme', user: USERS.clerk });
    expect(res.statusCode).toBe(500);
    expect(res.body).toEqual({ error: { code: 'InternalError', message: 'internal error' } });
  });
});
