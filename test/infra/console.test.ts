/**
 * The console's hosting: a private bucket reachable only through CloudFront (origin access
 * control), security headers, and deployments that put the built app and a generated
 * `config.json` (API URL, hosted sign-in) in place. A small stack holds just the construct and
 * what it is given; the whole stack's cdk-nag run is in stack.test.ts. This synthesis builds the
 * console for real, as `npx cdk synth` does.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleHosting } from '../../infra/constructs/console.ts';

type Json = Record<string, unknown>;

let outdir: string;
let stack: Stack;
let hosting: ConsoleHosting;
let template: Template;
let client: cognito.UserPoolClient;
let intake: s3.Bucket;
let archive: s3.Bucket;
let domain: cognito.UserPoolDomain;

/** A template value as text: `Fn::Join` joined, `Ref` and `Fn::GetAtt` as `<name>`. */
function flat(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Json;
  if (v.Ref !== undefined) return `<${String(v.Ref)}>`;
  if (v['Fn::GetAtt'] !== undefined) return `<${(v['Fn::GetAtt'] as string[]).join('.')}>`;
  if (v['Fn::Join'] !== undefined) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map(flat).join(sep);
  }
  if (v['Fn::Select'] !== undefined) {
    const [i, list] = v['Fn::Select'] as [number, unknown];
    return `<select ${i} of ${flat(list)}>`;
  }
  if (v['Fn::Split'] !== undefined) {
    const [sep, source] = v['Fn::Split'] as [string, unknown];
    return `<split '${sep}' of ${flat(source)}>`;
  }
  return JSON.stringify(value);
}

/** Hosts named in a policy (sources other than keywords and schemes). */
const hostsOf = (policy: string): string[] =>
  policy
    .split(';')
    .flatMap((d) => d.trim().split(/\s+/).slice(1))
    .filter((src) => !src.startsWith("'") && !/^[a-z]+:$/.test(src));

const id = (c: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(c.node.defaultChild as Parameters<Stack['getLogicalId']>[0]);

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'dangan-console-synth-'));
  const app = new App({ outdir });
  stack = new Stack(app, 'ConsoleOnly');
  const accessLogs = new s3.Bucket(stack, 'AccessLogs');
  const userPool = new cognito.UserPool(stack, 'Pool');
  client = userPool.addClient('Client');
  domain = userPool.addDomain('Domain', { cognitoDomain: { domainPrefix: 'dangan-test' } });
  intake = new s3.Bucket(stack, 'Intake');
  archive = new s3.Bucket(stack, 'Archive');
  hosting = new ConsoleHosting(stack, 'Console', { accessLogs });
  hosting.publish({
    apiUrl: 'https://api.example.test/',
    userPool,
    client,
    domain,
    buckets: { intake, archive },
  });
  app.synth();
  template = Template.fromStack(stack);
}, 120_000);

/** The index.html the Entry deployment writes, its deploy-time values shown as `<name>`. */
function deployedIndex(): string {
  const entry = Object.values(template.findResources('Custom::CDKBucketDeployment'))
    .map((r) => (r as { Properties: Json }).Properties)
    .find((d) => d.Exclude === undefined) as Json;
  // One marker map per source, numbered per source: index.html is the first.
  const markers = (entry.SourceMarkers as Json[])[0] as Json;
  const file = readdirSync(outdir)
    .filter((f) => f.startsWith('asset.'))
    .map((d) => join(outdir, d, 'index.html'))
    .find((f) => existsSync(f) && readFileSync(f, 'utf8').includes('Content-Security-Policy'));
  expect(file).toBeDefined();
  let html = readFileSync(file as string, 'utf8');
  for (const [marker, value] of Object.entries(markers)) html = html.split(marker).join(flat(value));
  return html;
}

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

