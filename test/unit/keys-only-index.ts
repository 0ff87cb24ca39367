import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import type { AwsStub } from 'aws-sdk-client-mock';

/**
 * The records table's indexes project keys only: a Query of them returns the index and
 * table keys, and readers read the items with BatchGetItem. `entries` turns table rows into what
 * such a Query returns; `serveItems` answers BatchGetItem from the rows (honouring a plain
 * ProjectionExpression), so a reader that took anything but keys from the index fails.
 */
export function entries(index: 'gsi1' | 'gsi2' | 'gsi3', rows: readonly Record<string, unknown>[]) {
  return rows.map((r) => ({
    pk: r.pk,
    sk: r.sk,
    [`${index}pk`]: r[`${index}pk`],
    [`${index}sk`]: r[`${index}sk`],
  }));
}

// biome-ignore lint/suspicious/noExplicitAny: any document client's stub
export function serveItems(mock: AwsStub<any, any, any>, rows: readonly Record<string, unknown>[]): void {
  mock.on(BatchGetCommand).callsFake((input: unknown) => {
    const { RequestItems } = input as {
      RequestItems: Record<
        string,
        {
          Keys: { pk: string; sk: string }[];
          ProjectionExpression?: string;
          ExpressionAttributeNames?: Record<string, string>;
        }
      >;
    };
    const Responses: Record<string, Record<string, unknown>[]> = {};
    for (const [table, req] of Object.entries(RequestItems)) {
      const names = req.ProjectionExpression?.split(',').map((a) => {
        const n = a.trim();
        return req.ExpressionAttributeNames?.[n] ?? n;
      });
      Responses[table] = req.Keys.flatMap((k) => {
        const row = rows.find((r) => r.pk === k.pk && r.sk === k.sk);
        if (!row) return [];
        return [
          names ? Object.fromEntries(Object.entries(row).filter(([a]) => names.includes(a))) : { ...row },
        ];
      });
    }
    return Promise.resolve({ Responses });
  });
}
