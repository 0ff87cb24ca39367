/**
 * `npm start` as a whole: what it brings up, that its data survives a restart (a review task
 * waits across it), that no DynamoDB Local JVM outlives it, however it ends, and that a function
 * whose role lacks a grant fails as it would on AWS.
 */
import { readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { GetBucketVersioningCommand, GetObjectLockConfigurationCommand } from '@aws-sdk/client-s3';
import { DescribeStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TABLES } from '../../functions/adapters/tables.ts';
import {
  Api,
  changeDocs,
  createCustomer,
  createDraft,
  openTaskFor,
  s3ClientFor,
  uploadAll,
  waitSubmission,
} from './client.ts';
import { isAlive, type LocalSystem, startSystem, tempDataDir, until } from './system.ts';

const dataDir = tempDataDir('system');
let system: LocalSystem | undefined;

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail' && system) {
    console.error(system.output().split('\n').slice(-60).join('\n'));
  }
});

afterAll(async () => {
  if (system && isAlive(system.ready.pid)) await system.stop();
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe('npm start', () => {
  it('brings up every stand-in and prints one readiness line', async () => {
    system = await startSystem({ dataDir });
    const { ready } = system;
    expect(ready.dataDir).toBe(dataDir);
    for (const url of [ready.apiUrl, ready.s3Url, ready.sfnUrl, ready.dynamodbUrl, ready.mailInboxUrl]) {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    }
    expect(ready.smtpUrl).toMatch(/^smtp:\/\/127\.0\.0\.1:\d+$/);
    // The local inbox (MailDev) answers its REST API.
    expect((await fetch(`${ready.mailInboxUrl}/api/email`)).status).toBe(200);
    expect(ready.users.map((u) => u.username)).toEqual(
      expect.arrayContaining([
        'clerk1',
        'reviewer1',
        'archivist1',
        'approver1',
        'auditor1',
        'sysadmin1',
        'secadmin1',
        'staff1',
      ]),
    );
    expect(isAlive(ready.dynamodbPid)).toBe(true);

    const health = await fetch(`${ready.apiUrl}/health`);
    expect(health.status).toBe(200);

    // Tables as the stack defines them: keys, indexes, TTL.
    const ddb = new DynamoDBClient({
      endpoint: ready.dynamodbUrl,
      region: ready.region,
      credentials: system.credentials,
    });
    try {
      for (const def of TABLES) {
        const name =
          def.id === 'Records'
            ? ready.tables.records
            : def.id === 'Audit'
              ? ready.tables.audit
              : `dangan-${def.id.toLowerCase()}`;
        const { Table } = await ddb.send(new DescribeTableCommand({ TableName: name }));
        expect(Table?.KeySchema).toEqual([
          { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: def.sortKey.name, KeyType: 'RANGE' },
        ]);
        expect((Table?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName).sort()).toEqual(
          def.indexes.map((i) => i.indexName).sort(),
        );
        const ttl = await ddb.send(new DescribeTimeToLiveCommand({ TableName: name }));
        if (def.timeToLiveAttribute) {
          expect(ttl.TimeToLiveDescription).toMatchObject({
            TimeToLiveStatus: 'ENABLED',
            AttributeName: def.timeToLiveAttribute,
          });
        }
      }
    } finally {
      ddb.destroy();
    }

    // The archive bucket keeps versions under Object Lock.
    const s3 = s3ClientFor(system);
    try {
      const lock = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: ready.archiveBucket }));
      expect(lock.ObjectLockConfiguration?.ObjectLockEnabled).toBe('Enabled');
      const versioning = await s3.send(new GetBucketVersioningCommand({ Bucket: ready.archiveBucket }));
      expect(versioning.Status).toBe('Enabled');
    } finally {
      s3.destroy();
    }

    // The state machine runs the ASL file with the functions' ARNs substituted.
    const sfn = new SFNClient({
      endpoint: ready.sfnUrl,
      region: ready.region,
      credentials: system.credentials,
    });
    try {
      const arn = ready.stateMachines['intake-review-archive'] ?? '';
      const machine = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
      expect(machine.definition).toContain(
        `arn:aws:lambda:${ready.region}:${ready.accountId}:function:dangan-intake-open-review`,
      );
      expect(machine.definition).not.toContain('${');
    } finally {
      sfn.destroy();
    }
  });

  it('leaves no data directory behind when it cannot start', async () => {
    const label = `unstartable-${process.pid}`;
    const made = () => readdirSync(tmpdir()).filter((name) => name.startsWith(`dangan-${label}-`));
    await expect(startSystem({ label, env: { DANGAN_SCHEME: 'no-such-scheme' } })).rejects.toThrow(
      /exited \(2\) before it was ready:[\s\S]*unknown scheme no-such-scheme/,
    );
    expect(made()).toEqual([]);
  });

  it('refuses a second start on a data directory in use', async () => {
    await expect(startSystem({ dataDir, timeoutMs: 60_000 })).rejects.toThrow(/in use by another Dangan/);
    expect(isAlive(system?.ready.dynamodbPid ?? 0)).toBe(true);
  });

  it('keeps a review task open across a restart; approving it afterwards archives', async () => {
    if (!system) throw new Error('the system is not running');
    let api = new Api(system.ready.apiUrl);
    const customerId = await createCustomer(api);
    const docs = changeDocs('restart');
    const draft = await createDraft(api, customerId, 'CHANGE', docs);
    await uploadAll(api, draft);
    await api.expect(202, 'clerk1', 'POST', `/submissions/${draft.submissionId}/submit`);
    const task = await openTaskFor(api, draft.submissionId);
    const reviewerToken = await api.token('reviewer1');

    const javaBefore = system.ready.dynamodbPid;
    const inboxBefore = system.ready.mailInboxUrl;
    expect(await system.stop()).toBe(0);
    expect(isAlive(javaBefore)).toBe(false);
    // The inbox stopped with the rest.
    await expect(fetch(`${inboxBefore}/api/email`)).rejects.toThrow();

    system = await startSystem({ dataDir });
    api = new Api(system.ready.apiUrl);
    // The signing keys were kept: a token issued before the restart is still good.
    const tasks = await fetch(`${system.ready.apiUrl}/tasks`, {
      headers: { authorization: `Bearer ${reviewerToken}` },
    });
    expect(tasks.status).toBe(200);
    const { items } = (await tasks.json()) as { items: { taskId: string }[] };
    expect(items.map((t) => t.taskId)).toContain(task.taskId);

    await api.expect(200, 'reviewer1', 'POST', `/tasks/${task.taskId}/decision`, { decision: 'approve' });
    const archived = await waitSubmission(
      api,
      draft.submissionId,
      'ARCHIVED',
      (s) => s.status === 'ARCHIVED',
    );
    expect(archived.documents.every((d) => d.status === 'ARCHIVED' && d.archiveCode)).toBe(true);

    // The uploads made before the restart were archived byte for byte.
    for (const d of draft.docs) {
      const link = await api.expect<{ url: string }>(
        200,
        'archivist1',
        'GET',
        `/documents/${d.documentId}/content`,
      );
      const body = Buffer.from(await (await fetch(link.url)).arrayBuffer());
      expect(body.equals(d.bytes)).toBe(true);
    }
  });

  it('takes DynamoDB Local down with it even when killed outright', async () => {
    if (!system) throw new Error('the system is not running');
    const java = system.ready.dynamodbPid;
    await system.kill('SIGKILL');
    await until('the JVM to go with its parent', () => (isAlive(java) ? undefined : true), 15_000);
  });
});

