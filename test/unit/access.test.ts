import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  accessTableMarkdown,
  NEVER_CONTENT,
  ROUTE_RULES,
  routeKey,
  rulesOf,
} from '../../functions/access.ts';
import { checkAuditWrite } from '../../functions/adapters/audit-guard.ts';
import { ROUTES } from '../../functions/catalog.ts';
import {
  type Account,
  actorWithAccount,
  applyAccountChange,
  effectiveRoles,
} from '../../functions/core/accounts.ts';
import { maskEvent, toCsv } from '../../functions/core/audit-trail.ts';
import { csvField } from '../../functions/core/csv-field.ts';
import { documentVersion } from '../../functions/core/document-history.ts';
import { getScheme } from '../../functions/core/scheme.ts';

const routeKeys = ROUTES.map(routeKey);

describe('the authorisation model', () => {
  it('names record rules only for routes that exist', () => {
    for (const key of Object.keys(ROUTE_RULES)) expect(routeKeys, key).toContain(key);
  });

  it('keeps 三员分立 on every route: the three administrators read no content, the auditor changes nothing', () => {
    for (const r of ROUTES) {
      if (r.roles === 'public') continue;
      const key = routeKey(r);
      if (rulesOf(r).includes('content-reader') || key.endsWith('/content')) {
        for (const role of NEVER_CONTENT) expect(r.roles, `${key} ${role}`).not.toContain(role);
      }
      if (r.method !== 'GET') expect(r.roles, `${key} auditor`).not.toContain('auditor');
      if (key.startsWith('POST /tasks/')) expect(r.roles, key).not.toContain('secadmin');
      if (key.startsWith('GET /customers')) expect(r.roles, key).not.toContain('sysadmin');
    }
  });

  it('leaves granting roles to the security administrator alone', () => {
    for (const r of ROUTES.filter((x) => x.path.startsWith('/users') || x.path === '/groups')) {
      expect(r.roles, routeKey(r)).toEqual(['secadmin']);
    }
  });

  it('is the table README.md shows', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const m = /<!-- access-table:start -->\n([\s\S]*?)\n<!-- access-table:end -->/.exec(readme);
    expect(m?.[1], 'README.md has the access table between its markers').toBe(accessTableMarkdown());
  });
});

describe('accounts', () => {
  const account = (over: Partial<Account> = {}): Account => ({
    sub: 's1',
    username: 'clerk9',
    status: 'ACTIVE',
    roles: ['clerk'],
    version: 3,
    updatedAt: '2026-01-01T00:00:00.000Z',
    updatedBy: 'secadmin1',
    ...over,
  });
  const secadmin = { sub: 'sa', username: 'secadmin1', roles: ['secadmin' as const] };
  const now = new Date('2026-02-01T00:00:00Z');

  it('acts with the token groups the account still grants, and refuses a disabled account', () => {
    expect(effectiveRoles(['clerk', 'archivist'], account())).toEqual(['clerk']);
    expect(effectiveRoles(['clerk', 'archivist'], undefined)).toEqual(['clerk', 'archivist']);
    const actor = { sub: 's1', username: 'clerk9', roles: ['clerk' as const] };
    expect(actorWithAccount(actor, account({ regions: ['NORTH'] })).regions).toEqual(['NORTH']);
    expect(() => actorWithAccount(actor, account({ status: 'DISABLED' }))).toThrow(/disabled/);
  });

  it('changes accounts with a new version, refusing self-changes and combined admin roles', () => {
    const next = applyAccountChange(account(), { kind: 'disable', reason: 'left' }, { actor: secadmin, now });
    expect(next).toMatchObject({ status: 'DISABLED', reason: 'left', version: 4, updatedBy: 'secadmin1' });
    expect(applyAccountChange(account(), { kind: 'enable' }, { actor: secadmin, now })).toBeUndefined();
    expect(() =>
      applyAccountChange(
        account({ sub: 'sa' }),
        { kind: 'grant', role: 'archivist' },
        { actor: secadmin, now },
      ),
    ).toThrow(/own account/);
    expect(() =>
      applyAccountChange(
        account({ roles: ['auditor'] }),
        { kind: 'grant', role: 'clerk' },
        { actor: secadmin, now },
      ),
    ).toThrow(/三员分立/);
    expect(
      applyAccountChange(account(), { kind: 'grant', role: 'reviewer' }, { actor: secadmin, now })?.roles,
    ).toEqual(['clerk', 'reviewer']);
  });
});

