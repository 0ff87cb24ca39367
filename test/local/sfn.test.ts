import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  DescribeStateMachineCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  InvalidExecutionInput,
  InvalidToken,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../infra/local/sfn/clock.ts';
import { type LocalSfnServer, startSfnServer } from '../../infra/local/sfn/server.ts';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const fixture = (name: string) => readFile(path.join(import.meta.dirname, 'fixtures', name), 'utf8');

// biome-ignore lint/suspicious/noExplicitAny: test Lambdas receive arbitrary JSON payloads
type Payload = any;
type Fn = (payload: Payload) => unknown;

class LambdaError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

interface Local {
  server: LocalSfnServer;
  client: SFNClient;
  clock: ManualClock;
  dataDir: string;
  calls: { name: string; arn: string; payload: Payload }[];
  machineArn(name: string): string;
  start(machine: string, input: unknown, name?: string): Promise<string>;
  describe(executionArn: string): Promise<DescribeExecutionCommandOutput>;
  /** Lets the engine run, moving the clock forward while the execution only waits on timers. */
  settle(executionArn: string, stepSeconds?: number): Promise<DescribeExecutionCommandOutput>;
  history(executionArn: string): Promise<HistoryEvent[]>;
  stop(): Promise<void>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dangan-sfn-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function local(
  machines: Record<string, unknown>,
  lambdas: Record<string, Fn> = {},
  opts: { dataDir?: string; clock?: ManualClock; systemClock?: boolean } = {},
): Promise<Local> {
  const dataDir = opts.dataDir ?? (await tempDir());
  const clock = opts.clock ?? new ManualClock('2030-01-01T00:00:00Z');
  const calls: Local['calls'] = [];
  const server = await startSfnServer({
    dataDir,
    region: REGION,
    accountId: ACCOUNT,
    credentials: { local: 'local' },
    now: opts.systemClock ? undefined : clock.now,
    stateMachines: Object.entries(machines).map(([name, def]) => ({
      name,
      definition: typeof def === 'string' ? def : JSON.stringify(def),
    })),
    invokeLambda: async (arn, payload) => {
      const name = arn.split(':')[6] ?? arn;
      calls.push({ name, arn, payload });
      const fn = lambdas[name];
      if (!fn) throw new LambdaError('ResourceNotFoundException', `Function not found: ${arn}`);
      return fn(payload);
    },
  });
  const client = new SFNClient({
    endpoint: server.url,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    client.destroy();
    await server.stop();
  };
  cleanups.push(stop);
  const l: Local = {
    server,
    client,
    clock,
    dataDir,
    calls,
    stop,
    machineArn: (name) => `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`,
    async start(machine, input, name) {
      const out = await client.send(
        new StartExecutionCommand({
          stateMachineArn: l.machineArn(machine),
          input: JSON.stringify(input),
          name,
        }),
      );
      return out.executionArn as string;
    },
    describe: (executionArn) => client.send(new DescribeExecutionCommand({ executionArn })),
    async settle(executionArn, stepSeconds = 30) {
      for (let i = 0; i < 100; i++) {
        await server.idle();
        const d = await l.describe(executionArn);
        if (d.status !== 'RUNNING') return d;
        clock.advanceSeconds(stepSeconds);
      }
      throw new Error(`${executionArn} did not finish`);
    },
    async history(executionArn) {
      const events: HistoryEvent[] = [];
      let nextToken: string | undefined;
      do {
        const page = await client.send(
          new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 50 }),
        );
        events.push(...(page.events ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
      return events;
    },
  };
  return l;
}

const output = (d: DescribeExecutionCommandOutput): unknown => JSON.parse(d.output ?? 'null');
const types = (events: HistoryEvent[]) => events.map((e) => e.type);
const entered = (events: HistoryEvent[]) =>
  events.filter((e) => e.type?.endsWith('StateEntered')).map((e) => e.stateEnteredEventDetails?.name);

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the call to fail');
}

describe('Lambda tasks, Retry, Catch, Choice and Pass', () => {
  it('retries a failing Lambda, routes with Choice and shapes data with Pass and ResultSelector', async () => {
    let attempts = 0;
    const sfn = await local(
      { intake: await fixture('sfn-intake.asl.json') },
      {
        'dangan-score': (payload) => {
          attempts++;
          if (attempts <= 2) throw new LambdaError('ScoreUnavailable', `attempt ${attempts} failed`);
          return { score: payload.customerId === 'c-1' ? 80 : 10 };
        },
      },
    );
    const arn = await sfn.start('intake', { customer: { id: 'c-1', name: 'Lin' } }, 'intake-1');
    await sfn.server.idle();
    expect((await sfn.describe(arn)).status).toBe('RUNNING'); // waiting for the first retry interval
    const done = await sfn.settle(arn, 5);

    expect(done.status).toBe('SUCCEEDED');
    expect(output(done)).toEqual({ decision: 'accepted', score: 80, label: 'Lin (c-1)' });
    expect(attempts).toBe(3);
    expect(sfn.calls[0]?.arn).toBe(`arn:aws:lambda:${REGION}:${ACCOUNT}:function:dangan-score`);
    expect(sfn.calls[0]?.payload).toEqual({
      customerId: 'c-1',
      label: 'Lin (c-1)',
      execution: 'intake-1',
      source: 'intake',
    });

    const events = await sfn.history(arn);
    expect(types(events).filter((t) => t === 'TaskScheduled')).toHaveLength(3);
    expect(types(events).filter((t) => t === 'TaskFailed')).toHaveLength(2);
    const failed = events.find((e) => e.type === 'TaskFailed')?.taskFailedEventDetails;
    expect(failed?.error).toBe('ScoreUnavailable');
    expect(JSON.parse(failed?.cause ?? '{}')).toEqual({
      errorType: 'ScoreUnavailable',
      errorMessage: 'attempt 1 failed',
    });
    const succeeded = events.find((e) => e.type === 'TaskSucceeded')?.taskSucceededEventDetails;
    expect(JSON.parse(succeeded?.output ?? '{}')).toMatchObject({ Payload: { score: 80 }, StatusCode: 200 });
    expect(entered(events)).toEqual(['Prepare', 'Score', 'Route', 'Accept']);
  });

  it('takes the Choice default branch for a low score', async () => {
    const sfn = await local(
      { intake: await fixture('sfn-intake.asl.json') },
      { 'dangan-score': () => ({ score: 12 }) },
    );
    const arn = await sfn.start('intake', { customer: { id: 'c-2', name: 'Mei' } });
    const done = await sfn.settle(arn);
    expect(output(done)).toEqual({ decision: 'review', score: 12 });
  });

  it('catches an error that is not retried and continues in the fallback with the error as data', async () => {
    const sfn = await local(
      { intake: await fixture('sfn-intake.asl.json') },
      {
        'dangan-score': () => {
          throw new LambdaError('CustomerLocked', 'customer c-3 is locked');
        },
      },
    );
    const arn = await sfn.start('intake', { customer: { id: 'c-3', name: 'Bo' } });
    const done = await sfn.settle(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(output(done)).toEqual({
      decision: 'fallback',
      error: 'CustomerLocked',
      cause: { errorType: 'CustomerLocked', errorMessage: 'customer c-3 is locked' },
    });
    expect(sfn.calls).toHaveLength(1);
    expect(entered(await sfn.history(arn))).toEqual(['Prepare', 'Score', 'Fallback']);
  });

  it('gives up after MaxAttempts and then applies Catch', async () => {
    const sfn = await local(
      { intake: await fixture('sfn-intake.asl.json') },
      {
        'dangan-score': () => {
          throw new LambdaError('ScoreUnavailable', 'still down');
        },
      },
    );
    const arn = await sfn.start('intake', { customer: { id: 'c-4', name: 'Ai' } });
    const done = await sfn.settle(arn, 60);
    expect(sfn.calls).toHaveLength(4); // first attempt + MaxAttempts 3
    expect(output(done)).toMatchObject({ decision: 'fallback', error: 'ScoreUnavailable' });
  });

  it('fails the execution with the Lambda error when nothing catches it', async () => {
    const sfn = await local(
      {
        plain: {
          StartAt: 'Call',
          States: {
            Call: {
              Type: 'Task',
              Resource: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:broken`,
              End: true,
            },
          },
        },
      },
      {
        broken: () => {
          throw new TypeError('cannot read x');
        },
      },
    );
    const arn = await sfn.start('plain', { a: 1 });
    const done = await sfn.settle(arn);
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('TypeError');
    expect(JSON.parse(done.cause ?? '{}')).toEqual({ errorType: 'TypeError', errorMessage: 'cannot read x' });
    expect(sfn.calls[0]?.payload).toEqual({ a: 1 });
    const events = await sfn.history(arn);
    expect(types(events)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionFailed',
      'ExecutionFailed',
    ]);
  });

  it('reports Lambda service errors as Lambda.<Name> so Retry can match them', async () => {
    let calls = 0;
    const sfn = await local(
      {
        svc: {
          StartAt: 'Call',
          States: {
            Call: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke',
              Parameters: { FunctionName: 'busy', Payload: {} },
              OutputPath: '$.Payload',
              Retry: [
                { ErrorEquals: ['Lambda.TooManyRequestsException'], IntervalSeconds: 1, MaxAttempts: 2 },
              ],
              End: true,
            },
          },
        },
      },
      {
        busy: () => {
          calls++;
          if (calls === 1) {
            throw Object.assign(new LambdaError('TooManyRequestsException', 'Rate exceeded'), {
              $metadata: { httpStatusCode: 429 },
            });
          }
          return { served: calls };
        },
      },
    );
    const arn = await sfn.start('svc', {});
    const done = await sfn.settle(arn, 1);
    expect(output(done)).toEqual({ served: 2 });
    const failed = (await sfn.history(arn)).find((e) => e.type === 'TaskFailed');
    expect(failed?.taskFailedEventDetails?.error).toBe('Lambda.TooManyRequestsException');
  });

  it('returns the raw function result for a Lambda ARN resource and applies InputPath/ResultPath/OutputPath', async () => {
    const sfn = await local(
      {
        paths: {
          StartAt: 'Double',
          States: {
            Double: {
              Type: 'Task',
              Resource: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:double`,
              InputPath: '$.numbers',
              ResultPath: '$.result.doubled',
              OutputPath: '$.result',
              End: true,
            },
          },
        },
      },
      { double: (p: number[]) => p.map((n) => n * 2) },
    );
    const done = await sfn.settle(await sfn.start('paths', { numbers: [1, 2, 3], other: true }));
    expect(output(done)).toEqual({ doubled: [2, 4, 6] });
  });

  it('ends in FAILED with the Fail state error and cause', async () => {
    const sfn = await local({
      reject: {
        StartAt: 'Check',
        States: {
          Check: {
            Type: 'Choice',
            Choices: [{ Variable: '$.documents', IsPresent: false, Next: 'Missing' }],
            Default: 'Done',
          },
          Missing: { Type: 'Fail', Error: 'Intake.MissingDocuments', Cause: 'No documents were uploaded' },
          Done: { Type: 'Succeed' },
        },
      },
    });
    const failed = await sfn.settle(await sfn.start('reject', { customer: 'c-1' }));
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toBe('Intake.MissingDocuments');
    expect(failed.cause).toBe('No documents were uploaded');
    expect(failed.stopDate).toBeInstanceOf(Date);
    expect(types(await sfn.history(failed.executionArn as string))).toEqual([
      'ExecutionStarted',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'FailStateEntered',
      'ExecutionFailed',
    ]);

    const ok = await sfn.settle(await sfn.start('reject', { documents: [] }));
    expect(ok.status).toBe('SUCCEEDED');
    expect(output(ok)).toEqual({ documents: [] });
  });

  it('fails with States.NoChoiceMatched when no rule and no Default match', async () => {
    const sfn = await local({
      nochoice: {
        StartAt: 'Pick',
        States: {
          Pick: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericEquals: 1, Next: 'One' }] },
          One: { Type: 'Succeed' },
        },
      },
    });
    const done = await sfn.settle(await sfn.start('nochoice', { n: 2 }));
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('States.NoChoiceMatched');
  });

  it('routes on every kind of Choice comparison', async () => {
    const rule = (r: object, next: string) => ({ ...r, Next: next });
    const sfn = await local({
      choices: {
        StartAt: 'Pick',
        States: {
          Pick: {
            Type: 'Choice',
            Choices: [
              rule({ Variable: '$.kind', StringEquals: 'string' }, 'S'),
              rule({ Variable: '$.name', StringMatches: 'arch*-??' }, 'Never'),
              rule({ Variable: '$.name', StringMatches: 'arch*.pdf' }, 'Match'),
              rule({ Variable: '$.ts', TimestampLessThanPath: '$.limit' }, 'Early'),
              rule({ Not: { Variable: '$.n', NumericLessThanEquals: 10 } }, 'Big'),
              rule(
                {
                  Or: [
                    { Variable: '$.flag', IsNull: true },
                    { Variable: '$.flag', BooleanEquals: true },
                  ],
                },
                'Flag',
              ),
            ],
            Default: 'Other',
          },
          S: { Type: 'Pass', Result: 'S', End: true },
          Never: { Type: 'Pass', Result: 'Never', End: true },
          Match: { Type: 'Pass', Result: 'Match', End: true },
          Early: { Type: 'Pass', Result: 'Early', End: true },
          Big: { Type: 'Pass', Result: 'Big', End: true },
          Flag: { Type: 'Pass', Result: 'Flag', End: true },
          Other: { Type: 'Pass', Result: 'Other', End: true },
        },
      },
    });
    const run = async (input: unknown) => output(await sfn.settle(await sfn.start('choices', input)));
    expect(await run({ kind: 'string' })).toBe('S');
    expect(await run({ kind: 'x', name: 'archive-2024.pdf' })).toBe('Match');
    expect(
      await run({ kind: 'x', name: 'x', ts: '2030-01-01T00:00:00Z', limit: '2030-01-02T00:00:00+01:00' }),
    ).toBe('Early');
    expect(
      await run({ kind: 'x', name: 'x', ts: '2030-01-03T00:00:00Z', limit: '2030-01-02T00:00:00Z', n: 11 }),
    ).toBe('Big');
    expect(
      await run({
        kind: 'x',
        name: 'x',
        ts: '2030-01-03T00:00:00Z',
        limit: '2030-01-02T00:00:00Z',
        n: 1,
        flag: null,
      }),
    ).toBe('Flag');
    expect(
      await run({
        kind: 'x',
        name: 'x',
        ts: '2030-01-03T00:00:00Z',
        limit: '2030-01-02T00:00:00Z',
        n: 1,
        flag: false,
      }),
    ).toBe('Other');
  });

  it('fails with States.Runtime when a Choice variable is missing', async () => {
    const sfn = await local({
      missing: {
        StartAt: 'Pick',
        States: {
          Pick: {
            Type: 'Choice',
            Choices: [{ Variable: '$.n', NumericEquals: 1, Next: 'Done' }],
            Default: 'Done',
          },
          Done: { Type: 'Succeed' },
        },
      },
    });
    const done = await sfn.settle(await sfn.start('missing', {}));
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('States.Runtime');
  });
});

