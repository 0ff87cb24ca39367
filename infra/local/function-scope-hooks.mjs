/**
 * Module hooks of the local Lambda runtime (registered by function-scope.ts): a handler imported
 * as `<entry>?dangan-function=<name>` passes that tag on to every project module it imports, so
 * each function gets module instances of its own (its own SDK clients, with its own credentials
 * and caches), as each Lambda function has its own container. Packages under node_modules are
 * shared: they hold no function's state.
 */

const TAG = 'dangan-function';
let root = '';

/** @param {{ root: string }} data */
export function initialize(data) {
  root = data.root;
}

/**
 * @param {string} specifier
 * @param {{ parentURL?: string }} context
 * @param {(specifier: string, context: unknown) => Promise<{ url: string }>} next
 */
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  const tag = context.parentURL ? new URL(context.parentURL).searchParams.get(TAG) : null;
  if (tag === null || !resolved.url.startsWith(root) || resolved.url.includes('/node_modules/'))
    return resolved;
  const url = new URL(resolved.url);
  if (url.searchParams.get(TAG) === tag) return resolved;
  url.searchParams.set(TAG, tag);
  return { ...resolved, url: url.href };
}
