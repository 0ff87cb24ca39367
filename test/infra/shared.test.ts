/**
 * Facts the stack shares with the local realisation (infra/shared.ts), and the schedules
 * construct, which has nothing to schedule until the sweep function joins the catalog.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  ENV,
  FUNCTIONS,
  type FunctionAccess,
  type FunctionName,
  WORKFLOWS,
  type WorkflowName,
} from '../../functions/catalog.ts';
import { INTAKE_PREFIX } from '../../functions/core/intake-bucket.ts';
import { intakeKey } from '../../functions/core/submissions.ts';
import { Schedules } from '../../infra/constructs/schedules.ts';
import { parseOrigins } from '../../infra/dangan-app.ts';
import { parseSchedule } from '../../infra/local/scheduler.ts';
import {
  DEFAULT_CONSOLE_ORIGINS,
  functionEnvironment,
  INTAKE_EXPIRY_DAYS,
  SWEEP_FUNCTION,
  SWEEP_SCHEDULE,
  SWEEP_SCHEDULE_NAME,
  WORKFLOW_ENV,
  workflowDefinitionPath,
  workflowSubstitutions,
} from '../../infra/shared.ts';

const workflows = Object.keys(WORKFLOWS) as WorkflowName[];
const functionNames = Object.keys(FUNCTIONS) as FunctionName[];
const names = {
  table: 'records',
  auditTable: 'audit',
  accountsTable: 'accounts',
  intakeBucket: 'intake',
  archiveBucket: 'archive',
  schemeId: 'power-supply',
  pageTokenKey: 'page-token-key',
  mail: {
    transport: 'ses',
    from: 'noreply@archive.example.cn',
    configurationSet: 'notifications',
    consoleUrl: 'https://console.example.cn/',
  },
};

describe('workflow substitutions', () => {
  it.each(workflows)('%s: every substitution of the catalog, resolved to its function', (workflow) => {
    const map = workflowSubstitutions(workflow, (fn) => `arn:fn:${fn}`);
    expect(map).toEqual(
      Object.fromEntries(
        Object.entries(WORKFLOWS[workflow].substitutions).map(([k, fn]) => [k, `arn:fn:${fn}`]),
      ),
    );
  });

  it.each(workflows)('%s: the ASL file uses exactly the substitutions the catalog names', (workflow) => {
    const asl = readFileSync(workflowDefinitionPath(workflow), 'utf8');
    const used = new Set([...asl.matchAll(/\$\{([A-Za-z0-9]+)\}/g)].map((m) => m[1]));
    expect([...used].sort()).toEqual(Object.keys(WORKFLOWS[workflow].substitutions).sort());
  });
});

describe('function environment', () => {
  it('names the workflow only for the functions that start it, and every workflow to those that list executions', () => {
    const arns = Object.fromEntries(workflows.map((w) => [w, `arn:states:${w}`])) as Record<
      WorkflowName,
      string
    >;
    for (const name of functionNames) {
      const env = functionEnvironment(name, { ...names, workflowArns: arns });
      const access: FunctionAccess = FUNCTIONS[name].access;
      const named = access.listExecutions ? workflows : (access.startWorkflows ?? []);
      for (const w of workflows) {
        expect(env[WORKFLOW_ENV[w]], `${name} ${w}`).toBe(named.includes(w) ? arns[w] : undefined);
      }
    }
  });

  it('leaves workflow ARNs out until they are known', () => {
    const env = functionEnvironment('submissions-submit', names);
    expect(env).not.toHaveProperty(ENV.intakeWorkflow);
    expect(env[ENV.table]).toBe('records');
  });

  it('gives a function without data access no resource names', () => {
    const env = functionEnvironment('health', names);
    for (const key of [ENV.table, ENV.auditTable, ENV.intakeBucket, ENV.archiveBucket, ENV.intakeWorkflow]) {
      expect(env).not.toHaveProperty(key);
    }
  });

  it('gives the mail settings and the signing key to the notifier, and to no function without notifications', () => {
    const notifier = functionEnvironment('notify', names);
    expect(notifier).toMatchObject({
      [ENV.mailTransport]: 'ses',
      [ENV.mailFrom]: 'noreply@archive.example.cn',
      [ENV.mailConfigurationSet]: 'notifications',
      [ENV.consoleUrl]: 'https://console.example.cn/',
      [ENV.pageTokenKey]: 'page-token-key',
    });
    const settings = functionEnvironment('notifications-settings', names);
    expect(settings[ENV.pageTokenKey]).toBe('page-token-key');
    expect(settings).not.toHaveProperty(ENV.mailTransport);
    for (const name of functionNames.filter((n) => !FUNCTIONS[n].access.notifications)) {
      expect(functionEnvironment(name, names), name).not.toHaveProperty(ENV.mailTransport);
    }
  });
});

describe('console origins context', () => {
  it('takes a list from cdk.json, or a JSON array or comma-separated string from -c', () => {
    expect(parseOrigins(['https://a.example'])).toEqual(['https://a.example']);
    expect(parseOrigins('["https://a.example","https://b.example"]')).toEqual([
      'https://a.example',
      'https://b.example',
    ]);
    expect(parseOrigins('https://a.example, https://b.example')).toEqual([
      'https://a.example',
      'https://b.example',
    ]);
  });

  it('falls back to the local console when absent or empty', () => {
    expect(parseOrigins(undefined)).toEqual(DEFAULT_CONSOLE_ORIGINS);
    expect(parseOrigins('')).toEqual(DEFAULT_CONSOLE_ORIGINS);
    expect(parseOrigins([])).toEqual(DEFAULT_CONSOLE_ORIGINS);
  });
});

describe('intake bucket facts', () => {
  it('the intake prefix is where the functions put uploads', () => {
    expect(intakeKey('s-1', 'd-1').startsWith(INTAKE_PREFIX)).toBe(true);
  });

  it('uploads outlive a review and its escalation under every scheme', () => {
    const dir = new URL('../../schemes/', import.meta.url);
    const schemes = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(schemes.length).toBeGreaterThan(0);
    for (const file of schemes) {
      const scheme = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as {
        limits: { reviewTimeoutHours: number };
      };
      expect(INTAKE_EXPIRY_DAYS * 24, file).toBeGreaterThan(2 * scheme.limits.reviewTimeoutHours);
    }
  });
});

describe('retention sweep schedule', () => {
  it('is a cron expression firing once a day', () => {
    const schedule = parseSchedule(SWEEP_SCHEDULE, new Date('2026-01-01T00:00:00Z'));
    const first = schedule.next(new Date('2026-01-01T00:00:00Z')) as Date;
    const second = schedule.next(first) as Date;
    expect(second.getTime() - first.getTime()).toBe(24 * 3600 * 1000);
    // 02:00 in China Standard Time.
    expect(first.getUTCHours()).toBe(18);
  });

  const stackWith = (functions: Record<string, lambda.IFunction>) => {
    const stack = new Stack(new App(), 'Schedules');
    return { stack, schedules: new Schedules(stack, 'Schedules', { functions }) };
  };
  const inlineFunction = (stack: Stack, id: string) =>
    new lambda.Function(stack, id, {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('export const handler = async () => {};'),
    });

  it('schedules nothing while the catalog has no sweep function', () => {
    const { stack, schedules } = stackWith({});
    expect(schedules.sweep).toBeUndefined();
    Template.fromStack(stack).resourceCountIs('AWS::Scheduler::Schedule', 0);
  });

  it('invokes the sweep function on the sweep schedule once it exists, with a role for that one function', () => {
    const stack = new Stack(new App(), 'Schedules');
    const sweep = inlineFunction(stack, 'Sweep');
    const other = inlineFunction(stack, 'Other');
    new Schedules(stack, 'Schedules', { functions: { [SWEEP_FUNCTION]: sweep, health: other } });
    const template = Template.fromStack(stack);
    const sweepArn = {
      'Fn::GetAtt': [stack.getLogicalId(sweep.node.defaultChild as lambda.CfnFunction), 'Arn'],
    };
    template.resourceCountIs('AWS::Scheduler::Schedule', 1);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: SWEEP_SCHEDULE,
      ScheduleExpressionTimezone: 'Etc/UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: Match.objectLike({
        Arn: sweepArn,
        Input: JSON.stringify({
          schedule: SWEEP_SCHEDULE_NAME,
          scheduledTime: '<aws.scheduler.scheduled-time>',
        }),
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
      }),
    });
    // The scheduler's role may invoke the sweep function and no other.
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as {
      Properties: { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } };
    }[];
    const invokes = policies.flatMap((p) =>
      p.Properties.PolicyDocument.Statement.filter((st) =>
        JSON.stringify(st.Action).includes('lambda:InvokeFunction'),
      ),
    );
    expect(invokes.length).toBeGreaterThan(0);
    const otherId = stack.getLogicalId(other.node.defaultChild as lambda.CfnFunction);
    for (const st of invokes) {
      expect(JSON.stringify(st.Resource)).toContain(
        stack.getLogicalId(sweep.node.defaultChild as lambda.CfnFunction),
      );
      expect(JSON.stringify(st.Resource)).not.toContain(otherId);
    }
  });
});
