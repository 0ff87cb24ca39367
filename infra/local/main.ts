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
 *   --dynamodb-port <n>    DANGAN_DYNAMODB_PORT  DynamoDB Local (default: 4003)
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
 * `GET|POST /local/deliveries` and `POST /local/deliveries/release` read and change when uploads'
 * events and scan results are delivered, and hold and release them (infra/local/deliveries.ts).
 * `GET|POST|DELETE /local/faults` list, arm and clear crash faults of the local Lambda runtime
 * (infra/local/faults-route.ts).

 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { ACCOUNTS_TABLE, AUDIT_TABLE, RECORDS_TABLE, TABLES } from '../../functions/adapters/tables.ts';
import {
  FUNCTIONS,
  type FunctionName,
  ROUTES,
  WORKFLOWS,
  type WorkflowName,
} from '../../functions/catalog.ts';
import { now } from '../../functions/core/clock.ts';
import { SCHEME_IDS } from '../../functions/core/scheme.ts';
import {
  DEFAULT_CONSOLE_ORIGINS,
  DEFAULT_SCHEME,
  functionEnvironment,
  INTAKE_PREFIX,
  MALWARE_SCAN_TAG,
  type ResourceNames,
  SWEEP_FUNCTION,
  SWEEP_SCHEDULE,
  SWEEP_SCHEDULE_NAME,
  type SweepScheduleInput,
  WATCH_FUNCTION,
  WATCH_SCHEDULE,
  WATCH_SCHEDULE_NAME,
  workflowDefinitionPath,
  workflowSubstitutions,
} from '../shared.ts';
import { localAccounts } from './accounts.ts';
import { clockRoute } from './clock.ts';
import { consoleSite } from './console.ts';
import {
  DEFAULT_EVENT_DELAY,
  DEFAULT_SCAN_DELAY,
  type DelayRange,
  DelaySettingError,
  Deliveries,
  deliveriesRoute,
  parseDelay,
  scanner as scannerTarget,
} from './deliveries.ts';
import { ensureTables, localTableName, type RunningDynamoDb, startDynamoDbLocal } from './dynamodb.ts';
import { objectCreatedEvent } from './eventbridge.ts';
import { faultsRoute } from './faults-route.ts';
import { DEFAULT_CORS, type RunningGateway, startGateway } from './gateway.ts';
import { loadIdentity } from './identity.ts';
import { isFunctionName, LocalLambda } from './lambda.ts';
import { type LocalS3Server, startS3Server } from './s3/server.ts';
import { Scheduler } from './scheduler.ts';
import { type LocalSfnServer, startSfnServer } from './sfn/server.ts';
import { accessLogShipper, StreamPoller } from './streams.ts';
import { firstOf, sweepRoute, watchRoute } from './sweep-route.ts';

const PROJECT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const READY_PREFIX = 'DANGAN_READY ';
const ACCOUNT_ID = '000000000000';

export interface LocalConfig {
  dataDir: string;
  host: string;
  port: number;
  s3Port: number;
  sfnPort: number;
  dynamodbPort: number;
  region: string;
  scheme: string;
  /** Origins allowed by CORS (the console during development). */
  consoleOrigins: string[];
  /** How long after an upload its "Object Created" event reaches upload-received. */
  eventDelayMs: DelayRange;
  /** How long after an upload its malware scan result is tagged; `never`: no result ever. */
  scanDelayMs: DelayRange | 'never';
}

const OPTIONS: Record<string, { env: string; key: keyof LocalConfig }> = {
  '--data-dir': { env: 'DANGAN_DATA_DIR', key: 'dataDir' },
  '--host': { env: 'DANGAN_HOST', key: 'host' },
  '--port': { env: 'DANGAN_PORT', key: 'port' },
  '--s3-port': { env: 'DANGAN_S3_PORT', key: 's3Port' },
  '--sfn-port': { env: 'DANGAN_SFN_PORT', key: 'sfnPort' },
  '--dynamodb-port': { env: 'DANGAN_DYNAMODB_PORT', key: 'dynamodbPort' },
  '--region': { env: 'DANGAN_REGION', key: 'region' },
  '--scheme': { env: 'DANGAN_SCHEME', key: 'scheme' },
  '--console-origins': { env: 'DANGAN_CONSOLE_ORIGINS', key: 'consoleOrigins' },
  '--event-delay-ms': { env: 'DANGAN_EVENT_DELAY_MS', key: 'eventDelayMs' },
  '--scan-delay-ms': { env: 'DANGAN_SCAN_DELAY_MS', key: 'scanDelayMs' },
};

