import type { CfnElement } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS, type FunctionName, ROUTES, WORKFLOWS } from '../../functions/catalog.ts';
import type { DanganStack } from '../../infra/stack.ts';
import { synthesizedForTest } from './templates.ts';

type Json = Record<string, unknown>;
interface Resource {
  Type: string;
  Properties?: Json;
}
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
}

let stack: DanganStack;
let resources: Record<string, Resource>;

beforeAll(async () => {
  const made = await synthesizedForTest();
  stack = made.stack;
  resources = made.templates.merged as Record<string, Resource>;
}, 120_000);

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const logicalId = (c: { node: { defaultChild?: unknown } }): string =>
  stack.getLogicalId((c.node.defaultChild ?? c) as CfnElement);
const mentions = (value: unknown, id: string): boolean => JSON.stringify(value ?? null).includes(`"${id}"`);

function statementsOf(fn: FunctionName): Statement[] {
  const roleId = logicalId(stack.functions.roles[fn]);
  return Object.values(resources)
    .filter(
      (r) =>
        r.Type === 'AWS::IAM::Policy' &&
        list(r.Properties?.Roles as unknown[]).some((x) => mentions(x, roleId)),
    )
    .flatMap((r) =>
      list((r.Properties?.PolicyDocument as { Statement?: Statement[] } | undefined)?.Statement),
    )
    .filter((s) => s.Effect === 'Allow');
}
const actionsOf = (fn: FunctionName): string[] =>
  [...new Set(statementsOf(fn).flatMap((s) => list(s.Action)))].sort();
const actionsOn = (fn: FunctionName, id: string): string[] =>
  [
    ...new Set(
      statementsOf(fn)
        .filter((s) => mentions(s.Resource, id))
        .flatMap((s) => list(s.Action)),
    ),
  ].sort();

const RECORDS_READ = [
  'dynamodb:BatchGetItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
  'dynamodb:GetItem',
  'dynamodb:Query',
];
const RECORDS_WRITE = [
  'dynamodb:BatchWriteItem',
  'dynamodb:DeleteItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
];
const loanFunctions = (Object.keys(FUNCTIONS) as FunctionName[]).filter(
  (n) => n.startsWith('loans-') || n.startsWith('loan-'),
);
const records = () => logicalId(stack.storage.tables.Records);
const audit = () => logicalId(stack.storage.tables.Audit);

describe('borrow functions', () => {
  it('are the four loan routes and the five workflow steps', () => {
    expect(loanFunctions.sort()).toEqual(
      [
        'loan-expire',
        'loan-grant',
        'loan-open-approval',
        'loan-reject',
        'loan-validate',
        'loans-create',
        'loans-get',
        'loans-list',
        'loans-return',
      ].sort(),
    );
    expect(
      ROUTES.filter((r) => r.path.startsWith('/loans')).map((r) => `${r.method} ${r.path} ${r.function}`),
    ).toEqual([
      'POST /loans loans-create',
      'GET /loans loans-list',
      'GET /loans/{loanId} loans-get',
      'POST /loans/{loanId}/return loans-return',
    ]);
  });

  it.each(loanFunctions)('%s never touches a bucket, or answers a workflow', (fn) => {
    const actions = actionsOf(fn);
    expect(actions.filter((a) => a.startsWith('s3:'))).toEqual([]);
    expect(actions.filter((a) => a.startsWith('states:') && a !== 'states:StartExecution')).toEqual([]);
  });

  it.each(['loans-get', 'loans-list'] as const)(
    '%s only reads the records table, and appends nothing but the audit events of requests it refuses',
    (fn) => {
      expect(actionsOn(fn, records())).toEqual(RECORDS_READ);
      expect(actionsOn(fn, audit())).toEqual(['dynamodb:PutItem']);
      expect(actionsOf(fn).filter((a) => a.startsWith('states:'))).toEqual([]);
    },
  );

  it('loan-validate only reads the records table, and writes nowhere', () => {
    expect(actionsOn('loan-validate', records())).toEqual(RECORDS_READ);
    expect(actionsOn('loan-validate', audit())).toEqual([]);
    expect(actionsOf('loan-validate').filter((a) => a.startsWith('states:'))).toEqual([]);
  });

  it.each(['loans-return', 'loan-open-approval', 'loan-grant', 'loan-reject', 'loan-expire'] as const)(
    '%s reads and writes the records table, appends to the audit trail, and starts no workflow',
    (fn) => {
      expect(actionsOn(fn, records())).toEqual([...new Set([...RECORDS_READ, ...RECORDS_WRITE])].sort());
      expect(actionsOn(fn, audit())).toEqual(['dynamodb:PutItem']);
      expect(actionsOf(fn).filter((a) => a.startsWith('states:'))).toEqual([]);
    },
  );

  it('loans-create starts borrow-approval and no other workflow', () => {
    const starts = statementsOf('loans-create').filter((s) =>
      list(s.Action).includes('states:StartExecution'),
    );
    expect(starts.flatMap((s) => list(s.Resource))).toEqual([
      { Ref: logicalId(stack.workflows.byName['borrow-approval']) },
    ]);
    expect(actionsOn('loans-create', audit())).toEqual(['dynamodb:PutItem']);
    const env =
      (
        resources[logicalId(stack.functions.byName['loans-create'])]?.Properties?.Environment as
          | { Variables: Json }
          | undefined
      )?.Variables ?? {};
    expect(env.BORROW_WORKFLOW_ARN).toEqual({ Ref: logicalId(stack.workflows.byName['borrow-approval']) });
    expect(env.INTAKE_WORKFLOW_ARN).toBeUndefined();
    expect(env.ARCHIVE_BUCKET).toBeUndefined();
  });

  it('only documents-content, which reads grants, signs URLs of originals; it writes no record', () => {
    const archive = logicalId(stack.storage.archive);
    expect(actionsOn('documents-content', archive)).toEqual(['s3:GetObject', 's3:GetObjectVersion']);
    expect(actionsOn('documents-content', records()).filter((a) => RECORDS_WRITE.includes(a))).toEqual([]);
    for (const fn of loanFunctions) expect(actionsOn(fn, archive), fn).toEqual([]);
  });

  it('borrow-approval invokes exactly the five loan steps', () => {
    const machine = stack.workflows.byName['borrow-approval'];
    const roleId = logicalId(machine.role);
    const invoke = Object.values(resources)
      .filter(
        (r) =>
          r.Type === 'AWS::IAM::Policy' &&
          list(r.Properties?.Roles as unknown[]).some((x) => mentions(x, roleId)),
      )
      .flatMap((r) =>
        list((r.Properties?.PolicyDocument as { Statement?: Statement[] } | undefined)?.Statement),
      )
      .filter((s) => list(s.Action).includes('lambda:InvokeFunction'));
    const targets = invoke.flatMap((s) => list(s.Resource)).map((r) => JSON.stringify(r));
    const steps = [...new Set(Object.values(WORKFLOWS['borrow-approval'].substitutions))];
    expect(steps.sort()).toEqual([
      'loan-expire',
      'loan-grant',
      'loan-open-approval',
      'loan-reject',
      'loan-validate',
    ]);
    for (const fn of steps) {
      expect(
        targets.some((t) => t.includes(`"${logicalId(stack.functions.byName[fn])}"`)),
        fn,
      ).toBe(true);
    }
    expect(targets).toHaveLength(steps.length);
  });
});
