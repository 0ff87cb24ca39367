import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

/**
 * Every schema of Dangan is built with zod/mini: the parser core of full zod without its chained
 * methods, which esbuild cannot shake out, about 70 KB less in every function bundle. zod/mini
 * loads no messages of its own; with zod's English ones, set here for every module that builds a
 * schema (they all import this one), a refusal reads exactly as it did with full zod
 * (functions/http/input-errors.ts, the README's table of error codes).
 */
config(en());

/**
 * A schema built on first use instead of at module load. Building a zod schema is real work
 * (every `z.string()` and `.min()` makes an object with its methods; the first ones also compile
 * zod's constructors), and a function's bundle loads the schemas of every module it imports,
 * while a request parses with one or two of them. Module-level schemas wrapped in `lazySchema`
 * cost nothing at a cold start; the first parse builds the schema, and later ones reuse it.
 *
 * The value stands in for the schema itself (a Proxy): `parse`, `safeParse`, `shape`, `extend`
 * and `z.infer<typeof x>` work unchanged, and it can be nested in other schemas.
 */
export function lazySchema<T extends object>(build: () => T): T {
  let schema: T | undefined;
  const real = (): T => {
    schema ??= build();
    return schema;
  };
  return new Proxy({} as T, {
    get: (_target, key) => Reflect.get(real(), key),
    set: (_target, key, value) => Reflect.set(real(), key, value),
    has: (_target, key) => Reflect.has(real(), key),
    ownKeys: () => Reflect.ownKeys(real()),
    getOwnPropertyDescriptor: (_target, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(real(), key);
      // A proxy may not report a property as fixed that its (empty) target lacks.
      return descriptor ? { ...descriptor, configurable: true } : undefined;
    },
    getPrototypeOf: () => Reflect.getPrototypeOf(real()),
  });
}

/**
 * A `superRefine` step from a rule that names the problem of a value (or nothing): the rules stay
 * plain functions (file-names.ts, customers.ts) and every schema reports them the same way.
 */
export const problemOf =
  <T>(problem: (value: T) => string | undefined) =>
  (value: T, ctx: { addIssue: (issue: { code: 'custom'; message: string }) => void }): void => {
    const found = problem(value);
    if (found) ctx.addIssue({ code: 'custom', message: found });
  };