const USAGE = `usage: npm start -- [${Object.keys(OPTIONS)
  .map((f) => `${f} <value>`)
  .join('] [')}]`;

class UsageError extends Error {}

export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv): LocalConfig {
  const raw: Partial<Record<keyof LocalConfig, string>> = {};
  const list = (v: string | undefined) =>
    v
      ?.split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  for (const opt of Object.values(OPTIONS)) {
    const v = env[opt.env];
    if (v !== undefined && v !== '') raw[opt.key] = v;
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') throw new UsageError(USAGE);
    const eq = arg.indexOf('=');
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    const opt = OPTIONS[flag];
    if (!opt) throw new UsageError(`unknown option ${arg}\n${USAGE}`);
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    raw[opt.key] = value;
  }
  const port = (key: keyof LocalConfig, fallback: number): number => {
    const v = raw[key];
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535)
      throw new UsageError(`${key} must be a port number, not ${v}`);
    return n;
  };
  const scheme = raw.scheme ?? DEFAULT_SCHEME;
  if (!SCHEME_IDS.includes(scheme)) {
    throw new UsageError(`unknown scheme ${scheme}; known: ${SCHEME_IDS.join(', ')}`);
  }
  // A bad delay names the variable and the flag it may come from (infra/local/deliveries.ts).
  const delay = <T>(flag: string, parse: (name: string, value: string) => T): T | undefined => {
    const opt = OPTIONS[flag];
    const v = opt && raw[opt.key];
    if (!opt || v === undefined) return undefined;
    try {
      return parse(`${opt.env} (${flag})`, v);
    } catch (err) {
      if (err instanceof DelaySettingError) throw new UsageError(err.message);
      throw err;
    }
  };
  return {
    dataDir: resolve(raw.dataDir ?? join(PROJECT_DIR, '.data')),
    host: raw.host ?? '127.0.0.1',
    port: port('port', 4000),
    s3Port: port('s3Port', 4001),
    sfnPort: port('sfnPort', 4002),
    dynamodbPort: port('dynamodbPort', 4003),
    region: raw.region ?? 'us-east-1',
    scheme,
    consoleOrigins: list(raw.consoleOrigins) ?? [...DEFAULT_CONSOLE_ORIGINS],
    eventDelayMs: delay('--event-delay-ms', (name, v) => parseDelay(name, v)) ?? DEFAULT_EVENT_DELAY,
    scanDelayMs:
      delay('--scan-delay-ms', (name, v) => parseDelay(name, v, { never: true })) ?? DEFAULT_SCAN_DELAY,
  };
}

/** Names of the local resources, the same shape as the stack's. */
export function localNames(region: string) {
  const intakeBucket = 'dangan-intake';
  const archiveBucket = 'dangan-archive';
  const stateMachineName = (wf: WorkflowName) => `dangan-${wf}`;
  return {
    intakeBucket,
    archiveBucket,
    recordsTable: localTableName(RECORDS_TABLE),
    auditTable: localTableName(AUDIT_TABLE),
    accountsTable: localTableName(ACCOUNTS_TABLE),
    stateMachineName,
    stateMachineArn: (wf: WorkflowName) =>
      `arn:aws:states:${region}:${ACCOUNT_ID}:stateMachine:${stateMachineName(wf)}`,
  };
}

/** The ASL file of a workflow with its `${Name}` substitutions replaced, as the stack does. */
export function workflowDefinition(wf: WorkflowName, arnOf: (fn: FunctionName) => string): string {
  let text = readFileSync(workflowDefinitionPath(wf), 'utf8');
  for (const [name, arn] of Object.entries(workflowSubstitutions(wf, arnOf))) {
    text = text.split(`\${${name}}`).join(arn);
  }
  const left = /\$\{([A-Za-z0-9_]+)\}/.exec(text);
  if (left) throw new Error(`${WORKFLOWS[wf].file}: no substitution for \${${left[1]}}`);
  return text;
}

/**
 * The handlers' environment: the union of what the stack gives each function. All functions
 * share this process, so each sees every name (on AWS a function sees only its own).
 */
export function handlerEnvironment(resources: ResourceNames): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
    Object.assign(env, functionEnvironment(name, resources));
  }
  // Source maps are on already (tsx); NODE_OPTIONS would leak into DynamoDB Local's launcher.
  delete env.NODE_OPTIONS;
  return env;
}

interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

