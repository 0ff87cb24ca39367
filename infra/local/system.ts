/**
 * Starts all of Dangan on this machine and wires it as the stack wires it on AWS: DynamoDB Local
 * and its tables, the local S3 with the intake bucket's deliveries (the upload event and the
 * malware scan), the Step Functions engine running the catalog's ASL files, the Lambda runtime
 * with the handlers' environment, the schedules, the table streams and the access log, the
 * identity with its accounts, and the gateway with the console and the `/local/...` endpoints.
 * The process around it (signals, the parent, the banner) is main.ts.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '../../functions/adapters/s3-http.ts';
import { TABLES } from '../../functions/adapters/tables.ts';
import { ENV, ROUTES, WORKFLOWS, type WorkflowName } from '../../functions/catalog.ts';
import { now } from '../../functions/core/clock.ts';
import { errorMessage } from '../../functions/core/errors.ts';
import { INTAKE_PREFIX, MALWARE_SCAN_TAG } from '../../functions/core/intake-bucket.ts';
import { localAccounts } from './accounts.ts';
import { clockRoute } from './clock.ts';
import type { LocalConfig } from './config.ts';
import { consoleSite } from './console.ts';
import { credentialsFile, loadCredentials } from './data-dir.ts';
import { Deliveries, deliveriesRoute, scanner as scannerTarget } from './deliveries.ts';
import { ensureTables, type RunningDynamoDb, startDynamoDbLocal } from './dynamodb.ts';
import { type LaunchedDynamoDb, SYSTEM_JVM_ARGS } from './dynamodb-process.ts';
import { startDynamoDbProxy } from './dynamodb-proxy.ts';
import { objectCreatedEvent } from './eventbridge.ts';
import { faultsRoute } from './faults-route.ts';
import { giveFunctionsTheirCredentials } from './function-scope.ts';
import { DEFAULT_CORS, type RunningGateway, startGateway } from './gateway.ts';
import { startLocalIam } from './iam/local-iam.ts';
import { loadIdentity } from './identity.ts';
import { startScheduledJobs } from './jobs.ts';
import { LocalLambda } from './lambda.ts';
import { log } from './lifecycle.ts';
import { firstOf } from './local-route.ts';
import { LOCAL_MAIL_FROM, type LocalMail, startLocalMail } from './mail.ts';
import { ACCOUNT_ID, handlerEnvironment, localNames, workflowDefinition } from './resources.ts';
import { type LocalS3Server, startS3Server } from './s3/server.ts';
import { type LocalSfnServer, startSfnServer } from './sfn/server.ts';
import { accessLogShipper, StreamPoller } from './streams.ts';
import { notifyRoute, sweepRoute, watchRoute } from './sweep-route.ts';

export interface RunningSystem {
  ready: Record<string, unknown>;
  stop(): Promise<void>;
  /** Kills the JVM at once; for a second Ctrl-C. */
  kill(): void;
}

/** What `npm start` began before loading this module (main.ts): the data dir's lock and the JVM. */
export interface HeadStart {
  unlock: () => void;
  dynamo: Promise<LaunchedDynamoDb>;
}