describe('Map', () => {
  it('maps over items with ItemSelector, the Map context and MaxConcurrency', async () => {
    let running = 0;
    let peak = 0;
    const sfn = await local(
      {
        map: {
          StartAt: 'EachDocument',
          States: {
            EachDocument: {
              Type: 'Map',
              ItemsPath: '$.documents',
              MaxConcurrency: 2,
              ItemSelector: {
                'index.$': '$$.Map.Item.Index',
                'doc.$': '$$.Map.Item.Value',
                'customer.$': '$.customer',
              },
              ItemProcessor: {
                ProcessorConfig: { Mode: 'INLINE' },
                StartAt: 'Check',
                States: {
                  Check: {
                    Type: 'Task',
                    Resource: 'arn:aws:states:::lambda:invoke',
                    Parameters: { FunctionName: 'check-document', 'Payload.$': '$' },
                    OutputPath: '$.Payload',
                    End: true,
                  },
                },
              },
              ResultPath: '$.checks',
              End: true,
            },
          },
        },
      },
      {
        'check-document': async (p) => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 5));
          running--;
          return { name: p.doc.name, index: p.index, customer: p.customer, ok: p.doc.size < 100 };
        },
      },
    );
    const documents = [
      { name: 'a.pdf', size: 10 },
      { name: 'b.pdf', size: 500 },
      { name: 'c.pdf', size: 20 },
      { name: 'd.pdf', size: 30 },
      { name: 'e.pdf', size: 40 },
    ];
    const done = await sfn.settle(await sfn.start('map', { customer: 'c-9', documents }));
    expect(done.status).toBe('SUCCEEDED');
    expect(output(done)).toEqual({
      customer: 'c-9',
      documents,
      checks: documents.map((d, index) => ({ name: d.name, index, customer: 'c-9', ok: d.size < 100 })),
    });
    expect(peak).toBe(2);
    const events = await sfn.history(done.executionArn as string);
    expect(events.find((e) => e.type === 'MapStateStarted')?.mapStateStartedEventDetails?.length).toBe(5);
    expect(types(events).filter((t) => t === 'MapIterationSucceeded')).toHaveLength(5);
    expect(entered(events)).toEqual(['EachDocument', 'Check', 'Check', 'Check', 'Check', 'Check']);
  });

  it('maps an empty list to an empty result', async () => {
    const sfn = await local({
      empty: {
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            ItemsPath: '$.items',
            ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
            ResultPath: '$.out',
            End: true,
          },
        },
      },
    });
    expect(output(await sfn.settle(await sfn.start('empty', { items: [] })))).toEqual({ items: [], out: [] });
  });

  it('fails the Map when an iteration fails, and Catch on the Map handles it', async () => {
    const sfn = await local(
      {
        mapfail: {
          StartAt: 'Each',
          States: {
            Each: {
              Type: 'Map',
              ItemsPath: '$.items',
              ItemProcessor: {
                StartAt: 'Check',
                States: {
                  Check: {
                    Type: 'Task',
                    Resource: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:check`,
                    End: true,
                  },
                },
              },
              Catch: [{ ErrorEquals: ['BadItem'], ResultPath: '$.error', Next: 'Recover' }],
              End: true,
            },
            Recover: { Type: 'Pass', OutputPath: '$.error', End: true },
          },
        },
      },
      {
        check: (n: number) => {
          if (n === 3) throw new LambdaError('BadItem', 'item 3 is bad');
          return n;
        },
      },
    );
    const done = await sfn.settle(await sfn.start('mapfail', { items: [1, 2, 3, 4] }));
    expect(done.status).toBe('SUCCEEDED');
    expect(output(done)).toMatchObject({ Error: 'BadItem' });
    const events = await sfn.history(done.executionArn as string);
    expect(types(events)).toContain('MapIterationFailed');
    expect(types(events)).toContain('MapStateFailed');
  });
});

describe('waitForTaskToken', () => {
  async function review() {
    const opened: Payload[] = [];
    const sfn = await local(
      { review: await fixture('sfn-review.asl.json') },
      {
        'dangan-open-review': (p) => {
          opened.push(p);
          return { opened: true };
        },
      },
    );
    const started = async (input: object = {}) => {
      const arn = await sfn.start('review', { submissionId: 's-1', reviewTimeoutSeconds: 3600, ...input });
      await sfn.server.idle();
      const token = opened.at(-1)?.token as string;
      return { arn, token };
    };
    return { sfn, opened, started };
  }

  it('passes the token to the function, waits, and resumes with SendTaskSuccess output', async () => {
    const { sfn, opened, started } = await review();
    const { arn, token } = await started();
    expect(opened).toHaveLength(1);
    expect(opened[0]).toEqual({ token: expect.any(String), submissionId: 's-1', state: 'RequestReview' });
    expect(token.length).toBeGreaterThan(60);
    expect(sfn.calls[0]?.arn).toBe(`arn:aws:lambda:${REGION}:${ACCOUNT}:function:dangan-open-review`);

    sfn.clock.advanceSeconds(600);
    await sfn.server.idle();
    expect((await sfn.describe(arn)).status).toBe('RUNNING');

    await sfn.client.send(
      new SendTaskSuccessCommand({
        taskToken: token,
        output: JSON.stringify({ approved: true, reviewer: 'u-7' }),
      }),
    );
    const done = await sfn.settle(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(output(done)).toEqual({ outcome: 'approved', reviewer: 'u-7' });

    const again = await rejection(
      sfn.client.send(
        new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ approved: false }) }),
      ),
    );
    expect(again).toBeInstanceOf(TaskTimedOut);

    const events = await sfn.history(arn);
    expect(types(events)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
    const scheduled = events[2]?.taskScheduledEventDetails;
    expect(scheduled?.resource).toBe('invoke.waitForTaskToken');
    expect(scheduled?.timeoutInSeconds).toBe(3600);
    expect(JSON.parse(scheduled?.parameters ?? '{}').Payload.submissionId).toBe('s-1');
  });

  it('rejects unknown and malformed tokens', async () => {
    const { sfn, started } = await review();
    const { token } = await started();
    expect(
      await rejection(sfn.client.send(new SendTaskSuccessCommand({ taskToken: 'nope', output: '{}' }))),
    ).toBeInstanceOf(InvalidToken);
    const forged = `${token.slice(0, -4)}${token.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    const err = await rejection(
      sfn.client.send(new SendTaskSuccessCommand({ taskToken: forged, output: '{}' })),
    );
    expect(err.name).toBe('TaskDoesNotExist');
    const badOutput = await rejection(
      sfn.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{' })),
    );
    expect(badOutput.name).toBe('InvalidOutput');
  });

  it('routes SendTaskFailure through Catch', async () => {
    const { sfn, started } = await review();
    const { arn, token } = await started();
    await sfn.client.send(
      new SendTaskFailureCommand({
        taskToken: token,
        error: 'Review.Rejected',
        cause: 'documents are blurry',
      }),
    );
    const done = await sfn.settle(arn);
    expect(output(done)).toEqual({
      outcome: 'rejected',
      error: 'Review.Rejected',
      cause: 'documents are blurry',
    });
    const failed = (await sfn.history(arn)).find((e) => e.type === 'TaskFailed');
    expect(failed?.taskFailedEventDetails).toMatchObject({
      error: 'Review.Rejected',
      cause: 'documents are blurry',
    });
    const again = await rejection(
      sfn.client.send(new SendTaskFailureCommand({ taskToken: token, error: 'x' })),
    );
    expect(again).toBeInstanceOf(TaskTimedOut);
  });

  it('times out with States.Timeout when TimeoutSeconds elapses, and the token is then dead', async () => {
    const { sfn, started } = await review();
    const { arn, token } = await started({ reviewTimeoutSeconds: 120 });
    sfn.clock.advanceSeconds(119);
    await sfn.server.idle();
    expect((await sfn.describe(arn)).status).toBe('RUNNING');
    sfn.clock.advanceSeconds(2);
    await sfn.server.idle();
    const done = await sfn.describe(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(output(done)).toEqual({ outcome: 'expired', error: 'States.Timeout' });
    expect(types(await sfn.history(arn))).toContain('TaskTimedOut');
    const late = await rejection(
      sfn.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    );
    expect(late).toBeInstanceOf(TaskTimedOut);
  });

  it('keeps a task alive with heartbeats and fails it with States.HeartbeatTimeout when they stop', async () => {
    const opened: Payload[] = [];
    const sfn = await local(
      {
        hb: {
          StartAt: 'Work',
          States: {
            Work: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
              Parameters: { FunctionName: 'worker', Payload: { 'token.$': '$$.Task.Token' } },
              HeartbeatSeconds: 60,
              TimeoutSeconds: 3600,
              End: true,
            },
          },
        },
      },
      { worker: (p) => opened.push(p) },
    );
    const arn = await sfn.start('hb', {});
    await sfn.server.idle();
    const token = opened[0]?.token as string;
    for (let i = 0; i < 3; i++) {
      sfn.clock.advanceSeconds(45);
      await sfn.client.send(new SendTaskHeartbeatCommand({ taskToken: token }));
      await sfn.server.idle();
    }
    expect((await sfn.describe(arn)).status).toBe('RUNNING');
    sfn.clock.advanceSeconds(61);
    await sfn.server.idle();
    const done = await sfn.describe(arn);
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('States.HeartbeatTimeout');
    const timedOut = (await sfn.history(arn)).find((e) => e.type === 'TaskTimedOut');
    expect(timedOut?.taskTimedOutEventDetails?.error).toBe('States.HeartbeatTimeout');
    expect(
      await rejection(sfn.client.send(new SendTaskHeartbeatCommand({ taskToken: token }))),
    ).toBeInstanceOf(TaskTimedOut);
  });

  it('accepts a token sent by the function while it is still being invoked', async () => {
    let sfn: Local | undefined;
    sfn = await local(
      {
        inline: {
          StartAt: 'Work',
          States: {
            Work: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
              Parameters: { FunctionName: 'instant', Payload: { 'token.$': '$$.Task.Token' } },
              End: true,
            },
          },
        },
      },
      {
        instant: async (p) => {
          await sfn?.client.send(new SendTaskSuccessCommand({ taskToken: p.token, output: '{"done":true}' }));
          return 'ok';
        },
      },
    );
    const done = await sfn.settle(await sfn.start('inline', {}));
    expect(output(done)).toEqual({ done: true });
  });

  it('fails the task when the function invoked with the token throws', async () => {
    const sfn = await local({ review: await fixture('sfn-review.asl.json') }, {});
    const done = await sfn.settle(
      await sfn.start('review', { submissionId: 's-2', reviewTimeoutSeconds: 60 }),
    );
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('ResourceNotFoundException');
  });
});

describe('Wait', () => {
  it('fires a TimestampPath wait once the clock passes the timestamp', async () => {
    const sfn = await local({
      wait: {
        StartAt: 'Hold',
        States: {
          Hold: { Type: 'Wait', TimestampPath: '$.until', Next: 'Done' },
          Done: { Type: 'Pass', Parameters: { 'at.$': '$$.State.EnteredTime' }, End: true },
        },
      },
    });
    const arn = await sfn.start('wait', { until: '2030-01-03T12:00:00Z' });
    await sfn.server.idle();
    sfn.clock.set('2030-01-03T11:59:59Z');
    await sfn.server.idle();
    expect((await sfn.describe(arn)).status).toBe('RUNNING');
    sfn.clock.set('2030-01-03T12:00:01Z');
    await sfn.server.idle();
    const done = await sfn.describe(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(output(done)).toEqual({ at: '2030-01-03T12:00:01.000Z' });
    expect(types(await sfn.history(arn))).toEqual([
      'ExecutionStarted',
      'WaitStateEntered',
      'WaitStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('supports Seconds, SecondsPath and Timestamp', async () => {
    const sfn = await local({
      waits: {
        StartAt: 'A',
        States: {
          A: { Type: 'Wait', Seconds: 10, Next: 'B' },
          B: { Type: 'Wait', SecondsPath: '$.delay', Next: 'C' },
          C: { Type: 'Wait', Timestamp: '2030-01-01T01:00:00Z', End: true },
        },
      },
    });
    const arn = await sfn.start('waits', { delay: 20 });
    await sfn.server.idle();
    sfn.clock.advanceSeconds(10);
    await sfn.server.idle();
    sfn.clock.advanceSeconds(19);
    await sfn.server.idle();
    expect(entered(await sfn.history(arn))).toEqual(['A', 'B']);
    sfn.clock.advanceSeconds(1);
    await sfn.server.idle();
    expect(entered(await sfn.history(arn))).toEqual(['A', 'B', 'C']);
    expect((await sfn.describe(arn)).status).toBe('RUNNING');
    sfn.clock.set('2030-01-01T01:00:00Z');
    await sfn.server.idle();
    expect((await sfn.describe(arn)).status).toBe('SUCCEEDED');
  });

  it('re-checks timers on its own, without idle(), when the clock moves', async () => {
    const sfn = await local({
      hold: { StartAt: 'Hold', States: { Hold: { Type: 'Wait', Seconds: 3600, End: true } } },
    });
    const arn = await sfn.start('hold', {});
    sfn.clock.advanceSeconds(3600);
    await vi.waitFor(async () => expect((await sfn.describe(arn)).status).toBe('SUCCEEDED'), {
      timeout: 5000,
    });
  });

  it('runs Wait states on the system clock by default', async () => {
    const sfn = await local(
      { short: { StartAt: 'Hold', States: { Hold: { Type: 'Wait', Seconds: 1, End: true } } } },
      {},
      { systemClock: true },
    );
    const arn = await sfn.start('short', { n: 1 });
    await vi.waitFor(async () => expect((await sfn.describe(arn)).status).toBe('SUCCEEDED'), {
      timeout: 10_000,
      interval: 100,
    });
    expect(output(await sfn.describe(arn))).toEqual({ n: 1 });
  });

  it('times out the whole execution after the state machine TimeoutSeconds', async () => {
    const sfn = await local({
      slow: {
        TimeoutSeconds: 300,
        StartAt: 'Hold',
        States: { Hold: { Type: 'Wait', Seconds: 3600, End: true } },
      },
    });
    const arn = await sfn.start('slow', {});
    sfn.clock.advanceSeconds(301);
    await sfn.server.idle();
    const done = await sfn.describe(arn);
    expect(done.status).toBe('TIMED_OUT');
    expect(types(await sfn.history(arn)).at(-1)).toBe('ExecutionTimedOut');
  });
});

describe('execution API', () => {
  const waiting = {
    StartAt: 'Hold',
    States: { Hold: { Type: 'Wait', Seconds: 86400, End: true } },
  };

  it('makes StartExecution idempotent by name and input, and rejects a different input', async () => {
    const sfn = await local({ waiting });
    const first = await sfn.client.send(
      new StartExecutionCommand({
        stateMachineArn: sfn.machineArn('waiting'),
        name: 'sub-1',
        input: '{"a":1}',
      }),
    );
    sfn.clock.advanceSeconds(5);
    const second = await sfn.client.send(
      new StartExecutionCommand({
        stateMachineArn: sfn.machineArn('waiting'),
        name: 'sub-1',
        input: '{"a":1}',
      }),
    );
    expect(second.executionArn).toBe(first.executionArn);
    expect(second.startDate?.getTime()).toBe(first.startDate?.getTime());
    expect(first.executionArn).toBe(`arn:aws:states:${REGION}:${ACCOUNT}:execution:waiting:sub-1`);

    const other = await rejection(
      sfn.client.send(
        new StartExecutionCommand({
          stateMachineArn: sfn.machineArn('waiting'),
          name: 'sub-1',
          input: '{"a":2}',
        }),
      ),
    );
    expect(other).toBeInstanceOf(ExecutionAlreadyExists);

    const list = await sfn.client.send(
      new ListExecutionsCommand({ stateMachineArn: sfn.machineArn('waiting') }),
    );
    expect(list.executions?.map((e) => e.name)).toEqual(['sub-1']);
  });

  it('stops an execution (ABORTED), after which its name and token can no longer be used', async () => {
    const opened: Payload[] = [];
    const sfn = await local(
      { review: await fixture('sfn-review.asl.json') },
      { 'dangan-open-review': (p) => opened.push(p) },
    );
    const arn = await sfn.start('review', { submissionId: 's-9', reviewTimeoutSeconds: 60 }, 'stop-me');
    await sfn.server.idle();
    const stopped = await sfn.client.send(
      new StopExecutionCommand({
        executionArn: arn,
        error: 'Customer.Withdrawn',
        cause: 'withdrawn by the customer',
      }),
    );
    expect(stopped.stopDate).toBeInstanceOf(Date);
    const d = await sfn.describe(arn);
    expect(d.status).toBe('ABORTED');
    expect(d.error).toBe('Customer.Withdrawn');
    const last = (await sfn.history(arn)).at(-1);
    expect(last?.type).toBe('ExecutionAborted');
    expect(last?.executionAbortedEventDetails?.cause).toBe('withdrawn by the customer');

    // The timeout must not fire later on an aborted execution.
    sfn.clock.advanceSeconds(120);
    await sfn.server.idle();
    expect((await sfn.describe(arn)).status).toBe('ABORTED');

    const late = await rejection(
      sfn.client.send(new SendTaskSuccessCommand({ taskToken: opened[0]?.token, output: '{}' })),
    );
    expect(late).toBeInstanceOf(TaskTimedOut);
    const again = await rejection(
      sfn.client.send(
        new StartExecutionCommand({
          stateMachineArn: sfn.machineArn('review'),
          name: 'stop-me',
          input: JSON.stringify({ submissionId: 's-9', reviewTimeoutSeconds: 60 }),
        }),
      ),
    );
    expect(again).toBeInstanceOf(ExecutionAlreadyExists);
  });

  it('lists executions by status and describes state machines', async () => {
    const sfn = await local({
      waiting,
      quick: { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } },
    });
    const w = await sfn.start('waiting', {}, 'w-1');
    await sfn.start('waiting', {}, 'w-2');
    await sfn.client.send(new StopExecutionCommand({ executionArn: w }));
    await sfn.settle(await sfn.start('quick', {}, 'q-1'));

    const running = await sfn.client.send(
      new ListExecutionsCommand({ stateMachineArn: sfn.machineArn('waiting'), statusFilter: 'RUNNING' }),
    );
    expect(running.executions?.map((e) => e.name)).toEqual(['w-2']);
    const aborted = await sfn.client.send(
      new ListExecutionsCommand({ stateMachineArn: sfn.machineArn('waiting'), statusFilter: 'ABORTED' }),
    );
    expect(aborted.executions?.map((e) => e.name)).toEqual(['w-1']);

    const machines = await sfn.client.send(new ListStateMachinesCommand({}));
    expect(machines.stateMachines?.map((m) => m.name)).toEqual(['quick', 'waiting']);
    const described = await sfn.client.send(
      new DescribeStateMachineCommand({ stateMachineArn: sfn.machineArn('quick') }),
    );
    expect(described.status).toBe('ACTIVE');
    expect(described.type).toBe('STANDARD');
    expect(JSON.parse(described.definition ?? '{}').StartAt).toBe('Done');
  });

  it('maps errors to the SDK exception types', async () => {
    const sfn = await local({ waiting });
    expect(
      await rejection(
        sfn.client.send(new StartExecutionCommand({ stateMachineArn: sfn.machineArn('nope'), input: '{}' })),
      ),
    ).toBeInstanceOf(StateMachineDoesNotExist);
    expect(
      await rejection(
        sfn.client.send(
          new StartExecutionCommand({ stateMachineArn: sfn.machineArn('waiting'), input: '{oops' }),
        ),
      ),
    ).toBeInstanceOf(InvalidExecutionInput);
    expect(
      await rejection(
        sfn.client.send(
          new DescribeExecutionCommand({
            executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:waiting:missing`,
          }),
        ),
      ),
    ).toBeInstanceOf(ExecutionDoesNotExist);
    const badName = await rejection(
      sfn.client.send(new StartExecutionCommand({ stateMachineArn: sfn.machineArn('waiting'), name: 'a b' })),
    );
    expect(badName.name).toBe('InvalidName');
  });

  it('records a history whose events match the states visited', async () => {
    const sfn = await local(
      { intake: await fixture('sfn-intake.asl.json') },
      { 'dangan-score': () => ({ score: 75 }) },
    );
    const arn = await sfn.start('intake', { customer: { id: 'c-5', name: 'Yu' } });
    await sfn.settle(arn);
    const events = await sfn.history(arn);
    expect(entered(events)).toEqual(['Prepare', 'Score', 'Route', 'Accept']);
    expect(events.filter((e) => e.type?.endsWith('StateExited'))).toHaveLength(4);
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    for (const e of events.slice(1)) expect(e.previousEventId).toBe((e.id as number) - 1);
    expect(events[0]?.type).toBe('ExecutionStarted');
    expect(events[0]?.timestamp).toBeInstanceOf(Date);
    expect(events.at(-1)?.type).toBe('ExecutionSucceeded');
    const reversed = await sfn.client.send(
      new GetExecutionHistoryCommand({ executionArn: arn, reverseOrder: true, includeExecutionData: false }),
    );
    expect(reversed.events?.[0]?.type).toBe('ExecutionSucceeded');
    expect(reversed.events?.[0]?.executionSucceededEventDetails?.output).toBeUndefined();
  });

  it('pages through a long history and counts every state entered inside a Map', async () => {
    const sfn = await local({
      many: {
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            ItemProcessor: {
              StartAt: 'One',
              States: { One: { Type: 'Pass', Next: 'Two' }, Two: { Type: 'Pass', End: true } },
            },
            Next: 'Done',
          },
          Done: { Type: 'Succeed' },
        },
      },
    });
    const items = Array.from({ length: 40 }, (_, i) => i);
    const arn = await sfn.start('many', items);
    expect(output(await sfn.settle(arn))).toEqual(items);
    const events = await sfn.history(arn); // pages of 50
    expect(entered(events)).toHaveLength(1 + 40 * 2 + 1);
    // ExecutionStarted, Map entered/started/succeeded/exited, per item MapIterationStarted/Succeeded and
    // two Pass states entered/exited, Succeed entered/exited, ExecutionSucceeded
    expect(events).toHaveLength(1 + 4 + 40 * 6 + 2 + 1);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    const firstPage = await sfn.client.send(new GetExecutionHistoryCommand({ executionArn: arn }));
    expect(firstPage.events).toHaveLength(100);
    expect(firstPage.nextToken).toBeTruthy();
  });

  it('provides the context object and intrinsic functions to Parameters', async () => {
    const sfn = await local({
      ctx: {
        StartAt: 'Build',
        States: {
          Build: {
            Type: 'Pass',
            Parameters: {
              'id.$': '$$.Execution.Id',
              'name.$': '$$.Execution.Name',
              'input.$': '$$.Execution.Input',
              'started.$': '$$.Execution.StartTime',
              'state.$': '$$.State.Name',
              'sum.$': 'States.MathAdd($.n, 5)',
              'pair.$': "States.Array($.n, 'x')",
              'parsed.$': 'States.StringToJson(\'{"k":[1,2]}\')',
              'msg.$': "States.Format('Dear {}, you have {} files', $.obj.name, $.n)",
              nested: { 'first.$': '$.list[0]', literal: 'kept' },
            },
            End: true,
          },
        },
      },
    });
    const arn = await sfn.start('ctx', { n: 2, obj: { name: 'Wu' }, list: ['p', 'q', 'r'] }, 'ctx-1');
    const done = await sfn.settle(arn);
    const out = output(done) as Record<string, unknown>;
    expect(out).toMatchObject({
      id: arn,
      name: 'ctx-1',
      input: { n: 2, obj: { name: 'Wu' }, list: ['p', 'q', 'r'] },
      started: '2030-01-01T00:00:00.000Z',
      state: 'Build',
      sum: 7,
      pair: [2, 'x'],
      parsed: { k: [1, 2] },
      msg: 'Dear Wu, you have 2 files',
      nested: { first: 'p', literal: 'kept' },
    });
  });

  it('refuses to start with an invalid definition', async () => {
    await expect(
      local({ broken: { StartAt: 'Nowhere', States: { A: { Type: 'Pass', Next: 'Missing' } } } }),
    ).rejects.toThrow(/StartAt 'Nowhere'[\s\S]*Next 'Missing'/);
  });
});

describe('durability across restarts', () => {
  it('resumes a token wait after a restart and accepts the old token', async () => {
    const dataDir = await tempDir();
    const clock = new ManualClock('2030-01-01T00:00:00Z');
    const opened: Payload[] = [];
    const machines = { review: await fixture('sfn-review.asl.json') };
    const lambdas = { 'dangan-open-review': (p: Payload) => opened.push(p) };

    const first = await local(machines, lambdas, { dataDir, clock });
    const arn = await first.start(
      'review',
      { submissionId: 's-r', reviewTimeoutSeconds: 7 * 86400 },
      'durable-1',
    );
    await first.server.idle();
    const token = opened[0]?.token as string;
    expect(token).toBeTruthy();
    const before = await first.history(arn);
    await first.stop();

    clock.advanceSeconds(3 * 86400);
    const second = await local(machines, lambdas, { dataDir, clock });
    await second.server.idle();
    expect((await second.describe(arn)).status).toBe('RUNNING');
    expect(opened).toHaveLength(1); // the review is not opened twice
    await second.client.send(
      new SendTaskSuccessCommand({
        taskToken: token,
        output: JSON.stringify({ approved: true, reviewer: 'u-1' }),
      }),
    );
    const done = await second.settle(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(output(done)).toEqual({ outcome: 'approved', reviewer: 'u-1' });
    const after = await second.history(arn);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.map((e) => e.id)).toEqual(after.map((_, i) => i + 1));
    expect(entered(after)).toEqual(['RequestReview', 'Decide', 'Approved']);
  });

  it('fires a Wait whose time passed while the server was stopped', async () => {
    const dataDir = await tempDir();
    const clock = new ManualClock('2030-01-01T00:00:00Z');
    const machines = {
      remind: {
        StartAt: 'Hold',
        States: {
          Hold: { Type: 'Wait', Seconds: 3 * 86400, Next: 'Remind' },
          Remind: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: 'remind', 'Payload.$': '$' },
            OutputPath: '$.Payload',
            End: true,
          },
        },
      },
    };
    const first = await local(machines, {}, { dataDir, clock });
    const arn = await first.start('remind', { customer: 'c-1' });
    await first.server.idle();
    await first.stop();

    clock.advanceSeconds(4 * 86400);
    const second = await local(machines, { remind: (p) => ({ reminded: p.customer }) }, { dataDir, clock });
    await second.server.idle();
    const done = await second.describe(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(output(done)).toEqual({ reminded: 'c-1' });
  });

  it('keeps a Wait pending across a restart until its deadline', async () => {
    const dataDir = await tempDir();
    const clock = new ManualClock('2030-01-01T00:00:00Z');
    const machines = {
      hold: { StartAt: 'Hold', States: { Hold: { Type: 'Wait', Seconds: 600, End: true } } },
    };
    const first = await local(machines, {}, { dataDir, clock });
    const arn = await first.start('hold', { k: 1 });
    await first.server.idle();
    await first.stop();

    clock.advanceSeconds(300);
    const second = await local(machines, {}, { dataDir, clock });
    await second.server.idle();
    expect((await second.describe(arn)).status).toBe('RUNNING');
    clock.advanceSeconds(301);
    await second.server.idle();
    const done = await second.describe(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(output(done)).toEqual({ k: 1 });
  });

  it('applies a task timeout whose persisted deadline passed while stopped', async () => {
    const dataDir = await tempDir();
    const clock = new ManualClock('2030-01-01T00:00:00Z');
    const machines = { review: await fixture('sfn-review.asl.json') };
    const opened: Payload[] = [];
    const first = await local(machines, { 'dangan-open-review': (p) => opened.push(p) }, { dataDir, clock });
    const arn = await first.start('review', { submissionId: 's-t', reviewTimeoutSeconds: 3600 });
    await first.server.idle();
    await first.stop();

    clock.advanceSeconds(7200);
    const second = await local(machines, {}, { dataDir, clock });
    const late = await rejection(
      second.client.send(new SendTaskSuccessCommand({ taskToken: opened[0]?.token, output: '{}' })),
    );
    expect(late).toBeInstanceOf(TaskTimedOut);
    await second.server.idle();
    const done = await second.describe(arn);
    expect(output(done)).toEqual({ outcome: 'expired', error: 'States.Timeout' });
  });

  it('re-runs a Lambda that was still running when the server stopped', async () => {
    const dataDir = await tempDir();
    const clock = new ManualClock('2030-01-01T00:00:00Z');
    const machines = {
      job: {
        StartAt: 'Export',
        States: {
          Export: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: 'export', 'Payload.$': '$' },
            ResultSelector: { 'file.$': '$.Payload.file' },
            End: true,
          },
        },
      },
    };
    let release: (v: unknown) => void = () => {};
    const first = await local(
      machines,
      { export: () => new Promise((r) => (release = r)) },
      { dataDir, clock },
    );
    const arn = await first.start('job', { id: 'e-1' });
    await vi.waitFor(() => expect(first.calls).toHaveLength(1));
    await first.stop();
    release({ file: 'from-the-stopped-server' }); // a late result must not leak into the new process

    const second = await local(machines, { export: (p) => ({ file: `${p.id}.zip` }) }, { dataDir, clock });
    const done = await second.settle(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(output(done)).toEqual({ file: 'e-1.zip' });
    expect(second.calls).toHaveLength(1);
  });

  it('keeps finished executions and runs resumed ones on the definition they started with', async () => {
    const dataDir = await tempDir();
    const clock = new ManualClock('2030-01-01T00:00:00Z');
    const version = (v: string) => ({
      flow: {
        StartAt: 'Hold',
        States: {
          Hold: { Type: 'Wait', Seconds: 60, Next: 'Label' },
          Label: { Type: 'Pass', Result: v, End: true },
        },
      },
      quick: { StartAt: 'Done', States: { Done: { Type: 'Pass', Result: v, End: true } } },
    });
    const first = await local(version('v1'), {}, { dataDir, clock });
    const finished = await first.start('quick', {}, 'finished-before');
    await first.server.idle();
    const pending = await first.start('flow', {}, 'pending-across');
    await first.server.idle();
    await first.stop();

    const second = await local(version('v2'), {}, { dataDir, clock });
    const old = await second.describe(finished);
    expect(old.status).toBe('SUCCEEDED');
    expect(output(old)).toBe('v1');
    expect(entered(await second.history(finished))).toEqual(['Done']);
    const fresh = await second.start('flow', {}, 'started-after');
    clock.advanceSeconds(61);
    await second.server.idle();
    expect(output(await second.describe(pending))).toBe('v1');
    expect(output(await second.describe(fresh))).toBe('v2');
    const listed = await second.client.send(
      new ListExecutionsCommand({ stateMachineArn: second.machineArn('flow') }),
    );
    expect(listed.executions?.map((e) => e.name).sort()).toEqual(['pending-across', 'started-after']);
  });

  it('resumes Map iterations that wait on tokens, keeping finished iterations', async () => {
    const dataDir = await tempDir();
    const clock = new ManualClock('2030-01-01T00:00:00Z');
    const opened: Payload[] = [];
    const machines = {
      approvals: {
        StartAt: 'EachReviewer',
        States: {
          EachReviewer: {
            Type: 'Map',
            ItemsPath: '$.reviewers',
            ItemProcessor: {
              StartAt: 'Ask',
              States: {
                Ask: {
                  Type: 'Task',
                  Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
                  Parameters: {
                    FunctionName: 'ask',
                    Payload: { 'token.$': '$$.Task.Token', 'reviewer.$': '$' },
                  },
                  End: true,
                },
              },
            },
            End: true,
          },
        },
      },
    };
    const lambdas = { ask: (p: Payload) => opened.push(p) };
    const first = await local(machines, lambdas, { dataDir, clock });
    const arn = await first.start('approvals', { reviewers: ['ann', 'bob'] });
    await first.server.idle();
    expect(opened.map((p) => p.reviewer).sort()).toEqual(['ann', 'bob']);
    const tokenOf = (r: string) => opened.find((p) => p.reviewer === r)?.token as string;
    await first.client.send(new SendTaskSuccessCommand({ taskToken: tokenOf('ann'), output: '"ann-ok"' }));
    await first.server.idle();
    await first.stop();

    const second = await local(machines, lambdas, { dataDir, clock });
    await second.server.idle();
    expect((await second.describe(arn)).status).toBe('RUNNING');
    await second.client.send(new SendTaskSuccessCommand({ taskToken: tokenOf('bob'), output: '"bob-ok"' }));
    const done = await second.settle(arn);
    expect(output(done)).toEqual(['ann-ok', 'bob-ok']);
    expect(opened).toHaveLength(2);
  });
});

describe('failing where AWS fails', () => {
  it('fails the execution with States.Runtime when an intrinsic function fails, past Retry and Catch on States.ALL', async () => {
    const sfn = await local(
      {
        intrinsic: {
          StartAt: 'Send',
          States: {
            Send: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke',
              Parameters: { FunctionName: 'echo', 'Payload.$': 'States.StringToJson($.raw)' },
              Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 3 }],
              Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Caught' }],
              End: true,
            },
            Caught: { Type: 'Succeed' },
          },
        },
      },
      { echo: (p) => p },
    );
    const arn = await sfn.start('intrinsic', { raw: 'not json' });
    await sfn.server.idle();
    const done = await sfn.describe(arn); // no clock movement: nothing was retried
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('States.Runtime');
    expect(done.cause).toMatch(/States.StringToJson: the argument is not valid JSON/);
    expect(sfn.calls).toHaveLength(0);
    expect(entered(await sfn.history(arn))).toEqual(['Send']);
  });

  it('catches a missed heartbeat as States.HeartbeatTimeout with States.Timeout, not with States.TaskFailed', async () => {
    const opened: Payload[] = [];
    const sfn = await local(
      {
        hb: {
          StartAt: 'Work',
          States: {
            Work: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
              Parameters: { FunctionName: 'worker', Payload: { 'token.$': '$$.Task.Token' } },
              HeartbeatSeconds: 60,
              Catch: [
                { ErrorEquals: ['States.TaskFailed'], ResultPath: '$.error', Next: 'ByTaskFailed' },
                { ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'ByTimeout' },
              ],
              End: true,
            },
            ByTaskFailed: { Type: 'Pass', Result: 'TaskFailed', ResultPath: '$.by', End: true },
            ByTimeout: { Type: 'Pass', Result: 'Timeout', ResultPath: '$.by', End: true },
          },
        },
      },
      { worker: (p) => opened.push(p) },
    );
    const arn = await sfn.start('hb', {});
    await sfn.server.idle();
    sfn.clock.advanceSeconds(61);
    const done = await sfn.settle(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(output(done)).toMatchObject({ by: 'Timeout', error: { Error: 'States.HeartbeatTimeout' } });
  });

  const big = 'x'.repeat(300_000);
  const limited = (catchOn: string) => ({
    StartAt: 'Fetch',
    States: {
      Fetch: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: 'big', Payload: {} },
        Catch: [{ ErrorEquals: [catchOn], ResultPath: '$.error', Next: 'Caught' }],
        End: true,
      },
      Caught: { Type: 'Pass', OutputPath: '$.error', End: true },
    },
  });

  it('fails with States.DataLimitExceeded when a task result is over 256 KiB, which States.ALL does not catch', async () => {
    const sfn = await local({ all: limited('States.ALL') }, { big: () => big });
    const done = await sfn.settle(await sfn.start('all', {}));
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('States.DataLimitExceeded');
    expect(done.cause).toMatch(/The result of task 'Fetch'.* more than the maximum of 262144 bytes/);
    const failed = (await sfn.history(done.executionArn as string)).find((e) => e.type === 'TaskFailed');
    expect(failed?.taskFailedEventDetails?.error).toBe('States.DataLimitExceeded');
  });

  it('lets a Catch that names States.DataLimitExceeded handle it', async () => {
    const sfn = await local({ named: limited('States.DataLimitExceeded') }, { big: () => big });
    const done = await sfn.settle(await sfn.start('named', {}));
    expect(done.status).toBe('SUCCEEDED');
    expect(output(done)).toMatchObject({ Error: 'States.DataLimitExceeded' });
  });

  it('counts a state output in UTF-8 bytes: 262,144 pass, one more fails', async () => {
    const sfn = await local({
      grow: {
        StartAt: 'Double',
        States: {
          Double: {
            Type: 'Pass',
            Parameters: { 'a.$': 'States.Array($.s, $.s)', 'p.$': '$.p' },
            End: true,
          },
        },
      },
    });
    const s = '档'.repeat(40_000); // 3 bytes each in UTF-8
    const pad = 262_144 - Buffer.byteLength(JSON.stringify({ a: [s, s], p: '' }));
    const fits = await sfn.settle(await sfn.start('grow', { s, p: 'y'.repeat(pad) }));
    expect(fits.status).toBe('SUCCEEDED');
    expect(Buffer.byteLength(fits.output ?? '')).toBe(262_144);
    const over = await sfn.settle(await sfn.start('grow', { s, p: 'y'.repeat(pad + 1) }));
    expect(over.status).toBe('FAILED');
    expect(over.error).toBe('States.DataLimitExceeded');
    expect(over.cause).toMatch(/The output of state 'Double' has 262145 bytes/);
  });

  it('refuses an execution input or a task output over 256 KiB at the API', async () => {
    const opened: Payload[] = [];
    const sfn = await local(
      {
        wait: {
          StartAt: 'Work',
          States: {
            Work: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
              Parameters: { FunctionName: 'worker', Payload: { 'token.$': '$$.Task.Token' } },
              End: true,
            },
          },
        },
      },
      { worker: (p) => opened.push(p) },
    );
    const tooBig = await rejection(sfn.start('wait', { big }));
    expect(tooBig.name).toBe('ValidationException');
    expect(tooBig.message).toMatch(/Value at 'input' failed to satisfy constraint/);
    const arn = await sfn.start('wait', {});
    await sfn.server.idle();
    const taskToken = opened[0]?.token as string;
    const refused = await rejection(
      sfn.client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(big) })),
    );
    expect(refused.name).toBe('ValidationException');
    expect(refused.message).toMatch(/Value at 'output' failed to satisfy constraint/);
    expect((await sfn.describe(arn)).status).toBe('RUNNING');
  });
});
