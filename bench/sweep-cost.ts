/**
 * What the retention sweep reads, against DynamoDB Local, as the archive grows and the number of
 * due documents stays the same. For each size, smallest first, the archive grows to `size`
 * archived documents (a third waiting for a trigger, so outside the due-date index; the rest due
 * over the next thirty years, one in eight later in the month of the last sweep), `due` of which
 * fell due in the three weeks before that sweep's day; then one sweep runs 30 days after the
 * previous one and every DynamoDB request it makes is metered with `ReturnConsumedCapacity`.
 * Step Functions is stubbed: only the start of each batch's workflow is counted.
 *
 *   npx tsx bench/sweep-cost.ts [size ...]     (default: 10000 100000)
 *
 * test/local/sweep-cost.test.ts runs it for 2,000 and 4,000 documents and checks the reads are
 * the same within 10%.
 */
import { fileURLToPath } from 'node:url';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { BatchWriteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { DisposableDocument } from '../functions/core/disposal.ts';
import { withLocalTables } from './local-tables.ts';

/** The day of the last (largest) measurement; earlier ones are 30 days apart before it. */
export const LAST_TODAY = '2036-04-15';
const STEP_DAYS = 30;
const CUSTOMER = '6f1c2a4e-8b7d-4c3a-9e2f-1a2b3c4d5e6f';

export interface SweepCost {
  size: number;
  due: number;
  proposed: number;
  batches: number;
  readRequests: number;
  readUnits: number;
  writeRequests: number;
  writeUnits: number;
  scans: number;
  seedSeconds: number;
}

type Loose = Record<string, unknown>;

export const addDays = (date: string, offset: number): string => {
  const d = new Date(`${date}T00:00:00.000Z`);
  d.setUTCDate(d.getUTCDate() + offset);
  return d.toISOString().slice(0, 10);
};

/** A small deterministic spread, so runs compare. */
const spread = (i: number, mod: number): number => (i * 2654435761) % mod;

export const documentId = (i: number) => `d0000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

/** A document due on `dueOn`, whole, as the sweep will read it. */
export function dueDoc(i: number, dueOn: string): DisposableDocument {
  const id = documentId(i);
  return {
    documentId: id,
    submissionId: `s0000000-0000-4000-8000-${String(Math.floor(i / 4)).padStart(12, '0')}`,
    customerId: CUSTOMER,
    schemeId: 'power-supply',
    businessEvent: 'INFOSVC',
    docType: 'IDCOPY',
    title: `身份证复印件 ${i}`,
    fileName: `id-${i}.jpg`,
    contentType: 'image/jpeg',
    size: 1000,
    sha256: 'a'.repeat(64),
    status: 'ARCHIVED',
    createdAt: '2026-03-01T08:00:00.000Z',
    createdBy: 'sub-clerk1',
    updatedAt: '2026-03-15T09:30:00.000Z',
    archiveCode: `Z001-KH·2026-D10-XX-${String(i).padStart(6, '0')}`,
    archivedAt: '2026-03-15T09:30:00.000Z',
    retentionCode: 'D10',
    retentionTrigger: 'ACCOUNT_CLOSED',
    retainUntil: '2026-03-15T09:30:00.000Z',
    legalHold: false,
    archiveVersionId: `v${i}`,
    clockStart: '2026-03-20T00:00:00.000Z',
    dueOn,
  };
}

export interface SeedRow {
  item: Record<string, unknown>;
  dueOn?: string;
}

/**
 * Documents `from` to `to - 1`: the first `due` fall due in the three weeks up to `today`; of
 * the rest a third wait for a trigger (no due day), one in eight fall due later in the month of
 * the last measurement, the others over thirty years from the year after it. The rest are kept
 * small (they are never read); due documents are whole.
 */
export function seedRows(from: number, to: number, due: number, today: string): SeedRow[] {
  const rows: SeedRow[] = [];
  for (let i = from; i < to; i++) {
    const id = documentId(i);
    if (i - from < due) {
      const dueOn = addDays(today, -spread(i, 21));
      rows.push({
        item: { pk: `DOCUMENT#${id}`, sk: 'DOCUMENT', entity: 'document', ...dueDoc(i, dueOn) },
        dueOn,
      });
      continue;
    }
    const base = {
      pk: `DOCUMENT#${id}`,
      sk: 'DOCUMENT',
      entity: 'document',
      documentId: id,
      status: 'ARCHIVED',
    };
    if (i % 3 === 0) rows.push({ item: base });
    else {
      const dueOn =
        i % 8 === 1 ? addDays(LAST_TODAY, 1 + spread(i, 15)) : addDays(LAST_TODAY, 400 + spread(i, 30 * 365));
      rows.push({ item: { ...base, dueOn }, dueOn });
    }
  }
  return rows;
}

