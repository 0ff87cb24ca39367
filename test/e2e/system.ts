/**
 * Runs `npm start` (the same entry, through tsx) as a child process on a temporary data
 * directory and free ports, and waits for its readiness line. Stopping it checks that the
 * DynamoDB Local JVM went away with it. Uploads' events and scan results come with no delay
 * (DANGAN_EVENT_DELAY_MS=0, DANGAN_SCAN_DELAY_MS=0) unless `env` says otherwise; the browser
 * tests and the benchmarks start the system here too.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const PROJECT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const READY_PREFIX = 'DANGAN_READY ';

export interface Ready {
  apiUrl: string;
  consoleUrl: string;
  s3Url: string;
  sfnUrl: string;
  dynamodbUrl: string;
  /** MailDev's web inbox (REST API under `/api`) and the SMTP server the notifier sends to. */
  mailInboxUrl: string;
  smtpUrl: string;
  region: string;
  accountId: string;
  dataDir: string;
  credentialsFile: string;
  intakeBucket: string;
  archiveBucket: string;
  tables: { records: string; audit: string };
  stateMachines: Record<string, string>;
  users: { username: string; groups: string[] }[];
  pid: number;
  dynamodbPid: number;
  startupMs: number;
}

export interface LocalSystem {
  ready: Ready;
  dataDir: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The last lines the system printed (stdout and stderr), for failure messages. */
  output(): string;
  /**
   * The last errors it logged (a function's ERROR line, a route answered 5xx), kept apart from
   * `output` so a busy system's other lines cannot push them out.
   */
  errors(): string[];
  /** SIGTERM, then waits for the exit and for the JVM to be gone; returns the exit code. */
  stop(): Promise<number | null>;
  /** Sends a signal to the launcher only (e.g. SIGKILL) and waits for its exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function tempDataDir(label = 'e2e'): string {
  return mkdtempSync(join(tmpdir(), `dangan-${label}-`));
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export async function startSystem(
  options: {
    dataDir?: string;
    timeoutMs?: number;
    env?: Record<string, string>;
    /** Node.js options before the entry module, e.g. `--import <module>` (the benchmarks' meters). */
    nodeArgs?: string[];
    /** Names the temporary data directory made when `dataDir` is not given. */
    label?: string;
  } = {},
): Promise<LocalSystem> {
  const dataDir = options.dataDir ?? tempDataDir(options.label);
  const lines: string[] = [];
  const errors: string[] = [];
  const remember = (line: string) => {
    lines.push(line);
    if (lines.length > 400) lines.splice(0, lines.length - 400);
    if (/"level":"(ERROR|CRITICAL)"| → 5\d\d/.test(line)) {
      errors.push(line);
      if (errors.length > 50) errors.splice(0, errors.length - 50);
    }
  };
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      ...(options.nodeArgs ?? []),
      join(PROJECT_DIR, 'infra', 'local', 'main.ts'),
      '--data-dir',
      dataDir,
      '--port',
      '0',
      '--s3-port',
      '0',
      '--sfn-port',
      '0',
      '--dynamodb-port',
      '0',
    ],
    {
      cwd: PROJECT_DIR,
      // Uploads' events and scan results as soon as possible (still after the PUT is answered);
      // a test that wants AWS's delays, or holds them, sets its own (infra/local/deliveries.ts).
      env: {
        ...process.env,
        POWERTOOLS_LOG_LEVEL: 'WARN',
        // The system stops by itself once this test process is gone, even before it is ready.
        DANGAN_PARENT_PID: String(process.pid),
        DANGAN_EVENT_DELAY_MS: '0',
        DANGAN_SCAN_DELAY_MS: '0',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.once('exit', (code, signal) => res({ code, signal })),
  );

  const readiness = new Promise<Ready>((resolveReady, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no readiness line within ${options.timeoutMs ?? 90_000} ms:\n${lines.join('\n')}`));
    }, options.timeoutMs ?? 90_000);
    const watch = (stream: NodeJS.ReadableStream | null, isStdout: boolean) => {
      if (!stream) return;
      createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line: string) => {
        remember(line);
        if (isStdout && line.startsWith(READY_PREFIX)) {
          clearTimeout(timer);
          try {
            resolveReady(JSON.parse(line.slice(READY_PREFIX.length)) as Ready);
          } catch (err) {
            reject(err);
          }
        }
      });
    };
    watch(child.stdout, true);
    watch(child.stderr, false);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the system exited (${code ?? signal}) before it was ready:\n${lines.join('\n')}`));
    });
  });
  let ready: Ready;
  try {
    ready = await readiness;
  } catch (err) {
    // A system that never became ready is stopped (its JVM goes with it), and a directory made
    // for it removed.
    child.kill('SIGKILL');
    await exited;
    if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }

  const credentials = JSON.parse(readFileSync(ready.credentialsFile, 'utf8')) as LocalSystem['credentials'];
  const waitGone = (pid: number) =>
    until(`pid ${pid} to be gone`, () => (isAlive(pid) ? undefined : true), 15_000);

  return {
    ready,
    dataDir,
    credentials,
    output: () => lines.join('\n'),
    errors: () => [...errors],
    exited,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const { code } = await exited;
      clearTimeout(timer);
      await waitGone(ready.dynamodbPid);
      return code;
    },
    async kill(signal) {
      child.kill(signal);
      await exited;
    },
  };
}
