import { Logger } from '@aws-lambda-powertools/logger';

/** Structured JSON logs; handlers append the request id and the actor. */
export const logger = new Logger({ serviceName: 'dangan' });
