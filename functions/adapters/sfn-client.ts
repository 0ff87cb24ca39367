import { SFNClient } from '@aws-sdk/client-sfn';

/**
 * The Step Functions client, in a module of its own: only functions that start or answer
 * workflows import it. Endpoint from the SDK's standard settings (AWS_ENDPOINT_URL_SFN).
 */
export const sfn = new SFNClient({});
