/**
 * The stack with `-c malwareScanner=clamav`: ClamAV in a container-image Lambda instead of
 * GuardDuty, synthesized once for the file with the checks `npx cdk synth` runs (cdk-nag, and
 * Control Tower's Guard rules, run here over the nested templates too). The default
 * (`guardduty`) is test/infra/stack.test.ts's.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, type CfnElement, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS, type FunctionName, functionAccess } from '../../functions/catalog.ts';
import { SCAN_ATTEMPTS } from '../../functions/core/clamav.ts';
import { INTAKE_PREFIX, MALWARE_SCAN_TAG } from '../../functions/core/intake-bucket.ts';
import {
  CLAMAV_DATABASE_DIR,
  CLAMAV_DOCKERFILE,
  ClamavScanner,
  SCAN_BATCH_SIZE,
  SCAN_MAX_CONCURRENCY,
} from '../../infra/constructs/clamav-scanner.ts';
import { createDanganApp } from '../../infra/dangan-app.ts';
import type { DanganStack } from '../../infra/stack.ts';
import { acknowledgmentsOf, GUARD, guardFindings } from './guard.ts';
import {
  cdkContext,
  type Json,
  readTemplates,
  type StackTemplates,
  type Statement,
  type TemplateResource,
} from './templates.ts';

let app: App;
let stack: DanganStack;
let scanner: ClamavScanner;
let outdir: string;
let templates: StackTemplates;
let resources: Record<string, TemplateResource>;
let synthError: Error | undefined;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'dangan-clamav-'));
  ({ app, stack } = createDanganApp({
    context: { ...cdkContext, 'aws:cdk:bundling-stacks': [], malwareScanner: 'clamav' },
    outdir,
  }));
  try {
    app.synth();
  } catch (err) {
    synthError = err as Error;
  }
  templates = readTemplates(outdir, stack);
  resources = templates.merged;
  scanner = stack.malwareProtection as ClamavScanner;
}, 300_000);

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const logicalId = (c: IConstruct): string =>
  Stack.of(c).getLogicalId((c.node.defaultChild ?? c) as CfnElement);
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const props = (c: IConstruct): Json => resources[logicalId(c)]?.Properties ?? {};
const mentions = (value: unknown, id: string): boolean => JSON.stringify(value ?? null).includes(`"${id}"`);
const getAtt = (c: IConstruct) => ({ 'Fn::GetAtt': [logicalId(c), 'Arn'] });
/** The Allow statements of the policies attached to a role. */
const roleStatements = (role: IConstruct): Statement[] =>
  ofType('AWS::IAM::Policy')
    .filter(([, r]) => list(r.Properties?.Roles as unknown[]).some((ref) => mentions(ref, logicalId(role))))
    .flatMap(([, r]) =>
      list((r.Properties?.PolicyDocument as { Statement?: Statement[] } | undefined)?.Statement),
    );
/** Each action granted, with what it is granted on (JSON of the resource), sorted. */
const grants = (role: IConstruct): string[] =>
  roleStatements(role)
    .filter((s) => s.Effect === 'Allow')
    .flatMap((s) => list(s.Action).flatMap((a) => list(s.Resource).map((r) => `${a} ${JSON.stringify(r)}`)))
    .sort();
const intakePolicy = (): Statement[] =>
  ofType('AWS::S3::BucketPolicy')
    .filter(([, r]) => mentions(r.Properties?.Bucket, logicalId(stack.storage.intake)))
    .flatMap(([, r]) =>
      list((r.Properties?.PolicyDocument as { Statement?: Statement[] } | undefined)?.Statement),
    );

