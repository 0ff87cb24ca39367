/**
 * The local IAM at each endpoint: the local S3, the Step Functions engine and the DynamoDB proxy
 * map a request's access key to a function's role and refuse, as AWS refuses and with its words,
 * what that role's policies or the resource's policy do not allow, before anything is done. The
 * policies here are small ones written for the test; the stack's own are exercised by the e2e
 * tests (test/e2e/system.test.ts takes a grant away).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  ListStateMachinesCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionName } from '../../functions/catalog.ts';
import { type RunningDynamoDbProxy, startDynamoDbProxy } from '../../infra/local/dynamodb-proxy.ts';
import { type AccessRequest, type KeyPair, LocalIam } from '../../infra/local/iam/evaluator.ts';
import {
  type LocalResources,
  type PolicyDocument,
  policiesOfTemplate,
  resolveStackPolicies,
} from '../../infra/local/iam/stack-policies.ts';
import { type LocalS3Server, startS3Server } from '../../infra/local/s3/server.ts';
import { type LocalSfnServer, startSfnServer } from '../../infra/local/sfn/server.ts';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const ADMIN: KeyPair = { accessKeyId: 'AKIALOCALADMIN', secretAccessKey: 'local-admin-secret' };
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/test-key`;
const BUCKET = 'dangan-intake';
const TABLE = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/dangan-records`;
const AUDIT = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/dangan-audit`;
const machineArn = (name: string) => `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`;
const role = (fn: FunctionName) => `arn:aws:iam::${ACCOUNT}:role/dangan-${fn}`;
const session = (fn: FunctionName) => `arn:aws:sts::${ACCOUNT}:assumed-role/dangan-${fn}/dangan-${fn}`;

const allow = (actions: string[], resources: unknown[], condition?: unknown) => ({
  Effect: 'Allow',
  Action: actions,
  Resource: resources,
  ...(condition ? { Condition: condition } : {}),
});
const policy = (...statements: unknown[]): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: statements,
});

/** The roles of the test: what each may do. */
const identity: Partial<Record<FunctionName, PolicyDocument[]>> = {
  // Uploads and reads scans, with the key.
  'upload-received': [
    policy(
      allow(['s3:PutObject', 's3:GetObject'], [`arn:aws:s3:::${BUCKET}/intake/*`]),
      allow(['kms:GenerateDataKey', 'kms:Decrypt'], [KEY_ARN]),
      allow(['states:StartExecution', 'states:SendTaskSuccess'], [machineArn('dangan-first')]),
      allow(['dynamodb:GetItem', 'dynamodb:PutItem'], [TABLE]),
      allow(['dynamodb:PutItem', 'dynamodb:UpdateItem'], [AUDIT]),
      // Puts, but never reads back what a put replaced.
      {
        Effect: 'Deny',
        Action: ['dynamodb:PutItem'],
        Resource: [TABLE],
        Condition: { StringEquals: { 'dynamodb:ReturnValues': 'ALL_OLD' } },
      },
    ),
  ],
  // Previews a scan only once its tag says it is clean.
  'submissions-scan-content': [
    policy(
      allow(['s3:GetObject'], [`arn:aws:s3:::${BUCKET}/intake/*`], {
        StringEquals: { 's3:ExistingObjectTag/Scan': 'CLEAN' },
      }),
      allow(['kms:Decrypt'], [KEY_ARN]),
      allow(['states:SendTaskSuccess'], [machineArn('dangan-second')]),
    ),
  ],
  // May read scans by its own policy, and use the key, but is not among the bucket policy's readers.
  'customers-create': [
    policy(allow(['s3:GetObject'], [`arn:aws:s3:::${BUCKET}/intake/*`]), allow(['kms:Decrypt'], [KEY_ARN])),
  ],
  // May read scans but not use the key they are encrypted with.
  'customers-get': [
    policy(
      allow(['s3:GetObject'], [`arn:aws:s3:::${BUCKET}/intake/*`]),
      allow(['s3:ListBucket'], [`arn:aws:s3:::${BUCKET}`]),
    ),
  ],
};

