import { describe, expect, it } from 'vitest';
import {
  applyChange,
  type Customer,
  canSeeCustomer,
  checkAccountState,
  closesAccount,
  createCustomerSchema,
  customerView,
  earliestClosure,
  firstVersion,
  idNumberProblem,
  isPassportLike,
  isPhoneNumber,
  isPrcIdNumber,
  looksLikeCustomerNo,
  mayAlsoBeName,
  nameSortKey,
  newCustomer,
  normalizePhone,
  parseCustomerId,
  parseIfMatch,
  prcIdCheckChar,
  updateCustomerSchema,
} from '../../functions/core/customers.ts';
import { DomainError } from '../../functions/core/errors.ts';
import { mayAccessRegion } from '../../functions/core/regions.ts';
import type { Actor } from '../../functions/core/roles.ts';
import { getScheme } from '../../functions/core/scheme.ts';
import { CUSTOMER_ID, ID_NUMBER, ID_NUMBER_X, STORED } from './customers-fixtures.ts';

const scheme = getScheme('power-supply');
const clerk: Actor = { sub: 'sub-clerk1', username: 'clerk1', roles: ['clerk'] };
const NOW = new Date('2026-03-10T02:00:00.000Z');

function domainError(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected a DomainError');
}

describe('identity numbers', () => {
  it('computes the GB 11643 check character', () => {
    expect(prcIdCheckChar('11010519491231002')).toBe('X');
    expect(prcIdCheckChar('11010119900307123')).toBe('3');
  });

  it('accepts resident ID numbers with a valid check character and birth date', () => {
    expect(isPrcIdNumber(ID_NUMBER)).toBe(true);
    expect(isPrcIdNumber(ID_NUMBER_X)).toBe(true);
  });

  it.each([
    ['110101199003071234', 'the check character is wrong'],
    ['110101199002301234', 'bad birth date'],
    ['110101189901011234', 'bad birth date'],
    ['110101299901011234', 'bad birth date'],
  ])('refuses %s: %s', (value, reason) => {
    expect(isPrcIdNumber(value)).toBe(false);
    expect(idNumberProblem(value)).toContain(reason);
  });

  it.each(['E12345678', 'EA1234567', 'H1234567890', '12345678', '123456789'])(
    'accepts passport-like %s',
    (v) => {
      expect(isPassportLike(v)).toBe(true);
      expect(idNumberProblem(v)).toBeUndefined();
    },
  );

  it.each(['12345', 'E123', '110101900307123', 'ABC-12345', 'e12345678'])('refuses %s', (v) => {
    expect(idNumberProblem(v)).toMatch(/must be an 18-character resident ID number or a passport/);
  });
});

describe('phone numbers', () => {
  it('normalises spaces and the +86 prefix of mobiles', () => {
    expect(normalizePhone('+86 138 1234 5678')).toBe('13812345678');
    expect(normalizePhone('008613812345678')).toBe('13812345678');
    expect(normalizePhone('010 1234 5678')).toBe('01012345678');
  });

  it.each(['13812345678', '010-12345678', '0571-8765432', '021-12345678-123', '+441234567890'])(
    'accepts %s',
    (v) => expect(isPhoneNumber(v)).toBe(true),
  );

  it.each(['12812345678', '1381234567', '12345', '+0123456789', '010-123'])('refuses %s', (v) =>
    expect(isPhoneNumber(v)).toBe(false),
  );
});

