/**
 * `/local/faults`: crash faults for the local Lambda runtime (infra/local/lambda.ts), to show that
 * every workflow step and event handler converges when its runtime dies halfway.
 *
 *   GET    /local/faults   the armed faults and how many times each function has been invoked
 *   POST   /local/faults   {function, invocation, when, times?, errorType?} arms a fault: the
 *                          `invocation`th invocation of `function` from now (or `"every"`) fails
 *                          `before` its handler runs or `after` it has run and written everything,
 *                          as `Runtime.ExitError` unless `errorType` names another
 *   DELETE /local/faults   disarms them all
 *
 * Local only; the stack has nothing like it.
 */
import { FUNCTIONS, type FunctionName } from '../../functions/catalog.ts';
import { FaultError, type LocalLambda, parseFault } from './lambda.ts';
import type { LocalRoute } from './local-route.ts';

export type FaultSeam = Pick<LocalLambda, 'injectFault' | 'clearFaults' | 'faults' | 'invocations'>;

const error = (status: number, code: string, message: string) => ({
  status,
  body: { error: { code, message } },
});

/** The armed faults and the invocation counts of the functions invoked so far. */
function state(seam: FaultSeam) {
  const invocations: Partial<Record<FunctionName, number>> = {};
  for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
    const n = seam.invocations(name);
    if (n > 0) invocations[name] = n;
  }
  return { faults: seam.faults(), invocations };
}

/** Serves `/local/faults`; undefined for any other path. */
export function faultsRoute(seam: FaultSeam): LocalRoute {
  return (method, path, body) => {
    if (path !== '/local/faults') return undefined;
    if (method === 'GET') return { status: 200, body: state(seam) };
    if (method === 'DELETE') {
      seam.clearFaults();
      return { status: 200, body: state(seam) };
    }
    if (method !== 'POST') return error(405, 'MethodNotAllowed', 'use GET, POST or DELETE');
    let input: unknown;
    try {
      input = JSON.parse(body.toString('utf8') || 'null');
    } catch {
      return error(400, 'BadRequest', 'request body is not valid JSON');
    }
    try {
      const fault = seam.injectFault(parseFault(input));
      return { status: 200, body: { fault, ...state(seam) } };
    } catch (err) {
      if (err instanceof FaultError) return error(400, 'BadRequest', err.message);
      throw err;
    }
  };
}