const resource = new Map<string, PolicyDocument>([
  // The key policy lets the account's IAM policies grant the key's use (CDK's default).
  [
    KEY_ARN,
    policy({
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 'kms:*',
      Resource: '*',
    }),
  ],
  [
    `arn:aws:s3:::${BUCKET}`,
    policy({
      Sid: 'OnlyIntakeFunctionsReadScans',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: ['s3:GetObject'],
      Resource: `arn:aws:s3:::${BUCKET}/intake/*`,
      Condition: {
        ArnNotEquals: {
          'aws:PrincipalArn': [
            role('upload-received'),
            role('submissions-scan-content'),
            role('customers-get'),
          ],
        },
      },
    }),
  ],
  [
    AUDIT,
    policy({
      Sid: 'AuditIsAppendOnly',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: ['dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      Resource: '*',
    }),
  ],
]);

const iam = new LocalIam({
  region: REGION,
  accountId: ACCOUNT,
  administrator: ADMIN,
  policies: { identity, unevaluated: [], resource, bucketKeys: new Map() },
});
const authorize =
  (quoteResource = false) =>
  async (key: string, requests: AccessRequest[]) =>
    (await iam.authorize(key, requests, { quoteResource }))?.message;
const credentialsOf = (fn: FunctionName) => iam.functionCredentials(fn);

const dirs: string[] = [];
const tempDir = (label: string) => {
  const dir = mkdtempSync(join(tmpdir(), `dangan-iam-${label}-`));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('the local IAM on S3', () => {
  let server: LocalS3Server;
  const clients: S3Client[] = [];
  const s3As = (credentials: KeyPair) => {
    const client = new S3Client({ endpoint: server.url, region: REGION, forcePathStyle: true, credentials });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    server = await startS3Server({
      dataDir: tempDir('s3'),
      region: REGION,
      credentials: iam.credentials,
      authorize: authorize(true),
      buckets: [{ name: BUCKET, versioning: true, kmsKeyArn: KEY_ARN }],
    });
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await server?.stop();
  });

  const put = (key: string) =>
    s3As(credentialsOf('upload-received')).send(
      new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'scan' }),
    );
  const denial = (e: unknown) => ({
    name: (e as Error).name,
    status: (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode,
    message: (e as Error).message,
  });

  it('allows what the role grants', async () => {
    await put('intake/allowed.pdf');
    const got = await s3As(credentialsOf('upload-received')).send(
      new GetObjectCommand({ Bucket: BUCKET, Key: 'intake/allowed.pdf' }),
    );
    expect(await got.Body?.transformToString()).toBe('scan');
  });

  it('refuses an action no identity policy grants with 403 AccessDenied, and does nothing', async () => {
    await put('intake/kept.pdf');
    const refused = await s3As(credentialsOf('upload-received'))
      .send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'intake/kept.pdf' }))
      .catch(denial);
    expect(refused).toEqual({
      name: 'AccessDenied',
      status: 403,
      message: `User: ${session('upload-received')} is not authorized to perform: s3:DeleteObject on resource: "arn:aws:s3:::${BUCKET}/intake/kept.pdf" because no identity-based policy allows the s3:DeleteObject action`,
    });
    const still = await s3As(ADMIN).send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'intake/kept.pdf' }));
    expect(still.DeleteMarker).toBeUndefined();
  });

  it("refuses what the bucket policy denies, whatever the role's own policy allows", async () => {
    await put('intake/guarded.pdf');
    const refused = await s3As(credentialsOf('customers-create'))
      .send(new GetObjectCommand({ Bucket: BUCKET, Key: 'intake/guarded.pdf' }))
      .catch(denial);
    expect(refused).toMatchObject({
      name: 'AccessDenied',
      status: 403,
      message: `User: ${session('customers-create')} is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::${BUCKET}/intake/guarded.pdf" with an explicit deny in a resource-based policy`,
    });
  });

  it("judges s3:ExistingObjectTag by the object's tags as they are at the request", async () => {
    await put('intake/scanned.pdf');
    const preview = () =>
      s3As(credentialsOf('submissions-scan-content')).send(
        new GetObjectCommand({ Bucket: BUCKET, Key: 'intake/scanned.pdf' }),
      );
    expect(await preview().catch(denial)).toMatchObject({ name: 'AccessDenied', status: 403 });
    // The scanner (the administrator locally) tags it clean: now the condition holds.
    await s3As(ADMIN).send(
      new PutObjectTaggingCommand({
        Bucket: BUCKET,
        Key: 'intake/scanned.pdf',
        Tagging: { TagSet: [{ Key: 'Scan', Value: 'CLEAN' }] },
      }),
    );
    expect(await (await preview()).Body?.transformToString()).toBe('scan');
  });

  it("asks for the bucket key's use: a reader without kms:Decrypt is refused the content, not the HEAD", async () => {
    await put('intake/encrypted.pdf');
    const reader = s3As(credentialsOf('customers-get'));
    const head = await reader.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'intake/encrypted.pdf' }));
    expect(head.ContentLength).toBe(4);
    const refused = await reader
      .send(new GetObjectCommand({ Bucket: BUCKET, Key: 'intake/encrypted.pdf' }))
      .catch(denial);
    expect(refused).toMatchObject({
      name: 'AccessDenied',
      message: `User: ${session('customers-get')} is not authorized to perform: kms:Decrypt on resource: "${KEY_ARN}" because no identity-based policy allows the kms:Decrypt action`,
    });
  });

  it('answers a missing key 404 only to who may list the bucket, 403 to anyone else', async () => {
    const missing = new GetObjectCommand({ Bucket: BUCKET, Key: 'intake/never-uploaded.pdf' });
    expect(await s3As(credentialsOf('customers-get')).send(missing).catch(denial)).toMatchObject({
      name: 'NoSuchKey',
      status: 404,
    });
    expect(await s3As(credentialsOf('upload-received')).send(missing).catch(denial)).toMatchObject({
      name: 'AccessDenied',
      status: 403,
      message: expect.stringContaining(`s3:ListBucket on resource: "arn:aws:s3:::${BUCKET}"`),
    });
  });
});

