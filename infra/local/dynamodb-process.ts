/**
 * The DynamoDB Local process: its JVM started on a port of its own, before anything waits for it.
 * Kept apart from dynamodb.ts (which waits for it to answer and creates the tables through the
 * SDK) so that `npm start` can launch the JVM first thing, before it loads the rest of the system:
 * the JVM's start and the system's module loading then overlap.
 *
 * The JVM runs the jar the `amplify-dynamodb-simulator` package ships, in its own process group (a
 * Ctrl-C in the terminal reaches the launcher, which stops the emulator last, after everything
 * that writes to it), bound to its parent's life: `setpriv --pdeathsig KILL` where available,
 * otherwise a small watchdog that kills it once the parent pid is gone.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';

const require = createRequire(import.meta.url);

/** The local system's JVM options: a heap limit (its tables are small). */
export const SYSTEM_JVM_ARGS = ['-Xmx512m'];

export interface LaunchOptions {
  dataDir: string;
  /** 0 picks a free port. */
  port: number;
  /** Extra JVM options, e.g. a heap limit. */
  jvmArgs?: string[];
}

/** A JVM started; whether it answers is for dynamodb.ts to find out. */
export interface LaunchedDynamoDb {
  options: LaunchOptions;
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  /** Resolves when the JVM has exited, whoever ended it. */
  exited: Promise<number | null>;
  /** The JVM said its port is taken (it then lingers without listening). */
  portTaken(): boolean;
  /** Receives the emulator's output lines, those printed so far first. */
  onOutput(listener: (line: string) => void): void;
  stop(): Promise<void>;
}

export function emulatorDir(): string {
  return join(dirname(require.resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
}

/** Asks the OS for a free TCP port (DynamoDB Local cannot report a port it chose itself). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return listenOnce(0, host).then((port) => port ?? 0);
}

/** Listens on `port` and closes again: the port it got, or undefined when that one is taken. */
function listenOnce(port: number, host: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) =>
      err.code === 'EADDRINUSE' ? resolve(undefined) : reject(err),
    );
    srv.listen(port, host, () => {
      const addr = srv.address();
      const got = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(got));
    });
  });
}

/**
 * A free port for a child that binds it a second later. Taken below the kernel's ephemeral range:
 * a port the OS handed out for `listen(0)` is back in that range the moment it is closed, and the
 * next server of this system that listens on port 0 (the mail inbox, say) may be given it before
 * the JVM has started.
 */
async function portForChild(host = '127.0.0.1'): Promise<number> {
  const low = ephemeralRangeStart();
  if (low > 12_000) {
    for (let attempt = 0; attempt < 50; attempt++) {
      const candidate = 10_000 + Math.floor(Math.random() * (low - 10_000));
      if ((await listenOnce(candidate, host)) !== undefined) return candidate;
    }
  }
  return freePort(host);
}

function ephemeralRangeStart(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return 49_152; // IANA's dynamic range, used by macOS and Windows
  }
}

let setprivAvailable: boolean | undefined;
function hasSetpriv(): boolean {
  if (setprivAvailable === undefined) {
    const probe = spawnSync('setpriv', ['--pdeathsig', 'KILL', '--', 'true'], { stdio: 'ignore' });
    setprivAvailable = probe.status === 0;
  }
  return setprivAvailable;
}

/** Starts the JVM with its database under `<dataDir>/dynamodb`, and does not wait for it. */
export async function launchDynamoDbLocal(options: LaunchOptions): Promise<LaunchedDynamoDb> {
  const dbPath = join(options.dataDir, 'dynamodb');
  mkdirSync(dbPath, { recursive: true });
  const port = options.port === 0 ? await portForChild() : options.port;
  const early: string[] = [];
  let listener: ((line: string) => void) | undefined;
  let portTaken = false;
  const child = spawnJvm(options, port, dbPath, (line) => {
    if (/BindException|Address already in use/.test(line)) portTaken = true;
    if (listener) listener(line);
    else if (early.push(line) > 200) early.shift();
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start java for DynamoDB Local');
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      child.kill('SIGTERM');
    }
    const killer = setTimeout(() => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 5000);
    await exited;
    clearTimeout(killer);
  };
  return {
    options,
    url: `http://127.0.0.1:${port}`,
    port,
    pid,
    child,
    exited,
    portTaken: () => portTaken,
    onOutput(next) {
      listener = next;
      for (const line of early.splice(0)) next(line);
    },
    stop,
  };
}

function spawnJvm(
  options: LaunchOptions,
  port: number,
  dbPath: string,
  onLine: (line: string) => void,
): ChildProcess {
  const dir = emulatorDir();
  const javaArgs = [
    '-XX:+UseSerialGC',
    // C1 only: the JVM starts in about half the time, and the emulator is bound by SQLite anyway.
    '-XX:TieredStopAtLevel=1',
    '-Xshare:auto',
    ...(options.jvmArgs ?? []),
    `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(dir, 'DynamoDBLocal.jar'),
    '-sharedDb',
    '-disableTelemetry',
    '-dbPath',
    dbPath,
    '-port',
    String(port),
  ];
  const [cmd, args] = hasSetpriv()
    ? ['setpriv', ['--pdeathsig', 'KILL', '--', 'java', ...javaArgs]]
    : ['java', javaArgs];
  const child = spawn(cmd, args as string[], {
    cwd: dir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (!hasSetpriv() && child.pid !== undefined) {
    // Without PR_SET_PDEATHSIG, a watchdog ends the JVM's group once this process is gone.
    const watchdog = spawn(
      'sh',
      [
        '-c',
        'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done; kill -9 -- "-$2" 2>/dev/null',
        'watchdog',
        String(process.pid),
        String(child.pid),
      ],
      { detached: true, stdio: 'ignore' },
    );
    watchdog.unref();
  }
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (text: string) => {
      const line = text.trimEnd();
      if (line !== '') onLine(line);
    });
  }
  return child;
}
