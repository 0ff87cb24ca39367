/**
 * What makes each function of the local Lambda runtime a principal of its own, though all run in
 * one process: its own module instances, so its SDK clients (and the credentials they cache) are
 * its own, and its own role's key pair in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY while it
 * runs, read by the SDK's own credential chain as on Lambda. The function code knows none of this.
 *
 * Module instances: a handler is imported as `<entry>?dangan-function=<name>`, and a module hook
 * (in-thread, `registerHooks`) passes the tag on to every project module it imports, as each
 * Lambda function has its own container. Shared are the modules that hold no function's state and
 * cost most to load: packages under node_modules, the pure domain logic and the catalog (which
 * test/unit/architecture.test.ts keeps free of I/O).
 *
 * The environment is per invocation: `process.env` becomes a view that answers the credential
 * variables from the function whose invocation is running (an AsyncLocalStorage the runtime
 * enters in `runAs`), and everything else from the process's environment. Outside an invocation
 * there are no such credentials, so nothing but a function can sign as one.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { FunctionName } from '../../functions/catalog.ts';
import { PROJECT_ROOT } from '../shared.ts';

const running = new AsyncLocalStorage<FunctionName>();
const CREDENTIAL_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];

/** Runs `work` as an invocation of `fn`: its credentials in the environment it reads. */
export function runAs<T>(fn: FunctionName, work: () => T): T {
  return running.run(fn, work);
}

const TAG = 'dangan-function';
type Hooks = Parameters<typeof registerHooks>[0];
type ResolveResult = ReturnType<NonNullable<Hooks['resolve']>>;
type LoadResult = ReturnType<NonNullable<Hooks['load']>>;
let isolated = false;
/** Project modules every function shares: pure domain logic and the catalog, no client, no I/O. */
const SHARED = ['functions/core/', 'functions/catalog/', 'functions/catalog.ts'];

/** `url` without the function's tag, and the tag (null when untagged). */
function untagged(url: string): [string, string | null] {
  const at = url.indexOf(`?${TAG}=`);
  return at < 0 ? [url, null] : [url.slice(0, at), decodeURIComponent(url.slice(at + TAG.length + 2))];
}

/**
 * The module hook, in-thread (`registerHooks`): tags what a tagged module imports, unless shared.
 * Each project file is resolved and loaded (transpiled) once whatever the number of functions
 * importing it; only its compilation and evaluation are each function's own.
 */
function isolateFunctionModules(): void {
  const root = pathToFileURL(PROJECT_ROOT).href;
  const shared = SHARED.map((path) => `${root}${path}`);
  const resolvedOnce = new Map<string, ResolveResult>();
  const loadedOnce = new Map<string, LoadResult>();
  registerHooks({
    resolve(specifier, context, next) {
      const [parent, tag] = context.parentURL ? untagged(context.parentURL) : ['', null];
      if (tag === null) return next(specifier, context);
      const key = `${parent}\0${specifier}`;
      let resolved = resolvedOnce.get(key);
      if (!resolved) {
        resolved = next(specifier, { ...context, parentURL: parent });
        resolvedOnce.set(key, resolved);
      }
      const own =
        resolved.url.startsWith(root) &&
        !resolved.url.includes('/node_modules/') &&
        !shared.some((prefix) => resolved.url.startsWith(prefix));
      if (!own) return { ...resolved, shortCircuit: true };
      return { ...resolved, url: `${resolved.url}?${TAG}=${encodeURIComponent(tag)}`, shortCircuit: true };
    },
    load(url, context, next) {
      const [file, tag] = untagged(url);
      if (tag === null) return next(url, context);
      let loaded = loadedOnce.get(file);
      if (!loaded) {
        loaded = next(url, context);
        loadedOnce.set(file, loaded);
      }
      return { ...loaded, shortCircuit: true };
    },
  });
}

/** A handler module's URL, tagged so that it and the project modules it imports are the function's own. */
export function functionModuleUrl(fn: FunctionName, path: string): string {
  if (!isolated) {
    isolateFunctionModules();
    isolated = true;
  }
  return `${pathToFileURL(path).href}?${TAG}=${encodeURIComponent(fn)}`;
}

/**
 * From now on the credential variables of `process.env` are those of the running function's role
 * (`credentialsOf`), and absent outside an invocation. Returns the undo.
 */
export function giveFunctionsTheirCredentials(
  credentialsOf: (fn: FunctionName) => { accessKeyId: string; secretAccessKey: string },
): () => void {
  const env = process.env;
  for (const name of CREDENTIAL_VARIABLES) delete env[name];
  const own = (name: string | symbol): string | undefined => {
    const fn = running.getStore();
    if (fn === undefined) return undefined;
    const pair = credentialsOf(fn);
    if (name === 'AWS_ACCESS_KEY_ID') return pair.accessKeyId;
    if (name === 'AWS_SECRET_ACCESS_KEY') return pair.secretAccessKey;
    return undefined;
  };
  const isCredential = (name: string | symbol): name is string =>
    typeof name === 'string' && CREDENTIAL_VARIABLES.includes(name);
  process.env = new Proxy(env, {
    get: (target, name) => (isCredential(name) ? own(name) : Reflect.get(target, name)),
    has: (target, name) => (isCredential(name) ? own(name) !== undefined : Reflect.has(target, name)),
    set: (target, name, value) => (isCredential(name) ? true : Reflect.set(target, name, value)),
    getOwnPropertyDescriptor: (target, name) => {
      if (!isCredential(name)) return Reflect.getOwnPropertyDescriptor(target, name);
      const value = own(name);
      return value === undefined
        ? undefined
        : { value, writable: true, enumerable: true, configurable: true };
    },
    ownKeys: (target) => {
      const keys = Reflect.ownKeys(target).filter((k) => !isCredential(k));
      return [...keys, ...CREDENTIAL_VARIABLES.filter((k) => own(k) !== undefined)];
    },
  });
  return () => {
    process.env = env;
  };
}