describe('the local IAM on Step Functions', () => {
  let server: LocalSfnServer;
  const tokens: string[] = [];
  const clients: SFNClient[] = [];
  const sfnAs = (credentials: KeyPair) => {
    const client = new SFNClient({ endpoint: server.url, region: REGION, credentials });
    clients.push(client);
    return client;
  };
  const waiting = JSON.stringify({
    StartAt: 'Wait',
    States: {
      Wait: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: { FunctionName: 'fn', 'Payload.$': '$$.Task.Token' },
        End: true,
      },
    },
  });

  beforeAll(async () => {
    server = await startSfnServer({
      dataDir: tempDir('sfn'),
      region: REGION,
      accountId: ACCOUNT,
      credentials: iam.credentials,
      authorize: authorize(),
      stateMachines: [
        { name: 'dangan-first', definition: waiting },
        { name: 'dangan-second', definition: waiting },
      ],
      invokeLambda: async (_arn, token) => {
        tokens.push(String(token));
        return {};
      },
    });
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await server?.stop();
  });

  const denial = (e: unknown) => ({
    name: (e as Error).name,
    status: (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode,
    message: (e as Error).message,
  });

  it('starts an execution of the state machine the role may start, and no other', async () => {
    const starter = sfnAs(credentialsOf('upload-received'));
    const started = await starter.send(
      new StartExecutionCommand({ stateMachineArn: machineArn('dangan-first') }),
    );
    expect(started.executionArn).toContain(':execution:dangan-first:');
    const refused = await starter
      .send(new StartExecutionCommand({ stateMachineArn: machineArn('dangan-second'), name: 'refused' }))
      .catch(denial);
    expect(refused).toEqual({
      name: 'AccessDeniedException',
      status: 400,
      message: `User: ${session('upload-received')} is not authorized to perform: states:StartExecution on resource: ${machineArn('dangan-second')} because no identity-based policy allows the states:StartExecution action`,
    });
    const list = await sfnAs(ADMIN).send(new ListStateMachinesCommand({}));
    expect(list.stateMachines?.length).toBe(2);
    // Nothing was started on the refused machine.
    expect(tokens.length).toBe(1);
  });

  it("authorises a task token's answer on the state machine of the token's execution", async () => {
    await sfnAs(ADMIN).send(new StartExecutionCommand({ stateMachineArn: machineArn('dangan-second') }));
    await expect.poll(() => tokens.length).toBe(2);
    const token = tokens[1] as string;
    // upload-received may answer tasks of dangan-first only.
    const refused = await sfnAs(credentialsOf('upload-received'))
      .send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))
      .catch(denial);
    expect(refused).toMatchObject({
      name: 'AccessDeniedException',
      message: `User: ${session('upload-received')} is not authorized to perform: states:SendTaskSuccess on resource: ${machineArn('dangan-second')} because no identity-based policy allows the states:SendTaskSuccess action`,
    });
    await sfnAs(credentialsOf('submissions-scan-content')).send(
      new SendTaskSuccessCommand({ taskToken: token, output: '{}' }),
    );
  });

  it('refuses an action on no resource unless the role grants it on every resource', async () => {
    const refused = await sfnAs(credentialsOf('upload-received'))
      .send(new ListStateMachinesCommand({}))
      .catch(denial);
    expect(refused).toMatchObject({
      name: 'AccessDeniedException',
      status: 400,
      message: expect.stringContaining('states:ListStateMachines on resource: *'),
    });
  });
});

