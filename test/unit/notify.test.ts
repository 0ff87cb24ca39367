import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { accountItem } from '../../functions/adapters/accounts-repo.ts';
import { keys } from '../../functions/adapters/dynamo/keys.ts';
import { sendMail } from '../../functions/adapters/mailer.ts';
import type { Account } from '../../functions/core/accounts.ts';
import type { TaskRecord } from '../../functions/core/tasks.ts';
import { handler } from '../../functions/events/notify.ts';

vi.mock('../../functions/adapters/mailer.ts', () => ({ sendMail: vi.fn() }));
const mailed = vi.mocked(sendMail);

const ddbMock = mockClient(DynamoDBDocumentClient);

const REVIEWER: Account = {
  sub: 'sub-reviewer1',
  username: 'reviewer1',
  status: 'ACTIVE',
  roles: ['reviewer'],
  version: 1,
  updatedAt: '2026-03-01T00:00:00.000Z',
  updatedBy: 'secadmin1',
  email: 'reviewer1@example.cn',
};

const TASK: TaskRecord = {
  taskId: 'review-s-1-1-review',
  kind: 'intake-review',
  role: 'reviewer',
  status: 'OPEN',
  subjectType: 'submission',
  subjectId: 's-1',
  summary: { text: '1000000001 张三: 新装 New connection' },
  createdAt: '2026-03-01T08:00:00.000Z',
  dueAt: '2026-03-04T08:00:00.000Z',
  taskToken: 'token',
  requesterSub: 'sub-clerk1',
};

/** The records table's stream reporting the task's item as inserted. */
function taskOpened(task: TaskRecord): DynamoDBStreamEvent {
  const item = { ...keys.task(task.taskId), entity: 'task', ...task };
  return {
    Records: [
      {
        eventName: 'INSERT',
        dynamodb: {
          Keys: marshall(keys.task(task.taskId)) as never,
          NewImage: marshall(item) as never,
          SequenceNumber: '100',
          ApproximateCreationDateTime: 1_772_352_000,
        },
      },
    ],
  };
}

function setup(options: { preferences?: Record<string, string>; claim?: 'free' | 'SENT' | 'SENDING' }) {
  ddbMock.on(QueryCommand, { TableName: 'accounts-test' }).resolves({ Items: [accountItem(REVIEWER)] });
  ddbMock
    .on(GetCommand, { Key: keys.notificationPreferences(REVIEWER.sub) })
    .resolves(options.preferences ? { Item: { sub: REVIEWER.sub, preferences: options.preferences } } : {});
  ddbMock.on(GetCommand, { Key: keys.suppressedAddress(REVIEWER.email as string) }).resolves({});
  const claim = options.claim ?? 'free';
  if (claim === 'free') ddbMock.on(PutCommand, { Item: { state: 'SENDING' } }).resolves({});
  else {
    ddbMock
      .on(PutCommand, { Item: { state: 'SENDING' } })
      .rejects(new ConditionalCheckFailedException({ message: 'taken', $metadata: {} }));
    ddbMock.on(GetCommand, { Key: keys.notified(`task:${TASK.taskId}`, REVIEWER.sub) }).resolves({
      Item: { state: claim },
    });
  }
  ddbMock.on(TransactWriteCommand).resolves({});
  ddbMock.on(PutCommand, { TableName: 'audit-test' }).resolves({});
  ddbMock.on(UpdateCommand).resolves({});
  ddbMock.on(DeleteCommand).resolves({});
}

const transactions = () =>
  ddbMock
    .commandCalls(TransactWriteCommand)
    .map((c) => (c.args[0].input as TransactWriteCommandInput).TransactItems ?? []);