export async function startLocal(config: LocalConfig, headStart: HeadStart): Promise<RunningSystem> {
  const started = Date.now();
  const { unlock } = headStart;
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
        log(`while stopping: ${errorMessage(err)}`);
      }
    }
    stops.length = 0;
    unlock();
  };

  try {
    const lambda = new LocalLambda({
      region: config.region,
      accountId: ACCOUNT_ID,
      onAsyncFailure: (name, err) => log(`asynchronous invocation of ${name} failed: ${errorMessage(err)}`),
    });
    stops.push(() => lambda.close());

    // The stack's IAM policies (synthesized once per change of the infrastructure code).
    const iamStarting = startLocalIam({
      region: config.region,
      accountId: ACCOUNT_ID,
      administrator: credentials,
      buckets: { intake: names.intakeBucket, archive: names.archiveBucket },
      stateMachineArn: names.stateMachineArn,
      functionArn: (fn) => lambda.arnOf(fn),
      log,
    });
    // DynamoDB Local listens on a port of its own; the configured port is its verifying proxy's.
    dynamoStarting = startDynamoDbLocal({
      dataDir: config.dataDir,
      port: 0,
      jvmArgs: SYSTEM_JVM_ARGS,
      launched: headStart.dynamo,
      onOutput: (line) => {
        if (/error|exception/i.test(line)) log(`dynamodb: ${line}`);
      },
    });
    const identityLoading = loadIdentity(config.dataDir);
    const { iam, bucketKeys } = await iamStarting;
    // Every local endpoint accepts the administrator's key pair and each function role's, and
    // asks the local IAM whether the signer may do what is asked (infra/local/iam/).
    const authorize =
      (quoteResource: boolean) => async (key: string, requests: Parameters<typeof iam.authorize>[1]) => {
        const denial = await iam.authorize(key, requests, { quoteResource });
        if (denial) log(`IAM denied: ${denial.message}`);
        return denial?.message;
      };

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
      credentials: iam.credentials,
      authorize: authorize(true),
      // Object Lock follows the functions' clock: moving the test clock past a retain-until
      // date lets disposal delete the version, as time passing would on AWS.
      lockClock: () => now().getTime(),
      buckets: [
        {
          name: names.intakeBucket,
          cors: true,
          versioning: true,
          kmsKeyArn: bucketKeys.get(names.intakeBucket),
        },
        {
          name: names.archiveBucket,
          objectLock: true,
          versioning: true,
          cors: true,
          kmsKeyArn: bucketKeys.get(names.archiveBucket),
        },
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
    scanner = new S3Client({ endpoint: s3.url, region: config.region, credentials });

    const sfn: LocalSfnServer = await startSfnServer({
      host: config.host,
      port: config.sfnPort,
      dataDir: join(config.dataDir, 'sfn'),
      region: config.region,
      accountId: ACCOUNT_ID,
      // Signed by a function's role or the administrator, and authorised, as on the local S3.
      credentials: iam.credentials,
      authorize: authorize(false),
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

    // SES's stand-in: the notifier mails here over SMTP (infra/local/mail.ts).
    const mail: LocalMail = await startLocalMail({
      host: config.host,
      smtpPort: config.smtpPort,
      inboxPort: config.mailPort,
      dataDir: config.dataDir,
    });
    stops.push(() => mail.stop());

    dynamo = await dynamoStarting;
    const dynamoServer = dynamo;
    stops.splice(0, 0, () => dynamoServer.stop()); // stopped last: everything else writes to it
    const ddbProxy = await startDynamoDbProxy({
      host: config.host,
      port: config.dynamodbPort,
      upstream: dynamo.url,
      region: config.region,
      accountId: ACCOUNT_ID,
      credentials: iam.credentials,
      authorize: authorize(false),
    });
    stops.splice(1, 0, () => ddbProxy.stop()); // stopped just before DynamoDB Local
    const dynamoUrl = ddbProxy.url;
    const ddbAdmin = new DynamoDBClient({ endpoint: dynamoUrl, region: config.region, credentials });
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
        // A key of this run's own: page tokens of an earlier run are refused, as after a redeploy.
        pageTokenKey: randomBytes(32).toString('base64url'),
        workflowArns: Object.fromEntries(
          (Object.keys(WORKFLOWS) as WorkflowName[]).map((wf) => [wf, names.stateMachineArn(wf)]),
        ),
        // The console's address is the gateway's, known once it listens (set below).
        mail: { transport: mail.smtpUrl, from: LOCAL_MAIL_FROM, consoleUrl: '' },
      }),
      AWS_REGION: config.region,
      AWS_DEFAULT_REGION: config.region,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoUrl,
      AWS_ENDPOINT_URL_S3: s3.url,
      AWS_ENDPOINT_URL_SFN: sfn.url,
    });
    for (const name of ['AWS_PROFILE', 'AWS_ENDPOINT_URL']) delete process.env[name];
    // Each function signs with its own role's key pair while it runs (function-scope.ts).
    const sharedEnvironment = giveFunctionsTheirCredentials((fn) => iam.functionCredentials(fn));
    stops.push(async () => sharedEnvironment());
    lambda.open();

    // The stack's schedules: the retention sweep and the stuck check (jobs.ts).
    const jobs = startScheduledJobs(lambda, (name, err) =>
      log(`scheduled job ${name} failed: ${errorMessage(err)}`),
    );
    stops.push(() => jobs.scheduler.stop());

    const identity = await identityLoading;
    // The local identity follows Dangan's accounts, as Cognito does once the account functions
    // have kept it in step: every seeded user has an account, disabled ones get no token.
    const accounts = localAccounts({
      endpoint: dynamoUrl,
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
      endpoint: dynamoUrl,
      region: config.region,
      credentials,
      dataDir: config.dataDir,
      tableName: (table) => (table === 'Audit' ? names.auditTable : names.recordsTable),
      invoke: (fn, event) => lambda.invoke(fn, event),
      onError: (message) => log(message),
    });
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
        sweepRoute(jobs.runSweep),
        watchRoute(jobs.runWatch),
        notifyRoute(jobs.runNotify),
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
    // Messages link to the console the gateway serves; tasks are told from here on.
    process.env[ENV.consoleUrl] = gateway.url;
    streams.start();

    const ready = {
      apiUrl: gateway.url,
      consoleUrl: gateway.url,
      s3Url: s3.url,
      sfnUrl: sfn.url,
      dynamodbUrl: dynamoUrl,
      mailInboxUrl: mail.inboxUrl,
      smtpUrl: mail.smtpUrl,
      region: config.region,
      accountId: ACCOUNT_ID,
      dataDir: config.dataDir,
      credentialsFile: credentialsFile(config.dataDir),
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
    if (dynamo === undefined) {
      await (dynamoStarting ?? headStart.dynamo).then((d) => d.stop()).catch(() => undefined);
    }
    throw err;
  }
}