describe('the local IAM on DynamoDB (the verifying proxy)', () => {
  let upstream: Server;
  let proxy: RunningDynamoDbProxy;
  const forwarded: { target: string; body: string; authorization: string }[] = [];
  const clients: DynamoDBClient[] = [];
  const ddbAs = (credentials: KeyPair) => {
    const client = new DynamoDBClient({ endpoint: proxy.url, region: REGION, credentials, maxAttempts: 1 });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    // DynamoDB Local's place: records what reaches it and answers as an empty table would.
    upstream = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        forwarded.push({
          target: String(req.headers['x-amz-target']),
          body: Buffer.concat(chunks).toString('utf8'),
          authorization: String(req.headers.authorization),
        });
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    proxy = await startDynamoDbProxy({
      host: '127.0.0.1',
      port: 0,
      upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
      region: REGION,
      accountId: ACCOUNT,
      credentials: iam.credentials,
      authorize: authorize(),
    });
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await proxy?.stop();
    await new Promise((resolve) => upstream?.close(resolve));
  });

  const denial = (e: unknown) => ({
    name: (e as Error).name,
    status: (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode,
    message: (e as Error).message,
  });
  const item = { pk: { S: 'CUSTOMER#1' }, sk: { S: 'PROFILE' } };

  it('forwards an allowed request unchanged', async () => {
    forwarded.length = 0;
    await ddbAs(credentialsOf('upload-received')).send(
      new GetItemCommand({ TableName: 'dangan-records', Key: item }),
    );
    expect(forwarded).toHaveLength(1);
    expect(forwarded[0]?.target).toBe('DynamoDB_20120810.GetItem');
    expect(JSON.parse(forwarded[0]?.body ?? '{}')).toEqual({ TableName: 'dangan-records', Key: item });
    expect(forwarded[0]?.authorization).toContain(
      `Credential=${credentialsOf('upload-received').accessKeyId}/`,
    );
  });

  it('refuses an action the role lacks with 400 AccessDeniedException, and forwards nothing', async () => {
    forwarded.length = 0;
    const refused = await ddbAs(credentialsOf('customers-get'))
      .send(new PutItemCommand({ TableName: 'dangan-records', Item: item }))
      .catch(denial);
    expect(refused).toEqual({
      name: 'AccessDeniedException',
      status: 400,
      message: `User: ${session('customers-get')} is not authorized to perform: dynamodb:PutItem on resource: ${TABLE} because no identity-based policy allows the dynamodb:PutItem action`,
    });
    expect(forwarded).toEqual([]);
  });

  it("refuses what the table's resource policy denies, and checks a transaction per table and kind of write", async () => {
    forwarded.length = 0;
    const writer = ddbAs(credentialsOf('upload-received'));
    const refused = await writer
      .send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: 'dangan-records', Item: item } },
            {
              Update: {
                TableName: 'dangan-audit',
                Key: item,
                UpdateExpression: 'SET #a = :a',
                ExpressionAttributeNames: { '#a': 'a' },
                ExpressionAttributeValues: { ':a': { S: 'changed' } },
              },
            },
          ],
        }),
      )
      .catch(denial);
    expect(refused).toMatchObject({
      name: 'AccessDeniedException',
      message: `User: ${session('upload-received')} is not authorized to perform: dynamodb:UpdateItem on resource: ${AUDIT} with an explicit deny in a resource-based policy`,
    });
    expect(forwarded).toEqual([]);
    // The same transaction appending to the audit table instead passes.
    await writer.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: 'dangan-records', Item: item } },
          { Put: { TableName: 'dangan-audit', Item: item } },
        ],
      }),
    );
    expect(forwarded.map((f) => f.target)).toEqual(['DynamoDB_20120810.TransactWriteItems']);
  });

  it('judges condition keys the request supplies (dynamodb:ReturnValues)', async () => {
    forwarded.length = 0;
    const writer = ddbAs(credentialsOf('upload-received'));
    const refused = await writer
      .send(new PutItemCommand({ TableName: 'dangan-records', Item: item, ReturnValues: 'ALL_OLD' }))
      .catch(denial);
    expect(refused).toMatchObject({
      name: 'AccessDeniedException',
      message: `User: ${session('upload-received')} is not authorized to perform: dynamodb:PutItem on resource: ${TABLE} with an explicit deny in an identity-based policy`,
    });
    expect(forwarded).toEqual([]);
    await writer.send(new PutItemCommand({ TableName: 'dangan-records', Item: item }));
    expect(forwarded.map((f) => f.target)).toEqual(['DynamoDB_20120810.PutItem']);
  });

  it('refuses a request signed with a wrong secret, and forwards nothing', async () => {
    forwarded.length = 0;
    const { accessKeyId } = credentialsOf('upload-received');
    const refused = await ddbAs({ accessKeyId, secretAccessKey: 'not-the-secret' })
      .send(new GetItemCommand({ TableName: 'dangan-records', Key: item }))
      .catch(denial);
    expect(refused).toMatchObject({ name: 'InvalidSignatureException', status: 400 });
    expect(forwarded).toEqual([]);
  });
});