describe('malwareScanner=clamav', () => {
  it('has no GuardDuty plan; the scanner lives in a nested stack and every template keeps its room', () => {
    expect(scanner).toBeInstanceOf(ClamavScanner);
    expect(ofType('AWS::GuardDuty::MalwareProtectionPlan')).toEqual([]);
    expect(templates.counts.MalwareScannerStack).toBeGreaterThan(0);
    for (const [name, count] of Object.entries(templates.counts)) {
      expect(count, `${name} holds ${count} resources`).toBeLessThanOrEqual(300);
    }
  });

  it('runs the scanner and the updater from one ClamAV image, built from the Dockerfile at deploy', () => {
    const scan = props(scanner.scanner);
    const update = props(scanner.updater);
    expect(scan).toMatchObject({
      PackageType: 'Image',
      Architectures: ['arm64'],
      ImageConfig: { Command: ['malware-scan.handler'] },
      Environment: {
        Variables: {
          CLAMAV_DEFINITIONS_DIR: CLAMAV_DATABASE_DIR,
          CLAMAV_SCAN_COMMAND: '/opt/dangan-clamav/bin/scan',
          CLAMAV_START_COMMAND: '/opt/dangan-clamav/bin/start',
          MALWARE_SCAN_TAG,
        },
      },
    });
    expect(update).toMatchObject({
      PackageType: 'Image',
      ImageConfig: { Command: ['definitions-update.handler'] },
    });
    expect(JSON.stringify(scan.Code)).toEqual(JSON.stringify(update.Code));
    // Synthesis copies only what the image build reads; Docker runs at deploy, never here.
    const assets = readdirSync(outdir).filter((n) => n.startsWith('asset.'));
    const image = assets.map((n) => join(outdir, n)).find((dir) => existsSync(join(dir, CLAMAV_DOCKERFILE)));
    expect(image).toBeDefined();
    expect(readdirSync(image as string).sort()).toEqual([
      'functions',
      'infra',
      'package-lock.json',
      'package.json',
    ]);
    expect(readdirSync(join(image as string, 'infra'))).toEqual(['scanner']);
    // clamd and freshclam read the databases where the handler puts them.
    for (const conf of ['clamd.conf', 'freshclam.conf']) {
      const text = readFileSync(join(image as string, 'infra', 'scanner', conf), 'utf8');
      expect(text).toContain(`DatabaseDirectory ${CLAMAV_DATABASE_DIR}\n`);
    }
  });

  it('queues the intake bucket’s new uploads and scans them in batches, retrying into a dead-letter queue', () => {
    const rule = props(scanner.rule);
    expect(rule.EventPattern).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: {
        bucket: { name: [{ Ref: logicalId(stack.storage.intake) }] },
        object: { key: [{ prefix: INTAKE_PREFIX }] },
      },
    });
    expect(list(rule.Targets as Json[]).map((t) => t.Arn)).toEqual([getAtt(scanner.queue)]);
    const mappings = ofType('AWS::Lambda::EventSourceMapping').filter(([, r]) =>
      mentions(r.Properties?.FunctionName, logicalId(scanner.scanner)),
    );
    expect(mappings).toHaveLength(1);
    expect(mappings[0]?.[1].Properties).toMatchObject({
      EventSourceArn: getAtt(scanner.queue),
      BatchSize: SCAN_BATCH_SIZE,
      MaximumBatchingWindowInSeconds: 20,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: SCAN_MAX_CONCURRENCY },
    });
    expect(props(scanner.queue).RedrivePolicy).toEqual({
      deadLetterTargetArn: getAtt(scanner.deadLetters),
      maxReceiveCount: SCAN_ATTEMPTS + 1,
    });
    const timeout = props(scanner.scanner).Timeout as number;
    expect(props(scanner.queue).VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
  });

  it('lets the scanner read and tag uploads and read the databases, and nothing else', () => {
    const uploads = { 'Fn::Join': ['', [getAtt(stack.storage.intake), `/${INTAKE_PREFIX}*`]] };
    const definitions = getAtt(scanner.definitions);
    const definitionObjects = { 'Fn::Join': ['', [definitions, '/*']] };
    const on = (actions: string[], resource: unknown) =>
      actions.map((a) => `${a} ${JSON.stringify(resource)}`);
    const queueActions = [
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:ReceiveMessage',
    ];
    const logGroup = (id: string) => getAtt(scanner.node.findChild(id));
    expect(grants(scanner.role)).toEqual(
      [
        ...on(
          [
            's3:GetObject',
            's3:GetObjectVersion',
            's3:GetObjectTagging',
            's3:GetObjectVersionTagging',
            's3:PutObjectTagging',
            's3:PutObjectVersionTagging',
          ],
          uploads,
        ),
        ...on(['s3:ListBucket', 's3:GetObject'], definitions),
        ...on(['s3:ListBucket', 's3:GetObject'], definitionObjects),
        ...on(['kms:Decrypt'], getAtt(stack.storage.key)),
        ...on(queueActions, getAtt(scanner.queue)),
        ...on(['logs:CreateLogStream', 'logs:PutLogEvents'], logGroup('ScannerLogs')),
      ].sort(),
    );
    expect(grants(scanner.updaterRole)).toEqual(
      [
        ...on(['s3:ListBucket', 's3:GetObject', 's3:PutObject', 's3:DeleteObject'], definitions),
        ...on(['s3:ListBucket', 's3:GetObject', 's3:PutObject', 's3:DeleteObject'], definitionObjects),
        ...on(['kms:Decrypt', 'kms:GenerateDataKey'], getAtt(stack.storage.key)),
        ...on(['logs:CreateLogStream', 'logs:PutLogEvents'], logGroup('UpdaterLogs')),
      ].sort(),
    );
  });

  it('reserves the scan tag to the scanner, and reading uploads to it and the intake functions', () => {
    const statements = intakePolicy();
    const tagging = statements.find((s) => s.Sid === 'OnlyTheScannerTagsUploads');
    expect(tagging?.Effect).toBe('Deny');
    expect(list(tagging?.Action)).toEqual(
      expect.arrayContaining(['s3:PutObjectTagging', 's3:PutObjectVersionTagging', 's3:DeleteObjectTagging']),
    );
    expect(tagging?.Condition).toEqual({ ArnNotEquals: { 'aws:PrincipalArn': getAtt(scanner.role) } });
    expect(statements.find((s) => s.Sid === 'OnlyGuardDutyTagsUploads')).toBeUndefined();
    const readers = (Object.keys(FUNCTIONS) as FunctionName[]).filter((n) =>
      ['read', 'preview', 'readwrite'].includes(functionAccess(n).intake ?? ''),
    );
    const reads = statements.find((s) => s.Sid === 'OnlyIntakeFunctionsReadScans');
    expect(
      list((reads?.Condition?.ArnNotEquals as Json | undefined)?.['aws:PrincipalArn'] as unknown[]),
    ).toEqual([getAtt(scanner.role), ...readers.map((n) => getAtt(stack.functions.roles[n]))]);
  });

  it('updates the databases on a schedule and alarms when they are stale or an upload is never settled', () => {
    const schedules = ofType('AWS::Events::Rule').filter(([, r]) =>
      list(r.Properties?.Targets as Json[]).some((t) => mentions(t.Arn, logicalId(scanner.updater))),
    );
    expect(schedules.map(([, r]) => r.Properties?.ScheduleExpression)).toEqual(['rate(4 hours)']);
    const alarms = Object.fromEntries(
      scanner.alarms.map((a) => [a.node.id, resources[logicalId(a)]?.Properties as Json]),
    );
    expect(alarms.ClamavDefinitionsStale).toMatchObject({
      MetricName: 'ClamavDefinitionsAgeHours',
      Threshold: 48,
      TreatMissingData: 'breaching',
    });
    expect(alarms.ClamavUnscannedUploads).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(scanner.deadLetters), 'QueueName'] } },
      ],
    });
    for (const alarm of Object.values(alarms)) {
      expect(alarm.AlarmActions).toEqual([{ Ref: logicalId(stack.monitoring.topic) }]);
    } // The deployer runs the updater once after the first deploy: the output names it.
    expect(templates.outputs.ClamavUpdaterFunctionName).toMatchObject({
      Value: { Ref: logicalId(scanner.updater) },
    });
  });

  it('passes the AWS Solutions checks', () => {
    expect(synthError?.message).toBeUndefined();
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { conclusion: string }[];
    };
    expect(report.pluginReports.filter((r) => r.conclusion !== 'success')).toEqual([]);
  });

  it('passes the Control Tower controls in every template, acknowledging only findings that exist', () => {
    const findings = guardFindings(outdir, stack);
    const acks = acknowledgmentsOf(app)
      .filter((a) => a.id.startsWith(GUARD))
      .map((a) => ({ rule: a.id.slice(GUARD.length), ids: cfnIdsUnder(a.path), path: a.path }));
    const acknowledged = new Set(acks.flatMap((a) => a.ids.map((id) => `${a.rule} ${id}`)));
    expect(findings.filter((f) => !acknowledged.has(`${f.rule} ${f.logicalId}`))).toEqual([]);
    const found = new Set(findings.map((f) => `${f.rule} ${f.logicalId}`));
    for (const ack of acks.filter((a) => a.path.includes('/ClamavScanner/'))) {
      expect(
        ack.ids.some((id) => found.has(`${ack.rule} ${id}`)),
        `${ack.path} ${ack.rule}`,
      ).toBe(true);
    }
  }, 180_000);
});

describe('malwareScanner context value', () => {
  it('refuses a scanner it does not know, naming the ones it does', () => {
    expect(() => createDanganApp({ context: { ...cdkContext, malwareScanner: 'clamscan' } })).toThrow(
      'malwareScanner must be one of guardduty, clamav (got "clamscan")',
    );
  });
});

/** The logical ids of the CloudFormation resources at or below a construct path. */
function cfnIdsUnder(path: string): string[] {
  const root = app.node.findAll().find((c) => c.node.path === path);
  if (!root) throw new Error(`no construct ${path}`);
  return root.node
    .findAll()
    .filter((c): c is CfnElement => (c as CfnElement).logicalId !== undefined && 'cfnResourceType' in c)
    .map((c) => Stack.of(c).getLogicalId(c));
}