describe('small helpers', () => {
  it('normalises names for prefix search', () => {
    expect(nameSortKey('  ＬＩ   Lei ')).toBe('li lei');
    expect(nameSortKey('张三')).toBe('张三');
  });

  it('tells customer numbers from names', () => {
    expect(looksLikeCustomerNo('1000000001')).toBe(true);
    expect(looksLikeCustomerNo('ab-0001')).toBe(true);
    // A number may be letters only: KHABCD is as valid a customer number as KH0001.
    expect(looksLikeCustomerNo('khabcd')).toBe(true);
    expect(mayAlsoBeName('khabcd')).toBe(true);
    expect(mayAlsoBeName('KH0001')).toBe(false);
    expect(looksLikeCustomerNo('Anna Li')).toBe(false);
    expect(looksLikeCustomerNo('张三')).toBe(false);
    expect(looksLikeCustomerNo('12')).toBe(false);
  });

  it('parses the customerId path parameter or names it in a 400', () => {
    expect(parseCustomerId({ customerId: CUSTOMER_ID })).toBe(CUSTOMER_ID);
    const err = domainError(() => parseCustomerId({}));
    expect(err.status).toBe(400);
    expect(err.details).toEqual([{ path: 'customerId', message: expect.any(String) }]);
  });

  it.each([
    ['3', 3],
    ['"3"', 3],
    ['W/"12"', 12],
    [' 7 ', 7],
  ])('reads If-Match %s as version %d', (header, version) => {
    expect(parseIfMatch(header)).toBe(version);
  });

  it.each([undefined, '', '  '])('requires If-Match (%s)', (header) => {
    const err = domainError(() => parseIfMatch(header));
    expect(err.status).toBe(400);
    expect(err.message).toBe('If-Match header with the current version is required');
  });

  it.each(['0', '-1', 'abc', '*', '1.5'])('refuses If-Match %s', (header) => {
    const err = domainError(() => parseIfMatch(header));
    expect(err.status).toBe(400);
    expect(err.message).toContain('is not a version');
  });

  it('lets every role see every region until tokens carry regions', () => {
    expect(mayAccessRegion(clerk, 'HZ01')).toBe(true);
    expect(canSeeCustomer(clerk, { region: 'ANY' })).toBe(true);
  });
});

describe('account state', () => {
  it('pairs CLOSED with closedAt', () => {
    expect(() => checkAccountState('CLOSED', '2026-01-31', NOW)).not.toThrow();
    expect(() => checkAccountState('ACTIVE', undefined, NOW)).not.toThrow();
    expect(domainError(() => checkAccountState('CLOSED', undefined, NOW)).message).toBe(
      'closedAt is required when accountStatus is CLOSED',
    );
    expect(domainError(() => checkAccountState('SUSPENDED', '2026-01-31', NOW)).message).toBe(
      'closedAt is only allowed when accountStatus is CLOSED, not SUSPENDED',
    );
  });

  it('allows today in any time zone but not later', () => {
    // 02:00 UTC on 10 March is still 10 March everywhere; 12:00 UTC is 11 March in UTC+14.
    expect(() => checkAccountState('CLOSED', '2026-03-10', NOW)).not.toThrow();
    expect(domainError(() => checkAccountState('CLOSED', '2026-03-11', NOW)).message).toBe(
      'closedAt 2026-03-11 is in the future',
    );
    const noon = new Date('2026-03-10T12:00:00.000Z');
    expect(() => checkAccountState('CLOSED', '2026-03-11', noon)).not.toThrow();
    expect(domainError(() => checkAccountState('CLOSED', '2026-03-12', noon)).status).toBe(400);
  });
});

describe('a customer registered as closed', () => {
  it('carries a closure from before its registration (files digitised after the closure), never a future one', () => {
    const input = createCustomerSchema(scheme).parse({
      customerNo: '1000000009',
      name: '李四',
      type: 'RES',
      accountStatus: 'CLOSED',
      closedAt: '1998-07-01',
    });
    const c = newCustomer(input, { customerId: CUSTOMER_ID, actor: clerk, now: NOW });
    expect(c).toMatchObject({ accountStatus: 'CLOSED', closedAt: '1998-07-01' });
    expect(
      domainError(() =>
        newCustomer(
          { ...input, closedAt: '2026-03-11' },
          { customerId: CUSTOMER_ID, actor: clerk, now: NOW },
        ),
      ).message,
    ).toBe('closedAt 2026-03-11 is in the future');
  });
});

describe('newCustomer and firstVersion', () => {
  it('builds version 1 with defaults and keeps every given field in the first version', () => {
    const input = createCustomerSchema(scheme).parse({
      customerNo: '1000000009',
      name: '李四',
      type: 'LV',
      phone: '13812345678',
    });
    const c = newCustomer(input, { customerId: CUSTOMER_ID, actor: clerk, now: NOW });
    expect(c).toEqual({
      customerId: CUSTOMER_ID,
      customerNo: '1000000009',
      name: '李四',
      type: 'LV',
      phone: '13812345678',
      region: 'DEFAULT',
      accountStatus: 'ACTIVE',
      version: 1,
      createdAt: NOW.toISOString(),
      createdBy: 'clerk1',
      updatedAt: NOW.toISOString(),
      updatedBy: 'clerk1',
    });
    expect(firstVersion(c, clerk)).toEqual({
      customerId: CUSTOMER_ID,
      version: 1,
      changedAt: NOW.toISOString(),
      changedBy: 'clerk1',
      changedBySub: 'sub-clerk1',
      changed: ['customerNo', 'name', 'type', 'phone', 'region', 'accountStatus'],
      values: {
        customerNo: '1000000009',
        name: '李四',
        type: 'LV',
        phone: '13812345678',
        region: 'DEFAULT',
        accountStatus: 'ACTIVE',
      },
    });
  });

  it('takes the customer types from the scheme', () => {
    const hotel = getScheme('hotel-guest');
    const body = { customerNo: 'G-000001', name: 'Guest', type: 'GUEST' };
    expect(createCustomerSchema(hotel).safeParse(body).success).toBe(true);
    expect(createCustomerSchema(scheme).safeParse(body).success).toBe(false);
  });
});

