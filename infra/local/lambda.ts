/**
 * The local Lambda runtime. Each function of the catalog is its handler module under
 * `functions/`, imported once (a warm container) and invoked with a fresh Context per call.
 * Payloads and results cross a JSON boundary as they do on AWS, a handler that runs past its
 * timeout fails with `Sandbox.Timedout`, and a thrown error surfaces with its `name` as the
 * error type, which is what Step Functions' Retry and Catch match on.
 *
 * Local only, a fault seam shows that every step and event handler converges when its runtime
 * dies: `injectFault()` arms a fault on the Nth invocation of a function from now, `before` (the
 * handler never runs, as when the container crashes on start) or `after` (the handler runs to the
 * end and all its writes happen, then the runtime dies before answering). Either way the
 * invocation fails as Lambda reports a runtime that exited, `Runtime.ExitError` unless the fault
 * names another error type; an asynchronous invocation is then retried as any failure is.
 */
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from 'aws-lambda';
import {
  DEFAULT_MEMORY_MB,
  DEFAULT_TIMEOUT_SECONDS,
  FUNCTIONS,
  type FunctionDef,
  type FunctionName,
} from '../../functions/catalog.ts';
import { functionModuleUrl, runAs } from './function-scope.ts';

const FUNCTIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'functions');

/** Function names on AWS carry the application prefix: `dangan-<name>`. */
export const FUNCTION_PREFIX = 'dangan-';

export type Handler = (event: unknown, context: Context) => Promise<unknown> | unknown;

/** A function error as Lambda reports it: `errorType` is the thrown error's name. */
export class LambdaFunctionError extends Error {
  constructor(
    readonly errorType: string,
    readonly errorMessage: string,
    readonly functionName: string,
  ) {
    super(errorMessage);
    this.name = errorType;
  }
}

/** An error of the Lambda service itself (not of the function), shaped like an SDK exception. */
export class LambdaServiceError extends Error {
  readonly $metadata = { httpStatusCode: 404 };
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export interface LocalLambdaOptions {
  region: string;
  accountId: string;
  /** Per-function timeout override in seconds (defaults: the catalog, then Lambda's default). */
  timeoutSeconds?: (name: FunctionName) => number | undefined;
  /** Loads a handler; tests replace it. Defaults to importing `functions/<entry>`. */
  load?: (name: FunctionName) => Promise<Handler>;
  /** Called with failures of asynchronous invocations once their retries are spent. */
  onAsyncFailure?: (name: FunctionName, err: unknown) => void;
  /** Delays between the attempts of an asynchronous invocation (Lambda retries twice). */
  asyncRetryDelaysMs?: readonly number[];
  /** Told of each fault that fires (default: one `[dangan] fault: …` line on stderr). */
  onFault?: (message: string) => void;
}

/** Whether a fault fails the invocation before the handler runs or after it has finished. */
export type FaultWhen = 'before' | 'after';
export const FAULT_WHENS: readonly FaultWhen[] = ['before', 'after'];
/** What Lambda reports when a function's process exits mid-invocation. */
export const DEFAULT_FAULT_ERROR_TYPE = 'Runtime.ExitError';

/** A fault to inject: the Nth invocation of `function` from now (1-based), or every one. */
export interface Fault {
  function: FunctionName;
  invocation: number | 'every';
  when: FaultWhen;
  /** How many invocations in a row fail, from the Nth on (default 1; `every`: until cleared). */
  times?: number;
  /** The error type the failed invocation reports (default `Runtime.ExitError`). */
  errorType?: string;
}

/** An armed fault as `faults()` lists it. */
export interface ArmedFault {
  function: FunctionName;
  invocation: number | 'every';
  when: FaultWhen;
  errorType: string;
  /** The function's invocation count (since start) of the first invocation it fails. */
  fromInvocation: number;
  /** How many of its invocations are still to come, or `unlimited` for `every` without times. */
  remaining: number | 'unlimited';
  /** How many invocations it has failed so far. */
  fired: number;
}

/** A fault the seam refuses; the message names the field. */
export class FaultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FaultError';
  }
}

