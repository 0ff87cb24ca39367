import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What every audit event of one API request shares: the request id API Gateway gave it. The
 * handler chain runs the request inside `withRequestContext`; the audit writer reads it, so no
 * handler has to pass it along and none can forget to.
 */
export interface RequestContext {
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function withRequestContext<T>(context: RequestContext, run: () => Promise<T>): Promise<T> {
  return storage.run(context, run);
}

export const currentRequest = (): RequestContext | undefined => storage.getStore();
