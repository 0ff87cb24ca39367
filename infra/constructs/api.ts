import { Duration, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { API_SCOPE, type FunctionName, ROUTES, routeThrottle, THROTTLES } from '../../functions/catalog.ts';
import { pascal } from './functions.ts';
import { guardRule } from './nag.ts';

export interface ApiProps {
  functions: Record<FunctionName, lambda.IFunction>;
  userPool: cognito.IUserPool;
  client: cognito.IUserPoolClient;
  consoleOrigins: readonly string[];
  logRetention: logs.RetentionDays;
  /** The key the access log is encrypted with. */
  logKey: kms.IKey;
}

/**
 * The HTTP API: one route per entry of ROUTES in functions/catalog.ts, each integrated with its
 * function. Every route but the `public` ones requires a valid access token of the user pool,
 * issued to the console client and carrying `API_SCOPE` (ID tokens carry no scope and are
 * refused with 403); the handlers then authorise on the token's groups.
 */
export class Api extends Construct {
  readonly httpApi: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly authorizer: HttpUserPoolAuthorizer;
  readonly routes: apigw.HttpRoute[] = [];
  /** The access log: one JSON line per request, refused ones included. */
  readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);

    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      description: 'Dangan API v1',
      // The stage below is created explicitly to configure access logs and throttling.
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: [...props.consoleOrigins],
        allowMethods: [
          apigw.CorsHttpMethod.GET,
          apigw.CorsHttpMethod.POST,
          apigw.CorsHttpMethod.PUT,
          apigw.CorsHttpMethod.PATCH,
          apigw.CorsHttpMethod.DELETE,
          apigw.CorsHttpMethod.OPTIONS,
        ],
        allowHeaders: ['authorization', 'content-type', 'if-match'],
        exposeHeaders: ['etag', 'location'],
        maxAge: Duration.hours(1),
      },
    });

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      encryptionKey: props.logKey,
    });
    Validations.of(accessLogs).acknowledge(
      guardRule(
        'cloudwatch_log_group_encrypted_check',
        "Encrypted with the stack's key, which the parent stack passes in as a parameter; Guard's rule accepts only a literal or a key in the same template.",
      ),
    );
    this.accessLogs = accessLogs;
    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      // Every route has its own limit below (functions/catalog/throttles.ts); the default is the
      // smallest, for a route that would somehow lack one.
      throttle: THROTTLES.public,
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            // Milliseconds: the time the refused request's audit event carries, whoever writes it.
            requestTimeEpoch: '$context.requestTimeEpoch',
            ip: '$context.identity.sourceIp',
            userAgent: '$context.identity.userAgent',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latency: '$context.responseLatency',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
            sub: '$context.authorizer.claims.sub',
            username: '$context.authorizer.claims.username',
          }),
        ),
      },
    });

    this.authorizer = new HttpUserPoolAuthorizer('UserPoolAuthorizer', props.userPool, {
      userPoolClients: [props.client],
    });

    for (const route of ROUTES) {
      const isPublic = route.roles === 'public';
      const [added] = this.httpApi.addRoutes({
        path: route.path,
        methods: [apigw.HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(
          `${pascal(route.function)}${route.method}`,
          props.functions[route.function],
        ),
        authorizer: isPublic ? new apigw.HttpNoneAuthorizer() : this.authorizer,
        ...(isPublic ? {} : { authorizationScopes: [API_SCOPE.claim] }),
      });
      if (!added) throw new Error(`route ${route.method} ${route.path} was not added`);
      Validations.of(added).acknowledge(
        guardRule(
          'lambda_function_public_access_prohibited_check',
          "The invoke permission is for API Gateway with SourceArn naming this API's routes, built with Fn::Join from the API's id, which Guard's rule cannot read as a string or a local reference.",
        ),
      );
      if (isPublic) {
        const reason = `${route.method} ${route.path} is public by design in functions/catalog.ts (liveness for load balancers and the console); it returns no customer data.`;
        Validations.of(added).acknowledge(
          { id: 'AwsSolutions-APIG4', reason },
          guardRule('api_gw_v2_authorization_type_configured_check', reason),
        );
      }
      this.routes.push(added);
    }

    // Per-route limits, keyed by route key. API Gateway refuses route settings for a route that
    // does not exist yet, so the stage waits for the routes.
    const stage = this.stage.node.defaultChild as apigw.CfnStage;
    stage.routeSettings = Object.fromEntries(
      ROUTES.map((route) => {
        const { rateLimit, burstLimit } = routeThrottle(route);
        return [
          `${route.method} ${route.path}`,
          { ThrottlingRateLimit: rateLimit, ThrottlingBurstLimit: burstLimit },
        ];
      }),
    );
    for (const route of this.routes) stage.node.addDependency(route);
  }

  /** The API's base URL. */
  get url(): string {
    return this.stage.url;
  }
}