const FAULT_FIELDS = ['function', 'invocation', 'when', 'times', 'errorType'];

/** Checks an untrusted fault (from JSON) field by field. */
export function parseFault(input: unknown): Fault {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new FaultError('a fault must be a JSON object {function, invocation, when, times?, errorType?}');
  }
  const f = input as Record<string, unknown>;
  const unknown = Object.keys(f).find((k) => !FAULT_FIELDS.includes(k));
  if (unknown !== undefined) {
    throw new FaultError(`unknown field ${unknown}; a fault has ${FAULT_FIELDS.join(', ')}`);
  }
  const fn = f.function;
  if (typeof fn !== 'string' || !isFunctionName(fn)) {
    throw new FaultError(`function must name a function of the catalog, not ${JSON.stringify(fn ?? null)}`);
  }
  const inv = f.invocation;
  if (inv !== 'every' && !(typeof inv === 'number' && Number.isInteger(inv) && inv > 0)) {
    throw new FaultError(
      `invocation must be a whole number above 0 (the Nth invocation from now) or "every", not ${JSON.stringify(inv ?? null)}`,
    );
  }
  const when = f.when;
  if (typeof when !== 'string' || !FAULT_WHENS.includes(when as FaultWhen)) {
    throw new FaultError(
      `when must be "before" or "after" (its writes), not ${JSON.stringify(when ?? null)}`,
    );
  }
  const times = f.times;
  if (times !== undefined && !(typeof times === 'number' && Number.isInteger(times) && times > 0)) {
    throw new FaultError(`times must be a whole number above 0, not ${JSON.stringify(times)}`);
  }
  const errorType = f.errorType;
  if (
    errorType !== undefined &&
    !(typeof errorType === 'string' && /^[A-Za-z][\w.]{0,127}$/.test(errorType))
  ) {
    throw new FaultError(
      `errorType must be an error name such as Runtime.ExitError or Sandbox.Timedout, not ${JSON.stringify(errorType)}`,
    );
  }
  return {
    function: fn,
    invocation: inv as number | 'every',
    when: when as FaultWhen,
    ...(times !== undefined ? { times: times as number } : {}),
    ...(errorType !== undefined ? { errorType: errorType as string } : {}),
  };
}

interface Armed {
  fault: Fault;
  errorType: string;
  /** The window of the function's invocation counts it fails, both ends included. */
  first: number;
  last: number;
  fired: number;
}

export function isFunctionName(name: string): name is FunctionName {
  return Object.hasOwn(FUNCTIONS, name);
}

/** A function's handler, in module instances of its own (function-scope.ts), as in its own container. */
function importHandler(name: FunctionName): Promise<Handler> {
  const entry = FUNCTIONS[name].entry;
  return import(functionModuleUrl(name, join(FUNCTIONS_DIR, entry))).then((mod: { handler?: unknown }) => {
    if (typeof mod.handler !== 'function') {
      throw new Error(`functions/${entry} does not export a handler`);
    }
    return mod.handler as Handler;
  });
}

const noop = (): undefined => undefined;

function roundTrip(value: unknown): unknown {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value)) as unknown;
}

export class LocalLambda {
  private readonly handlers = new Map<FunctionName, Promise<Handler>>();
  private readonly pending = new Set<Promise<unknown>>();
  private gate: Promise<void>;
  private openGate: () => void = () => undefined;
  private closed = false;
  private readonly counts = new Map<FunctionName, number>();
  private armed: Armed[] = [];

  constructor(private readonly options: LocalLambdaOptions) {
    this.gate = new Promise((resolve) => {
      this.openGate = resolve;
    });
  }

  /**
   * Lets invocations run. Until then they wait: the process environment the handlers read at
   * import (endpoints, table and bucket names) is only complete once every emulator listens.
   */
  open(): void {
    this.openGate();
  }

  arnOf(name: FunctionName): string {
    return `arn:aws:lambda:${this.options.region}:${this.options.accountId}:function:${FUNCTION_PREFIX}${name}`;
  }

