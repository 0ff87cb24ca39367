import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as accountsChange } from '../../functions/api/accounts-change.ts';
import { handler as customersCreate } from '../../functions/api/customers-create.ts';
import { handler as tasksList } from '../../functions/api/tasks-list.ts';
import {
  type Account,
  AccountDisabled,
  actorWithAccount,
  applyAccountChange,
  EXCLUSIVE_ROLES,
  forbiddenCombination,
  RoleConflict,
} from '../../functions/core/accounts.ts';
import { Conflict } from '../../functions/core/errors.ts';
import { type Actor, ROLES, type Role } from '../../functions/core/roles.ts';
import { useAccountSource } from '../../functions/http/account-state.ts';
import { apiEvent, bodyOf, lambdaContext } from '../support/api-event.ts';

/**
 * 三员分立 for every token: the system administrator, the security administrator and the auditor
 * combine with no other role, whether the person's account is managed by Dangan or not. Every
 * pair of roles is decided here, for a never-managed person and for managed accounts granting
 * both, one or neither of the pair.
 */

const PAIRS: [Role, Role][] = ROLES.flatMap((a, i) => ROLES.slice(i + 1).map((b): [Role, Role] => [a, b]));
const forbidden = ([a, b]: [Role, Role]) => EXCLUSIVE_ROLES.includes(a) || EXCLUSIVE_ROLES.includes(b);

const actor = (roles: Role[]): Actor => ({ sub: 's1', username: 'person9', roles });
const account = (roles: Role[], over: Partial<Account> = {}): Account => ({
  sub: 's1',
  username: 'person9',
  status: 'ACTIVE',
  roles,
  version: 2,
  updatedAt: '2026-01-01T00:00:00.000Z',
  updatedBy: 'secadmin1',
  ...over,
});

function refusal(run: () => unknown): RoleConflict {
  try {
    run();
  } catch (err) {
    if (err instanceof RoleConflict) return err;
    throw err;
  }
  throw new Error('not refused');
}

describe('which roles may be held together', () => {
  it('names the administrators of a forbidden combination and nothing for an allowed one', () => {
    expect(PAIRS).toHaveLength(28);
    for (const pair of PAIRS) {
      const found = forbiddenCombination(pair);
      if (forbidden(pair)) {
        expect(found.length, pair.join('+')).toBeGreaterThan(0);
        expect(pair, pair.join('+')).toEqual(expect.arrayContaining(found));
        for (const r of found) expect(EXCLUSIVE_ROLES).toContain(r);
      } else {
        expect(found, pair.join('+')).toEqual([]);
      }
    }
    for (const r of ROLES) expect(forbiddenCombination([r]), r).toEqual([]);
    expect(forbiddenCombination([])).toEqual([]);
    expect(forbiddenCombination(['secadmin', 'secadmin'])).toEqual([]);
    expect(forbiddenCombination([...ROLES])).toEqual(['auditor', 'sysadmin', 'secadmin']);
  });

  it('is the rule the security administrator grants by: a grant forming a forbidden pair is a 409', () => {
    const secadmin = { sub: 'sa', username: 'secadmin1', roles: ['secadmin' as const] };
    const now = new Date('2026-02-01T00:00:00Z');
    for (const [a, b] of PAIRS) {
      const grant = () =>
        applyAccountChange(account([a]), { kind: 'grant', role: b }, { actor: secadmin, now });
      if (forbidden([a, b])) expect(grant, `${a}+${b}`).toThrow(Conflict);
      else expect(grant()?.roles, `${a}+${b}`).toEqual(ROLES.filter((r) => r === a || r === b));
    }
  });
});