describe('notify: new tasks', () => {
  beforeEach(() => {
    process.env.TABLE_NAME = 'records-test';
    process.env.AUDIT_TABLE_NAME = 'audit-test';
    process.env.ACCOUNTS_TABLE_NAME = 'accounts-test';
    process.env.CONSOLE_URL = 'https://console.example.cn';
    process.env.PAGE_TOKEN_KEY = 'unit-test-key';
    delete process.env.USER_POOL_ID;
    ddbMock.reset().onAnyCommand().rejects(new Error('unexpected call'));
    mailed.mockReset();
  });
  afterEach(() => {
    ddbMock.reset();
  });

  it('claims, sends and marks a new task once, with its audit event', async () => {
    setup({});
    mailed.mockResolvedValue();
    const result = await handler(taskOpened(TASK));
    expect(result).toEqual({ tasks: { sent: 1, queued: 0, skipped: 0, inFlight: 0 } });
    expect(mailed).toHaveBeenCalledTimes(1);
    const mail = mailed.mock.calls[0]?.[0];
    expect(mail?.to).toBe('reviewer1@example.cn');
    expect(mail?.text).toContain('https://console.example.cn/#/submissions/s-1');
    expect(mail?.unsubscribe).toMatch(/^https:\/\/console\.example\.cn\/#\/unsubscribe\/[\w-]+\.[\w-]+$/);
    expect(mail?.text).toContain(mail?.unsubscribe);
    expect(mail?.text).not.toContain('张三');
    // The once-only record expires (the table's TTL) a week after the claim.
    const claim = ddbMock.commandCalls(PutCommand)[0]?.args[0].input.Item;
    expect(claim).toMatchObject(keys.notified(`task:${TASK.taskId}`, REVIEWER.sub));
    expect(claim?.expiresAt).toBe(Math.floor(Date.parse(String(claim?.claimedAt)) / 1000) + 7 * 86_400);
    // The event first, once-only by its id, then the claim marked SENT: two single writes, no
    // transaction (which would bill both twice).
    expect(transactions()).toEqual([]);
    const event = ddbMock.commandCalls(PutCommand, { TableName: 'audit-test' })[0]?.args[0].input;
    expect(event?.Item).toMatchObject({
      action: 'notification.sent',
      targetId: `task:${TASK.taskId}`,
      eventId: `notification.sent:task:${TASK.taskId}:${REVIEWER.sub}`,
    });
    expect(event?.ConditionExpression).toBe('attribute_not_exists(pk)');
    const marked = ddbMock.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(marked?.Key).toEqual(keys.notified(`task:${TASK.taskId}`, REVIEWER.sub));
    expect(marked?.ExpressionAttributeValues).toMatchObject({ ':sent': 'SENT' });
    const order = ddbMock.calls().map((c) => c.args[0].constructor.name);
    expect(order.lastIndexOf('PutCommand')).toBeLessThan(order.indexOf('UpdateCommand'));
  });

  it('marks the claim SENT when a sender that died after appending the event is taken over', async () => {
    setup({});
    ddbMock
      .on(PutCommand, { TableName: 'audit-test' })
      .rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
    mailed.mockResolvedValue();
    expect(await handler(taskOpened(TASK))).toEqual({
      tasks: { sent: 1, queued: 0, skipped: 0, inFlight: 0 },
    });
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(1);
  });

  it('sends nothing for a task told before (a redelivered batch)', async () => {
    setup({ claim: 'SENT' });
    const result = await handler(taskOpened(TASK));
    expect(result).toEqual({ tasks: { sent: 0, queued: 0, skipped: 1, inFlight: 0 } });
    expect(mailed).not.toHaveBeenCalled();
    expect(transactions()).toEqual([]);
  });

  it('fails the batch while another sender holds a fresh claim, so it comes again', async () => {
    setup({ claim: 'SENDING' });
    await expect(handler(taskOpened(TASK))).rejects.toThrow(/another run/);
    expect(mailed).not.toHaveBeenCalled();
  });

  it('gives the claim back when sending fails, and fails the batch', async () => {
    setup({});
    mailed.mockRejectedValue(new Error('SMTP 421'));
    await expect(handler(taskOpened(TASK))).rejects.toThrow('SMTP 421');
    expect(ddbMock.commandCalls(DeleteCommand)[0]?.args[0].input.Key).toEqual(
      keys.notified(`task:${TASK.taskId}`, REVIEWER.sub),
    );
    expect(transactions()).toEqual([]);
  });

  it('queues the task for the digest of a person who chose it, once, and sends nothing now', async () => {
    setup({ preferences: { task: 'digest' } });
    const result = await handler(taskOpened(TASK));
    expect(result).toEqual({ tasks: { sent: 0, queued: 1, skipped: 0, inFlight: 0 } });
    expect(mailed).not.toHaveBeenCalled();
    const [queued] = transactions();
    expect(queued?.[0]?.Put).toMatchObject({
      Item: { state: 'QUEUED', expiresAt: expect.any(Number) },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(queued?.[1]?.Put?.Item).toMatchObject({ pk: 'DIGEST', sk: `${REVIEWER.sub}#task:${TASK.taskId}` });
  });

  it('tells nothing to a person who chose none', async () => {
    setup({ preferences: { task: 'none' } });
    const result = await handler(taskOpened(TASK));
    expect(result).toEqual({ tasks: { sent: 0, queued: 0, skipped: 1, inFlight: 0 } });
    expect(mailed).not.toHaveBeenCalled();
    expect(transactions()).toEqual([]);
  });
});

describe('notify: bounces and complaints', () => {
  beforeEach(() => {
    process.env.TABLE_NAME = 'records-test';
    process.env.AUDIT_TABLE_NAME = 'audit-test';
    ddbMock.reset().onAnyCommand().rejects(new Error('unexpected call'));
    ddbMock.on(TransactWriteCommand).resolves({});
  });
  afterEach(() => {
    ddbMock.reset();
  });

  const sesEvent = (detail: Record<string, unknown>) =>
    ({ source: 'aws.ses', 'detail-type': 'Email Bounced', detail }) as unknown as Parameters<
      typeof handler
    >[0];

  it('stops all mail to an address that bounced for good, audited', async () => {
    const result = await handler(
      sesEvent({
        eventType: 'Bounce',
        bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: 'Gone@Example.cn' }] },
      }),
    );
    expect(result).toEqual({ suppressed: 1 });
    const [items] = transactions();
    expect(items?.[0]?.Put?.Item).toMatchObject({
      ...keys.suppressedAddress('gone@example.cn'),
      reason: 'bounce',
    });
    expect(items?.[1]?.Put?.Item).toMatchObject({
      action: 'notification.address-suppressed',
      targetId: 'gone@example.cn',
    });
  });

  it('stops mail to an address that complained', async () => {
    const result = await handler(
      sesEvent({
        eventType: 'Complaint',
        complaint: { complainedRecipients: [{ emailAddress: 'a@example.cn' }] },
      }),
    );
    expect(result).toEqual({ suppressed: 1 });
    expect(transactions()[0]?.[0]?.Put?.Item).toMatchObject({ reason: 'complaint' });
  });

  it('leaves a transient bounce to the retries of SES', async () => {
    const result = await handler(
      sesEvent({
        eventType: 'Bounce',
        bounce: { bounceType: 'Transient', bouncedRecipients: [{ emailAddress: 'busy@example.cn' }] },
      }),
    );
    expect(result).toEqual({ suppressed: 0 });
    expect(transactions()).toEqual([]);
  });
});

describe('notify: suppressed addresses', () => {
  beforeEach(() => {
    process.env.TABLE_NAME = 'records-test';
    process.env.AUDIT_TABLE_NAME = 'audit-test';
    process.env.ACCOUNTS_TABLE_NAME = 'accounts-test';
    process.env.CONSOLE_URL = 'https://console.example.cn';
    process.env.PAGE_TOKEN_KEY = 'unit-test-key';
    ddbMock.reset().onAnyCommand().rejects(new Error('unexpected call'));
    mailed.mockReset();
  });

  it('sends nothing to an address SES reported', async () => {
    ddbMock.on(QueryCommand, { TableName: 'accounts-test' }).resolves({ Items: [accountItem(REVIEWER)] });
    ddbMock.on(GetCommand, { Key: keys.notificationPreferences(REVIEWER.sub) }).resolves({});
    ddbMock
      .on(GetCommand, { Key: keys.suppressedAddress(REVIEWER.email as string) })
      .resolves({ Item: { reason: 'bounce' } });
    const result = await handler(taskOpened(TASK));
    expect(result).toEqual({ tasks: { sent: 0, queued: 0, skipped: 1, inFlight: 0 } });
    expect(mailed).not.toHaveBeenCalled();
  });
});