  /** Resolves a function ARN (optionally qualified), a `dangan-<name>` or a bare catalog name. */
  resolve(nameOrArn: string): FunctionName {
    let name = nameOrArn;
    const arn = /^arn:aws[\w-]*:lambda:([^:]+):(\d{12}):function:([^:]+)(?::[^:]+)?$/.exec(nameOrArn);
    if (arn) {
      if (arn[1] !== this.options.region || arn[2] !== this.options.accountId) {
        throw new LambdaServiceError('ResourceNotFoundException', `Function not found: ${nameOrArn}`);
      }
      name = arn[3] ?? '';
    }
    if (name.startsWith(FUNCTION_PREFIX)) name = name.slice(FUNCTION_PREFIX.length);
    if (!isFunctionName(name)) {
      throw new LambdaServiceError('ResourceNotFoundException', `Function not found: ${nameOrArn}`);
    }
    return name;
  }

  timeoutSecondsOf(name: FunctionName): number {
    const def: FunctionDef = FUNCTIONS[name];
    return this.options.timeoutSeconds?.(name) ?? def.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  }

  private handlerOf(name: FunctionName): Promise<Handler> {
    let h = this.handlers.get(name);
    if (!h) {
      // Its init code runs as the function too, with its role's credentials, as on Lambda.
      h = runAs(name, () => (this.options.load ?? importHandler)(name));
      // A module that failed to load is retried on the next invocation, like a new container.
      h.catch(() => this.handlers.delete(name));
      this.handlers.set(name, h);
    }
    return h;
  }

