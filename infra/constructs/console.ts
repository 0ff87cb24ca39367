import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import {
  AssetHashType,
  Aws,
  DefaultStackSynthesizer,
  DockerImage,
  Duration,
  RemovalPolicy,
  Stack,
  Validations,
} from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { PROJECT_ROOT } from '../shared.ts';
import { nagResource } from './nag.ts';

const WEB_DIR = join(PROJECT_ROOT, 'web');

export interface ConsoleHostingProps {
  /** Where the console bucket's server access logs go. */
  accessLogs: s3.IBucket;
}

export interface ConsoleSettings {
  /** Base URL of the HTTP API. */
  apiUrl: string;
  userPool: cognito.IUserPool;
  client: cognito.IUserPoolClient;
  domain: cognito.UserPoolDomain;
}

/**
 * The console (web/): a private bucket behind CloudFront with origin access control, the built
 * app deployed into it, and `config.json` written at deployment with the API URL and the hosted
 * sign-in settings, so the same build runs against any deployment.
 *
 * Created in two steps: the distribution first (its origin is a console origin the user pool,
 * the API and the intake bucket must allow), the deployment once the API and sign-in exist.
 */
export class ConsoleHosting extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;

  constructor(scope: Construct, id: string, props: ConsoleHostingProps) {
    super(scope, id);

    // Static, public code (no customer data): S3-managed encryption, so the data key never has
    // to trust CloudFront. Objects are replaced on every deployment and rebuilt from source.
    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'console/',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Dangan console: CSP, HSTS and no framing',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          // The API, presigned S3 URLs (uploads, originals) and the hosted sign-in are on AWS domains.
          contentSecurityPolicy: [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data: blob: https://*.amazonaws.com",
            'frame-src https://*.amazonaws.com',
            "connect-src 'self' https://*.amazonaws.com https://*.amazoncognito.com",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self' https://*.amazoncognito.com",
            "frame-ancestors 'none'",
          ].join('; '),
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Dangan console',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        compress: true,
      },
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
    });

    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason:
          'Staff sign in from wherever they work; the console is static code and every request for data is authenticated by the API.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'The distribution serves only the static console; data requests go to the API, which authenticates and throttles them.',
      },
      {
        id: 'AwsSolutions-CFR3',
        reason:
          'Viewer logs of static files add nothing: every read of data is in the API access logs and the audit trail.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'The default *.cloudfront.net certificate cannot pin a TLS policy; a custom domain with TLSv1.2_2021 can be added per deployment.',
      },
    );
  }

  /** The console's origin (`https://<distribution>.cloudfront.net`). */
  get origin(): string {
    return `https://${this.distribution.distributionDomainName}`;
  }

  /**
   * Deploys the built console and its `config.json`. Hashed assets are kept for a year and never
   * pruned (a page still open may load them); `index.html` and `config.json` are revalidated on
   * every load, so a new deployment shows at once without an invalidation.
   */
  publish(settings: ConsoleSettings): void {
    const app = s3deploy.Source.asset(WEB_DIR, {
      // The hash of what was built (it includes the route table of functions/catalog.ts).
      assetHashType: AssetHashType.OUTPUT,
      exclude: ['dist', 'node_modules'],
      bundling: {
        // Not used: the console is built on the synthesizing machine with the project's Vite.
        image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22'),
        local: {
          tryBundle(outputDir: string): boolean {
            execFileSync(
              join(PROJECT_ROOT, 'node_modules', '.bin', 'vite'),
              ['build', WEB_DIR, '--outDir', outputDir, '--emptyOutDir', '--logLevel', 'warn'],
              { stdio: ['ignore', process.stderr, process.stderr] },
            );
            return true;
          },
        },
      },
    });
    const assets = new s3deploy.BucketDeployment(this, 'Assets', {
      sources: [app],
      destinationBucket: this.bucket,
      exclude: ['index.html', 'config.json'],
      prune: false,
      cacheControl: [s3deploy.CacheControl.fromString('public, max-age=31536000, immutable')],
      memoryLimit: 512,
    });
    const config = {
      apiUrl: settings.apiUrl,
      auth: {
        kind: 'cognito',
        domain: settings.domain.baseUrl(),
        clientId: settings.client.userPoolClientId,
        region: Stack.of(this).region,
        userPoolId: settings.userPool.userPoolId,
        scopes: ['openid', 'email', 'profile'],
      },
    };
    const entry = new s3deploy.BucketDeployment(this, 'Entry', {
      sources: [app, s3deploy.Source.jsonData('config.json', config)],
      destinationBucket: this.bucket,
      exclude: ['*'],
      include: ['index.html', 'config.json'],
      prune: false,
      cacheControl: [s3deploy.CacheControl.noCache()],
      memoryLimit: 512,
    });
    // index.html names the assets: they are in place before it is replaced.
    entry.node.addDependency(assets);
    acknowledgeDeploymentHandler(this, assets, this.bucket);
  }
}

/**
 * Findings on the role of the deployments' handler (a CDK-provided singleton at stack level):
 * its managed logging policy and the object wildcards of copying a whole asset.
 */
function acknowledgeDeploymentHandler(
  scope: Construct,
  deployment: s3deploy.BucketDeployment,
  bucket: s3.IBucket,
): void {
  const stack = Stack.of(scope);
  const qualifier = stack.synthesizer.bootstrapQualifier ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER;
  const assets = `arn:${Aws.PARTITION}:s3:::cdk-${qualifier}-assets-${Aws.ACCOUNT_ID}-${Aws.REGION}/*`;
  const copying =
    'The CDK deployment handler copies the built console from the CDK asset bucket into the console bucket, object by object; it runs only during deployments.';
  Validations.of(deployment.handlerRole).acknowledge(
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        'The CDK deployment handler writes its logs through AWSLambdaBasicExecutionRole; it runs only during deployments.',
    },
    ...['s3:Abort*', 's3:DeleteObject*', 's3:GetBucket*', 's3:GetObject*', 's3:List*'].map((action) => ({
      id: `AwsSolutions-IAM5[Action::${action}]`,
      reason: copying,
    })),
    { id: `AwsSolutions-IAM5[Resource::${nagResource(scope, `${bucket.bucketArn}/*`)}]`, reason: copying },
    { id: `AwsSolutions-IAM5[Resource::${nagResource(scope, assets)}]`, reason: copying },
  );
  const handler = stack.node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
  if (!handler) throw new Error('the handler of the console deployments was not found');
  Validations.of(handler.node.defaultChild ?? handler).acknowledge({
    id: 'AwsSolutions-L1',
    reason:
      'The runtime of the CDK-provided deployment handler is chosen by the CDK version in use, not by Dangan.',
  });
}
