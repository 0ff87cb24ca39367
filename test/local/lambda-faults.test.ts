import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import type { FunctionName } from '../../functions/catalog.ts';
import { faultsRoute } from '../../infra/local/faults-route.ts';
import {
  type Handler,
  LambdaFunctionError,
  LocalLambda,
  type LocalLambdaOptions,
} from '../../infra/local/lambda.ts';
import { ManualClock } from '../../infra/local/sfn/clock.ts';
import { startSfnServer } from '../../infra/local/sfn/server.ts';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const STEP: FunctionName = 'intake-archive';
const EVENT: FunctionName = 'upload-received';
const CRASH = /^RequestId: [0-9a-f-]{36} Error: Runtime exited with error: signal: killed$/;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A runtime whose handlers record each event they ran with (their "writes"). */
function runtime(
  handlers: Partial<Record<FunctionName, Handler>> = {},
  options: Partial<LocalLambdaOptions> = {},
) {
  const writes: { fn: FunctionName; event: unknown }[] = [];
  const logged: string[] = [];
  const asyncFailures: { fn: FunctionName; err: unknown }[] = [];
  const lambda = new LocalLambda({
    region: REGION,
    accountId: ACCOUNT,
    asyncRetryDelaysMs: [0, 0],
    onFault: (m) => logged.push(m),
    onAsyncFailure: (fn, err) => asyncFailures.push({ fn, err }),
    load: async (fn) =>
      handlers[fn] ??
      ((event: unknown) => {
        writes.push({ fn, event });
        return { ok: fn, event };
      }),
    ...options,
  });
  lambda.open();
  cleanups.push(() => lambda.close(0));
  const ran = (fn: FunctionName) => writes.filter((w) => w.fn === fn).map((w) => w.event);
  return { lambda, writes, ran, logged, asyncFailures };
}

async function failure(p: Promise<unknown>): Promise<LambdaFunctionError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(LambdaFunctionError);
    return e as LambdaFunctionError;
  }
  throw new Error('expected the invocation to fail');
}

describe('a fault before the writes', () => {
  it('fails the invocation as a crashed runtime without running the handler', async () => {
    const { lambda, ran, logged } = runtime();
    lambda.injectFault({ function: STEP, invocation: 1, when: 'before' });

    const err = await failure(lambda.invoke(STEP, { n: 1 }));
    expect(err.errorType).toBe('Runtime.ExitError');
    expect(err.name).toBe('Runtime.ExitError');
    expect(err.errorMessage).toMatch(CRASH);
    expect(err.functionName).toBe(STEP);
    expect(ran(STEP)).toEqual([]);
    expect(logged).toEqual([`fault: ${STEP} invocation 1 failed before its writes (Runtime.ExitError)`]);

    // Spent: the retry runs.
    await expect(lambda.invoke(STEP, { n: 1 })).resolves.toEqual({ ok: STEP, event: { n: 1 } });
    expect(ran(STEP)).toEqual([{ n: 1 }]);
    expect(lambda.invocations(STEP)).toBe(2);
    expect(lambda.faults()).toEqual([]);
  });

  it('does not even load the handler, as a container that dies on start', async () => {
    let loads = 0;
    const { lambda } = runtime(
      {},
      {
        load: async () => {
          loads++;
          return () => 'ok';
        },
      },
    );
    lambda.injectFault({ function: STEP, invocation: 1, when: 'before' });
    await failure(lambda.invoke(STEP, {}));
    expect(loads).toBe(0);
  });
});

describe('a fault after the writes', () => {
  it('runs the handler to the end, then fails instead of answering', async () => {
    const { lambda, ran, logged } = runtime();
    lambda.injectFault({ function: STEP, invocation: 1, when: 'after' });

    const err = await failure(lambda.invoke(STEP, { doc: 'd-1' }));
    expect(err.errorType).toBe('Runtime.ExitError');
    expect(err.errorMessage).toMatch(CRASH);
    expect(ran(STEP)).toEqual([{ doc: 'd-1' }]);
    expect(logged).toEqual([`fault: ${STEP} invocation 1 failed after its writes (Runtime.ExitError)`]);
  });

  it('waits for an asynchronous handler to finish its writes', async () => {
    const writes: string[] = [];
    const { lambda } = runtime({
      [STEP]: async () => {
        await new Promise((r) => setTimeout(r, 5));
        writes.push('archived');
        return 'done';
      },
    });
    lambda.injectFault({ function: STEP, invocation: 1, when: 'after' });
    await failure(lambda.invoke(STEP, {}));
    expect(writes).toEqual(['archived']);
  });

  it('replaces the handler’s own error too: the runtime died before reporting it', async () => {
    const { lambda } = runtime({
      [STEP]: () => {
        const e = new Error('copy not verified');
        e.name = 'TransientError';
        throw e;
      },
    });
    lambda.injectFault({ function: STEP, invocation: 1, when: 'after' });
    expect((await failure(lambda.invoke(STEP, {}))).errorType).toBe('Runtime.ExitError');
    expect((await failure(lambda.invoke(STEP, {}))).errorType).toBe('TransientError');
  });

  it('reports the error type the fault names', async () => {
    const { lambda, logged } = runtime();
    lambda.injectFault({ function: STEP, invocation: 1, when: 'after', errorType: 'Sandbox.Timedout' });
    const err = await failure(lambda.invoke(STEP, {}));
    expect(err.errorType).toBe('Sandbox.Timedout');
    expect(err.errorMessage).toMatch(
      /^RequestId: [0-9a-f-]{36} Error: Task timed out after \d+\.00 seconds$/,
    );
    expect(logged).toEqual([`fault: ${STEP} invocation 1 failed after its writes (Sandbox.Timedout)`]);
  });
});