describe('applyChange', () => {
  const change = (current: Customer, body: unknown) =>
    applyChange(current, updateCustomerSchema(scheme).parse(body), { actor: clerk, now: NOW });

  it('changes the named fields, bumps the version and records only what changed', () => {
    const c = change(STORED, { phone: '13900001111', name: '张三', idNumber: null });
    expect(c?.changed).toEqual(['idNumber', 'phone']);
    expect(c?.removed).toEqual(['idNumber']);
    expect(c?.next).not.toHaveProperty('idNumber');
    expect(c?.next).toMatchObject({ phone: '13900001111', version: 2, updatedBy: 'clerk1' });
    expect(c?.version).toMatchObject({ version: 2, values: { phone: '13900001111', idNumber: null } });
    expect(STORED.idNumber).toBe(ID_NUMBER);
    expect(c && closesAccount(c)).toBe(false);
  });

  it('returns undefined when nothing changes, including removing an absent value', () => {
    const { bankAccount: _b, ...noBank } = STORED;
    expect(change(noBank, { bankAccount: null, region: 'hz01' })).toBeUndefined();
  });

  it('tells a closing change', () => {
    const c = change(STORED, { accountStatus: 'CLOSED', closedAt: '2026-03-01' });
    expect(c && closesAccount(c)).toBe(true);
  });

  it('refuses a closure before the day the customer was registered, in the latest time zone', () => {
    // STORED was registered at 2026-01-05T08:00Z, which is 2026-01-04 in UTC-12.
    expect(change(STORED, { accountStatus: 'CLOSED', closedAt: '2026-01-04' })?.next.closedAt).toBe(
      '2026-01-04',
    );
    const err = domainError(() => change(STORED, { accountStatus: 'CLOSED', closedAt: '2026-01-03' }));
    expect(err.status).toBe(400);
    expect(err.message).toBe(
      'closedAt 2026-01-03 is before customer 1000000001 was registered on 2026-01-04: the earliest closure date allowed is 2026-01-04',
    );
    expect(err.details).toEqual([
      {
        path: 'closedAt',
        message: 'must not be before 2026-01-04, the day customer 1000000001 was registered',
      },
    ]);
    const late = { ...STORED, createdAt: '2026-01-05T13:00:00.000Z' };
    expect(domainError(() => change(late, { accountStatus: 'CLOSED', closedAt: '2026-01-04' })).status).toBe(
      400,
    );
    expect(earliestClosure(STORED)).toEqual({
      earliest: '2026-01-04',
      since: 'customer 1000000001 was registered',
      what: 'closure date',
    });
  });

  it('checks the future before the registration', () => {
    expect(
      domainError(() => change(STORED, { accountStatus: 'CLOSED', closedAt: '2099-01-01' })).message,
    ).toBe('closedAt 2099-01-01 is in the future');
  });

  it('refuses to reopen or re-date a closed account but allows correcting its data', () => {
    const closed: Customer = { ...STORED, accountStatus: 'CLOSED', closedAt: '2026-01-01' };
    expect(domainError(() => change(closed, { accountStatus: 'ACTIVE' })).status).toBe(409);
    expect(domainError(() => change(closed, { closedAt: '2026-02-01' })).status).toBe(409);
    expect(change(closed, { address: '上海市浦东新区1号' })?.changed).toEqual(['address']);
  });
});

describe('customerView', () => {
  it('drops storage attributes and keeps the record fields', () => {
    const view = customerView({ ...STORED, pk: 'x', gsi1pk: 'y' } as Customer);
    expect(view).not.toHaveProperty('pk');
    expect(view).not.toHaveProperty('gsi1pk');
    expect(view).toEqual(STORED);
  });
});
