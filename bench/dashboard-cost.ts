/**
 * What one `GET /stats` reads, against DynamoDB Local, as the number of documents due grows. For
 * each number, smallest first, the archive grows to that many documents due within the dashboard's
 * window (written straight into the records table in its real layout, as bench/sweep-cost.ts
 * does), the due-day counters are seeded by the recount an existing archive runs once
 * (functions/services/due-recount.ts: run again at each size, as a repeat would be), and the
 * stats-get handler answers one request in-process, every DynamoDB request it makes metered with
 * `ReturnConsumedCapacity` (the caller's account read included). For comparison the COUNT query of
 * the due-date index the dashboard made before is metered over the same window.
 *
 *   npx tsx bench/dashboard-cost.ts [--json] [due ...]     (default: 1000 100000)
 *
 * bench/run.ts runs it as a process of its own: the functions' SDK clients take the address of
 * the DynamoDB Local they first see, and the sweep measurement's comes first there.
 *
 * test/local/dashboard-cost.test.ts runs it for 200 and 2,000 due.
 */
import { fileURLToPath } from 'node:url';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { withLocalTables } from './local-tables.ts';
import { addDays, documentId, dueDoc, putAll, round1 } from './sweep-cost.ts';

/** The day of the measurements; the last sweep went through the day before. */
const TODAY = '2036-04-15';
const WINDOW_DAYS = 90;

export interface DashboardCost {
  due: number;
  /** The due count `GET /stats` answered (must be `due`). */
  answered: number;
  status: number;
  readRequests: number;
  /** Read units of the request, each read counted at no less than DynamoDB's least (0.5, 1 if strong). */
  readUnits: number;
  /** Read units as DynamoDB Local reported them (nothing for a read that found nothing). */
  reportedUnits: number;
  /** The COUNT query of the due-date index over the same window, as the dashboard read it before. */
  countQueryReadUnits: number;
  recount: { months: number; indexed: number; seeded: number; readUnits: number; seconds: number };
  seedSeconds: number;
}

type Loose = Record<string, unknown>;

