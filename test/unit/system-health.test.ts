import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler as systemHealth } from '../../functions/api/system-health.ts';
import { figuresOf } from '../../functions/core/system-health.ts';
import { USERS } from '../support/api-event.ts';
import { call, ddbMock, errorOf, resetMocks, setEnv, sfnMock, strictMocks } from './intake-fixtures.ts';

const ROUTE = 'GET /system/health';
const cloudWatch = mockClient(CloudWatchClient);
const MACHINES = {
  'intake-review-archive': 'arn:aws:states:us-east-1:000000000000:stateMachine:intake-review-archive',
  'borrow-approval': 'arn:aws:states:us-east-1:000000000000:stateMachine:borrow-approval',
  disposal: 'arn:aws:states:us-east-1:000000000000:stateMachine:disposal',
  'import-batch': 'arn:aws:states:us-east-1:000000000000:stateMachine:import-batch',
  handover: 'arn:aws:states:us-east-1:000000000000:stateMachine:handover',
};
const SUBMISSION = '3d0f8a52-1c4b-4e8e-9a57-6b2d9c1e7f30';

beforeEach(() => {
  setEnv();
  process.env.INTAKE_WORKFLOW_ARN = MACHINES['intake-review-archive'];
  process.env.BORROW_WORKFLOW_ARN = MACHINES['borrow-approval'];
  process.env.DISPOSAL_WORKFLOW_ARN = MACHINES.disposal;
  process.env.IMPORT_WORKFLOW_ARN = MACHINES['import-batch'];
  process.env.HANDOVER_WORKFLOW_ARN = MACHINES.handover;
  delete process.env.ALARM_NAME_PREFIX;
  strictMocks();
  cloudWatch.reset();
});
afterEach(resetMocks);

function healthySystemWithOneStoppedIntake() {
  sfnMock.on(ListExecutionsCommand).resolves({ executions: [] });
  sfnMock
    .on(ListExecutionsCommand, {
      stateMachineArn: MACHINES['intake-review-archive'],
      statusFilter: 'ABORTED',
    })
    .resolves({
      executions: [
        {
          executionArn: `${MACHINES['intake-review-archive']}:${SUBMISSION}-1`,
          stateMachineArn: MACHINES['intake-review-archive'],
          name: `${SUBMISSION}-1`,
          status: 'ABORTED',
          startDate: new Date('2026-05-01T10:00:00.000Z'),
          stopDate: new Date('2026-05-01T10:05:00.000Z'),
        },
      ],
      nextToken: 'more',
    });
  ddbMock.on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'STUCK' } }).resolves({
    Items: [
      {
        kind: 'submission',
        recordId: SUBMISSION,
        executionArn: `${MACHINES['intake-review-archive']}:${SUBMISSION}-1`,
        since: '2026-05-01T10:00:00.000Z',
        reason: 'submission is IN_REVIEW, but its workflow execution has ended (ABORTED)',
        foundAt: '2026-05-01T11:00:00.000Z',
        repair: 'return it to its clerk',
      },
    ],
  });
  ddbMock.on(GetCommand).resolves({});
  ddbMock.on(GetCommand, { Key: { pk: 'SWEEP#retention', sk: 'SWEEP' } }).resolves({
    Item: {
      sweptThrough: '2026-05-01',
      lastRunAt: '2026-05-01T18:00:00.000Z',
      lastRun: { sweptFrom: '2026-04-30', found: 3, proposed: 2, batches: ['KH-2036-04-20360510-HZ-1'] },
    },
  });
  ddbMock.on(PutCommand).resolves({});
}

