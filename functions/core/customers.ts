import { randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import { now } from './clock.ts';
import { CUSTOMER_NO_PATTERN } from './customer-numbers.ts';
import { assertNotBefore, assertNotFuture, earliestDayOf } from './dated-facts.ts';
import { BadRequest, Conflict } from './errors.ts';
import { lazySchema, problemOf } from './lazy-schema.ts';
import { DEFAULT_REGION, mayAccessRegion } from './regions.ts';
import type { Actor } from './roles.ts';
import type { Scheme } from './scheme.ts';

/**
 * Customers (客户): the party a file is about. Plain domain functions and input schemas; the
 * DynamoDB side lives in adapters/customers-repo.ts and the HTTP side in api/customers-*.ts.
 *
 * A customer has a customer number (户号) that is unique and never changes, a current record
 * with a version number, and one version entry per change (who, when, which fields, the new
 * values), so every change is kept.
 */

export const ACCOUNT_STATUSES = ['ACTIVE', 'SUSPENDED', 'CLOSED'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

export interface Customer {
  customerId: string;
  customerNo: string;
  name: string;
  /** One of the scheme's customerTypes codes. */
  type: string;
  idNumber?: string;
  phone?: string;
  address?: string;
  region: string;
  bankAccount?: string;
  accountStatus: AccountStatus;
  /** Date (YYYY-MM-DD) the account was closed; present exactly when accountStatus is CLOSED. */
  closedAt?: string;
  version: number;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
}

/** The fields that carry customer data (the rest is bookkeeping). */
export const DATA_FIELDS = [
  'customerNo',
  'name',
  'type',
  'idNumber',
  'phone',
  'address',
  'region',
  'bankAccount',
  'accountStatus',
  'closedAt',
] as const;
export type DataField = (typeof DATA_FIELDS)[number];

/** Fields a PATCH may change: all data fields except the customer number. */
export const EDITABLE_FIELDS = DATA_FIELDS.filter((f) => f !== 'customerNo') as Exclude<
  DataField,
  'customerNo'
>[];
export type EditableField = Exclude<DataField, 'customerNo'>;

/** Fields a PATCH may remove by sending null. */
export const REMOVABLE_FIELDS = ['idNumber', 'phone', 'address', 'bankAccount'] as const;

/** One kept version: the change that produced it. Version 1 holds every field it was created with. */
export interface CustomerVersion {
  customerId: string;
  version: number;
  changedAt: string;
  /** Username of who made the change; `changedBySub` is their stable subject. */
  changedBy: string;
  changedBySub: string;
  changed: DataField[];
  /** New value of each changed field; null for a removed value. */
  values: Partial<Record<DataField, string | null>>;
  /** Why the change was made, where the change needs one (a corrected closure date). */
  reason?: string;
}

// ---------------------------------------------------------------------------------------------
// Field formats

const REGION_PATTERN = /^[A-Z0-9][A-Z0-9_-]{0,31}$/;
const CUSTOMER_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const PRC_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const PRC_ID_CHECK = '10X98765432';

/** Check character (GB 11643) of the first 17 digits of a resident identity number. */
export function prcIdCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * (PRC_ID_WEIGHTS[i] ?? 0);
  return PRC_ID_CHECK[sum % 11] ?? '';
}

function isValidBirthDate(yyyymmdd: string): boolean {
  const y = Number(yyyymmdd.slice(0, 4));
  const m = Number(yyyymmdd.slice(4, 6));
  const d = Number(yyyymmdd.slice(6, 8));
  if (y < 1900) return false;
  const date = new Date(Date.UTC(y, m - 1, d));
  return (
    date.getUTCFullYear() === y &&
    date.getUTCMonth() === m - 1 &&
    date.getUTCDate() === d &&
    date.getTime() <= now().getTime()
  );
}

/** An 18-character PRC resident identity number with a valid birth date and check character. */
export function isPrcIdNumber(value: string): boolean {
  return (
    /^\d{17}[\dX]$/.test(value) &&
    isValidBirthDate(value.slice(6, 14)) &&
    prcIdCheckChar(value.slice(0, 17)) === value[17]
  );
}

/**
 * Passports and travel permits: one or two letters and 6-10 digits (E12345678, EA1234567,
 * H1234567890), or 8-9 digits (some foreign passports, Taiwan permits).
 */
export function isPassportLike(value: string): boolean {
  return /^[A-Z]{1,2}\d{6,10}$/.test(value) || /^\d{8,9}$/.test(value);
}

/** Why an identity number is refused, or undefined when it is acceptable. */
export function idNumberProblem(value: string): string | undefined {
  if (/^\d{17}[\dX]$/.test(value)) {
    if (!isValidBirthDate(value.slice(6, 14))) return 'is not a valid resident ID number: bad birth date';
    if (prcIdCheckChar(value.slice(0, 17)) !== value[17]) {
      return 'is not a valid resident ID number: the check character is wrong';
    }
    return undefined;
  }
  if (isPassportLike(value)) return undefined;
  return 'must be an 18-character resident ID number or a passport/permit number (e.g. E12345678)';
}

/** Removes spaces and a +86/0086 prefix from a mainland mobile number. */
export function normalizePhone(value: string): string {
  const compact = value.replace(/\s+/g, '');
  const mobile = /^(?:\+86|0086)(1[3-9]\d{9})$/.exec(compact);
  return mobile?.[1] ?? compact;
}

/** Mainland mobile (13812345678), landline with area code (010-12345678-123), or E.164. */
export function isPhoneNumber(value: string): boolean {
  return (
    /^1[3-9]\d{9}$/.test(value) ||
    /^0\d{2,3}-?\d{7,8}(?:-\d{1,6})?$/.test(value) ||
    /^\+[1-9]\d{7,14}$/.test(value)
  );
}

export const isCustomerId = (value: string): boolean => CUSTOMER_ID_PATTERN.test(value);
export const newCustomerId = (): string => randomUUID();

/** The path's customerId, or a 400 naming it. */
export function parseCustomerId(path: Record<string, string>): string {
  const id = path.customerId;
  if (id === undefined || !isCustomerId(id)) {
    throw new BadRequest(`customerId ${JSON.stringify(id ?? '')} is not a valid customer id`, [
      { path: 'customerId', message: 'must be a customer id as returned by POST /customers' },
    ]);
  }
  return id;
}

/** Could `q` be a customer number (4-32 letters, digits or hyphens; `KHABCD` is one too)? */
export function looksLikeCustomerNo(q: string): boolean {
  return CUSTOMER_NO_PATTERN.test(q.trim().toUpperCase());
}

/**
 * Could `q` also be the start of a name? A number without digits (`ANNA`) reads as a name too,
 * so a search for it answers the number's customer and the names it begins.
 */
export function mayAlsoBeName(q: string): boolean {
  return !/\d/.test(q);
}

/**
 * The sort form of a name for prefix search: Unicode-normalised (full-width letters become
 * ASCII), lower case, single spaces. Chinese names are unaffected.
 */
export function nameSortKey(name: string): string {
  return name.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

// ---------------------------------------------------------------------------------------------
// Input schemas

const text = () =>
  z.string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a string') });

const customerNoField = lazySchema(() =>
  text().check(
    z.trim(),
    z.toUpperCase(),
    z.regex(CUSTOMER_NO_PATTERN, 'must be 4-32 letters, digits or hyphens, starting with a letter or digit'),
  ),
);

/** Free text a person typed: trimmed, not empty, at most `max` characters, no control characters. */
const plainText = (max: number) =>
  text().check(
    z.trim(),
    z.minLength(1, 'must not be empty'),
    z.maxLength(max, `must be at most ${max} characters`),
    z.refine((v) => !/\p{Cc}/u.test(v), 'must not contain control characters'),
  );

const nameField = lazySchema(() => plainText(100));

const idNumberField = lazySchema(() =>
  text().check(z.trim(), z.toUpperCase(), z.superRefine(problemOf(idNumberProblem))),
);

const phoneField = lazySchema(() =>
  text().check(
    z.overwrite(normalizePhone),
    z.refine(
      isPhoneNumber,
      'must be a mobile number (13812345678), a landline with area code, or +<country><number>',
    ),
  ),
);

const addressField = lazySchema(() => plainText(200));

const regionField = lazySchema(() =>
  text().check(
    z.trim(),
    z.toUpperCase(),
    z.regex(REGION_PATTERN, 'must be 1-32 letters, digits, hyphens or underscores'),
  ),
);

const bankAccountField = lazySchema(() =>
  text().check(
    z.overwrite((v) => v.replace(/\s+/g, '')),
    z.regex(/^\d{8,32}$/, 'must be 8-32 digits'),
  ),
);

const accountStatusField = lazySchema(() =>
  z.enum(ACCOUNT_STATUSES, {
    error: `must be one of ${ACCOUNT_STATUSES.join(', ')}`,
  }),
);

const dateField = lazySchema(() => z.iso.date({ error: 'must be a date YYYY-MM-DD' }));

function typeField(scheme: Scheme) {
  const codes = scheme.customerTypes.map((t) => t.code);
  return text().check(z.refine((v) => codes.includes(v), `must be one of ${codes.join(', ')}`));
}

/** Body of POST /customers; unknown fields are refused. */
export function createCustomerSchema(scheme: Scheme) {
  return z.strictObject({
    customerNo: customerNoField,
    name: nameField,
    type: typeField(scheme),
    idNumber: z.optional(idNumberField),
    phone: z.optional(phoneField),
    address: z.optional(addressField),
    region: z.optional(regionField),
    bankAccount: z.optional(bankAccountField),
    accountStatus: z.optional(accountStatusField),
    closedAt: z.optional(dateField),
  });
}
export type CreateCustomerInput = z.infer<ReturnType<typeof createCustomerSchema>>;

/**
 * Body of PATCH /customers/{id}: a partial of the editable fields; null removes an optional
 * value. The customer number cannot be changed.
 */
export function updateCustomerSchema(scheme: Scheme) {
  return z
    .strictObject({
      customerNo: z.optional(
        z.never({ error: 'cannot be changed: the customer number identifies the customer for good' }),
      ),
      name: z.optional(nameField),
      type: z.optional(typeField(scheme)),
      idNumber: z.optional(z.nullable(idNumberField)),
      phone: z.optional(z.nullable(phoneField)),
      address: z.optional(z.nullable(addressField)),
      region: z.optional(regionField),
      bankAccount: z.optional(z.nullable(bankAccountField)),
      accountStatus: z.optional(accountStatusField),
      closedAt: z.optional(dateField),
    })
    .check(
      z.refine((o) => Object.keys(o).length > 0, {
        message: 'names no field to change',
        // Only for an otherwise valid body: unknown fields are reported on their own.
        when: (payload) => payload.issues.length === 0,
      }),
    );
}
export type UpdateCustomerInput = z.infer<ReturnType<typeof updateCustomerSchema>>;

/** Query of GET /customers. */
export const searchQuerySchema = lazySchema(() =>
  z.strictObject({
    q: z.optional(z.string().check(z.trim(), z.maxLength(100, 'must be at most 100 characters'))),
    region: z.optional(regionField),
    limit: z.optional(
      z
        .pipe(
          z.string().check(z.regex(/^\d{1,3}$/, 'must be a whole number from 1 to 100')),
          z.transform(Number),
        )
        .check(z.refine((n) => n >= 1 && n <= 100, 'must be a whole number from 1 to 100')),
    ),
    cursor: z.optional(
      z.string().check(z.minLength(1), z.maxLength(2048, 'is not a cursor returned by this search')),
    ),
  }),
);
export type SearchQuery = z.infer<typeof searchQuerySchema>;
export const DEFAULT_PAGE_SIZE = 20;

// ---------------------------------------------------------------------------------------------
// Rules

/** accountStatus CLOSED goes with a closedAt date, and only CLOSED does; closure is not future. */
export function checkAccountState(status: AccountStatus, closedAt: string | undefined, now: Date): void {
  if (status === 'CLOSED' && closedAt === undefined) {
    throw new BadRequest('closedAt is required when accountStatus is CLOSED', [
      { path: 'closedAt', message: 'is required when accountStatus is CLOSED' },
    ]);
  }
  if (status !== 'CLOSED' && closedAt !== undefined) {
    throw new BadRequest(`closedAt is only allowed when accountStatus is CLOSED, not ${status}`, [
      { path: 'closedAt', message: 'is only allowed when accountStatus is CLOSED' },
    ]);
  }
  if (closedAt !== undefined) assertNotFuture('closedAt', closedAt, now);
}

/**
 * The earliest day an account registered open may be closed on: the day it was registered in
 * Dangan (in the latest time zone). The registration recorded the account as open that day, so
 * a closure before it contradicts the record's own history. A customer registered as closed (files
 * digitised after the closure) carries a closure from before its record by nature and is not
 * bound by it. Nothing is lost for retention: every document of the customer was archived after
 * its registration and is locked until its archiving day plus its period, so an earlier closure
 * would give no document an earlier due day.
 */
export function earliestClosure(customer: Pick<Customer, 'customerNo' | 'createdAt'>) {
  return {
    earliest: earliestDayOf(customer.createdAt),
    since: `customer ${customer.customerNo} was registered`,
    what: 'closure date',
  };
}

export interface ChangeContext {
  actor: Actor;
  now: Date;
}

/** A new customer at version 1. */
export function newCustomer(
  input: CreateCustomerInput,
  ctx: ChangeContext & { customerId: string },
): Customer {
  const accountStatus = input.accountStatus ?? 'ACTIVE';
  checkAccountState(accountStatus, input.closedAt, ctx.now);
  const at = ctx.now.toISOString();
  const customer: Customer = {
    customerId: ctx.customerId,
    customerNo: input.customerNo,
    name: input.name,
    type: input.type,
    region: input.region ?? DEFAULT_REGION,
    accountStatus,
    version: 1,
    createdAt: at,
    createdBy: ctx.actor.username,
    updatedAt: at,
    updatedBy: ctx.actor.username,
  };
  for (const f of ['idNumber', 'phone', 'address', 'bankAccount', 'closedAt'] as const) {
    const v = input[f];
    if (v !== undefined) customer[f] = v;
  }
  return customer;
}

/** The version entry of a new customer: every data field it was created with. */
export function firstVersion(customer: Customer, actor: Actor): CustomerVersion {
  const changed = DATA_FIELDS.filter((f) => customer[f] !== undefined);
  const values: CustomerVersion['values'] = {};
  for (const f of changed) values[f] = customer[f] ?? null;
  return {
    customerId: customer.customerId,
    version: 1,
    changedAt: customer.createdAt,
    changedBy: actor.username,
    changedBySub: actor.sub,
    changed,
    values,
  };
}

export interface CustomerChange {
  before: Customer;
  next: Customer;
  changed: EditableField[];
  /** Fields whose value is removed by the change (a subset of `changed`). */
  removed: EditableField[];
  version: CustomerVersion;
}

/**
 * Applies a PATCH to the current record. Returns undefined when nothing would change (every
 * value already equals the current one). Throws 400 for an inconsistent account state or a
 * closure dated in the future or before the customer's registration (`earliestClosure`), and 409
 * for an attempt to reopen or re-date a closed account.
 */
export function applyChange(
  current: Customer,
  patch: UpdateCustomerInput,
  ctx: ChangeContext,
): CustomerChange | undefined {
  const next: Record<string, unknown> = { ...current };
  const changed: EditableField[] = [];
  const removed: EditableField[] = [];
  const values: CustomerVersion['values'] = {};
  for (const f of EDITABLE_FIELDS) {
    const v = (patch as Partial<Record<EditableField, string | null>>)[f];
    if (v === undefined) continue;
    if (v === null) {
      if (current[f] === undefined) continue;
      delete next[f];
      removed.push(f);
    } else if (v === current[f]) {
      continue;
    } else {
      next[f] = v;
    }
    changed.push(f);
    values[f] = v;
  }
  const candidate = next as unknown as Customer;
  if (
    current.accountStatus === 'CLOSED' &&
    (changed.includes('accountStatus') || changed.includes('closedAt'))
  ) {
    throw new Conflict(
      `customer ${current.customerNo} was closed on ${current.closedAt}; a closed account cannot be reopened or re-dated`,
      { accountStatus: current.accountStatus, closedAt: current.closedAt },
    );
  }
  checkAccountState(candidate.accountStatus, candidate.closedAt, ctx.now);
  if (candidate.closedAt !== undefined && current.accountStatus !== 'CLOSED') {
    assertNotBefore('closedAt', candidate.closedAt, earliestClosure(current));
  }
  if (changed.length === 0) return undefined;
  const at = ctx.now.toISOString();
  candidate.version = current.version + 1;
  candidate.updatedAt = at;
  candidate.updatedBy = ctx.actor.username;
  return {
    before: current,
    next: candidate,
    changed,
    removed,
    version: {
      customerId: current.customerId,
      version: candidate.version,
      changedAt: at,
      changedBy: ctx.actor.username,
      changedBySub: ctx.actor.sub,
      changed,
      values,
    },
  };
}

/** True when the change closes the account (the ACCOUNT_CLOSED retention trigger). */
export const closesAccount = (change: CustomerChange): boolean =>
  change.changed.includes('accountStatus') && change.next.accountStatus === 'CLOSED';

/**
 * The version named by an `If-Match` header: `3`, `"3"` or `W/"3"`. Missing or malformed is
 * a 400; a PATCH without it would overwrite changes its author never saw.
 */
export function parseIfMatch(header: string | undefined): number {
  if (header === undefined || header.trim() === '') {
    throw new BadRequest('If-Match header with the current version is required', [
      { path: 'if-match', message: 'is required' },
    ]);
  }
  const m = /^(?:W\/)?"?([1-9]\d{0,8})"?$/.exec(header.trim());
  if (!m) {
    throw new BadRequest(
      `If-Match header with the current version is required: ${JSON.stringify(header)} is not a version`,
      [{ path: 'if-match', message: 'must be the version number, e.g. If-Match: 3' }],
    );
  }
  return Number(m[1]);
}

// ---------------------------------------------------------------------------------------------
// Region scoping (seam)

export const canSeeCustomer = (actor: Actor, customer: Pick<Customer, 'region'>): boolean =>
  mayAccessRegion(actor, customer.region);

// ---------------------------------------------------------------------------------------------
// API views

/** A customer as the API returns it (bookkeeping included, storage keys excluded). */
export function customerView(c: Customer): Customer {
  const out: Record<string, unknown> = {};
  for (const k of [
    'customerId',
    ...DATA_FIELDS,
    'version',
    'createdAt',
    'createdBy',
    'updatedAt',
    'updatedBy',
  ] as const) {
    if (c[k] !== undefined) out[k] = c[k];
  }
  return out as unknown as Customer;
}

/** A version entry as the history route returns it. */
export function versionView(v: CustomerVersion) {
  return {
    version: v.version,
    changedAt: v.changedAt,
    changedBy: v.changedBy,
    changed: v.changed,
    values: v.values,
    ...(v.reason === undefined ? {} : { reason: v.reason }),
  };
}