/** Starts DynamoDB Local, measures one `GET /stats` for each number of documents due, stops it again. */
export async function measureDashboard(
  dueCounts: readonly number[],
  /** How many years ahead the recount reads: the due days seeded here are all in the window. */
  recountYears = 31,
): Promise<DashboardCost[]> {
  const env = {
    TABLE_NAME: 'dangan-records',
    AUDIT_TABLE_NAME: 'dangan-audit',
    ACCOUNTS_TABLE_NAME: 'dangan-accounts',
    SCHEME_ID: 'power-supply',
    // The handler reads the time through core/clock.ts: put it at noon of TODAY.
    DANGAN_CLOCK_OFFSET_SECONDS: String((Date.parse(`${TODAY}T12:00:00.000Z`) - Date.now()) / 1000),
  };
  try {
    return await withLocalTables(
      'dashboard-cost',
      env,
      // The records table without its stream: the recount seeds the counters here, not stats-counter.
      (t) => [t.RECORDS_TABLE, t.AUDIT_TABLE, t.ACCOUNTS_TABLE],
      async ({ clients: { ddb }, metered }) => {
        const { entries, dueMonth, INDEX, keys } = await import('../functions/adapters/dynamo/keys.ts');
        const { recountDue } = await import('../functions/services/due-recount.ts');
        const { now } = await import('../functions/core/clock.ts');
        const { forgetAccounts } = await import('../functions/http/account-state.ts');
        const { handler } = await import('../functions/api/stats-get.ts');

        const swept = addDays(TODAY, -1);
        await ddb.send(
          new PutCommand({
            TableName: 'dangan-records',
            Item: { ...keys.sweep('retention'), sweptThrough: swept },
          }),
        );

        const results: DashboardCost[] = [];
        let seeded = 0;
        for (const due of [...dueCounts].sort((a, b) => a - b)) {
          const t0 = performance.now();
          const rows: Loose[] = [];
          for (let i = seeded; i < due; i++) {
            // Due days spread evenly over the window: today through today + 89 days.
            const dueOn = addDays(TODAY, i % WINDOW_DAYS);
            const doc = dueDoc(i, dueOn);
            rows.push({
              ...keys.document(documentId(i)),
              entity: 'document',
              ...doc,
              ...entries.due(dueOn, doc.documentId),
            });
          }
          await putAll(ddb, 'dangan-records', rows);
          seeded = due;
          const seedSeconds = (performance.now() - t0) / 1000;

          const r0 = performance.now();
          const recount = await metered(() => recountDue(now(), recountYears));
          const recountSeconds = (performance.now() - r0) / 1000;

          forgetAccounts();
          const stats = await metered(() =>
            handler(statsRequest(), LAMBDA_CONTEXT).then((r) => r as { statusCode: number; body: string }),
          );
          const body = JSON.parse(stats.value.body) as {
            disposal?: { due?: number; from: string; through: string };
          };

          // The dashboard's read before the counters: a COUNT of the index over the window, month by month.
          const window = body.disposal ?? { from: TODAY, through: addDays(TODAY, WINDOW_DAYS) };
          const counted = await metered(async () => {
            const { monthsBetween, nextDay } = await import('../functions/core/disposal.ts');
            for (const month of monthsBetween(window.from, window.through)) {
              let start: Loose | undefined;
              do {
                const res = await ddb.send(
                  new QueryCommand({
                    TableName: 'dangan-records',
                    IndexName: INDEX.gsi3.name,
                    KeyConditionExpression: 'gsi3pk = :pk AND gsi3sk BETWEEN :from AND :to',
                    ExpressionAttributeValues: {
                      ':pk': dueMonth(month),
                      ':from': window.from,
                      ':to': nextDay(window.through),
                    },
                    Select: 'COUNT',
                    ...(start ? { ExclusiveStartKey: start } : {}),
                  }),
                );
                start = res.LastEvaluatedKey;
              } while (start);
            }
          });
          results.push({
            due,
            answered: body.disposal?.due ?? Number.NaN,
            status: stats.value.statusCode,
            readRequests: stats.readRequests,
            readUnits: round1(stats.billedReadUnits),
            reportedUnits: round1(stats.readUnits),
            countQueryReadUnits: round1(counted.billedReadUnits),
            recount: {
              months: recount.value.months,
              indexed: recount.value.indexed,
              seeded: recount.value.seeded,
              readUnits: round1(recount.billedReadUnits),
              seconds: round1(recountSeconds),
            },
            seedSeconds: round1(seedSeconds),
          });
        }
        return results;
      },
    );
  } finally {
    delete process.env.DANGAN_CLOCK_OFFSET_SECONDS;
  }
}

const LAMBDA_CONTEXT = {
  awsRequestId: 'bench-dashboard',
  functionName: 'stats-get',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:stats-get',
  memoryLimitInMB: '256',
  logGroupName: '/aws/lambda/stats-get',
  logStreamName: 'bench',
  callbackWaitsForEmptyEventLoop: false,
  getRemainingTimeInMillis: () => 10_000,
} as never;

/** `GET /stats` as API Gateway hands it to the function, for an archivist. */
function statsRequest() {
  return {
    version: '2.0',
    routeKey: 'GET /stats',
    rawPath: '/stats',
    rawQueryString: '',
    headers: {},
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'bench',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: 'GET',
        path: '/stats',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'bench',
      },
      requestId: 'bench-dashboard',
      routeKey: 'GET /stats',
      stage: '$default',
      time: '',
      timeEpoch: 0,
      authorizer: {
        principalId: '',
        integrationLatency: 0,
        jwt: {
          claims: { sub: 'sub-archivist1', username: 'archivist1', 'cognito:groups': '[archivist]' },
          scopes: [],
        },
      },
    },
  } as never;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const json = process.argv.includes('--json');
  const counts = process.argv
    .slice(2)
    .filter((a) => a !== '--json')
    .map(Number);
  const results = await measureDashboard(counts.length > 0 ? counts : [1000, 100_000]);
  // --json (bench/run.ts): the figures as the last line of stdout, after the functions' log lines.
  if (json) process.stdout.write(`\n${JSON.stringify(results)}\n`);
  else console.table(results);
}
