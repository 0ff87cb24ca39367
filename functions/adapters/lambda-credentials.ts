import { fromEnv } from '@aws-sdk/credential-provider-env';
import type { defaultProvider as sdkDefaultProvider } from '@aws-sdk/credential-provider-node';
import { doesIdentityRequireRefresh, isIdentityExpired, memoizeIdentityProvider } from '@smithy/core';
import { CredentialsProviderError } from '@smithy/core/config';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Logger } from '@smithy/types';

/**
 * The credential provider of the deployed function bundles, in place of the SDK's default chain:
 * BUNDLING (infra/constructs/functions.ts) aliases `@aws-sdk/credential-provider-node` to this
 * module. Handlers run from source (unit tests, the local realisation) keep the SDK's own chain.
 *
 * Lambda hands a function its role's credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
 * AWS_SESSION_TOKEN, the first link of the default chain and the one that answers there. The
 * other links (profiles and ~/.aws files, SSO, credential_process, web identity token files, EC2
 * instance metadata) need files, commands or endpoints a Lambda environment does not have;
 * bundled, they cost about 130 KB per function, and their top-level imports (child_process among
 * them) load at every cold start. The container endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI or
 * _RELATIVE_URI) is kept, loaded only when it is set. With neither, the error says what is
 * missing; there is no silent fallback.
 */

const CONTAINER_VARIABLES = ['AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'];

export const MISSING_CREDENTIALS =
  'no AWS credentials: neither AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (set by Lambda) nor ' +
  'AWS_CONTAINER_CREDENTIALS_FULL_URI or AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is set';

type ProviderInit = Parameters<typeof sdkDefaultProvider>[0] & { logger?: Logger };

export const defaultProvider: typeof sdkDefaultProvider = (init: ProviderInit = {}) => {
  let container: AwsCredentialIdentityProvider | undefined;
  const resolve = async (): Promise<AwsCredentialIdentity> => {
    if (process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY) return fromEnv(init)();
    if (CONTAINER_VARIABLES.some((name) => process.env[name])) {
      container ??= (await import('@aws-sdk/credential-provider-http')).fromHttp(init);
      return container();
    }
    throw new CredentialsProviderError(MISSING_CREDENTIALS, {
      tryNextLink: false,
      ...(init.logger ? { logger: init.logger } : {}),
    });
  };
  // Like the default chain: resolved once, again only when an expiring identity nears its end.
  return memoizeIdentityProvider(resolve, isIdentityExpired, doesIdentityRequireRefresh) as ReturnType<
    typeof sdkDefaultProvider
  >;
};

/** The default chain's other exports, with its semantics (refresh five minutes before expiry). */
export const credentialsWillNeedRefresh = (credentials: AwsCredentialIdentity): boolean =>
  credentials?.expiration !== undefined;
export const credentialsTreatedAsExpired = (credentials: AwsCredentialIdentity): boolean =>
  credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300_000;
