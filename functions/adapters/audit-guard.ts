import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ENV } from '../catalog/environment.ts';

/**
 * The data layer's own refusal to rewrite the audit trail, in front of IAM's (which can deny
 * UpdateItem and DeleteItem but cannot require PutItem's condition): every command the DynamoDB
 * client sends is looked at before it leaves, and one that would change or delete an audit item,
 * or put one without `attribute_not_exists(pk)`, fails with `AuditIsAppendOnly`.
 */
export class AuditIsAppendOnly extends Error {
  constructor(what: string) {
    super(`the audit trail is append-only: ${what} refused`);
    this.name = 'AuditIsAppendOnly';
  }
}

interface Put {
  TableName?: string;
  ConditionExpression?: string;
}

const appends = (p: Put) => /attribute_not_exists\(\s*pk\s*\)/.test(p.ConditionExpression ?? '');

/** Throws when the command `name` with `input` would change or remove audit items. */
export function checkAuditWrite(name: string, input: Record<string, unknown>, auditTable: string): void {
  const on = (t: unknown) => t === auditTable;
  switch (name) {
    case 'UpdateItemCommand':
    case 'DeleteItemCommand':
    case 'UpdateTimeToLiveCommand':
    case 'DeleteTableCommand':
    case 'UpdateTableCommand':
      if (on(input.TableName)) throw new AuditIsAppendOnly(name.replace(/Command$/, ''));
      return;
    case 'PutItemCommand':
      if (on(input.TableName) && !appends(input as Put)) {
        throw new AuditIsAppendOnly('PutItem without attribute_not_exists(pk)');
      }
      return;
    case 'BatchWriteItemCommand':
      if (Object.keys((input.RequestItems as object) ?? {}).some(on)) {
        throw new AuditIsAppendOnly('BatchWriteItem');
      }
      return;
    case 'TransactWriteItemsCommand':
      for (const item of (input.TransactItems as Record<string, Put>[]) ?? []) {
        if (on(item.Update?.TableName) || on(item.Delete?.TableName)) {
          throw new AuditIsAppendOnly('TransactWriteItems Update or Delete');
        }
        if (item.Put && on(item.Put.TableName) && !appends(item.Put)) {
          throw new AuditIsAppendOnly('TransactWriteItems Put without attribute_not_exists(pk)');
        }
      }
      return;
    case 'ExecuteStatementCommand':
    case 'BatchExecuteStatementCommand':
    case 'ExecuteTransactionCommand': {
      const statements = JSON.stringify(input);
      if (statements.includes(auditTable) && /\b(UPDATE|DELETE|INSERT)\b/i.test(statements)) {
        throw new AuditIsAppendOnly('PartiQL write');
      }
      return;
    }
  }
}

/** Installs the check on a DynamoDB client (the document client sends through it too). */
export function guardAuditTrail(client: DynamoDBClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const table = process.env[ENV.auditTable];
      if (table) checkAuditWrite(context.commandName ?? '', args.input as Record<string, unknown>, table);
      return next(args);
    },
    { step: 'initialize', name: 'danganAuditAppendOnly', priority: 'high' },
  );
}
