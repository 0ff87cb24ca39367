import { describe, expect, it } from 'vitest';
import {
  maskAllForActor,
  maskForActor,
  maskMiddle,
  maskRecord,
  maskValue,
  mayReadUnmasked,
  sensitiveFieldsPresent,
} from '../../functions/core/masking.ts';
import { getScheme } from '../../functions/core/scheme.ts';

const power = getScheme('power-supply');
const hotel = getScheme('hotel-guest');
const clerk = { roles: ['clerk' as const] };
const archivist = { roles: ['archivist' as const] };
const both = { roles: ['clerk' as const, 'archivist' as const] };

describe('maskValue', () => {
  it.each([
    ['idNumber', '110101199003071233', '110***********1233'],
    ['idNumber', '11010519491231002X', '110***********002X'],
    ['idNumber', 'E12345678', 'E****5678'],
    ['phone', '13812345678', '138****5678'],
    ['phone', '010-12345678', '010*****5678'],
    ['bankAccount', '6222021234567890123', '6222***********0123'],
    ['address', '浙江省杭州市西湖区文三路90号', '浙江省杭州市****'],
    ['address', '文三路90号', '文三路****'],
    ['address', 'X', '****'],
    ['name', '张三', '张*'],
    ['name', '欧阳娜娜', '欧***'],
    ['name', '王', '*'],
  ] as const)('%s %s → %s', (field, value, masked) => {
    expect(maskValue(field, value)).toBe(masked);
  });

  it('keeps the length of id, phone and account values but not of addresses', () => {
    expect(maskValue('idNumber', '110101199003071233')).toHaveLength(18);
    expect(maskValue('address', '北京市东城区某某街道某某胡同某某号院')).toHaveLength(10);
  });
});

describe('maskMiddle', () => {
  it('always masks at least four characters and a third of the value', () => {
    expect(maskMiddle('1234', 3, 4)).toBe('****');
    expect(maskMiddle('12345678', 3, 4)).toBe('****5678');
    expect(maskMiddle('123456789012', 3, 4)).toBe('123*****9012');
    for (let n = 1; n <= 30; n++) {
      const masked = maskMiddle('x'.repeat(n), 3, 4);
      const stars = masked.split('').filter((c) => c === '*').length;
      expect(masked).toHaveLength(n);
      expect(stars).toBeGreaterThanOrEqual(Math.min(n, Math.max(4, Math.ceil(n / 3))));
    }
  });

  it('counts characters, not UTF-16 units', () => {
    expect(maskMiddle('𠀀𠀁𠀂𠀃𠀄𠀅𠀆𠀇𠀈𠀉', 2, 2)).toBe('𠀀𠀁******𠀈𠀉');
  });
});

describe('role checks', () => {
  it('reads unmasked roles from the scheme', () => {
    expect(mayReadUnmasked(power, archivist)).toBe(true);
    expect(mayReadUnmasked(power, both)).toBe(true);
    expect(mayReadUnmasked(power, clerk)).toBe(false);
    expect(mayReadUnmasked(power, { roles: [] })).toBe(false);
    expect(mayReadUnmasked({ ...power, unmaskedRoles: ['auditor'] }, { roles: ['auditor'] })).toBe(true);
  });
});

describe('records', () => {
  const record = {
    customerId: 'c1',
    name: '张三',
    idNumber: '110101199003071233',
    phone: '13812345678',
    address: '浙江省杭州市西湖区文三路90号',
    bankAccount: null,
  };

  it('masks the listed fields that hold strings, leaves the rest, and does not mutate', () => {
    const masked = maskRecord(record, ['idNumber', 'phone', 'bankAccount']);
    expect(masked).toEqual({ ...record, idNumber: '110***********1233', phone: '138****5678' });
    expect(record.idNumber).toBe('110101199003071233');
  });

  it('lists the sensitive fields present', () => {
    expect(sensitiveFieldsPresent(record, power.sensitiveFields)).toEqual(['idNumber', 'phone', 'address']);
    expect(sensitiveFieldsPresent({ idNumber: '' }, power.sensitiveFields)).toEqual([]);
  });

  it('masks per the scheme for roles without the right, and reports nothing revealed', () => {
    const m = maskForActor(power, clerk, record);
    expect(m.revealed).toEqual([]);
    expect(m.value.address).toBe('浙江省杭州市****');
  });

  it('follows the scheme: the hotel scheme does not treat addresses as sensitive', () => {
    expect(maskForActor(hotel, clerk, record).value.address).toBe(record.address);
  });

  it('returns values in clear to an unmasked role and reports what was revealed', () => {
    const m = maskForActor(power, archivist, record);
    expect(m.value).toEqual(record);
    expect(m.revealed).toEqual(['idNumber', 'phone', 'address']);
  });

  it('masks for everyone when forced', () => {
    const m = maskForActor(power, archivist, record, { forceMask: true });
    expect(m.revealed).toEqual([]);
    expect(m.value.idNumber).toBe('110***********1233');
  });

  it('masks lists and reports the union of revealed fields in scheme order', () => {
    const m = maskAllForActor(power, archivist, [
      { phone: '13812345678' },
      { bankAccount: '6222021234567890123' },
    ]);
    expect(m.revealed).toEqual(['phone', 'bankAccount']);
    const masked = maskAllForActor(power, clerk, [{ phone: '13812345678' }]);
    expect(masked.value).toEqual([{ phone: '138****5678' }]);
    expect(masked.revealed).toEqual([]);
  });
});