describe('which invocations fail', () => {
  it('counts the Nth invocation from when the fault is armed, per function', async () => {
    const { lambda, ran, logged } = runtime();
    await lambda.invoke(STEP, 'earlier');
    const armed = lambda.injectFault({ function: STEP, invocation: 3, when: 'before' });
    expect(armed).toEqual({
      function: STEP,
      invocation: 3,
      when: 'before',
      errorType: 'Runtime.ExitError',
      fromInvocation: 4,
      remaining: 1,
      fired: 0,
    });

    await lambda.invoke(EVENT, 'other function');
    await lambda.invoke(STEP, 'a');
    expect(lambda.faults()).toMatchObject([{ fromInvocation: 4, remaining: 1, fired: 0 }]);
    await lambda.invoke(STEP, 'b');
    await failure(lambda.invoke(STEP, 'c'));
    await lambda.invoke(STEP, 'd');

    expect(ran(STEP)).toEqual(['earlier', 'a', 'b', 'd']);
    expect(ran(EVENT)).toEqual(['other function']);
    expect(logged).toEqual([`fault: ${STEP} invocation 4 failed before its writes (Runtime.ExitError)`]);
    expect(lambda.invocations(STEP)).toBe(5);
    expect(lambda.invocations(EVENT)).toBe(1);
    expect(lambda.faults()).toEqual([]);
  });

  it('fails `times` invocations in a row from the Nth on', async () => {
    const { lambda, ran } = runtime();
    lambda.injectFault({ function: STEP, invocation: 2, when: 'before', times: 2 });
    const outcomes: string[] = [];
    for (const n of [1, 2, 3, 4]) {
      outcomes.push(
        await lambda.invoke(STEP, n).then(
          () => 'ok',
          (e: LambdaFunctionError) => e.errorType,
        ),
      );
      if (n === 2) expect(lambda.faults()).toMatchObject([{ remaining: 1, fired: 1 }]);
    }
    expect(outcomes).toEqual(['ok', 'Runtime.ExitError', 'Runtime.ExitError', 'ok']);
    expect(ran(STEP)).toEqual([1, 4]);
  });

  it('fails every invocation until cleared, or the next `times` with every', async () => {
    const { lambda, ran } = runtime();
    lambda.injectFault({ function: STEP, invocation: 'every', when: 'after' });
    lambda.injectFault({ function: EVENT, invocation: 'every', when: 'before', times: 2 });
    expect(lambda.faults()).toMatchObject([
      { function: STEP, remaining: 'unlimited' },
      { function: EVENT, remaining: 2 },
    ]);
    for (let i = 0; i < 3; i++) {
      await failure(lambda.invoke(STEP, i));
      await lambda.invoke(EVENT, i).catch(() => undefined);
    }
    expect(ran(STEP)).toEqual([0, 1, 2]);
    expect(ran(EVENT)).toEqual([2]);
    expect(lambda.faults()).toMatchObject([{ function: STEP, remaining: 'unlimited', fired: 3 }]);

    lambda.clearFaults();
    expect(lambda.faults()).toEqual([]);
    await expect(lambda.invoke(STEP, 3)).resolves.toEqual({ ok: STEP, event: 3 });
  });

  it('fails an invocation once where faults overlap: the first armed fires', async () => {
    const { lambda, logged } = runtime();
    lambda.injectFault({ function: STEP, invocation: 1, when: 'after' });
    lambda.injectFault({ function: STEP, invocation: 1, when: 'before', errorType: 'Sandbox.Timedout' });
    expect((await failure(lambda.invoke(STEP, {}))).errorType).toBe('Runtime.ExitError');
    await lambda.invoke(STEP, {});
    expect(logged).toHaveLength(1);
  });

  it('refuses a fault it cannot apply, naming the field, and arms nothing', () => {
    const { lambda } = runtime();
    expect(() =>
      lambda.injectFault({ function: 'no-such' as FunctionName, invocation: 1, when: 'before' }),
    ).toThrow(/function must name a function of the catalog, not "no-such"/);
    expect(() => lambda.injectFault({ function: STEP, invocation: 0, when: 'before' })).toThrow(
      /invocation must be a whole number above 0/,
    );
    expect(lambda.faults()).toEqual([]);
  });
});

