/**
 * The execution store: every execution, history included, is written to
 * `dataDir/executions/*.json` after every transition, so a new process on the same data directory
 * picks up every RUNNING execution where it stood (tokens stay valid, deadlines are absolute).
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type MachineDefinition, parseDefinition } from './asl.ts';
import type { Json } from './jsonpath.ts';
import { type Exec, type ExecRecord, message, Scope } from './types.ts';

export class ExecutionStore {
  readonly executions = new Map<string, Exec>();
  readonly running = new Set<Exec>();
  /** task token → the execution that issued it */
  readonly tokens = new Map<string, Exec>();
  private closed = false;

  private constructor(private readonly dir: string) {}

  /** Opens the store under `dataDir`, loading every readable execution. */
  static async open(dataDir: string): Promise<ExecutionStore> {
    const store = new ExecutionStore(path.join(dataDir, 'executions'));
    await mkdir(store.dir, { recursive: true });
    await store.load();
    return store;
  }

  private async load(): Promise<void> {
    const files = (await readdir(this.dir)).filter((f) => f.endsWith('.json'));
    for (const f of files) {
      const file = path.join(this.dir, f);
      let rec: ExecRecord;
      try {
        rec = JSON.parse(await readFile(file, 'utf8')) as ExecRecord;
      } catch (e) {
        console.error(`[sfn] skipping unreadable execution file ${file}: ${message(e)}`);
        continue;
      }
      let def: MachineDefinition;
      try {
        def = parseDefinition(rec.stateMachineName, rec.definition);
      } catch (e) {
        console.error(`[sfn] skipping execution ${rec.executionArn}: ${message(e)}`);
        continue;
      }
      const ex: Exec = {
        rec,
        def,
        inputJson: JSON.parse(rec.input) as Json,
        scope: new Scope(),
        file,
        dirty: false,
      };
      this.executions.set(rec.executionArn, ex);
      for (const token of Object.keys(rec.tokens)) this.tokens.set(token, ex);
      if (rec.status === 'RUNNING') this.running.add(ex);
      else ex.scope.cancelled = true;
    }
  }

  /** Adds a new RUNNING execution. */
  add(rec: ExecRecord, def: MachineDefinition, inputJson: Json): Exec {
    const name = createHash('sha256').update(rec.executionArn).digest('hex').slice(0, 40);
    const ex: Exec = {
      rec,
      def,
      inputJson,
      scope: new Scope(),
      file: path.join(this.dir, `${name}.json`),
      dirty: false,
    };
    this.executions.set(rec.executionArn, ex);
    this.running.add(ex);
    return ex;
  }

  registerToken(ex: Exec, token: string, threadId: string): void {
    ex.rec.tokens[token] = { thread: threadId, open: true };
    this.tokens.set(token, ex);
  }

  closeToken(ex: Exec, token: string): void {
    const entry = ex.rec.tokens[token];
    if (entry) entry.open = false;
  }

  /** Marks the execution ended: no longer running, every token closed. */
  finish(ex: Exec): void {
    this.running.delete(ex);
    for (const entry of Object.values(ex.rec.tokens)) entry.open = false;
  }

  /** Schedules a write of the execution; writes coalesce, the last state always lands. */
  persist(ex: Exec): void {
    if (this.closed) return;
    ex.dirty = true;
    if (!ex.writing) ex.writing = this.flush(ex);
  }

  private async flush(ex: Exec): Promise<void> {
    try {
      while (ex.dirty) {
        ex.dirty = false;
        const tmp = `${ex.file}.tmp`;
        await writeFile(tmp, JSON.stringify(ex.rec));
        await rename(tmp, ex.file);
      }
    } catch (e) {
      console.error(`[sfn] could not persist ${ex.rec.executionArn}: ${message(e)}`);
    } finally {
      ex.writing = undefined;
    }
  }

  /** Stops accepting writes and waits for the ones under way. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.executions.values()].map((ex) => ex.writing));
  }
}
