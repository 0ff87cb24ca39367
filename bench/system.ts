/**
 * The local system under measurement: `npm start` on a temporary data directory and free ports
 * (test/e2e/system.ts), with the meters of probe.ts loaded into its process, and the clients the
 * benchmark drives it with.
 */
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { freePort } from '../infra/local/dynamodb.ts';
import { Api } from '../test/e2e/client.ts';
import { type LocalSystem, startSystem, tempDataDir, until } from '../test/e2e/system.ts';
import { PROBE_PORT_ENV, type ProbeState } from './meters.ts';

export class Probe {
  constructor(private readonly url: string) {}

  private async call(method: string, path: string): Promise<ProbeState> {
    const res = await fetch(`${this.url}${path}`, { method });
    if (res.status !== 200) throw new Error(`probe ${path}: ${res.status}`);
    return (await res.json()) as ProbeState;
  }

  /**
   * Clears the meters and starts recording. `one-change` delivers each stream batch one change
   * at a time, as at low traffic; by default the batches are what the poller gathered.
   */
  async record(streamBatches: 'one-change' | 'as-gathered' = 'as-gathered'): Promise<void> {
    await this.call('POST', streamBatches === 'one-change' ? '/record?stream-batches=one-change' : '/record');
  }

  /** Stops recording and returns what was recorded. */
  stop(): Promise<ProbeState> {
    return this.call('POST', '/stop');
  }

  state(): Promise<ProbeState> {
    return this.call('GET', '/state');
  }

  /** Invocations completed, succeeded and running per function: what waiting needs, cheap to ask often. */
  activity(): Promise<Pick<ProbeState, 'completed' | 'succeeded' | 'inflight'>> {
    return this.call('GET', '/activity');
  }

  /** Invocations of `fn` that succeeded so far (recording or not). */
  async succeeded(fn: string): Promise<number> {
    return (await this.state()).succeeded[fn] ?? 0;
  }

  /**
   * Waits until the functions `fns` (stream consumers) have been idle for `quietMs`: none running
   * and none finished in that time, so the work a workload caused downstream is in the meters.
   */
  async waitIdle(fns: readonly string[], quietMs = 2_000, timeoutMs = 120_000): Promise<void> {
    const sig = (s: Pick<ProbeState, 'completed' | 'inflight'>) =>
      JSON.stringify(fns.map((f) => [s.completed[f] ?? 0, s.inflight[f] ?? 0]));
    let last = '';
    let since = Date.now();
    await until(
      `${fns.join(', ')} idle for ${quietMs} ms`,
      async () => {
        const s = await this.activity();
        const now = sig(s);
        const busy = fns.some((f) => (s.inflight[f] ?? 0) > 0);
        if (now !== last || busy) {
          last = now;
          since = Date.now();
          return undefined;
        }
        return Date.now() - since >= quietMs ? true : undefined;
      },
      timeoutMs,
      100,
    );
  }

  /** Waits until `fn` has succeeded `count` times in all and no invocation of it is running. */
  waitSucceeded(fn: string, count: number, timeoutMs = 180_000): Promise<true> {
    return until(
      `${count} successful invocations of ${fn}`,
      async () => {
        const s = await this.activity();
        return (s.succeeded[fn] ?? 0) >= count && (s.inflight[fn] ?? 0) === 0 ? true : undefined;
      },
      timeoutMs,
      50,
    );
  }
}

export interface BenchSystem {
  system: LocalSystem;
  api: Api;
  probe: Probe;
  sfn: SFNClient;
  dynamodb: DynamoDBClient;
  ports: { api: number; s3: number; sfn: number };
  stop(): Promise<void>;
}

const PROBE = fileURLToPath(new URL('./probe.ts', import.meta.url));

export async function startBenchSystem(): Promise<BenchSystem> {
  const probePort = await freePort();
  const system = await startSystem({
    dataDir: tempDataDir('bench'),
    timeoutMs: 120_000,
    nodeArgs: [
      '--import',
      PROBE,
      // BENCH_PROF=<dir>: a CPU profile of the local system, written there when it stops.
      ...(process.env.BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`] : []),
    ],
    // Functions log at the level they have on AWS (Powertools' default, INFO): log volume is billed.
    env: { [PROBE_PORT_ENV]: String(probePort), POWERTOOLS_LOG_LEVEL: 'INFO' },
  });
  const { ready, credentials } = system;
  const aws = { region: ready.region, credentials };
  const sfn = new SFNClient({ ...aws, endpoint: ready.sfnUrl });
  const dynamodb = new DynamoDBClient({ ...aws, endpoint: ready.dynamodbUrl });
  const port = (url: string) => Number(new URL(url).port);
  return {
    system,
    api: new Api(ready.apiUrl),
    probe: new Probe(`http://127.0.0.1:${probePort}`),
    sfn,
    dynamodb,
    ports: { api: port(ready.apiUrl), s3: port(ready.s3Url), sfn: port(ready.sfnUrl) },
    async stop() {
      // What the system logged as errors, so a failed run says why (a 5xx names only its route).
      const errors = system.errors();
      if (errors.length > 0) {
        process.stderr.write(
          `the local system logged errors (the last of the ${errors.length} kept):\n${errors.slice(-10).join('\n')}\n`,
        );
      }
      sfn.destroy();
      dynamodb.destroy();
      const code = await system.stop();
      rmSync(system.dataDir, { recursive: true, force: true });
      if (code !== 0) throw new Error(`the local system exited with ${code}:\n${system.output()}`);
    },
  };
}