describe('asynchronous invocations', () => {
  it('are retried after a fault and succeed', async () => {
    const { lambda, ran, asyncFailures, logged } = runtime();
    lambda.injectFault({ function: EVENT, invocation: 1, when: 'after' });
    lambda.invokeAsync(EVENT, { key: 'intake/d-1' });
    await lambda.idle();

    // The first attempt wrote and died; the retry wrote the same again and answered.
    expect(ran(EVENT)).toEqual([{ key: 'intake/d-1' }, { key: 'intake/d-1' }]);
    expect(lambda.invocations(EVENT)).toBe(2);
    expect(asyncFailures).toEqual([]);
    expect(logged).toEqual([`fault: ${EVENT} invocation 1 failed after its writes (Runtime.ExitError)`]);
  });

  it('are reported failed once a fault outlasts the two retries', async () => {
    const { lambda, ran, asyncFailures } = runtime();
    lambda.injectFault({ function: EVENT, invocation: 1, when: 'before', times: 3 });
    lambda.invokeAsync(EVENT, { key: 'intake/d-2' });
    await lambda.idle();
    expect(ran(EVENT)).toEqual([]);
    expect(lambda.invocations(EVENT)).toBe(3);
    expect(asyncFailures).toHaveLength(1);
    expect(asyncFailures[0]).toMatchObject({ fn: EVENT, err: { errorType: 'Runtime.ExitError' } });
  });
});

