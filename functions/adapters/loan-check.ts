import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { LoanOut } from '../core/disposal.ts';
import { ddb } from './clients.ts';
import { tableName } from './env.ts';

/**
 * The seam between disposal and loans: which of some documents are out on loan. It reads the
 * loan grants the loans module keeps, one item per document of a granted loan
 * (`LOANGRANT#<documentId>` / `<borrowerSub>#<loanId>`, with `status` and `dueAt`), so the cost is
 * one Query per document asked about. Disposal depends on nothing else of loans.
 */
const CONCURRENCY = 8;

export async function loansOut(documentIds: readonly string[]): Promise<Map<string, LoanOut[]>> {
  const out = new Map<string, LoanOut[]>();
  const table = tableName();
  const queue = [...documentIds];
  const worker = async () => {
    for (let documentId = queue.shift(); documentId !== undefined; documentId = queue.shift()) {
      const grants: LoanOut[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const res = await ddb.send(
          new QueryCommand({
            TableName: table,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': `LOANGRANT#${documentId}` },
            ExpressionAttributeNames: { '#status': 'status' },
            ProjectionExpression: 'loanId, #status, dueAt',
            ConsistentRead: true,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
        for (const item of res.Items ?? []) {
          grants.push({
            loanId: String(item.loanId),
            status: String(item.status),
            dueAt: String(item.dueAt),
          });
        }
        startKey = res.LastEvaluatedKey;
      } while (startKey);
      if (grants.length > 0) out.set(documentId, grants);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
  return out;
}