describe("the stack's policies, read from its template", () => {
  const local: LocalResources = {
    region: REGION,
    accountId: ACCOUNT,
    buckets: { intake: 'dangan-intake', archive: 'dangan-archive' },
    tables: { Records: 'dangan-records', Audit: 'dangan-audit', Accounts: 'dangan-accounts' },
    stateMachineArn: (wf) => machineArn(`dangan-${wf}`),
    functionArn: (fn) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:dangan-${fn}`,
    roleArn: role,
    keyArn: KEY_ARN,
    userPoolId: `${REGION}_local`,
  };
  const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
  const template = {
    IntakeBucket: {
      Type: 'AWS::S3::Bucket',
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: arnOf('Key') } },
          ],
        },
      },
    },
    IntakePolicy: {
      Type: 'AWS::S3::BucketPolicy',
      Properties: {
        Bucket: { Ref: 'IntakeBucket' },
        PolicyDocument: policy({
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 's3:GetObject',
          Resource: { 'Fn::Join': ['', [arnOf('IntakeBucket'), '/intake/*']] },
          Condition: { ArnNotEquals: { 'aws:PrincipalArn': arnOf('UploadRole') } },
        }),
      },
    },
    UploadRole: { Type: 'AWS::IAM::Role', Properties: {} },
    UploadPolicy: {
      Type: 'AWS::IAM::Policy',
      Properties: {
        Roles: [{ Ref: 'UploadRole' }],
        PolicyDocument: policy(
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub, not a template literal
          allow(['dynamodb:Query'], [{ 'Fn::Sub': '${Records.Arn}/index/*' }]),
          allow(
            ['states:StartExecution'],
            [{ Ref: 'IntakeMachine' }, { 'Fn::GetAtt': ['SomethingElse', 'Arn'] }],
          ),
        ),
      },
    },
    Records: { Type: 'AWS::DynamoDB::Table', Properties: {} },
    Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: policy({ Effect: 'Allow', Action: 'kms:*' }) } },
    IntakeMachine: { Type: 'AWS::StepFunctions::StateMachine', Properties: {} },
  };
  const resolved = resolveStackPolicies(
    policiesOfTemplate(
      template,
      { UploadRole: 'upload-received' },
      {
        IntakeBucket: { bucket: 'intake' },
        UploadRole: { role: 'upload-received' },
        Records: { table: 'Records' },
        Key: { key: true },
        IntakeMachine: { workflow: 'intake-review-archive' },
      },
    ),
    local,
  );

  it("gives each function its role's policies, written with the local names and ARNs", () => {
    expect(resolved.identity['upload-received']).toEqual([
      policy(
        allow(['dynamodb:Query'], [`${TABLE}/index/*`]),
        allow(
          ['states:StartExecution'],
          [
            machineArn('dangan-intake-review-archive'),
            'arn:aws:cloudformation:::unresolved/SomethingElse/Arn',
          ],
        ),
      ),
    ]);
    expect(resolved.identity['customers-get']).toBeUndefined();
  });

  it('keeps the resource policies by the ARN they guard, and which key each bucket encrypts with', () => {
    expect(resolved.resource.get(`arn:aws:s3:::${BUCKET}`)).toEqual(
      policy({
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:GetObject',
        Resource: `arn:aws:s3:::${BUCKET}/intake/*`,
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': role('upload-received') } },
      }),
    );
    expect(resolved.resource.get(KEY_ARN)).toEqual(policy({ Effect: 'Allow', Action: 'kms:*' }));
    expect(resolved.bucketKeys.get(BUCKET)).toBe(KEY_ARN);
  });
});