/** Writes items straight into a table, 25 to a BatchWriteItem, eight writers at once. */
export async function putAll(client: DynamoDBDocumentClient, table: string, items: Loose[]): Promise<void> {
  const chunks: Loose[][] = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
  const writer = async () => {
    for (let chunk = chunks.shift(); chunk; chunk = chunks.shift()) {
      let pending: Loose[] = chunk.map((Item) => ({ PutRequest: { Item } }));
      while (pending.length > 0) {
        const res = await client.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
        pending = (res.UnprocessedItems?.[table] ?? []) as Loose[];
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, writer));
}

/** Starts DynamoDB Local, measures a sweep for each archive size, stops it again. */
export async function measureSweeps(sizes: readonly number[], due = 100): Promise<SweepCost[]> {
  delete process.env.DANGAN_CLOCK_OFFSET_SECONDS;
  const env = {
    TABLE_NAME: 'dangan-records',
    AUDIT_TABLE_NAME: 'dangan-audit',
    SCHEME_ID: 'power-supply',
    DISPOSAL_WORKFLOW_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:dangan-disposal',
  };
  return withLocalTables(
    'sweep-cost',
    env,
    (t) => [t.RECORDS_TABLE, t.AUDIT_TABLE],
    async ({ clients: { ddb }, metered }) => {
      const { entries } = await import('../functions/adapters/dynamo/keys.ts');
      const { moveBatch } = await import('../functions/adapters/disposal-batches-repo.ts');
      const { sweepDue } = await import('../functions/services/retention-sweep.ts');
      const sfn = mockClient(SFNClient);
      sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec' });
      const results: SweepCost[] = [];
      const ascending = [...sizes].sort((a, b) => a - b);
      const todays = ascending.map((_, k) => addDays(LAST_TODAY, -STEP_DAYS * (ascending.length - 1 - k)));
      try {
        const first = todays[0] as string;
        await ddb.send(
          new PutCommand({
            TableName: 'dangan-records',
            Item: { pk: 'SWEEP#retention', sk: 'SWEEP', sweptThrough: addDays(first, -STEP_DAYS) },
          }),
        );
        let seeded = 0;
        for (const [k, size] of ascending.entries()) {
          const today = todays[k] as string;
          // The archive grows to `size`, with `due` documents newly due by `today`.
          const t0 = performance.now();
          const rows = seedRows(seeded, size, due, today).map(({ item, dueOn }) => ({
            ...item,
            ...(dueOn ? entries.due(dueOn, String(item.documentId)) : {}),
          }));
          seeded = size;
          await putAll(ddb, 'dangan-records', rows);
          const seedSeconds = (performance.now() - t0) / 1000;

          sfn.resetHistory();
          const sweep = await metered(() => sweepDue(new Date(`${today}T18:00:00.000Z`)));
          // Their workflows would now take the new batches out of the proposed list.
          for (const id of sweep.value.batches) await moveBatch(id, ['PROPOSED'], 'APPRAISAL', {}, today);
          results.push({
            size,
            due,
            proposed: sweep.value.proposed,
            batches: sfn.commandCalls(StartExecutionCommand).length,
            readRequests: sweep.readRequests,
            readUnits: round1(sweep.readUnits),
            writeRequests: sweep.writeRequests,
            writeUnits: round1(sweep.writeUnits),
            scans: sweep.scans,
            seedSeconds: round1(seedSeconds),
          });
        }
      } finally {
        sfn.restore();
      }
      return results;
    },
  );
}

export const round1 = (n: number) => Math.round(n * 10) / 10;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const sizes = process.argv.slice(2).map(Number);
  const results = await measureSweeps(sizes.length > 0 ? sizes : [10_000, 100_000]);
  console.table(results);
  const [small, ...rest] = results;
  for (const r of rest) {
    if (small) {
      console.log(
        `${r.size} vs ${small.size} archived documents, ${r.due} due: read units ×${(r.readUnits / small.readUnits).toFixed(3)}, read requests ×${(r.readRequests / small.readRequests).toFixed(3)}`,
      );
    }
  }
}
