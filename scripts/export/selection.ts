import type { DocumentView } from '../../functions/contract.ts';
import {
  type CustomerRef,
  classCodeOf,
  inSelection,
  knownCategories,
  type SchemeInfo,
  type Selection,
} from '../../functions/core/bag-contents.ts';
import type { ApiClient } from '../shared/api-client.ts';
import { UsageError } from '../shared/errors.ts';
import { ExportFailure } from './errors.ts';

/**
 * What a selection holds, read through the API a page at a time: the customers named by number
 * (or every customer with documents of the year), then each customer's archived documents (`GET /documents?customerId=&status=ARCHIVED`, 100 a
 * page), narrowed to the archive year and class asked for by reading the archive code.
 */

export const PAGE_SIZE = 100;

export const getScheme = (api: ApiClient): Promise<SchemeInfo> => api.get<SchemeInfo>('/scheme');

/**
 * `--category` checked against the scheme: its own category code (门类, every document), a class
 * code as it stands in archive codes, or a business event's code. Anything else is a usage error
 * listing what the scheme knows.
 */
export function checkCategory(scheme: SchemeInfo, category: string | undefined): void {
  if (category === undefined) return;
  const known = knownCategories(scheme);
  if (!known.includes(category)) {
    const list = known.join(', ');
    throw new UsageError(
      `分类方案 ${scheme.id} 中没有分类 ${category}；可用：${list}`,
      `scheme ${scheme.id} has no category ${category}; known: ${list}`,
    );
  }
}

/** The customer holding a customer number, found as `GET /customers?q=<number>` finds it. */
export async function findCustomer(api: ApiClient, customerNo: string): Promise<CustomerRef> {
  const found = await api.get<{ items: CustomerRef[]; matchedBy?: string }>(
    `/customers?q=${encodeURIComponent(customerNo)}&limit=1`,
  );
  const customer = found.matchedBy === 'customerNo' ? found.items[0] : undefined;
  if (!customer || customer.customerNo !== customerNo) {
    throw new ExportFailure(
      `找不到客户 ${customerNo}（或不在你的区域内）`,
      `no customer ${customerNo} (or not in your regions)`,
    );
  }
  return { customerId: customer.customerId, customerNo: customer.customerNo, name: customer.name };
}

/** A customer's archived documents in the selection, a page at a time. */
export async function* selectedDocuments(
  api: ApiClient,
  scheme: SchemeInfo,
  selection: Selection,
  customerId: string,
): AsyncGenerator<DocumentView> {
  let nextToken: string | undefined;
  do {
    const query = new URLSearchParams({ customerId, status: 'ARCHIVED', limit: String(PAGE_SIZE) });
    if (nextToken !== undefined) query.set('nextToken', nextToken);
    const page = await api.get<{ items: DocumentView[]; nextToken?: string }>(`/documents?${query}`);
    for (const doc of page.items) if (inSelection(scheme, selection, doc)) yield doc;
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
}

/**
 * Every customer with archived documents of the selection's year (and class), in archive-code
 * order, found through the archive-wide listing (`GET /documents?year=&classCode=`), which only
 * accounts serving every region may page through.
 */
export async function customersOfYear(
  api: ApiClient,
  scheme: SchemeInfo,
  selection: Selection & { year: number },
): Promise<CustomerRef[]> {
  const classCode = classCodeOf(scheme, selection.category);
  const ids = new Set<string>();
  let nextToken: string | undefined;
  do {
    const query = new URLSearchParams({
      year: String(selection.year),
      status: 'ARCHIVED',
      limit: String(PAGE_SIZE),
    });
    if (classCode !== undefined) query.set('classCode', classCode);
    if (nextToken !== undefined) query.set('nextToken', nextToken);
    const page = await api.get<{ items: DocumentView[]; nextToken?: string }>(`/documents?${query}`);
    for (const doc of page.items) if (inSelection(scheme, selection, doc)) ids.add(doc.customerId);
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  const customers: CustomerRef[] = [];
  for (const customerId of ids) {
    const found = await api.get<CustomerRef>(`/customers/${encodeURIComponent(customerId)}`);
    customers.push({ customerId, customerNo: found.customerNo, name: found.name });
  }
  return customers;
}
