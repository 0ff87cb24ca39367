import { Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import { LambdaDestination } from 'aws-cdk-lib/aws-logs-destinations';
import { Construct } from 'constructs';
import {
  ACCESS_LOG_SUBSCRIBER,
  FUNCTIONS,
  type FunctionName,
  functionAccess,
  TABLE_STREAMS,
} from '../../functions/catalog.ts';
import { archiveObjectKey } from '../../functions/core/documents.ts';
import { AUDIT_DENIED_ACTIONS } from './functions.ts';
import type { Storage } from './storage.ts';

export interface AuditTrailProps {
  storage: Storage;
  functions: Record<FunctionName, lambda.IFunction>;
  roles: Record<FunctionName, iam.Role>;
  /** The API's access log group, which records refused requests. */
  accessLogs: logs.ILogGroup;
}

/**
 * What keeps the trail whole and the originals private, derived from the catalog:
 *
 * - the table streams of TABLE_STREAMS feed their functions (the audit copy under Object Lock,
 *   document versions), retried and split on failure;
 * - the API's refused requests (401, 403) reach ACCESS_LOG_SUBSCRIBER through a subscription on
 *   the access log;
 * - the audit table's own policy denies every principal the ways of changing or removing items,
 *   on top of the deny in every function role;
 * - the archive bucket's policy denies reading originals to every principal but the roles of the
 *   functions whose catalog access reads them (`presign`, `readwrite`): the system administrator
 *   included (三员分立).
 */
export class AuditTrail extends Construct {
  constructor(scope: Construct, id: string, props: AuditTrailProps) {
    super(scope, id);
    const { storage } = props;

    for (const s of TABLE_STREAMS) {
      const table: dynamodb.ITable = storage.tables[s.table];
      props.functions[s.function].addEventSource(
        new DynamoEventSource(table, {
          startingPosition: lambda.StartingPosition.TRIM_HORIZON,
          batchSize: 100,
          bisectBatchOnError: s.bisectOnError ?? true,
          retryAttempts: 20,
          reportBatchItemFailures: false,
          ...(s.keys
            ? {
                filters: s.keys.map((k) =>
                  lambda.FilterCriteria.filter({
                    dynamodb: {
                      Keys: {
                        pk: { S: lambda.FilterRule.beginsWith(k.pkPrefix) },
                        sk: { S: lambda.FilterRule.isEqual(k.sk) },
                      },
                    },
                  }),
                ),
              }
            : {}),
        }),
      );
    }

    new logs.SubscriptionFilter(this, 'RefusedRequests', {
      logGroup: props.accessLogs,
      destination: new LambdaDestination(props.functions[ACCESS_LOG_SUBSCRIBER]),
      filterPattern: logs.FilterPattern.any(
        logs.FilterPattern.stringValue('$.status', '=', '401'),
        logs.FilterPattern.stringValue('$.status', '=', '403'),
      ),
    });

    const audit = storage.tables.Audit.node.defaultChild as dynamodb.CfnTable;
    audit.resourcePolicy = {
      policyDocument: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            sid: 'AuditIsAppendOnly',
            effect: iam.Effect.DENY,
            principals: [new iam.AnyPrincipal()],
            actions: AUDIT_DENIED_ACTIONS,
            resources: ['*'],
          }),
        ],
      }).toJSON(),
    };

    const readers = (Object.keys(FUNCTIONS) as FunctionName[]).filter((n) => {
      const access = functionAccess(n);
      const a = access.archive;
      // The retention sweep re-hashes originals (fixity); disposal reads the lock of each version;
      // a handover package copies them (archive `read`).
      const disposal = access.disposal?.some((d) => d === 'verify' || d === 'destroy') ?? false;
      return a === 'presign' || a === 'readwrite' || a === 'read' || disposal;
    });
    storage.archive.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyContentFunctionsReadOriginals',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [storage.archive.arnForObjects(archiveObjectKey('*'))],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': readers.map((n) => props.roles[n].roleArn) } },
      }),
    );
    for (const s of TABLE_STREAMS) {
      Validations.of(props.roles[s.function]).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'dynamodb:ListStreams, granted with stream reads, supports no resource-level permission.',
      });
    }
  }
}