describe('GET /system/health', () => {
  it('answers unsuccessful executions per workflow, stuck records and job runs, in figures and opaque ids, and audits the read', async () => {
    healthySystemWithOneStoppedIntake();
    const res = await call(systemHealth, { routeKey: ROUTE, user: USERS.sysadmin });
    expect(res.statusCode).toBe(200);
    const workflows = res.body.workflows as {
      workflow: string;
      counts: object;
      more: boolean;
      recent: object[];
    }[];
    expect(workflows.map((w) => w.workflow)).toEqual(Object.keys(MACHINES));
    expect(workflows[0]).toEqual({
      workflow: 'intake-review-archive',
      counts: { FAILED: 0, TIMED_OUT: 0, ABORTED: 1 },
      more: true,
      recent: [
        {
          name: `${SUBMISSION}-1`,
          status: 'ABORTED',
          startedAt: '2026-05-01T10:00:00.000Z',
          stoppedAt: '2026-05-01T10:05:00.000Z',
        },
      ],
    });
    expect(workflows[1]).toMatchObject({ counts: { FAILED: 0, TIMED_OUT: 0, ABORTED: 0 }, more: false });
    // Three statuses of five workflows, one page each, never an execution's input or history.
    expect(sfnMock.commandCalls(ListExecutionsCommand)).toHaveLength(15);
    expect(sfnMock.calls()).toHaveLength(15);
    // No alarm prefix (this machine): no alarms read, none answered.
    expect(res.body).not.toHaveProperty('alarms');
    expect(cloudWatch.calls()).toHaveLength(0);
    expect(res.body.stuck).toMatchObject({ count: 1, items: [{ kind: 'submission', recordId: SUBMISSION }] });
    expect(res.body.jobs).toEqual([
      {
        job: 'retention',
        lastRunAt: '2026-05-01T18:00:00.000Z',
        sweptThrough: '2026-05-01',
        lastRun: { sweptFrom: '2026-04-30', found: 3, proposed: 2, batches: 1 },
      },
      { job: 'fixity', lastRun: {} },
      { job: 'permanence', lastRun: {} },
    ]);
    const audits = ddbMock.commandCalls(PutCommand).map((c) => c.args[0].input.Item ?? {});
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      action: 'system.health-read',
      actorName: 'sysadmin1',
      targetType: 'system',
      targetId: 'health',
    });
  });

  it("answers the deployment's alarms by their prefix, with the prefix left out", async () => {
    healthySystemWithOneStoppedIntake();
    process.env.ALARM_NAME_PREFIX = 'Dangan-';
    cloudWatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        {
          AlarmName: 'Dangan-StuckRecords',
          StateValue: 'ALARM',
          StateUpdatedTimestamp: new Date('2026-05-01T11:00:00.000Z'),
        },
        {
          AlarmName: 'Dangan-FixityMismatch',
          StateValue: 'OK',
          StateUpdatedTimestamp: new Date('2026-04-01T00:00:00.000Z'),
        },
      ],
    });
    const res = await call(systemHealth, { routeKey: ROUTE, user: USERS.sysadmin });
    expect(res.statusCode).toBe(200);
    expect(res.body.alarms).toEqual([
      { name: 'StuckRecords', state: 'ALARM', since: '2026-05-01T11:00:00.000Z' },
      { name: 'FixityMismatch', state: 'OK', since: '2026-04-01T00:00:00.000Z' },
    ]);
    expect(cloudWatch.commandCalls(DescribeAlarmsCommand)[0]?.args[0].input).toMatchObject({
      AlarmNamePrefix: 'Dangan-',
    });
  });

  it('refuses a query parameter with a 400 naming it, reading nothing', async () => {
    const res = await call(systemHealth, { routeKey: ROUTE, user: USERS.sysadmin, query: { workflow: 'x' } });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res.body).message).toMatch(/workflow/);
    expect(sfnMock.calls()).toHaveLength(0);
    expect(ddbMock.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it('is for the system administrator only', async () => {
    for (const user of [USERS.archivist, USERS.secadmin, USERS.auditor]) {
      const res = await call(systemHealth, { routeKey: ROUTE, user });
      expect(res.statusCode, user.username).toBe(403);
    }
    expect(sfnMock.calls()).toHaveLength(0);
  });
});

describe('figures of a job run', () => {
  it('keeps numbers, flags and days, counts lists, and drops other text', () => {
    expect(
      figuresOf({
        found: 4,
        legacyDone: true,
        failed: ['Z001-KH·2026-Y-YK-0001'],
        sweptThrough: '2026-05-01',
        note: '张三的合同',
        nested: { title: 'x' },
      }),
    ).toEqual({ found: 4, legacyDone: true, failed: 1, sweptThrough: '2026-05-01' });
    expect(figuresOf(undefined)).toEqual({});
  });
});
