import { GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { type Customer, type CustomerChange, type CustomerVersion, nameSortKey } from '../core/customers.ts';
import { BadRequest, Conflict, NotFound } from '../core/errors.ts';
import { type AuditInput, auditPut } from './audit.ts';
import { ddb } from './clients.ts';
import { batchGetItems, tableKeys } from './dynamo/batch-get.ts';
import { tableName } from './env.ts';

/**
 * Customers in the records table: the only code that builds DynamoDB commands for them. The
 * layout is documented in tables.ts: current item `CUSTOMER#<id>`/`CUSTOMER`, one item per
 * version `CUSTOMER#<id>`/`V#000001`, the uniqueness item `CUSTOMERNO#<no>`/`CUSTOMERNO`, and
 * gsi1 `CUSTOMERS#<region>` / `<name sort key>#<id>` for name-prefix search.
 */

const KEY_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'entity'] as const;

export const customerKey = (customerId: string) => ({ pk: `CUSTOMER#${customerId}`, sk: 'CUSTOMER' });
export const customerNoKey = (customerNo: string) => ({
  pk: `CUSTOMERNO#${customerNo}`,
  sk: 'CUSTOMERNO',
});
export const versionSk = (version: number): string => `V#${String(version).padStart(6, '0')}`;
export const regionPk = (region: string): string => `CUSTOMERS#${region}`;
export const nameIndexSk = (c: Pick<Customer, 'name' | 'customerId'>): string =>
  `${nameSortKey(c.name)}#${c.customerId}`;

export function customerItem(c: Customer) {
  return {
    ...customerKey(c.customerId),
    gsi1pk: regionPk(c.region),
    gsi1sk: nameIndexSk(c),
    entity: 'customer',
    ...c,
  };
}

function versionItem(v: CustomerVersion) {
  return { pk: customerKey(v.customerId).pk, sk: versionSk(v.version), entity: 'customer-version', ...v };
}

function withoutKeys<T>(item: Record<string, unknown>): T {
  const out: Record<string, unknown> = { ...item };
  for (const k of KEY_ATTRIBUTES) delete out[k];
  return out as T;
}

interface CancellationReason {
  Code?: string;
  Item?: Record<string, unknown>;
}

/** The per-item reasons of a cancelled transaction, or undefined for any other error. */
function cancellationReasons(err: unknown): CancellationReason[] | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { name?: string; CancellationReasons?: CancellationReason[] };
  if (e.name !== 'TransactionCanceledException') return undefined;
  return e.CancellationReasons ?? [];
}

/**
 * An attribute of an item returned with a cancellation reason. The document client does not
 * unmarshall errors, so the item arrives in the low-level form (`{ S: ... }`, `{ N: ... }`).
 */
function reasonAttribute(reason: CancellationReason | undefined, name: string): string | undefined {
  const v = reason?.Item?.[name];
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  if (typeof v === 'object' && v !== null) {
    const low = v as { S?: string; N?: string };
    return low.S ?? low.N;
  }
  return undefined;
}

const failed = (reason: CancellationReason | undefined) => reason?.Code === 'ConditionalCheckFailed';

/**
 * Writes a new customer in one transaction: the current item, the customer-number uniqueness
 * item, version 1 and the audit event. A taken customer number is a 409 naming it.
 */
export async function insertCustomer(customer: Customer, version: CustomerVersion, audit: AuditInput) {
  const table = tableName();
  try {
    await ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: table,
              Item: customerItem(customer),
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Put: {
              TableName: table,
              Item: {
                ...customerNoKey(customer.customerNo),
                entity: 'customer-no',
                customerNo: customer.customerNo,
                customerId: customer.customerId,
                createdAt: customer.createdAt,
              },
              ConditionExpression: 'attribute_not_exists(pk)',
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
          {
            Put: {
              TableName: table,
              Item: versionItem(version),
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          auditPut(audit),
        ],
      }),
    );
  } catch (err) {
    const reasons = cancellationReasons(err);
    if (reasons === undefined) throw err;
    if (failed(reasons[1])) {
      const existing = reasonAttribute(reasons[1], 'customerId');
      throw new Conflict(`customerNo ${customer.customerNo} is already registered`, {
        field: 'customerNo',
        customerNo: customer.customerNo,
        ...(existing === undefined ? {} : { customerId: existing }),
      });
    }
    if (reasons.some((r) => r.Code === 'TransactionConflict')) {
      throw new Conflict(`customerNo ${customer.customerNo} is being registered by another request; retry`);
    }
    throw err;
  }
}

