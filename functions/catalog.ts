/**
 * The one list of Dangan's functions, HTTP routes, workflows and environment names. The CDK
 * stack builds a Lambda function per entry with exactly the access declared here, and the API
 * Gateway routes from `ROUTES`; the local realisation mounts the same routes on the same handler
 * modules and runs the same workflows. A fact written here is written nowhere else. Import from
 * this module; its parts are in functions/catalog/:
 *
 * - functions.ts: each function, its handler module, access, timeout and memory;
 * - routes.ts: each route, its function and the roles that may call it;
 * - workflows.ts: each workflow's ASL file and the functions its states call;
 * - triggers.ts: the table streams and the access log, and the functions they feed;
 * - environment.ts: the environment variable names.
 */
import { FUNCTIONS, type FunctionAccess, type FunctionName } from './catalog/functions.ts';
import { ROUTES } from './catalog/routes.ts';

export { ENV } from './catalog/environment.ts';
export {
  type DataAccess,
  DEFAULT_MEMORY_MB,
  DEFAULT_TIMEOUT_SECONDS,
  FUNCTIONS,
  type FunctionAccess,
  type FunctionDef,
  type FunctionName,
} from './catalog/functions.ts';
export { API_SCOPE, type HttpMethod, ROUTES, type RouteDef } from './catalog/routes.ts';
export {
  DESIGN_DOCUMENTS_PER_SECOND,
  routeThrottle,
  THROTTLE_HEADROOM,
  THROTTLES,
  type Throttle,
  type TrafficClass,
  trafficClass,
} from './catalog/throttles.ts';
export { ACCESS_LOG_SUBSCRIBER, TABLE_STREAMS } from './catalog/triggers.ts';
export { WORKFLOWS, type WorkflowName } from './catalog/workflows.ts';

/**
 * The access a function is deployed with: its catalog entry, plus, for every function behind an
 * authenticated route, reading the accounts table (the handler chain checks the caller's account
 * on every request) and appending to the audit trail (the chain records each request it refuses,
 * with what it aimed at: functions/http/refusals.ts).
 */
export function functionAccess(name: FunctionName): FunctionAccess {
  const declared: FunctionAccess = FUNCTIONS[name].access;
  const authenticated = ROUTES.some((r) => r.function === name && r.roles !== 'public');
  if (!authenticated) return declared;
  return { ...declared, accounts: declared.accounts ?? 'read', audit: declared.audit ?? 'append' };
}