describe('console hosting', () => {
  it('keeps the bucket private: public access blocked, TLS only, logged, encrypted', () => {
    const bucket = template.toJSON().Resources[id(hosting.bucket)] as { Properties: Json };
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
    expect(bucket.Properties.LoggingConfiguration).toMatchObject({ LogFilePrefix: 'console/' });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: id(hosting.bucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('lets only its own CloudFront distribution read the bucket, through origin access control', () => {
    const policy = Object.values(template.findResources('AWS::S3::BucketPolicy')).find(
      (r) =>
        JSON.stringify((r as { Properties: Json }).Properties.Bucket) ===
        JSON.stringify({ Ref: id(hosting.bucket) }),
    ) as { Properties: { PolicyDocument: { Statement: Json[] } } };
    const allows = policy.Properties.PolicyDocument.Statement.filter((s) => s.Effect === 'Allow');
    expect(allows).toHaveLength(1);
    expect(allows[0]).toMatchObject({
      Action: 's3:GetObject',
      Principal: { Service: 'cloudfront.amazonaws.com' },
      Condition: { StringEquals: { 'AWS:SourceArn': expect.anything() } },
    });
    expect(JSON.stringify(allows[0]?.Condition)).toContain(id(hosting.distribution));
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }),
        Origins: [Match.objectLike({ OriginAccessControlId: Match.anyValue() })],
      }),
    });
  });

  it('sends a content security policy, HSTS and no-framing with every response', () => {
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: Match.objectLike({
          ContentSecurityPolicy: { ContentSecurityPolicy: Match.anyValue(), Override: true },
          StrictTransportSecurity: {
            AccessControlMaxAgeSec: 63072000,
            IncludeSubdomains: true,
            Override: true,
          },
          ContentTypeOptions: { Override: true },
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
        }),
      }),
    });
    const [policy] = Object.values(template.findResources('AWS::CloudFront::ResponseHeadersPolicy')).map(
      (r) =>
        flat(
          (r as { Properties: { ResponseHeadersPolicyConfig: { SecurityHeadersConfig: Json } } }).Properties
            .ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy as Json,
        ),
    );
    const csp = flat((JSON.parse(policy as string) as Json).ContentSecurityPolicy);
    expect(csp.split('; ')).toEqual([
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data: https://s3.<AWS::Region>.<AWS::URLSuffix>",
      'frame-src https://s3.<AWS::Region>.<AWS::URLSuffix>',
      "object-src 'none'",
      "base-uri 'self'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ]);
    for (const host of hostsOf(csp)) expect(host, csp).not.toContain('*');
  });

  it('deploys the hashed assets for good and index.html with config.json revalidated', () => {
    const deployments = Object.values(template.findResources('Custom::CDKBucketDeployment')).map(
      (r) => (r as { Properties: Json }).Properties,
    );
    expect(deployments).toHaveLength(2);
    const assets = deployments.find((d) => JSON.stringify(d.Exclude).includes('index.html')) as Json;
    const entry = deployments.find((d) => d !== assets) as Json;
    expect(assets.Prune).toBe(false);
    expect(assets.Exclude).toEqual(['index.html', 'config.json']);
    expect(assets.SystemMetadata).toEqual({ 'cache-control': 'public, max-age=31536000, immutable' });
    expect(entry.Prune).toBe(false);
    expect(entry.SystemMetadata).toEqual({ 'cache-control': 'no-cache' });
    // config.json is written at deployment with the API URL and the hosted sign-in settings.
    const markers = JSON.stringify(entry.SourceMarkers);
    expect(markers).toContain(id(client));
    expect(JSON.stringify(entry)).toContain(id(hosting.bucket));
  });

  it('puts the exact policy in index.html: the API, the buckets by name, the sign-in, no wildcard', () => {
    const html = deployedIndex();
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)" \/>/.exec(html)?.[1];
    expect(meta, html).toBeDefined();
    // Before anything is loaded: right after the character set.
    expect(html.indexOf('Content-Security-Policy')).toBeLessThan(html.indexOf('<script'));
    const csp = (meta as string).replace(/&amp;/g, '&');
    const directive = (name: string) =>
      csp
        .split('; ')
        .find((d) => d.startsWith(`${name} `))
        ?.split(' ')
        .slice(1);
    const s3 = 'https://s3.<AWS::Region>.<AWS::URLSuffix>';
    const intakeSource = `${s3}/<${id(intake)}>/`;
    const archiveSource = `${s3}/<${id(archive)}>/`;
    expect(directive('default-src')).toEqual(["'self'"]);
    expect(directive('script-src')).toEqual(["'self'"]);
    expect(directive('style-src')).toEqual(["'self'"]);
    expect(directive('connect-src')).toEqual([
      "'self'",
      'https://api.example.test',
      intakeSource,
      `https://<${id(domain)}>.auth.<AWS::Region>.amazoncognito.com`,
    ]);
    expect(directive('img-src')).toEqual(["'self'", 'data:', intakeSource, archiveSource]);
    expect(directive('frame-src')).toEqual([intakeSource, archiveSource]);
    expect(directive('object-src')).toEqual(["'none'"]);
    expect(directive('base-uri')).toEqual(["'self'"]);
    expect(directive('form-action')).toEqual(["'self'"]);
    // A <meta> policy cannot set frame-ancestors: the header does.
    expect(directive('frame-ancestors')).toBeUndefined();
    for (const host of hostsOf(csp)) expect(host, csp).not.toContain('*');
  });

  it('builds the console into its asset when synthesizing', () => {
    const assetDirs = readdirSync(outdir).filter((f) => f.startsWith('asset.'));
    const built = assetDirs.filter((d) => existsSync(join(outdir, d, 'assets')));
    expect(built.length).toBeGreaterThan(0);
    const dir = join(outdir, built[0] as string);
    const index = readFileSync(join(dir, 'index.html'), 'utf8');
    const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(index)?.[1];
    expect(script).toBeDefined();
    expect(existsSync(join(dir, script as string))).toBe(true);
    // No config.json in the build: the deployment writes the deployment's own.
    expect(existsSync(join(dir, 'config.json'))).toBe(false);
  });
});