function loadCredentials(dataDir: string): Credentials {
  const file = join(dataDir, 'credentials.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Credentials;
  const creds: Credentials = {
    accessKeyId: `AKIALOCAL${randomBytes(6).toString('hex').toUpperCase().slice(0, 11)}`,
    secretAccessKey: randomBytes(30).toString('base64'),
  };
  writeFileSync(file, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
  return creds;
}

/** One `npm start` per data directory: DynamoDB Local's files must have a single writer. */
function lockDataDir(dataDir: string): () => void {
  const file = join(dataDir, 'dangan.pid');
  if (existsSync(file)) {
    const pid = Number(readFileSync(file, 'utf8').trim());
    let alive = false;
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid) {
      try {
        process.kill(pid, 0);
        alive = true;
      } catch (err) {
        alive = (err as NodeJS.ErrnoException).code === 'EPERM';
      }
      // A pid left by a killed run may since belong to an unrelated process.
      const cmdline = `/proc/${pid}/cmdline`;
      if (alive && existsSync(cmdline) && !readFileSync(cmdline, 'utf8').includes('main.ts')) alive = false;
    }
    if (alive) throw new UsageError(`${dataDir} is in use by another Dangan (pid ${pid})`);
  }
  writeFileSync(file, `${process.pid}\n`);
  return () => {
    try {
      if (readFileSync(file, 'utf8').trim() === String(process.pid)) rmSync(file);
    } catch {
      // already gone
    }
  };
}

/** The input EventBridge Scheduler gives the sweep function (see infra/constructs/schedules.ts). */
function sweepInput(scheduledAt: Date): SweepScheduleInput {
  return { schedule: SWEEP_SCHEDULE_NAME, scheduledTime: scheduledAt.toISOString().replace(/\.\d+Z$/, 'Z') };
}

function log(message: string): void {
  console.error(`[dangan] ${message}`);
}

export interface RunningSystem {
  ready: Record<string, unknown>;
  stop(): Promise<void>;
  /** Kills the JVM at once; for a second Ctrl-C. */
  kill(): void;
}

export async function startLocal(config: LocalConfig): Promise<RunningSystem> {
  const started = Date.now();
  mkdirSync(config.dataDir, { recursive: true });
  const unlock = lockDataDir(config.dataDir);
  const names = localNames(config.region);
  const credentials = loadCredentials(config.dataDir);
  const stops: (() => Promise<void>)[] = [];
  let stopped = false;
  let dynamo: RunningDynamoDb | undefined;
  let dynamoStarting: Promise<RunningDynamoDb> | undefined;

  const stopAll = async () => {
    stopped = true;
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (err) {
        log(`while stopping: ${(err as Error).message}`);
      }
    }
    stops.length = 0;
    unlock();
  };

  try {
    const lambda = new LocalLambda({
      region: config.region,
      accountId: ACCOUNT_ID,
      onAsyncFailure: (name, err) =>
        log(`asynchronous invocation of ${name} failed: ${(err as Error).message}`),
    });
    stops.push(() => lambda.close());

    dynamoStarting = startDynamoDbLocal({
      dataDir: config.dataDir,
      port: config.dynamodbPort,
      jvmArgs: ['-Xmx512m'],
      onOutput: (line) => {
        if (/error|exception/i.test(line)) log(`dynamodb: ${line}`);
      },
    });
    const identityLoading = loadIdentity(config.dataDir);

    // Uploads under the intake prefix are scanned and tagged (GuardDuty Malware Protection on
    // AWS), and their "Object Created" event goes to upload-received (the EventBridge rule):
    // each later, independently, after the PUT was answered (infra/local/deliveries.ts).
    let scanner: S3Client | undefined;
    const deliveries = new Deliveries({
      event: config.eventDelayMs,
      scan: config.scanDelayMs,
      targets: {
        event: (record) =>
          lambda.invokeAsync('upload-received', objectCreatedEvent(record, config.region, ACCOUNT_ID)),
        scan: (target, status) => {
          if (!scanner) throw new Error('the scanner is not ready');
          return scannerTarget(scanner, MALWARE_SCAN_TAG)(target, status);
        },
      },
      log,
    });
    const s3 = await startS3Server({
      host: config.host,
      port: config.s3Port,
      dataDir: join(config.dataDir, 's3'),
      region: config.region,
      credentials: { [credentials.accessKeyId]: credentials.secretAccessKey },
      // Object Lock follows the functions' clock: moving the test clock past a retain-until
      // date lets disposal delete the version, as time passing would on AWS.
      lockClock: () => now().getTime(),
      buckets: [
        { name: names.intakeBucket, cors: true, versioning: true },
        { name: names.archiveBucket, objectLock: true, versioning: true, cors: true },
      ],
      onObjectCreated: (record) => {
        if (record.bucket !== names.intakeBucket || !record.key.startsWith(INTAKE_PREFIX)) return;
        deliveries.objectCreated(record);
      },
    });
    const s3Server: LocalS3Server = s3;
    stops.push(() => s3Server.stop());
    // Stopped before the S3 server and the functions: nothing is delivered once stopping began.
    stops.push(() => deliveries.stop());
    scanner = new S3Client({
      endpoint: s3.url,
      region: config.region,
      forcePathStyle: true,
      credentials,
    });

    const sfn: LocalSfnServer = await startSfnServer({
      host: config.host,
      port: config.sfnPort,
      dataDir: join(config.dataDir, 'sfn'),
      region: config.region,
      accountId: ACCOUNT_ID,
      stateMachines: (Object.keys(WORKFLOWS) as WorkflowName[]).map((wf) => ({
        name: names.stateMachineName(wf),
        definition: workflowDefinition(wf, (fn) => lambda.arnOf(fn)),
      })),
      invokeLambda: (arn, payload) => lambda.invoke(arn, payload),
      // The functions' clock, which `POST /local/clock` moves: Wait states and task timeouts
      // follow it, so a loan runs out when the test clock passes its due time.
      now,
    });
    stops.push(() => sfn.stop());

    dynamo = await dynamoStarting;
    const dynamoServer = dynamo;
    stops.splice(0, 0, () => dynamoServer.stop()); // stopped last: everything else writes to it
    const ddbAdmin = new DynamoDBClient({ endpoint: dynamo.url, region: config.region, credentials });
    await ensureTables(ddbAdmin, TABLES);
    ddbAdmin.destroy();

    // The handlers' environment, complete before any handler module is imported.
    Object.assign(process.env, {
      ...handlerEnvironment({
        table: names.recordsTable,
        auditTable: names.auditTable,
        accountsTable: names.accountsTable,
        intakeBucket: names.intakeBucket,
        archiveBucket: names.archiveBucket,
        schemeId: config.scheme,
        workflowArns: Object.fromEntries(
          (Object.keys(WORKFLOWS) as WorkflowName[]).map((wf) => [wf, names.stateMachineArn(wf)]),
        ),
      }),
      AWS_REGION: config.region,
      AWS_DEFAULT_REGION: config.region,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
      AWS_ENDPOINT_URL_S3: s3.url,
      AWS_ENDPOINT_URL_SFN: sfn.url,
    });
    for (const name of ['AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_ENDPOINT_URL']) delete process.env[name];
    lambda.open();

    const scheduler = new Scheduler({
      onError: (name, err) => log(`scheduled job ${name} failed: ${(err as Error).message}`),
    });
    // The stack's schedules: the retention sweep runs once the catalog has its function.
    if (isFunctionName(SWEEP_FUNCTION)) {
      const sweep: FunctionName = SWEEP_FUNCTION;
      scheduler.register({
        name: SWEEP_SCHEDULE_NAME,
        expression: SWEEP_SCHEDULE,
        run: (at) => lambda.invokeAsync(sweep, sweepInput(at)),
      });
    }
    scheduler.start();
    stops.push(() => scheduler.stop());
    // `POST /local/sweep` runs the sweep at once, on the functions' clock, and waits for it.
    const runSweep = () => lambda.invoke(SWEEP_FUNCTION, sweepInput(now()));
    // The stuck check, hourly as on AWS; `POST /local/watch` runs it at once.
    scheduler.register({
      name: WATCH_SCHEDULE_NAME,
      expression: WATCH_SCHEDULE,
      run: () => lambda.invokeAsync(WATCH_FUNCTION, {}),
    });
    const runWatch = () => lambda.invoke(WATCH_FUNCTION, {});

    const identity = await identityLoading;
    // The local identity follows Dangan's accounts, as Cognito does once the account functions
    // have kept it in step: every seeded user has an account, disabled ones get no token.
    const accounts = localAccounts({
      endpoint: dynamo.url,
      region: config.region,
      credentials,
      tableName: names.accountsTable,
    });
    stops.push(async () => accounts.close());
    await accounts.seed(identity.users, new Date());
    identity.useAccounts(accounts.lookup);

    // Table streams to their functions (Lambda event source mappings on AWS), and refused
    // requests from the gateway's access log to their auditor (a log subscription on AWS).
    const streams = new StreamPoller({
      endpoint: dynamo.url,
      region: config.region,
      credentials,
      dataDir: config.dataDir,
      tableName: (table) => (table === 'Audit' ? names.auditTable : names.recordsTable),
      invoke: (fn, event) => lambda.invoke(fn, event),
      onError: (message) => log(message),
    });
    streams.start();
    stops.push(() => streams.stop());
    const refused = accessLogShipper({ invokeAsync: (fn, event) => lambda.invokeAsync(fn, event) });
    stops.push(async () => refused.stop());
    const gateway: RunningGateway = await startGateway({
      routes: ROUTES,
      identity,
      invoke: (fn, event) => lambda.invoke(fn, event),
      accountId: ACCOUNT_ID,
      host: config.host,
      port: config.port,
      cors: { ...DEFAULT_CORS, allowOrigins: config.consoleOrigins },
      localRoutes: firstOf(
        clockRoute,
        sweepRoute(runSweep),
        watchRoute(runWatch),
        deliveriesRoute(deliveries),
        faultsRoute(lambda),
      ),
      console: consoleSite(),
      accessLog: (line) => refused.log(line),
      log: ({ routeKey, status, error }) => {
        if (error !== undefined) log(`${routeKey} → ${status}: ${(error as Error).message ?? String(error)}`);
      },
    });
    stops.push(() => gateway.stop());

    const ready = {
      apiUrl: gateway.url,
      consoleUrl: gateway.url,
      s3Url: s3.url,
      sfnUrl: sfn.url,
      dynamodbUrl: dynamo.url,
      region: config.region,
      accountId: ACCOUNT_ID,
      dataDir: config.dataDir,
      credentialsFile: join(config.dataDir, 'credentials.json'),
      intakeBucket: names.intakeBucket,
      archiveBucket: names.archiveBucket,
      tables: { records: names.recordsTable, audit: names.auditTable },
      stateMachines: Object.fromEntries(
        (Object.keys(WORKFLOWS) as WorkflowName[]).map((wf) => [wf, names.stateMachineArn(wf)]),
      ),
      users: identity.users.map((u) => ({ username: u.username, groups: u.groups })),
      pid: process.pid,
      dynamodbPid: dynamo.pid,
      startupMs: Date.now() - started,
    };

    dynamo.exited.then((code) => {
      if (!stopped) {
        log(`DynamoDB Local exited unexpectedly (${code}); stopping`);
        process.kill(process.pid, 'SIGTERM');
      }
    });

    return {
      ready,
      stop: stopAll,
      kill: () => {
        if (dynamoServer.pid) {
          try {
            process.kill(-dynamoServer.pid, 'SIGKILL');
          } catch {
            // gone
          }
        }
      },
    };
  } catch (err) {
    await stopAll();
    if (dynamo === undefined) await dynamoStarting?.then((d) => d.stop()).catch(() => undefined);
    throw err;
  }
}

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
    `  DynamoDB     ${String(ready.dynamodbUrl)}`,
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

