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

const id = (c: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(c.node.defaultChild as Parameters<Stack['getLogicalId']>[0]);

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'dangan-console-synth-'));
  const app = new App({ outdir });
  stack = new Stack(app, 'ConsoleOnly');
  const accessLogs = new s3.Bucket(stack, 'AccessLogs');
  const userPool = new cognito.UserPool(stack, 'Pool');
  client = userPool.addClient('Client');
  const domain = userPool.addDomain('Domain', { cognitoDomain: { domainPrefix: 'dangan-test' } });
  hosting = new ConsoleHosting(stack, 'Console', { accessLogs });
  hosting.publish({ apiUrl: 'https://api.example.test/', userPool, client, domain });
  app.synth();
  template = Template.fromStack(stack);
}, 120_000);

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
          ContentSecurityPolicy: {
            ContentSecurityPolicy: Match.stringLikeRegexp("default-src 'self'.*frame-ancestors 'none'"),
            Override: true,
          },
          StrictTransportSecurity: Match.objectLike({ AccessControlMaxAgeSec: 63072000 }),
          FrameOptions: { FrameOption: 'DENY', Override: true },
        }),
      }),
    });
  });

  it('deploys the hashed assets for good and index.html with config.json revalidated', () => {
    const deployments = Object.values(template.findResources('Custom::CDKBucketDeployment')).map(
      (r) => (r as { Properties: Json }).Properties,
    );
    expect(deployments).toHaveLength(2);
    const assets = deployments.find((d) => JSON.stringify(d.Exclude).includes('index.html')) as Json;
    const entry = deployments.find((d) => JSON.stringify(d.Include ?? []).includes('index.html')) as Json;
    expect(assets.Prune).toBe(false);
    expect(assets.SystemMetadata).toEqual({ 'cache-control': 'public, max-age=31536000, immutable' });
    expect(entry.Prune).toBe(false);
    expect(entry.Include).toEqual(['index.html', 'config.json']);
    expect(entry.SystemMetadata).toEqual({ 'cache-control': 'no-cache' });
    // config.json is written at deployment with the API URL and the hosted sign-in settings.
    const markers = JSON.stringify(entry.SourceMarkers);
    expect(markers).toContain(id(client));
    expect(JSON.stringify(entry)).toContain(id(hosting.bucket));
  });

  it('builds the console into its asset when synthesizing', () => {
    const assetDirs = readdirSync(outdir).filter((f) => f.startsWith('asset.'));
    const built = assetDirs.filter((d) => existsSync(join(outdir, d, 'index.html')));
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