  private context(name: FunctionName, deadline: number, awsRequestId: string): Context {
    const def: FunctionDef = FUNCTIONS[name];
    const functionName = `${FUNCTION_PREFIX}${name}`;
    return {
      awsRequestId,
      functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: this.arnOf(name),
      memoryLimitInMB: String(def.memoryMB ?? DEFAULT_MEMORY_MB),
      logGroupName: `/aws/lambda/${functionName}`,
      logStreamName: `local/${process.pid}`,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
  }

  /**
   * Arms a fault (checked as `parseFault` does) and returns it as `faults()` lists it. One
   * invocation fails at most once: where faults overlap, the one armed first fires.
   */
  injectFault(input: Fault): ArmedFault {
    const fault = parseFault(input);
    const done = this.invocations(fault.function);
    const first = done + (fault.invocation === 'every' ? 1 : fault.invocation);
    const times = fault.times ?? (fault.invocation === 'every' ? Number.POSITIVE_INFINITY : 1);
    const armed: Armed = {
      fault,
      errorType: fault.errorType ?? DEFAULT_FAULT_ERROR_TYPE,
      first,
      last: first + times - 1,
      fired: 0,
    };
    this.armed.push(armed);
    return this.describe(armed);
  }

  /** Disarms every fault. */
  clearFaults(): void {
    this.armed = [];
  }

  /** The armed faults, in the order they were armed, with how many invocations each has left. */
  faults(): ArmedFault[] {
    return this.armed.map((a) => this.describe(a));
  }

  /** How many times a function has been invoked since start (each retry counts). */
  invocations(name: FunctionName): number {
    return this.counts.get(name) ?? 0;
  }

  private describe(a: Armed): ArmedFault {
    const done = this.invocations(a.fault.function);
    return {
      function: a.fault.function,
      invocation: a.fault.invocation,
      when: a.fault.when,
      errorType: a.errorType,
      fromInvocation: a.first,
      remaining: a.last === Number.POSITIVE_INFINITY ? 'unlimited' : a.last - Math.max(a.first - 1, done),
      fired: a.fired,
    };
  }

  /** Counts an invocation and takes the fault that fails it, if any; spent faults are dropped. */
  private countInvocation(name: FunctionName): { n: number; fault?: Armed } {
    const n = this.invocations(name) + 1;
    this.counts.set(name, n);
    const fault = this.armed.find((a) => a.fault.function === name && a.first <= n && n <= a.last);
    if (fault) fault.fired++;
    this.armed = this.armed.filter((a) => a.fault.function !== name || a.last > n);
    return fault ? { n, fault } : { n };
  }

  /** The error of a runtime that died, as Lambda reports it, logged as the fault that fired. */
  private crash(name: FunctionName, n: number, armed: Armed, requestId: string): LambdaFunctionError {
    const { when } = armed.fault;
    const message = `fault: ${name} invocation ${n} failed ${when} its writes (${armed.errorType})`;
    (this.options.onFault ?? ((m: string) => console.error(`[dangan] ${m}`)))(message);
    const error =
      armed.errorType === 'Sandbox.Timedout'
        ? `Task timed out after ${this.timeoutSecondsOf(name).toFixed(2)} seconds`
        : 'Runtime exited with error: signal: killed';
    return new LambdaFunctionError(armed.errorType, `RequestId: ${requestId} Error: ${error}`, name);
  }

  /** Synchronous invocation (RequestResponse): resolves with the result or throws its error. */
  async invoke(nameOrArn: string, payload: unknown): Promise<unknown> {
    if (this.closed) {
      throw new LambdaServiceError('ServiceException', 'the local Lambda runtime is stopping');
    }
    const name = this.resolve(nameOrArn);
    await this.gate;
    const event = roundTrip(payload);
    const { n, fault } = this.countInvocation(name);
    const requestId = randomUUID();
    if (fault?.fault.when === 'before') throw this.crash(name, n, fault, requestId);
    const handler = await this.handlerOf(name).catch((err: unknown) => {
      const e = err as Error;
      throw new LambdaFunctionError('Runtime.ImportModuleError', e.message, name);
    });
    const timeoutMs = this.timeoutSecondsOf(name) * 1000;
    const deadline = Date.now() + timeoutMs;
    const context = this.context(name, deadline, requestId);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new LambdaFunctionError(
              'Sandbox.Timedout',
              `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`,
              name,
            ),
          ),
        timeoutMs,
      );
    });
    try {
      // Run as the function's role: its credentials are what the SDK finds in the environment.
      const run = Promise.resolve().then(() => runAs(name, () => handler(event, context)));
      // A fault after the writes: whatever the handler answered, the runtime dies before replying.
      const settled = fault ? run.then(noop, noop) : run;
      const result = await Promise.race([settled, timeout]);
      if (fault) throw this.crash(name, n, fault, requestId);
      return roundTrip(result);
    } catch (err) {
      if (err instanceof LambdaFunctionError) throw err;
      const e = err instanceof Error ? err : new Error(String(err));
      throw new LambdaFunctionError(e.name || 'Error', e.message, name);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Asynchronous invocation (Event), as S3 notifications use: returns at once; a failure is
   * retried twice, then reported.
   */
  invokeAsync(nameOrArn: string, payload: unknown): void {
    const delays = this.options.asyncRetryDelaysMs ?? [1000, 2000];
    const run = async (): Promise<void> => {
      for (let attempt = 0; ; attempt++) {
        try {
          await this.invoke(nameOrArn, payload);
          return;
        } catch (err) {
          const delay = delays[attempt];
          if (delay === undefined || this.closed) {
            const name = isFunctionName(nameOrArn) ? nameOrArn : this.safeResolve(nameOrArn);
            if (name) this.options.onAsyncFailure?.(name, err);
            return;
          }
          await new Promise((r) => setTimeout(r, delay));
        }
      }
    };
    const p = run();
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private safeResolve(nameOrArn: string): FunctionName | undefined {
    try {
      return this.resolve(nameOrArn);
    } catch {
      return undefined;
    }
  }

  /** Resolves once no asynchronous invocation is in flight. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Refuses new invocations and waits (bounded) for asynchronous ones in flight. */
  async close(waitMs = 5000): Promise<void> {
    this.closed = true;
    this.open();
    await Promise.race([this.idle(), new Promise((r) => setTimeout(r, waitMs).unref())]);
  }
}