/** The current record, read consistently (a PATCH right after a write sees it). */
export async function getCustomer(customerId: string): Promise<Customer | undefined> {
  const res = await ddb.send(
    new GetCommand({ TableName: tableName(), Key: customerKey(customerId), ConsistentRead: true }),
  );
  return res.Item ? withoutKeys<Customer>(res.Item) : undefined;
}

/** The id of the customer holding a customer number, through its uniqueness item. */
export async function findCustomerIdByNo(customerNo: string): Promise<string | undefined> {
  const res = await ddb.send(new GetCommand({ TableName: tableName(), Key: customerNoKey(customerNo) }));
  const id = res.Item?.customerId;
  return typeof id === 'string' ? id : undefined;
}

// ---------------------------------------------------------------------------------------------
// Name search with an opaque cursor

interface NameIndexKey {
  pk: string;
  sk: string;
  gsi1pk: string;
  gsi1sk: string;
}

export function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** Reads a cursor back; it must have come from the same search (region and prefix). */
export function decodeCursor(cursor: string, search: { region: string; prefix: string }): NameIndexKey {
  const refuse = () =>
    new BadRequest('cursor is not valid for this search', [
      { path: 'cursor', message: 'must be the nextCursor returned by the same search' },
    ]);
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw refuse();
  }
  if (typeof key !== 'object' || key === null || Array.isArray(key)) throw refuse();
  const k = key as Record<string, unknown>;
  const names = Object.keys(k).sort().join(',');
  if (names !== 'gsi1pk,gsi1sk,pk,sk' || !Object.values(k).every((v) => typeof v === 'string')) {
    throw refuse();
  }
  const typed = k as unknown as NameIndexKey;
  if (
    typed.gsi1pk !== regionPk(search.region) ||
    !typed.gsi1sk.startsWith(search.prefix) ||
    !typed.pk.startsWith('CUSTOMER#') ||
    typed.sk !== 'CUSTOMER'
  ) {
    throw refuse();
  }
  return typed;
}

export interface CustomerPage {
  items: Customer[];
  nextCursor?: string;
}

/** Customers of a region whose name starts with `namePrefix` (any name when empty), by name. */
export async function searchByName(input: {
  region: string;
  namePrefix: string;
  limit: number;
  cursor?: string;
}): Promise<CustomerPage> {
  const prefix = nameSortKey(input.namePrefix);
  const start =
    input.cursor === undefined ? undefined : decodeCursor(input.cursor, { region: input.region, prefix });
  const res = await ddb.send(
    new QueryCommand({
      TableName: tableName(),
      IndexName: 'gsi1',
      KeyConditionExpression:
        prefix === '' ? 'gsi1pk = :pk' : 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)',
      ExpressionAttributeValues: {
        ':pk': regionPk(input.region),
        ...(prefix === '' ? {} : { ':prefix': prefix }),
      },
      Limit: input.limit,
      ...(start === undefined ? {} : { ExclusiveStartKey: start }),
    }),
  );
  // gsi1 holds keys only: the customers are read from the table, in the index's order; one
  // renamed since its index entry was read is left out (the entry under its new name stands).
  const entries = new Map((res.Items ?? []).map((e) => [e.pk, e.gsi1sk]));
  const items = (await batchGetItems(tableKeys(res.Items)))
    .filter((i) => entries.get(i.pk) === i.gsi1sk)
    .map((i) => withoutKeys<Customer>(i));
  return res.LastEvaluatedKey ? { items, nextCursor: encodeCursor(res.LastEvaluatedKey) } : { items };
}

