import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnTable } from 'aws-cdk-lib/aws-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  RECORDS_TABLE_CLASSES,
  type RecordsTableClassChoice,
  Storage,
} from '../../infra/constructs/storage.ts';
import { contextChoice, createDanganApp } from '../../infra/dangan-app.ts';
import { cdkContext } from './templates.ts';

/** The table classes the storage construct gives the records and audit tables. */
function tableClasses(choice?: RecordsTableClassChoice): Record<string, unknown> {
  const stack = new Stack(new App({ context: cdkContext }), 'Storage');
  const storage = new Storage(stack, 'Storage', {
    consoleOrigins: [],
    ...(choice ? { recordsTableClass: choice } : {}),
  });
  const resources = Template.fromStack(stack).findResources('AWS::DynamoDB::Table');
  const classOf = (table: { node: { defaultChild?: unknown } }) =>
    resources[stack.getLogicalId(table.node.defaultChild as never)]?.Properties?.TableClass;
  return { Records: classOf(storage.tables.Records), Audit: classOf(storage.tables.Audit) };
}

describe('the records table class a deployment chooses (-c recordsTableClass)', () => {
  it('is Standard-IA unless standard is chosen; the audit table is Standard-IA either way', () => {
    const infrequent = { Records: 'STANDARD_INFREQUENT_ACCESS', Audit: 'STANDARD_INFREQUENT_ACCESS' };
    expect(tableClasses()).toEqual(infrequent);
    expect(tableClasses('infrequent-access')).toEqual(infrequent);
    expect(tableClasses('standard')).toEqual({ Records: undefined, Audit: 'STANDARD_INFREQUENT_ACCESS' });
  });

  it('is what `-c recordsTableClass` names when the app builds the stack', () => {
    const { stack } = createDanganApp(
      { context: { ...cdkContext, 'aws:cdk:bundling-stacks': [], recordsTableClass: 'standard' } },
      { controlTower: false },
    );
    const records = stack.storage.tables.Records.node.defaultChild as CfnTable;
    expect(records.tableClass).toBeUndefined();
    expect(() =>
      createDanganApp({ context: { ...cdkContext, recordsTableClass: 'glacier' } }, { controlTower: false }),
    ).toThrow(/recordsTableClass must be one of infrequent-access, standard \(got "glacier"\)/);
  });

  it('ends synthesis on any other value, naming the choices in English and Chinese', () => {
    const choose = (value: unknown) =>
      contextChoice('recordsTableClass', '记录表的表类', RECORDS_TABLE_CLASSES, value);
    expect(choose(undefined)).toBe('infrequent-access');
    expect(choose('standard')).toBe('standard');
    expect(() => choose('STANDARD_INFREQUENT_ACCESS')).toThrow(
      /recordsTableClass must be one of infrequent-access, standard[\s\S]*记录表的表类只能是/,
    );
  });
});