/** Whether a process still runs (a process of another user counts as running). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
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
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      log(`${signal} again: killing`);
      system?.kill();
      process.exit(1);
    }
    stopping = true;
    log(`${signal}: stopping`);
    // Stopped while starting: wait for the start (its JVM is on its way), then stop what started.
    const done = system
      ? system.stop()
      : (starting?.then(
          (s) => s.stop(),
          () => undefined,
        ) ?? Promise.resolve());
    done.then(
      () => process.exit(0),
      (err: unknown) => {
        log(`stop failed: ${(err as Error).message}`);
        system?.kill();
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => shutdown(signal));
  // Whoever started us (npm, tsx, a test) is gone: stop rather than run on as an orphan. A
  // launcher that names itself (DANGAN_PARENT_PID) is watched by pid, so a parent that is gone
  // before this module has even loaded is noticed too (its children are re-parented by then).
  const named = Number(process.env.DANGAN_PARENT_PID);
  const parent = Number.isInteger(named) && named > 0 ? named : process.ppid;
  const parentGone = () => (parent === named ? !isRunning(parent) : process.ppid !== parent);
  if (parentGone()) shutdown('parent exit');
  setInterval(() => {
    if (parentGone()) shutdown('parent exit');
  }, 1000).unref();

  try {
    starting = startLocal(config);
    system = await starting;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(err.message);
      process.exit(2);
    }
    console.error('[dangan] could not start:', err);
    process.exit(1);
  }
  if (stopping) return;
  printBanner(system.ready, config.scheme);
  console.log(`${READY_PREFIX}${JSON.stringify(system.ready)}`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
