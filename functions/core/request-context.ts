import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What one API request shares with everything it calls: the request id API Gateway gave it (every
 * audit event carries it) and who asked (page tokens are bound to them). The handler chain runs
 * the request inside `withRequestContext`; the audit writer and the page-token codec read it, so
 * no handler has to pass it along and none can forget to.
 */
export interface RequestContext {
  requestId: string;
  /** The caller's subject; absent outside an authenticated request. */
  caller?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function withRequestContext<T>(context: RequestContext, run: () => Promise<T>): Promise<T> {
  return storage.run(context, run);
}

export const currentRequest = (): RequestContext | undefined => storage.getStore();
