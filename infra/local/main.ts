/**
 * `npm start`: all of Dangan on this machine. DynamoDB Local, the local S3 and Step Functions
 * endpoints, the malware scanner, the scheduler and the API gateway, wired to the same handler
 * modules, route table, table definitions and state machine files as the stack.
 *
 * Options (flag, or environment variable; a port of 0 picks a free one):
 *   --data-dir <dir>       DANGAN_DATA_DIR       where everything is kept (default: <project>/.data)
 *   --host <addr>          DANGAN_HOST           interface to listen on (default: 127.0.0.1)
 *   --port <n>             DANGAN_PORT           API (and console) port (default: 4000)
 *   --s3-port <n>          DANGAN_S3_PORT        local S3 (default: 4001)
 *   --sfn-port <n>         DANGAN_SFN_PORT       local Step Functions (default: 4002)
 *   --dynamodb-port <n>    DANGAN_DYNAMODB_PORT  DynamoDB, its verifying proxy (default: 4003)
 *   --smtp-port <n>        DANGAN_SMTP_PORT      MailDev's SMTP server, where notifications go (default: free)
 *   --mail-port <n>        DANGAN_MAIL_PORT      MailDev's web inbox and REST API (default: free)
 *   --region <name>        DANGAN_REGION         (default: us-east-1)
 *   --scheme <id>          DANGAN_SCHEME         classification scheme in force (default: power-supply)
 *   --console-origins <a,b> DANGAN_CONSOLE_ORIGINS origins CORS allows (default: the stack's)
 *   --event-delay-ms <d>   DANGAN_EVENT_DELAY_MS an upload's "Object Created" event follows after
 *                                                N or MIN-MAX ms (default: 500-3000)
 *   --scan-delay-ms <d>    DANGAN_SCAN_DELAY_MS  its malware scan result follows after N or MIN-MAX
 *                                                ms, or `never` (default: 2000-20000); see
 *                                                infra/local/deliveries.ts, 0 is for tests
 *
 * Once everything answers, one line `DANGAN_READY {json}` is printed for tools and tests.
 *
 * Local only: `GET /local/clock` and `POST /local/clock {"advanceSeconds": n}` read and move the
 * clock the functions and the Step Functions engine run on (infra/local/clock.ts); the same
 * shift can be set at start with DANGAN_CLOCK_OFFSET_SECONDS.
 * DANGAN_IAM_OVERRIDE takes actions out of a function's synthesized role, for tests that show a
 * missing grant fails as on AWS (infra/local/iam/local-iam.ts).
 * `GET|POST /local/deliveries` and `POST /local/deliveries/release` read and change when uploads'
 * events and scan results are delivered, and hold and release them (infra/local/deliveries.ts).
 * `GET|POST|DELETE /local/faults` list, arm and clear crash faults of the local Lambda runtime
 * (infra/local/faults-route.ts). `POST /local/notify` runs the daily loan reminders and digests now.
 *
 * This module is the process: options (config.ts), signals and the parent (lifecycle.ts), the
 * banner and the ready line. What runs is started and wired in system.ts.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LocalConfig, parseConfig, UsageError } from './config.ts';
import { lockDataDir } from './data-dir.ts';
import { launchDynamoDbLocal, SYSTEM_JVM_ARGS } from './dynamodb-process.ts';
import { stopOnSignalOrParentExit } from './lifecycle.ts';
import type { HeadStart, RunningSystem } from './system.ts';

/** Starts the one line tools and tests wait for: `DANGAN_READY {json}` (test/e2e/system.ts). */
export const READY_PREFIX = 'DANGAN_READY ';

function printBanner(ready: Record<string, unknown>, scheme: string): void {
  const users = ready.users as { username: string; groups: string[] }[];
  const lines = [
    '',
    '  Dangan (档案) is running on this machine.',
    '',
    `  API          ${String(ready.apiUrl)}`,
    `  Console      ${String(ready.consoleUrl)}`,
    `  S3           ${String(ready.s3Url)}   buckets ${String(ready.intakeBucket)}, ${String(ready.archiveBucket)}`,
    `  Step Funcs   ${String(ready.sfnUrl)}`,
    `  DynamoDB     ${String(ready.dynamodbUrl)}   tables ${Object.values(ready.tables as Record<string, string>).join(', ')}`,
    `  Credentials  ${String(ready.credentialsFile)}   (the local administrator's, for the AWS CLI and scripts)`,
    `  Mail inbox   ${String(ready.mailInboxUrl)}   (notifications; SMTP ${String(ready.smtpUrl)})`,
    `  Data         ${String(ready.dataDir)}   scheme ${scheme}`,
    '',
    '  Users (get a token: curl -s -X POST -H "content-type: application/json" \\',
    `         -d '{"username":"clerk1"}' ${String(ready.apiUrl)}/local/token)`,
    ...users.map((u) => `    ${u.username.padEnd(12)} ${u.groups.join(', ')}`),
    '',
    `  Ready in ${String(ready.startupMs)} ms. Ctrl-C stops everything.`,
    '',
  ];
  console.log(lines.join('\n'));
}

async function main(): Promise<void> {
  let config: LocalConfig;
  try {
    config = parseConfig(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }

  let system: RunningSystem | undefined;
  let starting: Promise<RunningSystem> | undefined;
  const stopping = stopOnSignalOrParentExit({ system: () => system, starting: () => starting });

  try {
    // The JVM takes seconds to answer: it starts before the rest of the system is even loaded.
    mkdirSync(config.dataDir, { recursive: true });
    const unlock = lockDataDir(config.dataDir);
    const dynamo = launchDynamoDbLocal({ dataDir: config.dataDir, port: 0, jvmArgs: SYSTEM_JVM_ARGS });
    // Spawned before the import below, which holds the event loop until it has loaded.
    await dynamo.catch(() => undefined); // startLocal reports a failure
    const headStart: HeadStart = { unlock, dynamo };
    const { startLocal } = await import('./system.ts');
    starting = startLocal(config, headStart);
    system = await starting;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(err.message);
      process.exit(2);
    }
    console.error('[dangan] could not start:', err);
    process.exit(1);
  }
  if (stopping()) return;
  printBanner(system.ready, config.scheme);
  console.log(`${READY_PREFIX}${JSON.stringify(system.ready)}`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
