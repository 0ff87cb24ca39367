import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  AssetHashType,
  Aws,
  DefaultStackSynthesizer,
  DockerImage,
  Duration,
  Fn,
  RemovalPolicy,
  Stack,
  Stage,
  Validations,
} from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { API_SCOPE } from '../../functions/catalog.ts';
import { type ConsoleSources, consoleContentSecurityPolicy, pathStyleBucket } from '../local/console.ts';
import { PROJECT_ROOT } from '../shared.ts';
import { guardRule, nagResource } from './nag.ts';
import { Storage } from './storage.ts';

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
  /** The buckets the console uploads to and shows from; the stack's Storage when omitted. */
  buckets?: { intake: s3.IBucket; archive: s3.IBucket };
}

/**
 * The S3 endpoint the functions presign for: regional and path-style (forcePathStyle in
 * functions/adapters/s3-client.ts), so a bucket's URLs start `https://s3.<region>.<suffix>/<bucket>/`.
 */
export const regionalS3Endpoint = (scope: Construct): string =>
  `https://s3.${Stack.of(scope).region}.${Stack.of(scope).urlSuffix}`;

/**
 * The policy CloudFront sends with every console response. It cannot name the API or the
 * buckets: their CORS rules name the distribution, so a policy naming them would close a cycle in
 * the template. It holds everything else (frame-ancestors, which only a header can carry); the
 * exact sources arrive with index.html (`consoleMetaPolicy`), and a browser enforces both.
 */
export function consoleHeaderPolicy(scope: Construct): string {
  const s3 = regionalS3Endpoint(scope);
  return [
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: ${s3}`,
    `frame-src ${s3}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * The policy index.html carries as a `<meta>` element, written at deployment: the console's whole
 * policy with the exact sources (the API's origin, the intake bucket for uploads, both buckets for
 * previews, the hosted sign-in), less frame-ancestors, which a `<meta>` policy cannot set.
 */
export function consoleMetaPolicy(sources: ConsoleSources): string {
  return consoleContentSecurityPolicy(sources)
    .split('; ')
    .filter((d) => !d.startsWith('frame-ancestors'))
    .join('; ');
}

/** index.html with the policy as its first element after the character set. */
export function withPolicyMeta(html: string, policy: string): string {
  const escaped = policy.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  const meta = `<meta http-equiv="Content-Security-Policy" content="${escaped}" />`;
  const at = /<meta charset="[^"]*"\s*\/?>/i.exec(html);
  if (!at) throw new Error('index.html has no <meta charset>: the policy could not be placed');
  const end = at.index + at[0].length;
  return `${html.slice(0, end)}\n    ${meta}${html.slice(end)}`;
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
    Validations.of(this.bucket).acknowledge(
      guardRule(
        's3_bucket_default_encryption_kms_check',
        'Static, public console code with no customer data: S3-managed keys, so CloudFront never needs the data key.',
      ),
      guardRule(
        's3_bucket_versioning_enabled_check',
        'Every deployment rewrites the console from source; an old version is rebuilt from git, not kept here.',
      ),
      guardRule(
        's3_bucket_object_lock_enabled_check',
        'The console must be replaced on every deployment; locking its files would stop an update.',
      ),
      guardRule(
        's3_event_notifications_enabled_check',
        'Nothing acts on console files arriving: they arrive only by deployment, recorded by CloudFormation.',
      ),
      guardRule(
        's3_lifecycle_policy_check',
        'The bucket holds one copy of the current console, pruned by each deployment; nothing accumulates.',
      ),
    );

    const headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Dangan console: CSP, HSTS and no framing',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: consoleHeaderPolicy(this), override: true },
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
      guardRule(
        'cloudfront_origin_failover_enabled_check',
        'One origin serves the static console; if it fails, the API and the archive are unaffected, and a redeploy rebuilds it.',
      ),
      guardRule(
        'cloudfront_access_logs_enabled_check',
        'Console requests fetch public code only; every request for data is logged by the API access log and the audit trail.',
      ),
      guardRule(
        'cloudfront_custom_ssl_certificate_check',
        "The console is served on the distribution's own cloudfront.net name and certificate; a custom domain and ACM certificate are the deployer's to add.",
      ),
      guardRule(
        'cloudfront_sni_enabled_check',
        "The distribution's own cloudfront.net certificate is served by SNI already; a custom certificate is the deployer's to add.",
      ),
      guardRule(
        'cloudfront_security_policy_check',
        "The minimum TLS version can be chosen only with a custom certificate; the default cloudfront.net certificate's policy is CloudFront's.",
      ),
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
    const built = new s3assets.Asset(this, 'App', {
      path: WEB_DIR,
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
    const app = s3deploy.Source.bucket(built.bucket, built.s3ObjectKey);
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
        scopes: ['openid', 'email', 'profile', API_SCOPE.claim],
      },
    };
    // index.html as built (the source's when bundling is skipped), with the console's policy.
    const builtIndex = readFileSync(
      join(resolve(Stage.of(this)?.outdir ?? '.', built.assetPath), 'index.html'),
      'utf8',
    );
    const index = withPolicyMeta(builtIndex, consoleMetaPolicy(this.sources(settings)));
    const entry = new s3deploy.BucketDeployment(this, 'Entry', {
      sources: [s3deploy.Source.data('index.html', index), s3deploy.Source.jsonData('config.json', config)],
      destinationBucket: this.bucket,
      prune: false,
      cacheControl: [s3deploy.CacheControl.noCache()],
      memoryLimit: 512,
    });
    // index.html names the assets: they are in place before it is replaced.
    entry.node.addDependency(assets);
    acknowledgeDeploymentHandler(this, assets, this.bucket);
    // CDK grants the deployments' handler every write on the console bucket, Object Lock's among
    // them. It needs none, and only the holds functions may place or lift a legal hold anywhere.
    assets.handlerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'NoObjectLock',
        effect: iam.Effect.DENY,
        actions: ['s3:PutObjectLegalHold', 's3:PutObjectRetention', 's3:BypassGovernanceRetention'],
        resources: ['*'],
      }),
    );
  }

  /** Where the console reaches: the API's origin, the buckets (path-style) and the sign-in. */
  private sources(settings: ConsoleSettings): ConsoleSources {
    const buckets =
      settings.buckets ?? Stack.of(this).node.children.find((c): c is Storage => c instanceof Storage);
    if (!buckets) throw new Error('the console needs the intake and archive buckets: pass settings.buckets');
    const s3 = regionalS3Endpoint(this);
    // `https://<host>/...` → `https://<host>`, for a URL known only at deployment too.
    const api = `https://${Fn.select(2, Fn.split('/', settings.apiUrl))}`;
    return {
      api: [api],
      uploads: [pathStyleBucket(s3, buckets.intake.bucketName)],
      views: [
        pathStyleBucket(s3, buckets.intake.bucketName),
        pathStyleBucket(s3, buckets.archive.bucketName),
      ],
      signIn: [settings.domain.baseUrl()],
    };
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
