import type { LoanOut } from '../core/disposal.ts';
import { partitions } from './dynamo/keys.ts';
import { queryAll } from './dynamo/query.ts';
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
      const items = await queryAll({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': partitions.grantsOf(documentId).pk },
        ExpressionAttributeNames: { '#status': 'status' },
        ProjectionExpression: 'loanId, #status, dueAt',
        ConsistentRead: true,
      });
      const grants: LoanOut[] = items.map((item) => ({
        loanId: String(item.loanId),
        status: String(item.status),
        dueAt: String(item.dueAt),
      }));
      if (grants.length > 0) out.set(documentId, grants);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
  return out;
}
