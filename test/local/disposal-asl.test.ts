import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { WORKFLOWS } from '../../functions/catalog.ts';
import { ManualClock } from '../../infra/local/sfn/clock.ts';
import { type LocalSfnServer, startSfnServer } from '../../infra/local/sfn/server.ts';
import { workflowDefinitionPath } from '../../infra/shared.ts';

/**
 * statemachines/disposal.asl.json executed by the local Step Functions engine with stub steps:
 * what the workflow does with an approval, a refusal, a timeout, an appraisal that keeps
 * everything, and a destroy step that fails for one item.
 */

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const DAY = 86_400;

// biome-ignore lint/suspicious/noExplicitAny: stub steps receive the workflow's JSON payloads
type Payload = any;

class StepError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Run {
  server: LocalSfnServer;
  client: SFNClient;
  clock: ManualClock;
  calls: { fn: string; payload: Payload }[];
  tokens: { kind: string; round: number; token: string; returned: unknown }[];
  start(): Promise<string>;
  answer(kind: string, output: Record<string, unknown>): Promise<void>;
  settle(arn: string): Promise<DescribeExecutionCommandOutput>;
}

async function disposal(
  steps: { appraised?: number; items?: string[]; failing?: string } = {},
): Promise<Run> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'dangan-disposal-asl-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  let definition = await readFile(workflowDefinitionPath('disposal'), 'utf8');
  for (const [name, fn] of Object.entries(WORKFLOWS.disposal.substitutions)) {
    definition = definition.split(`\${${name}}`).join(`arn:aws:lambda:${REGION}:${ACCOUNT}:function:${fn}`);
  }
  const clock = new ManualClock('2037-01-20T18:00:00Z');
  const calls: Run['calls'] = [];
  const tokens: Run['tokens'] = [];
  const server = await startSfnServer({
    dataDir,
    region: REGION,
    accountId: ACCOUNT,
    credentials: { local: 'local' },
    now: clock.now,
    stateMachines: [{ name: 'disposal', definition }],
    invokeLambda: async (arn, payload: Payload) => {
      const fn = arn.split(':')[6] ?? arn;
      calls.push({ fn, payload });
      switch (fn) {
        case 'disposal-open-task':
          tokens.push({
            kind: payload.kind,
            round: payload.round,
            token: payload.taskToken,
            returned: payload.returned,
          });
          return { taskId: `${payload.kind}-${payload.round}` };
        case 'disposal-appraised':
          return { remaining: steps.appraised ?? 2, extended: 0 };
        case 'disposal-approved':
          return { items: steps.items ?? ['d1', 'd2'] };
        case 'disposal-destroy':
          if (payload.documentId === steps.failing) throw new StepError('WorkflowStateError', 'broken');
          return { documentId: payload.documentId, status: 'DESTROYED' };
        case 'disposal-finish':
          return { status: payload.outcome === 'extended' ? 'EXTENDED' : 'DONE' };
        case 'disposal-abandon':
          return { status: 'ABANDONED', released: 2 };
        default:
          throw new StepError('ResourceNotFoundException', fn);
      }
    },
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
  const run: Run = {
    server,
    client,
    clock,
    calls,
    tokens,
    async start() {
      const out = await client.send(
        new StartExecutionCommand({
          stateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:disposal`,
          name: 'KH-2036-11-20370120-1',
          input: JSON.stringify({ batchId: 'KH-2036-11-20370120-1' }),
        }),
      );
      await server.idle();
      return out.executionArn as string;
    },
    async answer(kind, output) {
      const t = tokens.filter((x) => x.kind === kind).at(-1);
      if (!t) throw new Error(`no ${kind} task`);
      await client.send(new SendTaskSuccessCommand({ taskToken: t.token, output: JSON.stringify(output) }));
      await server.idle();
    },
    async settle(arn) {
      for (let i = 0; i < 50; i++) {
        await server.idle();
        const d = await client.send(new DescribeExecutionCommand({ executionArn: arn }));
        if (d.status !== 'RUNNING') return d;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`${arn} did not finish`);
    },
  };
  return run;
}

const fns = (run: Run) => run.calls.map((c) => c.fn);

describe('disposal workflow', () => {
  it('appraisal, approval, one destroy per item (a failing one does not stop the rest), then the list', async () => {
    const run = await disposal({ failing: 'd2', items: ['d1', 'd2', 'd3'] });
    const arn = await run.start();
    expect(run.tokens.map((t) => [t.kind, t.round])).toEqual([['disposal-appraisal', 1]]);
    await run.answer('disposal-appraisal', { decision: 'approve', decidedBy: 'archivist1' });
    expect(run.tokens.map((t) => t.kind)).toEqual(['disposal-appraisal', 'disposal-approval']);
    await run.answer('disposal-approval', { decision: 'approve', decidedBy: 'approver1' });
    const done = await run.settle(arn);
    expect(done.status).toBe('SUCCEEDED');
    const destroyed = run.calls.filter((c) => c.fn === 'disposal-destroy').map((c) => c.payload);
    expect(destroyed.map((p) => p.documentId).sort()).toEqual(['d1', 'd2', 'd3']);
    expect(destroyed[0]).toEqual({ batchId: 'KH-2036-11-20370120-1', documentId: expect.any(String) });
    expect(run.calls.at(-1)).toEqual({
      fn: 'disposal-finish',
      payload: { batchId: 'KH-2036-11-20370120-1', outcome: 'destroyed' },
    });
    const appraised = run.calls.find((c) => c.fn === 'disposal-appraised')?.payload;
    expect(appraised).toEqual({
      batchId: 'KH-2036-11-20370120-1',
      round: 1,
      decision: { decision: 'approve', decidedBy: 'archivist1' },
    });
  });

  it("sends the batch back to appraisal on the approver's refusal, with the answer, and gives up after five rounds", async () => {
    const run = await disposal();
    const arn = await run.start();
    for (let round = 1; round <= 5; round++) {
      await run.answer('disposal-appraisal', { decision: 'approve', decidedBy: 'archivist1' });
      await run.answer('disposal-approval', {
        decision: 'reject',
        comment: `round ${round}`,
        decidedBy: 'approver1',
      });
    }
    const done = await run.settle(arn);
    expect(done.status).toBe('SUCCEEDED');
    const appraisals = run.tokens.filter((t) => t.kind === 'disposal-appraisal');
    expect(appraisals.map((t) => t.round)).toEqual([1, 2, 3, 4, 5]);
    expect(appraisals[1]?.returned).toMatchObject({ decision: 'reject', comment: 'round 1' });
    expect(fns(run)).not.toContain('disposal-destroy');
    expect(run.calls.at(-1)?.payload).toMatchObject({
      round: 5,
      reason: expect.stringMatching(/five rounds/),
    });
  });

  it('gives the documents back when nobody appraises within 30 days', async () => {
    const run = await disposal();
    const arn = await run.start();
    run.clock.advanceSeconds(31 * DAY);
    const done = await run.settle(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(run.calls.at(-1)).toEqual({
      fn: 'disposal-abandon',
      payload: {
        batchId: 'KH-2036-11-20370120-1',
        round: 1,
        reason: 'Nobody appraised the batch in time; its documents go back to the next sweep',
      },
    });
    expect(fns(run)).not.toContain('disposal-destroy');
  });

  it('closes as extended, destroying nothing, when the appraisal keeps every document', async () => {
    const run = await disposal({ appraised: 0 });
    const arn = await run.start();
    await run.answer('disposal-appraisal', {
      decision: 'reject',
      extendYears: 15,
      reason: '涉诉',
      decidedBy: 'archivist1',
    });
    const done = await run.settle(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(fns(run)).toEqual(['disposal-open-task', 'disposal-appraised', 'disposal-finish']);
    expect(run.calls.at(-1)?.payload).toEqual({ batchId: 'KH-2036-11-20370120-1', outcome: 'extended' });
  });
});