describe('Step Functions tasks', () => {
  async function engine(lambda: LocalLambda, retryOn: string[]) {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'dangan-faults-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const clock = new ManualClock('2030-01-01T00:00:00Z');
    const server = await startSfnServer({
      dataDir,
      region: REGION,
      accountId: ACCOUNT,
      credentials: { local: 'local' },
      now: clock.now,
      stateMachines: [
        {
          name: 'step',
          definition: JSON.stringify({
            StartAt: 'Archive',
            States: {
              Archive: {
                Type: 'Task',
                Resource: 'arn:aws:states:::lambda:invoke',
                Parameters: { FunctionName: lambda.arnOf(STEP), 'Payload.$': '$' },
                OutputPath: '$.Payload',
                Retry: [{ ErrorEquals: retryOn, IntervalSeconds: 1, MaxAttempts: 2 }],
                End: true,
              },
            },
          }),
        },
      ],
      invokeLambda: (arn, payload) => lambda.invoke(arn, payload),
    });
    const client = new SFNClient({
      endpoint: server.url,
      region: REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    cleanups.push(async () => {
      client.destroy();
      await server.stop();
    });
    return async (input: unknown) => {
      const { executionArn } = await client.send(
        new StartExecutionCommand({
          stateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:step`,
          input: JSON.stringify(input),
        }),
      );
      for (let i = 0; i < 50; i++) {
        await server.idle();
        const d = await client.send(new DescribeExecutionCommand({ executionArn }));
        if (d.status !== 'RUNNING') return d;
        clock.advanceSeconds(5);
      }
      throw new Error('the execution did not finish');
    };
  }

  it('see Runtime.ExitError: a Retry on it runs the step again, which converges', async () => {
    const { lambda, ran } = runtime();
    const run = await engine(lambda, ['Runtime.ExitError', 'Sandbox.Timedout', 'Lambda.Unknown']);
    lambda.injectFault({ function: STEP, invocation: 1, when: 'after' });
    const done = await run({ doc: 'd-1' });
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? 'null')).toEqual({ ok: STEP, event: { doc: 'd-1' } });
    expect(ran(STEP)).toEqual([{ doc: 'd-1' }, { doc: 'd-1' }]);
  });

  it('see Runtime.ExitError: a Retry of service errors only lets the execution fail', async () => {
    const { lambda, ran } = runtime();
    const run = await engine(lambda, ['Lambda.ServiceException', 'TransientError']);
    lambda.injectFault({ function: STEP, invocation: 1, when: 'before' });
    const done = await run({ doc: 'd-2' });
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('Runtime.ExitError');
    expect(ran(STEP)).toEqual([]);
  });
});

describe('/local/faults', () => {
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));
  const empty = Buffer.alloc(0);

  it('arms, lists with the invocation counts, and clears', async () => {
    const { lambda } = runtime();
    const route = faultsRoute(lambda);
    await lambda.invoke(EVENT, {});
    expect(await route('GET', '/local/faults', empty)).toEqual({
      status: 200,
      body: { faults: [], invocations: { [EVENT]: 1 } },
    });

    const armed = await route(
      'POST',
      '/local/faults',
      json({ function: STEP, invocation: 2, when: 'after', times: 2, errorType: 'Sandbox.Timedout' }),
    );
    const fault = {
      function: STEP,
      invocation: 2,
      when: 'after',
      errorType: 'Sandbox.Timedout',
      fromInvocation: 2,
      remaining: 2,
      fired: 0,
    };
    expect(armed).toEqual({
      status: 200,
      body: { fault, faults: [fault], invocations: { [EVENT]: 1 } },
    });
    expect(lambda.faults()).toEqual([fault]);

    await lambda.invoke(STEP, {});
    await failure(lambda.invoke(STEP, {}));
    expect(await route('GET', '/local/faults', empty)).toEqual({
      status: 200,
      body: { faults: [{ ...fault, remaining: 1, fired: 1 }], invocations: { [EVENT]: 1, [STEP]: 2 } },
    });

    expect(await route('DELETE', '/local/faults', empty)).toEqual({
      status: 200,
      body: { faults: [], invocations: { [EVENT]: 1, [STEP]: 2 } },
    });
    await lambda.invoke(STEP, {});
  });

  it.each([
    [
      'an unknown function',
      { function: 'no-such', invocation: 1, when: 'before' },
      /^function must name a function of the catalog, not "no-such"$/,
    ],
    [
      'a function given as its ARN',
      { function: 'arn:aws:lambda:x', invocation: 1, when: 'before' },
      /^function must name/,
    ],
    [
      'no function',
      { invocation: 1, when: 'before' },
      /^function must name a function of the catalog, not null$/,
    ],
    [
      'a bad when',
      { function: STEP, invocation: 1, when: 'during' },
      /^when must be "before" or "after" \(its writes\), not "during"$/,
    ],
    ['no when', { function: STEP, invocation: 1 }, /^when must be "before" or "after"/],
    [
      'invocation 0',
      { function: STEP, invocation: 0, when: 'before' },
      /^invocation must be a whole number above 0 .* not 0$/,
    ],
    [
      'a negative invocation',
      { function: STEP, invocation: -2, when: 'after' },
      /^invocation must be a whole number above 0 .* not -2$/,
    ],
    [
      'a fractional invocation',
      { function: STEP, invocation: 1.5, when: 'after' },
      /^invocation must be a whole number above 0/,
    ],
    [
      'invocation as a string',
      { function: STEP, invocation: '1', when: 'after' },
      /^invocation must be a whole number above 0/,
    ],
    [
      'times 0',
      { function: STEP, invocation: 1, when: 'after', times: 0 },
      /^times must be a whole number above 0, not 0$/,
    ],
    [
      'a blank errorType',
      { function: STEP, invocation: 1, when: 'after', errorType: '' },
      /^errorType must be an error name/,
    ],
    [
      'an unknown field',
      { function: STEP, invocations: 1, when: 'after' },
      /^unknown field invocations; a fault has function, invocation, when, times, errorType$/,
    ],
    ['not an object', [STEP, 1, 'after'], /^a fault must be a JSON object/],
  ])('refuses %s (400), naming the field, and arms nothing', async (_name, input, message) => {
    const { lambda } = runtime();
    const res = await faultsRoute(lambda)('POST', '/local/faults', json(input));
    expect(res?.status).toBe(400);
    const body = res?.body as { error: { code: string; message: string } };
    expect(body.error.code).toBe('BadRequest');
    expect(body.error.message).toMatch(message);
    expect(lambda.faults()).toEqual([]);
  });

  it('refuses a body that is not JSON and other methods, and leaves other paths to the gateway', async () => {
    const { lambda } = runtime();
    const route = faultsRoute(lambda);
    expect(await route('POST', '/local/faults', Buffer.from('{'))).toMatchObject({
      status: 400,
      body: { error: { message: 'request body is not valid JSON' } },
    });
    expect((await route('PUT', '/local/faults', empty))?.status).toBe(405);
    expect(await route('GET', '/local/clock', empty)).toBeUndefined();
    expect(lambda.faults()).toEqual([]);
  });
});
