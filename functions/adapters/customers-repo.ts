import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { type Customer, type CustomerChange, type CustomerVersion, nameSortKey } from '../core/customers.ts';
import { Conflict, NotFound } from '../core/errors.ts';
import { type AuditInput, auditPut } from './audit.ts';
import { ddb } from './clients.ts';
import { batchGetItems, tableKeys } from './dynamo/batch-get.ts';
import { recordsUnder, strip } from './dynamo/items.ts';
import { entries, INDEX, keys } from './dynamo/keys.ts';
import { decodePageToken, encodePageToken } from './dynamo/page-token.ts';
import { queryPage, startKeyFrom } from './dynamo/query.ts';
import { type CancellationReason, cancellationDetails } from './dynamo/transactions.ts';
import { tableName } from './env.ts';

/**
 * Customers in the records table: the only code that builds DynamoDB commands for them. The
 * layout is documented in tables.ts: current item `CUSTOMER#<id>`/`CUSTOMER`, one item per
 * version `CUSTOMER#<id>`/`V#000001`, the uniqueness item `CUSTOMERNO#<no>`/`CUSTOMERNO`, and
 * gsi1 `CUSTOMERS#<region>` / `<name sort key>#<id>` for name-prefix search.
 */

export function customerItem(c: Customer) {
  return {
    ...keys.customer(c.customerId),
    ...entries.customerByName(c.region, nameSortKey(c.name), c.customerId),
    entity: 'customer',
    ...c,
  };
}

function versionItem(v: CustomerVersion) {
  return { ...keys.customerVersion(v.customerId, v.version), entity: 'customer-version', ...v };
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
 * Records that customers live in `region`, so a name search without a region looks there. A plain
 * put of the same item, made before the customer's transaction: within the transaction every
 * registration in a region would contend for it; before it, a registration that then fails
 * leaves only a region to search that may hold no one.
 */
async function registerRegion(region: string): Promise<void> {
  await ddb.send(
    new PutCommand({
      TableName: tableName(),
      Item: { ...keys.customerRegion(region), entity: 'customer-region', region },
    }),
  );
}

/**
 * Writes a new customer in one transaction: the current item, the customer-number uniqueness
 * item, version 1 and the audit event (its region recorded first). A taken customer number is
 * a 409 naming it.
 */
export async function insertCustomer(customer: Customer, version: CustomerVersion, audit: AuditInput) {
  const table = tableName();
  await registerRegion(customer.region);
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
                ...keys.customerNo(customer.customerNo),
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
    const reasons = cancellationDetails(err);
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
    new GetCommand({ TableName: tableName(), Key: keys.customer(customerId), ConsistentRead: true }),
  );
  return res.Item ? strip<Customer>(res.Item) : undefined;
}

/** The id of the customer holding a customer number, through its uniqueness item. */
export async function findCustomerIdByNo(customerNo: string): Promise<string | undefined> {
  const res = await ddb.send(new GetCommand({ TableName: tableName(), Key: keys.customerNo(customerNo) }));
  const id = res.Item?.customerId;
  return typeof id === 'string' ? id : undefined;
}

// ---------------------------------------------------------------------------------------------
// Name search with an opaque cursor

export interface CustomerPage {
  items: Customer[];
  nextCursor?: string;
}

/** The name index query of one region's customers whose name sort key starts with `prefix`. */
export const nameQuery = (region: string, prefix: string, limit: number) => ({
  TableName: tableName(),
  IndexName: INDEX.gsi1.name,
  KeyConditionExpression: prefix === '' ? 'gsi1pk = :pk' : 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)',
  ExpressionAttributeValues: {
    ':pk': entries.customersOfRegion(region),
    ...(prefix === '' ? {} : { ':prefix': prefix }),
  },
  Limit: limit,
});

/** Customers of a region whose name starts with `namePrefix` (any name when empty), by name. */
export async function searchByName(input: {
  region: string;
  namePrefix: string;
  limit: number;
  cursor?: string;
}): Promise<CustomerPage> {
  const prefix = nameSortKey(input.namePrefix);
  const scope = `customers/${input.region}/${prefix}`;
  const page = await queryPage(
    nameQuery(input.region, prefix, input.limit),
    input.cursor === undefined ? undefined : startKeyFrom(decodePageToken(scope, input.cursor, 'cursor')),
  );
  // gsi1 holds keys only: the customers are read from the table, in the index's order; one
  // renamed since its index entry was read is left out (the entry under its new name stands).
  const nameEntries = new Map(page.items.map((e) => [e.pk, e.gsi1sk]));
  const items = (await batchGetItems(tableKeys(page.items)))
    .filter((i) => nameEntries.get(i.pk) === i.gsi1sk)
    .map((i) => strip<Customer>(i));
  return page.lastKey ? { items, nextCursor: encodePageToken(scope, page.lastKey) } : { items };
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
  if (change.changed.includes('region')) await registerRegion(next.region);
  if (change.changed.includes('name') || change.changed.includes('region')) {
    sets.push('gsi1pk = :gsi1pk', 'gsi1sk = :gsi1sk');
    const entry = entries.customerByName(next.region, nameSortKey(next.name), next.customerId);
    values[':gsi1pk'] = entry.gsi1pk;
    values[':gsi1sk'] = entry.gsi1sk;
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
              Key: keys.customer(before.customerId),
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
    const reasons = cancellationDetails(err);
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
  return recordsUnder<CustomerVersion>(keys.customer(customerId).pk, 'V#');
}

export interface CustomerSnapshot {
  customerId: string;
  customerNo?: string;
  name?: string;
  region?: string;
}

/** The few fields other records copy from a customer (eventually consistent, projected: half a read unit). */
export async function getCustomerSnapshot(customerId: string): Promise<CustomerSnapshot | undefined> {
  const res = await ddb.send(
    new GetCommand({
      TableName: tableName(),
      Key: keys.customer(customerId),
      ProjectionExpression: 'customerId, customerNo, #name, #region',
      ExpressionAttributeNames: { '#name': 'name', '#region': 'region' },
    }),
  );
  if (!res.Item) return undefined;
  const item = res.Item as Partial<CustomerSnapshot>;
  return {
    customerId,
    ...(typeof item.customerNo === 'string' ? { customerNo: item.customerNo } : {}),
    ...(typeof item.name === 'string' ? { name: item.name } : {}),
    ...(typeof item.region === 'string' ? { region: item.region } : {}),
  };
}
