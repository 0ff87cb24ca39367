import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { customerItem } from '../../functions/adapters/customers-repo.ts';
import type { Customer } from '../../functions/core/customers.ts';
import { apiEvent, bodyOf, type EventInput, lambdaContext } from '../support/api-event.ts';

/** Shared data and helpers of the customer tests. */

export const TABLE = 'records-test';
export const AUDIT_TABLE = 'audit-test';

export function setEnv(): void {
  process.env.TABLE_NAME = TABLE;
  process.env.AUDIT_TABLE_NAME = AUDIT_TABLE;
  process.env.SCHEME_ID = 'power-supply';
}

export const CUSTOMER_ID = '6f1c2a4e-8b7d-4c3a-9e2f-1a2b3c4d5e6f';
export const OTHER_ID = '0b9c8d7e-6f5a-4b3c-8d2e-1f0a9b8c7d6e';
/** Valid resident ID numbers (check characters computed per GB 11643). */
export const ID_NUMBER = '110101199003071233';
export const ID_NUMBER_X = '11010519491231002X';

export const STORED: Customer = {
  customerId: CUSTOMER_ID,
  customerNo: '1000000001',
  name: '张三',
  type: 'RES',
  idNumber: ID_NUMBER,
  phone: '13812345678',
  address: '浙江省杭州市西湖区文三路90号',
  region: 'HZ01',
  bankAccount: '6222021234567890123',
  accountStatus: 'ACTIVE',
  version: 1,
  createdAt: '2026-01-05T08:00:00.000Z',
  createdBy: 'clerk1',
  updatedAt: '2026-01-05T08:00:00.000Z',
  updatedBy: 'clerk1',
};

/** The stored item (with keys) of a customer, as GetItem returns it. */
export const itemOf = (c: Customer) => customerItem(c);

export function cancelled(reasons: { Code: string; Item?: Record<string, unknown> }[]) {
  return new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
    $metadata: {},
    // Items of cancellation reasons arrive in the low-level form ({ S: ... }, { N: ... }).
    CancellationReasons: reasons as ConstructorParameters<
      typeof TransactionCanceledException
    >[0]['CancellationReasons'],
  });
}

type Handler = (event: ReturnType<typeof apiEvent>, context: typeof lambdaContext) => Promise<unknown>;

export async function call(handler: Handler, input: EventInput) {
  const result = (await handler(apiEvent(input), lambdaContext)) as {
    statusCode: number;
    headers?: Record<string, string>;
  };
  return { ...bodyOf(result), headers: result.headers ?? {} };
}

/** The error message of an API error body. */
export function errorOf(body: Record<string, unknown>): { code: string; message: string; details?: unknown } {
  return body.error as { code: string; message: string; details?: unknown };
}

export type TransactItems = NonNullable<TransactWriteCommandInput['TransactItems']>;