describe('the append-only audit table in the data layer', () => {
  const T = 'dangan-audit';
  const key = { pk: { S: 'TARGET#x' }, sk: { S: 't#e' } };

  it.each([
    ['UpdateItemCommand', { TableName: T, Key: key }],
    ['DeleteItemCommand', { TableName: T, Key: key }],
    ['PutItemCommand', { TableName: T, Item: key }],
    ['BatchWriteItemCommand', { RequestItems: { [T]: [{ DeleteRequest: { Key: key } }] } }],
    ['TransactWriteItemsCommand', { TransactItems: [{ Update: { TableName: T, Key: key } }] }],
    ['ExecuteStatementCommand', { Statement: `DELETE FROM "${T}" WHERE pk = 'x'` }],
    ['UpdateTimeToLiveCommand', { TableName: T }],
  ])('refuses %s on the audit table', (name, input) => {
    expect(() => checkAuditWrite(name, input, T)).toThrow(/append-only/);
  });

  it('lets conditional appends and every other table through', () => {
    const put = { TableName: T, Item: key, ConditionExpression: 'attribute_not_exists(pk)' };
    expect(() => checkAuditWrite('PutItemCommand', put, T)).not.toThrow();
    expect(() =>
      checkAuditWrite('TransactWriteItemsCommand', { TransactItems: [{ Put: put }] }, T),
    ).not.toThrow();
    expect(() => checkAuditWrite('UpdateItemCommand', { TableName: 'dangan-records' }, T)).not.toThrow();
  });
});

describe('reading the trail', () => {
  const scheme = getScheme('power-supply');
  const event = {
    eventId: 'e1',
    at: '2026-01-01T00:00:00.000Z',
    action: 'customer.updated',
    actorSub: 's',
    actorName: 'clerk1',
    actorRoles: ['clerk'],
    targetType: 'customer',
    targetId: 'c1',
    before: { idNumber: '11010519491231002X', phone: '13912345678', name: '李四' },
    after: { nested: { bankAccount: '6222020200112233445' } },
  };

  it('masks sensitive fields anywhere in an event for a role that may not see them', () => {
    const masked = maskEvent(scheme, { roles: ['auditor'] }, event);
    expect(JSON.stringify(masked)).not.toContain('11010519491231002X');
    expect(JSON.stringify(masked)).not.toContain('6222020200112233445');
    expect(maskEvent(scheme, { roles: ['archivist'] }, event)).toEqual(event);
  });

  it('writes CSV that a spreadsheet cannot run', () => {
    expect(csvField('a,"b"')).toBe('"a,""b"""');
    expect(csvField('=cmd()')).toBe("'=cmd()");
    expect(toCsv([event]).split('\r\n')[0]).toMatch(/^at,eventId,action/);
  });
});

describe('document versions', () => {
  it('records the fields that changed, with values before and after, and leaves storage out', () => {
    const v = documentVersion({
      kind: 'MODIFY',
      oldImage: { documentId: 'd', status: 'PENDING_UPLOAD', intakeKey: 'k', updatedAt: 'a' },
      newImage: { documentId: 'd', status: 'UPLOADED', intakeKey: 'k2', updatedAt: '2026-01-01T00:00:00Z' },
      sequence: '7',
      approximateAt: new Date(0),
    });
    expect(v).toMatchObject({
      changed: ['status'],
      before: { status: 'PENDING_UPLOAD' },
      after: { status: 'UPLOADED' },
      changedBy: 'system',
      changedAt: '2026-01-01T00:00:00Z',
    });
    expect(
      documentVersion({
        kind: 'MODIFY',
        oldImage: { documentId: 'd', intakeKey: 'a' },
        newImage: { documentId: 'd', intakeKey: 'b' },
        sequence: '8',
        approximateAt: new Date(0),
      }),
    ).toBeUndefined();
  });
});