describe('the actor a token acts as', () => {
  it('refuses a token with a forbidden pair whatever the account: never managed, or granting both, one or neither', () => {
    for (const pair of PAIRS.filter(forbidden)) {
      const [a, b] = pair;
      for (const [label, acc] of [
        ['never managed', undefined],
        ['granting both', account([a, b])],
        [`granting ${a}`, account([a])],
        [`granting ${b}`, account([b])],
        ['granting neither', account(['staff'].filter((r) => r !== a && r !== b) as Role[])],
      ] as const) {
        const err = refusal(() => actorWithAccount(actor([a, b]), acc));
        expect(err.status, `${a}+${b} ${label}`).toBe(403);
        expect(err.code).toBe('Forbidden');
        expect(err.reason).toBe('role-conflict');
        expect(err.source).toBe('token');
        expect(err.message).toContain(
          `the token of person9 carries the groups ${ROLES.filter((r) => r === a || r === b).join(', ')}`,
        );
        expect(err.message).toContain('三员分立');
        expect(err.message).toContain('ask the security administrator');
      }
    }
  });

  it('lets an allowed pair act: a never-managed person with both groups, a managed one with what is granted', () => {
    for (const pair of PAIRS.filter((p) => !forbidden(p))) {
      const [a, b] = pair;
      const label = `${a}+${b}`;
      expect(actorWithAccount(actor([a, b]), undefined).roles, label).toEqual([a, b]);
      expect(actorWithAccount(actor([a, b]), account([a, b])).roles, label).toEqual([a, b]);
      expect(actorWithAccount(actor([a, b]), account([a])).roles, label).toEqual([a]);
      expect(actorWithAccount(actor([a, b]), account([b])).roles, label).toEqual([b]);
      expect(actorWithAccount(actor([a, b]), account([])).roles, label).toEqual([]);
    }
  });

  it('lets every single role act, never managed or granted, and drops a role the account does not grant', () => {
    for (const r of ROLES) {
      expect(actorWithAccount(actor([r]), undefined).roles, r).toEqual([r]);
      expect(actorWithAccount(actor([r]), account([r])).roles, r).toEqual([r]);
      const other: Role = r === 'staff' ? 'clerk' : 'staff';
      expect(actorWithAccount(actor([r]), account([other])).roles, r).toEqual([]);
    }
  });

  it('refuses an account that grants a forbidden pair (seeded or stored before the rule), even to a token with one of them', () => {
    for (const pair of PAIRS.filter(forbidden)) {
      const [a, b] = pair;
      for (const token of [[a], [b]] as Role[][]) {
        const err = refusal(() => actorWithAccount(actor(token), account([a, b])));
        expect(err.source, `${a}+${b} token ${token.join()}`).toBe('account');
        expect(err.message).toContain('the account of person9 grants');
        expect(err.message).toContain('ask the security administrator');
      }
    }
  });

  it('refuses a disabled account as disabled (401) before looking at its roles', () => {
    expect(() =>
      actorWithAccount(actor(['secadmin', 'archivist']), account(['clerk'], { status: 'DISABLED' })),
    ).toThrow(AccountDisabled);
  });

  it('keeps the regions of the account', () => {
    expect(actorWithAccount(actor(['clerk']), account(['clerk'], { regions: ['HZ'] })).regions).toEqual([
      'HZ',
    ]);
    expect(actorWithAccount(actor(['clerk']), undefined).regions).toBeUndefined();
  });
});

describe('the handler chain', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  const cognito = mockClient(CognitoIdentityProviderClient);
  const person = { sub: 'sub-both', username: 'both1', groups: ['secadmin', 'archivist'] };

  beforeEach(() => {
    ddb.reset().onAnyCommand().rejects(new Error('unexpected call'));
    cognito.reset().onAnyCommand().rejects(new Error('unexpected call'));
  });
  afterAll(() => {
    useAccountSource(async () => undefined);
    ddb.restore();
    cognito.restore();
  });

  const requests = [
    ['GET /tasks (either role)', tasksList, { routeKey: 'GET /tasks' }],
    [
      'POST /users/{userId}/roles (the secadmin)',
      accountsChange,
      {
        routeKey: 'POST /users/{userId}/roles',
        pathParameters: { userId: 'sub-other' },
        body: { role: 'clerk' },
      },
    ],
    [
      'POST /customers (the archivist)',
      customersCreate,
      {
        routeKey: 'POST /customers',
        body: { customerNo: '3300099999', name: '张三', type: 'RES', region: 'HZ' },
      },
    ],
  ] as const;

  for (const [managed, source] of [
    ['never managed', async () => undefined],
    ['managed as secadmin', async () => account(['secadmin'], { sub: 'sub-both', username: 'both1' })],
  ] as const) {
    it(`answers a secadmin+archivist token (${managed}) with 403 naming the conflict, and does nothing`, async () => {
      useAccountSource(source);
      for (const [label, handler, input] of requests) {
        const res = bodyOf(await handler(apiEvent({ ...input, user: person }), lambdaContext));
        expect(res.statusCode, label).toBe(403);
        const error = res.body.error as { code: string; message: string };
        expect(error.code).toBe('Forbidden');
        expect(error.message).toBe(
          'the token of both1 carries the groups archivist, secadmin: secadmin may not be combined with another role (三员分立), so no request is served with them; ask the security administrator to leave both1 one administrator role or none',
        );
      }
      expect(ddb.calls()).toHaveLength(0);
      expect(cognito.calls()).toHaveLength(0);
    });
  }
});