// ---------------------------------------------------------------------------------------------
// Changes and versions

/**
 * Writes a change in one transaction: updates the current item only if it is still at
 * `change.before.version`, puts the new version item and the audit event. A lost race is a
 * 409 with the version now current.
 */
export async function saveChange(change: CustomerChange, audit: AuditInput): Promise<void> {
  const { before, next } = change;
  const names: Record<string, string> = { '#version': 'version' };
  const values: Record<string, unknown> = {
    ':expected': before.version,
    ':version': next.version,
    ':updatedAt': next.updatedAt,
    ':updatedBy': next.updatedBy,
  };
  const sets = ['#version = :version', '#updatedAt = :updatedAt', '#updatedBy = :updatedBy'];
  names['#updatedAt'] = 'updatedAt';
  names['#updatedBy'] = 'updatedBy';
  const removes: string[] = [];
  change.changed.forEach((field, i) => {
    names[`#f${i}`] = field;
    if (change.removed.includes(field)) {
      removes.push(`#f${i}`);
    } else {
      sets.push(`#f${i} = :f${i}`);
      values[`:f${i}`] = next[field];
    }
  });
  if (change.changed.includes('name') || change.changed.includes('region')) {
    sets.push('gsi1pk = :gsi1pk', 'gsi1sk = :gsi1sk');
    values[':gsi1pk'] = regionPk(next.region);
    values[':gsi1sk'] = nameIndexSk(next);
  }
  const update = `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`;
  const table = tableName();
  try {
    await ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: table,
              Key: customerKey(before.customerId),
              UpdateExpression: update,
              ConditionExpression: 'attribute_exists(pk) AND #version = :expected',
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
          {
            Put: {
              TableName: table,
              Item: versionItem(change.version),
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          auditPut(audit),
        ],
      }),
    );
  } catch (err) {
    const reasons = cancellationReasons(err);
    if (reasons === undefined) throw err;
    if (failed(reasons[0])) {
      if (!reasons[0]?.Item) throw new NotFound('customer', before.customerId);
      const current = Number(reasonAttribute(reasons[0], 'version'));
      throw new Conflict(
        `customer ${before.customerId} was changed meanwhile: the current version is ${current}, not ${before.version}`,
        { currentVersion: current },
      );
    }
    if (failed(reasons[1]) || reasons.some((r) => r.Code === 'TransactionConflict')) {
      throw new Conflict(`customer ${before.customerId} is being changed by another request; retry`);
    }
    throw err;
  }
}

/** Every version of a customer, oldest first. */
export async function listVersions(customerId: string): Promise<CustomerVersion[]> {
  const out: CustomerVersion[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const res = await ddb.send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :v)',
        ExpressionAttributeValues: { ':pk': customerKey(customerId).pk, ':v': 'V#' },
        ScanIndexForward: true,
        ConsistentRead: true,
        ...(start === undefined ? {} : { ExclusiveStartKey: start }),
      }),
    );
    for (const item of res.Items ?? []) out.push(withoutKeys<CustomerVersion>(item));
    start = res.LastEvaluatedKey;
  } while (start !== undefined);
  return out;
}

export interface CustomerSnapshot {
  customerId: string;
  customerNo?: string;
  name?: string;
}

/** The few fields other records copy from a customer (eventually consistent, projected: half a read unit). */
export async function getCustomerSnapshot(customerId: string): Promise<CustomerSnapshot | undefined> {
  const res = await ddb.send(
    new GetCommand({
      TableName: tableName(),
      Key: customerKey(customerId),
      ProjectionExpression: 'customerId, customerNo, #name',
      ExpressionAttributeNames: { '#name': 'name' },
    }),
  );
  if (!res.Item) return undefined;
  const item = res.Item as Partial<CustomerSnapshot>;
  return {
    customerId,
    ...(typeof item.customerNo === 'string' ? { customerNo: item.customerNo } : {}),
    ...(typeof item.name === 'string' ? { name: item.name } : {}),
  };
}
