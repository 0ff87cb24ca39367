/**
 * The local Lambda runtime. Each function of the catalog is its handler module under
 * `functions/`, imported once (a warm container) and invoked with a fresh Context per call.
 * Payloads and results cross a JSON boundary as they do on AWS, a handler that runs past its
 * timeout fails with `Sandbox.Timedout`, and a thrown error surfaces with its `name` as the
 * error type, which is what Step Functions' Retry and Catch match on.
 */
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { FUNCTIONS, type FunctionDef, type FunctionName } from '../../functions/catalog.ts';

const FUNCTIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'functions');

/** Function names on AWS carry the application prefix: `dangan-<name>`. */
export const FUNCTION_PREFIX = 'dangan-';
/** The stack's defaults for what the catalog leaves unset (infra/constructs/functions.ts). */
export const DEFAULT_TIMEOUT_SECONDS = 10;
export const DEFAULT_MEMORY_MB = 512;

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
}

export function isFunctionName(name: string): name is FunctionName {
  return Object.hasOwn(FUNCTIONS, name);
}

function importHandler(name: FunctionName): Promise<Handler> {
  const entry = FUNCTIONS[name].entry;
  return import(pathToFileURL(join(FUNCTIONS_DIR, entry)).href).then((mod: { handler?: unknown }) => {
    if (typeof mod.handler !== 'function') {
      throw new Error(`functions/${entry} does not export a handler`);
    }
    return mod.handler as Handler;
  });
}

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
      h = (this.options.load ?? importHandler)(name);
      // A module that failed to load is retried on the next invocation, like a new container.
      h.catch(() => this.handlers.delete(name));
      this.handlers.set(name, h);
    }
    return h;
  }

  private context(name: FunctionName, deadline: number): Context {
    const def: FunctionDef = FUNCTIONS[name];
    const functionName = `${FUNCTION_PREFIX}${name}`;
    return {
      awsRequestId: randomUUID(),
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

  /** Synchronous invocation (RequestResponse): resolves with the result or throws its error. */
  async invoke(nameOrArn: string, payload: unknown): Promise<unknown> {
    if (this.closed) {
      throw new LambdaServiceError('ServiceException', 'the local Lambda runtime is stopping');
    }
    const name = this.resolve(nameOrArn);
    await this.gate;
    const event = roundTrip(payload);
    const handler = await this.handlerOf(name).catch((err: unknown) => {
      const e = err as Error;
      throw new LambdaFunctionError('Runtime.ImportModuleError', e.message, name);
    });
    const timeoutMs = this.timeoutSecondsOf(name) * 1000;
    const deadline = Date.now() + timeoutMs;
    const context = this.context(name, deadline);
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
      const result = await Promise.race([Promise.resolve().then(() => handler(event, context)), timeout]);
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
