import type { Actor } from './roles.ts';
import type { Scheme } from './scheme.ts';

/**
 * Masking of sensitive personal data (身份证号, 手机号, 地址, 银行账号, 姓名). The scheme names the
 * sensitive fields and the roles that may read them in clear; everyone else gets a masked copy
 * that keeps just enough of the value to recognise it (`110***********1234`, `138****5678`).
 * Plain functions over plain data: customers, documents and the audit reader share them.
 */

export type SensitiveField = Scheme['sensitiveFields'][number];

const MASK = '*';
/** The masked part of an address has a fixed length, so the mask does not tell the length. */
const ADDRESS_MASK = '****';

/**
 * Replaces the middle of `value` with `*`, keeping up to `keepStart` leading and `keepEnd`
 * trailing characters. However short the value, at least max(4, a third of it) characters are
 * masked, and values of four characters or fewer are masked entirely.
 */
export function maskMiddle(value: string, keepStart: number, keepEnd: number): string {
  const chars = Array.from(value);
  const n = chars.length;
  const mustMask = Math.max(4, Math.ceil(n / 3));
  const budget = Math.max(0, n - mustMask);
  const end = Math.min(keepEnd, budget);
  const start = Math.min(keepStart, budget - end);
  return chars.slice(0, start).join('') + MASK.repeat(n - start - end) + chars.slice(n - end).join('');
}

/** Masks one value of the given kind. */
export function maskValue(field: SensitiveField, value: string): string {
  switch (field) {
    case 'idNumber':
      // Region code prefix and the last four: 110***********1234.
      return maskMiddle(value, 3, 4);
    case 'phone':
      return maskMiddle(value, 3, 4);
    case 'bankAccount':
      return maskMiddle(value, 4, 4);
    case 'address': {
      const chars = Array.from(value);
      const keep = Math.min(6, Math.floor(chars.length / 2));
      return chars.slice(0, keep).join('') + ADDRESS_MASK;
    }
    case 'name': {
      // Surname only: 张** ; a one-character name is masked entirely.
      const chars = Array.from(value);
      if (chars.length <= 1) return MASK.repeat(chars.length);
      return chars[0] + MASK.repeat(chars.length - 1);
    }
  }
}

/** True when one of the actor's roles may read the scheme's sensitive fields in clear. */
export function mayReadUnmasked(scheme: Scheme, actor: Pick<Actor, 'roles'>): boolean {
  return actor.roles.some((r) => scheme.unmaskedRoles.includes(r));
}

/** The sensitive fields that hold a non-empty string in `record`. */
export function sensitiveFieldsPresent(record: object, fields: readonly SensitiveField[]): SensitiveField[] {
  const values = record as Record<string, unknown>;
  return fields.filter((f) => typeof values[f] === 'string' && values[f] !== '');
}

/**
 * A copy of `record` with every listed field that holds a string masked. Other values
 * (absent, null for a removed value) are kept as they are.
 */
export function maskRecord<T extends object>(record: T, fields: readonly SensitiveField[]): T {
  const out: Record<string, unknown> = { ...(record as Record<string, unknown>) };
  for (const f of fields) {
    const v = out[f];
    if (typeof v === 'string' && v !== '') out[f] = maskValue(f, v);
  }
  return out as T;
}

export interface MaskResult<T> {
  value: T;
  /**
   * Sensitive fields returned in clear. Non-empty only for a role in the scheme's
   * `unmaskedRoles`; such a read must be audited by the caller.
   */
  revealed: SensitiveField[];
}

/**
 * Masks `record` for `actor` under `scheme`: in clear for the scheme's unmasked roles (and
 * `revealed` lists what was shown), masked for everyone else. `forceMask` masks whatever the
 * role, for listings that are never audited.
 */
export function maskForActor<T extends object>(
  scheme: Scheme,
  actor: Pick<Actor, 'roles'>,
  record: T,
  options: { forceMask?: boolean } = {},
): MaskResult<T> {
  if (!options.forceMask && mayReadUnmasked(scheme, actor)) {
    return { value: record, revealed: sensitiveFieldsPresent(record, scheme.sensitiveFields) };
  }
  return { value: maskRecord(record, scheme.sensitiveFields), revealed: [] };
}

/** `maskForActor` over a list; `revealed` is the union over all records. */
export function maskAllForActor<T extends object>(
  scheme: Scheme,
  actor: Pick<Actor, 'roles'>,
  records: readonly T[],
  options: { forceMask?: boolean } = {},
): MaskResult<T[]> {
  const revealed = new Set<SensitiveField>();
  const value = records.map((r) => {
    const m = maskForActor(scheme, actor, r, options);
    for (const f of m.revealed) revealed.add(f);
    return m.value;
  });
  return { value, revealed: scheme.sensitiveFields.filter((f) => revealed.has(f)) };
}

/**
 * A customer's versions as the history route shows them to `actor` (each version's values masked
 * per role), and the fields shown in clear, which the reader audits.
 */
export function customerHistoryForActor<V extends { values: object }>(
  scheme: Scheme,
  actor: Pick<Actor, 'roles'>,
  versions: readonly V[],
): { items: V[]; revealed: SensitiveField[] } {
  const { value, revealed } = maskAllForActor(
    scheme,
    actor,
    versions.map((v) => v.values),
  );
  return { items: versions.map((v, i) => ({ ...v, values: value[i] ?? {} })), revealed };
}