describe('local IAM', () => {
  it('fails a call whose grant the stack lacks with AccessDenied naming the action, and writes nothing', async () => {
    const iamDir = tempDataDir('iam');
    // The stack as it would be without customers-create's dynamodb:PutItem (the customer and
    // its audit event are one transaction of two puts).
    const lacking = await startSystem({
      dataDir: iamDir,
      env: {
        DANGAN_IAM_OVERRIDE: JSON.stringify({ 'customers-create': { withoutActions: ['dynamodb:PutItem'] } }),
      },
    });
    try {
      const api = new Api(lacking.ready.apiUrl);
      const customerNo = `IAM${Date.now().toString(36).toUpperCase()}`;
      const created = await api.call('clerk1', 'POST', '/customers', {
        customerNo,
        name: '权限测试',
        type: 'RES',
        phone: '13812345678',
        address: '北京市西城区 1 号',
      });
      expect(created.status).toBe(500);
      const { region, accountId, tables } = lacking.ready;
      const denial =
        `User: arn:aws:sts::${accountId}:assumed-role/dangan-customers-create/dangan-customers-create ` +
        `is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:${region}:${accountId}:table/${tables.records} ` +
        'because no identity-based policy allows the dynamodb:PutItem action';
      await until('the function to log the refusal', () =>
        lacking.output().includes(denial) ? true : undefined,
      );

      // Nothing of the refused transaction reached the table.
      const ddb = new DynamoDBClient({
        endpoint: lacking.ready.dynamodbUrl,
        region,
        credentials: lacking.credentials,
      });
      try {
        const { Items = [] } = await ddb.send(new ScanCommand({ TableName: tables.records }));
        expect(JSON.stringify(Items)).not.toContain(customerNo);
      } finally {
        ddb.destroy();
      }
      // Another function keeps its grants: the search answers, and finds no such customer.
      const found = await api.expect<{ items: unknown[] }>(
        200,
        'clerk1',
        'GET',
        `/customers?q=${customerNo}`,
      );
      expect(found.items).toEqual([]);
    } finally {
      await lacking.stop();
      rmSync(iamDir, { recursive: true, force: true });
    }
  });
});
