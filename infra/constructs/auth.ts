import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { API_SCOPE } from '../../functions/catalog.ts';
import { ROLES } from '../../functions/core/roles.ts';

export interface AuthProps {
  /** Console origins: the OAuth callback and sign-out URLs. */
  consoleOrigins: readonly string[];
  /** Prefix of the hosted sign-in domain (`<prefix>.auth.<region>.amazoncognito.com`). */
  domainPrefix?: string;
}

/**
 * Staff identities. Accounts are created by the security administrator (no self sign-up); every
 * role of functions/core/roles.ts is a group, and the groups arrive in the access token's
 * `cognito:groups` claim, which the API's handlers authorise on. The console asks for the
 * resource server's scope (`API_SCOPE`), which every authenticated route requires: only access
 * tokens carry it, so an ID token is refused at the gateway.
 */
export class Auth extends Construct {
  readonly userPool: cognito.UserPool;
  readonly consoleClient: cognito.UserPoolClient;
  readonly domain: cognito.UserPoolDomain;
  readonly groups: Record<string, cognito.UserPoolGroup>;

  constructor(scope: Construct, id: string, props: AuthProps) {
    super(scope, id);

    this.userPool = new cognito.UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      signInCaseSensitive: false,
      standardAttributes: { email: { required: true, mutable: true } },
      autoVerify: { email: true },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      // Staff read identity documents and bank details: a second factor for everyone, by
      // authenticator app (no SMS, which can be intercepted).
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      // Threat protection blocks sign-ins from compromised credentials and risky contexts.
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.groups = {};
    for (const [i, role] of ROLES.entries()) {
      this.groups[role] = new cognito.UserPoolGroup(this, `Group-${role}`, {
        userPool: this.userPool,
        groupName: role,
        description: `Dangan role ${role}`,
        precedence: i,
      });
    }

    const api = new cognito.ResourceServerScope({
      scopeName: API_SCOPE.name,
      scopeDescription: 'Call the Dangan API (what the caller may do is decided by their groups)',
    });
    const resourceServer = this.userPool.addResourceServer('ApiResourceServer', {
      identifier: API_SCOPE.resourceServer,
      userPoolResourceServerName: 'Dangan API',
      scopes: [api],
    });

    const urls = props.consoleOrigins.map((origin) => `${origin.replace(/\/$/, '')}/`);
    // A public client (a browser cannot keep a secret) using the authorization code flow with
    // PKCE through the hosted sign-in; no password flows, so MFA and threat protection always apply.
    this.consoleClient = this.userPool.addClient('ConsoleClient', {
      generateSecret: false,
      authFlows: {
        userSrp: false,
        userPassword: false,
        adminUserPassword: false,
        custom: false,
        user: false,
      },
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
        scopes: [
          cognito.OAuthScope.OPENID,
          cognito.OAuthScope.EMAIL,
          cognito.OAuthScope.PROFILE,
          cognito.OAuthScope.resourceServer(resourceServer, api),
        ],
        callbackUrls: urls,
        logoutUrls: urls,
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.minutes(60),
      idTokenValidity: Duration.minutes(60),
      refreshTokenValidity: Duration.hours(12),
    });

    this.domain = this.userPool.addDomain('Domain', {
      cognitoDomain: { domainPrefix: props.domainPrefix ?? `dangan-${Aws.ACCOUNT_ID}` },
    });
  }
}
